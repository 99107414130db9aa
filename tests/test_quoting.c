/*
 * test_quoting.c - the listener's arguments on their way through the controller:
 * every argument reaches the listener exactly as given, however it must be
 * quoted, and a long launch line is printed whole.
 *
 * The listener here is ipc_tests.exe with IPC_TEST_HELPER=echo-args
 * (harness/helpers.c): it records its argv in a file and then acts as the
 * C# sample's listener.
 */
#include "harness/harness.h"

#include <stdio.h>
#include <stdlib.h>

/* The long argument of the quoting test, in characters. */
#define LONG_ARG_CHARS 2000u

/* The file the echo-args helper writes, in the temp folder, unique to this test process. */
static void EchoFilePath(wchar_t *out, size_t cap)
{
    wchar_t dir[TEST_PATH_CAP];
    DWORD n = GetTempPathW(TEST_PATH_CAP, dir);

    ASSERT(n > 0 && n < TEST_PATH_CAP);
    swprintf(out, cap, L"%lsipc_echo_args_%lu.bin", dir, (unsigned long)GetCurrentProcessId());
}

/* Reads the echo file once it is there: its UTF-16 contents (NUL-separated) in *out (malloc'd), length in *chars. */
static BOOL ReadEchoFile(const wchar_t *path, wchar_t **out, size_t *chars)
{
    HANDLE file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                              FILE_ATTRIBUTE_NORMAL, NULL);
    LARGE_INTEGER size;
    wchar_t *buf = NULL;
    DWORD got = 0;
    BOOL ok = FALSE;

    if (file == INVALID_HANDLE_VALUE) {
        file = NULL;
        goto cleanup;
    }
    if (!GetFileSizeEx(file, &size) || size.QuadPart > 1024 * 1024 || size.QuadPart % sizeof(wchar_t) != 0) {
        goto cleanup;
    }
    buf = (wchar_t *)malloc((size_t)size.QuadPart + sizeof(wchar_t));
    if (buf == NULL || !ReadFile(file, buf, (DWORD)size.QuadPart, &got, NULL) || got != (DWORD)size.QuadPart) {
        goto cleanup;
    }
    *chars = (size_t)size.QuadPart / sizeof(wchar_t);
    *out = buf;
    buf = NULL;
    ok = TRUE;

cleanup:
    free(buf);
    if (file != NULL) {
        CloseHandle(file);
    }
    return ok;
}

/*
 * Starts NAME's controller with ipc_tests.exe (echo-args) as its listener and
 * args after "--" (a command line of our own, longer than the harness's
 * shortcuts allow), with the echo file at echo_path.
 */
static TestProc *SpawnEchoController(const wchar_t *name, const wchar_t *const *args, size_t count,
                                     const wchar_t *echo_path)
{
    wchar_t self[TEST_PATH_CAP];
    wchar_t controller_exe[TEST_PATH_CAP];
    wchar_t *cmd = (wchar_t *)malloc(TEST_CMD_CAP * sizeof(wchar_t));
    TestProc *controller;
    size_t i;

    ASSERT(cmd != NULL);
    TestSelfPath(self, TEST_PATH_CAP);
    TestBinPath(TEST_CONTROLLER_EXE, controller_exe, TEST_PATH_CAP);
    DeleteFileW(echo_path);
    TestSetEnv(TEST_ENV_HELPER, TEST_HELPER_ECHO);
    TestSetEnv(TEST_ENV_ECHO_FILE, echo_path);
    TestSetEnv(TEST_ENV_SAMPLE_WORK_MS, L"200");

    cmd[0] = L'\0';
    TestAppendArg(cmd, TEST_CMD_CAP, controller_exe);
    TestAppendArg(cmd, TEST_CMD_CAP, name);
    TestAppendArg(cmd, TEST_CMD_CAP, L"--listener");
    TestAppendArg(cmd, TEST_CMD_CAP, self);
    TestAppendArg(cmd, TEST_CMD_CAP, L"--console");
    TestAppendArg(cmd, TEST_CMD_CAP, L"none");
    TestAppendArg(cmd, TEST_CMD_CAP, L"--");
    for (i = 0; i < count; i++) {
        TestAppendArg(cmd, TEST_CMD_CAP, args[i]);
    }
    controller = TestSpawnEx(cmd, TEST_SPAWN_DEFAULT);
    free(cmd);
    return controller;
}

/* Stops NAME (its listener is the controller's child) and requires a clean end of both. */
static void StopEchoController(const wchar_t *name, TestProc *controller)
{
    DWORD pid = TestWaitPublished(name, 0, 10000);

    ASSERT_MSG(pid != 0, L"the echo-args listener published no pid in %ls", name);
    ASSERT_EQ_INT(TestParentPid(pid), TestPid(controller));
    ASSERT_EQ_INT(TestStop(name, 15000, 20000, NULL), 0);
    ASSERT_EXIT(controller, 0, 10000);
}

/* LONG_ARG_CHARS (2000) characters of quotes, backslashes, spaces and tabs, ending on two backslashes (malloc'd). */
static wchar_t *MakeLongArg(void)
{
    static const wchar_t pattern[] = L"ab \"c\\d\\\" e\tf\\\\";
    wchar_t *arg = (wchar_t *)malloc((LONG_ARG_CHARS + 1) * sizeof(wchar_t));
    size_t i;

    ASSERT(arg != NULL);
    for (i = 0; i < LONG_ARG_CHARS; i++) {
        arg[i] = pattern[i % (ARRAYSIZE(pattern) - 1)];
    }
    arg[LONG_ARG_CHARS - 2] = L'\\';
    arg[LONG_ARG_CHARS - 1] = L'\\';
    arg[LONG_ARG_CHARS] = L'\0';
    return arg;
}

/*
 * Arguments after "--" that need quoting reach the listener exactly as given
 * to the controller: what its wmain received (argv after NAME) is compared
 * with what we passed. The controller's own output is not looked at here.
 */
TEST_IMPL(security_listener_args_quoting)
{
    /* A surrogate pair (U+1F600) spelled as UTF-16 units, which every compiler takes the same way. */
    static const wchar_t surrogate[] = { L'e', L'm', L'o', L'j', L'i', L' ', 0xD83D, 0xDE00, 0 };
    static const wchar_t *const fixed[] = {
        L"two words",
        L"tab\there",
        L"  leading and trailing spaces  ",
        L"embedded \"quotes\" inside",
        L"\"",
        L"\"\"",
        L"trailing backslash\\",
        L"trailing backslashes \\\\",
        L"C:\\Program Files\\dir\\",
        L"backslash before quote \\\"x",
        L"three backslashes then quote \\\\\\\"",
        L"\\\\server\\share\\",
        L"\\",
        L"",
        L"--",
        L"--stop",
        L"-- --work-ms 1",
        L"\u00DCberwachung \u65E5\u672C \u2713",
        L"%PATH% ^& | < > !x!",
        L"new\nline",
    };
    size_t fixed_count = ARRAYSIZE(fixed);
    const wchar_t *args[ARRAYSIZE(fixed) + 2];
    wchar_t *long_arg = MakeLongArg();
    wchar_t *echo = NULL;
    wchar_t name[TEST_TEXT_CAP];
    wchar_t echo_path[TEST_PATH_CAP];
    size_t arg_count = 0;
    size_t echo_chars = 0;
    size_t i;
    size_t pos;
    size_t len;
    TestProc *controller;
    ULONGLONG deadline;

    for (i = 0; i < fixed_count; i++) {
        args[arg_count++] = fixed[i];
    }
    args[arg_count++] = surrogate;
    args[arg_count++] = long_arg;

    TestUniqueName(L"quoting", name, TEST_TEXT_CAP);
    EchoFilePath(echo_path, TEST_PATH_CAP);
    controller = SpawnEchoController(name, args, arg_count, echo_path);
    deadline = TestNowMs() + 10000;
    while (!ReadEchoFile(echo_path, &echo, &echo_chars)) {
        ASSERT_MSG(TestNowMs() < deadline, L"the listener wrote no %ls:\n%ls", echo_path, TestOutputText(controller));
        Sleep(50);
    }

    /* NAME first, then every argument, each ended by a NUL, and nothing more. */
    pos = 0;
    for (i = 0; i <= arg_count; i++) {
        const wchar_t *want = i == 0 ? name : args[i - 1];
        ASSERT_MSG(pos < echo_chars, L"the listener received %lu arguments after NAME, %lu were passed",
                   (unsigned long)(i == 0 ? 0 : i - 1), (unsigned long)arg_count);
        len = wcslen(echo + pos);
        ASSERT_MSG(pos + len < echo_chars, L"argument %lu is not terminated", (unsigned long)i);
        ASSERT_MSG(wcscmp(echo + pos, want) == 0,
                   L"argument %lu differs:\n  got  [%ls] (%lu characters)\n  want [%ls] (%lu characters)",
                   (unsigned long)i, echo + pos, (unsigned long)len, want, (unsigned long)wcslen(want));
        pos += len + 1;
    }
    ASSERT_MSG(pos == echo_chars, L"the listener received more arguments than the %lu passed",
               (unsigned long)arg_count);

    StopEchoController(name, controller);
    DeleteFileW(echo_path);
    free(echo);
    free(long_arg);
}

/*
 * A long listener command line (the 2000-character argument) makes a long
 * "Launching executable" line: the controller's output must stay intact text,
 * the line complete (or cut short) and followed by "Process launched".
 */
TEST_IMPL(security_long_launch_line)
{
    wchar_t *long_arg = MakeLongArg();
    wchar_t *want = (wchar_t *)malloc(TEST_CMD_CAP * sizeof(wchar_t));
    wchar_t *got = (wchar_t *)malloc(TEST_CMD_CAP * sizeof(wchar_t));
    wchar_t name[TEST_TEXT_CAP];
    wchar_t self[TEST_PATH_CAP];
    wchar_t echo_path[TEST_PATH_CAP];
    const wchar_t *args[1];
    TestProc *controller;
    size_t got_len;
    size_t prefix = wcslen(TEXT_LAUNCHING);
    size_t self_len;
    wchar_t *echo = NULL;
    size_t echo_chars = 0;
    ULONGLONG deadline;

    ASSERT(want != NULL && got != NULL);
    TestUniqueName(L"longline", name, TEST_TEXT_CAP);
    TestSelfPath(self, TEST_PATH_CAP);
    self_len = wcslen(self);
    EchoFilePath(echo_path, TEST_PATH_CAP);
    args[0] = long_arg;
    controller = SpawnEchoController(name, args, 1, echo_path);
    /* The C# sample's line: the program, then its arguments quoted as on the command line, then a space. */
    got[0] = L'\0';
    TestAppendArg(got, TEST_CMD_CAP, name);
    TestAppendArg(got, TEST_CMD_CAP, long_arg);
    swprintf(want, TEST_CMD_CAP, L"%ls%ls %ls ", TEXT_LAUNCHING, self, got);

    /* The listener records its argv once it runs: by then the controller has printed its launch lines. */
    deadline = TestNowMs() + 10000;
    while (!ReadEchoFile(echo_path, &echo, &echo_chars)) {
        ASSERT_MSG(TestNowMs() < deadline, L"the listener wrote no %ls:\n%ls", echo_path, TestOutputText(controller));
        Sleep(50);
    }
    ASSERT_MSG(TestWaitOutput(controller, TEXT_LAUNCHED, 3000),
               L"no \"%ls\" after a %lu-character launch line; the output (cut at its first NUL, if any) is:\n%ls",
               TEXT_LAUNCHED, (unsigned long)wcslen(want), TestOutputText(controller));
    ASSERT_MSG(TestOutputLine(controller, TEXT_LAUNCHING, got, TEST_CMD_CAP), L"the launch line did not end");
    got_len = wcslen(got);
    /* Whole, or cut short at a line-length limit; never other characters. The path's case is the file system's. */
    ASSERT_MSG(got_len > prefix + self_len && got_len <= wcslen(want) && wcsncmp(got, want, prefix) == 0 &&
                   _wcsnicmp(got + prefix, want + prefix, self_len) == 0 &&
                   wcsncmp(got + prefix + self_len, want + prefix + self_len, got_len - prefix - self_len) == 0,
               L"the launch line is not the command line (%lu characters):\n  got  \"%ls\"\n  want \"%ls\"",
               (unsigned long)got_len, got, want);
    StopEchoController(name, controller);
    DeleteFileW(echo_path);
    free(echo);
    free(got);
    free(want);
    free(long_arg);
}
