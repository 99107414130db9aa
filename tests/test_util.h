/*
 * test_util.h - the harness of ipc_tests.exe: the test table, assertions that
 * stay on in release builds, spawning processes with captured output, and
 * reading the shared mapping from outside.
 *
 * Every test runs in a child process of its own (ipc_tests.exe --run-one NAME),
 * so an assertion simply cleans up and ends that process; the runner reports it.
 */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

/* ---- the test table ---- */

typedef void (*TestFunction)(void);

typedef struct TestEntry {
    const wchar_t *name;
    TestFunction function;
    DWORD timeout_ms; /* the runner kills the test's process tree after this */
} TestEntry;

/* Each test file exports its part of the table; test_main.c joins them. */
extern const TestEntry TestListenerTable[];
extern const size_t TestListenerCount;
extern const TestEntry TestControllerTable[];
extern const size_t TestControllerCount;
extern const TestEntry TestSeedTable[];
extern const size_t TestSeedCount;
extern const TestEntry TestSecurityTable[];
extern const size_t TestSecurityCount;
extern const TestEntry TestFaultsTable[];
extern const size_t TestFaultsCount;
extern const TestEntry TestUnattendedTable[];
extern const size_t TestUnattendedCount;

/*
 * The seed helpers of test_seed.c (the C# programs' behaviour, reproduced).
 * TestSeedHelperMain: argv[0] is the helper's kind ("seed-listener", ...);
 * returns the process exit code, or -1 when the kind is unknown.
 */
int TestSeedHelperMain(int argc, wchar_t **argv);
/* The seed listener's loop, used for IPC_TEST_HELPER=seed-listener too; work_ms 0: from IPC_TEST_SEED_WORK_MS. */
int TestSeedListenerMain(const wchar_t *name, DWORD work_ms);

/*
 * The echo-args listener of test_security.c: with IPC_TEST_HELPER=echo-args,
 * "ipc_tests.exe NAME ARGS..." (as a controller launches it) records its argv
 * and then acts as the seed listener. Returns the exit code, or -1 when this
 * is not such a launch.
 */
int TestSecurityLaunchMain(int argc, wchar_t **argv);

/* test_faults.c: IPC_TEST_HELPER=crash makes "ipc_tests.exe NAME PLAN COUNTER CODE" a crashing listener; else -1. */
int TestFaultsHelperLaunch(int argc, wchar_t **argv);

/* test_unattended.c: "--helper sleeper MS [PIDFILE]", a --run command to watch; -1 for other kinds. */
int TestUnattendedHelperMain(int argc, wchar_t **argv);

/* Environment: ipc_tests.exe acts as the seed listener when started as "ipc_tests.exe NAME" with this set. */
#define TEST_ENV_HELPER L"IPC_TEST_HELPER"
#define TEST_ENV_SEED_WORK_MS L"IPC_TEST_SEED_WORK_MS"
#define TEST_SEED_DEFAULT_WORK_MS 300u

/* ---- exact texts of the contract ---- */

#define TEXT_NO_NAME L"Error: Expected a unique name for the application from the command line."
#define TEXT_NOT_RECEIVED L"Close message not received, beginning to process"
#define TEXT_PROCESSING L"Performing processing"
#define TEXT_RECEIVED L"Received shutdown message"
#define TEXT_HIT_ENTER_CLOSE L"Close message received. Hit Enter to close"
#define TEXT_LAUNCHING L"Launching executable: "
#define TEXT_LAUNCHED L"Process launched"
#define TEXT_ALREADY L"Process already running"
#define TEXT_EXITED L"Process exited"
#define TEXT_SENT L"Sent message to shut down"

#define TEST_LISTENER_EXE L"ConsoleAppListener.exe"
#define TEST_CONTROLLER_EXE L"ConsoleAppController.exe"

/* ---- output and failure ---- */

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

/* ---- spawned processes ---- */

typedef struct TestProc TestProc;

/* Flags of TestSpawnEx. */
#define TEST_SPAWN_DEFAULT 0u
#define TEST_SPAWN_SPLIT_STDERR 1u /* capture stderr apart from stdout (TestErrText) */
#define TEST_SPAWN_STDIN_PIPE 2u   /* stdin is a pipe whose write end TestCloseStdin closes */

/*
 * TestSpawn - start cmdline (a full command line, program first) with stdout
 * and stderr going to a pipe read by a background thread, stdin from NUL.
 * The process is registered so that TestCleanup kills it. Fails the test when
 * the process cannot be started.
 */
TestProc *TestSpawn(const wchar_t *cmdline);
TestProc *TestSpawnEx(const wchar_t *cmdline, unsigned flags);

/* TestCloseStdin - close the write end of a TEST_SPAWN_STDIN_PIPE process's stdin (EOF for it). */
void TestCloseStdin(TestProc *proc);

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

/* ---- other processes ---- */

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

/* TestCountChildren - live processes whose parent is parent_pid and whose image is image (any when NULL). */
size_t TestCountChildren(DWORD parent_pid, const wchar_t *image);
/* TestParentPid - the parent pid Toolhelp reports for pid, 0 when pid is not running. */
DWORD TestParentPid(DWORD pid);
/* TestKillTree - kill pid (unless only_descendants) and every process descended from it. */
void TestKillTree(DWORD pid, BOOL only_descendants);
/* TestTrackPid - have TestCleanup kill pid too: a listener orphaned when a test killed its controller. */
void TestTrackPid(DWORD pid);

/*
 * TestAssertLaunchLine - wait up to timeout_ms for the controller's line
 * "Launching executable: <exe> <args> " (the seed's trailing space included)
 * and fail unless it is exactly that (the path compared ignoring case).
 */
#define TEST_ASSERT_LAUNCH_LINE(proc, exe, args, timeout_ms) \
    TestAssertLaunchLine(__FILE__, __LINE__, (proc), (exe), (args), (timeout_ms))
void TestAssertLaunchLine(const char *file, int line, TestProc *proc, const wchar_t *exe, const wchar_t *args,
                          DWORD timeout_ms);

/* ---- the mapping, from outside ---- */

/* TestReadMessage - the int32 at offset 0 of mapping name; FALSE when there is no such mapping. */
BOOL TestReadMessage(const wchar_t *name, LONG *out);
/* TestWriteMessage - write value at offset 0 (a plain write, as the seed does); FALSE without a mapping. */
BOOL TestWriteMessage(const wchar_t *name, LONG value);
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

/* ---- names, paths and command lines ---- */

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

/* TestSetEnv - set (value non-NULL) or remove a variable of this process, inherited by what it spawns. */
void TestSetEnv(const wchar_t *name, const wchar_t *value);

/* TestNowMs - a monotonic clock in milliseconds. */
ULONGLONG TestNowMs(void);

/* ---- shortcuts used by several test files ---- */

/* TestStartListener - spawn ConsoleAppListener.exe NAME --work-ms work_ms and wait for its pid at offset 0. */
TestProc *TestStartListener(const wchar_t *name, DWORD work_ms);

/*
 * TestSpawnController - spawn ConsoleAppController.exe with the arguments that
 * follow, up to a NULL (flags as for TestSpawnEx).
 */
TestProc *TestSpawnController(unsigned flags, ...);

/* TestSpawnSelf - spawn ipc_tests.exe with the arguments that follow, up to a NULL (the seed helpers). */
TestProc *TestSpawnSelf(unsigned flags, ...);

/*
 * TestStop - run ConsoleAppController.exe --stop NAME [--timeout timeout_ms]
 * (no --timeout when timeout_ms is 0), wait up to wait_ms for it and return its
 * exit code; the process is returned in *out when out is not NULL.
 */
DWORD TestStop(const wchar_t *name, DWORD timeout_ms, DWORD wait_ms, TestProc **out);

#endif
