/*
 * test_instance.c - one listener and one controller per instance name: a second
 * one refuses with its own exit code and leaves the first alone.
 */
#include "harness/harness.h"

#include <stdio.h>
#include <string.h>

/* A second listener for a live NAME refuses (exit 4, naming the first's pid) and leaves offset 0 alone. */
TEST_IMPL(listener_second_instance)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t pid_text[32];
    const wchar_t *args[3];
    TestProc *first;
    TestProc *second;
    LONG message = 0;

    TestUniqueName(L"second", name, TEST_TEXT_CAP);
    first = TestStartListener(name, 300);
    args[0] = name;
    args[1] = L"--work-ms";
    args[2] = L"300";
    second = TestSpawnListener(TEST_SPAWN_DEFAULT, args, 3);
    ASSERT_EXIT(second, IPC_EXIT_LISTENER_RUNNING, 10000);
    swprintf(pid_text, 32, L"%lu", (unsigned long)TestPid(first));
    ASSERT_CONTAINS(TestOutputText(second), pid_text);
    ASSERT_NOT_CONTAINS(TestOutputText(second), TEXT_PROCESSING);
    ASSERT(TestReadMessage(name, &message));
    ASSERT_EQ_INT(message, TestPid(first));
    ASSERT(TestIsRunning(first));
    TestStopGracefully(first, name);
}

/* A second controller for a supervised NAME refuses with exit 5 and leaves the first alone. */
TEST_IMPL(controller_second_controller)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *first;
    TestProc *second;
    DWORD pid;

    TestUniqueName(L"secondctl", name, TEST_TEXT_CAP);
    first = TestStartController(name, L"shared", L"300", TEST_SPAWN_DEFAULT);
    pid = TestWaitLaunched(first, name);
    second = TestStartController(name, L"shared", L"300", TEST_SPAWN_DEFAULT);
    ASSERT_EXIT(second, IPC_EXIT_CONTROLLER_RUNNING, 10000);
    ASSERT_NOT_CONTAINS(TestOutputText(second), TEXT_LAUNCHING);
    ASSERT(TestIsRunning(first));
    ASSERT(TestPidAlive(pid));
    ASSERT_EQ_INT(TestWaitPublished(name, 0, 1000), pid);
    TestStopAndExpectEnd(first, name, 1);
}

/*
 * A second controller exits 5 naming the first one's pid; the first keeps
 * supervising (relaunches after a kill); once the first is killed the next one
 * adopts the listener instead of launching another.
 */
TEST_IMPL(faults_one_controller_per_name)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t expected[TEST_TEXT_CAP];
    TestProc *first;
    TestProc *second;
    TestProc *third;
    DWORD pid;
    DWORD relaunched;

    TestUniqueName(L"onectl", name, TEST_TEXT_CAP);
    first = TestStartController(name, L"none", L"300", TEST_SPAWN_DEFAULT);
    pid = TestWaitOwnListener(first, name, 0);

    second = TestSpawnController(TEST_SPAWN_SPLIT_STDERR, name, L"--console", L"none", L"--", L"--work-ms",
                                 L"300", (const wchar_t *)NULL);
    ASSERT_EXIT(second, IPC_EXIT_CONTROLLER_RUNNING, 10000);
    swprintf(expected, TEST_TEXT_CAP, L"another controller (pid %lu)", (unsigned long)TestPid(first));
    ASSERT_CONTAINS(TestErrText(second), expected);
    ASSERT_NOT_CONTAINS(TestOutputText(second), TEXT_LAUNCHING);
    ASSERT(TestIsRunning(first));
    ASSERT(TestPidAlive(pid));
    ASSERT_EQ_INT(TestHeaderU32(name, OFF_CONTROLLER_PID), TestPid(first));

    /* The refused controller changed nothing: the first still relaunches a killed listener. */
    ASSERT(TestKillPid(pid));
    ASSERT(TestWaitOutputCount(first, TEXT_LAUNCHING, 2, 10000));
    relaunched = TestWaitOwnListener(first, name, pid);
    ASSERT_EQ_INT(TestCountChildren(TestPid(first), TEST_LISTENER_EXE), 1);

    /* A killed controller leaves its lock abandoned: the next one takes it and adopts. */
    TestTrackPid(relaunched);
    ASSERT(TestKillPid(TestPid(first)));
    third = TestStartController(name, L"none", L"300", TEST_SPAWN_DEFAULT);
    ASSERT_OUTPUT(third, TEXT_ALREADY, 10000);
    ASSERT_NOT_CONTAINS(TestOutputText(third), TEXT_LAUNCHING);
    ASSERT_EQ_INT(TestCountChildren(TestPid(third), TEST_LISTENER_EXE), 0);
    ASSERT_EQ_INT(TestWaitPublished(name, 0, 1000), relaunched);
    ASSERT(TestWaitHeaderU32(name, OFF_CONTROLLER_PID, TestPid(third), 5000));
    TestStopExpect(name, 15000, 0);
    ASSERT_EXIT(third, 0, 10000);
    ASSERT_EQ_INT(TestCountOutput(third, TEXT_LAUNCHING), 0);
}

/* A second listener exits 4 and leaves offset 0 and the header byte for byte as they were. */
TEST_IMPL(faults_one_listener_per_name)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t expected[TEST_TEXT_CAP];
    wchar_t exe[TEST_PATH_CAP];
    wchar_t cmd[TEST_PATH_CAP * 2];
    unsigned char before[HEADER_SIZE];
    unsigned char after[HEADER_SIZE];
    TestProc *first;
    TestProc *second;

    TestUniqueName(L"onelistener", name, TEST_TEXT_CAP);
    /* A unit far longer than the check, so that nothing in the header moves meanwhile. */
    first = TestStartListener(name, 20000);
    ASSERT(TestWaitHeaderU32(name, OFF_STATE, STATE_WORKING, 5000));
    ASSERT(TestReadBytes(name, before, sizeof(before)));

    TestBinPath(TEST_LISTENER_EXE, exe, TEST_PATH_CAP);
    TestCommandLine(cmd, TEST_PATH_CAP * 2, exe, name, L"--work-ms", L"300", (const wchar_t *)NULL);
    second = TestSpawnEx(cmd, TEST_SPAWN_SPLIT_STDERR);
    ASSERT_EXIT(second, IPC_EXIT_LISTENER_RUNNING, 10000);
    swprintf(expected, TEST_TEXT_CAP, L"already running (pid %lu)", (unsigned long)TestPid(first));
    ASSERT_CONTAINS(TestErrText(second), expected);
    ASSERT_NOT_CONTAINS(TestOutputText(second), TEXT_PROCESSING);

    ASSERT(TestReadBytes(name, after, sizeof(after)));
    ASSERT_MSG(memcmp(before, after, sizeof(before)) == 0, L"the second listener changed the mapping");
    ASSERT_EQ_INT(TestReadU32(after + OFF_MESSAGE), TestPid(first));
    ASSERT(TestIsRunning(first));
}

/* Trials of simultaneous_start: each takes about a second. */
#define SIMULTANEOUS_TRIALS 20

/*
 * A listener and a controller released from suspension at the same moment:
 * whichever listener wins NAME, the controller ends up supervising that one
 * (adopting it when it is not its own) and never relaunches into the loser's
 * refusal (exit 4). At most one launch per trial; --stop then ends both.
 */
TEST_IMPL(faults_simultaneous_start_adopts_winner)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t tag[32];
    const wchar_t *args[3];
    TestProc *listener;
    TestProc *controller;
    DWORD code = 0;
    ULONGLONG deadline;
    unsigned trial;
    unsigned adopted_after_launch = 0;
    BOOL settled;

    for (trial = 0; trial < SIMULTANEOUS_TRIALS; trial++) {
        swprintf(tag, ARRAYSIZE(tag), L"simul%u", trial);
        TestUniqueName(tag, name, TEST_TEXT_CAP);
        args[0] = name;
        args[1] = L"--work-ms";
        args[2] = L"200";
        listener = TestSpawnListener(TEST_SPAWN_SUSPENDED, args, 3);
        controller = TestSpawnController(TEST_SPAWN_SUSPENDED, name, L"--console", L"none", L"--restart-delay",
                                         L"100", L"--", L"--work-ms", L"200", (const wchar_t *)NULL);
        TestResume(listener);
        TestResume(controller);
        /* Settled: the controller adopted the independent listener, or that one lost and exited 4. */
        deadline = TestNowMs() + 10000;
        do {
            settled = TestCountOutput(controller, TEXT_ALREADY) > 0 ||
                      (!TestIsRunning(listener) && TestCountOutput(controller, TEXT_LAUNCHED) > 0);
            ASSERT_MSG(TestIsRunning(controller), L"trial %u: the controller ended:\n%ls", trial,
                       TestOutputText(controller));
            ASSERT_MSG(TestNowMs() < deadline, L"trial %u: not settled in 10 s:\n%ls", trial,
                       TestOutputText(controller));
            Sleep(10);
        } while (!settled);
        if (!TestIsRunning(listener)) {
            ASSERT(TestWaitExit(listener, 0, &code));
            ASSERT_EQ_INT(code, IPC_EXIT_LISTENER_RUNNING);
        }
        if (TestCountOutput(controller, TEXT_ALREADY) > 0 && TestCountOutput(controller, TEXT_LAUNCHING) > 0) {
            adopted_after_launch++;
        }
        /* Give a relaunch loop time to show itself. */
        Sleep(400);
        ASSERT_MSG(TestCountOutput(controller, TEXT_LAUNCHING) <= 1, L"trial %u: launched more than once:\n%ls",
                   trial, TestOutputText(controller));
        ASSERT_MSG(TestCountOutput(controller, TEXT_RELAUNCH_MARK) == 0, L"trial %u: relaunching:\n%ls", trial,
                   TestOutputText(controller));
        TestStopExpect(name, 15000, 0);
        ASSERT_EXIT(controller, 0, 10000);
        ASSERT_CONTAINS(TestOutputText(controller), TEXT_EXITED);
        ASSERT(TestWaitExit(listener, 5000, NULL));
    }
    TestPrint(L"%u of %u trials: the controller's own listener lost and the winner was adopted\n",
              adopted_after_launch, (unsigned)SIMULTANEOUS_TRIALS);
}
