/*
 * drive.c - the programs driven the way the tests need them: a listener or a
 * controller started and waited for, --stop and --status run and checked.
 */
#include "harness.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void TestAssertLaunchLine(const char *file, int line, TestProc *proc, const wchar_t *exe, const wchar_t *args,
                          DWORD timeout_ms)
{
    wchar_t got[TEST_CMD_CAP];
    wchar_t want[TEST_CMD_CAP];
    size_t prefix = wcslen(TEXT_LAUNCHING);
    size_t exe_len = wcslen(exe);
    ULONGLONG deadline = TestNowMs() + timeout_ms;
    BOOL complete;

    swprintf(want, TEST_CMD_CAP, L"%ls%ls %ls ", TEXT_LAUNCHING, exe, args);
    if (!TestWaitOutput(proc, TEXT_LAUNCHING, timeout_ms)) {
        TestFail(file, line, L"no \"%ls\" line within %lu ms:\n%ls", TEXT_LAUNCHING, (unsigned long)timeout_ms,
                 TestOutputText(proc));
    }
    /* The line counts once its line break has arrived (the text may come in pieces). */
    while (!(complete = TestOutputLine(proc, TEXT_LAUNCHING, got, TEST_CMD_CAP)) && TestNowMs() < deadline) {
        Sleep(TEST_POLL_MS);
    }
    if (!complete) {
        TestFail(file, line, L"the \"%ls\" line did not end:\n%ls", TEXT_LAUNCHING, TestOutputText(proc));
    }
    /* Exact text, but the path's case is the file system's business. */
    if (wcslen(got) != wcslen(want) || wcsncmp(got, want, prefix) != 0 ||
        _wcsnicmp(got + prefix, want + prefix, exe_len) != 0 ||
        wcscmp(got + prefix + exe_len, want + prefix + exe_len) != 0) {
        TestFail(file, line, L"launch line differs:\n  got  \"%ls\"\n  want \"%ls\"", got, want);
    }
}

TestProc *TestStartListener(const wchar_t *name, DWORD work_ms)
{
    wchar_t exe[TEST_PATH_CAP];
    wchar_t cmd[TEST_PATH_CAP * 2];
    wchar_t work[32];
    TestProc *proc;
    DWORD published;

    TestBinPath(TEST_LISTENER_EXE, exe, TEST_PATH_CAP);
    swprintf(work, 32, L"%lu", (unsigned long)work_ms);
    TestCommandLine(cmd, TEST_PATH_CAP * 2, exe, name, L"--work-ms", work, (const wchar_t *)NULL);
    proc = TestSpawn(cmd);
    published = TestWaitPublished(name, 0, 10000);
    if (published != TestPid(proc)) {
        TestFail(__FILE__, __LINE__, L"listener %lu did not publish its pid at offset 0 of %ls (found %lu)",
                 (unsigned long)TestPid(proc), name, (unsigned long)published);
    }
    return proc;
}

TestProc *TestSpawnJournaled(const wchar_t *name, DWORD work_ms, const wchar_t *journal, BOOL standby)
{
    wchar_t exe[TEST_PATH_CAP];
    wchar_t cmd[TEST_PATH_CAP * 3];
    wchar_t work[32];
    TestProc *proc;

    TestBinPath(TEST_LISTENER_EXE, exe, TEST_PATH_CAP);
    swprintf(work, 32, L"%lu", (unsigned long)work_ms);
    TestCommandLine(cmd, TEST_PATH_CAP * 3, exe, name, L"--work-ms", work, L"--journal", journal,
                    (const wchar_t *)NULL);
    /* Inherited from this process's environment, as the controller passes it. */
    if (standby) {
        TestSetEnv(L"IPC_STANDBY", L"1");
    }
    proc = TestSpawnEx(cmd, TEST_SPAWN_SPLIT_STDERR);
    if (standby) {
        TestSetEnv(L"IPC_STANDBY", NULL);
    }
    return proc;
}

static TestProc *SpawnWithArgs(const wchar_t *exe, unsigned flags, va_list ap)
{
    wchar_t *cmd = (wchar_t *)malloc(TEST_CMD_CAP * sizeof(wchar_t));
    const wchar_t *arg;
    TestProc *proc;

    if (cmd == NULL) {
        TestFail(__FILE__, __LINE__, L"out of memory");
    }
    cmd[0] = L'\0';
    TestAppendArg(cmd, TEST_CMD_CAP, exe);
    for (arg = va_arg(ap, const wchar_t *); arg != NULL; arg = va_arg(ap, const wchar_t *)) {
        TestAppendArg(cmd, TEST_CMD_CAP, arg);
    }
    proc = TestSpawnEx(cmd, flags);
    free(cmd);
    return proc;
}

TestProc *TestSpawnController(unsigned flags, ...)
{
    wchar_t exe[TEST_PATH_CAP];
    va_list ap;
    TestProc *proc;

    TestBinPath(TEST_CONTROLLER_EXE, exe, TEST_PATH_CAP);
    va_start(ap, flags);
    proc = SpawnWithArgs(exe, flags, ap);
    va_end(ap);
    return proc;
}

TestProc *TestStartSampleListenerAt(const wchar_t *exe, const wchar_t *name)
{
    wchar_t cmd[TEST_PATH_CAP * 2];
    TestProc *sample;

    TestSetEnv(TEST_ENV_HELPER, TEST_HELPER_SAMPLE_LISTENER);
    TestSetEnv(TEST_ENV_SAMPLE_WORK_MS, L"300");
    TestCommandLine(cmd, TEST_PATH_CAP * 2, exe, name, (const wchar_t *)NULL);
    sample = TestSpawn(cmd);
    ASSERT_OUTPUT(sample, TEXT_PROCESSING, 10000);
    ASSERT_EQ_INT(TestWaitPublished(name, 0, 5000), TestPid(sample));
    return sample;
}

TestProc *TestSpawnSelf(unsigned flags, ...)
{
    wchar_t exe[TEST_PATH_CAP];
    va_list ap;
    TestProc *proc;

    TestSelfPath(exe, TEST_PATH_CAP);
    va_start(ap, flags);
    proc = SpawnWithArgs(exe, flags, ap);
    va_end(ap);
    return proc;
}

DWORD TestStop(const wchar_t *name, DWORD timeout_ms, DWORD wait_ms, TestProc **out)
{
    wchar_t exe[TEST_PATH_CAP];
    wchar_t cmd[TEST_PATH_CAP * 2];
    wchar_t timeout[32];
    TestProc *proc;
    DWORD code = 0;

    TestBinPath(TEST_CONTROLLER_EXE, exe, TEST_PATH_CAP);
    if (timeout_ms != 0) {
        swprintf(timeout, 32, L"%lu", (unsigned long)timeout_ms);
        TestCommandLine(cmd, TEST_PATH_CAP * 2, exe, L"--stop", name, L"--timeout", timeout,
                        (const wchar_t *)NULL);
    } else {
        TestCommandLine(cmd, TEST_PATH_CAP * 2, exe, L"--stop", name, (const wchar_t *)NULL);
    }
    proc = TestSpawn(cmd);
    if (!TestWaitExit(proc, wait_ms, &code)) {
        TestFail(__FILE__, __LINE__, L"%ls did not exit within %lu ms:\n%ls", cmd, (unsigned long)wait_ms,
                 TestOutputText(proc));
    }
    if (out != NULL) {
        *out = proc;
    }
    return code;
}

TestProc *TestSpawnListener(unsigned flags, const wchar_t *const *args, size_t count)
{
    wchar_t exe[TEST_PATH_CAP];
    wchar_t cmd[TEST_TEXT_CAP * 2];
    size_t i;

    TestBinPath(TEST_LISTENER_EXE, exe, TEST_PATH_CAP);
    TestCommandLine(cmd, TEST_TEXT_CAP * 2, exe, (const wchar_t *)NULL);
    for (i = 0; i < count; i++) {
        TestAppendArg(cmd, TEST_TEXT_CAP * 2, args[i]);
    }
    return TestSpawnEx(cmd, flags);
}

void TestWriteCloseMessage(const wchar_t *name)
{
    ASSERT_MSG(TestWriteMessage(name, CLOSE_MESSAGE), L"cannot open mapping %ls", name);
}

/* Ask a listener with short units to close and check it does so the C# sample's way. */
void TestStopGracefully(TestProc *listener, const wchar_t *name)
{
    TestWriteCloseMessage(name);
    ASSERT_OUTPUT(listener, TEXT_RECEIVED, 10000);
    ASSERT_OUTPUT(listener, TEXT_HIT_ENTER_CLOSE, 5000);
    ASSERT_EXIT(listener, 0, 5000);
}

TestProc *TestStartController(const wchar_t *name, const wchar_t *console, const wchar_t *work_ms, unsigned flags)
{
    return TestSpawnController(flags, name, L"--console", console, L"--", L"--work-ms", work_ms, (const wchar_t *)NULL);
}

/* Wait for the controller's first listener and return its pid, checked to be the controller's child. */
DWORD TestWaitLaunched(TestProc *controller, const wchar_t *name)
{
    ASSERT_OUTPUT(controller, TEXT_LAUNCHED, 10000);
    return TestWaitOwnListener(controller, name, 0);
}

/* --stop NAME succeeds, and the supervising controller then ends by itself without relaunching. */
void TestStopAndExpectEnd(TestProc *controller, const wchar_t *name, size_t launches)
{
    TestProc *stopper = NULL;

    ASSERT_EQ_INT(TestStop(name, 15000, 20000, &stopper), 0);
    ASSERT_CONTAINS(TestOutputText(stopper), TEXT_SENT);
    ASSERT_OUTPUT(controller, TEXT_EXITED, 5000);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), launches);
}

/* Wait for a listener other than not_pid at offset 0 and check that controller launched it. */
DWORD TestWaitOwnListener(TestProc *controller, const wchar_t *name, DWORD not_pid)
{
    DWORD pid = TestWaitPublished(name, not_pid, 10000);

    ASSERT_MSG(pid != 0, L"no new listener pid at offset 0 of %ls:\n%ls", name, TestOutputText(controller));
    ASSERT_EQ_INT(TestParentPid(pid), TestPid(controller));
    return pid;
}

/* Wait for the controller's listener and return its pid. */
DWORD TestWaitListener(TestProc *controller, const wchar_t *name, DWORD not_pid)
{
    DWORD pid;

    ASSERT_OUTPUT(controller, TEXT_LAUNCHED, 10000);
    pid = TestWaitPublished(name, not_pid, 10000);
    ASSERT_MSG(pid != 0, L"no listener pid at offset 0 of %ls:\n%ls", name, TestOutputText(controller));
    return pid;
}

/* Open a listener by pid to read its exit code later; it must be running now. */
HANDLE TestOpenListener(DWORD pid)
{
    HANDLE h = TestPidHandle(pid);

    ASSERT_MSG(h != NULL, L"listener %lu is not running", (unsigned long)pid);
    return h;
}

/* Wait for a process handle to be signalled and return its exit code. */
DWORD TestExitCodeOf(HANDLE process, DWORD timeout_ms)
{
    DWORD code = 0;

    ASSERT_MSG(WaitForSingleObject(process, timeout_ms) == WAIT_OBJECT_0, L"process did not exit within %lu ms",
               (unsigned long)timeout_ms);
    ASSERT(GetExitCodeProcess(process, &code));
    return code;
}

/* Run --stop NAME --timeout timeout_ms, fail unless it exits with expected; returns the stopper. */
TestProc *TestStopExpect(const wchar_t *name, DWORD timeout_ms, DWORD expected)
{
    TestProc *stopper = NULL;
    DWORD code = TestStop(name, timeout_ms, timeout_ms + 15000, &stopper);

    ASSERT_MSG(code == expected, L"--stop %ls exited with %lu, expected %lu:\n%ls", name, (unsigned long)code,
               (unsigned long)expected, TestOutputText(stopper));
    return stopper;
}

/* --stop NAME exits 0 and the controller then exits 0. */
void TestStopController(const wchar_t *name, TestProc *controller)
{
    TestProc *stopper = NULL;
    DWORD code = TestStop(name, 15000, 20000, &stopper);

    ASSERT_MSG(code == 0, L"--stop %ls exited with %lu:\n%ls", name, (unsigned long)code, TestOutputText(stopper));
    ASSERT_EXIT(controller, 0, 10000);
}

/*
 * A controller whose listener is the crash helper: launch k lives for the k-th
 * entry of plan (ms), then exits with TEST_CRASH_EXIT_CODE. Output is shared.
 */
TestProc *TestStartCrashController(const wchar_t *name, const wchar_t *plan, const wchar_t *restart_delay,
                                   wchar_t *counter, size_t counter_cap)
{
    wchar_t self[TEST_PATH_CAP];

    TestSelfPath(self, TEST_PATH_CAP);
    TestTempFile(name, L".count", counter, counter_cap);
    TestSetEnv(TEST_ENV_HELPER, TEST_HELPER_CRASH);
    return TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--listener", self, L"--console", L"shared",
                               L"--restart-delay", restart_delay, L"--", plan, counter, TEST_CRASH_EXIT_TEXT,
                               (const wchar_t *)NULL);
}

/* Run --status NAME and check its exit code; the process is returned for its output. */
TestProc *TestExpectStatus(const wchar_t *name, DWORD expected)
{
    TestProc *status = TestSpawnController(TEST_SPAWN_DEFAULT, L"--status", name, (const wchar_t *)NULL);
    DWORD code = 0;

    ASSERT_MSG(TestWaitExit(status, 15000, &code), L"--status %ls did not exit within 15 s:\n%ls", name,
               TestOutputText(status));
    ASSERT_MSG(code == expected, L"--status %ls exited with %lu, expected %lu:\n%ls", name, (unsigned long)code,
               (unsigned long)expected, TestOutputText(status));
    return status;
}

/* The number after label in status's output ("Units:      12 completed" -> 12). */
unsigned long TestStatusNumber(TestProc *status, const wchar_t *label)
{
    wchar_t line[TEST_TEXT_CAP];
    const wchar_t *p;
    wchar_t *end = NULL;
    unsigned long value;

    ASSERT_MSG(TestOutputLine(status, label, line, TEST_TEXT_CAP), L"no \"%ls\" line in --status:\n%ls", label,
               TestOutputText(status));
    p = wcsstr(line, label) + wcslen(label);
    while (*p == L' ') {
        p++;
    }
    value = wcstoul(p, &end, 10);
    ASSERT_MSG(end != p, L"no number after \"%ls\": \"%ls\"", label, line);
    return value;
}

/* Run exe (a file of bin\) with one argument; check its exit code; the process is returned. */
TestProc *TestRunExe(const wchar_t *exe_file, const wchar_t *arg, const wchar_t *arg2, DWORD expected)
{
    wchar_t exe[TEST_PATH_CAP];
    wchar_t cmd[TEST_CMD_CAP];
    TestProc *proc;
    DWORD code = 0;

    TestBinPath(exe_file, exe, TEST_PATH_CAP);
    TestCommandLine(cmd, TEST_CMD_CAP, exe, arg, arg2, (const wchar_t *)NULL);
    proc = TestSpawn(cmd);
    ASSERT_MSG(TestWaitExit(proc, 15000, &code), L"%ls did not exit within 15 s", cmd);
    ASSERT_MSG(code == expected, L"%ls exited with %lu, expected %lu:\n%ls", cmd, (unsigned long)code,
               (unsigned long)expected, TestOutputText(proc));
    return proc;
}

/* Spawn exe with a NULL-terminated array of arguments, stderr apart. */
TestProc *TestSpawnArgs(const wchar_t *exe_file, const wchar_t *const *args)
{
    wchar_t exe[TEST_PATH_CAP];
    wchar_t *cmd = (wchar_t *)malloc(TEST_CMD_CAP * sizeof(wchar_t));
    TestProc *proc;
    size_t i;

    ASSERT(cmd != NULL);
    TestBinPath(exe_file, exe, TEST_PATH_CAP);
    cmd[0] = L'\0';
    TestAppendArg(cmd, TEST_CMD_CAP, exe);
    for (i = 0; args[i] != NULL; i++) {
        TestAppendArg(cmd, TEST_CMD_CAP, args[i]);
    }
    proc = TestSpawnEx(cmd, TEST_SPAWN_SPLIT_STDERR);
    free(cmd);
    return proc;
}

/* The program of a run, started for NAME with what it needs to do real work if it wrongly accepted NAME. */
TestProc *TestSpawnRun(unsigned run, const wchar_t *name)
{
    const wchar_t *args[8];

    memset(args, 0, sizeof(args));
    switch (run) {
    case RUN_LISTENER:
        args[0] = name;
        args[1] = L"--work-ms";
        args[2] = L"100";
        return TestSpawnArgs(TEST_LISTENER_EXE, args);
    case RUN_CONTROLLER:
        args[0] = name;
        args[1] = L"--console";
        args[2] = L"none";
        args[3] = L"--";
        args[4] = L"--work-ms";
        args[5] = L"100";
        return TestSpawnArgs(TEST_CONTROLLER_EXE, args);
    default:
        args[0] = L"--stop";
        args[1] = name;
        args[2] = L"--timeout";
        args[3] = L"2000";
        return TestSpawnArgs(TEST_CONTROLLER_EXE, args);
    }
}

const wchar_t *TestRunLabel(unsigned run)
{
    return run == RUN_LISTENER ? L"listener" : run == RUN_CONTROLLER ? L"controller" : L"--stop";
}

/*
 * Wait for proc (one of `what`'s runs) to exit with expected, and check it did
 * nothing: no unit of work, no launch, no adoption, no close message sent, and
 * no process left behind that it started.
 */
void TestExpectExitDoingNothing(TestProc *proc, const wchar_t *what, DWORD expected)
{
    DWORD code = 0;
    const wchar_t *out;

    ASSERT_MSG(TestWaitExit(proc, 15000, &code), L"%ls did not exit within 15 s:\n%ls%ls", what,
               TestOutputText(proc), TestErrText(proc));
    ASSERT_MSG(code == expected, L"%ls exited with %lu, expected %lu:\n%ls%ls", what, (unsigned long)code,
               (unsigned long)expected, TestOutputText(proc), TestErrText(proc));
    out = TestOutputText(proc);
    ASSERT_MSG(wcsstr(out, TEXT_PROCESSING) == NULL, L"%ls started a unit of work:\n%ls", what, out);
    ASSERT_MSG(wcsstr(out, TEXT_LAUNCHING) == NULL, L"%ls launched a listener:\n%ls", what, out);
    ASSERT_MSG(wcsstr(out, TEXT_ALREADY) == NULL, L"%ls adopted a listener:\n%ls", what, out);
    ASSERT_MSG(wcsstr(out, TEXT_SENT) == NULL, L"%ls sent a close message:\n%ls", what, out);
    ASSERT_MSG(TestCountOwnChildren(proc) == 0, L"%ls left a child process running", what);
}

/*
 * controller adopted the listener pid serving name: it said so, its pid is in
 * the header, the listener goes on with its units, and it launched nothing.
 */
void TestExpectAdopted(TestProc *controller, const wchar_t *name, DWORD pid)
{
    uint64_t units;

    ASSERT_OUTPUT(controller, TEXT_ALREADY, 10000);
    ASSERT(TestWaitHeaderU32(name, OFF_CONTROLLER_PID, TestPid(controller), 5000));
    units = TestHeaderU64(name, OFF_UNITS);
    ASSERT(TestWaitUnitsAtLeast(name, units + 2, 5000));
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 0);
    ASSERT_EQ_INT(TestCountChildren(TestPid(controller), TEST_LISTENER_EXE), 0);
    ASSERT_EQ_INT(TestWaitPublished(name, 0, 1000), pid);
}
