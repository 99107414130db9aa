/*
 * test_unattended.c - README's "Running unattended", through the real programs:
 * --status in every state, logs (timestamps, the .listener sibling, nothing lost
 * to a kill, a listener adopted by a new controller, rotation), the Global\
 * lookup, Task Scheduler, --run, the README's library example, and the
 * conventions every console program owes its users (--help, --version, the
 * version and manifest resources, usage errors).
 *
 * Controllers run with "--console none" where a test compares what the
 * controller printed with its log: the listener's lines then cannot mix in.
 */
#include "test_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc_version.h"

#define UA_TEXT_CAP 512
#define UA_PATH_CAP 1024
#define UA_CMD_CAP 4096
#define UA_POLL_MS 50
/* A log line is at most a stamp and a printed line; a rotated file may exceed the limit by less than that. */
#define UA_LINE_SLACK 300u
/* "YYYY-MM-DDTHH:MM:SS.mmm+HH:MM " */
#define UA_STAMP_LEN 30u
#define UA_TASK_PREFIX L"ConsoleAppController-"

/* ---- the sleeper helper: a --run command that can be found and watched ---- */

/*
 * ipc_tests.exe --helper spawner MS: start "--helper sleeper MS" in the
 * background with our standard handles (as cmd /c start /b server.exe does)
 * and exit at once without waiting for it.
 */
static int SpawnerHelper(int argc, wchar_t **argv)
{
    wchar_t self[UA_PATH_CAP];
    wchar_t cmd[UA_CMD_CAP];
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;

    if (argc < 2) {
        TestPrint(L"usage: --helper spawner MS\n");
        return 2;
    }
    TestSelfPath(self, UA_PATH_CAP);
    TestCommandLine(cmd, UA_CMD_CAP, self, L"--helper", L"sleeper", argv[1], (const wchar_t *)NULL);
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
 * ipc_tests.exe --helper sleeper MS [PIDFILE]: print that it started, write its
 * pid to PIDFILE (so a test can find it after its parent is gone), sleep MS.
 */
int TestUnattendedHelperMain(int argc, wchar_t **argv)
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
        TestPrint(L"usage: --helper sleeper MS [PIDFILE]\n");
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

cleanup:
    if (file != NULL) {
        CloseHandle(file);
        file = NULL;
    }
    return rc;
}

/* ---- files ---- */

/* A file in the temporary folder named after the test's instance name; any old copy is removed. */
static void TempPath(const wchar_t *name, const wchar_t *suffix, wchar_t *out, size_t cap)
{
    wchar_t dir[UA_PATH_CAP];
    DWORD n = GetTempPathW(UA_PATH_CAP, dir);

    ASSERT_MSG(n > 0 && n < UA_PATH_CAP, L"GetTempPathW failed with error %lu", (unsigned long)GetLastError());
    swprintf(out, cap, L"%lsipc-%ls%ls", dir, name, suffix);
    (void)DeleteFileW(out);
}

static BOOL FileExists(const wchar_t *path)
{
    return GetFileAttributesW(path) != INVALID_FILE_ATTRIBUTES;
}

/* Size of path in bytes, or -1 when it does not exist. */
static long long FileSize(const wchar_t *path)
{
    WIN32_FILE_ATTRIBUTE_DATA data;

    if (!GetFileAttributesExW(path, GetFileExInfoStandard, &data)) {
        return -1;
    }
    return (long long)(((ULONGLONG)data.nFileSizeHigh << 32) | data.nFileSizeLow);
}

/*
 * The whole file, NUL-terminated (two zero bytes), in *len bytes; NULL when it
 * cannot be opened (its error in *error). Shared for writing and deleting: the
 * programs append and rotate while the test reads.
 */
static unsigned char *ReadAll(const wchar_t *path, size_t *len, DWORD *error)
{
    HANDLE h;
    LARGE_INTEGER size;
    unsigned char *bytes = NULL;
    DWORD got = 0;
    size_t total = 0;

    *error = ERROR_SUCCESS;
    h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                    FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        *error = GetLastError();
        h = NULL;
        goto cleanup;
    }
    if (!GetFileSizeEx(h, &size) || size.QuadPart > (1 << 26)) {
        *error = ERROR_FILE_TOO_LARGE;
        goto cleanup;
    }
    bytes = (unsigned char *)malloc((size_t)size.QuadPart + 2);
    if (bytes == NULL) {
        *error = ERROR_NOT_ENOUGH_MEMORY;
        goto cleanup;
    }
    /* The file may grow while we read: take what was there when we looked. */
    while (total < (size_t)size.QuadPart &&
           ReadFile(h, bytes + total, (DWORD)((size_t)size.QuadPart - total), &got, NULL) && got > 0) {
        total += got;
    }
    bytes[total] = 0;
    bytes[total + 1] = 0;
    *len = total;

cleanup:
    if (h != NULL) {
        CloseHandle(h);
        h = NULL;
    }
    return bytes;
}

/*
 * The text of a file (free it): UTF-16 LE after a BOM FF FE, else UTF-8 with
 * or without a BOM. NULL when the file cannot be opened (*error says why).
 */
static wchar_t *ReadTextEx(const wchar_t *path, DWORD *error)
{
    size_t len = 0;
    unsigned char *bytes = ReadAll(path, &len, error);
    wchar_t *text = NULL;
    size_t skip = 0;
    int chars;

    if (bytes == NULL) {
        goto cleanup;
    }
    if (len >= 2 && bytes[0] == 0xFF && bytes[1] == 0xFE) {
        text = (wchar_t *)malloc(len); /* (len - 2) / 2 characters and a NUL */
        if (text == NULL) {
            goto cleanup;
        }
        memcpy(text, bytes + 2, (len - 2) & ~(size_t)1);
        text[(len - 2) / 2] = L'\0';
        goto cleanup;
    }
    if (len >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF) {
        skip = 3;
    }
    text = (wchar_t *)malloc((len + 1) * sizeof(wchar_t));
    if (text == NULL) {
        goto cleanup;
    }
    chars = len > skip ? MultiByteToWideChar(CP_UTF8, 0, (const char *)bytes + skip, (int)(len - skip), text, (int)len)
                       : 0;
    text[chars > 0 ? chars : 0] = L'\0';

cleanup:
    free(bytes);
    return text;
}

/* ReadTextEx for a file that must exist. */
static wchar_t *ReadText(const wchar_t *path)
{
    DWORD error = ERROR_SUCCESS;
    wchar_t *text = ReadTextEx(path, &error);

    ASSERT_MSG(text != NULL, L"cannot read %ls (error %lu)", path, (unsigned long)error);
    return text;
}

/* Occurrences of needle in path's text; 0 when the file is not there (yet). */
static size_t CountInFile(const wchar_t *path, const wchar_t *needle)
{
    DWORD error = ERROR_SUCCESS;
    wchar_t *text = ReadTextEx(path, &error);
    size_t count = 0;
    size_t step = wcslen(needle);
    const wchar_t *p;

    if (text != NULL) {
        for (p = wcsstr(text, needle); p != NULL; p = wcsstr(p + step, needle)) {
            count++;
        }
    }
    free(text);
    return count;
}

/* Wait until needle occurs at least count times in path; fail with the file's text after timeout_ms. */
static void WaitInFile(const wchar_t *path, const wchar_t *needle, size_t count, DWORD timeout_ms)
{
    ULONGLONG deadline = TestNowMs() + timeout_ms;
    DWORD error = ERROR_SUCCESS;
    wchar_t *text;

    while (CountInFile(path, needle) < count) {
        if (TestNowMs() >= deadline) {
            text = ReadTextEx(path, &error);
            TestFail(__FILE__, __LINE__, L"\"%ls\" did not appear %lu times in %ls within %lu ms:\n%ls", needle,
                     (unsigned long)count, path, (unsigned long)timeout_ms,
                     text != NULL ? text : L"(the file does not exist)");
        }
        Sleep(UA_POLL_MS);
    }
}

/* ---- lines and log stamps ---- */

/* The next line of *cursor, without its line break, in *line and *len; FALSE at the end. */
static BOOL NextLine(const wchar_t **cursor, const wchar_t **line, size_t *len)
{
    const wchar_t *p = *cursor;
    size_t n;

    if (*p == L'\0') {
        return FALSE;
    }
    n = wcscspn(p, L"\n");
    *line = p;
    *len = n > 0 && p[n - 1] == L'\r' ? n - 1 : n;
    *cursor = p[n] == L'\n' ? p + n + 1 : p + n;
    return TRUE;
}

/* A line that starts with the local time in ISO 8601 with its offset, then a space. */
static BOOL HasStamp(const wchar_t *line, size_t len)
{
    static const wchar_t pattern[] = L"dddd-dd-ddTdd:dd:dd.ddd+dd:dd ";
    size_t i;

    if (len < UA_STAMP_LEN) {
        return FALSE;
    }
    for (i = 0; i < UA_STAMP_LEN; i++) {
        if (pattern[i] == L'd') {
            if (line[i] < L'0' || line[i] > L'9') {
                return FALSE;
            }
        } else if (pattern[i] == L'+') {
            if (line[i] != L'+' && line[i] != L'-') {
                return FALSE;
            }
        } else if (line[i] != pattern[i]) {
            return FALSE;
        }
    }
    return TRUE;
}

/* Every line of a log is stamped. */
static void AssertStamped(const wchar_t *log, const wchar_t *path)
{
    const wchar_t *cursor = log;
    const wchar_t *line;
    size_t len;
    size_t lines = 0;

    while (NextLine(&cursor, &line, &len)) {
        ASSERT_MSG(HasStamp(line, len), L"line %lu of %ls has no ISO 8601 stamp with offset:\n  \"%.*ls\"",
                   (unsigned long)(lines + 1), path, (int)len, line);
        lines++;
    }
    ASSERT_MSG(lines > 0, L"%ls is empty", path);
}

/*
 * Every non-empty line of printed is in the log, after a stamp, in the same
 * order. Returns how many lines were checked.
 */
static size_t AssertPrintedInLog(const wchar_t *printed, const wchar_t *log, const wchar_t *path)
{
    const wchar_t *cursor = printed;
    const wchar_t *log_cursor = log;
    const wchar_t *line;
    const wchar_t *log_line;
    size_t len;
    size_t log_len;
    size_t checked = 0;
    BOOL found;

    while (NextLine(&cursor, &line, &len)) {
        if (len == 0) {
            continue;
        }
        found = FALSE;
        while (!found && NextLine(&log_cursor, &log_line, &log_len)) {
            found = HasStamp(log_line, log_len) && log_len - UA_STAMP_LEN == len &&
                    wcsncmp(log_line + UA_STAMP_LEN, line, len) == 0;
        }
        ASSERT_MSG(found, L"the printed line \"%.*ls\" is not in %ls (in order, after a stamp):\n%ls", (int)len, line,
                   path, log);
        checked++;
    }
    return checked;
}

/* TRUE when a stamped line of log holds exactly content after its stamp. */
static BOOL LogHasLine(const wchar_t *log, const wchar_t *content)
{
    const wchar_t *cursor = log;
    const wchar_t *line;
    size_t len;
    size_t want = wcslen(content);

    while (NextLine(&cursor, &line, &len)) {
        if (HasStamp(line, len) && len - UA_STAMP_LEN == want && wcsncmp(line + UA_STAMP_LEN, content, want) == 0) {
            return TRUE;
        }
    }
    return FALSE;
}

/* ---- --status ---- */

/* Run --status NAME and check its exit code; the process is returned for its output. */
static TestProc *ExpectStatus(const wchar_t *name, DWORD expected)
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
static unsigned long StatusNumber(TestProc *status, const wchar_t *label)
{
    wchar_t line[UA_TEXT_CAP];
    const wchar_t *p;
    wchar_t *end = NULL;
    unsigned long value;

    ASSERT_MSG(TestOutputLine(status, label, line, UA_TEXT_CAP), L"no \"%ls\" line in --status:\n%ls", label,
               TestOutputText(status));
    p = wcsstr(line, label) + wcslen(label);
    while (*p == L' ') {
        p++;
    }
    value = wcstoul(p, &end, 10);
    ASSERT_MSG(end != p, L"no number after \"%ls\": \"%ls\"", label, line);
    return value;
}

/* A controller for NAME with the given listener arguments, without a console for the listener. */
static TestProc *StartQuietController(const wchar_t *name, const wchar_t *work_ms)
{
    return TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--", L"--work-ms", work_ms,
                               (const wchar_t *)NULL);
}

/* Wait for the controller's listener and return its pid. */
static DWORD WaitListener(TestProc *controller, const wchar_t *name, DWORD not_pid)
{
    DWORD pid;

    ASSERT_OUTPUT(controller, TEXT_LAUNCHED, 10000);
    pid = TestWaitPublished(name, not_pid, 10000);
    ASSERT_MSG(pid != 0, L"no listener pid at offset 0 of %ls:\n%ls", name, TestOutputText(controller));
    return pid;
}

/* --stop NAME exits 0 and the controller then exits 0. */
static void StopController(const wchar_t *name, TestProc *controller)
{
    TestProc *stopper = NULL;
    DWORD code = TestStop(name, 15000, 20000, &stopper);

    ASSERT_MSG(code == 0, L"--stop %ls exited with %lu:\n%ls", name, (unsigned long)code, TestOutputText(stopper));
    ASSERT_EXIT(controller, 0, 10000);
}

/* No mapping: exit 3, "not running". A mapping holding garbage: exit 7. */
static void UnattendedStatusNotRunningAndGarbage(void)
{
    wchar_t name[UA_TEXT_CAP];
    TestProc *status;
    HANDLE section = NULL;
    unsigned char *view;

    TestUniqueName(L"statusnone", name, UA_TEXT_CAP);
    status = ExpectStatus(name, 3);
    ASSERT_CONTAINS(TestOutputText(status), L"not running");
    ASSERT(!TestMappingExists(name)); /* --status only reads */

    /* 128 bytes whose header has the wrong magic number: not a listener's mapping. */
    section = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 128, name);
    ASSERT_MSG(section != NULL, L"CreateFileMappingW failed with error %lu", (unsigned long)GetLastError());
    view = (unsigned char *)MapViewOfFile(section, FILE_MAP_WRITE, 0, 0, 128);
    ASSERT(view != NULL);
    memcpy(view, "\x10\x00\x00\x00JUNKJUNKJUNK", 16);
    UnmapViewOfFile(view);
    status = ExpectStatus(name, 7);
    ASSERT_CONTAINS(TestOutputText(status), name);
    CloseHandle(section);
    section = NULL;
}

/* A supervised listener: pid, running, run time, units that advance, controller, restarts; then a kill. */
static void UnattendedStatusSupervised(void)
{
    wchar_t name[UA_TEXT_CAP];
    wchar_t text[UA_TEXT_CAP];
    unsigned char bytes[128];
    TestProc *controller;
    TestProc *status;
    DWORD pid;
    DWORD second;
    unsigned long units_first;
    unsigned long units_second;
    ULONGLONG deadline;
    const wchar_t *out;

    TestUniqueName(L"statusrun", name, UA_TEXT_CAP);
    controller = StartQuietController(name, L"200");
    pid = WaitListener(controller, name, 0);
    Sleep(700);
    status = ExpectStatus(name, 0);
    out = TestOutputText(status);
    swprintf(text, UA_TEXT_CAP, L"Listener:   pid %lu, running", (unsigned long)pid);
    ASSERT_CONTAINS(out, text);
    ASSERT_CONTAINS(out, L"(running for ");
    ASSERT_CONTAINS(out, L"; the last one ended ");
    swprintf(text, UA_TEXT_CAP, L"Controller: pid %lu, running", (unsigned long)TestPid(controller));
    ASSERT_CONTAINS(out, text);
    ASSERT_CONTAINS(out, L"Restarts:   0");
    units_first = StatusNumber(status, L"Units:");
    ASSERT_GE_INT(units_first, 1);

    Sleep(800);
    status = ExpectStatus(name, 0);
    units_second = StatusNumber(status, L"Units:");
    ASSERT_MSG(units_second > units_first, L"units did not advance in 0.8 s of 200 ms units: %lu then %lu",
               units_first, units_second);

    /* A kill: the controller relaunches, and --status counts it with the killed one's exit code. */
    ASSERT(TestKillPid(pid));
    second = TestWaitPublished(name, pid, 10000);
    ASSERT(second != 0);
    deadline = TestNowMs() + 5000;
    do {
        ASSERT(TestReadBytes(name, bytes, sizeof(bytes)));
        if (TestReadU32(bytes + 64) >= 1) {
            break;
        }
        Sleep(UA_POLL_MS);
    } while (TestNowMs() < deadline);
    status = ExpectStatus(name, 0);
    out = TestOutputText(status);
    swprintf(text, UA_TEXT_CAP, L"Listener:   pid %lu, running", (unsigned long)second);
    ASSERT_CONTAINS(out, text);
    swprintf(text, UA_TEXT_CAP, L"Restarts:   1 (last exit code %lu)", (unsigned long)TEST_KILL_EXIT_CODE);
    ASSERT_CONTAINS(out, text);
    StopController(name, controller);
    status = ExpectStatus(name, 3);
}

/* Inside a long unit, then stopping once the seed's controller has written -1. */
static void UnattendedStatusUnitAndStopping(void)
{
    wchar_t name[UA_TEXT_CAP];
    wchar_t text[UA_TEXT_CAP];
    unsigned char bytes[128];
    TestProc *listener;
    TestProc *status;
    TestProc *stopper;
    ULONGLONG deadline;

    TestUniqueName(L"statusunit", name, UA_TEXT_CAP);
    listener = TestStartListener(name, 30000);
    ASSERT_OUTPUT(listener, TEXT_PROCESSING, 5000);
    /* The header's state (offset 12) turns to 2, working, just after that line is printed. */
    deadline = TestNowMs() + 5000;
    do {
        ASSERT(TestReadBytes(name, bytes, sizeof(bytes)));
        if (TestReadU32(bytes + 12) == 2) {
            break;
        }
        Sleep(UA_POLL_MS);
    } while (TestNowMs() < deadline);
    status = ExpectStatus(name, 0);
    swprintf(text, UA_TEXT_CAP, L"Listener:   pid %lu, running (inside a unit of work)",
             (unsigned long)TestPid(listener));
    ASSERT_CONTAINS(TestOutputText(status), text);
    ASSERT_CONTAINS(TestOutputText(status), L"Controller: none");

    stopper = TestSpawnSelf(TEST_SPAWN_DEFAULT, L"--helper", L"seed-stop", name, (const wchar_t *)NULL);
    ASSERT_EXIT(stopper, 0, 10000);
    status = ExpectStatus(name, 0);
    swprintf(text, UA_TEXT_CAP, L"Listener:   pid %lu, stopping", (unsigned long)TestPid(listener));
    ASSERT_CONTAINS(TestOutputText(status), text);
    ASSERT(TestIsRunning(listener)); /* still finishing its unit */
}

/*
 * A seed listener whose image is ConsoleAppListener.exe, as the seed's own is:
 * a copy of ipc_tests.exe under that name in a folder of its own, started as
 * a controller starts a listener ("ConsoleAppListener.exe NAME"). Its path is
 * left in copy for the caller to delete once the process is gone.
 */
static TestProc *StartSeedListenerNamedAsOurs(const wchar_t *name, wchar_t *copy, size_t cap)
{
    wchar_t self[UA_PATH_CAP];
    wchar_t dir[UA_PATH_CAP];
    wchar_t *cmd = (wchar_t *)malloc(UA_CMD_CAP * sizeof(wchar_t));
    TestProc *seed;

    ASSERT(cmd != NULL);
    TestSelfPath(self, UA_PATH_CAP);
    TempPath(name, L".dir", dir, UA_PATH_CAP);
    ASSERT(CreateDirectoryW(dir, NULL) || GetLastError() == ERROR_ALREADY_EXISTS);
    swprintf(copy, cap, L"%ls\\%ls", dir, TEST_LISTENER_EXE);
    ASSERT_MSG(CopyFileW(self, copy, FALSE), L"cannot copy ipc_tests.exe to %ls (error %lu)", copy,
               (unsigned long)GetLastError());
    TestSetEnv(TEST_ENV_HELPER, L"seed-listener");
    TestSetEnv(TEST_ENV_SEED_WORK_MS, L"300");
    cmd[0] = L'\0';
    TestAppendArg(cmd, UA_CMD_CAP, copy);
    TestAppendArg(cmd, UA_CMD_CAP, name);
    seed = TestSpawnEx(cmd, TEST_SPAWN_DEFAULT);
    free(cmd);
    ASSERT_OUTPUT(seed, TEXT_PROCESSING, 10000);
    ASSERT_EQ_INT(TestWaitPublished(name, 0, 5000), TestPid(seed));
    return seed;
}

/* Deletes the copy and its folder (best effort: the process that ran it has exited). */
static void RemoveCopy(const wchar_t *copy)
{
    wchar_t dir[UA_PATH_CAP];
    wchar_t *slash;

    (void)DeleteFileW(copy);
    swprintf(dir, UA_PATH_CAP, L"%ls", copy);
    slash = wcsrchr(dir, L'\\');
    if (slash != NULL) {
        *slash = L'\0';
        (void)RemoveDirectoryW(dir);
    }
}

/*
 * The seed's 4-byte format: only a pid, no creation time, so --status checks
 * the image as --stop does. A live seed listener (ConsoleAppListener.exe) is
 * running; a pid that belongs to another program (here ipc_tests.exe speaking
 * the seed's protocol, as a recycled pid would) is not a listener: exit 3 and
 * the reason (it was reported running, found in review); a dead pid while the
 * mapping is held is not running either.
 */
static void UnattendedStatusSeedFormat(void)
{
    wchar_t name[UA_TEXT_CAP];
    wchar_t text[UA_TEXT_CAP];
    wchar_t copy[UA_PATH_CAP];
    TestProc *seed;
    TestProc *status;
    TestProc *stopper;
    HANDLE keep = NULL;
    const wchar_t *out;

    TestUniqueName(L"statusseed", name, UA_TEXT_CAP);
    seed = StartSeedListenerNamedAsOurs(name, copy, UA_PATH_CAP);
    status = ExpectStatus(name, 0);
    out = TestOutputText(status);
    ASSERT_CONTAINS(out, L"seed's format");
    swprintf(text, UA_TEXT_CAP, L"pid %lu", (unsigned long)TestPid(seed));
    ASSERT_CONTAINS(out, text);
    /* Only the pid is known: no units, controller or restarts are made up. */
    ASSERT_NOT_CONTAINS(out, L"Units:");
    ASSERT_NOT_CONTAINS(out, L"Restarts:");

    /* The listener dies while someone (this test) still holds its mapping: a dead pid. */
    keep = OpenFileMappingW(FILE_MAP_READ, FALSE, name);
    ASSERT(keep != NULL);
    ASSERT(TestKillPid(TestPid(seed)));
    ASSERT(TestWaitExit(seed, 10000, NULL));
    status = ExpectStatus(name, 3);
    ASSERT_CONTAINS(TestOutputText(status), L"not running");
    CloseHandle(keep);
    keep = NULL;
    RemoveCopy(copy);

    /* A live process that is not ConsoleAppListener.exe: not taken for the listener. */
    TestUniqueName(L"statusforeign", name, UA_TEXT_CAP);
    seed = TestSpawnSelf(TEST_SPAWN_DEFAULT, L"--helper", L"seed-listener", name, L"300", (const wchar_t *)NULL);
    ASSERT_OUTPUT(seed, TEXT_PROCESSING, 10000);
    ASSERT_EQ_INT(TestWaitPublished(name, 0, 5000), TestPid(seed));
    status = ExpectStatus(name, 3);
    out = TestOutputText(status);
    ASSERT_CONTAINS(out, L"not running");
    ASSERT_CONTAINS(out, L"ipc_tests.exe, not " TEST_LISTENER_EXE);
    ASSERT(TestIsRunning(seed));

    /* The seed's controller after a stop: it keeps a 4-byte mapping holding -1 open, no listener behind it. */
    TestUniqueName(L"statusseedstop", name, UA_TEXT_CAP);
    seed = TestSpawnSelf(TEST_SPAWN_DEFAULT, L"--helper", L"seed-listener", name, L"300", (const wchar_t *)NULL);
    ASSERT_OUTPUT(seed, TEXT_PROCESSING, 10000);
    stopper = TestSpawnSelf(TEST_SPAWN_DEFAULT, L"--helper", L"seed-stop", name, L"60000", (const wchar_t *)NULL);
    ASSERT_OUTPUT(stopper, TEXT_SENT, 10000);
    ASSERT_EXIT(seed, 0, 5000);
    status = ExpectStatus(name, 3);
    ASSERT_CONTAINS(TestOutputText(status), L"not running");
}

/* ---- logs ---- */

/* The log FILE's .listener sibling for a log named ipc-NAME.log. */
static void LogPaths(const wchar_t *name, wchar_t *log, wchar_t *sibling, size_t cap)
{
    TempPath(name, L".log", log, cap);
    TempPath(name, L".listener.log", sibling, cap);
}

/* Remove a log and its rotated copies (temporary files of a passed test). */
static void RemoveLogs(const wchar_t *path)
{
    wchar_t file[UA_PATH_CAP];
    unsigned long i;

    (void)DeleteFileW(path);
    for (i = 1; i <= 4; i++) {
        swprintf(file, UA_PATH_CAP, L"%ls.%lu", path, i);
        (void)DeleteFileW(file);
    }
}

/* Every line the controller printed is in its log, stamped; the listener's lines are in the sibling. */
static void UnattendedLogLines(void)
{
    wchar_t name[UA_TEXT_CAP];
    wchar_t log_path[UA_PATH_CAP];
    wchar_t sibling[UA_PATH_CAP];
    wchar_t text[UA_TEXT_CAP];
    TestProc *controller;
    DWORD pid;
    wchar_t *log = NULL;
    wchar_t *listener_log = NULL;

    TestUniqueName(L"loglines", name, UA_TEXT_CAP);
    LogPaths(name, log_path, sibling, UA_PATH_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--log", log_path, L"--",
                                     L"--work-ms", L"200", (const wchar_t *)NULL);
    pid = WaitListener(controller, name, 0);
    WaitInFile(sibling, TEXT_PROCESSING, 3, 10000);
    StopController(name, controller);

    log = ReadText(log_path);
    AssertStamped(log, log_path);
    ASSERT_GE_INT(AssertPrintedInLog(TestOutputText(controller), log, log_path), 4);
    ASSERT_CONTAINS(log, TEXT_LAUNCHED);
    /* The controller's log is the controller's: the listener writes to its own file. */
    ASSERT_NOT_CONTAINS(log, TEXT_PROCESSING);

    listener_log = ReadText(sibling);
    AssertStamped(listener_log, sibling);
    swprintf(text, UA_TEXT_CAP, L"Listener (pid %lu) ", (unsigned long)pid);
    ASSERT_CONTAINS(listener_log, text);
    ASSERT_CONTAINS(listener_log, TEXT_NOT_RECEIVED);
    ASSERT_CONTAINS(listener_log, TEXT_RECEIVED);
    ASSERT_CONTAINS(listener_log, TEXT_HIT_ENTER_CLOSE);
    free(log);
    free(listener_log);
    RemoveLogs(log_path);
    RemoveLogs(sibling);
}

/*
 * TerminateProcess of the controller loses no printed line; a new controller
 * with the same --log adopts the listener, which goes on logging to its file.
 */
static void UnattendedLogKillAndAdopt(void)
{
    wchar_t name[UA_TEXT_CAP];
    wchar_t log_path[UA_PATH_CAP];
    wchar_t sibling[UA_PATH_CAP];
    TestProc *first;
    TestProc *second;
    DWORD pid;
    DWORD code = 0;
    size_t before;
    wchar_t *log = NULL;

    TestUniqueName(L"logkill", name, UA_TEXT_CAP);
    LogPaths(name, log_path, sibling, UA_PATH_CAP);
    first = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--log", log_path, L"--",
                                L"--work-ms", L"200", (const wchar_t *)NULL);
    pid = WaitListener(first, name, 0);
    ASSERT_OUTPUT(first, L"Standard input is not a console", 5000);
    WaitInFile(sibling, TEXT_PROCESSING, 2, 10000);

    /* Task Scheduler's "End": no chance to flush anything. */
    ASSERT(TerminateProcess(TestHandle(first), TEST_KILL_EXIT_CODE));
    ASSERT(TestWaitExit(first, 10000, &code));
    TestTrackPid(pid);
    ASSERT(TestPidAlive(pid));
    log = ReadText(log_path);
    ASSERT_GE_INT(AssertPrintedInLog(TestOutputText(first), log, log_path), 4);
    free(log);
    log = NULL;

    before = CountInFile(sibling, TEXT_PROCESSING);
    second = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--log", log_path, L"--",
                                 L"--work-ms", L"200", (const wchar_t *)NULL);
    ASSERT_OUTPUT(second, TEXT_ALREADY, 10000);
    WaitInFile(sibling, TEXT_PROCESSING, before + 3, 10000);
    ASSERT_EQ_INT(TestCountOutput(second, TEXT_LAUNCHING), 0);
    ASSERT_EQ_INT(TestCountChildren(TestPid(second), TEST_LISTENER_EXE), 0);
    ASSERT_EQ_INT(TestWaitPublished(name, 0, 1000), pid);
    /* One listener ever logged its start there. */
    ASSERT_EQ_INT(CountInFile(sibling, L"Listener (pid "), 1);
    StopController(name, second);

    log = ReadText(log_path);
    AssertStamped(log, log_path);
    (void)AssertPrintedInLog(TestOutputText(second), log, log_path);
    free(log);
    RemoveLogs(log_path);
    RemoveLogs(sibling);
}

/*
 * Watch path being rotated at 2000 bytes: at every look no file is larger than
 * the limit plus a line and there is no path.4; ends 1.5 s after path.1..3 all
 * exist (a few more rotations, so the oldest is seen dropped).
 */
static void WatchRotation(const wchar_t *path)
{
    static const wchar_t *const kSuffixes[] = { L"", L".1", L".2", L".3" };
    wchar_t file[UA_PATH_CAP];
    wchar_t fourth[UA_PATH_CAP];
    ULONGLONG deadline = TestNowMs() + 20000;
    ULONGLONG settle = 0;
    long long size;
    size_t i;
    BOOL all;
    wchar_t *text;

    swprintf(fourth, UA_PATH_CAP, L"%ls.4", path);
    for (;;) {
        all = TRUE;
        for (i = 0; i < sizeof(kSuffixes) / sizeof(kSuffixes[0]); i++) {
            swprintf(file, UA_PATH_CAP, L"%ls%ls", path, kSuffixes[i]);
            size = FileSize(file);
            if (size < 0) {
                all = FALSE; /* not yet, or between a rename and the reopen */
                continue;
            }
            ASSERT_MSG(size <= 2000 + (long long)UA_LINE_SLACK, L"%ls is %lld bytes (limit 2000)", file, size);
        }
        ASSERT_MSG(!FileExists(fourth), L"%ls exists: more than 3 old logs are kept", fourth);
        if (all && settle == 0) {
            settle = TestNowMs() + 1500;
        }
        if (settle != 0 && TestNowMs() >= settle) {
            break;
        }
        ASSERT_MSG(TestNowMs() < deadline, L"%ls.1..3 did not all appear within 20 s", path);
        Sleep(UA_POLL_MS);
    }
    /* Rotated files hold whole stamped lines. */
    swprintf(file, UA_PATH_CAP, L"%ls.2", path);
    text = ReadText(file);
    AssertStamped(text, file);
    free(text);
}

/*
 * --log-max-bytes 2000: FILE.1..FILE.3 appear, none much past 2000 bytes, never
 * FILE.4; for the listener's log (short units) and for the controller's own
 * (a listener that exits at once with code 1, relaunched every 10 ms, fills it).
 */
static void UnattendedLogRotation(void)
{
    wchar_t name[UA_TEXT_CAP];
    wchar_t log_path[UA_PATH_CAP];
    wchar_t sibling[UA_PATH_CAP];
    wchar_t self[UA_PATH_CAP];
    wchar_t counter[UA_PATH_CAP];
    TestProc *controller;

    TestUniqueName(L"logrotate", name, UA_TEXT_CAP);
    LogPaths(name, log_path, sibling, UA_PATH_CAP);
    RemoveLogs(log_path);
    RemoveLogs(sibling);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--log", log_path,
                                     L"--log-max-bytes", L"2000", L"--", L"--work-ms", L"10", (const wchar_t *)NULL);
    (void)WaitListener(controller, name, 0);
    WatchRotation(sibling);
    StopController(name, controller);
    RemoveLogs(log_path);
    RemoveLogs(sibling);

    /*
     * The listener is the crash helper of test_faults.c (ipc_tests.exe with
     * IPC_TEST_HELPER=crash): it exits with code 1 at once, every time.
     */
    TestUniqueName(L"logrotatectl", name, UA_TEXT_CAP);
    LogPaths(name, log_path, sibling, UA_PATH_CAP);
    RemoveLogs(log_path);
    TestSelfPath(self, UA_PATH_CAP);
    TempPath(name, L".count", counter, UA_PATH_CAP);
    TestSetEnv(TEST_ENV_HELPER, L"crash");
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--listener", self, L"--console", L"none", L"--log",
                                     log_path, L"--log-max-bytes", L"2000", L"--restart-delay", L"10",
                                     L"--restart-delay-max", L"10", L"--", L"0", counter, L"1", (const wchar_t *)NULL);
    ASSERT_OUTPUT(controller, TEXT_LAUNCHED, 10000);
    WatchRotation(log_path);
    StopController(name, controller);
    RemoveLogs(log_path);
    RemoveLogs(sibling);
    (void)DeleteFileW(counter);
}

/* ---- Global\ and Local\ names ---- */

/* A controller for Global\X is found by --status X and stopped by --stop X; Local\Y works as a name too. */
static void UnattendedGlobalAndLocalNames(void)
{
    wchar_t plain[UA_TEXT_CAP];
    wchar_t global[UA_TEXT_CAP];
    wchar_t local[UA_TEXT_CAP];
    wchar_t text[UA_TEXT_CAP];
    TestProc *controller;
    TestProc *status;
    TestProc *stopper = NULL;
    DWORD code;
    DWORD pid;

    TestUniqueName(L"global", plain, UA_TEXT_CAP);
    swprintf(global, UA_TEXT_CAP, L"Global\\%ls", plain);
    controller = StartQuietController(global, L"300");
    /* On Windows, creating a Global\ object needs SeCreateGlobalPrivilege (administrators, services). */
    if (!TestWaitOutput(controller, TEXT_LAUNCHED, 10000) && !TestIsRunning(controller) &&
        (wcsstr(TestOutputText(controller), L"denied") != NULL ||
         wcsstr(TestOutputText(controller), L"privilege") != NULL)) {
        TestPrint(L"SKIP: this user may not create Global\\ objects:\n%ls\n", TestOutputText(controller));
        return;
    }
    pid = WaitListener(controller, global, 0);
    ASSERT(!TestMappingExists(plain));
    status = ExpectStatus(plain, 0);
    swprintf(text, UA_TEXT_CAP, L"found '%ls' in the global namespace", global);
    ASSERT_CONTAINS(TestOutputText(status), text);
    swprintf(text, UA_TEXT_CAP, L"Listener:   pid %lu, running", (unsigned long)pid);
    ASSERT_CONTAINS(TestOutputText(status), text);
    code = TestStop(plain, 15000, 20000, &stopper);
    ASSERT_MSG(code == 0, L"--stop %ls exited with %lu:\n%ls", plain, (unsigned long)code, TestOutputText(stopper));
    ASSERT_CONTAINS(TestOutputText(stopper), L"global namespace");
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT(!TestPidAlive(pid));

    /* Local\ is this session's namespace: the same as the plain name. */
    TestUniqueName(L"local", plain, UA_TEXT_CAP);
    swprintf(local, UA_TEXT_CAP, L"Local\\%ls", plain);
    controller = StartQuietController(local, L"300");
    pid = WaitListener(controller, local, 0);
    status = ExpectStatus(local, 0);
    swprintf(text, UA_TEXT_CAP, L"Listener:   pid %lu, running", (unsigned long)pid);
    ASSERT_CONTAINS(TestOutputText(status), text);
    status = ExpectStatus(plain, 0);
    ASSERT_CONTAINS(TestOutputText(status), text);
    StopController(local, controller);
    ASSERT(!TestPidAlive(pid));
}

/* ---- Task Scheduler ---- */

/* text with & < > " escaped as XML does. */
static void XmlEscape(const wchar_t *text, wchar_t *out, size_t cap)
{
    size_t len = 0;
    const wchar_t *p;
    const wchar_t *rep;
    wchar_t one[2];
    size_t k;

    for (p = text; *p != L'\0'; p++) {
        one[0] = *p;
        one[1] = L'\0';
        rep = *p == L'&' ? L"&amp;" : *p == L'<' ? L"&lt;" : *p == L'>' ? L"&gt;" : *p == L'"' ? L"&quot;" : one;
        k = wcslen(rep);
        ASSERT(len + k + 1 <= cap);
        memcpy(out + len, rep, k * sizeof(wchar_t));
        len += k;
    }
    out[len] = L'\0';
}

/* The text between <tag> and </tag>, copied to out; fails when absent. */
static void XmlElement(const wchar_t *xml, const wchar_t *tag, wchar_t *out, size_t cap)
{
    wchar_t open[64];
    wchar_t close[64];
    const wchar_t *start;
    const wchar_t *end;
    size_t n;

    swprintf(open, 64, L"<%ls>", tag);
    swprintf(close, 64, L"</%ls>", tag);
    start = wcsstr(xml, open);
    ASSERT_MSG(start != NULL, L"no %ls in:\n%ls", open, xml);
    start += wcslen(open);
    end = wcsstr(start, close);
    ASSERT_MSG(end != NULL, L"no %ls in:\n%ls", close, xml);
    n = (size_t)(end - start);
    ASSERT(n < cap);
    memcpy(out, start, n * sizeof(wchar_t));
    out[n] = L'\0';
}

/* --install --dry-run: the whole definition, with and without --at-startup. */
static void UnattendedTaskDryRun(void)
{
    static const wchar_t kDeclaration[] = L"<?xml version=\"1.0\" encoding=\"UTF-16\"?>";
    wchar_t name[UA_TEXT_CAP];
    wchar_t bin[UA_PATH_CAP];
    wchar_t controller_exe[UA_PATH_CAP];
    wchar_t listener_abs[UA_PATH_CAP];
    wchar_t log_abs[UA_PATH_CAP];
    wchar_t *args = NULL;
    wchar_t *escaped = NULL;
    wchar_t *got = NULL;
    wchar_t text[UA_TEXT_CAP];
    wchar_t *slash;
    TestProc *dry;
    const wchar_t *out;
    const wchar_t *amp;
    int pass;

    args = (wchar_t *)malloc(UA_CMD_CAP * sizeof(wchar_t));
    escaped = (wchar_t *)malloc(UA_CMD_CAP * sizeof(wchar_t));
    got = (wchar_t *)malloc(UA_CMD_CAP * sizeof(wchar_t));
    ASSERT(args != NULL && escaped != NULL && got != NULL);

    /* Relative --listener and --log, resolved against the folder the controller runs in (ours). */
    TestBinPath(TEST_CONTROLLER_EXE, controller_exe, UA_PATH_CAP);
    TestBinPath(L"", bin, UA_PATH_CAP);
    ASSERT(SetCurrentDirectoryW(bin));
    ASSERT(GetFullPathNameW(TEST_LISTENER_EXE, UA_PATH_CAP, listener_abs, NULL) > 0);
    ASSERT(GetFullPathNameW(L"logs&more\\svc.log", UA_PATH_CAP, log_abs, NULL) > 0);
    slash = wcsrchr(log_abs, L'\\');
    ASSERT(slash != NULL && wcscmp(slash, L"\\svc.log") == 0);

    /* & in NAME, in the log's path and in a listener argument: each must come out as &amp;. */
    TestUniqueName(L"dry&run", name, UA_TEXT_CAP);
    args[0] = L'\0';
    TestAppendArg(args, UA_CMD_CAP, name);
    TestAppendArg(args, UA_CMD_CAP, L"--listener");
    TestAppendArg(args, UA_CMD_CAP, listener_abs);
    TestAppendArg(args, UA_CMD_CAP, L"--log");
    TestAppendArg(args, UA_CMD_CAP, log_abs);
    TestAppendArg(args, UA_CMD_CAP, L"--hang-timeout");
    TestAppendArg(args, UA_CMD_CAP, L"5000");
    TestAppendArg(args, UA_CMD_CAP, L"--");
    TestAppendArg(args, UA_CMD_CAP, L"--run");
    TestAppendArg(args, UA_CMD_CAP, L"a&b");
    XmlEscape(args, escaped, UA_CMD_CAP);

    for (pass = 0; pass < 2; pass++) {
        if (pass == 0) {
            dry = TestSpawnController(TEST_SPAWN_DEFAULT, L"--install", name, L"--dry-run", L"--listener",
                                      TEST_LISTENER_EXE, L"--log", L"logs&more\\svc.log", L"--hang-timeout", L"5000",
                                      L"--", L"--run", L"a&b", (const wchar_t *)NULL);
        } else {
            dry = TestSpawnController(TEST_SPAWN_DEFAULT, L"--install", name, L"--at-startup", L"--dry-run",
                                      L"--listener", TEST_LISTENER_EXE, L"--log", L"logs&more\\svc.log",
                                      L"--hang-timeout", L"5000", L"--", L"--run", L"a&b", (const wchar_t *)NULL);
        }
        ASSERT_EXIT(dry, 0, 15000);
        out = TestOutputText(dry);
        ASSERT_MSG(wcsncmp(out, kDeclaration, wcslen(kDeclaration)) == 0,
                   L"the definition does not start with the UTF-16 declaration:\n%ls", out);
        ASSERT_CONTAINS(out, L"<ExecutionTimeLimit>PT0S</ExecutionTimeLimit>");
        ASSERT_CONTAINS(out, L"<MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>");
        ASSERT_CONTAINS(out, L"<RestartOnFailure>");
        ASSERT_CONTAINS(out, L"</Task>");
        if (pass == 0) {
            ASSERT_CONTAINS(out, L"<LogonTrigger>");
            ASSERT_NOT_CONTAINS(out, L"<BootTrigger>");
        } else {
            ASSERT_CONTAINS(out, L"<BootTrigger>");
            ASSERT_NOT_CONTAINS(out, L"<LogonTrigger>");
            ASSERT_CONTAINS(out, L"<LogonType>S4U</LogonType>");
        }
        XmlElement(out, L"Command", got, UA_CMD_CAP);
        ASSERT_MSG(_wcsicmp(got, controller_exe) == 0, L"<Command> is \"%ls\", expected \"%ls\"", got, controller_exe);
        XmlElement(out, L"Arguments", got, UA_CMD_CAP);
        ASSERT_EQ_WSTR(got, escaped);
        XmlElement(out, L"URI", got, UA_CMD_CAP);
        XmlEscape(name, text, UA_TEXT_CAP);
        ASSERT_MSG(wcsncmp(got, L"\\" UA_TASK_PREFIX, wcslen(UA_TASK_PREFIX) + 1) == 0 &&
                       wcscmp(got + wcslen(UA_TASK_PREFIX) + 1, text) == 0,
                   L"<URI> is \"%ls\"", got);
        XmlElement(out, L"Description", got, UA_CMD_CAP);
        ASSERT_CONTAINS(got, text);
        for (amp = wcschr(out, L'&'); amp != NULL; amp = wcschr(amp + 1, L'&')) {
            ASSERT_MSG(wcsncmp(amp, L"&amp;", 5) == 0 || wcsncmp(amp, L"&lt;", 4) == 0 ||
                           wcsncmp(amp, L"&gt;", 4) == 0 || wcsncmp(amp, L"&quot;", 6) == 0,
                       L"an unescaped & in the definition: \"%.20ls\"", amp);
        }
        ASSERT_NOT_CONTAINS(out, L"--dry-run");
        ASSERT_NOT_CONTAINS(out, L"--at-startup");
    }

    /*
     * The same paths in the one-word form --listener=PATH --log=FILE: made
     * absolute too, kept in one word (they were copied relative, and the task,
     * which runs in the controller's folder, then failed at every start).
     */
    args[0] = L'\0';
    TestAppendArg(args, UA_CMD_CAP, name);
    swprintf(text, UA_TEXT_CAP, L"--listener=%ls", listener_abs);
    TestAppendArg(args, UA_CMD_CAP, text);
    swprintf(text, UA_TEXT_CAP, L"--log=%ls", log_abs);
    TestAppendArg(args, UA_CMD_CAP, text);
    XmlEscape(args, escaped, UA_CMD_CAP);
    dry = TestSpawnController(TEST_SPAWN_DEFAULT, L"--install", name, L"--dry-run", L"--listener=" TEST_LISTENER_EXE,
                              L"--log=logs&more\\svc.log", (const wchar_t *)NULL);
    ASSERT_EXIT(dry, 0, 15000);
    XmlElement(TestOutputText(dry), L"Arguments", got, UA_CMD_CAP);
    ASSERT_EQ_WSTR(got, escaped);

    /* A backslash in NAME becomes _ in the task's name. */
    TestUniqueName(L"drylocal", text, UA_TEXT_CAP);
    swprintf(name, UA_TEXT_CAP, L"Local\\%ls", text);
    dry = TestSpawnController(TEST_SPAWN_DEFAULT, L"--install", name, L"--dry-run", (const wchar_t *)NULL);
    ASSERT_EXIT(dry, 0, 15000);
    XmlElement(TestOutputText(dry), L"URI", got, UA_CMD_CAP);
    swprintf(args, UA_CMD_CAP, L"\\" UA_TASK_PREFIX L"Local_%ls", text);
    ASSERT_EQ_WSTR(got, args);
    free(args);
    free(escaped);
    free(got);
}

/* Where Task Scheduler keeps a task's definition: %SystemRoot%\System32\Tasks\<name> (Wine: ...\tasks\). */
static void TaskFile(const wchar_t *task_name, wchar_t *out, size_t cap)
{
    wchar_t sys[UA_PATH_CAP];
    UINT n = GetSystemDirectoryW(sys, UA_PATH_CAP);

    ASSERT(n > 0 && n < UA_PATH_CAP);
    swprintf(out, cap, L"%ls\\Tasks\\%ls", sys, task_name);
}

/*
 * The definition Task Scheduler stored for task_name, or NULL (with a note)
 * when this user may not read it: on Windows the Tasks folder is for
 * administrators; under Wine it is readable.
 */
static wchar_t *ReadTaskFile(const wchar_t *task_name)
{
    wchar_t path[UA_PATH_CAP];
    DWORD error = ERROR_SUCCESS;
    wchar_t *text;

    TaskFile(task_name, path, UA_PATH_CAP);
    text = ReadTextEx(path, &error);
    if (text == NULL && error == ERROR_ACCESS_DENIED) {
        TestPrint(L"note: %ls cannot be read by this user; checked the exit codes only\n", path);
        return NULL;
    }
    ASSERT_MSG(text != NULL, L"the task file %ls cannot be read (error %lu)", path, (unsigned long)error);
    return text;
}

/* --install for real, read back, --uninstall twice; a Local\ name's task is named with _. */
static void InstallAndUninstall(const wchar_t *name, const wchar_t *task_name)
{
    wchar_t path[UA_PATH_CAP];
    wchar_t text[UA_TEXT_CAP];
    TestProc *proc;
    wchar_t *stored;

    TaskFile(task_name, path, UA_PATH_CAP);
    proc = TestSpawnController(TEST_SPAWN_DEFAULT, L"--install", name, L"--", L"--work-ms", L"1000",
                               (const wchar_t *)NULL);
    ASSERT_EXIT(proc, 0, 30000);
    ASSERT_CONTAINS(TestOutputText(proc), L"Registered task");
    ASSERT_CONTAINS(TestOutputText(proc), task_name);

    /*
     * Wine re-serialises the definition and keeps RegistrationInfo and Settings
     * only (triggers, principal and actions come back empty), so what can be
     * read back is checked here; UnattendedTaskDryRun checks the rest of what
     * is registered, the definition itself.
     */
    stored = ReadTaskFile(task_name);
    if (stored != NULL) {
        ASSERT_CONTAINS(stored, L"<ExecutionTimeLimit>PT0S</ExecutionTimeLimit>");
        ASSERT_CONTAINS(stored, L"<MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>");
        swprintf(text, UA_TEXT_CAP, L"<URI>\\%ls</URI>", task_name);
        ASSERT_CONTAINS(stored, text);
        swprintf(text, UA_TEXT_CAP, L"Supervises ConsoleAppListener %ls ", name);
        ASSERT_CONTAINS(stored, text);
        free(stored);
    }

    proc = TestSpawnController(TEST_SPAWN_DEFAULT, L"--uninstall", name, (const wchar_t *)NULL);
    ASSERT_EXIT(proc, 0, 30000);
    ASSERT_CONTAINS(TestOutputText(proc), L"Removed task");
    ASSERT_MSG(!FileExists(path), L"%ls is still there after --uninstall", path);
    proc = TestSpawnController(TEST_SPAWN_DEFAULT, L"--uninstall", name, (const wchar_t *)NULL);
    ASSERT_EXIT(proc, 0, 30000);
    ASSERT_CONTAINS(TestOutputText(proc), L"nothing to remove");
}

static void UnattendedTaskInstall(void)
{
    wchar_t name[UA_TEXT_CAP];
    wchar_t local[UA_TEXT_CAP];
    wchar_t task_name[UA_TEXT_CAP];

    TestUniqueName(L"task", name, UA_TEXT_CAP);
    swprintf(task_name, UA_TEXT_CAP, UA_TASK_PREFIX L"%ls", name);
    InstallAndUninstall(name, task_name);

    TestUniqueName(L"tasklocal", name, UA_TEXT_CAP);
    swprintf(local, UA_TEXT_CAP, L"Local\\%ls", name);
    swprintf(task_name, UA_TEXT_CAP, UA_TASK_PREFIX L"Local_%ls", name);
    InstallAndUninstall(local, task_name);
}

/* Run schtasks.exe with the arguments that follow (up to NULL); returns its exit code. */
static DWORD Schtasks(TestProc **out, ...)
{
    wchar_t *cmd = (wchar_t *)malloc(UA_CMD_CAP * sizeof(wchar_t));
    const wchar_t *arg;
    TestProc *proc;
    DWORD code = 0;
    va_list ap;

    ASSERT(cmd != NULL);
    cmd[0] = L'\0';
    TestAppendArg(cmd, UA_CMD_CAP, L"schtasks.exe");
    va_start(ap, out);
    for (arg = va_arg(ap, const wchar_t *); arg != NULL; arg = va_arg(ap, const wchar_t *)) {
        TestAppendArg(cmd, UA_CMD_CAP, arg);
    }
    va_end(ap);
    proc = TestSpawn(cmd);
    ASSERT_MSG(TestWaitExit(proc, 30000, &code), L"%ls did not exit within 30 s", cmd);
    free(cmd);
    *out = proc;
    return code;
}

/* The repository's ConsoleAppController.task.xml: UTF-16 LE with BOM, the settings, and schtasks accepts it. */
static void UnattendedTaskXmlFile(void)
{
    static const wchar_t *const kUp[] = { L"..\\", L"..\\..\\", L"..\\..\\..\\" };
    wchar_t bin[UA_PATH_CAP];
    wchar_t candidate[UA_PATH_CAP];
    wchar_t path[UA_PATH_CAP];
    wchar_t name[UA_TEXT_CAP];
    wchar_t stored_path[UA_PATH_CAP];
    unsigned char *bytes = NULL;
    wchar_t *xml = NULL;
    size_t len = 0;
    DWORD error = ERROR_SUCCESS;
    DWORD code;
    TestProc *proc = NULL;
    size_t up;
    BOOL found = FALSE;

    /* bin\ (run.sh, build.bat) or bin\<platform>\<configuration>\ (Visual Studio) under the repository. */
    TestBinPath(L"", bin, UA_PATH_CAP);
    for (up = 0; up < sizeof(kUp) / sizeof(kUp[0]) && !found; up++) {
        swprintf(candidate, UA_PATH_CAP, L"%ls%lsConsoleAppController\\ConsoleAppController.task.xml", bin, kUp[up]);
        ASSERT(GetFullPathNameW(candidate, UA_PATH_CAP, path, NULL) > 0);
        found = FileExists(path);
    }
    ASSERT_MSG(found, L"ConsoleAppController\\ConsoleAppController.task.xml not found above %ls", bin);

    bytes = ReadAll(path, &len, &error);
    ASSERT_MSG(bytes != NULL, L"cannot read %ls (error %lu)", path, (unsigned long)error);
    ASSERT_MSG(len >= 4 && bytes[0] == 0xFF && bytes[1] == 0xFE && bytes[2] == '<' && bytes[3] == 0,
               L"%ls is not UTF-16 LE with a BOM (starts %02x %02x %02x %02x)", path, bytes[0], bytes[1], bytes[2],
               bytes[3]);
    free(bytes);
    xml = ReadText(path);
    ASSERT_CONTAINS(xml, L"encoding=\"UTF-16\"");
    ASSERT_CONTAINS(xml, L"<ExecutionTimeLimit>PT0S</ExecutionTimeLimit>");
    ASSERT_CONTAINS(xml, L"<MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>");
    ASSERT_CONTAINS(xml, L"<RestartOnFailure>");
    free(xml);

    TestUniqueName(L"taskxml", name, UA_TEXT_CAP);
    TaskFile(name, stored_path, UA_PATH_CAP);
    code = Schtasks(&proc, L"/create", L"/xml", path, L"/tn", name, (const wchar_t *)NULL);
    ASSERT_MSG(code == 0, L"schtasks /create /xml %ls exited with %lu:\n%ls", path, (unsigned long)code,
               TestOutputText(proc));
    xml = ReadTaskFile(name);
    if (xml != NULL) {
        ASSERT_CONTAINS(xml, L"<ExecutionTimeLimit>PT0S</ExecutionTimeLimit>");
        free(xml);
    }
    code = Schtasks(&proc, L"/delete", L"/tn", name, L"/f", (const wchar_t *)NULL);
    ASSERT_MSG(code == 0, L"schtasks /delete /tn %ls /f exited with %lu:\n%ls", name, (unsigned long)code,
               TestOutputText(proc));
    ASSERT_MSG(!FileExists(stored_path), L"%ls is still there after schtasks /delete", stored_path);
}

/* ---- --run ---- */

/* A listener for NAME running command as its unit. */
static TestProc *StartRunListener(const wchar_t *name, const wchar_t *command)
{
    wchar_t exe[UA_PATH_CAP];
    wchar_t cmd[UA_CMD_CAP];

    TestBinPath(TEST_LISTENER_EXE, exe, UA_PATH_CAP);
    TestCommandLine(cmd, UA_CMD_CAP, exe, name, L"--run", command, (const wchar_t *)NULL);
    return TestSpawn(cmd);
}

/* "Command exited with code CODE after N ms", twice; N parsed; then a graceful stop. */
static void ExpectCommandCode(const wchar_t *tag, const wchar_t *command, unsigned long code)
{
    wchar_t name[UA_TEXT_CAP];
    wchar_t text[UA_TEXT_CAP];
    wchar_t line[UA_TEXT_CAP];
    wchar_t *end = NULL;
    const wchar_t *p;
    TestProc *listener;
    unsigned long ms;

    TestUniqueName(tag, name, UA_TEXT_CAP);
    listener = StartRunListener(name, command);
    swprintf(text, UA_TEXT_CAP, L"Command exited with code %lu after ", code);
    ASSERT_MSG(TestWaitOutputCount(listener, text, 2, 20000), L"\"%ls\" did not appear twice:\n%ls", text,
               TestOutputText(listener));
    ASSERT(TestOutputLine(listener, text, line, UA_TEXT_CAP));
    p = wcsstr(line, text) + wcslen(text);
    ms = wcstoul(p, &end, 10);
    ASSERT_MSG(end != p && wcscmp(end, L" ms") == 0, L"no duration in \"%ls\"", line);
    ASSERT_LE_INT(ms, 20000);
    swprintf(text, UA_TEXT_CAP, L"Running: %ls", command);
    ASSERT_CONTAINS(TestOutputText(listener), text);
    ASSERT_EQ_INT(TestStop(name, 15000, 20000, NULL), 0);
    ASSERT_EXIT(listener, 0, 10000);
}

static void UnattendedRunExitCodes(void)
{
    ExpectCommandCode(L"runcode3", L"cmd /c exit 3", 3);
    ExpectCommandCode(L"runcode0", L"cmd /c exit 0", 0);
}

/* --stop during a long command: the stop waits for it, then the listener exits 0 without another one. */
static void UnattendedRunStopWaitsForCommand(void)
{
    wchar_t name[UA_TEXT_CAP];
    wchar_t self[UA_PATH_CAP];
    wchar_t command[UA_CMD_CAP];
    TestProc *listener;
    TestProc *stopper = NULL;
    ULONGLONG started;
    DWORD code;
    const wchar_t *out;
    const wchar_t *received;

    TestUniqueName(L"runstop", name, UA_TEXT_CAP);
    TestSelfPath(self, UA_PATH_CAP);
    TestCommandLine(command, UA_CMD_CAP, self, L"--helper", L"sleeper", L"2500", (const wchar_t *)NULL);
    listener = StartRunListener(name, command);
    /* The sleeper's own line, not the "Running:" line that names it: the command is under way. */
    ASSERT_OUTPUT(listener, L" started", 15000);
    started = TestNowMs();
    code = TestStop(name, 20000, 30000, &stopper);
    ASSERT_MSG(code == 0, L"--stop exited with %lu:\n%ls", (unsigned long)code, TestOutputText(stopper));
    /* The 2.5 s command was let finish: well over a second passed. */
    ASSERT_GE_INT(TestNowMs() - started, 1500);
    ASSERT_EXIT(listener, 0, 5000);
    out = TestOutputText(listener);
    ASSERT_CONTAINS(out, L"done");
    ASSERT_EQ_INT(TestCountOutput(listener, L"Running: "), 1);
    ASSERT_EQ_INT(TestCountOutput(listener, L"Command exited with code 0 after "), 1);
    received = wcsstr(out, TEXT_RECEIVED);
    ASSERT(received != NULL);
    ASSERT_MSG(wcsstr(received, L"Running: ") == NULL, L"a command started after the close message:\n%ls", out);
}

/* With a controller's --log, what the command prints lands in the .listener log. */
static void UnattendedRunOutputLogged(void)
{
    wchar_t name[UA_TEXT_CAP];
    wchar_t log_path[UA_PATH_CAP];
    wchar_t sibling[UA_PATH_CAP];
    wchar_t marker[UA_TEXT_CAP];
    wchar_t command[UA_TEXT_CAP];
    wchar_t *text;
    TestProc *controller;

    TestUniqueName(L"runlog", name, UA_TEXT_CAP);
    LogPaths(name, log_path, sibling, UA_PATH_CAP);
    swprintf(marker, UA_TEXT_CAP, L"echoed-by-%ls", name);
    swprintf(command, UA_TEXT_CAP, L"cmd /c echo %ls", marker);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--log", log_path, L"--",
                                     L"--run", command, (const wchar_t *)NULL);
    (void)WaitListener(controller, name, 0);
    WaitInFile(sibling, marker, 3, 15000); /* "Running: cmd /c echo X", then X itself */
    WaitInFile(sibling, L"Command exited with code 0 after ", 1, 10000);
    StopController(name, controller);
    text = ReadText(sibling);
    AssertStamped(text, sibling);
    /* The command's own line, not only the "Running:" line that names it. */
    ASSERT_MSG(LogHasLine(text, marker), L"no line \"%ls\" in %ls:\n%ls", marker, sibling, text);
    free(text);
    RemoveLogs(log_path);
    RemoveLogs(sibling);
}

/*
 * A log that cannot be opened (its folder does not exist): exit 1 before
 * anything starts, and the message names the call that failed and the path.
 */
static void UnattendedLogCannotOpen(void)
{
    wchar_t name[UA_TEXT_CAP];
    wchar_t dir[UA_PATH_CAP];
    wchar_t log_path[UA_PATH_CAP];
    wchar_t listener_exe[UA_PATH_CAP];
    wchar_t cmd[UA_CMD_CAP];
    TestProc *proc;
    const wchar_t *out;
    int pass;

    TestUniqueName(L"lognodir", name, UA_TEXT_CAP);
    TempPath(name, L".no-such-folder", dir, UA_PATH_CAP);
    swprintf(log_path, UA_PATH_CAP, L"%ls\\x.log", dir);
    TestBinPath(TEST_LISTENER_EXE, listener_exe, UA_PATH_CAP);
    for (pass = 0; pass < 2; pass++) {
        if (pass == 0) {
            proc = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--log", log_path,
                                       (const wchar_t *)NULL);
        } else {
            TestCommandLine(cmd, UA_CMD_CAP, listener_exe, name, L"--log", log_path, (const wchar_t *)NULL);
            proc = TestSpawn(cmd);
        }
        ASSERT_EXIT(proc, 1, 15000);
        out = TestOutputText(proc);
        ASSERT_CONTAINS(out, L"cannot open the log");
        ASSERT_CONTAINS(out, L"CreateFileW failed with error 3"); /* ERROR_PATH_NOT_FOUND */
        ASSERT_CONTAINS(out, L"x.log");
        ASSERT_NOT_CONTAINS(out, TEXT_LAUNCHING);
        ASSERT_NOT_CONTAINS(out, TEXT_PROCESSING);
    }
    ASSERT_MSG(TestWaitPublished(name, 0, 200) == 0, L"a listener runs for %ls", name);
}

/*
 * With a log, a --run unit ends when its command does, not when the last
 * process holding the command's output pipe does: a command that leaves a
 * background process behind (cmd /c start /b server.exe) made the unit last
 * as long as that process (found in review).
 */
static void UnattendedRunBackgroundChildLogged(void)
{
    wchar_t name[UA_TEXT_CAP];
    wchar_t log_path[UA_PATH_CAP];
    wchar_t sibling[UA_PATH_CAP];
    wchar_t self[UA_PATH_CAP];
    wchar_t command[UA_CMD_CAP];
    wchar_t *text;
    const wchar_t *p;
    wchar_t *end = NULL;
    unsigned long ms;
    TestProc *controller;

    TestUniqueName(L"runbg", name, UA_TEXT_CAP);
    LogPaths(name, log_path, sibling, UA_PATH_CAP);
    TestSelfPath(self, UA_PATH_CAP);
    TestCommandLine(command, UA_CMD_CAP, self, L"--helper", L"spawner", L"10000", (const wchar_t *)NULL);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--log", log_path, L"--",
                                     L"--run", command, (const wchar_t *)NULL);
    (void)WaitListener(controller, name, 0);
    WaitInFile(sibling, L"spawner left a background process", 1, 15000);
    WaitInFile(sibling, L"Command exited with code 0 after ", 1, 8000);
    text = ReadText(sibling);
    p = wcsstr(text, L"Command exited with code 0 after ");
    ASSERT(p != NULL);
    p += wcslen(L"Command exited with code 0 after ");
    ms = wcstoul(p, &end, 10);
    ASSERT_MSG(end != p, L"no duration after \"Command exited\" in %ls:\n%ls", sibling, text);
    ASSERT_MSG(ms < 5000, L"the unit lasted %lu ms: it waited for the background process (10 s), not the command",
               ms);
    free(text);
    StopController(name, controller);
    RemoveLogs(log_path);
    RemoveLogs(sibling);
}

/* Killing the listener kills the command it runs (the job object). */
static void UnattendedRunKillTakesCommand(void)
{
    wchar_t name[UA_TEXT_CAP];
    wchar_t self[UA_PATH_CAP];
    wchar_t pid_file[UA_PATH_CAP];
    wchar_t command[UA_CMD_CAP];
    TestProc *listener;
    ULONGLONG deadline;
    DWORD sleeper = 0;
    DWORD code = 0;
    DWORD error = ERROR_SUCCESS;
    unsigned char *bytes;
    size_t len = 0;

    TestUniqueName(L"runkill", name, UA_TEXT_CAP);
    TestSelfPath(self, UA_PATH_CAP);
    TempPath(name, L".pid", pid_file, UA_PATH_CAP);
    TestCommandLine(command, UA_CMD_CAP, self, L"--helper", L"sleeper", L"60000", pid_file, (const wchar_t *)NULL);
    listener = StartRunListener(name, command);
    deadline = TestNowMs() + 15000;
    while (sleeper == 0) {
        bytes = ReadAll(pid_file, &len, &error);
        if (bytes != NULL) {
            sleeper = (DWORD)strtoul((const char *)bytes, NULL, 10);
            free(bytes);
        }
        ASSERT_MSG(sleeper != 0 || TestNowMs() < deadline, L"the command did not start within 15 s:\n%ls",
                   TestOutputText(listener));
        if (sleeper == 0) {
            Sleep(UA_POLL_MS);
        }
    }
    ASSERT(TestPidAlive(sleeper));
    ASSERT(TerminateProcess(TestHandle(listener), TEST_KILL_EXIT_CODE));
    (void)TestWaitExit(listener, 10000, &code);
    ASSERT_MSG(TestWaitPidExit(sleeper, 5000, NULL),
               L"the command (pid %lu) outlived its killed listener by 5 s: it was not in a kill-on-close job",
               (unsigned long)sleeper);
    (void)DeleteFileW(pid_file);
}

/* ---- the README's library example ---- */

static void UnattendedExampleWorker(void)
{
    wchar_t name[UA_TEXT_CAP];
    wchar_t worker_exe[UA_PATH_CAP];
    wchar_t cmd[UA_CMD_CAP];
    wchar_t text[UA_TEXT_CAP];
    TestProc *worker;
    TestProc *status;
    TestProc *controller;
    unsigned long units;
    DWORD pid;

    TestBinPath(L"example\\worker.exe", worker_exe, UA_PATH_CAP);
    ASSERT_MSG(FileExists(worker_exe),
               L"%ls is missing: tests/run.sh builds it from the C block after <!-- example: worker.c --> in README.md",
               worker_exe);
    TestUniqueName(L"example", name, UA_TEXT_CAP);

    /* By hand. */
    TestCommandLine(cmd, UA_CMD_CAP, worker_exe, name, (const wchar_t *)NULL);
    worker = TestSpawn(cmd);
    ASSERT_MSG(TestWaitPublished(name, 0, 10000) == TestPid(worker), L"the worker did not publish its pid:\n%ls",
               TestOutputText(worker));
    Sleep(500);
    status = ExpectStatus(name, 0);
    swprintf(text, UA_TEXT_CAP, L"Listener:   pid %lu, running", (unsigned long)TestPid(worker));
    ASSERT_CONTAINS(TestOutputText(status), text);
    units = StatusNumber(status, L"Units:");
    Sleep(700);
    status = ExpectStatus(name, 0);
    ASSERT_MSG(StatusNumber(status, L"Units:") > units, L"the worker's units did not advance:\n%ls",
               TestOutputText(status));
    ASSERT_EQ_INT(TestStop(name, 15000, 20000, NULL), 0);
    ASSERT_EXIT(worker, 0, 5000);

    /* Supervised. */
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--listener", worker_exe, L"--console", L"none",
                                     (const wchar_t *)NULL);
    pid = WaitListener(controller, name, 0);
    ASSERT_EQ_INT(TestParentPid(pid), TestPid(controller));
    Sleep(500);
    status = ExpectStatus(name, 0);
    swprintf(text, UA_TEXT_CAP, L"Controller: pid %lu, running", (unsigned long)TestPid(controller));
    ASSERT_CONTAINS(TestOutputText(status), text);
    StopController(name, controller);
    ASSERT(!TestPidAlive(pid));
}

/* ---- conventions ---- */

static const wchar_t *const kControllerOptions[] = {
    L"--listener", L"--console", L"--hang-timeout", L"--restart-delay", L"--restart-delay-max", L"--log",
    L"--log-max-bytes", L"-- ", L"--stop", L"--timeout", L"--force", L"--status", L"--install", L"--at-startup",
    L"--at-logon", L"--dry-run", L"--uninstall", L"--help", L"-h", L"/?", L"--version", NULL,
};
static const int kControllerCodes[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, -1 };
static const wchar_t *const kListenerOptions[] = {
    L"--work-ms", L"--run", L"--journal", L"--log", L"--log-max-bytes", L"--help", L"-h", L"/?", L"--version", NULL,
};
static const int kListenerCodes[] = { 0, 1, 2, 4, 7, -1 };

/* Run exe (a file of bin\) with one argument; check its exit code; the process is returned. */
static TestProc *RunExe(const wchar_t *exe_file, const wchar_t *arg, const wchar_t *arg2, DWORD expected)
{
    wchar_t exe[UA_PATH_CAP];
    wchar_t cmd[UA_CMD_CAP];
    TestProc *proc;
    DWORD code = 0;

    TestBinPath(exe_file, exe, UA_PATH_CAP);
    TestCommandLine(cmd, UA_CMD_CAP, exe, arg, arg2, (const wchar_t *)NULL);
    proc = TestSpawn(cmd);
    ASSERT_MSG(TestWaitExit(proc, 15000, &code), L"%ls did not exit within 15 s", cmd);
    ASSERT_MSG(code == expected, L"%ls exited with %lu, expected %lu:\n%ls", cmd, (unsigned long)code,
               (unsigned long)expected, TestOutputText(proc));
    return proc;
}

static void CheckUsage(const wchar_t *exe_file, const wchar_t *const *options, const int *codes)
{
    static const wchar_t *const kHelp[] = { L"/?", L"-h", L"--help" };
    wchar_t line[32];
    TestProc *proc;
    const wchar_t *out;
    size_t i;
    size_t k;

    for (i = 0; i < sizeof(kHelp) / sizeof(kHelp[0]); i++) {
        proc = RunExe(exe_file, kHelp[i], NULL, 0);
        out = TestOutputText(proc);
        ASSERT_MSG(wcsstr(out, L"Usage:") != NULL, L"%ls %ls printed no usage:\n\"%ls\"", exe_file, kHelp[i], out);
        for (k = 0; options[k] != NULL; k++) {
            ASSERT_MSG(wcsstr(out, options[k]) != NULL, L"%ls %ls does not mention %ls:\n%ls", exe_file, kHelp[i],
                       options[k], out);
        }
        ASSERT_CONTAINS(out, L"Exit codes:");
        for (k = 0; codes[k] >= 0; k++) {
            /* One line per code: two spaces, the number, a space. */
            swprintf(line, 32, L"\n  %d ", codes[k]);
            ASSERT_MSG(wcsstr(out, line) != NULL, L"%ls %ls does not document exit code %d:\n%ls", exe_file, kHelp[i],
                       codes[k], out);
        }
    }
    proc = RunExe(exe_file, L"--version", NULL, 0);
    ASSERT_CONTAINS(TestOutputText(proc), IPC_VERSION_WIDE);
}

/* /?, -h, --help: usage with every option and exit code, exit 0; --version: the header's version. */
static void UnattendedHelpAndVersion(void)
{
    CheckUsage(TEST_LISTENER_EXE, kListenerOptions, kListenerCodes);
    CheckUsage(TEST_CONTROLLER_EXE, kControllerOptions, kControllerCodes);
}

typedef DWORD(WINAPI *VersionSizeFn)(LPCWSTR, LPDWORD);
typedef BOOL(WINAPI *VersionInfoFn)(LPCWSTR, DWORD, DWORD, LPVOID);
typedef BOOL(WINAPI *VersionQueryFn)(LPCVOID, LPCWSTR, LPVOID *, PUINT);

/* The version resource's FileVersion and OriginalFilename, and the manifest resource. */
static void CheckResources(const wchar_t *exe_file, HMODULE version)
{
    wchar_t exe[UA_PATH_CAP];
    wchar_t key[128];
    /* Through void (*)(void): a cast between function pointer types compilers accept without a warning. */
    VersionSizeFn size_fn = (VersionSizeFn)(void (*)(void))GetProcAddress(version, "GetFileVersionInfoSizeW");
    VersionInfoFn info_fn = (VersionInfoFn)(void (*)(void))GetProcAddress(version, "GetFileVersionInfoW");
    VersionQueryFn query_fn = (VersionQueryFn)(void (*)(void))GetProcAddress(version, "VerQueryValueW");
    DWORD handle = 0;
    DWORD size;
    void *block = NULL;
    WORD *translation = NULL;
    wchar_t *value = NULL;
    UINT value_len = 0;
    HMODULE module = NULL;
    HRSRC resource;
    HGLOBAL loaded;
    const char *manifest;
    DWORD manifest_len;
    DWORD i;
    BOOL invoker = FALSE;

    ASSERT(size_fn != NULL && info_fn != NULL && query_fn != NULL);
    TestBinPath(exe_file, exe, UA_PATH_CAP);
    size = size_fn(exe, &handle);
    ASSERT_MSG(size > 0, L"%ls has no version resource (GetFileVersionInfoSizeW error %lu)", exe,
               (unsigned long)GetLastError());
    block = malloc(size);
    ASSERT(block != NULL);
    ASSERT(info_fn(exe, 0, size, block));
    ASSERT_MSG(query_fn(block, L"\\VarFileInfo\\Translation", (LPVOID *)&translation, &value_len) &&
                   value_len >= 4,
               L"%ls: no translation in the version resource", exe);
    swprintf(key, 128, L"\\StringFileInfo\\%04x%04x\\FileVersion", translation[0], translation[1]);
    ASSERT_MSG(query_fn(block, key, (LPVOID *)&value, &value_len) && value != NULL, L"%ls: no %ls", exe, key);
    ASSERT_EQ_WSTR(value, IPC_VERSION_WIDE);
    swprintf(key, 128, L"\\StringFileInfo\\%04x%04x\\OriginalFilename", translation[0], translation[1]);
    ASSERT_MSG(query_fn(block, key, (LPVOID *)&value, &value_len) && value != NULL, L"%ls: no %ls", exe, key);
    ASSERT_EQ_WSTR(value, exe_file);
    free(block);
    block = NULL;

    module = LoadLibraryExW(exe, NULL, LOAD_LIBRARY_AS_DATAFILE);
    ASSERT_MSG(module != NULL, L"LoadLibraryExW(%ls) failed with error %lu", exe, (unsigned long)GetLastError());
    resource = FindResourceW(module, MAKEINTRESOURCEW(1), RT_MANIFEST);
    ASSERT_MSG(resource != NULL, L"%ls has no RT_MANIFEST resource 1", exe);
    loaded = LoadResource(module, resource);
    manifest = loaded != NULL ? (const char *)LockResource(loaded) : NULL;
    manifest_len = SizeofResource(module, resource);
    ASSERT(manifest != NULL && manifest_len > 9);
    for (i = 0; i + 9 <= manifest_len && !invoker; i++) {
        invoker = memcmp(manifest + i, "asInvoker", 9) == 0;
    }
    FreeLibrary(module);
    module = NULL;
    ASSERT_MSG(invoker, L"the manifest of %ls does not ask for asInvoker", exe);
}

static void UnattendedVersionResources(void)
{
    /* Loaded at run time: linking version.lib would add a DLL to the test's imports for this one test. */
    HMODULE version = LoadLibraryW(L"version.dll");

    ASSERT_MSG(version != NULL, L"LoadLibraryW(version.dll) failed with error %lu", (unsigned long)GetLastError());
    CheckResources(TEST_CONTROLLER_EXE, version);
    CheckResources(TEST_LISTENER_EXE, version);
    FreeLibrary(version);
}

/* Unknown options and bad numbers: exit 2, with a message, for both programs. */
static void UnattendedUsageErrors(void)
{
    wchar_t name[UA_TEXT_CAP];
    TestProc *proc;

    TestUniqueName(L"usage", name, UA_TEXT_CAP);
    proc = RunExe(TEST_CONTROLLER_EXE, L"--bogus", NULL, 2);
    ASSERT_CONTAINS(TestOutputText(proc), L"--bogus");
    proc = RunExe(TEST_CONTROLLER_EXE, L"--status", NULL, 2); /* a missing value */
    proc = RunExe(TEST_CONTROLLER_EXE, L"--hang-timeout", L"soon", 2);
    ASSERT_CONTAINS(TestOutputText(proc), L"soon");
    proc = RunExe(TEST_CONTROLLER_EXE, L"--log-max-bytes", L"-1", 2);
    proc = RunExe(TEST_CONTROLLER_EXE, L"--restart-delay", L"99999999999", 2);
    proc = RunExe(TEST_LISTENER_EXE, L"--bogus", NULL, 2);
    ASSERT_CONTAINS(TestOutputText(proc), L"--bogus");
    proc = RunExe(TEST_LISTENER_EXE, L"--work-ms", L"12x", 2);
    ASSERT_CONTAINS(TestOutputText(proc), L"12x");
    proc = RunExe(TEST_LISTENER_EXE, L"--work-ms", L"86400001", 2);
    proc = RunExe(TEST_LISTENER_EXE, L"--log-max-bytes", L"lots", 2);
    ASSERT_NOT_CONTAINS(TestOutputText(proc), TEXT_PROCESSING);
    ASSERT(!TestMappingExists(name));
}

const TestEntry TestUnattendedTable[] = {
    { L"unattended_status_not_running_and_garbage", UnattendedStatusNotRunningAndGarbage, 30000 },
    { L"unattended_status_supervised", UnattendedStatusSupervised, 45000 },
    { L"unattended_status_unit_and_stopping", UnattendedStatusUnitAndStopping, 30000 },
    { L"unattended_status_seed_format", UnattendedStatusSeedFormat, 40000 },
    { L"unattended_log_lines", UnattendedLogLines, 40000 },
    { L"unattended_log_kill_and_adopt", UnattendedLogKillAndAdopt, 45000 },
    { L"unattended_log_rotation", UnattendedLogRotation, 45000 },
    { L"unattended_global_and_local_names", UnattendedGlobalAndLocalNames, 45000 },
    { L"unattended_task_dry_run", UnattendedTaskDryRun, 30000 },
    { L"unattended_run_background_child_logged", UnattendedRunBackgroundChildLogged, 60000 },
    { L"unattended_log_cannot_open", UnattendedLogCannotOpen, 30000 },
    { L"unattended_task_install", UnattendedTaskInstall, 60000 },
    { L"unattended_task_xml_file", UnattendedTaskXmlFile, 60000 },
    { L"unattended_run_exit_codes", UnattendedRunExitCodes, 60000 },
    { L"unattended_run_stop_waits_for_command", UnattendedRunStopWaitsForCommand, 40000 },
    { L"unattended_run_output_logged", UnattendedRunOutputLogged, 40000 },
    { L"unattended_run_kill_takes_command", UnattendedRunKillTakesCommand, 40000 },
    { L"unattended_example_worker", UnattendedExampleWorker, 45000 },
    { L"unattended_help_and_version", UnattendedHelpAndVersion, 30000 },
    { L"unattended_version_resources", UnattendedVersionResources, 20000 },
    { L"unattended_usage_errors", UnattendedUsageErrors, 30000 },
};

const size_t TestUnattendedCount = sizeof(TestUnattendedTable) / sizeof(TestUnattendedTable[0]);
