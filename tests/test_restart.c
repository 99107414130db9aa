/*
 * test_restart.c - relaunching the listener: at once after a long life, after a
 * pause after a short one, with back-off in a crash loop that --stop still
 * ends, and the back-off reset by a healthy run.
 *
 * A crash-looping listener is ipc_tests.exe itself: with IPC_TEST_HELPER=crash a
 * controller that launches "ipc_tests.exe NAME PLAN COUNTER CODE" gets a process
 * that lives for the PLAN entry of its launch number and exits with CODE (see
 * TestCrashLaunch in harness/helpers.c).
 */
#include "harness/harness.h"

#include <stdio.h>
#include <stdlib.h>

/* Killing a listener that ran a while gets it relaunched at once, with a new pid published. */
TEST_IMPL(controller_relaunches_killed_listener)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *controller;
    DWORD first_pid;
    DWORD second_pid;
    ULONGLONG killed;
    ULONGLONG deadline;
    unsigned char bytes[HEADER_SIZE];

    TestUniqueName(L"relaunch", name, TEST_TEXT_CAP);
    controller = TestStartController(name, L"shared", L"300", TEST_SPAWN_DEFAULT);
    first_pid = TestWaitLaunched(controller, name);
    Sleep(1200);
    killed = TestNowMs();
    ASSERT(TestKillPid(first_pid));
    ASSERT_OUTPUT(controller, TEXT_EXITED, 5000);
    ASSERT(TestWaitOutputCount(controller, TEXT_LAUNCHING, 2, 5000));
    second_pid = TestWaitPublished(name, first_pid, 10000);
    ASSERT(second_pid != 0);
    /* "At once": well under the back-off a quick death gets, even on a slow machine. */
    ASSERT_LE_INT(TestNowMs() - killed, 5000);
    ASSERT_EQ_INT(TestParentPid(second_pid), TestPid(controller));
    ASSERT_EQ_INT(TestCountChildren(TestPid(controller), TEST_LISTENER_EXE), 1);
    /* The header keeps the count of relaunches and how the previous listener ended. */
    deadline = TestNowMs() + 2000;
    do {
        ASSERT(TestReadBytes(name, bytes, sizeof(bytes)));
        if (TestReadU32(bytes + OFF_RESTARTS) >= 1) {
            break;
        }
        Sleep(20);
    } while (TestNowMs() < deadline);
    ASSERT_EQ_INT(TestReadU32(bytes + OFF_RESTARTS), 1);
    ASSERT_EQ_INT(TestReadU32(bytes + OFF_LAST_EXIT_CODE), TEST_KILL_EXIT_CODE);
    TestStopAndExpectEnd(controller, name, 2);
}

/* A listener that dies young is still relaunched (after a pause). */
TEST_IMPL(controller_relaunches_after_quick_death)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *controller;
    DWORD first_pid;
    DWORD second_pid;

    TestUniqueName(L"quickdeath", name, TEST_TEXT_CAP);
    controller = TestStartController(name, L"shared", L"300", TEST_SPAWN_DEFAULT);
    first_pid = TestWaitLaunched(controller, name);
    ASSERT(TestKillPid(first_pid));
    ASSERT_OUTPUT(controller, TEXT_EXITED, 5000);
    ASSERT(TestWaitOutputCount(controller, TEXT_LAUNCHING, 2, 15000));
    second_pid = TestWaitPublished(name, first_pid, 10000);
    ASSERT(second_pid != 0);
    ASSERT_EQ_INT(TestParentPid(second_pid), TestPid(controller));
    TestStopAndExpectEnd(controller, name, 2);
}

/* The pauses the controller announced, in order: N of "relaunching in N ms", 0 for "relaunching now". */
static size_t ReadPauses(TestProc *controller, DWORD *out, size_t cap)
{
    const wchar_t *p = TestOutputText(controller);
    size_t n = 0;
    wchar_t *end = NULL;

    while (n < cap && (p = wcsstr(p, TEXT_RELAUNCH_MARK)) != NULL) {
        p += wcslen(TEXT_RELAUNCH_MARK);
        if (wcsncmp(p, L"now", 3) == 0) {
            out[n++] = 0;
        } else if (wcsncmp(p, L"in ", 3) == 0) {
            out[n++] = (DWORD)wcstoul(p + 3, &end, 10);
        }
    }
    return n;
}

/*
 * A crash loop with --restart-delay 100: the pauses double (100, 200, 400, ...),
 * and a --stop during a long pause ends the controller at once, with no further launch.
 */
TEST_IMPL(faults_crash_loop_backoff_and_stop)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t counter[TEST_PATH_CAP];
    wchar_t expected[TEST_TEXT_CAP];
    DWORD pauses[16];
    size_t n;
    size_t i;
    size_t launches;
    TestProc *controller;
    ULONGLONG seen;

    TestUniqueName(L"crashloop", name, TEST_TEXT_CAP);
    controller = TestStartCrashController(name, L"0", L"100", counter, TEST_PATH_CAP);
    /* 100 + 200 + 400 + 800 + 1600 ms of pauses, then a pause of 3200 ms begins. */
    ASSERT_OUTPUT(controller, L"; relaunching in 3200 ms", 15000);
    seen = TestNowMs();
    launches = TestCountOutput(controller, TEXT_LAUNCHING);
    TestStopExpect(name, 10000, 0);
    ASSERT_EXIT(controller, 0, 10000);
    /* At once: well within the 3200 ms pause, however slow the machine. */
    ASSERT_LE_INT(TestNowMs() - seen, 2000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), launches);
    ASSERT_EQ_INT(launches, 6);

    n = ReadPauses(controller, pauses, 16);
    ASSERT_EQ_INT(n, 6);
    ASSERT_EQ_INT(pauses[0], 100);
    for (i = 1; i < n; i++) {
        ASSERT_EQ_INT(pauses[i], pauses[i - 1] * 2);
    }
    swprintf(expected, TEST_TEXT_CAP, L"exited with code %lu after ", (unsigned long)TEST_CRASH_EXIT_CODE);
    ASSERT_EQ_INT(TestCountOutput(controller, expected), 6);
    (void)DeleteFileW(counter);
}

/*
 * A listener that ran at least 1 s is relaunched at once, and the back-off
 * starts again from the first pause after such a healthy run.
 */
TEST_IMPL(faults_healthy_run_resets_backoff)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t counter[TEST_PATH_CAP];
    DWORD pauses[16];
    size_t n;
    TestProc *controller;
    ULONGLONG now_seen;

    TestUniqueName(L"backoffreset", name, TEST_TEXT_CAP);
    /* Launches 1 and 2 die at once, 3 lives 1.5 s, 4 and later die at once. */
    controller = TestStartCrashController(name, L"0,0,1500,0", L"100", counter, TEST_PATH_CAP);
    ASSERT_OUTPUT(controller, L"; relaunching now", 15000);
    now_seen = TestNowMs();
    ASSERT(TestWaitOutputCount(controller, TEXT_LAUNCHING, 4, 5000));
    /* "At once": far sooner than any pause the back-off had reached. */
    ASSERT_LE_INT(TestNowMs() - now_seen, 1000);
    ASSERT(TestWaitOutputCount(controller, TEXT_RELAUNCH_MARK, 4, 10000));
    TestStopExpect(name, 10000, 0);
    ASSERT_EXIT(controller, 0, 10000);
    n = ReadPauses(controller, pauses, 16);
    ASSERT_GE_INT(n, 4);
    ASSERT_EQ_INT(pauses[0], 100);
    ASSERT_EQ_INT(pauses[1], 200);
    ASSERT_EQ_INT(pauses[2], 0);
    ASSERT_EQ_INT(pauses[3], 100);
    (void)DeleteFileW(counter);
}

/*
 * Kill the listener 20 times in a row (quick deaths, with a 1 ms back-off so
 * the test stays fast): after each relaunch exactly one listener runs for NAME.
 */
TEST_IMPL(faults_twenty_kills)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *controller;
    DWORD pid;
    DWORD next;
    int kill;

    TestUniqueName(L"twentykills", name, TEST_TEXT_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--restart-delay", L"1",
                                     L"--restart-delay-max", L"1", L"--", L"--work-ms", L"300", (const wchar_t *)NULL);
    pid = TestWaitOwnListener(controller, name, 0);
    for (kill = 0; kill < 20; kill++) {
        ASSERT_MSG(TestKillPid(pid), L"kill %d: could not kill %lu", kill + 1, (unsigned long)pid);
        next = TestWaitOwnListener(controller, name, pid);
        ASSERT_MSG(TestCountChildren(TestPid(controller), TEST_LISTENER_EXE) == 1,
                   L"kill %d: %lu listeners run for %ls", kill + 1,
                   (unsigned long)TestCountChildren(TestPid(controller), TEST_LISTENER_EXE), name);
        /* The line comes through a pipe: wait for it, then require exactly one launch per kill. */
        (void)TestWaitOutputCount(controller, TEXT_LAUNCHING, (size_t)kill + 2, 5000);
        ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), kill + 2);
        pid = next;
    }
    TestStopExpect(name, 15000, 0);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 21);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_EXITED), 21);
    ASSERT_EQ_INT(TestCountChildren(TestPid(controller), TEST_LISTENER_EXE), 0);
}
