/*
 * test_adopt.c - adopting a listener that is already running, and refusing to
 * adopt what only looks like one: a dead pid, another program's pid, a pid
 * with the wrong start time, a listener that is finishing.
 */
#include "harness/harness.h"

#include <stdio.h>
#include <string.h>

/* One FILETIME second. */
#define FILETIME_SECOND 10000000ull

/* A live listener is adopted, not doubled; killing it gets it relaunched. */
TEST_IMPL(controller_adopts_listener)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t expected[TEST_TEXT_CAP];
    TestProc *listener;
    TestProc *controller;
    DWORD second_pid;
    ULONGLONG started;

    TestUniqueName(L"adopt", name, TEST_TEXT_CAP);
    started = TestNowMs();
    listener = TestStartListener(name, 300);
    controller = TestStartController(name, L"shared", L"300", TEST_SPAWN_DEFAULT);
    swprintf(expected, TEST_TEXT_CAP, L"Broadcast '%lu' received", (unsigned long)TestPid(listener));
    ASSERT_OUTPUT(controller, expected, 10000);
    ASSERT_OUTPUT(controller, TEXT_ALREADY, 5000);
    /* Give a wrong second launch time to show up. */
    Sleep(1000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 0);
    ASSERT_EQ_INT(TestCountChildren(TestPid(controller), TEST_LISTENER_EXE), 0);
    ASSERT(TestIsRunning(listener));
    ASSERT(TestIsRunning(controller));
    ASSERT_EQ_INT(TestWaitPublished(name, 0, 1000), TestPid(listener));

    /* Past one second of life the relaunch is immediate. */
    if (TestNowMs() - started < 1200) {
        Sleep((DWORD)(1200 - (TestNowMs() - started)));
    }
    ASSERT(TerminateProcess(TestHandle(listener), 1));
    ASSERT_OUTPUT(controller, TEXT_EXITED, 5000);
    ASSERT_OUTPUT(controller, TEXT_LAUNCHING, 5000);
    second_pid = TestWaitPublished(name, TestPid(listener), 10000);
    ASSERT(second_pid != 0);
    ASSERT_EQ_INT(TestParentPid(second_pid), TestPid(controller));
    TestStopAndExpectEnd(controller, name, 1);
}

/*
 * The controller over a mapping whose pid must not be adopted: it says why,
 * launches a listener of its own (its child, published at offset 0) and stops
 * like any other.
 */
static void ExpectNotAdopted(const wchar_t *name, DWORD bogus_pid, const wchar_t *reason)
{
    wchar_t expected[TEST_TEXT_CAP];
    wchar_t line[TEST_TEXT_CAP];
    TestProc *controller;
    DWORD pid;

    controller = TestStartController(name, L"shared", L"300", TEST_SPAWN_DEFAULT);
    swprintf(expected, TEST_TEXT_CAP, L"Broadcast '%lu' received", (unsigned long)bogus_pid);
    ASSERT_OUTPUT(controller, expected, 10000);
    swprintf(expected, TEST_TEXT_CAP, L"%ls%lu: ", TEXT_NOT_ADOPTING, (unsigned long)bogus_pid);
    ASSERT_OUTPUT(controller, expected, 10000);
    ASSERT(TestOutputLine(controller, expected, line, TEST_TEXT_CAP));
    ASSERT_MSG(wcsstr(line, reason) != NULL, L"\"%ls\" does not say \"%ls\"", line, reason);
    ASSERT_OUTPUT(controller, TEXT_LAUNCHED, 10000);
    pid = TestWaitOwnListener(controller, name, bogus_pid);
    ASSERT_OUTPUT(controller, TEXT_PROCESSING, 5000);
    ASSERT_NOT_CONTAINS(TestOutputText(controller), TEXT_ALREADY);
    TestStopExpect(name, 15000, 0);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    ASSERT(!TestPidAlive(pid));
}

/* (a) A sample-format (4-byte) mapping holding the pid of a process that has exited. */
TEST_IMPL(faults_not_adopting_dead_pid)
{
    wchar_t name[TEST_TEXT_CAP];
    unsigned char bytes[SAMPLE_MAPPING_SIZE];
    TestProc *gone;
    HANDLE section;
    DWORD dead_pid;

    TestUniqueName(L"adoptdead", name, TEST_TEXT_CAP);
    /* Our TestProc keeps its handle, so the dead pid is not handed out again meanwhile. */
    gone = TestSpawnSelf(TEST_SPAWN_DEFAULT, L"--helper", L"pid-alive", L"1", (const wchar_t *)NULL);
    ASSERT(TestWaitExit(gone, 10000, NULL));
    dead_pid = TestPid(gone);
    TestPutU32(bytes, dead_pid);
    section = TestCreateMapping(name, SAMPLE_MAPPING_SIZE, bytes, sizeof(bytes));
    ExpectNotAdopted(name, dead_pid, L"");
    CloseHandle(section);
}

/* (b) A sample-format mapping holding the pid of a live process that is not a listener. */
TEST_IMPL(faults_not_adopting_foreign_pid)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t other[TEST_TEXT_CAP];
    unsigned char bytes[SAMPLE_MAPPING_SIZE];
    TestProc *foreign;
    HANDLE section;

    TestUniqueName(L"adoptforeign", name, TEST_TEXT_CAP);
    TestUniqueName(L"adoptforeign-other", other, TEST_TEXT_CAP);
    /* A live ipc_tests.exe (the sample listener helper, serving another name). */
    foreign = TestSpawnSelf(TEST_SPAWN_DEFAULT, L"--helper", L"sample-listener", other, L"300", (const wchar_t *)NULL);
    ASSERT_EQ_INT(TestWaitPublished(other, 0, 10000), TestPid(foreign));
    TestPutU32(bytes, TestPid(foreign));
    section = TestCreateMapping(name, SAMPLE_MAPPING_SIZE, bytes, sizeof(bytes));
    ExpectNotAdopted(name, TestPid(foreign), L"ipc_tests.exe");
    /* Only verified: the foreign process was never touched. */
    ASSERT(TestIsRunning(foreign));
    CloseHandle(section);
}

/*
 * (c) Our header naming a live ConsoleAppListener.exe (serving another name) with
 * a creation time that is not its own: same image, so only the time gives it away.
 */
TEST_IMPL(faults_not_adopting_wrong_start_time)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t other[TEST_TEXT_CAP];
    unsigned char bytes[HEADER_SIZE];
    TestProc *foreign;
    HANDLE section;
    uint64_t created;

    TestUniqueName(L"adopttime", name, TEST_TEXT_CAP);
    TestUniqueName(L"adopttime-other", other, TEST_TEXT_CAP);
    foreign = TestStartListener(other, 300);
    created = TestHeaderU64(other, OFF_LISTENER_CREATED);
    ASSERT(created != 0);
    TestBuildHeader(bytes, TestPid(foreign), STATE_RUNNING, created + FILETIME_SECOND);
    section = TestCreateMapping(name, HEADER_SIZE, bytes, sizeof(bytes));
    ExpectNotAdopted(name, TestPid(foreign), L"another time");
    ASSERT(TestIsRunning(foreign));
    ASSERT_EQ_INT(TestWaitPublished(other, 0, 1000), TestPid(foreign));
    CloseHandle(section);
}

/*
 * A controller started while a listener finishes its last unit after a close
 * message waits for it: the fresh listener is launched only after the old one
 * has exited, so two never run at once.
 */
TEST_IMPL(faults_new_controller_waits_for_finishing_listener)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *first;
    TestProc *second;
    HANDLE old;
    DWORD old_pid;
    DWORD new_pid;
    ULONGLONG deadline;
    BOOL launched;
    BOOL old_gone;

    TestUniqueName(L"finishing", name, TEST_TEXT_CAP);
    first = TestStartController(name, L"none", L"4000", TEST_SPAWN_DEFAULT);
    old_pid = TestWaitOwnListener(first, name, 0);
    old = TestOpenListener(old_pid);
    TestTrackPid(old_pid);
    ASSERT(TestWaitHeaderU32(name, OFF_STATE, STATE_WORKING, 5000));
    ASSERT(TestKillPid(TestPid(first)));
    /* The close message is posted; the listener is still inside its 4 s unit. */
    TestStopExpect(name, 300, IPC_EXIT_STOP_TIMEOUT);
    ASSERT(TestPidAlive(old_pid));

    second = TestStartController(name, L"shared", L"300", TEST_SPAWN_DEFAULT);
    ASSERT_OUTPUT(second, TEXT_FINISHING, 10000);
    ASSERT(TestPidAlive(old_pid));
    deadline = TestNowMs() + 15000;
    for (;;) {
        /* Look for the new listener first: if the old one is alive after that, both ran at once. */
        launched = TestCountOutput(second, TEXT_LAUNCHING) > 0 ||
                   TestCountChildren(TestPid(second), TEST_LISTENER_EXE) > 0;
        old_gone = WaitForSingleObject(old, 0) == WAIT_OBJECT_0;
        if (launched) {
            ASSERT_MSG(old_gone, L"a new listener was launched while %lu still ran:\n%ls", (unsigned long)old_pid,
                       TestOutputText(second));
            break;
        }
        ASSERT_MSG(TestNowMs() < deadline, L"no launch within 15 s:\n%ls", TestOutputText(second));
        Sleep(5);
    }
    ASSERT_EQ_INT(TestExitCodeOf(old, 0), 0);
    new_pid = TestWaitOwnListener(second, name, old_pid);
    ASSERT(new_pid != old_pid);
    ASSERT_OUTPUT(second, TEXT_PROCESSING, 5000);
    TestStopExpect(name, 15000, 0);
    ASSERT_EXIT(second, 0, 10000);
    ASSERT_EQ_INT(TestCountOutput(second, TEXT_LAUNCHING), 1);
    CloseHandle(old);
}

/*
 * A close message nobody will consume does not block a start: a 4-byte mapping
 * holding -1 kept open by the C# sample's stop, and our header with an unacknowledged
 * stop left by a listener that was killed.
 */
TEST_IMPL(faults_stale_close_does_not_block_start)
{
    wchar_t name[TEST_TEXT_CAP];
    unsigned char zero[SAMPLE_MAPPING_SIZE] = { 0, 0, 0, 0 };
    TestProc *stopper;
    TestProc *controller;
    TestProc *listener;
    HANDLE section;
    LONG message = 0;

    /* The C# sample's layout: the C# sample's controller never disposes its mapping. */
    TestUniqueName(L"stalesample", name, TEST_TEXT_CAP);
    section = TestCreateMapping(name, SAMPLE_MAPPING_SIZE, zero, sizeof(zero));
    stopper = TestSpawnSelf(TEST_SPAWN_DEFAULT, L"--helper", L"sample-stop", name, L"60000", (const wchar_t *)NULL);
    ASSERT_OUTPUT(stopper, TEXT_SENT, 10000);
    CloseHandle(section);
    ASSERT(TestReadMessage(name, &message));
    ASSERT_EQ_INT(message, -1);
    controller = TestStartController(name, L"shared", L"300", TEST_SPAWN_DEFAULT);
    /* After waiting out a sample unit (7 s): the -1 names no listener that could be finishing one. */
    ASSERT_OUTPUT(controller, TEXT_LAUNCHED, 20000);
    (void)TestWaitOwnListener(controller, name, 0);
    ASSERT_OUTPUT(controller, TEXT_PROCESSING, 5000);
    TestStopExpect(name, 15000, 0);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT(TestIsRunning(stopper));

    /* Our layout: a stop was requested, then the listener was killed inside its unit. */
    TestUniqueName(L"staleours", name, TEST_TEXT_CAP);
    listener = TestStartListener(name, 20000);
    ASSERT(TestWaitHeaderU32(name, OFF_STATE, STATE_WORKING, 5000));
    section = OpenFileMappingW(FILE_MAP_READ, FALSE, name);
    ASSERT(section != NULL);
    TestStopExpect(name, 200, IPC_EXIT_STOP_TIMEOUT);
    ASSERT(TestKillPid(TestPid(listener)));
    ASSERT(TestReadMessage(name, &message));
    ASSERT_EQ_INT(message, -1);
    ASSERT_NE_INT(TestHeaderU32(name, OFF_STOP_REQUESTS), TestHeaderU32(name, OFF_STOP_ACKED));
    controller = TestStartController(name, L"shared", L"300", TEST_SPAWN_DEFAULT);
    ASSERT_OUTPUT(controller, TEXT_LAUNCHED, 10000);
    (void)TestWaitOwnListener(controller, name, TestPid(listener));
    ASSERT_OUTPUT(controller, TEXT_PROCESSING, 5000);
    ASSERT_NOT_CONTAINS(TestOutputText(controller), TEXT_RECEIVED);
    TestStopExpect(name, 15000, 0);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    CloseHandle(section);
}

TEST_IMPL(faults_controller_killed_listener_lives)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *first;
    TestProc *second;
    HANDLE listener;
    DWORD pid;
    uint64_t units;

    TestUniqueName(L"ctlkilled", name, TEST_TEXT_CAP);
    first = TestStartController(name, L"none", L"300", TEST_SPAWN_DEFAULT);
    pid = TestWaitOwnListener(first, name, 0);
    listener = TestOpenListener(pid);
    TestTrackPid(pid);
    ASSERT(TestWaitUnitsAtLeast(name, 1, 5000));
    ASSERT(TestKillPid(TestPid(first)));

    /* Unsupervised, it goes on working. */
    units = TestHeaderU64(name, OFF_UNITS);
    ASSERT_MSG(TestWaitUnitsAtLeast(name, units + 3, 5000), L"the listener stopped working when its controller died");
    ASSERT(WaitForSingleObject(listener, 0) == WAIT_TIMEOUT);

    second = TestStartController(name, L"none", L"300", TEST_SPAWN_DEFAULT);
    TestExpectAdopted(second, name, pid);
    TestStopExpect(name, 15000, 0);
    ASSERT_EQ_INT(TestExitCodeOf(listener, 0), 0);
    ASSERT_EXIT(second, 0, 10000);
    ASSERT_EQ_INT(TestCountOutput(second, TEXT_LAUNCHING), 0);
    CloseHandle(listener);
}

/* Put the forged bytes back into a section the test made (a --stop in between wrote its close message). */
static void RewriteMapping(HANDLE section, const unsigned char *bytes, size_t len)
{
    unsigned char *view = (unsigned char *)MapViewOfFile(section, FILE_MAP_WRITE, 0, 0, len);

    ASSERT_MSG(view != NULL, L"MapViewOfFile failed with error %lu", (unsigned long)GetLastError());
    memcpy(view, bytes, len);
    UnmapViewOfFile(view);
}

/*
 * A's mapping (section, holding bytes) names a live process that is not A's
 * listener: --status A does not report it running, --stop A --force does not
 * kill it, and controller A does not adopt it but launches its own, which
 * coexists with it. reason: what the messages must say.
 */
static void ExpectUntouched(const wchar_t *name, HANDLE section, const unsigned char *bytes, size_t len,
                            TestProc *other, const wchar_t *reason)
{
    wchar_t expected[TEST_TEXT_CAP];
    TestProc *status;
    TestProc *stopper;

    status = TestExpectStatus(name, IPC_EXIT_NOT_RUNNING);
    ASSERT_CONTAINS(TestOutputText(status), reason);
    stopper = TestSpawnController(TEST_SPAWN_DEFAULT, L"--stop", name, L"--timeout", L"300", L"--force",
                                  (const wchar_t *)NULL);
    ASSERT_EXIT(stopper, 0, 15000);
    swprintf(expected, TEST_TEXT_CAP, L"Not waiting for pid %lu: ", (unsigned long)TestPid(other));
    ASSERT_CONTAINS(TestOutputText(stopper), expected);
    ASSERT_CONTAINS(TestOutputText(stopper), reason);
    ASSERT_NOT_CONTAINS(TestOutputText(stopper), L"(--force)");
    ASSERT(TestIsRunning(other));
    RewriteMapping(section, bytes, len);
    ExpectNotAdopted(name, TestPid(other), reason);
    ASSERT(TestIsRunning(other));
}

/*
 * Another instance's healthy listener (B's) named in A's mapping: in the C#
 * sample's 4-byte format (what the sample's controller leaves behind once
 * Windows reuses the pid), and in our header with listener_pid 0 (what a
 * listener of the C# sample leaves in it). Its image is the right one; only
 * its command line ("ConsoleAppListener.exe B") tells it is not A's.
 */
TEST_IMPL(faults_not_adopting_other_instance)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t other[TEST_TEXT_CAP];
    unsigned char bytes[HEADER_SIZE];
    TestProc *foreign;
    HANDLE section;

    TestUniqueName(L"otherinst", name, TEST_TEXT_CAP);
    TestUniqueName(L"otherinst-b", other, TEST_TEXT_CAP);
    foreign = TestStartListener(other, 300);

    memset(bytes, 0, sizeof(bytes));
    TestPutU32(bytes, TestPid(foreign));
    section = TestCreateMapping(name, SAMPLE_MAPPING_SIZE, bytes, SAMPLE_MAPPING_SIZE);
    ExpectUntouched(name, section, bytes, SAMPLE_MAPPING_SIZE, foreign, L"another instance");
    CloseHandle(section);

    TestUniqueName(L"otherinsthdr", name, TEST_TEXT_CAP);
    TestBuildHeader(bytes, TestPid(foreign), STATE_RUNNING, 0);
    TestPutU32(bytes + OFF_LISTENER_PID, 0);
    section = TestCreateMapping(name, HEADER_SIZE, bytes, sizeof(bytes));
    ExpectUntouched(name, section, bytes, sizeof(bytes), foreign, L"another instance");
    CloseHandle(section);
    /* B's listener worked on through all of it. */
    ASSERT_EQ_INT(TestWaitPublished(other, 0, 1000), TestPid(foreign));
}

/*
 * Our header naming, with its true creation time, a process of the user that
 * is no listener (a sleeper): not reported running, not stopped, not killed,
 * not adopted. And a header naming the --stop process itself (started
 * suspended so its pid and start time can be written first): it neither
 * waits for nor terminates itself.
 */
TEST_IMPL(faults_not_trusting_forged_header)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t expected[TEST_TEXT_CAP];
    unsigned char bytes[HEADER_SIZE];
    TestProc *sleeper;
    TestProc *stopper;
    HANDLE section;

    TestUniqueName(L"forged", name, TEST_TEXT_CAP);
    sleeper = TestSpawnSelf(TEST_SPAWN_DEFAULT, L"--helper", L"sleeper", L"60000", (const wchar_t *)NULL);
    ASSERT_OUTPUT(sleeper, L"sleeper", 10000);
    TestBuildHeader(bytes, TestPid(sleeper), STATE_RUNNING, TestHandleCreated(TestHandle(sleeper)));
    section = TestCreateMapping(name, HEADER_SIZE, bytes, sizeof(bytes));
    ExpectUntouched(name, section, bytes, sizeof(bytes), sleeper, L"ipc_tests.exe");
    CloseHandle(section);

    TestUniqueName(L"forgedself", name, TEST_TEXT_CAP);
    stopper = TestSpawnController(TEST_SPAWN_SUSPENDED, L"--stop", name, L"--timeout", L"300", L"--force",
                                  (const wchar_t *)NULL);
    TestBuildHeader(bytes, TestPid(stopper), STATE_RUNNING, TestHandleCreated(TestHandle(stopper)));
    section = TestCreateMapping(name, HEADER_SIZE, bytes, sizeof(bytes));
    TestResume(stopper);
    ASSERT_EXIT(stopper, 0, 15000);
    swprintf(expected, TEST_TEXT_CAP, L"Not waiting for pid %lu: process %lu is this process itself",
             (unsigned long)TestPid(stopper), (unsigned long)TestPid(stopper));
    ASSERT_CONTAINS(TestOutputText(stopper), expected);
    ASSERT_NOT_CONTAINS(TestOutputText(stopper), L"(--force)");
    CloseHandle(section);
}
