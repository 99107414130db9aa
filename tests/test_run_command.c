/*
 * test_run_command.c - --run: a command as the listener's unit of work, its exit
 * codes, its output in the log, a stop that waits for it, and a kill that
 * takes it (and what it started in the background) along.
 */
#include "harness/harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* TRUE when a stamped line of log holds exactly content after its stamp. */
static BOOL LogHasLine(const wchar_t *log, const wchar_t *content)
{
    const wchar_t *cursor = log;
    const wchar_t *line;
    size_t len;
    size_t want = wcslen(content);

    while (TestNextLine(&cursor, &line, &len)) {
        if (TestHasStamp(line, len) && len - TEST_STAMP_LEN == want &&
            wcsncmp(line + TEST_STAMP_LEN, content, want) == 0) {
            return TRUE;
        }
    }
    return FALSE;
}

/* A listener for NAME running command as its unit. */
static TestProc *StartRunListener(const wchar_t *name, const wchar_t *command)
{
    wchar_t exe[TEST_PATH_CAP];
    wchar_t cmd[TEST_CMD_CAP];

    TestBinPath(TEST_LISTENER_EXE, exe, TEST_PATH_CAP);
    TestCommandLine(cmd, TEST_CMD_CAP, exe, name, L"--run", command, (const wchar_t *)NULL);
    return TestSpawn(cmd);
}

/* "Command exited with code CODE after N ms", twice; N parsed; then a graceful stop. */
static void ExpectCommandCode(const wchar_t *tag, const wchar_t *command, unsigned long code)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t text[TEST_TEXT_CAP];
    wchar_t line[TEST_TEXT_CAP];
    wchar_t *end = NULL;
    const wchar_t *p;
    TestProc *listener;
    unsigned long ms;

    TestUniqueName(tag, name, TEST_TEXT_CAP);
    listener = StartRunListener(name, command);
    swprintf(text, TEST_TEXT_CAP, L"Command exited with code %lu after ", code);
    ASSERT_MSG(TestWaitOutputCount(listener, text, 2, 20000), L"\"%ls\" did not appear twice:\n%ls", text,
               TestOutputText(listener));
    ASSERT(TestOutputLine(listener, text, line, TEST_TEXT_CAP));
    p = wcsstr(line, text) + wcslen(text);
    ms = wcstoul(p, &end, 10);
    ASSERT_MSG(end != p && wcscmp(end, L" ms") == 0, L"no duration in \"%ls\"", line);
    ASSERT_LE_INT(ms, 20000);
    swprintf(text, TEST_TEXT_CAP, L"Running: %ls", command);
    ASSERT_CONTAINS(TestOutputText(listener), text);
    ASSERT_EQ_INT(TestStop(name, 15000, 20000, NULL), 0);
    ASSERT_EXIT(listener, 0, 10000);
}

TEST_IMPL(unattended_run_exit_codes)
{
    ExpectCommandCode(L"runcode3", L"cmd /c exit 3", 3);
    ExpectCommandCode(L"runcode0", L"cmd /c exit 0", 0);
}

/* --stop during a long command: the stop waits for it, then the listener exits 0 without another one. */
TEST_IMPL(unattended_run_stop_waits_for_command)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t self[TEST_PATH_CAP];
    wchar_t command[TEST_CMD_CAP];
    TestProc *listener;
    TestProc *stopper = NULL;
    ULONGLONG started;
    DWORD code;
    const wchar_t *out;
    const wchar_t *received;

    TestUniqueName(L"runstop", name, TEST_TEXT_CAP);
    TestSelfPath(self, TEST_PATH_CAP);
    TestCommandLine(command, TEST_CMD_CAP, self, L"--helper", L"sleeper", L"2500", (const wchar_t *)NULL);
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
TEST_IMPL(unattended_run_output_logged)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t log_path[TEST_PATH_CAP];
    wchar_t sibling[TEST_PATH_CAP];
    wchar_t marker[TEST_TEXT_CAP];
    wchar_t command[TEST_TEXT_CAP];
    wchar_t *text;
    TestProc *controller;

    TestUniqueName(L"runlog", name, TEST_TEXT_CAP);
    TestLogPaths(name, log_path, sibling, TEST_PATH_CAP);
    swprintf(marker, TEST_TEXT_CAP, L"echoed-by-%ls", name);
    swprintf(command, TEST_TEXT_CAP, L"cmd /c echo %ls", marker);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--log", log_path, L"--",
                                     L"--run", command, (const wchar_t *)NULL);
    (void)TestWaitListener(controller, name, 0);
    TestWaitInFile(sibling, marker, 3, 15000); /* "Running: cmd /c echo X", then X itself */
    TestWaitInFile(sibling, L"Command exited with code 0 after ", 1, 10000);
    TestStopController(name, controller);
    text = TestReadText(sibling);
    TestAssertStamped(text, sibling);
    /* The command's own line, not only the "Running:" line that names it. */
    ASSERT_MSG(LogHasLine(text, marker), L"no line \"%ls\" in %ls:\n%ls", marker, sibling, text);
    free(text);
    TestRemoveLogs(log_path);
    TestRemoveLogs(sibling);
}

/*
 * A command that writes in the OEM code page (as console programs write to a
 * pipe: the code page of their console) reaches the log as the text it wrote,
 * decoded in the OEM code page, not in the ANSI one (the text is chosen so
 * that the two differ, and its OEM bytes are not UTF-8).
 */
TEST_IMPL(unattended_run_output_oem)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t log_path[TEST_PATH_CAP];
    wchar_t sibling[TEST_PATH_CAP];
    wchar_t self[TEST_PATH_CAP];
    wchar_t marker[TEST_TEXT_CAP];
    wchar_t as_ansi[TEST_TEXT_CAP];
    wchar_t command[TEST_CMD_CAP];
    wchar_t exe[TEST_PATH_CAP];
    wchar_t cmd[TEST_CMD_CAP];
    char bytes[TEST_TEXT_CAP * 2];
    wchar_t *text;
    TestProc *listener;
    int n;

    TestUniqueName(L"runoem", name, TEST_TEXT_CAP);
    swprintf(marker, TEST_TEXT_CAP, L"caf\x00e9-\x00e0-\x00fc-%ls", name);
    n = WideCharToMultiByte(CP_OEMCP, 0, marker, -1, bytes, (int)sizeof(bytes), NULL, NULL);
    ASSERT(n > 0);
    ASSERT(MultiByteToWideChar(CP_ACP, 0, bytes, -1, as_ansi, TEST_TEXT_CAP) > 0);
    if (wcscmp(as_ansi, marker) == 0 || MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, bytes, -1, NULL, 0) > 0) {
        TestPrint(L"SKIP: the OEM code page %u reads the same as the ANSI one %u or as UTF-8\n", GetOEMCP(), GetACP());
        return;
    }
    TestLogPaths(name, log_path, sibling, TEST_PATH_CAP);
    TestSelfPath(self, TEST_PATH_CAP);
    TestCommandLine(command, TEST_CMD_CAP, self, L"--helper", L"oem-text", marker, (const wchar_t *)NULL);
    TestBinPath(TEST_LISTENER_EXE, exe, TEST_PATH_CAP);
    TestCommandLine(cmd, TEST_CMD_CAP, exe, name, L"--run", command, L"--log", log_path, (const wchar_t *)NULL);
    listener = TestSpawn(cmd);
    TestWaitInFile(log_path, L"Command exited with code 0 after ", 1, 15000);
    ASSERT_EQ_INT(TestStop(name, 15000, 20000, NULL), 0);
    ASSERT_EXIT(listener, 0, 10000);
    text = TestReadText(log_path);
    ASSERT_MSG(LogHasLine(text, marker), L"no line \"%ls\" (OEM code page %u) in %ls:\n%ls", marker, GetOEMCP(),
               log_path, text);
    free(text);
    TestRemoveLogs(log_path);
    TestRemoveLogs(sibling);
}

/*
 * With a log, a --run unit ends when its command does, not when the last
 * process holding the command's output pipe does: a command that leaves a
 * background process behind (cmd /c start /b server.exe) made the unit last
 * as long as that process (found in review).
 */
TEST_IMPL(unattended_run_background_child_logged)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t log_path[TEST_PATH_CAP];
    wchar_t sibling[TEST_PATH_CAP];
    wchar_t self[TEST_PATH_CAP];
    wchar_t command[TEST_CMD_CAP];
    wchar_t *text;
    const wchar_t *p;
    wchar_t *end = NULL;
    unsigned long ms;
    TestProc *controller;

    TestUniqueName(L"runbg", name, TEST_TEXT_CAP);
    TestLogPaths(name, log_path, sibling, TEST_PATH_CAP);
    TestSelfPath(self, TEST_PATH_CAP);
    TestCommandLine(command, TEST_CMD_CAP, self, L"--helper", L"spawner", L"10000", (const wchar_t *)NULL);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--log", log_path, L"--",
                                     L"--run", command, (const wchar_t *)NULL);
    (void)TestWaitListener(controller, name, 0);
    TestWaitInFile(sibling, L"spawner left a background process", 1, 15000);
    TestWaitInFile(sibling, L"Command exited with code 0 after ", 1, 8000);
    text = TestReadText(sibling);
    p = wcsstr(text, L"Command exited with code 0 after ");
    ASSERT(p != NULL);
    p += wcslen(L"Command exited with code 0 after ");
    ms = wcstoul(p, &end, 10);
    ASSERT_MSG(end != p, L"no duration after \"Command exited\" in %ls:\n%ls", sibling, text);
    ASSERT_MSG(ms < 5000, L"the unit lasted %lu ms: it waited for the background process (10 s), not the command",
               ms);
    free(text);
    TestStopController(name, controller);
    TestRemoveLogs(log_path);
    TestRemoveLogs(sibling);
}

/* Killing the listener kills the command it runs (the job object). */
TEST_IMPL(unattended_run_kill_takes_command)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t self[TEST_PATH_CAP];
    wchar_t pid_file[TEST_PATH_CAP];
    wchar_t command[TEST_CMD_CAP];
    TestProc *listener;
    ULONGLONG deadline;
    DWORD sleeper = 0;
    DWORD code = 0;
    DWORD error = ERROR_SUCCESS;
    unsigned char *bytes;
    size_t len = 0;

    TestUniqueName(L"runkill", name, TEST_TEXT_CAP);
    TestSelfPath(self, TEST_PATH_CAP);
    TestTempFile(name, L".pid", pid_file, TEST_PATH_CAP);
    TestCommandLine(command, TEST_CMD_CAP, self, L"--helper", L"sleeper", L"60000", pid_file, (const wchar_t *)NULL);
    listener = StartRunListener(name, command);
    deadline = TestNowMs() + 15000;
    while (sleeper == 0) {
        bytes = TestReadAll(pid_file, &len, &error);
        if (bytes != NULL) {
            sleeper = (DWORD)strtoul((const char *)bytes, NULL, 10);
            free(bytes);
        }
        ASSERT_MSG(sleeper != 0 || TestNowMs() < deadline, L"the command did not start within 15 s:\n%ls",
                   TestOutputText(listener));
        if (sleeper == 0) {
            Sleep(TEST_FILE_POLL_MS);
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

/* A listener for a new name (into name) running a command that succeeds at once, with --work-ms work_ms. */
static TestProc *StartPacedListener(const wchar_t *tag, const wchar_t *work_ms, wchar_t *name)
{
    wchar_t exe[TEST_PATH_CAP];
    wchar_t cmd[TEST_CMD_CAP];

    TestUniqueName(tag, name, TEST_TEXT_CAP);
    TestBinPath(TEST_LISTENER_EXE, exe, TEST_PATH_CAP);
    TestCommandLine(cmd, TEST_CMD_CAP, exe, name, L"--run", L"cmd /c exit 0", L"--work-ms", work_ms,
                    (const wchar_t *)NULL);
    return TestSpawn(cmd);
}

/*
 * A command that fails at once is not run back to back: the pauses after it
 * grow as the controller's back-off does (0.5 s, 1 s, 2 s, ...), each said,
 * so within 4 s it runs a handful of times (it ran 56 times before).
 */
TEST_IMPL(unattended_run_failing_command_backs_off)
{
    wchar_t name[TEST_TEXT_CAP];
    const wchar_t *out;
    const wchar_t *p500;
    const wchar_t *p1000;
    const wchar_t *p2000;
    TestProc *listener;
    size_t runs;

    TestUniqueName(L"runfail", name, TEST_TEXT_CAP);
    listener = StartRunListener(name, L"cmd /c exit 1");
    ASSERT_OUTPUT(listener, L"Running: ", 15000);
    Sleep(4000);
    runs = TestCountOutput(listener, L"Running: ");
    out = TestOutputText(listener);
    ASSERT_MSG(runs >= 2 && runs <= 5, L"%lu runs in 4 s of a failing command, not 2 to 5:\n%ls", (unsigned long)runs,
               out);
    p500 = wcsstr(out, L"Command failed; next command in 500 ms (back-off");
    p1000 = wcsstr(out, L"Command failed; next command in 1000 ms (back-off");
    p2000 = wcsstr(out, L"Command failed; next command in 2000 ms (back-off");
    ASSERT_MSG(p500 != NULL && p1000 != NULL && p500 < p1000 && (runs < 3 || (p2000 != NULL && p1000 < p2000)),
               L"no growing pauses (500, 1000, 2000 ms) after the failing command:\n%ls", out);
    ASSERT_EQ_INT(TestStop(name, 15000, 20000, NULL), 0);
    ASSERT_EXIT(listener, 0, 10000);
}

/* --work-ms 500 with --run: a fast command starts about twice a second, not back to back. */
TEST_IMPL(unattended_run_work_ms_paces)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *listener;
    size_t first;
    size_t runs;

    listener = StartPacedListener(L"runpace", L"500", name);
    ASSERT_OUTPUT(listener, L"Command exited with code 0 after ", 15000);
    first = TestCountOutput(listener, L"Running: ");
    Sleep(3000);
    runs = TestCountOutput(listener, L"Running: ") - first;
    /* 6 starts in 3 s at one per 500 ms; 3 to 7 allows for a loaded machine and the window's edges. */
    ASSERT_MSG(runs >= 3 && runs <= 7, L"%lu commands started in 3 s with --work-ms 500, not about 6:\n%ls",
               (unsigned long)runs, TestOutputText(listener));
    ASSERT_CONTAINS(TestOutputText(listener), L" ms (--work-ms 500 from the start of the last one)");
    ASSERT_EQ_INT(TestStop(name, 15000, 20000, NULL), 0);
    ASSERT_EXIT(listener, 0, 10000);
}

/*
 * A command that cannot start is no unit of work: the header's units stay 0,
 * the journal says "not-started" (no start, no end), and it is tried again
 * after the back-off, not at once.
 */
TEST_IMPL(unattended_run_cannot_start_is_no_unit)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t journal[TEST_PATH_CAP];
    wchar_t exe[TEST_PATH_CAP];
    wchar_t cmd[TEST_CMD_CAP];
    TestProc *listener;
    unsigned char *bytes;
    size_t len = 0;
    DWORD error = ERROR_SUCCESS;
    char *text;
    size_t runs;

    TestUniqueName(L"runnostart", name, TEST_TEXT_CAP);
    TestTempFile(name, L".journal", journal, TEST_PATH_CAP);
    TestBinPath(TEST_LISTENER_EXE, exe, TEST_PATH_CAP);
    TestCommandLine(cmd, TEST_CMD_CAP, exe, name, L"--run", L"no-such-program-for-run.exe", L"--journal", journal,
                    L"--work-ms", L"0", (const wchar_t *)NULL);
    listener = TestSpawn(cmd);
    ASSERT_OUTPUT(listener, L"CreateProcessW", 15000);
    /* Long enough for a unit to have been counted after a failed start. */
    Sleep(1500);
    ASSERT_EQ_INT(TestHeaderU64(name, OFF_UNITS), 0);
    ASSERT_OUTPUT(listener, L"Command could not start; next command in 500 ms (back-off", 1000);
    ASSERT_OUTPUT(listener, L"Command could not start; next command in 1000 ms (back-off", 5000);
    runs = TestCountOutput(listener, L"Running: ");
    ASSERT_MSG(runs <= 3, L"%lu tries within about 2 s of a command that cannot start:\n%ls", (unsigned long)runs,
               TestOutputText(listener));
    ASSERT_EQ_INT(TestHeaderU64(name, OFF_UNITS), 0);
    ASSERT_EQ_INT(TestStop(name, 15000, 20000, NULL), 0);
    ASSERT_EXIT(listener, 0, 10000);
    bytes = TestReadAll(journal, &len, &error);
    ASSERT_MSG(bytes != NULL, L"cannot read the journal %ls (error %lu)", journal, (unsigned long)error);
    text = (char *)malloc(len + 1);
    ASSERT(text != NULL);
    memcpy(text, bytes, len);
    text[len] = '\0';
    free(bytes);
    ASSERT_MSG(strstr(text, " unit=1 not-started") != NULL && strstr(text, " start tick=") == NULL &&
                   strstr(text, " end tick=") == NULL,
               L"the journal does not say that no unit started:\n%hs", text);
    free(text);
    (void)DeleteFileW(journal);
}

/* A stop during the pause between commands ends the listener at once, not after the pause. */
TEST_IMPL(unattended_run_stop_during_pause)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *listener;
    ULONGLONG started;
    DWORD code;

    listener = StartPacedListener(L"runpause", L"60000", name);
    ASSERT_OUTPUT(listener, L" ms (--work-ms 60000 from the start of the last one)", 15000);
    started = TestNowMs();
    code = TestStop(name, 15000, 20000, NULL);
    ASSERT_EQ_INT(code, 0);
    ASSERT_EXIT(listener, 0, 5000);
    /* The pause had about 60 s to go; --stop itself takes a moment to start under load. */
    ASSERT_MSG(TestNowMs() - started < 10000, L"the stop took %lu ms: it waited for the pause",
               (unsigned long)(TestNowMs() - started));
    ASSERT_EQ_INT(TestCountOutput(listener, L"Running: "), 1);
}
