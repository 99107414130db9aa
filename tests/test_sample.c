/*
 * test_sample.c - the C# sample's programs and ours driving each other, in both
 * directions: the sample's stop and locate steps find our listener, our
 * controller supervises and adopts the sample's listener, and a mapping the
 * sample left behind does not confuse ours.
 *
 * The sample's programs are reproduced in harness/sample.c.
 */
#include "harness/harness.h"

#include <stdio.h>

#define SAMPLE_TEXT_CAP 128

static void BroadcastText(DWORD pid, wchar_t *out, size_t cap)
{
    swprintf(out, cap, L"Broadcast '%lu' received", (unsigned long)pid);
}

/* Make ipc_tests.exe act as the sample listener when a controller launches it as "ipc_tests.exe NAME". */
static void EnableSampleListenerLaunch(void)
{
    TestSetEnv(TEST_ENV_HELPER, TEST_HELPER_SAMPLE_LISTENER);
    TestSetEnv(TEST_ENV_SAMPLE_WORK_MS, L"300");
}

/*
 * Start the sample listener helper with 300 ms units and wait until it works.
 * It is started as the C# sample's controller starts its listener, with NAME
 * as its first argument: a listener in the sample's format is proven by its
 * command line.
 */
static TestProc *StartSampleListener(const wchar_t *name)
{
    TestProc *sample;

    EnableSampleListenerLaunch();
    sample = TestSpawnSelf(TEST_SPAWN_DEFAULT, name, (const wchar_t *)NULL);
    ASSERT_OUTPUT(sample, TEXT_PROCESSING, 10000);
    ASSERT_EQ_INT(TestWaitPublished(name, 0, 5000), TestPid(sample));
    return sample;
}

/* The C# sample's LocateClient finds our listener's pid at offset 0. */
TEST_IMPL(sample_locate_finds_listener)
{
    wchar_t name[SAMPLE_TEXT_CAP];
    wchar_t expected[SAMPLE_TEXT_CAP];
    TestProc *listener;
    TestProc *locate;

    TestUniqueName(L"samplelocate", name, SAMPLE_TEXT_CAP);
    listener = TestStartListener(name, 300);
    locate = TestSpawnSelf(TEST_SPAWN_DEFAULT, L"--helper", L"sample-locate", name, (const wchar_t *)NULL);
    ASSERT_EXIT(locate, 0, 10000);
    BroadcastText(TestPid(listener), expected, SAMPLE_TEXT_CAP);
    ASSERT_CONTAINS(TestOutputText(locate), expected);
    ASSERT(TestIsRunning(listener));
}

/* The C# sample's WantProcessToShutDown (a plain -1 at offset 0) stops our listener gracefully. */
TEST_IMPL(sample_stop_stops_listener)
{
    wchar_t name[SAMPLE_TEXT_CAP];
    TestProc *listener;
    TestProc *stopper;

    TestUniqueName(L"samplestop", name, SAMPLE_TEXT_CAP);
    listener = TestStartListener(name, 300);
    ASSERT_OUTPUT(listener, TEXT_PROCESSING, 5000);
    stopper = TestSpawnSelf(TEST_SPAWN_DEFAULT, L"--helper", L"sample-stop", name, (const wchar_t *)NULL);
    ASSERT_EXIT(stopper, 0, 10000);
    ASSERT_CONTAINS(TestOutputText(stopper), TEXT_SENT);
    ASSERT_OUTPUT(listener, TEXT_RECEIVED, 5000);
    ASSERT_OUTPUT(listener, TEXT_HIT_ENTER_CLOSE, 5000);
    ASSERT_EXIT(listener, 0, 5000);
}

/* A -1 written by the C# sample's controller ends our listener, and our controller neither relaunches nor stays. */
TEST_IMPL(sample_stop_ends_controller)
{
    wchar_t name[SAMPLE_TEXT_CAP];
    TestProc *controller;
    TestProc *stopper;
    DWORD pid;

    TestUniqueName(L"samplestopctl", name, SAMPLE_TEXT_CAP);
    controller = TestStartController(name, L"shared", L"300", TEST_SPAWN_DEFAULT);
    ASSERT_OUTPUT(controller, TEXT_LAUNCHED, 10000);
    pid = TestWaitPublished(name, 0, 10000);
    ASSERT(pid != 0);
    ASSERT_OUTPUT(controller, TEXT_PROCESSING, 5000);

    stopper = TestSpawnSelf(TEST_SPAWN_DEFAULT, L"--helper", L"sample-stop", name, (const wchar_t *)NULL);
    ASSERT_EXIT(stopper, 0, 10000);
    ASSERT_OUTPUT(controller, TEXT_RECEIVED, 5000);
    ASSERT_OUTPUT(controller, TEXT_EXITED, 5000);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    ASSERT(!TestPidAlive(pid));
}

/* Our controller adopts a running sample listener (a 4-byte mapping) and --stop stops it. */
TEST_IMPL(sample_listener_adopted)
{
    wchar_t name[SAMPLE_TEXT_CAP];
    wchar_t self[TEST_PATH_CAP];
    wchar_t expected[SAMPLE_TEXT_CAP];
    TestProc *sample;
    TestProc *controller;
    TestProc *stopper = NULL;

    TestUniqueName(L"adoptsample", name, SAMPLE_TEXT_CAP);
    TestSelfPath(self, TEST_PATH_CAP);
    /* Should it relaunch, the controller would start the same kind of listener (the C# sample's). */
    EnableSampleListenerLaunch();
    sample = StartSampleListener(name);

    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--listener", self, L"--console", L"shared",
                                     (const wchar_t *)NULL);
    BroadcastText(TestPid(sample), expected, SAMPLE_TEXT_CAP);
    ASSERT_OUTPUT(controller, expected, 10000);
    ASSERT_OUTPUT(controller, TEXT_ALREADY, 5000);
    /* Adopting means no second listener: give a wrong launch time to show up. */
    Sleep(1000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 0);
    ASSERT_EQ_INT(TestCountChildren(TestPid(controller), L"ipc_tests.exe"), 0);
    ASSERT(TestIsRunning(sample));
    ASSERT(TestIsRunning(controller));

    ASSERT_EQ_INT(TestStop(name, 15000, 20000, &stopper), 0);
    ASSERT_CONTAINS(TestOutputText(stopper), TEXT_SENT);
    ASSERT_OUTPUT(sample, TEXT_RECEIVED, 5000);
    ASSERT_EXIT(sample, 0, 5000);
    ASSERT_OUTPUT(controller, TEXT_EXITED, 5000);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 0);
}

/* Our controller launches, relaunches and stops the sample listener given with --listener. */
TEST_IMPL(sample_listener_supervised)
{
    wchar_t name[SAMPLE_TEXT_CAP];
    wchar_t self[TEST_PATH_CAP];
    TestProc *controller;
    TestProc *stopper = NULL;
    HANDLE second = NULL;
    DWORD first_pid;
    DWORD second_pid;
    DWORD code = 0;

    TestUniqueName(L"supervisesample", name, SAMPLE_TEXT_CAP);
    TestSelfPath(self, TEST_PATH_CAP);
    EnableSampleListenerLaunch();
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

    controller = TestStartController(name, L"shared", L"300", TEST_SPAWN_DEFAULT);
    /* Over a pending -1 in the C# sample's format the controller first waits out a sample unit (7 s). */
    ASSERT_OUTPUT(controller, TEXT_LAUNCHED, 20000);
    pid = TestWaitPublished(name, stale_pid, 10000);
    ASSERT_MSG(pid != 0, L"no live pid at offset 0 of %ls:\n%ls", name, TestOutputText(controller));
    ASSERT_EQ_INT(TestParentPid(pid), TestPid(controller));
    ASSERT_OUTPUT(controller, TEXT_PROCESSING, 5000);
    ASSERT_EQ_INT(TestStop(name, 15000, 20000, NULL), 0);
    ASSERT_EXIT(controller, 0, 10000);
}

/* A 4-byte mapping holding -1, kept open by the C# sample's controller, does not block our controller. */
TEST_IMPL(sample_stale_mapping_close_message)
{
    wchar_t name[SAMPLE_TEXT_CAP];
    TestProc *sample;
    TestProc *stopper;
    LONG message = 0;

    TestUniqueName(L"staleclosesample", name, SAMPLE_TEXT_CAP);
    sample = StartSampleListener(name);
    stopper = TestSpawnSelf(TEST_SPAWN_DEFAULT, L"--helper", L"sample-stop", name, L"60000", (const wchar_t *)NULL);
    ASSERT_OUTPUT(stopper, TEXT_SENT, 10000);
    ASSERT_EXIT(sample, 0, 5000);
    ASSERT(TestIsRunning(stopper));
    ASSERT(TestReadMessage(name, &message));
    ASSERT_EQ_INT(message, -1);
    ControllerLaunchesOver(name, 0);
}

/*
 * The C# sample's stop reaches a sample listener inside a unit, and our controller
 * starts before that unit ends: the -1 names no listener, so it must not be
 * cleared at once (the sample listener would never see its stop and would go on
 * working beside ours; found in review). The sample listener gets its stop and
 * exits, and only then does our controller launch its own.
 */
TEST_IMPL(sample_pending_close_reaches_sample_listener)
{
    wchar_t name[SAMPLE_TEXT_CAP];
    TestProc *sample;
    TestProc *stopper;
    TestProc *controller;
    DWORD pid;

    TestUniqueName(L"pendingsample", name, SAMPLE_TEXT_CAP);
    sample = TestSpawnSelf(TEST_SPAWN_DEFAULT, L"--helper", L"sample-listener", name, L"3000", (const wchar_t *)NULL);
    ASSERT_OUTPUT(sample, TEXT_PROCESSING, 10000);
    ASSERT_EQ_INT(TestWaitPublished(name, 0, 5000), TestPid(sample));
    stopper = TestSpawnSelf(TEST_SPAWN_DEFAULT, L"--helper", L"sample-stop", name, L"60000", (const wchar_t *)NULL);
    ASSERT_OUTPUT(stopper, TEXT_SENT, 10000);
    ASSERT(TestIsRunning(sample)); /* still inside its 3 s unit */
    controller = TestStartController(name, L"shared", L"300", TEST_SPAWN_DEFAULT);
    ASSERT_OUTPUT(controller, TEXT_WAITING_SAMPLE_UNIT, 10000);
    ASSERT_OUTPUT(sample, TEXT_RECEIVED, 10000);
    ASSERT_EXIT(sample, 0, 5000);
    ASSERT_MSG(TestCountOutput(controller, TEXT_LAUNCHING) == 0,
               L"the controller launched a listener while the sample listener was still working:\n%ls",
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
TEST_IMPL(sample_stale_mapping_dead_pid)
{
    wchar_t name[SAMPLE_TEXT_CAP];
    TestProc *sample;
    HANDLE keep = NULL;
    LONG message = 0;
    DWORD dead_pid;

    TestUniqueName(L"staledeadsample", name, SAMPLE_TEXT_CAP);
    sample = StartSampleListener(name);
    dead_pid = TestPid(sample);
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

/*
 * The C# sample's stop (a bare -1, no wake-up event) while the listener is down and
 * the controller waits to relaunch: when the pause ends it does not relaunch.
 */
TEST_IMPL(faults_sample_stop_while_listener_down)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t counter[TEST_PATH_CAP];
    TestProc *controller;
    TestProc *stopper;
    ULONGLONG seen;

    TestUniqueName(L"stopdown", name, TEST_TEXT_CAP);
    controller = TestStartCrashController(name, L"0", L"2000", counter, TEST_PATH_CAP);
    ASSERT_OUTPUT(controller, L"; relaunching in 2000 ms", 10000);
    seen = TestNowMs();
    stopper = TestSpawnSelf(TEST_SPAWN_DEFAULT, L"--helper", L"sample-stop", name, (const wchar_t *)NULL);
    ASSERT_EXIT(stopper, 0, 10000);
    ASSERT_OUTPUT(controller, L"A close message arrived while the listener was down; not relaunching", 10000);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    /* It waited out the pause: the bare -1 was seen when the relaunch came due. */
    ASSERT_GE_INT(TestNowMs() - seen, 1000);
    (void)DeleteFileW(counter);
}
