/*
 * test_names.c - instance names that are accepted: the longest one, Local\ and
 * Global\ prefixes, a name outside ASCII, and names that look like another
 * instance's companion objects, end to end.
 */
#include "harness/harness.h"

#include <stdio.h>

/* The longest instance name README.md allows. */
#define NAME_MAX_CHARS 239u

/* The longest name (239 characters) and a Local\ prefix are accepted. */
TEST_IMPL(listener_name_limits)
{
    wchar_t base[TEST_TEXT_CAP];
    wchar_t prefix[TEST_TEXT_CAP];
    wchar_t long_name[TEST_TEXT_CAP];
    wchar_t local_name[TEST_TEXT_CAP];
    TestProc *listener;

    TestUniqueName(L"limits", base, TEST_TEXT_CAP);
    swprintf(prefix, TEST_TEXT_CAP, L"%ls-", base);
    TestPadName(long_name, TEST_TEXT_CAP, prefix, 239, L'y');
    listener = TestStartListener(long_name, 200);
    TestStopGracefully(listener, long_name);

    swprintf(local_name, TEST_TEXT_CAP, L"Local\\%ls", base);
    listener = TestStartListener(local_name, 200);
    TestStopGracefully(listener, local_name);
}

/* The controller with its listener, end to end, under NAME; stopped by --stop NAME. Returns the listener's pid. */
static DWORD RunEndToEnd(const wchar_t *name, TestProc **out)
{
    wchar_t listener_exe[TEST_PATH_CAP];
    wchar_t args[TEST_TEXT_CAP];
    TestProc *controller;
    DWORD pid;

    TestBinPath(TEST_LISTENER_EXE, listener_exe, TEST_PATH_CAP);
    controller = TestStartController(name, L"shared", L"200", TEST_SPAWN_DEFAULT);
    swprintf(args, TEST_TEXT_CAP, L"%ls --work-ms 200", name);
    /* The launch line is UTF-8 on our pipe: the name must come back exactly. */
    TEST_ASSERT_LAUNCH_LINE(controller, listener_exe, args, 10000);
    ASSERT_OUTPUT(controller, TEXT_LAUNCHED, 5000);
    /* OpenFileMappingW with exactly this name finds the listener's pid. */
    pid = TestWaitPublished(name, 0, 10000);
    ASSERT_MSG(pid != 0, L"no pid published in the mapping '%ls':\n%ls", name, TestOutputText(controller));
    ASSERT_EQ_INT(TestParentPid(pid), TestPid(controller));
    ASSERT_OUTPUT(controller, TEXT_PROCESSING, 5000);
    *out = controller;
    return pid;
}

static void StopEndToEnd(const wchar_t *name, TestProc *controller, DWORD pid)
{
    HANDLE listener = TestPidHandle(pid);
    DWORD code = 0;

    ASSERT(listener != NULL);
    ASSERT_EQ_INT(TestStop(name, 15000, 20000, NULL), 0);
    ASSERT(WaitForSingleObject(listener, 5000) == WAIT_OBJECT_0);
    ASSERT(GetExitCodeProcess(listener, &code));
    CloseHandle(listener);
    ASSERT_EQ_INT(code, 0);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
}

/* A name of exactly 239 characters (the limit) works end to end. */
TEST_IMPL(security_name_239)
{
    wchar_t prefix[TEST_TEXT_CAP];
    wchar_t name[TEST_TEXT_CAP];
    TestProc *controller = NULL;
    DWORD pid;

    TestUniqueName(L"n239", prefix, TEST_TEXT_CAP);
    TestPadName(name, TEST_TEXT_CAP, prefix, NAME_MAX_CHARS, L'z');
    ASSERT_EQ_INT(wcslen(name), NAME_MAX_CHARS);
    pid = RunEndToEnd(name, &controller);
    StopEndToEnd(name, controller, pid);
}

/*
 * A non-ASCII name works end to end: the mapping has exactly that name (not a
 * code-page mangled one), and the controller's UTF-8 output spells it right.
 */
TEST_IMPL(security_unicode_name)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t expected[TEST_TEXT_CAP];
    wchar_t mangled[TEST_TEXT_CAP];
    char narrow[TEST_TEXT_CAP * 4];
    TestProc *controller = NULL;
    DWORD pid;
    unsigned char bytes[HEADER_SIZE];
    int n;

    /* "Überwachung-日本" */
    swprintf(name, TEST_TEXT_CAP, L"\u00DCberwachung-\u65E5\u672C-%lu", (unsigned long)GetCurrentProcessId());
    pid = RunEndToEnd(name, &controller);
    ASSERT(TestReadBytes(name, bytes, sizeof(bytes)));
    ASSERT_EQ_INT(TestReadU32(bytes + OFF_LISTENER_PID), pid);
    swprintf(expected, TEST_TEXT_CAP, L"--stop %ls", name);
    ASSERT_OUTPUT(controller, expected, 5000);
    /* What a program that went through the ANSI code page would have used instead. */
    n = WideCharToMultiByte(CP_ACP, 0, name, -1, narrow, (int)sizeof(narrow), NULL, NULL);
    if (n > 0 && MultiByteToWideChar(CP_ACP, 0, narrow, -1, mangled, TEST_TEXT_CAP) > 0 && wcscmp(mangled, name) != 0) {
        ASSERT_MSG(!TestMappingExists(mangled), L"a mapping with the mangled name %ls exists", mangled);
    }
    StopEndToEnd(name, controller, pid);
}

/* A controller for Global\X is found by --status X and stopped by --stop X; Local\Y works as a name too. */
TEST_IMPL(unattended_global_and_local_names)
{
    wchar_t plain[TEST_TEXT_CAP];
    wchar_t global[TEST_TEXT_CAP];
    wchar_t local[TEST_TEXT_CAP];
    wchar_t text[TEST_TEXT_CAP];
    TestProc *controller;
    TestProc *status;
    TestProc *stopper = NULL;
    DWORD code;
    DWORD pid;

    TestUniqueName(L"global", plain, TEST_TEXT_CAP);
    swprintf(global, TEST_TEXT_CAP, L"Global\\%ls", plain);
    controller = TestStartController(global, L"none", L"300", TEST_SPAWN_DEFAULT);
    /* On Windows, creating a Global\ object needs SeCreateGlobalPrivilege (administrators, services). */
    if (!TestWaitOutput(controller, TEXT_LAUNCHED, 10000) && !TestIsRunning(controller) &&
        (wcsstr(TestOutputText(controller), L"denied") != NULL ||
         wcsstr(TestOutputText(controller), L"privilege") != NULL)) {
        TestPrint(L"SKIP: this user may not create Global\\ objects:\n%ls\n", TestOutputText(controller));
        return;
    }
    pid = TestWaitListener(controller, global, 0);
    ASSERT(!TestMappingExists(plain));
    status = TestExpectStatus(plain, 0);
    swprintf(text, TEST_TEXT_CAP, L"found '%ls' in the global namespace", global);
    ASSERT_CONTAINS(TestOutputText(status), text);
    swprintf(text, TEST_TEXT_CAP, L"Listener:   pid %lu, running", (unsigned long)pid);
    ASSERT_CONTAINS(TestOutputText(status), text);
    code = TestStop(plain, 15000, 20000, &stopper);
    ASSERT_MSG(code == 0, L"--stop %ls exited with %lu:\n%ls", plain, (unsigned long)code, TestOutputText(stopper));
    ASSERT_CONTAINS(TestOutputText(stopper), L"global namespace");
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT(!TestPidAlive(pid));

    /* Local\ is this session's namespace: the same as the plain name. */
    TestUniqueName(L"local", plain, TEST_TEXT_CAP);
    swprintf(local, TEST_TEXT_CAP, L"Local\\%ls", plain);
    controller = TestStartController(local, L"none", L"300", TEST_SPAWN_DEFAULT);
    pid = TestWaitListener(controller, local, 0);
    status = TestExpectStatus(local, 0);
    swprintf(text, TEST_TEXT_CAP, L"Listener:   pid %lu, running", (unsigned long)pid);
    ASSERT_CONTAINS(TestOutputText(status), text);
    status = TestExpectStatus(plain, 0);
    ASSERT_CONTAINS(TestOutputText(status), text);
    TestStopController(local, controller);
    ASSERT(!TestPidAlive(pid));
}

/*
 * A name with spaces and characters cmd.exe and PowerShell act on: the
 * controller's suggested stop command quotes it, and run as printed (split by
 * CommandLineToArgvW, as a pasted command is) it stops that controller. It
 * printed "--stop My App & Co" bare, which a shell splits at the spaces and
 * the &.
 */
TEST_IMPL(security_pasted_stop_command)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t text[TEST_TEXT_CAP];
    TestProc *controller;
    TestProc *stopper;
    DWORD pid;

    swprintf(name, TEST_TEXT_CAP, L"TMy App & Co (a;b) 'c' {d}^!,@=-%lu", (unsigned long)GetCurrentProcessId());
    controller = TestStartController(name, L"none", L"300", TEST_SPAWN_DEFAULT);
    pid = TestWaitListener(controller, name, 0);
    ASSERT_OUTPUT(controller, L"stop with: ", 5000);
    swprintf(text, TEST_TEXT_CAP, L"stop with: ConsoleAppController --stop \"%ls\"", name);
    ASSERT_CONTAINS(TestOutputText(controller), text);
    stopper = TestRunPrinted(controller, L"stop with: ", TEST_SPAWN_DEFAULT);
    ASSERT_EXIT(stopper, 0, 20000);
    ASSERT_CONTAINS(TestOutputText(stopper), TEXT_SENT);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT(!TestPidAlive(pid));
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
}

/*
 * Names that look like another instance's companion objects are instances of
 * their own: while X runs, X.stop, X.listener and X.controller (the companion
 * names of an earlier version) and X followed by a companion suffix without
 * its reserved separator each get a controller and a listener; and Y starts
 * while Y.stop runs.
 */
TEST_IMPL(names_companion_lookalikes)
{
    static const wchar_t *const tails[] = { L".stop", L".listener", L".controller", L"stop", L"listener" };
    wchar_t base[TEST_TEXT_CAP];
    wchar_t names[ARRAYSIZE(tails)][TEST_TEXT_CAP];
    TestProc *controllers[ARRAYSIZE(tails)];
    wchar_t y[TEST_TEXT_CAP];
    wchar_t y_stop[TEST_TEXT_CAP];
    TestProc *controller;
    TestProc *y_controller;
    TestProc *y_stop_controller;
    size_t i;

    TestUniqueName(L"lookalike", base, TEST_TEXT_CAP);
    controller = TestStartController(base, L"none", L"200", TEST_SPAWN_DEFAULT);
    TestWaitLaunched(controller, base);
    for (i = 0; i < ARRAYSIZE(tails); i++) {
        swprintf(names[i], TEST_TEXT_CAP, L"%ls%ls", base, tails[i]);
        controllers[i] = TestStartController(names[i], L"none", L"200", TEST_SPAWN_SPLIT_STDERR);
        ASSERT_MSG(TestWaitOutput(controllers[i], TEXT_LAUNCHED, 10000), L"no listener for '%ls' beside '%ls':\n%ls%ls",
                   names[i], base, TestOutputText(controllers[i]), TestErrText(controllers[i]));
        TestWaitOwnListener(controllers[i], names[i], 0);
    }
    for (i = 0; i < ARRAYSIZE(tails); i++) {
        TestStopController(names[i], controllers[i]);
    }
    TestStopController(base, controller);

    /* The other way round: the look-alike first, then the name it resembles. */
    TestUniqueName(L"lookalikey", y, TEST_TEXT_CAP);
    swprintf(y_stop, TEST_TEXT_CAP, L"%ls.stop", y);
    y_stop_controller = TestStartController(y_stop, L"none", L"200", TEST_SPAWN_DEFAULT);
    TestWaitLaunched(y_stop_controller, y_stop);
    y_controller = TestStartController(y, L"none", L"200", TEST_SPAWN_SPLIT_STDERR);
    ASSERT_MSG(TestWaitOutput(y_controller, TEXT_LAUNCHED, 10000), L"no listener for '%ls' beside '%ls':\n%ls%ls", y,
               y_stop, TestOutputText(y_controller), TestErrText(y_controller));
    TestWaitOwnListener(y_controller, y, 0);
    TestStopController(y, y_controller);
    TestStopController(y_stop, y_stop_controller);
}
