/*
 * test_controller.c - ConsoleAppController.exe: launching, adopting,
 * relaunching, --stop, its command line, and life without a console on stdin.
 *
 * Controllers run with "--console shared" where a test must see the
 * listener's lines too: the listener then writes to the controller's pipe.
 */
#include "test_util.h"

#include <string.h>

#include "ipc_layout.h"

#define CONTROLLER_TEXT_CAP 512
#define CONTROLLER_PATH_CAP 1024
/* The seed's ClientAppInstanceName, spelled out: the test checks the contract, not a constant of the code. */
#define DEFAULT_INSTANCE_NAME L"SampleApp"

static void ListenerPath(wchar_t *out)
{
    TestBinPath(TEST_LISTENER_EXE, out, CONTROLLER_PATH_CAP);
}

/* A controller supervising NAME with 300 ms units whose output includes the listener's. */
static TestProc *StartSharedController(const wchar_t *name, unsigned flags)
{
    return TestSpawnController(flags, name, L"--console", L"shared", L"--", L"--work-ms", L"300",
                               (const wchar_t *)NULL);
}

/* Wait for the controller's first listener and return its pid, checked to be the controller's child. */
static DWORD WaitLaunched(TestProc *controller, const wchar_t *name)
{
    DWORD pid;

    ASSERT_OUTPUT(controller, TEXT_LAUNCHED, 10000);
    pid = TestWaitPublished(name, 0, 10000);
    ASSERT_MSG(pid != 0, L"no listener pid at offset 0 of %ls:\n%ls", name, TestOutputText(controller));
    ASSERT_EQ_INT(TestParentPid(pid), TestPid(controller));
    return pid;
}

/* --stop NAME succeeds, and the supervising controller then ends by itself without relaunching. */
static void StopAndExpectEnd(TestProc *controller, const wchar_t *name, size_t launches)
{
    TestProc *stopper = NULL;

    ASSERT_EQ_INT(TestStop(name, 15000, 20000, &stopper), 0);
    ASSERT_CONTAINS(TestOutputText(stopper), TEXT_SENT);
    ASSERT_OUTPUT(controller, TEXT_EXITED, 5000);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), launches);
}

/* No mapping: launch line (the seed's, trailing space included), pid published, --stop ends both. */
static void ControllerLaunchesListener(void)
{
    wchar_t name[CONTROLLER_TEXT_CAP];
    wchar_t args[CONTROLLER_TEXT_CAP];
    wchar_t listener_exe[CONTROLLER_PATH_CAP];
    unsigned char bytes[IPC_MAPPING_SIZE];
    TestProc *controller;
    TestProc *stopper = NULL;
    HANDLE listener = NULL;
    DWORD pid;
    DWORD code = 0;
    const wchar_t *out;

    TestUniqueName(L"launch", name, CONTROLLER_TEXT_CAP);
    ListenerPath(listener_exe);
    ASSERT(!TestMappingExists(name));
    controller = StartSharedController(name, TEST_SPAWN_DEFAULT);
    swprintf(args, CONTROLLER_TEXT_CAP, L"%ls --work-ms 300", name);
    TEST_ASSERT_LAUNCH_LINE(controller, listener_exe, args, 10000);
    pid = WaitLaunched(controller, name);
    out = TestOutputText(controller);
    ASSERT(wcsstr(out, TEXT_LAUNCHING) < wcsstr(out, TEXT_LAUNCHED));
    ASSERT_OUTPUT(controller, TEXT_PROCESSING, 5000);

    ASSERT(TestReadBytes(name, bytes, sizeof(bytes)));
    ASSERT_EQ_INT(TestReadU32(bytes + 4), IPC_LAYOUT_MAGIC);
    ASSERT_EQ_INT(TestReadU32(bytes + 16), pid);
    ASSERT_EQ_INT(TestReadU32(bytes + 20), TestPid(controller));

    listener = TestPidHandle(pid);
    ASSERT(listener != NULL);
    ASSERT_EQ_INT(TestStop(name, 15000, 20000, &stopper), 0);
    ASSERT_CONTAINS(TestOutputText(stopper), TEXT_SENT);
    /* --stop returns once the listener is gone, not before. */
    ASSERT(WaitForSingleObject(listener, 0) == WAIT_OBJECT_0);
    ASSERT(GetExitCodeProcess(listener, &code));
    ASSERT_EQ_INT(code, 0);
    CloseHandle(listener);
    listener = NULL;
    ASSERT_OUTPUT(controller, TEXT_RECEIVED, 5000);
    ASSERT_OUTPUT(controller, TEXT_EXITED, 5000);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
}

/* Without NAME the instance is SampleApp (the seed's constant). */
static void ControllerDefaultName(void)
{
    wchar_t listener_exe[CONTROLLER_PATH_CAP];
    TestProc *controller;

    /* Never disturb a SampleApp someone is running. */
    if (TestMappingExists(DEFAULT_INSTANCE_NAME)) {
        TestPrint(L"SKIP: a SampleApp instance is running\n");
        return;
    }
    ListenerPath(listener_exe);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, L"--console", L"none", L"--", L"--work-ms", L"300",
                                     (const wchar_t *)NULL);
    TEST_ASSERT_LAUNCH_LINE(controller, listener_exe, DEFAULT_INSTANCE_NAME L" --work-ms 300", 10000);
    ASSERT_OUTPUT(controller, TEXT_LAUNCHED, 5000);
    ASSERT(TestWaitPublished(DEFAULT_INSTANCE_NAME, 0, 10000) != 0);
    StopAndExpectEnd(controller, DEFAULT_INSTANCE_NAME, 1);
}

/* A live listener is adopted, not doubled; killing it gets it relaunched. */
static void ControllerAdoptsListener(void)
{
    wchar_t name[CONTROLLER_TEXT_CAP];
    wchar_t expected[CONTROLLER_TEXT_CAP];
    TestProc *listener;
    TestProc *controller;
    DWORD second_pid;
    ULONGLONG started;

    TestUniqueName(L"adopt", name, CONTROLLER_TEXT_CAP);
    started = TestNowMs();
    listener = TestStartListener(name, 300);
    controller = StartSharedController(name, TEST_SPAWN_DEFAULT);
    swprintf(expected, CONTROLLER_TEXT_CAP, L"Broadcast '%lu' received", (unsigned long)TestPid(listener));
    ASSERT_OUTPUT(controller, expected, 10000);
    ASSERT_OUTPUT(controller, TEXT_ALREADY, 5000);
    /* Give a wrong second launch time to show up. */
    Sleep(1000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 0);
    ASSERT_EQ_INT(TestCountChildren(TestPid(controller), TEST_LISTENER_EXE), 0);
    ASSERT(TestIsRunning(listener));
    ASSERT(TestIsRunning(controller));
    ASSERT_EQ_INT(TestWaitPublished(name, 0, 1000), TestPid(listener));

    /* Past one second of life the relaunch is immediate. */
    if (TestNowMs() - started < 1200) {
        Sleep((DWORD)(1200 - (TestNowMs() - started)));
    }
    ASSERT(TerminateProcess(TestHandle(listener), 1));
    ASSERT_OUTPUT(controller, TEXT_EXITED, 5000);
    ASSERT_OUTPUT(controller, TEXT_LAUNCHING, 5000);
    second_pid = TestWaitPublished(name, TestPid(listener), 10000);
    ASSERT(second_pid != 0);
    ASSERT_EQ_INT(TestParentPid(second_pid), TestPid(controller));
    StopAndExpectEnd(controller, name, 1);
}

/* Killing a listener that ran a while gets it relaunched at once, with a new pid published. */
static void ControllerRelaunchesKilledListener(void)
{
    wchar_t name[CONTROLLER_TEXT_CAP];
    TestProc *controller;
    DWORD first_pid;
    DWORD second_pid;
    ULONGLONG killed;
    ULONGLONG deadline;
    unsigned char bytes[IPC_MAPPING_SIZE];

    TestUniqueName(L"relaunch", name, CONTROLLER_TEXT_CAP);
    controller = StartSharedController(name, TEST_SPAWN_DEFAULT);
    first_pid = WaitLaunched(controller, name);
    Sleep(1200);
    killed = TestNowMs();
    ASSERT(TestKillPid(first_pid));
    ASSERT_OUTPUT(controller, TEXT_EXITED, 5000);
    ASSERT(TestWaitOutputCount(controller, TEXT_LAUNCHING, 2, 5000));
    second_pid = TestWaitPublished(name, first_pid, 10000);
    ASSERT(second_pid != 0);
    /* "At once": well under the back-off a quick death gets, even on a slow machine. */
    ASSERT_LE_INT(TestNowMs() - killed, 5000);
    ASSERT_EQ_INT(TestParentPid(second_pid), TestPid(controller));
    ASSERT_EQ_INT(TestCountChildren(TestPid(controller), TEST_LISTENER_EXE), 1);
    /* The header keeps the count of relaunches and how the previous listener ended. */
    deadline = TestNowMs() + 2000;
    do {
        ASSERT(TestReadBytes(name, bytes, sizeof(bytes)));
        if (TestReadU32(bytes + 64) >= 1) {
            break;
        }
        Sleep(20);
    } while (TestNowMs() < deadline);
    ASSERT_EQ_INT(TestReadU32(bytes + 64), 1);
    ASSERT_EQ_INT(TestReadU32(bytes + 68), TEST_KILL_EXIT_CODE);
    StopAndExpectEnd(controller, name, 2);
}

/* A listener that dies young is still relaunched (after a pause). */
static void ControllerRelaunchesAfterQuickDeath(void)
{
    wchar_t name[CONTROLLER_TEXT_CAP];
    TestProc *controller;
    DWORD first_pid;
    DWORD second_pid;

    TestUniqueName(L"quickdeath", name, CONTROLLER_TEXT_CAP);
    controller = StartSharedController(name, TEST_SPAWN_DEFAULT);
    first_pid = WaitLaunched(controller, name);
    ASSERT(TestKillPid(first_pid));
    ASSERT_OUTPUT(controller, TEXT_EXITED, 5000);
    ASSERT(TestWaitOutputCount(controller, TEXT_LAUNCHING, 2, 15000));
    second_pid = TestWaitPublished(name, first_pid, 10000);
    ASSERT(second_pid != 0);
    ASSERT_EQ_INT(TestParentPid(second_pid), TestPid(controller));
    StopAndExpectEnd(controller, name, 2);
}

/* --stop with nothing running says so and succeeds, without creating the mapping. */
static void ControllerStopNothingRunning(void)
{
    wchar_t name[CONTROLLER_TEXT_CAP];
    TestProc *stopper = NULL;

    TestUniqueName(L"stopnothing", name, CONTROLLER_TEXT_CAP);
    ASSERT_EQ_INT(TestStop(name, 0, 10000, &stopper), 0);
    ASSERT_MSG(TestOutputText(stopper)[0] != L'\0', L"--stop printed nothing");
    ASSERT_NOT_CONTAINS(TestOutputText(stopper), TEXT_SENT);
    ASSERT(!TestMappingExists(name));
}

/* --stop waits for the unit in progress to finish and the listener to exit. */
static void ControllerStopWaitsForUnit(void)
{
    wchar_t name[CONTROLLER_TEXT_CAP];
    TestProc *listener;
    ULONGLONG seen;
    DWORD code = 0;

    TestUniqueName(L"stopwaits", name, CONTROLLER_TEXT_CAP);
    listener = TestStartListener(name, 1500);
    ASSERT_OUTPUT(listener, TEXT_PROCESSING, 5000);
    seen = TestNowMs();
    ASSERT_EQ_INT(TestStop(name, 15000, 20000, NULL), 0);
    ASSERT_GE_INT(TestNowMs() - seen, 1000);
    ASSERT(TestWaitExit(listener, 0, &code));
    ASSERT_EQ_INT(code, 0);
    ASSERT_OUTPUT(listener, TEXT_RECEIVED, 2000);
}

/* --stop gives up after --timeout with exit 6; the close request stays posted. */
static void ControllerStopTimeout(void)
{
    wchar_t name[CONTROLLER_TEXT_CAP];
    TestProc *listener;
    ULONGLONG started;
    ULONGLONG elapsed;
    LONG message = 0;
    unsigned char bytes[IPC_MAPPING_SIZE];

    TestUniqueName(L"stoptimeout", name, CONTROLLER_TEXT_CAP);
    listener = TestStartListener(name, 15000);
    ASSERT_OUTPUT(listener, TEXT_PROCESSING, 5000);
    started = TestNowMs();
    ASSERT_EQ_INT(TestStop(name, 1000, 10000, NULL), 6);
    elapsed = TestNowMs() - started;
    ASSERT_GE_INT(elapsed, 900);
    ASSERT(TestIsRunning(listener));
    ASSERT(TestReadMessage(name, &message));
    ASSERT_EQ_INT(message, IPC_CLOSE_MESSAGE);
    /* The stop was counted in the header (offset 40, stop_requests). */
    ASSERT(TestReadBytes(name, bytes, sizeof(bytes)));
    ASSERT_GE_INT(TestReadU32(bytes + 40), 1);
}

/* Without a console on stdin the controller neither prompts nor takes EOF for a key. */
static void StdinNotAConsole(unsigned flags)
{
    wchar_t name[CONTROLLER_TEXT_CAP];
    TestProc *controller;
    DWORD pid;

    TestUniqueName((flags & TEST_SPAWN_STDIN_PIPE) != 0 ? L"stdinpipe" : L"stdinnul", name, CONTROLLER_TEXT_CAP);
    controller = StartSharedController(name, flags);
    TestCloseStdin(controller);
    pid = WaitLaunched(controller, name);
    Sleep(2000);
    ASSERT(TestIsRunning(controller));
    ASSERT(TestPidAlive(pid));
    ASSERT_NOT_CONTAINS(TestOutputText(controller), TEXT_SENT);
    ASSERT_NOT_CONTAINS(TestOutputText(controller), TEXT_RECEIVED);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    StopAndExpectEnd(controller, name, 1);
}

static void ControllerStdinNul(void)
{
    StdinNotAConsole(TEST_SPAWN_DEFAULT);
}

static void ControllerStdinClosedPipe(void)
{
    StdinNotAConsole(TEST_SPAWN_STDIN_PIPE);
}

/* A --listener that does not exist: a message naming it, exit 8. */
static void ControllerMissingListener(void)
{
    wchar_t name[CONTROLLER_TEXT_CAP];
    TestProc *controller;

    TestUniqueName(L"missing", name, CONTROLLER_TEXT_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--listener", L"C:\\no\\such\\dir\\missing-listener.exe",
                                     (const wchar_t *)NULL);
    ASSERT_EXIT(controller, 8, 15000);
    ASSERT_CONTAINS(TestOutputText(controller), L"missing-listener.exe");
    ASSERT_NOT_CONTAINS(TestOutputText(controller), TEXT_LAUNCHED);
}

/*
 * Listener arguments the listener refuses (exit 2 at once): relaunching would
 * refuse them again for ever, with back-off; the controller says so and exits 8
 * after the one launch, and no listener is left.
 */
static void ControllerBadListenerArguments(void)
{
    wchar_t name[CONTROLLER_TEXT_CAP];
    TestProc *controller;

    TestUniqueName(L"badlistenerargs", name, CONTROLLER_TEXT_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--", L"--work-ms", L"abc",
                                     (const wchar_t *)NULL);
    ASSERT_EXIT(controller, 8, 15000);
    ASSERT_CONTAINS(TestOutputText(controller), L"rejected its command line");
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    ASSERT_MSG(TestWaitPublished(name, 0, 500) == 0, L"a listener runs for %ls", name);
}

/* Usage errors: exit 2, nothing launched. */
static void ControllerBadArguments(void)
{
    wchar_t name[CONTROLLER_TEXT_CAP];
    TestProc *controller;

    TestUniqueName(L"badopt", name, CONTROLLER_TEXT_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--bogus", (const wchar_t *)NULL);
    ASSERT_EXIT(controller, 2, 10000);
    ASSERT_CONTAINS(TestOutputText(controller), L"--bogus");
    ASSERT_NOT_CONTAINS(TestOutputText(controller), TEXT_LAUNCHING);

    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"sideways", (const wchar_t *)NULL);
    ASSERT_EXIT(controller, 2, 10000);
    ASSERT_NOT_CONTAINS(TestOutputText(controller), TEXT_LAUNCHING);
    ASSERT(!TestMappingExists(name));
}

/* Words after "--" reach the listener: 200 ms units show up many times a second. */
static void ControllerPassesListenerArgs(void)
{
    wchar_t name[CONTROLLER_TEXT_CAP];
    wchar_t args[CONTROLLER_TEXT_CAP];
    wchar_t listener_exe[CONTROLLER_PATH_CAP];
    TestProc *controller;

    TestUniqueName(L"passargs", name, CONTROLLER_TEXT_CAP);
    ListenerPath(listener_exe);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"shared", L"--", L"--work-ms", L"200",
                                     (const wchar_t *)NULL);
    swprintf(args, CONTROLLER_TEXT_CAP, L"%ls --work-ms 200", name);
    TEST_ASSERT_LAUNCH_LINE(controller, listener_exe, args, 10000);
    (void)WaitLaunched(controller, name);
    ASSERT_OUTPUT(controller, TEXT_PROCESSING, 5000);
    ASSERT_MSG(TestWaitOutputCount(controller, TEXT_PROCESSING, 6, 3000), L"fewer than 6 units in 3 s:\n%ls",
               TestOutputText(controller));
    StopAndExpectEnd(controller, name, 1);
}

/* A second controller for a supervised NAME refuses with exit 5 and leaves the first alone. */
static void ControllerSecondController(void)
{
    wchar_t name[CONTROLLER_TEXT_CAP];
    TestProc *first;
    TestProc *second;
    DWORD pid;

    TestUniqueName(L"secondctl", name, CONTROLLER_TEXT_CAP);
    first = StartSharedController(name, TEST_SPAWN_DEFAULT);
    pid = WaitLaunched(first, name);
    second = StartSharedController(name, TEST_SPAWN_DEFAULT);
    ASSERT_EXIT(second, 5, 10000);
    ASSERT_NOT_CONTAINS(TestOutputText(second), TEXT_LAUNCHING);
    ASSERT(TestIsRunning(first));
    ASSERT(TestPidAlive(pid));
    ASSERT_EQ_INT(TestWaitPublished(name, 0, 1000), pid);
    StopAndExpectEnd(first, name, 1);
}

/*
 * --console new (the default, the seed's own window) and none: the listener runs
 * and stops like any other, and its lines do not come through our pipe.
 */
static void ConsoleOfItsOwn(const wchar_t *mode)
{
    wchar_t name[CONTROLLER_TEXT_CAP];
    TestProc *controller;
    HANDLE listener = NULL;
    DWORD pid;
    DWORD code = 0;

    TestUniqueName(mode != NULL ? mode : L"consoledefault", name, CONTROLLER_TEXT_CAP);
    if (mode != NULL) {
        controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", mode, L"--", L"--work-ms", L"300",
                                         (const wchar_t *)NULL);
    } else {
        controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--", L"--work-ms", L"300",
                                         (const wchar_t *)NULL);
    }
    pid = WaitLaunched(controller, name);
    listener = TestPidHandle(pid);
    ASSERT(listener != NULL);
    /* Long enough for a few 300 ms units. */
    Sleep(1000);
    ASSERT(TestPidAlive(pid));
    ASSERT_NOT_CONTAINS(TestOutputText(controller), TEXT_PROCESSING);
    StopAndExpectEnd(controller, name, 1);
    ASSERT(WaitForSingleObject(listener, 0) == WAIT_OBJECT_0);
    ASSERT(GetExitCodeProcess(listener, &code));
    ASSERT_EQ_INT(code, 0);
    CloseHandle(listener);
    listener = NULL;
}

static void ControllerConsoleDefault(void)
{
    ConsoleOfItsOwn(NULL);
}

static void ControllerConsoleNew(void)
{
    ConsoleOfItsOwn(L"new");
}

static void ControllerConsoleNone(void)
{
    ConsoleOfItsOwn(L"none");
}

const TestEntry TestControllerTable[] = {
    { L"controller_launches_listener", ControllerLaunchesListener, 40000 },
    { L"controller_default_name", ControllerDefaultName, 40000 },
    { L"controller_adopts_listener", ControllerAdoptsListener, 40000 },
    { L"controller_relaunches_killed_listener", ControllerRelaunchesKilledListener, 40000 },
    { L"controller_relaunches_after_quick_death", ControllerRelaunchesAfterQuickDeath, 45000 },
    { L"controller_stop_nothing_running", ControllerStopNothingRunning, 20000 },
    { L"controller_stop_waits_for_unit", ControllerStopWaitsForUnit, 30000 },
    { L"controller_stop_timeout", ControllerStopTimeout, 30000 },
    { L"controller_stdin_nul", ControllerStdinNul, 40000 },
    { L"controller_stdin_closed_pipe", ControllerStdinClosedPipe, 40000 },
    { L"controller_missing_listener", ControllerMissingListener, 30000 },
    { L"controller_bad_arguments", ControllerBadArguments, 30000 },
    { L"controller_bad_listener_arguments", ControllerBadListenerArguments, 30000 },
    { L"controller_passes_listener_args", ControllerPassesListenerArgs, 40000 },
    { L"controller_second_controller", ControllerSecondController, 40000 },
    { L"controller_console_default", ControllerConsoleDefault, 40000 },
    { L"controller_console_new", ControllerConsoleNew, 40000 },
    { L"controller_console_none", ControllerConsoleNone, 40000 },
};

const size_t TestControllerCount = sizeof(TestControllerTable) / sizeof(TestControllerTable[0]);
