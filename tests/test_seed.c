/*
 * test_seed.c - wire compatibility with the seed's C# programs.
 *
 * The helpers reproduce what the seed's Program.cs files do to the mapping,
 * call for call: the listener's MemoryMappedFile.CreateOrOpen(name, 4) and
 * plain int32 writes/reads at offset 0, the controller's LocateClient and
 * WantProcessToShutDown (which never disposes its MemoryMappedFile, so the
 * mapping outlives the listener). The tests then pair them with our programs.
 */
#include "test_util.h"

#include <stdlib.h>
#include <string.h>

#define SEED_FILE_SIZE 4 /* the seed's FileSize / MessageByteSize */
#define SEED_CLOSE_MESSAGE (-1)
#define SEED_PATH_CAP 1024
#define SEED_TEXT_CAP 128

/* ---- the helpers ---- */

static DWORD SeedWorkMsFromEnv(void)
{
    wchar_t text[32];
    DWORD n = GetEnvironmentVariableW(TEST_ENV_SEED_WORK_MS, text, 32);
    unsigned long value;
    wchar_t *end = NULL;

    if (n == 0 || n >= 32) {
        return TEST_SEED_DEFAULT_WORK_MS;
    }
    value = wcstoul(text, &end, 10);
    if (end == text || *end != L'\0' || value == 0) {
        return TEST_SEED_DEFAULT_WORK_MS;
    }
    return (DWORD)value;
}

/*
 * Console.Read(): at the end of standard input (NUL, a closed pipe) it returns
 * at once. On a console it would wait for Enter; nobody can press it under the
 * runner, so the helper does not wait there (the one liberty it takes).
 */
static void SeedConsoleRead(void)
{
    HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
    DWORD mode = 0;
    char c = 0;
    DWORD got = 0;

    if (in == NULL || in == INVALID_HANDLE_VALUE || GetConsoleMode(in, &mode)) {
        return;
    }
    (void)ReadFile(in, &c, 1, &got, NULL);
}

/* ShouldClose(): a fresh view each time, read offset 0, compare with -1. */
static BOOL SeedShouldClose(HANDLE section)
{
    void *view = MapViewOfFile(section, FILE_MAP_READ, 0, 0, 0);
    LONG message;

    if (view == NULL) {
        return FALSE;
    }
    message = *(volatile LONG *)view;
    UnmapViewOfFile(view);
    if (message == SEED_CLOSE_MESSAGE) {
        TestPrint(L"%ls\r\n", TEXT_RECEIVED);
        return TRUE;
    }
    return FALSE;
}

int TestSeedListenerMain(const wchar_t *name, DWORD work_ms)
{
    HANDLE section = NULL;
    void *view = NULL;
    DWORD error;
    int code = 0;

    if (work_ms == 0) {
        work_ms = SeedWorkMsFromEnv();
    }
    if (name == NULL || name[0] == L'\0') {
        TestPrint(L"%ls\r\n", TEXT_NO_NAME);
        SeedConsoleRead();
        goto cleanup;
    }
    /* CreateOrOpen(name, 4): an existing section of any size is opened as it is. */
    section = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, SEED_FILE_SIZE, name);
    if (section == NULL) {
        error = GetLastError();
        TestPrint(L"Unhandled exception: CreateFileMappingW(%ls) failed with error %lu\r\n", name,
                  (unsigned long)error);
        code = 1;
        goto cleanup;
    }
    view = MapViewOfFile(section, FILE_MAP_WRITE, 0, 0, SEED_FILE_SIZE);
    if (view == NULL) {
        error = GetLastError();
        TestPrint(L"Unhandled exception: MapViewOfFile failed with error %lu\r\n", (unsigned long)error);
        code = 1;
        goto cleanup;
    }
    *(volatile LONG *)view = (LONG)GetCurrentProcessId(); /* accessor.Write(0, processId) */
    UnmapViewOfFile(view);
    view = NULL;

    while (!SeedShouldClose(section)) {
        TestPrint(L"%ls\r\n", TEXT_NOT_RECEIVED);
        TestPrint(L"%ls\r\n", TEXT_PROCESSING);
        Sleep(work_ms);
    }
    TestPrint(L"%ls\r\n", TEXT_HIT_ENTER_CLOSE);
    SeedConsoleRead();

cleanup:
    if (view != NULL) {
        UnmapViewOfFile(view);
        view = NULL;
    }
    if (section != NULL) {
        CloseHandle(section);
        section = NULL;
    }
    return code;
}

/* seed-stop NAME [HOLD_MS]: WantProcessToShutDown, then (optionally) sit on the mapping like the seed does. */
static int SeedStopMain(int argc, wchar_t **argv)
{
    HANDLE section = NULL;
    void *view = NULL;
    DWORD error;
    DWORD hold_ms = 0;
    int code = 0;

    if (argc < 2) {
        TestPrint(L"usage: --helper seed-stop NAME [HOLD_MS]\r\n");
        return 2;
    }
    if (argc >= 3) {
        hold_ms = (DWORD)wcstoul(argv[2], NULL, 10);
    }
    section = OpenFileMappingW(FILE_MAP_READ | FILE_MAP_WRITE, FALSE, argv[1]);
    if (section == NULL) {
        error = GetLastError();
        TestPrint(L"Unhandled exception: FileNotFoundException (OpenFileMappingW(%ls) failed with error %lu)\r\n",
                  argv[1], (unsigned long)error);
        code = 1;
        goto cleanup;
    }
    view = MapViewOfFile(section, FILE_MAP_WRITE, 0, 0, SEED_FILE_SIZE);
    if (view == NULL) {
        error = GetLastError();
        TestPrint(L"Unhandled exception: MapViewOfFile failed with error %lu\r\n", (unsigned long)error);
        code = 1;
        goto cleanup;
    }
    *(volatile LONG *)view = SEED_CLOSE_MESSAGE; /* accessor.Write(0, CloseMessage) */
    UnmapViewOfFile(view);
    view = NULL;
    TestPrint(L"%ls\r\n", TEXT_SENT);
    TestPrint(L"Hit Enter to close\r\n");
    /* The seed's memoryMappedFile is never disposed: the section stays open until the process ends. */
    if (hold_ms > 0) {
        Sleep(hold_ms);
    }

cleanup:
    if (view != NULL) {
        UnmapViewOfFile(view);
        view = NULL;
    }
    if (section != NULL) {
        CloseHandle(section);
        section = NULL;
    }
    return code;
}

/* seed-locate NAME: LocateClient; exit 0 when it would report a running client. */
static int SeedLocateMain(int argc, wchar_t **argv)
{
    HANDLE section = NULL;
    HANDLE process = NULL;
    void *view = NULL;
    LONG message;
    int code = 1;

    if (argc < 2) {
        TestPrint(L"usage: --helper seed-locate NAME\r\n");
        return 2;
    }
    section = OpenFileMappingW(FILE_MAP_READ | FILE_MAP_WRITE, FALSE, argv[1]);
    if (section == NULL) {
        TestPrint(L"Client not found (no mapping)\r\n");
        goto cleanup;
    }
    view = MapViewOfFile(section, FILE_MAP_READ, 0, 0, 0);
    if (view == NULL) {
        TestPrint(L"Unhandled exception: MapViewOfFile failed with error %lu\r\n", (unsigned long)GetLastError());
        goto cleanup;
    }
    message = *(volatile LONG *)view;
    TestPrint(L"Broadcast '%ld' received\r\n", (long)message);
    if (message == SEED_CLOSE_MESSAGE) {
        goto cleanup;
    }
    /* Process.GetProcessById throws for a pid that is not running. */
    process = OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)message);
    if (process == NULL || WaitForSingleObject(process, 0) != WAIT_TIMEOUT) {
        TestPrint(L"Unhandled exception: ArgumentException: Process with an Id of %ld is not running.\r\n",
                  (long)message);
        goto cleanup;
    }
    code = 0;

cleanup:
    if (process != NULL) {
        CloseHandle(process);
        process = NULL;
    }
    if (view != NULL) {
        UnmapViewOfFile(view);
        view = NULL;
    }
    if (section != NULL) {
        CloseHandle(section);
        section = NULL;
    }
    return code;
}

int TestSeedHelperMain(int argc, wchar_t **argv)
{
    if (argc < 1) {
        return -1;
    }
    if (wcscmp(argv[0], L"seed-listener") == 0) {
        return TestSeedListenerMain(argc >= 2 ? argv[1] : NULL,
                                    argc >= 3 ? (DWORD)wcstoul(argv[2], NULL, 10) : 0);
    }
    if (wcscmp(argv[0], L"seed-stop") == 0) {
        return SeedStopMain(argc, argv);
    }
    if (wcscmp(argv[0], L"seed-locate") == 0) {
        return SeedLocateMain(argc, argv);
    }
    return -1;
}

/* ---- shortcuts ---- */

static void BroadcastText(DWORD pid, wchar_t *out, size_t cap)
{
    swprintf(out, cap, L"Broadcast '%lu' received", (unsigned long)pid);
}

/* Start the seed listener helper with 300 ms units and wait until it works. */
static TestProc *StartSeedListener(const wchar_t *name)
{
    TestProc *seed = TestSpawnSelf(TEST_SPAWN_DEFAULT, L"--helper", L"seed-listener", name, L"300",
                                   (const wchar_t *)NULL);

    ASSERT_OUTPUT(seed, TEXT_PROCESSING, 10000);
    ASSERT_EQ_INT(TestWaitPublished(name, 0, 5000), TestPid(seed));
    return seed;
}

/* Make ipc_tests.exe act as the seed listener when a controller launches it as "ipc_tests.exe NAME". */
static void EnableSeedListenerLaunch(void)
{
    TestSetEnv(TEST_ENV_HELPER, L"seed-listener");
    TestSetEnv(TEST_ENV_SEED_WORK_MS, L"300");
}

/* ---- tests ---- */

/* The seed's LocateClient finds our listener's pid at offset 0. */
static void SeedLocateFindsListener(void)
{
    wchar_t name[SEED_TEXT_CAP];
    wchar_t expected[SEED_TEXT_CAP];
    TestProc *listener;
    TestProc *locate;

    TestUniqueName(L"seedlocate", name, SEED_TEXT_CAP);
    listener = TestStartListener(name, 300);
    locate = TestSpawnSelf(TEST_SPAWN_DEFAULT, L"--helper", L"seed-locate", name, (const wchar_t *)NULL);
    ASSERT_EXIT(locate, 0, 10000);
    BroadcastText(TestPid(listener), expected, SEED_TEXT_CAP);
    ASSERT_CONTAINS(TestOutputText(locate), expected);
    ASSERT(TestIsRunning(listener));
}

/* The seed's WantProcessToShutDown (a plain -1 at offset 0) stops our listener gracefully. */
static void SeedStopStopsListener(void)
{
    wchar_t name[SEED_TEXT_CAP];
    TestProc *listener;
    TestProc *stopper;

    TestUniqueName(L"seedstop", name, SEED_TEXT_CAP);
    listener = TestStartListener(name, 300);
    ASSERT_OUTPUT(listener, TEXT_PROCESSING, 5000);
    stopper = TestSpawnSelf(TEST_SPAWN_DEFAULT, L"--helper", L"seed-stop", name, (const wchar_t *)NULL);
    ASSERT_EXIT(stopper, 0, 10000);
    ASSERT_CONTAINS(TestOutputText(stopper), TEXT_SENT);
    ASSERT_OUTPUT(listener, TEXT_RECEIVED, 5000);
    ASSERT_OUTPUT(listener, TEXT_HIT_ENTER_CLOSE, 5000);
    ASSERT_EXIT(listener, 0, 5000);
}

/* A -1 written by the seed's controller ends our listener, and our controller neither relaunches nor stays. */
static void SeedStopEndsController(void)
{
    wchar_t name[SEED_TEXT_CAP];
    TestProc *controller;
    TestProc *stopper;
    DWORD pid;

    TestUniqueName(L"seedstopctl", name, SEED_TEXT_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"shared", L"--", L"--work-ms", L"300",
                                     (const wchar_t *)NULL);
    ASSERT_OUTPUT(controller, TEXT_LAUNCHED, 10000);
    pid = TestWaitPublished(name, 0, 10000);
    ASSERT(pid != 0);
    ASSERT_OUTPUT(controller, TEXT_PROCESSING, 5000);

    stopper = TestSpawnSelf(TEST_SPAWN_DEFAULT, L"--helper", L"seed-stop", name, (const wchar_t *)NULL);
    ASSERT_EXIT(stopper, 0, 10000);
    ASSERT_OUTPUT(controller, TEXT_RECEIVED, 5000);
    ASSERT_OUTPUT(controller, TEXT_EXITED, 5000);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    ASSERT(!TestPidAlive(pid));
}

/* Our controller adopts a running seed listener (a 4-byte mapping) and --stop stops it. */
static void SeedListenerAdopted(void)
{
    wchar_t name[SEED_TEXT_CAP];
    wchar_t self[SEED_PATH_CAP];
    wchar_t expected[SEED_TEXT_CAP];
    TestProc *seed;
    TestProc *controller;
    TestProc *stopper = NULL;

    TestUniqueName(L"adoptseed", name, SEED_TEXT_CAP);
    TestSelfPath(self, SEED_PATH_CAP);
    /* Should it relaunch, the controller would start the same kind of listener (the seed's). */
    EnableSeedListenerLaunch();
    seed = StartSeedListener(name);

    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--listener", self, L"--console", L"shared",
                                     (const wchar_t *)NULL);
    BroadcastText(TestPid(seed), expected, SEED_TEXT_CAP);
    ASSERT_OUTPUT(controller, expected, 10000);
    ASSERT_OUTPUT(controller, TEXT_ALREADY, 5000);
    /* Adopting means no second listener: give a wrong launch time to show up. */
    Sleep(1000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 0);
    ASSERT_EQ_INT(TestCountChildren(TestPid(controller), L"ipc_tests.exe"), 0);
    ASSERT(TestIsRunning(seed));
    ASSERT(TestIsRunning(controller));

    ASSERT_EQ_INT(TestStop(name, 15000, 20000, &stopper), 0);
    ASSERT_CONTAINS(TestOutputText(stopper), TEXT_SENT);
    ASSERT_OUTPUT(seed, TEXT_RECEIVED, 5000);
    ASSERT_EXIT(seed, 0, 5000);
    ASSERT_OUTPUT(controller, TEXT_EXITED, 5000);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 0);
}

/* Our controller launches, relaunches and stops the seed listener given with --listener. */
static void SeedListenerSupervised(void)
{
    wchar_t name[SEED_TEXT_CAP];
    wchar_t self[SEED_PATH_CAP];
    TestProc *controller;
    TestProc *stopper = NULL;
    HANDLE second = NULL;
    DWORD first_pid;
    DWORD second_pid;
    DWORD code = 0;

    TestUniqueName(L"superviseseed", name, SEED_TEXT_CAP);
    TestSelfPath(self, SEED_PATH_CAP);
    EnableSeedListenerLaunch();
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--listener", self, L"--console", L"shared",
                                     (const wchar_t *)NULL);
    TEST_ASSERT_LAUNCH_LINE(controller, self, name, 10000);
    ASSERT_OUTPUT(controller, TEXT_LAUNCHED, 5000);
    first_pid = TestWaitPublished(name, 0, 10000);
    ASSERT(first_pid != 0);
    ASSERT_EQ_INT(TestParentPid(first_pid), TestPid(controller));
    ASSERT_OUTPUT(controller, TEXT_PROCESSING, 5000);

    /* Past one second of life the relaunch is immediate (no back-off). */
    Sleep(1200);
    ASSERT(TestKillPid(first_pid));
    ASSERT_OUTPUT(controller, TEXT_EXITED, 5000);
    ASSERT(TestWaitOutputCount(controller, TEXT_LAUNCHING, 2, 10000));
    second_pid = TestWaitPublished(name, first_pid, 10000);
    ASSERT(second_pid != 0);
    ASSERT_EQ_INT(TestParentPid(second_pid), TestPid(controller));
    second = TestPidHandle(second_pid);
    ASSERT(second != NULL);

    ASSERT_EQ_INT(TestStop(name, 15000, 20000, &stopper), 0);
    ASSERT_CONTAINS(TestOutputText(stopper), TEXT_SENT);
    ASSERT(WaitForSingleObject(second, 5000) == WAIT_OBJECT_0);
    ASSERT(GetExitCodeProcess(second, &code));
    ASSERT_EQ_INT(code, 0);
    CloseHandle(second);
    second = NULL;
    ASSERT_OUTPUT(controller, TEXT_RECEIVED, 5000);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 2);
}

/* Start our controller on NAME and check that it launches a listener of its own that publishes there. */
static void ControllerLaunchesOver(const wchar_t *name, DWORD stale_pid)
{
    TestProc *controller;
    DWORD pid;

    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"shared", L"--", L"--work-ms", L"300",
                                     (const wchar_t *)NULL);
    /* Over a pending -1 in the seed's format the controller first waits out a seed unit (7 s). */
    ASSERT_OUTPUT(controller, TEXT_LAUNCHED, 20000);
    pid = TestWaitPublished(name, stale_pid, 10000);
    ASSERT_MSG(pid != 0, L"no live pid at offset 0 of %ls:\n%ls", name, TestOutputText(controller));
    ASSERT_EQ_INT(TestParentPid(pid), TestPid(controller));
    ASSERT_OUTPUT(controller, TEXT_PROCESSING, 5000);
    ASSERT_EQ_INT(TestStop(name, 15000, 20000, NULL), 0);
    ASSERT_EXIT(controller, 0, 10000);
}

/* A 4-byte mapping holding -1, kept open by the seed's controller, does not block our controller. */
static void SeedStaleMappingCloseMessage(void)
{
    wchar_t name[SEED_TEXT_CAP];
    TestProc *seed;
    TestProc *stopper;
    LONG message = 0;

    TestUniqueName(L"stalecloseseed", name, SEED_TEXT_CAP);
    seed = StartSeedListener(name);
    stopper = TestSpawnSelf(TEST_SPAWN_DEFAULT, L"--helper", L"seed-stop", name, L"60000", (const wchar_t *)NULL);
    ASSERT_OUTPUT(stopper, TEXT_SENT, 10000);
    ASSERT_EXIT(seed, 0, 5000);
    ASSERT(TestIsRunning(stopper));
    ASSERT(TestReadMessage(name, &message));
    ASSERT_EQ_INT(message, -1);
    ControllerLaunchesOver(name, 0);
}

/*
 * The seed's stop reaches a seed listener inside a unit, and our controller
 * starts before that unit ends: the -1 names no listener, so it must not be
 * cleared at once (the seed listener would never see its stop and would go on
 * working beside ours; found in review). The seed listener gets its stop and
 * exits, and only then does our controller launch its own.
 */
static void SeedPendingCloseReachesSeedListener(void)
{
    wchar_t name[SEED_TEXT_CAP];
    TestProc *seed;
    TestProc *stopper;
    TestProc *controller;
    DWORD pid;

    TestUniqueName(L"pendingseed", name, SEED_TEXT_CAP);
    seed = TestSpawnSelf(TEST_SPAWN_DEFAULT, L"--helper", L"seed-listener", name, L"3000", (const wchar_t *)NULL);
    ASSERT_OUTPUT(seed, TEXT_PROCESSING, 10000);
    ASSERT_EQ_INT(TestWaitPublished(name, 0, 5000), TestPid(seed));
    stopper = TestSpawnSelf(TEST_SPAWN_DEFAULT, L"--helper", L"seed-stop", name, L"60000", (const wchar_t *)NULL);
    ASSERT_OUTPUT(stopper, TEXT_SENT, 10000);
    ASSERT(TestIsRunning(seed)); /* still inside its 3 s unit */
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"shared", L"--", L"--work-ms", L"300",
                                     (const wchar_t *)NULL);
    ASSERT_OUTPUT(controller, L"finishing its unit", 10000);
    ASSERT_OUTPUT(seed, TEXT_RECEIVED, 10000);
    ASSERT_EXIT(seed, 0, 5000);
    ASSERT_MSG(TestCountOutput(controller, TEXT_LAUNCHING) == 0,
               L"the controller launched a listener while the seed listener was still working:\n%ls",
               TestOutputText(controller));
    ASSERT_OUTPUT(controller, TEXT_LAUNCHED, 15000);
    pid = TestWaitPublished(name, 0, 10000);
    ASSERT_MSG(pid != 0, L"no live pid at offset 0 of %ls:\n%ls", name, TestOutputText(controller));
    ASSERT_EQ_INT(TestParentPid(pid), TestPid(controller));
    ASSERT_EQ_INT(TestStop(name, 15000, 20000, NULL), 0);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT(TestIsRunning(stopper));
}

/* A 4-byte mapping holding a dead listener's pid does not block our controller. */
static void SeedStaleMappingDeadPid(void)
{
    wchar_t name[SEED_TEXT_CAP];
    TestProc *seed;
    HANDLE keep = NULL;
    LONG message = 0;
    DWORD dead_pid;

    TestUniqueName(L"staledeadseed", name, SEED_TEXT_CAP);
    seed = StartSeedListener(name);
    dead_pid = TestPid(seed);
    /* Someone (here: this test) still holds the section when the listener dies. */
    keep = OpenFileMappingW(FILE_MAP_READ, FALSE, name);
    ASSERT(keep != NULL);
    ASSERT(TestKillPid(dead_pid));
    ASSERT(TestReadMessage(name, &message));
    ASSERT_EQ_INT(message, dead_pid);
    ControllerLaunchesOver(name, dead_pid);
    CloseHandle(keep);
    keep = NULL;
}

const TestEntry TestSeedTable[] = {
    { L"seed_locate_finds_listener", SeedLocateFindsListener, 30000 },
    { L"seed_stop_stops_listener", SeedStopStopsListener, 30000 },
    { L"seed_stop_ends_controller", SeedStopEndsController, 30000 },
    { L"seed_listener_adopted", SeedListenerAdopted, 40000 },
    { L"seed_listener_supervised", SeedListenerSupervised, 45000 },
    { L"seed_stale_mapping_close_message", SeedStaleMappingCloseMessage, 40000 },
    { L"seed_pending_close_reaches_seed_listener", SeedPendingCloseReachesSeedListener, 60000 },
    { L"seed_stale_mapping_dead_pid", SeedStaleMappingDeadPid, 40000 },
};

const size_t TestSeedCount = sizeof(TestSeedTable) / sizeof(TestSeedTable[0]);
