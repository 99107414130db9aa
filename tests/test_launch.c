/*
 * test_launch.c - the controller launching its listener: the launch line, the
 * default name, the listener's arguments and console, and life without a
 * console on stdin.
 *
 * Controllers run with "--console shared" where a test must see the
 * listener's lines too: the listener then writes to the controller's pipe.
 */
#include "harness/harness.h"

#include "ipc_name.h"

#include <stdio.h>

static void ListenerPath(wchar_t *out)
{
    TestBinPath(TEST_LISTENER_EXE, out, TEST_PATH_CAP);
}

/* No mapping: launch line (the C# sample's, trailing space included), pid published, --stop ends both. */
TEST_IMPL(controller_launches_listener)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t args[TEST_TEXT_CAP];
    wchar_t listener_exe[TEST_PATH_CAP];
    unsigned char bytes[HEADER_SIZE];
    TestProc *controller;
    TestProc *stopper = NULL;
    HANDLE listener = NULL;
    DWORD pid;
    DWORD code = 0;
    const wchar_t *out;

    TestUniqueName(L"launch", name, TEST_TEXT_CAP);
    ListenerPath(listener_exe);
    ASSERT(!TestMappingExists(name));
    controller = TestStartController(name, L"shared", L"300", TEST_SPAWN_DEFAULT);
    swprintf(args, TEST_TEXT_CAP, L"%ls --work-ms 300", name);
    TEST_ASSERT_LAUNCH_LINE(controller, listener_exe, args, 10000);
    pid = TestWaitLaunched(controller, name);
    out = TestOutputText(controller);
    ASSERT(wcsstr(out, TEXT_LAUNCHING) < wcsstr(out, TEXT_LAUNCHED));
    ASSERT_OUTPUT(controller, TEXT_PROCESSING, 5000);

    ASSERT(TestReadBytes(name, bytes, sizeof(bytes)));
    ASSERT_EQ_INT(TestReadU32(bytes + OFF_MAGIC), HEADER_MAGIC);
    ASSERT_EQ_INT(TestReadU32(bytes + OFF_LISTENER_PID), pid);
    ASSERT_EQ_INT(TestReadU32(bytes + OFF_CONTROLLER_PID), TestPid(controller));

    listener = TestPidHandle(pid);
    ASSERT(listener != NULL);
    ASSERT_EQ_INT(TestStop(name, 15000, 20000, &stopper), 0);
    ASSERT_CONTAINS(TestOutputText(stopper), TEXT_SENT);
    /* --stop returns once the listener is gone, not before. */
    ASSERT(WaitForSingleObject(listener, 0) == WAIT_OBJECT_0);
    ASSERT(GetExitCodeProcess(listener, &code));
    ASSERT_EQ_INT(code, 0);
    CloseHandle(listener);
    listener = NULL;
    ASSERT_OUTPUT(controller, TEXT_RECEIVED, 5000);
    ASSERT_OUTPUT(controller, TEXT_EXITED, 5000);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
}

/* Without NAME the instance is SampleApp (the C# sample's constant). */
TEST_IMPL(controller_default_name)
{
    wchar_t listener_exe[TEST_PATH_CAP];
    TestProc *controller;

    /* Never disturb a SampleApp someone is running. */
    if (TestMappingExists(DEFAULT_INSTANCE_NAME)) {
        TestPrint(L"SKIP: a SampleApp instance is running\n");
        return;
    }
    ListenerPath(listener_exe);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, L"--console", L"none", L"--", L"--work-ms", L"300",
                                     (const wchar_t *)NULL);
    TEST_ASSERT_LAUNCH_LINE(controller, listener_exe, DEFAULT_INSTANCE_NAME L" --work-ms 300", 10000);
    ASSERT_OUTPUT(controller, TEXT_LAUNCHED, 5000);
    ASSERT(TestWaitPublished(DEFAULT_INSTANCE_NAME, 0, 10000) != 0);
    TestStopAndExpectEnd(controller, DEFAULT_INSTANCE_NAME, 1);
}

/* Without a console on stdin the controller neither prompts nor takes EOF for a key. */
static void StdinNotAConsole(unsigned flags)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *controller;
    DWORD pid;

    TestUniqueName((flags & TEST_SPAWN_STDIN_PIPE) != 0 ? L"stdinpipe" : L"stdinnul", name, TEST_TEXT_CAP);
    controller = TestStartController(name, L"shared", L"300", flags);
    TestCloseStdin(controller);
    pid = TestWaitLaunched(controller, name);
    Sleep(2000);
    ASSERT(TestIsRunning(controller));
    ASSERT(TestPidAlive(pid));
    ASSERT_NOT_CONTAINS(TestOutputText(controller), TEXT_SENT);
    ASSERT_NOT_CONTAINS(TestOutputText(controller), TEXT_RECEIVED);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    TestStopAndExpectEnd(controller, name, 1);
}

TEST_IMPL(controller_stdin_nul)
{
    StdinNotAConsole(TEST_SPAWN_DEFAULT);
}

TEST_IMPL(controller_stdin_closed_pipe)
{
    StdinNotAConsole(TEST_SPAWN_STDIN_PIPE);
}

/* A --listener that does not exist: a message naming it, exit 8. */
TEST_IMPL(controller_missing_listener)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *controller;

    TestUniqueName(L"missing", name, TEST_TEXT_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--listener", L"C:\\no\\such\\dir\\missing-listener.exe",
                                     (const wchar_t *)NULL);
    ASSERT_EXIT(controller, IPC_EXIT_LAUNCH_FAILED, 15000);
    ASSERT_CONTAINS(TestOutputText(controller), L"missing-listener.exe");
    ASSERT_NOT_CONTAINS(TestOutputText(controller), TEXT_LAUNCHED);
}

/*
 * Listener arguments the listener refuses (exit 2 at once): relaunching would
 * refuse them again for ever, with back-off; the controller says so and exits 8
 * after the one launch, and no listener is left.
 */
TEST_IMPL(controller_bad_listener_arguments)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *controller;

    TestUniqueName(L"badlistenerargs", name, TEST_TEXT_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--", L"--work-ms", L"abc",
                                     (const wchar_t *)NULL);
    ASSERT_EXIT(controller, IPC_EXIT_LAUNCH_FAILED, 15000);
    ASSERT_CONTAINS(TestOutputText(controller), L"rejected its command line");
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    ASSERT_MSG(TestWaitPublished(name, 0, 500) == 0, L"a listener runs for %ls", name);
}

/* Words after "--" reach the listener: 200 ms units show up many times a second. */
TEST_IMPL(controller_passes_listener_args)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t args[TEST_TEXT_CAP];
    wchar_t listener_exe[TEST_PATH_CAP];
    TestProc *controller;

    TestUniqueName(L"passargs", name, TEST_TEXT_CAP);
    ListenerPath(listener_exe);
    controller = TestStartController(name, L"shared", L"200", TEST_SPAWN_DEFAULT);
    swprintf(args, TEST_TEXT_CAP, L"%ls --work-ms 200", name);
    TEST_ASSERT_LAUNCH_LINE(controller, listener_exe, args, 10000);
    (void)TestWaitLaunched(controller, name);
    ASSERT_OUTPUT(controller, TEXT_PROCESSING, 5000);
    ASSERT_MSG(TestWaitOutputCount(controller, TEXT_PROCESSING, 6, 3000), L"fewer than 6 units in 3 s:\n%ls",
               TestOutputText(controller));
    TestStopAndExpectEnd(controller, name, 1);
}

/*
 * --console new (the default, the C# sample's own window) and none: the listener runs
 * and stops like any other, and its lines do not come through our pipe.
 */
static void ConsoleOfItsOwn(const wchar_t *mode)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *controller;
    HANDLE listener = NULL;
    DWORD pid;
    DWORD code = 0;

    TestUniqueName(mode != NULL ? mode : L"consoledefault", name, TEST_TEXT_CAP);
    if (mode != NULL) {
        controller = TestStartController(name, mode, L"300", TEST_SPAWN_DEFAULT);
    } else {
        controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--", L"--work-ms", L"300",
                                         (const wchar_t *)NULL);
    }
    pid = TestWaitLaunched(controller, name);
    listener = TestPidHandle(pid);
    ASSERT(listener != NULL);
    /* Long enough for a few 300 ms units. */
    Sleep(1000);
    ASSERT(TestPidAlive(pid));
    ASSERT_NOT_CONTAINS(TestOutputText(controller), TEXT_PROCESSING);
    TestStopAndExpectEnd(controller, name, 1);
    ASSERT(WaitForSingleObject(listener, 0) == WAIT_OBJECT_0);
    ASSERT(GetExitCodeProcess(listener, &code));
    ASSERT_EQ_INT(code, 0);
    CloseHandle(listener);
    listener = NULL;
}

TEST_IMPL(controller_console_default)
{
    ConsoleOfItsOwn(NULL);
}

TEST_IMPL(controller_console_new)
{
    ConsoleOfItsOwn(L"new");
}

TEST_IMPL(controller_console_none)
{
    ConsoleOfItsOwn(L"none");
}

/* A fresh instance name (from tag) and the name of its listener lock. */
static void NameAndLock(const wchar_t *tag, wchar_t *name, wchar_t *lock)
{
    TestUniqueName(tag, name, TEST_TEXT_CAP);
    swprintf(lock, TEST_TEXT_CAP, L"%ls%ls", name, IPC_SUFFIX_LISTENER_MUTEX);
}

/* A controller for NAME ends with code, its message saying says, after at most one launch and no relaunch. */
static void ExpectEndAfterOneLaunch(const wchar_t *name, DWORD code, const wchar_t *says)
{
    TestProc *controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"shared", L"--restart-delay",
                                               L"100", (const wchar_t *)NULL);

    ASSERT_EXIT(controller, code, 15000);
    ASSERT_CONTAINS(TestOutputText(controller), says);
    ASSERT_LE_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_RELAUNCH_MARK), 0);
}

/*
 * NAME's listener lock held by a process that publishes no pid (here: this
 * test owns the mutex): the launched listener exits 4 at once, the name is
 * held and nothing can be adopted; the controller says so and ends with
 * exit 11 after the one launch, instead of relaunching into the refusal.
 */
TEST_IMPL(controller_name_held_not_adoptable)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t lock[TEST_TEXT_CAP];
    HANDLE mutex;

    NameAndLock(L"nameheld", name, lock);
    mutex = CreateMutexW(NULL, TRUE, lock);
    ASSERT(mutex != NULL);
    ExpectEndAfterOneLaunch(name, IPC_EXIT_NAME_HELD, L"another listener holds");
    ReleaseMutex(mutex);
    CloseHandle(mutex);
}

/*
 * NAME's listener lock squatted by another object type: every listener exits
 * 7 at once. The controller ends with exit 7 and the cause, never relaunching.
 */
TEST_IMPL(controller_listener_name_in_use)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t lock[TEST_TEXT_CAP];
    HANDLE squat;

    NameAndLock(L"lockinuse", name, lock);
    squat = TestSquatOrSkip(SQUAT_EVENT, lock, NULL, 0, NULL, 0);
    ExpectEndAfterOneLaunch(name, IPC_EXIT_NAME_IN_USE, lock);
    CloseHandle(squat);
}

/*
 * The first CreateProcessW fails for a reason that passes: the listener's file
 * is opened without sharing by another process (an update or a virus scanner
 * at work), so CreateProcessW fails with ERROR_SHARING_VIOLATION, on Windows
 * as under Wine. The controller tries again with the back-off and launches
 * once the file is free, instead of ending with exit 8.
 */
TEST_IMPL(controller_first_launch_retried)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t source[TEST_PATH_CAP];
    wchar_t dir[TEST_PATH_CAP];
    wchar_t copy[TEST_PATH_CAP];
    TestProc *controller;
    HANDLE lock;
    DWORD pid;

    TestUniqueName(L"firstretry", name, TEST_TEXT_CAP);
    ListenerPath(source);
    TestTempFile(name, L".dir", dir, TEST_PATH_CAP);
    ASSERT(CreateDirectoryW(dir, NULL) || GetLastError() == ERROR_ALREADY_EXISTS);
    swprintf(copy, TEST_PATH_CAP, L"%ls\\%ls", dir, TEST_LISTENER_EXE);
    ASSERT_MSG(CopyFileW(source, copy, FALSE), L"cannot copy the listener (error %lu)", (unsigned long)GetLastError());
    lock = CreateFileW(copy, GENERIC_READ, 0, NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    ASSERT(lock != INVALID_HANDLE_VALUE);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--listener", copy, L"--console", L"none",
                                     L"--restart-delay", L"200", L"--", L"--work-ms", L"200", (const wchar_t *)NULL);
    ASSERT_OUTPUT(controller, L"Trying again in", 10000);
    ASSERT_CONTAINS(TestOutputText(controller), L"error 32");
    Sleep(500);
    ASSERT(TestIsRunning(controller));
    CloseHandle(lock);
    ASSERT_OUTPUT(controller, TEXT_LAUNCHED, 15000);
    pid = TestWaitOwnListener(controller, name, 0);
    ASSERT(pid != 0);
    TestStopExpect(name, 15000, 0);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT(TestWaitPidExit(pid, 5000, NULL));
    (void)DeleteFileW(copy);
    (void)RemoveDirectoryW(dir);
}
