/*
 * helpers.c - the other helper programs ipc_tests.exe can be: a listener that
 * records its command line (echo-args), one that crashes on a plan (crash),
 * --run commands to watch (sleeper, spawner), process checks for
 * tests/interactive.sh (pid-alive, kill), and a library user whose
 * IpcListenerOpen fails (failed-open).
 */
#include "harness.h"

#include "ipc_listener.h"
#include "ipc_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int TestEchoArgsLaunch(int argc, wchar_t **argv)
{
    wchar_t kind[64];
    wchar_t path[TEST_PATH_CAP];
    wchar_t temp[TEST_PATH_CAP + 8];
    HANDLE file = INVALID_HANDLE_VALUE;
    DWORD n;
    DWORD written = 0;
    int i;
    BOOL ok = TRUE;

    if (argc < 2 || argv[1][0] == L'-') {
        return -1;
    }
    n = GetEnvironmentVariableW(TEST_ENV_HELPER, kind, 64);
    if (n == 0 || n >= 64 || wcscmp(kind, TEST_HELPER_ECHO) != 0) {
        return -1;
    }
    n = GetEnvironmentVariableW(TEST_ENV_ECHO_FILE, path, TEST_PATH_CAP);
    if (n == 0 || n >= TEST_PATH_CAP) {
        TestPrint(L"echo-args: %ls is not set\n", TEST_ENV_ECHO_FILE);
        return 2;
    }
    /* Written aside and renamed, so the test never reads half a file. */
    swprintf(temp, TEST_PATH_CAP + 8, L"%ls.tmp", path);
    file = CreateFileW(temp, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (file == INVALID_HANDLE_VALUE) {
        TestPrint(L"echo-args: cannot create %ls: error %lu\n", temp, (unsigned long)GetLastError());
        return 1;
    }
    /* Each argument as received by wmain, with its terminating NUL, in UTF-16. */
    for (i = 1; i < argc && ok; i++) {
        ok = WriteFile(file, argv[i], (DWORD)((wcslen(argv[i]) + 1) * sizeof(wchar_t)), &written, NULL);
    }
    CloseHandle(file);
    if (!ok || !MoveFileExW(temp, path, MOVEFILE_REPLACE_EXISTING)) {
        TestPrint(L"echo-args: cannot write %ls: error %lu\n", path, (unsigned long)GetLastError());
        return 1;
    }
    /* Then a listener the controller can supervise and --stop can stop: the C# sample's. */
    return TestSampleListenerMain(argv[1], 0);
}

/*
 * The launch number of this crash helper: the size of the counter file, which
 * every launch grows by one byte. Launches of one controller never overlap (what
 * the tests prove), so no two helpers read the same size.
 */
static DWORD CrashRunNumber(const wchar_t *counter)
{
    HANDLE file = CreateFileW(counter, FILE_READ_ATTRIBUTES | FILE_APPEND_DATA,
                              FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_ALWAYS,
                              FILE_ATTRIBUTE_NORMAL, NULL);
    LARGE_INTEGER size;
    DWORD written = 0;
    DWORD run = 0;

    if (file == INVALID_HANDLE_VALUE) {
        file = NULL;
        goto cleanup;
    }
    if (GetFileSizeEx(file, &size)) {
        run = (DWORD)size.QuadPart;
    }
    (void)WriteFile(file, "x", 1, &written, NULL);

cleanup:
    if (file != NULL) {
        CloseHandle(file);
        file = NULL;
    }
    return run;
}

/* Entry run of a comma-separated list of milliseconds; the last entry repeats. */
static DWORD CrashPlanEntry(const wchar_t *plan, DWORD run)
{
    const wchar_t *p = plan;
    wchar_t *end = NULL;
    unsigned long value = 0;
    DWORD i = 0;

    for (;;) {
        value = wcstoul(p, &end, 10);
        if (end == p || i == run || *end != L',') {
            break;
        }
        p = end + 1;
        i++;
    }
    return (DWORD)value;
}

int TestCrashLaunch(int argc, wchar_t **argv)
{
    wchar_t kind[32];
    DWORD n;
    DWORD run;
    DWORD ms;
    unsigned long code;

    if (argc < 2 || argv[1][0] == L'-') {
        return -1;
    }
    n = GetEnvironmentVariableW(TEST_ENV_HELPER, kind, 32);
    if (n == 0 || n >= 32 || wcscmp(kind, TEST_HELPER_CRASH) != 0) {
        return -1;
    }
    if (argc < 5) {
        TestPrint(L"usage: ipc_tests.exe NAME PLAN COUNTER CODE (with %ls=%ls)\r\n", TEST_ENV_HELPER,
                  TEST_HELPER_CRASH);
        return 2;
    }
    run = CrashRunNumber(argv[3]);
    ms = CrashPlanEntry(argv[2], run);
    code = wcstoul(argv[4], NULL, 10);
    TestPrint(L"crash helper (pid %lu): launch %lu, exits with code %lu after %lu ms\r\n",
              (unsigned long)GetCurrentProcessId(), (unsigned long)run, code, (unsigned long)ms);
    Sleep(ms);
    return (int)code;
}

/*
 * ipc_tests.exe --helper spawner MS: start "--helper sleeper MS" in the
 * background with our standard handles (as cmd /c start /b server.exe does)
 * and exit at once without waiting for it.
 */
static int SpawnerHelper(int argc, wchar_t **argv)
{
    wchar_t self[TEST_PATH_CAP];
    wchar_t cmd[TEST_CMD_CAP];
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;

    if (argc < 2) {
        TestPrint(L"usage: --helper spawner MS\n");
        return 2;
    }
    TestSelfPath(self, TEST_PATH_CAP);
    TestCommandLine(cmd, TEST_CMD_CAP, self, L"--helper", L"sleeper", argv[1], (const wchar_t *)NULL);
    ZeroMemory(&si, sizeof(si));
    si.cb = sizeof(si);
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    si.hStdOutput = GetStdHandle(STD_OUTPUT_HANDLE);
    si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
    if (!CreateProcessW(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi)) {
        TestPrint(L"spawner: CreateProcessW failed with error %lu\n", (unsigned long)GetLastError());
        return 1;
    }
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    TestPrint(L"spawner left a background process\n");
    return 0;
}

/*
 * ipc_tests.exe --helper sleeper MS [PIDFILE [DONEFILE]]: print that it started,
 * write its pid to PIDFILE (so a test can find it after its parent is gone),
 * sleep MS, then create DONEFILE (proof that it was not cut short).
 */
int TestSleeperHelperMain(int argc, wchar_t **argv)
{
    HANDLE file = NULL;
    char text[32];
    DWORD written = 0;
    DWORD ms;
    int n;
    int rc = 0;

    if (argc >= 1 && wcscmp(argv[0], L"spawner") == 0) {
        return SpawnerHelper(argc, argv);
    }
    if (argc < 1 || wcscmp(argv[0], L"sleeper") != 0) {
        return -1;
    }
    if (argc < 2) {
        TestPrint(L"usage: --helper sleeper MS [PIDFILE [DONEFILE]]\n");
        return 2;
    }
    ms = (DWORD)wcstoul(argv[1], NULL, 10);
    if (argc >= 3) {
        file = CreateFileW(argv[2], GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL, CREATE_ALWAYS,
                           FILE_ATTRIBUTE_NORMAL, NULL);
        if (file == INVALID_HANDLE_VALUE) {
            file = NULL;
            TestPrint(L"sleeper: cannot create %ls (error %lu)\n", argv[2], (unsigned long)GetLastError());
            rc = 1;
            goto cleanup;
        }
        n = snprintf(text, sizeof(text), "%lu", (unsigned long)GetCurrentProcessId());
        /* One write: a reader sees the whole pid or nothing. */
        if (n <= 0 || !WriteFile(file, text, (DWORD)n, &written, NULL)) {
            rc = 1;
            goto cleanup;
        }
        CloseHandle(file);
        file = NULL;
    }
    TestPrint(L"sleeper %lu started\n", (unsigned long)GetCurrentProcessId());
    Sleep(ms);
    TestPrint(L"sleeper %lu done\n", (unsigned long)GetCurrentProcessId());
    if (argc >= 4) {
        /* DONEFILE: created only by a sleeper that lived to the end of its sleep. */
        file = CreateFileW(argv[3], GENERIC_WRITE, FILE_SHARE_READ, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
        if (file == INVALID_HANDLE_VALUE) {
            file = NULL;
            rc = 1;
        }
    }

cleanup:
    if (file != NULL) {
        CloseHandle(file);
        file = NULL;
    }
    return rc;
}

/* The handler a library user installs of its own: it says so and leaves the event to the next handler. */
static BOOL WINAPI OwnCtrlHandler(DWORD type)
{
    TestPrint(L"failed-open: own handler got event %lu\n", (unsigned long)type);
    return FALSE;
}

/*
 * "failed-open NAME": a library user (the README's worker) whose
 * IpcListenerOpen(NAME) fails because a listener already serves NAME, which
 * it learns after the library has installed its console handler. It installs
 * a handler of its own that passes the event on, then waits 30 s. Ctrl+C must
 * then get the default handling, which ends the process: a handler the
 * library left behind would swallow it and the process would go on.
 */
static int FailedOpenHelper(const wchar_t *name)
{
    IpcListener *listener = NULL;
    int rc = IpcListenerOpen(name, &listener);

    if (rc == IPC_EXIT_OK) {
        IpcListenerClose(listener);
        TestPrint(L"failed-open: IpcListenerOpen(%ls) succeeded\n", name);
        return 1;
    }
    SetConsoleCtrlHandler(OwnCtrlHandler, TRUE);
    TestPrint(L"failed-open: IpcListenerOpen returned %d; waiting for Ctrl+C\n", rc);
    Sleep(30000);
    TestPrint(L"failed-open: still running\n");
    return 0;
}

static DWORD WINAPI CloseOnThisThread(LPVOID listener)
{
    IpcListenerClose((IpcListener *)listener);
    return 0;
}

/*
 * "close-elsewhere NAME": a library user that breaks the one-thread rule of
 * ipc_listener.h: it opens NAME on its main thread and closes it on another,
 * where ReleaseMutex cannot let go of the lock, which the library must say.
 */
static int CloseElsewhereHelper(const wchar_t *name)
{
    IpcListener *listener = NULL;
    HANDLE thread;
    int rc = IpcListenerOpen(name, &listener);

    if (rc != IPC_EXIT_OK) {
        return rc;
    }
    thread = CreateThread(NULL, 0, CloseOnThisThread, listener, 0, NULL);
    if (thread == NULL) {
        IpcListenerClose(listener);
        return 1;
    }
    WaitForSingleObject(thread, INFINITE);
    CloseHandle(thread);
    TestPrint(L"close-elsewhere: closed on another thread\n");
    return 0;
}

/*
 * "oem-text TEXT": a --run command that writes TEXT and a line break to its
 * standard output in the OEM code page, as console programs write to a pipe.
 */
static int OemTextHelper(const wchar_t *text)
{
    char bytes[1024];
    DWORD written = 0;
    int n = WideCharToMultiByte(CP_OEMCP, 0, text, -1, bytes, (int)sizeof(bytes) - 2, NULL, NULL);

    if (n <= 0) {
        return 2;
    }
    bytes[n - 1] = '\r';
    bytes[n] = '\n';
    return WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), bytes, (DWORD)n + 1, &written, NULL) ? 0 : 1;
}

/*
 * Helpers for tests/interactive.sh, which sees Windows processes only from
 * outside Wine: "pid-alive PID" exits 0 while PID runs, "kill PID" terminates
 * it; "failed-open NAME", "close-elsewhere NAME" and "oem-text TEXT" as above.
 */
int TestProcessHelperMain(int argc, wchar_t **argv)
{
    unsigned long pid;
    wchar_t *end = NULL;

    if (argc == 2 && wcscmp(argv[0], L"failed-open") == 0) {
        return FailedOpenHelper(argv[1]);
    }
    if (argc == 2 && wcscmp(argv[0], L"close-elsewhere") == 0) {
        return CloseElsewhereHelper(argv[1]);
    }
    if (argc == 2 && wcscmp(argv[0], L"oem-text") == 0) {
        return OemTextHelper(argv[1]);
    }
    if (argc < 2) {
        return -1;
    }
    pid = wcstoul(argv[1], &end, 10);
    if (end == argv[1] || *end != L'\0' || pid == 0) {
        TestPrint(L"bad pid %ls\n", argv[1]);
        return 2;
    }
    if (wcscmp(argv[0], L"pid-alive") == 0) {
        return TestPidAlive((DWORD)pid) ? 0 : 1;
    }
    if (wcscmp(argv[0], L"kill") == 0) {
        return TestKillPid((DWORD)pid) ? 0 : 1;
    }
    return -1;
}

/* Appends a line of the listener's journal format ("<UTC> pid=P unit=N EVENT tick=T") to path. */
static void SlowWorkerJournal(const wchar_t *path, unsigned long unit, const char *event)
{
    char line[200];
    SYSTEMTIME t;
    DWORD written = 0;
    HANDLE file;
    int n;

    if (path[0] == L'\0') {
        return;
    }
    file = CreateFileW(path, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                       OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (file == INVALID_HANDLE_VALUE) {
        return;
    }
    GetSystemTime(&t);
    n = snprintf(line, sizeof(line), "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ pid=%lu unit=%lu %s tick=%llu\r\n",
                 t.wYear, t.wMonth, t.wDay, t.wHour, t.wMinute, t.wSecond, t.wMilliseconds,
                 (unsigned long)GetCurrentProcessId(), unit, event, (unsigned long long)IpcPreciseTickNowU64());
    if (n > 0 && n < (int)sizeof(line)) {
        WriteFile(file, line, (DWORD)n, &written, NULL);
    }
    CloseHandle(file);
}

int TestSlowWorkerLaunch(int argc, wchar_t **argv)
{
    wchar_t kind[64];
    wchar_t value[32];
    wchar_t journal[TEST_PATH_CAP];
    IpcListener *listener = NULL;
    DWORD init_ms = 0;
    DWORD n;
    unsigned long unit = 0;
    int rc;

    if (argc < 2 || argv[1][0] == L'-') {
        return -1;
    }
    n = GetEnvironmentVariableW(TEST_ENV_HELPER, kind, ARRAYSIZE(kind));
    if (n == 0 || n >= ARRAYSIZE(kind) || wcscmp(kind, TEST_HELPER_SLOW_WORKER) != 0) {
        return -1;
    }
    n = GetEnvironmentVariableW(TEST_ENV_SLOW_INIT_MS, value, ARRAYSIZE(value));
    if (n > 0 && n < ARRAYSIZE(value) && GetEnvironmentVariableW(L"IPC_STANDBY", NULL, 0) != 0) {
        init_ms = (DWORD)wcstoul(value, NULL, 10);
    }
    n = GetEnvironmentVariableW(TEST_ENV_SLOW_JOURNAL, journal, ARRAYSIZE(journal));
    if (n == 0 || n >= ARRAYSIZE(journal)) {
        journal[0] = L'\0';
    }
    /* The worker's slow initialisation, done before NAME is taken (the standby only, so the active starts at once). */
    Sleep(init_ms);
    if (init_ms != 0 && GetEnvironmentVariableW(TEST_ENV_SLOW_FAIL, NULL, 0) != 0) {
        TestPrint(L"slow-worker: initialisation failed\n");
        return 1;
    }
    rc = IpcListenerOpen(argv[1], &listener);
    if (rc != IPC_EXIT_OK) {
        return rc;
    }
    /* What a child of this worker would inherit: IPC_STANDBY must not be passed on. */
    SlowWorkerJournal(journal, 0, GetEnvironmentVariableW(L"IPC_STANDBY", NULL, 0) != 0 ? "env-standby" : "env-clean");
    while (!IpcListenerShouldClose(listener)) {
        ++unit;
        IpcListenerUnitStarted(listener);
        SlowWorkerJournal(journal, unit, "start");
        Sleep(TEST_SLOW_WORK_MS);
        SlowWorkerJournal(journal, unit, "end");
        IpcListenerUnitDone(listener);
    }
    IpcListenerClose(listener);
    return IPC_EXIT_OK;
}
