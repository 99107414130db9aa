/*
 * harness.h - the harness of ipc_tests.exe: the test entry, assertions that
 * stay on in release builds, spawning processes with captured output, the
 * processes, files and mapping seen from outside, and the shortcuts that
 * drive the programs. Each section names the file of tests/harness/ that
 * implements it; the contract the tests check is in contract.h.
 *
 * Every test runs in a child process of its own (ipc_tests.exe --run-one NAME),
 * so an assertion simply cleans up and ends that process; the runner reports it.
 */
#ifndef TEST_HARNESS_H
#define TEST_HARNESS_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#include "contract.h"

/* ---- the test table ---- */

typedef void (*TestFunction)(void);

typedef struct TestEntry {
    const wchar_t *name;
    TestFunction function;
    DWORD timeout_ms; /* the runner kills the test's process tree after this */
} TestEntry;

/*
 * TEST_IMPL(name) - the definition of test name, registered in tests/test_list.h
 * with TEST_DECLARE(name) and TEST_ENTRY(name, timeout_ms).
 */
#define TEST_IMPL(name) void test_##name(void)

/* Buffer sizes, in characters, for names and short texts, paths and command lines. */
#define TEST_TEXT_CAP 512
#define TEST_PATH_CAP 1024
#define TEST_CMD_CAP 16384

/* Polling periods for state that has no event to wait on: the mapping's contents and pids, and files. */
#define TEST_POLL_MS 20
#define TEST_FILE_POLL_MS 50

/* ---- helper programs (runner.c, sample.c, helpers.c) ---- */

/* Environment: ipc_tests.exe acts as a helper listener when started as "ipc_tests.exe NAME" with this set. */
#define TEST_ENV_HELPER L"IPC_TEST_HELPER"
#define TEST_ENV_SAMPLE_WORK_MS L"IPC_TEST_SAMPLE_WORK_MS"
#define TEST_SAMPLE_DEFAULT_WORK_MS 300u
/* IPC_TEST_HELPER values: the C# sample's listener, and a listener that records its argv (TEST_ENV_ECHO_FILE). */
#define TEST_HELPER_SAMPLE_LISTENER L"sample-listener"
#define TEST_HELPER_ECHO L"echo-args"
#define TEST_ENV_ECHO_FILE L"IPC_TEST_ECHO_FILE"
/* IPC_TEST_HELPER=crash: a listener that lives as long as its plan says and exits with TEST_CRASH_EXIT_TEXT. */
#define TEST_HELPER_CRASH L"crash"
#define TEST_CRASH_EXIT_CODE 3u
#define TEST_CRASH_EXIT_TEXT L"3"

/*
 * The C# sample's programs, reproduced (sample.c). TestSampleHelperMain:
 * argv[0] is the helper's kind ("sample-listener", ...); returns the process
 * exit code, or -1 when the kind is unknown.
 */
int TestSampleHelperMain(int argc, wchar_t **argv);
/* The sample listener's loop, used for IPC_TEST_HELPER=sample-listener too; work_ms 0: from IPC_TEST_SAMPLE_WORK_MS. */
int TestSampleListenerMain(const wchar_t *name, DWORD work_ms);

/*
 * The echo-args listener (helpers.c): with IPC_TEST_HELPER=echo-args,
 * "ipc_tests.exe NAME ARGS..." (as a controller launches it) records its argv
 * and then acts as the sample listener. Returns the exit code, or -1 when this
 * is not such a launch.
 */
int TestEchoArgsLaunch(int argc, wchar_t **argv);

/* IPC_TEST_HELPER=crash makes "ipc_tests.exe NAME PLAN COUNTER CODE" a crashing listener (helpers.c); else -1. */
int TestCrashLaunch(int argc, wchar_t **argv);

/*
 * IPC_TEST_HELPER=slow-worker makes "ipc_tests.exe NAME" a library worker
 * (helpers.c): when launched as a standby (IPC_STANDBY) it sleeps
 * IPC_TEST_SLOW_INIT_MS before IpcListenerOpen, its slow initialisation; it
 * journals its units (TEST_SLOW_WORK_MS each) into IPC_TEST_SLOW_JOURNAL in the
 * listener's format, and after the open a unit=0 line "env-standby" or
 * "env-clean": whether IPC_STANDBY is still in the environment its children
 * would inherit. With IPC_TEST_SLOW_FAIL set, a standby exits 1 after its
 * initialisation instead. Returns the exit code, or -1 when this is not such
 * a launch.
 */
#define TEST_HELPER_SLOW_WORKER L"slow-worker"
#define TEST_ENV_SLOW_INIT_MS L"IPC_TEST_SLOW_INIT_MS"
#define TEST_ENV_SLOW_JOURNAL L"IPC_TEST_SLOW_JOURNAL"
#define TEST_ENV_SLOW_FAIL L"IPC_TEST_SLOW_FAIL"
#define TEST_SLOW_WORK_MS 200u
int TestSlowWorkerLaunch(int argc, wchar_t **argv);

/* "--helper sleeper MS [PIDFILE]" and "--helper spawner MS": --run commands to watch (helpers.c); -1 otherwise. */
int TestSleeperHelperMain(int argc, wchar_t **argv);

/* "--helper pid-alive PID", "kill PID", "failed-open NAME" (tests/interactive.sh), "close-elsewhere NAME" and "oem-text TEXT" (helpers.c); -1 for other kinds. */
int TestProcessHelperMain(int argc, wchar_t **argv);

/* "--helper task-standin JOB PRIORITY COMMAND ARGUMENTS" and "--helper task-end JOB": Task Scheduler's start and End (standin.c); -1 otherwise. */
int TestTaskHelperMain(int argc, wchar_t **argv);

/* ---- output and failure (spawn.c) ---- */

/* TestPrint - like wprintf (use %ls), UTF-8 to standard output, unbuffered. */
void TestPrint(const wchar_t *fmt, ...);

/*
 * TestFail - report "FAIL: file:line: message", dump what the spawned processes
 * printed, kill them and every process they started, and exit the test process
 * with TEST_EXIT_FAILED. Never returns.
 */
#define TEST_EXIT_FAILED 1
#if defined(_MSC_VER)
__declspec(noreturn)
#else
_Noreturn
#endif
void TestFail(const char *file, int line, const wchar_t *fmt, ...);

/* TestCleanup - kill every process this test started (directly or not). Called on every exit path. */
void TestCleanup(void);

#define ASSERT(cond)                                                                  \
    do {                                                                              \
        if (!(cond)) {                                                                \
            TestFail(__FILE__, __LINE__, L"assertion failed: %hs", #cond);            \
        }                                                                             \
    } while (0)

#define ASSERT_MSG(cond, ...)                                                         \
    do {                                                                              \
        if (!(cond)) {                                                                \
            TestFail(__FILE__, __LINE__, __VA_ARGS__);                                \
        }                                                                             \
    } while (0)

#define ASSERT_EQ_INT(a, b)                                                           \
    do {                                                                              \
        long long test_a_ = (long long)(a);                                           \
        long long test_b_ = (long long)(b);                                           \
        if (test_a_ != test_b_) {                                                     \
            TestFail(__FILE__, __LINE__, L"%hs == %hs: %lld != %lld", #a, #b,         \
                     test_a_, test_b_);                                               \
        }                                                                             \
    } while (0)

#define ASSERT_NE_INT(a, b)                                                           \
    do {                                                                              \
        long long test_a_ = (long long)(a);                                           \
        long long test_b_ = (long long)(b);                                           \
        if (test_a_ == test_b_) {                                                     \
            TestFail(__FILE__, __LINE__, L"%hs != %hs: both are %lld", #a, #b,        \
                     test_a_);                                                        \
        }                                                                             \
    } while (0)

#define ASSERT_GE_INT(a, b)                                                           \
    do {                                                                              \
        long long test_a_ = (long long)(a);                                           \
        long long test_b_ = (long long)(b);                                           \
        if (test_a_ < test_b_) {                                                      \
            TestFail(__FILE__, __LINE__, L"%hs >= %hs: %lld < %lld", #a, #b,          \
                     test_a_, test_b_);                                               \
        }                                                                             \
    } while (0)

#define ASSERT_LE_INT(a, b)                                                           \
    do {                                                                              \
        long long test_a_ = (long long)(a);                                           \
        long long test_b_ = (long long)(b);                                           \
        if (test_a_ > test_b_) {                                                      \
            TestFail(__FILE__, __LINE__, L"%hs <= %hs: %lld > %lld", #a, #b,          \
                     test_a_, test_b_);                                               \
        }                                                                             \
    } while (0)

#define ASSERT_EQ_WSTR(a, b)                                                          \
    do {                                                                              \
        const wchar_t *test_a_ = (a);                                                 \
        const wchar_t *test_b_ = (b);                                                 \
        if (wcscmp(test_a_, test_b_) != 0) {                                          \
            TestFail(__FILE__, __LINE__, L"%hs == %hs:\n  \"%ls\"\n  \"%ls\"", #a, #b, \
                     test_a_, test_b_);                                               \
        }                                                                             \
    } while (0)

#define ASSERT_CONTAINS(haystack, needle)                                             \
    do {                                                                              \
        const wchar_t *test_h_ = (haystack);                                          \
        const wchar_t *test_n_ = (needle);                                            \
        if (wcsstr(test_h_, test_n_) == NULL) {                                       \
            TestFail(__FILE__, __LINE__, L"\"%ls\" not found in %hs:\n%ls", test_n_,  \
                     #haystack, test_h_);                                             \
        }                                                                             \
    } while (0)

#define ASSERT_NOT_CONTAINS(haystack, needle)                                         \
    do {                                                                              \
        const wchar_t *test_h_ = (haystack);                                          \
        const wchar_t *test_n_ = (needle);                                            \
        if (wcsstr(test_h_, test_n_) != NULL) {                                       \
            TestFail(__FILE__, __LINE__, L"\"%ls\" unexpectedly in %hs:\n%ls",        \
                     test_n_, #haystack, test_h_);                                    \
        }                                                                             \
    } while (0)

/* ---- spawned processes (spawn.c) ---- */

typedef struct TestProc TestProc;

/* Flags of TestSpawnEx. */
#define TEST_SPAWN_DEFAULT 0u
#define TEST_SPAWN_SPLIT_STDERR 1u /* capture stderr apart from stdout (TestErrText) */
#define TEST_SPAWN_STDIN_PIPE 2u   /* stdin is a pipe whose write end TestCloseStdin closes */
#define TEST_SPAWN_SUSPENDED 4u    /* created with CREATE_SUSPENDED; TestResume starts it */
/*
 * The process's own DACL denies PROCESS_TERMINATE to everyone (a listener of
 * another user or an elevated one, as far as termination goes); the harness
 * keeps the full-access handle CreateProcessW returns, so it can still end it.
 */
#define TEST_SPAWN_DENY_TERMINATE 8u

/*
 * TestSpawn - start cmdline (a full command line, program first) with stdout
 * and stderr going to a pipe read by a background thread, stdin from NUL.
 * The process is registered so that TestCleanup kills it. Fails the test when
 * the process cannot be started.
 */
TestProc *TestSpawn(const wchar_t *cmdline);
TestProc *TestSpawnEx(const wchar_t *cmdline, unsigned flags);

/*
 * TestSpawnToFile - TestSpawn with standard output going to the file path
 * (created or emptied) instead of a pipe, for a program whose output is bytes
 * rather than text; stderr is still captured (TestOutputText).
 */
TestProc *TestSpawnToFile(const wchar_t *cmdline, const wchar_t *path);

/* TestCloseStdin - close the write end of a TEST_SPAWN_STDIN_PIPE process's stdin (EOF for it). */
void TestCloseStdin(TestProc *proc);

/* TestResume - resume the first thread of a TEST_SPAWN_SUSPENDED process. */
void TestResume(TestProc *proc);

DWORD TestPid(const TestProc *proc);
HANDLE TestHandle(const TestProc *proc);

/* TestIsRunning - TRUE while the process has not exited. */
BOOL TestIsRunning(const TestProc *proc);

/*
 * TestWaitOutput - wait until text appears in what the process printed (stdout,
 * plus stderr unless split). Returns TRUE when it did, FALSE after timeout_ms or
 * once the output has ended without it.
 */
BOOL TestWaitOutput(TestProc *proc, const wchar_t *text, DWORD timeout_ms);
/* TestWaitOutputCount - the same, until text appears at least count times. */
BOOL TestWaitOutputCount(TestProc *proc, const wchar_t *text, size_t count, DWORD timeout_ms);
/* TestWaitOutputEnd - wait until every writer of the output pipe has closed it. */
BOOL TestWaitOutputEnd(TestProc *proc, DWORD timeout_ms);

/* TestCountOutput - how many times text occurs in the output so far. */
size_t TestCountOutput(TestProc *proc, const wchar_t *text);

/*
 * TestOutputText / TestErrText - a snapshot of the output so far (stderr alone
 * for TestErrText, empty unless TEST_SPAWN_SPLIT_STDERR), owned by the harness
 * and valid until the next call for the same process and stream.
 */
const wchar_t *TestOutputText(TestProc *proc);
const wchar_t *TestErrText(TestProc *proc);

/*
 * TestOutputLine - copy the first line of the output that contains text (without
 * its line break) to out. Returns FALSE when no complete line contains it.
 */
BOOL TestOutputLine(TestProc *proc, const wchar_t *text, wchar_t *out, size_t cap);

/*
 * TestWaitExit - wait for the process to exit; TRUE and *code when it did within
 * timeout_ms. Its output is then complete (unless a process it started still
 * holds the pipe: then up to 2 s more are given to it).
 */
BOOL TestWaitExit(TestProc *proc, DWORD timeout_ms, DWORD *code);

/* ASSERT_OUTPUT - fail unless text appears in proc's output within timeout_ms. */
#define ASSERT_OUTPUT(proc, text, timeout_ms)                                        \
    do {                                                                             \
        if (!TestWaitOutput((proc), (text), (timeout_ms))) {                         \
            TestFail(__FILE__, __LINE__, L"\"%ls\" did not appear in the output of %hs " \
                     L"within %lu ms:\n%ls", (text), #proc,                          \
                     (unsigned long)(timeout_ms), TestOutputText(proc));             \
        }                                                                            \
    } while (0)

/* ASSERT_EXIT - fail unless proc exits with code within timeout_ms. */
#define ASSERT_EXIT(proc, expected_code, timeout_ms)                                 \
    do {                                                                             \
        DWORD test_code_ = 0;                                                        \
        if (!TestWaitExit((proc), (timeout_ms), &test_code_)) {                      \
            TestFail(__FILE__, __LINE__, L"%hs did not exit within %lu ms:\n%ls",    \
                     #proc, (unsigned long)(timeout_ms), TestOutputText(proc));      \
        }                                                                            \
        if (test_code_ != (DWORD)(expected_code)) {                                  \
            TestFail(__FILE__, __LINE__, L"%hs exited with %lu, expected %lu:\n%ls", \
                     #proc, (unsigned long)test_code_, (unsigned long)(expected_code), \
                     TestOutputText(proc));                                          \
        }                                                                            \
    } while (0)

/* ---- processes (process.c) ---- */

/* TestPidAlive - TRUE when pid names a process that has not exited. */
BOOL TestPidAlive(DWORD pid);
/* TestPidHandle - open pid for SYNCHRONIZE, termination and queries; NULL when it is not running. */
HANDLE TestPidHandle(DWORD pid);
/* TestKillPid - TerminateProcess(pid, TEST_KILL_EXIT_CODE) and wait for it to be gone; TRUE when it was killed. */
#define TEST_KILL_EXIT_CODE 137
BOOL TestKillPid(DWORD pid);
/* TestWaitPidExit - wait for pid to exit; TRUE and *code (if not NULL) when it did. */
BOOL TestWaitPidExit(DWORD pid, DWORD timeout_ms, DWORD *code);
/* TestPidCreated - the creation time (FILETIME) of pid, 0 when it cannot be read (gone, or no access). */
ULONGLONG TestPidCreated(DWORD pid);

/*
 * TestCountChildren - live processes whose parent is parent_pid and whose image
 * is image (any when NULL). Fails the test when no snapshot can be taken.
 */
size_t TestCountChildren(DWORD parent_pid, const wchar_t *image);
/* TestParentPid - the parent pid Toolhelp reports for pid, 0 when pid is not running. */
DWORD TestParentPid(DWORD pid);
/* TestKillTree - kill pid (unless only_descendants) and every process descended from it. */
void TestKillTree(DWORD pid, BOOL only_descendants);
/* TestTrackPid - have TestCleanup kill pid too: a listener orphaned when a test killed its controller. */
void TestTrackPid(DWORD pid);

/* TestKillTracked - kill what TestTrackPid recorded and is still the same process (TestCleanup calls it). */
void TestKillTracked(void);
/* TestHandleCreated - the creation time (FILETIME) of a process held open; fails the test when it cannot be read. */
uint64_t TestHandleCreated(HANDLE process);
/*
 * Live processes that proc started: their parent pid is proc's and they were
 * created after it. Wine hands out the same small pids again at once, so a
 * process of an earlier holder of proc's pid must not count (TestCountChildren
 * looks at the parent pid alone).
 */
size_t TestCountOwnChildren(TestProc *proc);

/* ---- the mapping (mapping.c) ---- */

/* TestReadMessage - the int32 at offset 0 of mapping name; FALSE when there is no such mapping. */
BOOL TestReadMessage(const wchar_t *name, LONG *out);
/* TestWriteMessage - write value at offset 0 (a plain write, as the C# sample does); FALSE without a mapping. */
BOOL TestWriteMessage(const wchar_t *name, LONG value);
/* TestWriteHeaderU32 - write a 32-bit header field at offset (one interlocked write); FALSE without a mapping. */
BOOL TestWriteHeaderU32(const wchar_t *name, size_t offset, uint32_t value);
/* TestReadBytes - copy the first len bytes (at most a page) of mapping name; FALSE without a mapping. */
BOOL TestReadBytes(const wchar_t *name, unsigned char *out, size_t len);
/* TestMappingExists - TRUE when OpenFileMappingW finds name. */
BOOL TestMappingExists(const wchar_t *name);

/*
 * TestWaitPublished - wait until offset 0 of name holds the pid of a live
 * process other than not_pid (0 for none); returns that pid, or 0 after timeout_ms.
 */
DWORD TestWaitPublished(const wchar_t *name, DWORD not_pid, DWORD timeout_ms);

/* TestReadU32 / TestReadU16 / TestReadU64 - little-endian fields of a byte snapshot. */
uint32_t TestReadU32(const unsigned char *p);
uint16_t TestReadU16(const unsigned char *p);
uint64_t TestReadU64(const unsigned char *p);

uint32_t TestHeaderU32(const wchar_t *name, size_t offset);
uint64_t TestHeaderU64(const wchar_t *name, size_t offset);
/* Poll until the 32-bit header field at offset equals value. */
BOOL TestWaitHeaderU32(const wchar_t *name, size_t offset, uint32_t value, DWORD timeout_ms);
/* Poll until the units counter of the header reaches at least min. */
BOOL TestWaitUnitsAtLeast(const wchar_t *name, uint64_t min, DWORD timeout_ms);
void TestPutU16(unsigned char *p, uint16_t v);
void TestPutU32(unsigned char *p, uint32_t v);
void TestPutU64(unsigned char *p, uint64_t v);
/* A valid header of version 1 (message and listener_pid = pid), for forging. */
void TestBuildHeader(unsigned char *bytes, DWORD pid, uint32_t state, uint64_t created);
/*
 * Create the mapping NAME before any program does, size bytes big, holding
 * bytes[0..len): the stale or forged state a test wants to present. The caller
 * keeps the handle, so the mapping lives while the programs look at it.
 */
HANDLE TestCreateMapping(const wchar_t *name, DWORD size, const unsigned char *bytes, size_t len);

/* ---- names, paths and command lines (command_line.c) ---- */

/* TestUniqueName - "T<tag>-<pid of this test process>", unique to this test run. */
void TestUniqueName(const wchar_t *tag, wchar_t *out, size_t cap);

/* TestBinPath - the full path of file in the folder of ipc_tests.exe (bin\). */
void TestBinPath(const wchar_t *file, wchar_t *out, size_t cap);

/* TestSelfPath - the full path of ipc_tests.exe. */
void TestSelfPath(wchar_t *out, size_t cap);

/*
 * TestCommandLine - build a command line from exe and the arguments that follow,
 * up to a NULL, each quoted so that the C runtime gives it back unchanged.
 */
void TestCommandLine(wchar_t *out, size_t cap, const wchar_t *exe, ...);

/* TestAppendArg - append one quoted argument to a command line built by TestCommandLine. */
void TestAppendArg(wchar_t *buf, size_t cap, const wchar_t *arg);

/*
 * TestRunPrinted - run the command proc printed after the text before (to the
 * end of that line) as a user who pastes it would: split as CommandLineToArgvW
 * splits (shell32.dll, loaded here), its program checked to be
 * ConsoleAppController and replaced by bin's, each argument passed on exactly.
 * Fails the test when there is no such line. flags as for TestSpawnEx.
 */
TestProc *TestRunPrinted(TestProc *proc, const wchar_t *before, unsigned flags);

/* TestSetEnv - set (value non-NULL) or remove a variable of this process, inherited by what it spawns. */
void TestSetEnv(const wchar_t *name, const wchar_t *value);

/* TestNowMs - a monotonic clock in milliseconds. */
ULONGLONG TestNowMs(void);

/* out = prefix, then fill up to exactly length characters. */
void TestPadName(wchar_t *out, size_t cap, const wchar_t *prefix, size_t length, wchar_t fill);

/* ---- driving the programs (drive.c) ---- */

/*
 * TestSpawnJournaled - spawn ConsoleAppListener.exe NAME --work-ms work_ms
 * --journal journal, stderr apart; with standby, IPC_STANDBY=1 is in its
 * environment, as a controller launches its standby. Does not wait.
 */
TestProc *TestSpawnJournaled(const wchar_t *name, DWORD work_ms, const wchar_t *journal, BOOL standby);

/* TestStartListener - spawn ConsoleAppListener.exe NAME --work-ms work_ms and wait for its pid at offset 0. */
TestProc *TestStartListener(const wchar_t *name, DWORD work_ms);

/*
 * TestSpawnController - spawn ConsoleAppController.exe with the arguments that
 * follow, up to a NULL (flags as for TestSpawnEx).
 */
TestProc *TestSpawnController(unsigned flags, ...);

/*
 * TestStartSampleListenerAt - the C# sample's listener (the harness's
 * stand-in, 300 ms units; IPC_TEST_HELPER set, and inherited by what the
 * test starts later) run from exe, a copy of ipc_tests.exe, as a controller
 * starts a listener ("EXE NAME"); returns once it works and has published its pid.
 */
TestProc *TestStartSampleListenerAt(const wchar_t *exe, const wchar_t *name);

/* TestSpawnSelf - spawn ipc_tests.exe with the arguments that follow, up to a NULL (the C# sample's helpers). */
TestProc *TestSpawnSelf(unsigned flags, ...);

/*
 * TestStop - run ConsoleAppController.exe --stop NAME [--timeout timeout_ms]
 * (no --timeout when timeout_ms is 0), wait up to wait_ms for it and return its
 * exit code; the process is returned in *out when out is not NULL.
 */
DWORD TestStop(const wchar_t *name, DWORD timeout_ms, DWORD wait_ms, TestProc **out);

/*
 * TestAssertLaunchLine - wait up to timeout_ms for the controller's line
 * "Launching executable: <exe> <args> " (the C# sample's trailing space included)
 * and fail unless it is exactly that (the path compared ignoring case).
 */
#define TEST_ASSERT_LAUNCH_LINE(proc, exe, args, timeout_ms) \
    TestAssertLaunchLine(__FILE__, __LINE__, (proc), (exe), (args), (timeout_ms))
void TestAssertLaunchLine(const char *file, int line, TestProc *proc, const wchar_t *exe, const wchar_t *args,
                          DWORD timeout_ms);

/* Which programs TestExpectRefused runs. */
#define RUN_LISTENER 1u
#define RUN_CONTROLLER 2u
#define RUN_STOP 4u

TestProc *TestSpawnListener(unsigned flags, const wchar_t *const *args, size_t count);
void TestWriteCloseMessage(const wchar_t *name);
/* Ask a listener with short units to close and check it does so the C# sample's way. */
void TestStopGracefully(TestProc *listener, const wchar_t *name);
/*
 * TestStartController - spawn "ConsoleAppController.exe NAME --console console
 * -- --work-ms work_ms" (flags as for TestSpawnEx). With console "shared" its
 * output includes the listener's lines; with "none" it is the controller's own.
 */
TestProc *TestStartController(const wchar_t *name, const wchar_t *console, const wchar_t *work_ms, unsigned flags);
/* Wait for the controller's first listener and return its pid, checked to be the controller's child. */
DWORD TestWaitLaunched(TestProc *controller, const wchar_t *name);
/* --stop NAME succeeds, and the supervising controller then ends by itself without relaunching. */
void TestStopAndExpectEnd(TestProc *controller, const wchar_t *name, size_t launches);
/* Wait for a listener other than not_pid at offset 0 and check that controller launched it. */
DWORD TestWaitOwnListener(TestProc *controller, const wchar_t *name, DWORD not_pid);
/* Wait for the controller's listener and return its pid. */
DWORD TestWaitListener(TestProc *controller, const wchar_t *name, DWORD not_pid);
/* The controller adopted the listener pid of name: said so, recorded itself, launched nothing; units go on. */
void TestExpectAdopted(TestProc *controller, const wchar_t *name, DWORD pid);
/* Open a listener by pid to read its exit code later; it must be running now. */
HANDLE TestOpenListener(DWORD pid);
/* Wait for a process handle to be signalled and return its exit code. */
DWORD TestExitCodeOf(HANDLE process, DWORD timeout_ms);
/* Run --stop NAME --timeout timeout_ms, fail unless it exits with expected; returns the stopper. */
TestProc *TestStopExpect(const wchar_t *name, DWORD timeout_ms, DWORD expected);
/* --stop NAME exits 0 and the controller then exits 0. */
void TestStopController(const wchar_t *name, TestProc *controller);
/*
 * A controller whose listener is the crash helper: launch k lives for the k-th
 * entry of plan (ms), then exits with TEST_CRASH_EXIT_CODE. Output is shared.
 */
TestProc *TestStartCrashController(const wchar_t *name, const wchar_t *plan, const wchar_t *restart_delay,
                                   wchar_t *counter, size_t counter_cap);
/* Run --status NAME and check its exit code; the process is returned for its output. */
TestProc *TestExpectStatus(const wchar_t *name, DWORD expected);
/* The number after label in status's output ("Units:      12 completed" -> 12). */
unsigned long TestStatusNumber(TestProc *status, const wchar_t *label);
/* Run exe (a file of bin\) with one argument; check its exit code; the process is returned. */
TestProc *TestRunExe(const wchar_t *exe_file, const wchar_t *arg, const wchar_t *arg2, DWORD expected);
/* Spawn exe with a NULL-terminated array of arguments, stderr apart. */
TestProc *TestSpawnArgs(const wchar_t *exe_file, const wchar_t *const *args);
/* The program of a run, started for NAME with what it needs to do real work if it wrongly accepted NAME. */
TestProc *TestSpawnRun(unsigned run, const wchar_t *name);
const wchar_t *TestRunLabel(unsigned run);
/*
 * Wait for proc (one of `what`'s runs) to exit with expected, and check it did
 * nothing: no unit of work, no launch, no adoption, no close message sent, and
 * no process left behind that it started.
 */
void TestExpectExitDoingNothing(TestProc *proc, const wchar_t *what, DWORD expected);

/* ---- files (files.c) ---- */

/* "YYYY-MM-DDTHH:MM:SS.mmm+HH:MM " */
#define TEST_STAMP_LEN 30u
#define JOURNAL_MAX_ENTRIES 4096
#define JOURNAL_MAX_BYTES (1024 * 1024)
typedef struct JournalEntry {
    unsigned long pid;
    unsigned long unit;
    BOOL end; /* FALSE: a "start" line */
} JournalEntry;
typedef struct JournalSummary {
    size_t starts;
    size_t ends;
    size_t malformed;        /* lines that are not "<time> pid=P unit=N start|end" */
    size_t pids;             /* distinct listener pids */
    size_t unmatched;        /* starts without a later end, ends without an earlier start */
    unsigned long first_pid; /* of the first unmatched entry */
    unsigned long first_unit;
} JournalSummary;

/* A file in the temporary folder named after the test's instance name; any old copy is removed. */
void TestTempFile(const wchar_t *name, const wchar_t *suffix, wchar_t *out, size_t cap);
BOOL TestFileExists(const wchar_t *path);
/*
 * The whole file, NUL-terminated (two zero bytes), in *len bytes; NULL when it
 * cannot be opened (its error in *error). Shared for writing and deleting: the
 * programs append and rotate while the test reads.
 */
unsigned char *TestReadAll(const wchar_t *path, size_t *len, DWORD *error);

/* TestFileHasText - TRUE when the file at path (read as TestReadAll reads it) contains the bytes of text. */
BOOL TestFileHasText(const wchar_t *path, const char *text);
/*
 * The text of a file (free it): UTF-16 LE after a BOM FF FE, else UTF-8 with
 * or without a BOM. NULL when the file cannot be opened (*error says why).
 */
wchar_t *TestReadTextEx(const wchar_t *path, DWORD *error);
/* TestReadTextEx for a file that must exist. */
wchar_t *TestReadText(const wchar_t *path);
/* Occurrences of needle in path's text; 0 when the file is not there (yet). */
size_t TestCountInFile(const wchar_t *path, const wchar_t *needle);
/* The pid a helper wrote to path (the sleeper's PIDFILE), waited for up to timeout_ms; 0 when none came. */
DWORD TestWaitPidFile(const wchar_t *path, DWORD timeout_ms);
/* Wait until needle occurs at least count times in path; fail with the file's text after timeout_ms. */
void TestWaitInFile(const wchar_t *path, const wchar_t *needle, size_t count, DWORD timeout_ms);
/* The next line of *cursor, without its line break, in *line and *len; FALSE at the end. */
BOOL TestNextLine(const wchar_t **cursor, const wchar_t **line, size_t *len);
/* A line that starts with the local time in ISO 8601 with its offset, then a space. */
BOOL TestHasStamp(const wchar_t *line, size_t len);
/* Every line of a log is stamped. */
void TestAssertStamped(const wchar_t *log, const wchar_t *path);
/* The log FILE's .listener sibling for a log named ipc-NAME.log. */
void TestLogPaths(const wchar_t *name, wchar_t *log, wchar_t *sibling, size_t cap);
/* Remove a log and its rotated copies (temporary files of a passed test). */
void TestRemoveLogs(const wchar_t *path);
/*
 * Never two listeners inside a unit at once: in the journal's order, no unit
 * starts while a unit of another pid has started and ends later (a unit cut
 * by a kill has no end, and is over when the next one starts), and the ticks
 * never go back. *starts (if not NULL) gets the number of "start" lines.
 */
void TestAssertJournalOneAtATime(const wchar_t *path, size_t *starts);
/* The tick of the first (last: FALSE) line of pid with event ("start" or "end"); fails the test when there is none. */
uint64_t TestJournalTick(const wchar_t *path, DWORD pid, const char *event, BOOL first);
/* Wait until the journal holds text. */
BOOL TestWaitJournal(const wchar_t *path, const char *text, DWORD timeout_ms);
/* Every unit that started in the journal ended: the check after a run. */
void TestAssertJournalComplete(const wchar_t *path, JournalSummary *summary);

/* ---- squatted names and forged bytes (squat.c) ---- */

typedef enum SquatKind {
    SQUAT_MAPPING = 0,
    SQUAT_EVENT = 1,
    SQUAT_MUTEX = 2
} SquatKind;

void TestFillRandom(unsigned char *out, size_t len, uint32_t salt);
/* Squat, failing the test on any error but the missing privilege, which makes it a SKIP (returns NULL). */
HANDLE TestSquatOrSkip(SquatKind kind, const wchar_t *name, const wchar_t *sddl, DWORD size,
                       const unsigned char *bytes, size_t len);
/*
 * TestSquatSection - a section NAME of this user backed by the paging file,
 * HEADER_SIZE bytes, created with protect (PAGE_* | SEC_* flags) and held by
 * the test process; NULL, *error set, when Windows refuses those flags.
 */
HANDLE TestSquatSection(const wchar_t *name, DWORD protect, DWORD *error);
/*
 * Runs the chosen programs for NAME, one after the other, and requires each to
 * exit 7 (NAME is in use) with a message on stderr that names the object (it
 * contains NAME) and says what is wrong with it (one of mentions), having done
 * nothing. When section is not NULL (a squatted mapping), its bytes must be
 * the same afterwards: no pid published, no close message, no header written.
 */
void TestExpectRefused(const wchar_t *name, unsigned runs, HANDLE section, const wchar_t *const *mentions);

#endif
