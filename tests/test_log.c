/*
 * test_log.c - --log: every printed line in the log with a time stamp, the
 * listener's .listener sibling, nothing lost to a kill or to a new
 * controller adopting, rotation (also while a reader holds the log without
 * FILE_SHARE_DELETE), a log that cannot be opened, one held by another
 * process, and a device as the log (NUL).
 *
 * Controllers run with "--console none" where a test compares what the
 * controller printed with its log: the listener's lines then cannot mix in.
 */
#include "harness/harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A log line is at most a stamp and a printed line; a rotated file may exceed the limit by less than that. */
#define LOG_LINE_SLACK 300u

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

    while (TestNextLine(&cursor, &line, &len)) {
        if (len == 0) {
            continue;
        }
        found = FALSE;
        while (!found && TestNextLine(&log_cursor, &log_line, &log_len)) {
            found = TestHasStamp(log_line, log_len) && log_len - TEST_STAMP_LEN == len &&
                    wcsncmp(log_line + TEST_STAMP_LEN, line, len) == 0;
        }
        ASSERT_MSG(found, L"the printed line \"%.*ls\" is not in %ls (in order, after a stamp):\n%ls", (int)len, line,
                   path, log);
        checked++;
    }
    return checked;
}

/* Every line the controller printed is in its log, stamped; the listener's lines are in the sibling. */
TEST_IMPL(unattended_log_lines)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t log_path[TEST_PATH_CAP];
    wchar_t sibling[TEST_PATH_CAP];
    wchar_t text[TEST_TEXT_CAP];
    TestProc *controller;
    DWORD pid;
    wchar_t *log = NULL;
    wchar_t *listener_log = NULL;

    TestUniqueName(L"loglines", name, TEST_TEXT_CAP);
    TestLogPaths(name, log_path, sibling, TEST_PATH_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--log", log_path, L"--",
                                     L"--work-ms", L"200", (const wchar_t *)NULL);
    pid = TestWaitListener(controller, name, 0);
    TestWaitInFile(sibling, TEXT_PROCESSING, 3, 10000);
    TestStopController(name, controller);

    log = TestReadText(log_path);
    TestAssertStamped(log, log_path);
    ASSERT_GE_INT(AssertPrintedInLog(TestOutputText(controller), log, log_path), 4);
    ASSERT_CONTAINS(log, TEXT_LAUNCHED);
    /* The controller's log is the controller's: the listener writes to its own file. */
    ASSERT_NOT_CONTAINS(log, TEXT_PROCESSING);

    listener_log = TestReadText(sibling);
    TestAssertStamped(listener_log, sibling);
    swprintf(text, TEST_TEXT_CAP, L"Listener (pid %lu) ", (unsigned long)pid);
    ASSERT_CONTAINS(listener_log, text);
    ASSERT_CONTAINS(listener_log, TEXT_NOT_RECEIVED);
    ASSERT_CONTAINS(listener_log, TEXT_RECEIVED);
    ASSERT_CONTAINS(listener_log, TEXT_HIT_ENTER_CLOSE);
    free(log);
    free(listener_log);
    TestRemoveLogs(log_path);
    TestRemoveLogs(sibling);
}

/*
 * TerminateProcess of the controller loses no printed line; a new controller
 * with the same --log adopts the listener, which goes on logging to its file.
 */
TEST_IMPL(unattended_log_kill_and_adopt)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t log_path[TEST_PATH_CAP];
    wchar_t sibling[TEST_PATH_CAP];
    TestProc *first;
    TestProc *second;
    DWORD pid;
    DWORD code = 0;
    size_t before;
    wchar_t *log = NULL;

    TestUniqueName(L"logkill", name, TEST_TEXT_CAP);
    TestLogPaths(name, log_path, sibling, TEST_PATH_CAP);
    first = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--log", log_path, L"--",
                                L"--work-ms", L"200", (const wchar_t *)NULL);
    pid = TestWaitListener(first, name, 0);
    ASSERT_OUTPUT(first, L"Standard input is not a console", 5000);
    TestWaitInFile(sibling, TEXT_PROCESSING, 2, 10000);

    /* Task Scheduler's "End": no chance to flush anything. */
    ASSERT(TerminateProcess(TestHandle(first), TEST_KILL_EXIT_CODE));
    ASSERT(TestWaitExit(first, 10000, &code));
    TestTrackPid(pid);
    ASSERT(TestPidAlive(pid));
    log = TestReadText(log_path);
    ASSERT_GE_INT(AssertPrintedInLog(TestOutputText(first), log, log_path), 4);
    free(log);
    log = NULL;

    before = TestCountInFile(sibling, TEXT_PROCESSING);
    second = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--log", log_path, L"--",
                                 L"--work-ms", L"200", (const wchar_t *)NULL);
    ASSERT_OUTPUT(second, TEXT_ALREADY, 10000);
    TestWaitInFile(sibling, TEXT_PROCESSING, before + 3, 10000);
    ASSERT_EQ_INT(TestCountOutput(second, TEXT_LAUNCHING), 0);
    ASSERT_EQ_INT(TestCountChildren(TestPid(second), TEST_LISTENER_EXE), 0);
    ASSERT_EQ_INT(TestWaitPublished(name, 0, 1000), pid);
    /* One listener ever logged its start there. */
    ASSERT_EQ_INT(TestCountInFile(sibling, L"Listener (pid "), 1);
    TestStopController(name, second);

    log = TestReadText(log_path);
    TestAssertStamped(log, log_path);
    (void)AssertPrintedInLog(TestOutputText(second), log, log_path);
    free(log);
    TestRemoveLogs(log_path);
    TestRemoveLogs(sibling);
}

/*
 * Watch path being rotated at 2000 bytes: at every look no file is larger than
 * the limit plus a line and there is no path.4; ends 1.5 s after path.1..3 all
 * exist (a few more rotations, so the oldest is seen dropped).
 */
static void WatchRotation(const wchar_t *path)
{
    static const wchar_t *const kSuffixes[] = { L"", L".1", L".2", L".3" };
    wchar_t file[TEST_PATH_CAP];
    wchar_t fourth[TEST_PATH_CAP];
    ULONGLONG deadline = TestNowMs() + 20000;
    ULONGLONG settle = 0;
    long long size;
    size_t i;
    BOOL all;
    wchar_t *text;

    swprintf(fourth, TEST_PATH_CAP, L"%ls.4", path);
    for (;;) {
        all = TRUE;
        for (i = 0; i < ARRAYSIZE(kSuffixes); i++) {
            swprintf(file, TEST_PATH_CAP, L"%ls%ls", path, kSuffixes[i]);
            size = FileSize(file);
            if (size < 0) {
                all = FALSE; /* not yet, or between a rename and the reopen */
                continue;
            }
            ASSERT_MSG(size <= 2000 + (long long)LOG_LINE_SLACK, L"%ls is %lld bytes (limit 2000)", file, size);
        }
        ASSERT_MSG(!TestFileExists(fourth), L"%ls exists: more than 3 old logs are kept", fourth);
        if (all && settle == 0) {
            settle = TestNowMs() + 1500;
        }
        if (settle != 0 && TestNowMs() >= settle) {
            break;
        }
        ASSERT_MSG(TestNowMs() < deadline, L"%ls.1..3 did not all appear within 20 s", path);
        Sleep(TEST_FILE_POLL_MS);
    }
    /* Rotated files hold whole stamped lines. */
    swprintf(file, TEST_PATH_CAP, L"%ls.2", path);
    text = TestReadText(file);
    TestAssertStamped(text, file);
    free(text);
}

/*
 * --log-max-bytes 2000: FILE.1..FILE.3 appear, none much past 2000 bytes, never
 * FILE.4; for the listener's log (short units) and for the controller's own
 * (a listener that exits at once with code 1, relaunched every 10 ms, fills it).
 */
TEST_IMPL(unattended_log_rotation)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t log_path[TEST_PATH_CAP];
    wchar_t sibling[TEST_PATH_CAP];
    wchar_t self[TEST_PATH_CAP];
    wchar_t counter[TEST_PATH_CAP];
    TestProc *controller;

    TestUniqueName(L"logrotate", name, TEST_TEXT_CAP);
    TestLogPaths(name, log_path, sibling, TEST_PATH_CAP);
    TestRemoveLogs(log_path);
    TestRemoveLogs(sibling);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--log", log_path,
                                     L"--log-max-bytes", L"2000", L"--", L"--work-ms", L"10", (const wchar_t *)NULL);
    (void)TestWaitListener(controller, name, 0);
    WatchRotation(sibling);
    TestStopController(name, controller);
    TestRemoveLogs(log_path);
    TestRemoveLogs(sibling);

    /*
     * The listener is the crash helper of harness/helpers.c (ipc_tests.exe with
     * IPC_TEST_HELPER=crash): it exits with code 1 at once, every time.
     */
    TestUniqueName(L"logrotatectl", name, TEST_TEXT_CAP);
    TestLogPaths(name, log_path, sibling, TEST_PATH_CAP);
    TestRemoveLogs(log_path);
    TestSelfPath(self, TEST_PATH_CAP);
    TestTempFile(name, L".count", counter, TEST_PATH_CAP);
    TestSetEnv(TEST_ENV_HELPER, L"crash");
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--listener", self, L"--console", L"none", L"--log",
                                     log_path, L"--log-max-bytes", L"2000", L"--restart-delay", L"10",
                                     L"--restart-delay-max", L"10", L"--", L"0", counter, L"1", (const wchar_t *)NULL);
    ASSERT_OUTPUT(controller, TEXT_LAUNCHED, 10000);
    WatchRotation(log_path);
    TestStopController(name, controller);
    TestRemoveLogs(log_path);
    TestRemoveLogs(sibling);
    (void)DeleteFileW(counter);
}

/*
 * A controller's log that cannot be opened (its folder does not exist): exit 1
 * before anything starts, and the message names the call that failed and the
 * path. A listener with such a --log says so once and works without it.
 */
TEST_IMPL(unattended_log_cannot_open)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t dir[TEST_PATH_CAP];
    wchar_t log_path[TEST_PATH_CAP];
    wchar_t listener_exe[TEST_PATH_CAP];
    wchar_t cmd[TEST_CMD_CAP];
    TestProc *proc;
    const wchar_t *out;

    TestUniqueName(L"lognodir", name, TEST_TEXT_CAP);
    TestTempFile(name, L".no-such-folder", dir, TEST_PATH_CAP);
    swprintf(log_path, TEST_PATH_CAP, L"%ls\\x.log", dir);
    TestBinPath(TEST_LISTENER_EXE, listener_exe, TEST_PATH_CAP);
    proc = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--log", log_path,
                               (const wchar_t *)NULL);
    ASSERT_EXIT(proc, IPC_EXIT_FAILURE, 15000);
    out = TestOutputText(proc);
    ASSERT_CONTAINS(out, L"cannot open the log");
    ASSERT_CONTAINS(out, L"CreateFileW failed with error 3"); /* ERROR_PATH_NOT_FOUND */
    ASSERT_CONTAINS(out, L"x.log");
    ASSERT_NOT_CONTAINS(out, TEXT_LAUNCHING);
    ASSERT_MSG(TestWaitPublished(name, 0, 200) == 0, L"a listener runs for %ls", name);

    TestCommandLine(cmd, TEST_CMD_CAP, listener_exe, name, L"--work-ms", L"100", L"--log", log_path,
                    (const wchar_t *)NULL);
    proc = TestSpawn(cmd);
    ASSERT(TestWaitOutputCount(proc, TEXT_PROCESSING, 3, 10000));
    out = TestOutputText(proc);
    ASSERT_CONTAINS(out, L"Warning: cannot open the log");
    ASSERT_CONTAINS(out, L"CreateFileW failed with error 3");
    ASSERT_EQ_INT(TestCountOutput(proc, L"Warning: "), 1);
    TestStopGracefully(proc, name);
}

/*
 * A reader holds the listener's log open the way .NET does (PowerShell's
 * Get-Content -Wait): read and write shared, delete not, so the log cannot be
 * renamed. Rotation copies and truncates instead: the file stays near its
 * 2000 bytes (it grew without bound when rotation only renamed), and each
 * rotated file holds a whole file's worth of stamped lines, oldest first.
 */
TEST_IMPL(unattended_log_rotation_reader)
{
    static const wchar_t *const kOldestFirst[] = { L".3", L".2", L".1", L"" };
    wchar_t name[TEST_TEXT_CAP];
    wchar_t log_path[TEST_PATH_CAP];
    wchar_t sibling[TEST_PATH_CAP];
    wchar_t file[TEST_PATH_CAP];
    wchar_t last[TEST_STAMP_LEN + 1] = L"";
    TestProc *controller;
    HANDLE reader;
    size_t i;
    const wchar_t *cursor;
    const wchar_t *line;
    size_t len;
    wchar_t *text;
    char probe[16];
    DWORD got = 0;

    TestUniqueName(L"logreader", name, TEST_TEXT_CAP);
    TestLogPaths(name, log_path, sibling, TEST_PATH_CAP);
    TestRemoveLogs(log_path);
    TestRemoveLogs(sibling);
    reader = CreateFileW(sibling, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_ALWAYS,
                         FILE_ATTRIBUTE_NORMAL, NULL);
    ASSERT_MSG(reader != INVALID_HANDLE_VALUE, L"CreateFileW %ls: error %lu", sibling, GetLastError());
    /* The reader really refuses a rename, as on Windows. */
    swprintf(file, TEST_PATH_CAP, L"%ls.probe", sibling);
    ASSERT_MSG(!MoveFileExW(sibling, file, 0), L"%ls could be renamed although a reader holds it", sibling);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--log", log_path,
                                     L"--log-max-bytes", L"2000", L"--", L"--work-ms", L"10", (const wchar_t *)NULL);
    (void)TestWaitListener(controller, name, 0);
    WatchRotation(sibling);
    /* The reader's handle goes on working. */
    ASSERT(ReadFile(reader, probe, (DWORD)sizeof(probe), &got, NULL));
    TestStopController(name, controller);
    CloseHandle(reader);

    for (i = 0; i < ARRAYSIZE(kOldestFirst); i++) {
        swprintf(file, TEST_PATH_CAP, L"%ls%ls", sibling, kOldestFirst[i]);
        if (i < 3) {
            ASSERT_MSG(FileSize(file) >= 2000 - (long long)LOG_LINE_SLACK, L"%ls is %lld bytes: lines were lost",
                       file, FileSize(file));
        }
        text = TestReadText(file);
        TestAssertStamped(text, file);
        cursor = text;
        while (TestNextLine(&cursor, &line, &len)) {
            if (len < TEST_STAMP_LEN) {
                continue;
            }
            ASSERT_MSG(wcsncmp(line, last, TEST_STAMP_LEN) >= 0, L"%ls: a line of %.*ls after one of %ls", file,
                       (int)TEST_STAMP_LEN, line, last);
            memcpy(last, line, TEST_STAMP_LEN * sizeof(wchar_t));
            last[TEST_STAMP_LEN] = L'\0';
        }
        free(text);
    }
    TestRemoveLogs(log_path);
    TestRemoveLogs(sibling);
}

/*
 * The listener's log is held by another process with no sharing at all: the
 * listener still does its units, is not relaunched, and says why once, in
 * the controller's log too; once the holder lets go, its log works again.
 */
TEST_IMPL(unattended_log_held)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t log_path[TEST_PATH_CAP];
    wchar_t sibling[TEST_PATH_CAP];
    wchar_t text[TEST_TEXT_CAP];
    TestProc *controller;
    HANDLE holder;
    DWORD pid;
    wchar_t *log;

    TestUniqueName(L"logheld", name, TEST_TEXT_CAP);
    TestLogPaths(name, log_path, sibling, TEST_PATH_CAP);
    TestRemoveLogs(log_path);
    TestRemoveLogs(sibling);
    holder = CreateFileW(sibling, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    ASSERT_MSG(holder != INVALID_HANDLE_VALUE, L"CreateFileW %ls: error %lu", sibling, GetLastError());
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--log", log_path, L"--",
                                     L"--work-ms", L"100", (const wchar_t *)NULL);
    pid = TestWaitListener(controller, name, 0);
    ASSERT(TestWaitUnitsAtLeast(name, 10, 10000));
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    ASSERT_EQ_INT(TestWaitPublished(name, 0, 1000), pid);
    swprintf(text, TEST_TEXT_CAP, L"Listener (pid %lu): Warning: cannot open the log '", (unsigned long)pid);
    TestWaitInFile(log_path, text, 1, 5000);
    log = TestReadText(log_path);
    ASSERT_CONTAINS(log, L"CreateFileW failed with error 32"); /* ERROR_SHARING_VIOLATION */
    free(log);

    CloseHandle(holder);
    TestWaitInFile(sibling, TEXT_PROCESSING, 3, 10000);
    TestWaitInFile(sibling, L"works again", 1, 1000);
    TestStopController(name, controller);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    ASSERT_EQ_INT(TestCountInFile(log_path, L"Warning: "), 1);
    TestRemoveLogs(log_path);
    TestRemoveLogs(sibling);
}

/*
 * --log NUL, a script's "no log": a device has no .listener sibling, so the
 * listener logs to NUL too, does its units, is never relaunched, and --stop
 * ends both with exit 0.
 */
TEST_IMPL(unattended_log_device)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *controller;
    DWORD code = 1;

    TestUniqueName(L"lognul", name, TEST_TEXT_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--log", L"NUL", L"--",
                                     L"--work-ms", L"100", (const wchar_t *)NULL);
    (void)TestWaitListener(controller, name, 0);
    ASSERT(TestWaitUnitsAtLeast(name, 5, 10000));
    ASSERT_CONTAINS(TestOutputText(controller), L"listener log: \\\\.\\NUL");
    TestStopController(name, controller);
    ASSERT(TestWaitExit(controller, 1000, &code));
    ASSERT_EQ_INT(code, IPC_EXIT_OK);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    ASSERT_EQ_INT(TestCountOutput(controller, L"exited with code"), 0);
}

/*
 * A listener that cannot start (its --journal folder does not exist): the
 * controller names what its exit code means, and the listener's error line,
 * with the call that failed, is in the controller's log.
 */
TEST_IMPL(unattended_log_listener_reason)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t log_path[TEST_PATH_CAP];
    wchar_t sibling[TEST_PATH_CAP];
    wchar_t journal[TEST_PATH_CAP];
    wchar_t *log;
    TestProc *controller;

    TestUniqueName(L"logreason", name, TEST_TEXT_CAP);
    TestLogPaths(name, log_path, sibling, TEST_PATH_CAP);
    TestRemoveLogs(log_path);
    TestTempFile(name, L".no-such-folder\\journal.txt", journal, TEST_PATH_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--log", log_path,
                                     L"--restart-delay", L"100", L"--", L"--journal", journal, (const wchar_t *)NULL);
    ASSERT_OUTPUT(controller, L"exited with code 1 (a Windows call failed", 10000);
    TestWaitInFile(log_path, L"): Error: cannot open the journal", 1, 5000);
    log = TestReadText(log_path);
    ASSERT_CONTAINS(log, L"CreateFileW failed with error 3");
    ASSERT_CONTAINS(log, L"journal.txt");
    free(log);
    TestStopController(name, controller);
    TestRemoveLogs(log_path);
    TestRemoveLogs(sibling);
}
