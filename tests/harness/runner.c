/*
 * runner.c - the runner of ipc_tests.exe (modelled on libuv's run-tests.c);
 * the tests it runs are listed in tests/test_list.h.
 *
 *   ipc_tests.exe                  run every test, each in a child process
 *   ipc_tests.exe NAME...          run the tests whose name contains a NAME
 *   ipc_tests.exe --list           list the tests
 *   ipc_tests.exe --run-one NAME   run one test in this process (what the runner spawns)
 *   ipc_tests.exe --helper KIND .. act as one of the C# sample's programs (sample.c),
 *                                  or pid-alive PID / kill PID for tests/interactive.sh
 *                                  or sleeper MS [PIDFILE] (helpers.c)
 *   ipc_tests.exe NAME             with IPC_TEST_HELPER=sample-listener: the C# sample's
 *                                  listener, as a controller launches it
 *   ipc_tests.exe NAME ARGS...     with IPC_TEST_HELPER=echo-args: record argv, then
 *                                  the sample's listener (helpers.c)
 *   ipc_tests.exe NAME PLAN ...    with IPC_TEST_HELPER=crash: a listener that exits
 *                                  after a planned time (helpers.c)
 *
 * A child per test means an assertion can simply end the process, a hung test
 * is killed with everything it started, and no test sees another's state.
 */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#include "../test_list.h"

#define RUNNER_PATH_CAP 1024
#define RUNNER_REASON_CAP 512
/* After a test's process exits, how long its output may take to drain. */
#define RUNNER_DRAIN_MS 3000

static BOOL Selected(const TestEntry *entry, int argc, wchar_t **argv, int first)
{
    int i;

    if (first >= argc) {
        return TRUE;
    }
    for (i = first; i < argc; i++) {
        if (wcsstr(entry->name, argv[i]) != NULL) {
            return TRUE;
        }
    }
    return FALSE;
}

/* Copies text up to its line end into out (cap characters at most, terminated). */
static void CopyRestOfLine(const wchar_t *text, wchar_t *out, size_t cap)
{
    size_t n = wcscspn(text, L"\r\n");
    if (n >= cap) {
        n = cap - 1;
    }
    memcpy(out, text, n * sizeof(wchar_t));
    out[n] = L'\0';
}

/* The reason of a failed test: its last "FAIL: " line, without the prefix. */
static void FindReason(const wchar_t *output, wchar_t *reason, size_t cap)
{
    const wchar_t *hit = NULL;
    const wchar_t *p;

    reason[0] = L'\0';
    for (p = wcsstr(output, L"FAIL: "); p != NULL; p = wcsstr(p + 1, L"FAIL: ")) {
        if (p == output || p[-1] == L'\n') {
            hit = p;
        }
    }
    if (hit != NULL) {
        CopyRestOfLine(hit + 6, reason, cap);
    }
}

/* Print output as TAP diagnostics, one "# " line per line. */
static void PrintDiagnostics(const wchar_t *output)
{
    const wchar_t *line = output;
    size_t n;

    while (*line != L'\0') {
        n = wcscspn(line, L"\n");
        if (n > 0 && line[n - 1] == L'\r') {
            TestPrint(L"# %.*ls\n", (int)(n - 1), line);
        } else {
            TestPrint(L"# %.*ls\n", (int)n, line);
        }
        line += n;
        if (*line == L'\n') {
            line++;
        }
    }
}

/* A "SKIP: why" line printed by a test becomes the TAP directive "# SKIP why". */
static void FindSkip(const wchar_t *output, wchar_t *skip, size_t cap)
{
    const wchar_t *hit = wcsstr(output, L"SKIP: ");

    skip[0] = L'\0';
    if (hit != NULL) {
        CopyRestOfLine(hit + 6, skip, cap);
    }
}

static BOOL RunChild(const TestEntry *entry, size_t number)
{
    wchar_t self[RUNNER_PATH_CAP];
    wchar_t cmd[RUNNER_PATH_CAP * 2];
    wchar_t reason[RUNNER_REASON_CAP];
    wchar_t skip[RUNNER_REASON_CAP];
    TestProc *child;
    DWORD code = 0;
    ULONGLONG started;
    ULONGLONG elapsed;
    BOOL exited;
    BOOL passed = FALSE;
    const wchar_t *output;

    TestSelfPath(self, RUNNER_PATH_CAP);
    TestCommandLine(cmd, RUNNER_PATH_CAP * 2, self, L"--run-one", entry->name, (const wchar_t *)NULL);
    started = TestNowMs();
    child = TestSpawn(cmd);
    exited = TestWaitExit(child, entry->timeout_ms, &code);
    elapsed = TestNowMs() - started;
    if (!exited) {
        /* Everything the test started goes with it, or it would disturb the next test. */
        TestKillTree(TestPid(child), FALSE);
    }
    (void)TestWaitOutputEnd(child, RUNNER_DRAIN_MS);
    output = TestOutputText(child);

    if (exited && code == 0) {
        passed = TRUE;
        FindSkip(output, skip, RUNNER_REASON_CAP);
        if (skip[0] != L'\0') {
            TestPrint(L"ok %lu - %ls (%llu ms) # SKIP %ls\n", (unsigned long)number, entry->name,
                      (unsigned long long)elapsed, skip);
        } else {
            TestPrint(L"ok %lu - %ls (%llu ms)\n", (unsigned long)number, entry->name,
                      (unsigned long long)elapsed);
        }
        goto cleanup;
    }
    if (!exited) {
        swprintf(reason, RUNNER_REASON_CAP, L"TIMEOUT after %lu ms", (unsigned long)entry->timeout_ms);
    } else {
        FindReason(output, reason, RUNNER_REASON_CAP);
        if (reason[0] == L'\0') {
            swprintf(reason, RUNNER_REASON_CAP, L"exit code %lu", (unsigned long)code);
        }
    }
    TestPrint(L"not ok %lu - %ls: %ls\n", (unsigned long)number, entry->name, reason);
    PrintDiagnostics(output);

cleanup:
    return passed;
}

static int RunAll(int argc, wchar_t **argv, int first)
{
    size_t i;
    size_t selected = 0;
    size_t number = 0;
    size_t passed = 0;
    size_t failed = 0;
    int i_arg;

    for (i_arg = first; i_arg < argc; i_arg++) {
        if (argv[i_arg][0] == L'-') {
            TestPrint(L"unknown option %ls\nusage: ipc_tests.exe [--list] [NAME...]\n", argv[i_arg]);
            return 2;
        }
    }
    for (i = 0; i < ARRAYSIZE(kTests); i++) {
        if (Selected(&kTests[i], argc, argv, first)) {
            selected++;
        }
    }
    if (selected == 0) {
        TestPrint(L"no test matches\n");
        return 2;
    }
    TestPrint(L"1..%lu\n", (unsigned long)selected);
    for (i = 0; i < ARRAYSIZE(kTests); i++) {
        if (!Selected(&kTests[i], argc, argv, first)) {
            continue;
        }
        number++;
        if (RunChild(&kTests[i], number)) {
            passed++;
        } else {
            failed++;
        }
    }
    TestCleanup();
    TestPrint(L"%lu passed, %lu failed\n", (unsigned long)passed, (unsigned long)failed);
    return failed == 0 ? 0 : 1;
}

static int RunOne(const wchar_t *name)
{
    size_t i;

    /*
     * Our standard handles came from the runner as inheritable handles; the
     * processes this test spawns must not hold the runner's pipe open.
     */
    SetHandleInformation(GetStdHandle(STD_INPUT_HANDLE), HANDLE_FLAG_INHERIT, 0);
    SetHandleInformation(GetStdHandle(STD_OUTPUT_HANDLE), HANDLE_FLAG_INHERIT, 0);
    SetHandleInformation(GetStdHandle(STD_ERROR_HANDLE), HANDLE_FLAG_INHERIT, 0);
    /* A developer's setting must not turn the programs under test into helper listeners. */
    SetEnvironmentVariableW(TEST_ENV_HELPER, NULL);

    for (i = 0; i < ARRAYSIZE(kTests); i++) {
        if (wcscmp(kTests[i].name, name) == 0) {
            kTests[i].function();
            TestCleanup();
            return 0;
        }
    }
    TestPrint(L"FAIL: no test named %ls\n", name);
    return TEST_EXIT_FAILED;
}

static int List(void)
{
    size_t i;

    for (i = 0; i < ARRAYSIZE(kTests); i++) {
        TestPrint(L"%ls (timeout %lu ms)\n", kTests[i].name, (unsigned long)kTests[i].timeout_ms);
    }
    return 0;
}

/* The sample listener as a controller starts it: "ipc_tests.exe NAME" with IPC_TEST_HELPER=sample-listener. */
static BOOL IsSampleListenerLaunch(int argc, wchar_t **argv)
{
    wchar_t kind[64];
    DWORD n;

    if (argc < 2 || argv[1][0] == L'-') {
        return FALSE;
    }
    n = GetEnvironmentVariableW(TEST_ENV_HELPER, kind, 64);
    return n > 0 && n < 64 && wcscmp(kind, TEST_HELPER_SAMPLE_LISTENER) == 0;
}

int wmain(int argc, wchar_t **argv)
{
    int code;

    code = TestEchoArgsLaunch(argc, argv);
    if (code >= 0) {
        return code;
    }
    code = TestCrashLaunch(argc, argv);
    if (code >= 0) {
        return code;
    }
    code = TestSlowWorkerLaunch(argc, argv);
    if (code >= 0) {
        return code;
    }
    if (IsSampleListenerLaunch(argc, argv)) {
        return TestSampleListenerMain(argv[1], 0);
    }
    if (argc >= 3 && wcscmp(argv[1], L"--helper") == 0) {
        code = TestSampleHelperMain(argc - 2, argv + 2);
        if (code < 0) {
            code = TestTaskHelperMain(argc - 2, argv + 2);
        }
        if (code < 0) {
            code = TestProcessHelperMain(argc - 2, argv + 2);
        }
        if (code < 0) {
            code = TestSleeperHelperMain(argc - 2, argv + 2);
        }
        if (code < 0) {
            TestPrint(L"unknown helper %ls\n", argv[2]);
            code = 2;
        }
        return code;
    }
    if (argc == 3 && wcscmp(argv[1], L"--run-one") == 0) {
        return RunOne(argv[2]);
    }
    if (argc == 2 && wcscmp(argv[1], L"--list") == 0) {
        return List();
    }
    return RunAll(argc, argv, 1);
}
