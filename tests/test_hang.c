/*
 * test_hang.c - --hang-timeout: a listener that stops making progress is
 * terminated and relaunched; one that makes progress, or is finishing after
 * a stop, is left alone.
 */
#include "harness/harness.h"

#include "ipc_mapping.h"
#include "ipc_time.h"

#include <stdio.h>

/* A listener inside a 3 s unit with --hang-timeout 800 is terminated (exit 1460) and replaced. */
TEST_IMPL(faults_hang_detected)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t expected[TEST_TEXT_CAP];
    TestProc *controller;
    HANDLE first;
    DWORD first_pid;
    DWORD second_pid;

    TestUniqueName(L"hang", name, TEST_TEXT_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"shared", L"--hang-timeout", L"800",
                                     L"--restart-delay", L"100", L"--", L"--work-ms", L"3000", (const wchar_t *)NULL);
    first_pid = TestWaitOwnListener(controller, name, 0);
    first = TestOpenListener(first_pid);
    swprintf(expected, TEST_TEXT_CAP,
             L"Listener (pid %lu) completed no unit of work for 800 ms (--hang-timeout); terminating it",
             (unsigned long)first_pid);
    ASSERT_OUTPUT(controller, expected, 5000);
    ASSERT_EQ_INT(TestExitCodeOf(first, 5000), TERMINATED_EXIT_CODE);
    swprintf(expected, TEST_TEXT_CAP, L"Listener (pid %lu) exited with code %lu", (unsigned long)first_pid,
             (unsigned long)TERMINATED_EXIT_CODE);
    ASSERT_OUTPUT(controller, expected, 5000);
    ASSERT(TestWaitOutputCount(controller, TEXT_LAUNCHING, 2, 5000));
    second_pid = TestWaitOwnListener(controller, name, first_pid);
    ASSERT(second_pid != first_pid);
    ASSERT(TestWaitHeaderU32(name, OFF_LAST_EXIT_CODE, TERMINATED_EXIT_CODE, 2000));
    CloseHandle(first);
}

#define TEXT_HANG_WARNING L"Warning: --hang-timeout "

/*
 * --hang-timeout 1000 with 3 s units: the controller says at the start that
 * every listener will be killed, and the kills back off as quick exits do
 * (100, 200, 400 ms from --restart-delay 100), never "relaunching now".
 */
TEST_IMPL(faults_hang_shorter_than_unit)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *controller;
    DWORD pid;

    TestUniqueName(L"hangshort", name, TEST_TEXT_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"shared", L"--hang-timeout", L"1000",
                                     L"--restart-delay", L"100", L"--", L"--work-ms", L"3000", (const wchar_t *)NULL);
    ASSERT_OUTPUT(controller,
                  L"Warning: --hang-timeout 1000 ms is not longer than one unit of work of the listener (--work-ms "
                  L"3000): every listener will be terminated as hung before it completes a unit.",
                  5000);
    pid = TestWaitOwnListener(controller, name, 0);
    ASSERT(pid != 0);
    ASSERT_OUTPUT(controller, L"terminated as hung; relaunching in 100 ms (it completed no unit of work", 10000);
    ASSERT_OUTPUT(controller, L"terminated as hung; relaunching in 200 ms (it completed no unit of work", 10000);
    ASSERT_OUTPUT(controller, L"terminated as hung; relaunching in 400 ms (it completed no unit of work", 10000);
    ASSERT_NOT_CONTAINS(TestOutputText(controller), L"relaunching now");
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_HANG_WARNING), 1);
    TestStopExpect(name, 15000, 0);
    ASSERT_EXIT(controller, 0, 10000);
}

/* Our listener's default unit is 6000 ms: --hang-timeout 6000 without --work-ms is warned about too. */
TEST_IMPL(faults_hang_shorter_than_default_unit)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *controller;

    TestUniqueName(L"hangdef", name, TEST_TEXT_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"shared", L"--hang-timeout", L"6000",
                                     (const wchar_t *)NULL);
    ASSERT_OUTPUT(controller, L"Warning: --hang-timeout 6000 ms is not longer than one unit of work of the listener "
                              L"(--work-ms 6000)", 5000);
    TestWaitOwnListener(controller, name, 0);
    TestStopExpect(name, 20000, 0);
    ASSERT_EXIT(controller, 0, 10000);
}

/* Units of 200 ms under --hang-timeout 800: nothing is terminated in 3 s. */
TEST_IMPL(faults_hang_not_triggered_by_progress)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *controller;
    HANDLE listener;
    DWORD pid;

    TestUniqueName(L"nohang", name, TEST_TEXT_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"shared", L"--hang-timeout", L"800",
                                     L"--", L"--work-ms", L"200", (const wchar_t *)NULL);
    pid = TestWaitOwnListener(controller, name, 0);
    listener = TestOpenListener(pid);
    Sleep(3000);
    ASSERT_NOT_CONTAINS(TestOutputText(controller), TEXT_TERMINATING);
    ASSERT_NOT_CONTAINS(TestOutputText(controller), TEXT_HANG_WARNING);
    ASSERT(WaitForSingleObject(listener, 0) == WAIT_TIMEOUT);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    ASSERT_GE_INT(TestHeaderU64(name, OFF_UNITS), 8);
    TestStopExpect(name, 15000, 0);
    ASSERT_EQ_INT(TestExitCodeOf(listener, 5000), 0);
    ASSERT_EXIT(controller, 0, 10000);
    CloseHandle(listener);
}

/*
 * A listener finishing a long last unit after a close message is not hung:
 * --hang-timeout does not terminate it, however long past the timeout it runs.
 */
TEST_IMPL(faults_hang_spares_stopping_listener)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *controller;
    HANDLE listener;
    DWORD pid;

    TestUniqueName(L"hangstop", name, TEST_TEXT_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"shared", L"--hang-timeout", L"2000",
                                     L"--", L"--work-ms", L"4000", (const wchar_t *)NULL);
    pid = TestWaitOwnListener(controller, name, 0);
    listener = TestOpenListener(pid);
    ASSERT(TestWaitHeaderU32(name, OFF_STATE, STATE_WORKING, 5000));
    TestStopExpect(name, 15000, 0);
    ASSERT_EQ_INT(TestExitCodeOf(listener, 0), 0);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_NOT_CONTAINS(TestOutputText(controller), TEXT_TERMINATING);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    CloseHandle(listener);
}

/*
 * A listener whose process DACL denies PROCESS_TERMINATE to this user (what
 * another user's or an elevated listener looks like to termination), hung
 * inside a long unit. The controller adopts it all the same (watching needs
 * only SYNCHRONIZE and the limited query right), asks for PROCESS_TERMINATE
 * only at the hang, is refused, and says "access denied": no "Not adopting",
 * no launch, no relaunch loop. --stop --force is refused the same way and
 * kills nothing (exit 6).
 */
TEST_IMPL(faults_hang_kill_access_denied)
{
    wchar_t name[TEST_TEXT_CAP];
    const wchar_t *args[3];
    TestProc *listener;
    TestProc *controller;
    TestProc *stopper;

    TestUniqueName(L"hangdenied", name, TEST_TEXT_CAP);
    args[0] = name;
    args[1] = L"--work-ms";
    args[2] = L"30000";
    listener = TestSpawnListener(TEST_SPAWN_DENY_TERMINATE, args, 3);
    ASSERT_OUTPUT(listener, TEXT_PROCESSING, 10000);
    ASSERT(TestWaitHeaderU32(name, OFF_STATE, STATE_WORKING, 5000));
    ASSERT_MSG(OpenProcess(PROCESS_TERMINATE, FALSE, TestPid(listener)) == NULL,
               L"the listener's DACL did not deny PROCESS_TERMINATE");
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--hang-timeout", L"800",
                                     L"--restart-delay", L"100", (const wchar_t *)NULL);
    ASSERT_OUTPUT(controller, TEXT_ALREADY, 10000);
    ASSERT_OUTPUT(controller, TEXT_TERMINATING, 5000);
    ASSERT_OUTPUT(controller, L"access denied", 5000);
    Sleep(1000);
    ASSERT(TestIsRunning(listener));
    ASSERT(TestIsRunning(controller));
    ASSERT_NOT_CONTAINS(TestOutputText(controller), TEXT_NOT_ADOPTING);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 0);

    stopper = TestSpawnController(TEST_SPAWN_DEFAULT, L"--stop", name, L"--timeout", L"300", L"--force",
                                  (const wchar_t *)NULL);
    ASSERT_EXIT(stopper, IPC_EXIT_STOP_TIMEOUT, 15000);
    ASSERT_CONTAINS(TestOutputText(stopper), L"access denied");
    ASSERT_NOT_CONTAINS(TestOutputText(stopper), L"Not waiting");
    ASSERT(TestIsRunning(listener));
}

/*
 * The wall clock cannot be set from a test, so these two tests move what a
 * clock step moves: the header's wall-clock last_progress, a day away from
 * the real time, while the controller watches. The hang decision and
 * --status's "the last one ended N s ago" must not change.
 */
#define ONE_DAY_100NS (24ull * 3600u * 10000000u)

/*
 * The clock set back by a day: the last unit seems to end a day from now. A
 * listener hung inside a 30 s unit is still terminated after --hang-timeout,
 * not only after its unit (a FILETIME comparison would see fresh progress).
 */
TEST_IMPL(faults_hang_clock_set_back)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t expected[TEST_TEXT_CAP];
    TestProc *controller;
    IpcMapping m = {0};
    HANDLE listener;
    DWORD pid;

    TestUniqueName(L"hangback", name, TEST_TEXT_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"shared", L"--hang-timeout", L"3000",
                                     L"--restart-delay", L"100", L"--", L"--work-ms", L"30000", (const wchar_t *)NULL);
    pid = TestWaitOwnListener(controller, name, 0);
    listener = TestOpenListener(pid);
    ASSERT(TestWaitHeaderU32(name, OFF_STATE, STATE_WORKING, 5000));
    ASSERT_EQ_INT(IpcMappingOpen(name, &m), ERROR_SUCCESS);
    ASSERT(IpcMappingHeader(&m) != NULL);
    IpcHeaderWrite64(&IpcMappingHeader(&m)->last_progress, IpcNowU64() + ONE_DAY_100NS);
    swprintf(expected, TEST_TEXT_CAP,
             L"Listener (pid %lu) completed no unit of work for 3000 ms (--hang-timeout); terminating it",
             (unsigned long)pid);
    ASSERT_OUTPUT(controller, expected, 10000);
    ASSERT_EQ_INT(TestExitCodeOf(listener, 5000), TERMINATED_EXIT_CODE);
    IpcMappingClose(&m);
    CloseHandle(listener);
}

typedef struct ClockStep {
    volatile IpcHeader *view;
    BOOL clear_tick; /* write 0 into last_progress_tick instead, as a listener of an earlier build leaves it */
    volatile LONG stop;
} ClockStep;

/* Keeps last_progress a day in the past (or the tick at 0), over every unit the listener records. */
static DWORD WINAPI StepBackLastProgress(LPVOID param)
{
    ClockStep *step = (ClockStep *)param;
    while (InterlockedCompareExchange(&step->stop, 0, 0) == 0) {
        if (step->clear_tick) {
            IpcHeaderWrite64(&step->view->last_progress_tick, 0);
        } else {
            IpcHeaderWrite64(&step->view->last_progress, IpcNowU64() - ONE_DAY_100NS);
        }
        Sleep(1);
    }
    return 0;
}

/*
 * A listener completing a unit every 200 ms under --hang-timeout 1500, its
 * header changed all along by StepBackLastProgress: in 4 s it is not
 * terminated, and --status says its last unit ended a moment ago.
 */
static void RunUnderClockStep(const wchar_t *tag, BOOL clear_tick)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *controller;
    TestProc *status;
    wchar_t units[TEST_TEXT_CAP];
    IpcMapping m = {0};
    ClockStep step;
    HANDLE thread;
    HANDLE listener;
    DWORD pid;

    TestUniqueName(tag, name, TEST_TEXT_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"shared", L"--hang-timeout", L"1500",
                                     L"--", L"--work-ms", L"200", (const wchar_t *)NULL);
    pid = TestWaitOwnListener(controller, name, 0);
    listener = TestOpenListener(pid);
    ASSERT_EQ_INT(IpcMappingOpen(name, &m), ERROR_SUCCESS);
    ASSERT(IpcMappingHeader(&m) != NULL);
    step.view = IpcMappingHeader(&m);
    step.clear_tick = clear_tick;
    step.stop = 0;
    thread = CreateThread(NULL, 0, StepBackLastProgress, &step, 0, NULL);
    ASSERT(thread != NULL);
    Sleep(4000);
    status = TestExpectStatus(name, 0);
    InterlockedExchange(&step.stop, 1);
    WaitForSingleObject(thread, INFINITE);
    CloseHandle(thread);
    ASSERT_NOT_CONTAINS(TestOutputText(controller), TEXT_TERMINATING);
    ASSERT(WaitForSingleObject(listener, 0) == WAIT_TIMEOUT);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    ASSERT_MSG(TestOutputLine(status, L"; the last one ended ", units, TEST_TEXT_CAP), L"no units line:\n%ls",
               TestOutputText(status));
    /* "0.2 s ago", never "24 h 00 min 00 s ago" (without a tick it is the FILETIME's, which is not moved then). */
    ASSERT_NOT_CONTAINS(units, L" h ");
    ASSERT_NOT_CONTAINS(units, L" min ");
    TestStopExpect(name, 15000, 0);
    ASSERT_EQ_INT(TestExitCodeOf(listener, 5000), 0);
    ASSERT_EXIT(controller, 0, 10000);
    IpcMappingClose(&m);
    CloseHandle(listener);
}

/*
 * The clock set forward by a day (or a laptop that slept for one): every unit
 * seems to have ended a day ago, yet nothing is terminated and --status does
 * not say 24 hours.
 */
TEST_IMPL(faults_hang_clock_set_forward)
{
    RunUnderClockStep(L"hangfwd", FALSE);
}

/*
 * A listener that records units but leaves last_progress_tick at 0 (one built
 * before the field, adopted by this controller) cannot be timed: it is not
 * terminated as hung, and --status falls back to the wall-clock last_progress.
 */
TEST_IMPL(faults_hang_listener_without_tick)
{
    RunUnderClockStep(L"hangnotick", TRUE);
}
