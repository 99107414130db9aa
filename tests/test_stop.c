/*
 * test_stop.c - --stop: it waits for the unit in progress, gives up after
 * --timeout (exit 6) without killing anything, terminates with --force
 * (exit 9), and several stops at once all succeed.
 */
#include "harness/harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc_name.h"

/* --stop with nothing running says so and succeeds, without creating the mapping. */
TEST_IMPL(controller_stop_nothing_running)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *stopper = NULL;

    TestUniqueName(L"stopnothing", name, TEST_TEXT_CAP);
    ASSERT_EQ_INT(TestStop(name, 0, 10000, &stopper), 0);
    ASSERT_MSG(TestOutputText(stopper)[0] != L'\0', L"--stop printed nothing");
    ASSERT_NOT_CONTAINS(TestOutputText(stopper), TEXT_SENT);
    ASSERT(!TestMappingExists(name));
}

/* --stop waits for the unit in progress to finish and the listener to exit. */
TEST_IMPL(controller_stop_waits_for_unit)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *listener;
    ULONGLONG seen;
    DWORD code = 0;

    TestUniqueName(L"stopwaits", name, TEST_TEXT_CAP);
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
TEST_IMPL(controller_stop_timeout)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *listener;
    ULONGLONG started;
    ULONGLONG elapsed;
    LONG message = 0;
    unsigned char bytes[HEADER_SIZE];

    TestUniqueName(L"stoptimeout", name, TEST_TEXT_CAP);
    listener = TestStartListener(name, 15000);
    ASSERT_OUTPUT(listener, TEXT_PROCESSING, 5000);
    started = TestNowMs();
    ASSERT_EQ_INT(TestStop(name, 1000, 10000, NULL), IPC_EXIT_STOP_TIMEOUT);
    elapsed = TestNowMs() - started;
    ASSERT_GE_INT(elapsed, 900);
    ASSERT(TestIsRunning(listener));
    ASSERT(TestReadMessage(name, &message));
    ASSERT_EQ_INT(message, CLOSE_MESSAGE);
    /* The stop was counted in the header (offset 40, stop_requests). */
    ASSERT(TestReadBytes(name, bytes, sizeof(bytes)));
    ASSERT_GE_INT(TestReadU32(bytes + OFF_STOP_REQUESTS), 1);
}

/* --stop during a unit waits for it: exit 0, and the journal shows the unit's end. */
TEST_IMPL(faults_stop_mid_unit)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t journal[TEST_PATH_CAP];
    char unit_end[64];
    JournalSummary summary;
    TestProc *controller;
    HANDLE listener;
    DWORD pid;
    ULONGLONG sent;

    TestUniqueName(L"stopmidunit", name, TEST_TEXT_CAP);
    TestTempFile(name, L".journal", journal, TEST_PATH_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--", L"--journal", journal,
                                     L"--work-ms", L"1500", (const wchar_t *)NULL);
    pid = TestWaitOwnListener(controller, name, 0);
    listener = TestOpenListener(pid);
    ASSERT(TestWaitJournal(journal, " unit=1 start", 10000));
    ASSERT_EQ_INT(TestHeaderU32(name, OFF_STATE), STATE_WORKING);
    sent = TestNowMs();
    TestStopExpect(name, 15000, 0);
    /* --stop returned because the listener exited, after the rest of its unit. */
    ASSERT(WaitForSingleObject(listener, 0) == WAIT_OBJECT_0);
    ASSERT_EQ_INT(TestExitCodeOf(listener, 0), 0);
    ASSERT_GE_INT(TestNowMs() - sent, 300);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    snprintf(unit_end, sizeof(unit_end), "pid=%lu unit=1 end", (unsigned long)pid);
    ASSERT_MSG(TestWaitJournal(journal, unit_end, 0), L"no \"%hs\" line in %ls", unit_end, journal);
    TestAssertJournalComplete(journal, &summary);
    CloseHandle(listener);
    (void)DeleteFileW(journal);
}

/* Two --stops at once: both return 0, the listener exits once, nothing is relaunched. */
TEST_IMPL(faults_concurrent_stops)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *controller;
    TestProc *stop1;
    TestProc *stop2;
    HANDLE listener;
    DWORD pid;

    TestUniqueName(L"twostops", name, TEST_TEXT_CAP);
    controller = TestStartController(name, L"shared", L"1000", TEST_SPAWN_DEFAULT);
    pid = TestWaitOwnListener(controller, name, 0);
    listener = TestOpenListener(pid);
    ASSERT_OUTPUT(controller, TEXT_PROCESSING, 5000);
    stop1 = TestSpawnController(TEST_SPAWN_DEFAULT, L"--stop", name, L"--timeout", L"15000", (const wchar_t *)NULL);
    stop2 = TestSpawnController(TEST_SPAWN_DEFAULT, L"--stop", name, L"--timeout", L"15000", (const wchar_t *)NULL);
    ASSERT_EXIT(stop1, 0, 20000);
    ASSERT_EXIT(stop2, 0, 20000);
    ASSERT_EQ_INT(TestExitCodeOf(listener, 5000), 0);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_EXITED), 1);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_RECEIVED), 1);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    CloseHandle(listener);
}

/* --stop --timeout 300 during a 3 s unit: exit 6, nothing killed; the listener exits 0 after its unit. */
TEST_IMPL(faults_stop_timeout_kills_nothing)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *controller;
    HANDLE listener;
    DWORD pid;
    ULONGLONG started;

    TestUniqueName(L"stoptimeout", name, TEST_TEXT_CAP);
    controller = TestStartController(name, L"shared", L"3000", TEST_SPAWN_DEFAULT);
    pid = TestWaitOwnListener(controller, name, 0);
    listener = TestOpenListener(pid);
    ASSERT(TestWaitHeaderU32(name, OFF_STATE, STATE_WORKING, 5000));
    started = TestNowMs();
    TestStopExpect(name, 300, IPC_EXIT_STOP_TIMEOUT);
    ASSERT_LE_INT(TestNowMs() - started, 2500);
    ASSERT(WaitForSingleObject(listener, 0) == WAIT_TIMEOUT);
    ASSERT_EQ_INT(TestExitCodeOf(listener, 6000), 0);
    ASSERT_OUTPUT(controller, TEXT_RECEIVED, 2000);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    CloseHandle(listener);
}

/* --stop --timeout 300 --force: exit 9, the listener ends with 1460, the controller ends without relaunching. */
TEST_IMPL(faults_stop_force)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *controller;
    TestProc *stopper;
    HANDLE listener;
    DWORD pid;

    TestUniqueName(L"stopforce", name, TEST_TEXT_CAP);
    controller = TestStartController(name, L"shared", L"3000", TEST_SPAWN_DEFAULT);
    pid = TestWaitOwnListener(controller, name, 0);
    listener = TestOpenListener(pid);
    ASSERT(TestWaitHeaderU32(name, OFF_STATE, STATE_WORKING, 5000));
    stopper = TestSpawnController(TEST_SPAWN_DEFAULT, L"--stop", name, L"--timeout", L"300", L"--force",
                                  (const wchar_t *)NULL);
    ASSERT_EXIT(stopper, IPC_EXIT_STOP_FORCED, 15000);
    ASSERT_CONTAINS(TestOutputText(stopper), L"(--force)");
    ASSERT_EQ_INT(TestExitCodeOf(listener, 0), TERMINATED_EXIT_CODE);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_CONTAINS(TestOutputText(controller), L"not relaunching");
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    ASSERT_NOT_CONTAINS(TestOutputText(controller), TEXT_RECEIVED);
    CloseHandle(listener);
}

/* ---- stops that race a controller's start ---- */

/* The filler of FrozenOutput: one byte at a time, until the pipe is full and the write blocks. */
typedef struct FrozenOutput {
    HANDLE read;
    HANDLE write;
    volatile LONG written;
    volatile LONG stop;
    char text[65536];
    volatile LONG text_len;
} FrozenOutput;

static DWORD WINAPI FillPipe(void *context)
{
    FrozenOutput *f = (FrozenOutput *)context;
    char byte = '\0';
    DWORD n;

    while (!InterlockedCompareExchange(&f->stop, 0, 0)) {
        if (!WriteFile(f->write, &byte, 1, &n, NULL)) {
            break;
        }
        InterlockedIncrement(&f->written);
    }
    return 0;
}

/* Reads the pipe to its end, keeping what is not the filler's NUL bytes. */
static DWORD WINAPI DrainPipe(void *context)
{
    FrozenOutput *f = (FrozenOutput *)context;
    char buf[4096];
    DWORD n;
    DWORD i;

    while (ReadFile(f->read, buf, sizeof(buf), &n, NULL) && n > 0) {
        for (i = 0; i < n; i++) {
            if (buf[i] != '\0' && f->text_len < (LONG)sizeof(f->text) - 1) {
                f->text[f->text_len] = buf[i];
                InterlockedIncrement(&f->text_len);
            }
        }
    }
    return 0;
}

/* TRUE while some process owns the mutex NAME|controller. */
static BOOL ControllerLockHeld(const wchar_t *name)
{
    wchar_t lock[TEST_TEXT_CAP];
    HANDLE mutex;
    DWORD r;

    swprintf(lock, TEST_TEXT_CAP, L"%ls%ls", name, IPC_SUFFIX_CONTROLLER_MUTEX);
    mutex = OpenMutexW(SYNCHRONIZE, FALSE, lock);
    if (mutex == NULL) {
        return FALSE;
    }
    r = WaitForSingleObject(mutex, 0);
    if (r == WAIT_OBJECT_0 || r == WAIT_ABANDONED) {
        ReleaseMutex(mutex); /* nobody held it: let go at once */
    }
    CloseHandle(mutex);
    return r == WAIT_TIMEOUT;
}

/*
 * A controller finds a stale -1 (the last listener stopped and consumed every
 * request), and is frozen right after reading offset 0: its standard output
 * is a pipe filled to the brim, so its first line ("Broadcast '-1' received")
 * blocks. A --stop sent then must not be lost: once the controller runs on it
 * must end, exit 0, with nothing launched (--stop waits for it meanwhile).
 */
TEST_IMPL(faults_stop_while_controller_frozen_at_start)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t exe[TEST_PATH_CAP];
    wchar_t cmd[TEST_CMD_CAP];
    unsigned char bytes[HEADER_SIZE];
    SECURITY_ATTRIBUTES sa = { sizeof(sa), NULL, TRUE };
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    FrozenOutput *f = (FrozenOutput *)calloc(1, sizeof(FrozenOutput));
    HANDLE filler;
    HANDLE drainer;
    HANDLE nul;
    HANDLE section;
    TestProc *stopper;
    LONG last;
    DWORD code = 0;
    ULONGLONG start;

    ASSERT(f != NULL);
    TestUniqueName(L"frozenstart", name, TEST_TEXT_CAP);
    TestBuildHeader(bytes, 0, STATE_STOPPED, 0);
    TestPutU32(bytes + OFF_MESSAGE, (uint32_t)CLOSE_MESSAGE);
    TestPutU32(bytes + OFF_STOP_REQUESTS, 1);
    TestPutU32(bytes + OFF_STOP_ACKED, 1);
    section = TestCreateMapping(name, HEADER_SIZE, bytes, sizeof(bytes));

    /* Fill the pipe until a one-byte write no longer returns. */
    ASSERT(CreatePipe(&f->read, &f->write, &sa, 4096));
    SetHandleInformation(f->read, HANDLE_FLAG_INHERIT, 0);
    filler = CreateThread(NULL, 0, FillPipe, f, 0, NULL);
    ASSERT(filler != NULL);
    do {
        last = f->written;
        Sleep(300);
    } while (f->written != last);

    TestBinPath(TEST_CONTROLLER_EXE, exe, TEST_PATH_CAP);
    TestCommandLine(cmd, TEST_CMD_CAP, exe, name, L"--console", L"none", L"--", L"--work-ms", L"300",
                    (const wchar_t *)NULL);
    nul = CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa, OPEN_EXISTING, 0, NULL);
    ZeroMemory(&si, sizeof(si));
    si.cb = sizeof(si);
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = nul;
    si.hStdOutput = f->write;
    si.hStdError = f->write;
    ASSERT(CreateProcessW(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi));
    TestTrackPid(pi.dwProcessId);
    CloseHandle(pi.hThread);
    CloseHandle(nul);

    /* It holds its lock, opens the mapping, reads offset 0 and blocks on its first line. */
    start = TestNowMs();
    while (!ControllerLockHeld(name) && TestNowMs() - start < 10000) {
        Sleep(TEST_POLL_MS);
    }
    ASSERT_MSG(ControllerLockHeld(name), L"the controller never took its lock");
    Sleep(500);
    ASSERT_MSG(WaitForSingleObject(pi.hProcess, 0) == WAIT_TIMEOUT, L"the controller ended before it was unfrozen");

    stopper = TestSpawnController(TEST_SPAWN_DEFAULT, L"--stop", name, L"--timeout", L"20000", (const wchar_t *)NULL);
    ASSERT_OUTPUT(stopper, TEXT_SENT, 10000);
    Sleep(500);

    /* Unfreeze: read the pipe from now on. */
    InterlockedExchange(&f->stop, 1);
    CloseHandle(f->write);
    drainer = CreateThread(NULL, 0, DrainPipe, f, 0, NULL);
    ASSERT(drainer != NULL);
    ASSERT_MSG(WaitForSingleObject(pi.hProcess, 10000) == WAIT_OBJECT_0, L"the controller runs on after --stop");
    ASSERT(GetExitCodeProcess(pi.hProcess, &code));
    WaitForSingleObject(drainer, 5000);
    ASSERT_MSG(code == 0, L"the controller exited with %lu:\n%hs", (unsigned long)code, f->text);
    ASSERT_MSG(strstr(f->text, "Broadcast '-1' received") != NULL, L"the controller did not read the -1:\n%hs",
               f->text);
    ASSERT_MSG(strstr(f->text, "Launching executable") == NULL, L"the controller launched a listener:\n%hs", f->text);
    ASSERT_EXIT(stopper, 0, 15000);
    ASSERT_NOT_CONTAINS(TestOutputText(stopper), L"the close message is recorded");
    WaitForSingleObject(filler, 5000);
    CloseHandle(filler);
    CloseHandle(drainer);
    CloseHandle(pi.hProcess);
    CloseHandle(f->read);
    CloseHandle(section);
    free(f);
}

/*
 * --stop sent right after the controller's process was created, and again
 * with the controller suspended just after it took its lock (before the
 * mapping exists): it ends, exit 0, having launched nothing or with its
 * listener stopping after at most its first unit.
 */
TEST_IMPL(faults_stop_right_after_controller_start)
{
    typedef LONG(NTAPI * SuspendFn)(HANDLE);
    SuspendFn suspend = (SuspendFn)(void (*)(void))GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "NtSuspendProcess");
    SuspendFn resume = (SuspendFn)(void (*)(void))GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "NtResumeProcess");
    wchar_t name[TEST_TEXT_CAP];
    TestProc *controller;
    TestProc *stopper;
    ULONGLONG start;
    int round;

    for (round = 0; round < 2; round++) {
        swprintf(name, TEST_TEXT_CAP, L"Tstopatstart%d-%lu", round, (unsigned long)GetCurrentProcessId());
        controller = TestStartController(name, L"shared", L"300", TEST_SPAWN_DEFAULT);
        if (round == 1 && suspend != NULL && resume != NULL) {
            start = TestNowMs();
            while (!ControllerLockHeld(name) && TestNowMs() - start < 10000) {
                Sleep(1);
            }
            suspend(TestHandle(controller));
        }
        stopper = TestSpawnController(TEST_SPAWN_DEFAULT, L"--stop", name, L"--timeout", L"20000",
                                      (const wchar_t *)NULL);
        if (round == 1 && suspend != NULL && resume != NULL) {
            Sleep(1000);
            resume(TestHandle(controller));
        }
        ASSERT_EXIT(controller, 0, 15000);
        ASSERT_EXIT(stopper, 0, 15000);
        ASSERT_LE_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
        ASSERT_LE_INT(TestCountOutput(controller, TEXT_PROCESSING), 1);
        ASSERT_NOT_CONTAINS(TestOutputText(stopper), L"the close message is recorded");
    }
}

/*
 * A manual-reset NAME|stop of this user, signalled and held by someone else
 * while a controller supervises: it is a stop (the close message is sent,
 * nothing relaunched, exit 0), not a wedge: the controller does not spin on
 * the event (its CPU time over 2 s stays small; Wine reports 0 for another
 * process, Windows the real time). Signalled before the controller starts, it
 * is a stop request too: exit 0 at once, nothing launched.
 */
TEST_IMPL(faults_stop_event_held_signalled)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t event_name[TEST_TEXT_CAP];
    TestProc *controller;
    HANDLE event;
    HANDLE listener;
    DWORD pid;
    FILETIME created, exited, kernel0, user0, kernel1, user1;
    ULONGLONG cpu0;
    ULONGLONG cpu1;

    /* Signalled while it supervises. */
    TestUniqueName(L"stopheld", name, TEST_TEXT_CAP);
    swprintf(event_name, TEST_TEXT_CAP, L"%ls%ls", name, IPC_SUFFIX_STOP_EVENT);
    controller = TestStartController(name, L"shared", L"1500", TEST_SPAWN_DEFAULT);
    pid = TestWaitLaunched(controller, name);
    listener = TestOpenListener(pid);
    event = OpenEventW(EVENT_MODIFY_STATE | SYNCHRONIZE, FALSE, event_name);
    ASSERT_MSG(event != NULL, L"no event %ls", event_name);
    ASSERT(GetProcessTimes(TestHandle(controller), &created, &exited, &kernel0, &user0));
    ASSERT(SetEvent(event));
    Sleep(2000);
    ASSERT(GetProcessTimes(TestHandle(controller), &created, &exited, &kernel1, &user1));
    cpu0 = ((ULONGLONG)kernel0.dwHighDateTime << 32 | kernel0.dwLowDateTime) +
           ((ULONGLONG)user0.dwHighDateTime << 32 | user0.dwLowDateTime);
    cpu1 = ((ULONGLONG)kernel1.dwHighDateTime << 32 | kernel1.dwLowDateTime) +
           ((ULONGLONG)user1.dwHighDateTime << 32 | user1.dwLowDateTime);
    ASSERT_MSG(cpu1 - cpu0 < 2000000u, L"the controller used %llu ms of CPU in 2 s", (cpu1 - cpu0) / 10000u);
    ASSERT_EQ_INT(TestExitCodeOf(listener, 10000), 0);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_OUTPUT(controller, TEXT_RECEIVED, 1000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    CloseHandle(listener);
    CloseHandle(event);

    /* Signalled before it starts. */
    TestUniqueName(L"stopheldearly", name, TEST_TEXT_CAP);
    swprintf(event_name, TEST_TEXT_CAP, L"%ls%ls", name, IPC_SUFFIX_STOP_EVENT);
    event = CreateEventW(NULL, TRUE, TRUE, event_name);
    ASSERT(event != NULL);
    controller = TestStartController(name, L"none", L"300", TEST_SPAWN_DEFAULT);
    TestExpectExitDoingNothing(controller, L"the controller", 0);
    ASSERT_CONTAINS(TestOutputText(controller), L"Stop requested while starting");
    CloseHandle(event);
}
