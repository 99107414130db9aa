/*
 * test_stop.c - --stop: it waits for the unit in progress, gives up after
 * --timeout (exit 6) without killing anything, terminates with --force
 * (exit 9), and several stops at once all succeed.
 */
#include "harness/harness.h"

#include <stdio.h>

/* --stop with nothing running says so and succeeds, without creating the mapping. */
TEST_IMPL(controller_stop_nothing_running)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *stopper = NULL;

    TestUniqueName(L"stopnothing", name, TEST_TEXT_CAP);
    ASSERT_EQ_INT(TestStop(name, 0, 10000, &stopper), 0);
    ASSERT_MSG(TestOutputText(stopper)[0] != L'\0', L"--stop printed nothing");
    ASSERT_NOT_CONTAINS(TestOutputText(stopper), TEXT_SENT);
    ASSERT(!TestMappingExists(name));
}

/* --stop waits for the unit in progress to finish and the listener to exit. */
TEST_IMPL(controller_stop_waits_for_unit)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *listener;
    ULONGLONG seen;
    DWORD code = 0;

    TestUniqueName(L"stopwaits", name, TEST_TEXT_CAP);
    listener = TestStartListener(name, 1500);
    ASSERT_OUTPUT(listener, TEXT_PROCESSING, 5000);
    seen = TestNowMs();
    ASSERT_EQ_INT(TestStop(name, 15000, 20000, NULL), 0);
    ASSERT_GE_INT(TestNowMs() - seen, 1000);
    ASSERT(TestWaitExit(listener, 0, &code));
    ASSERT_EQ_INT(code, 0);
    ASSERT_OUTPUT(listener, TEXT_RECEIVED, 2000);
}

/* --stop gives up after --timeout with exit 6; the close request stays posted. */
TEST_IMPL(controller_stop_timeout)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *listener;
    ULONGLONG started;
    ULONGLONG elapsed;
    LONG message = 0;
    unsigned char bytes[HEADER_SIZE];

    TestUniqueName(L"stoptimeout", name, TEST_TEXT_CAP);
    listener = TestStartListener(name, 15000);
    ASSERT_OUTPUT(listener, TEXT_PROCESSING, 5000);
    started = TestNowMs();
    ASSERT_EQ_INT(TestStop(name, 1000, 10000, NULL), IPC_EXIT_STOP_TIMEOUT);
    elapsed = TestNowMs() - started;
    ASSERT_GE_INT(elapsed, 900);
    ASSERT(TestIsRunning(listener));
    ASSERT(TestReadMessage(name, &message));
    ASSERT_EQ_INT(message, CLOSE_MESSAGE);
    /* The stop was counted in the header (offset 40, stop_requests). */
    ASSERT(TestReadBytes(name, bytes, sizeof(bytes)));
    ASSERT_GE_INT(TestReadU32(bytes + OFF_STOP_REQUESTS), 1);
}

/* --stop during a unit waits for it: exit 0, and the journal shows the unit's end. */
TEST_IMPL(faults_stop_mid_unit)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t journal[TEST_PATH_CAP];
    char unit_end[64];
    JournalSummary summary;
    TestProc *controller;
    HANDLE listener;
    DWORD pid;
    ULONGLONG sent;

    TestUniqueName(L"stopmidunit", name, TEST_TEXT_CAP);
    TestTempFile(name, L".journal", journal, TEST_PATH_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--", L"--journal", journal,
                                     L"--work-ms", L"1500", (const wchar_t *)NULL);
    pid = TestWaitOwnListener(controller, name, 0);
    listener = TestOpenListener(pid);
    ASSERT(TestWaitJournal(journal, " unit=1 start", 10000));
    ASSERT_EQ_INT(TestHeaderU32(name, OFF_STATE), STATE_WORKING);
    sent = TestNowMs();
    TestStopExpect(name, 15000, 0);
    /* --stop returned because the listener exited, after the rest of its unit. */
    ASSERT(WaitForSingleObject(listener, 0) == WAIT_OBJECT_0);
    ASSERT_EQ_INT(TestExitCodeOf(listener, 0), 0);
    ASSERT_GE_INT(TestNowMs() - sent, 300);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    snprintf(unit_end, sizeof(unit_end), "pid=%lu unit=1 end", (unsigned long)pid);
    ASSERT_MSG(TestWaitJournal(journal, unit_end, 0), L"no \"%hs\" line in %ls", unit_end, journal);
    TestAssertJournalComplete(journal, &summary);
    CloseHandle(listener);
    (void)DeleteFileW(journal);
}

/* Two --stops at once: both return 0, the listener exits once, nothing is relaunched. */
TEST_IMPL(faults_concurrent_stops)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *controller;
    TestProc *stop1;
    TestProc *stop2;
    HANDLE listener;
    DWORD pid;

    TestUniqueName(L"twostops", name, TEST_TEXT_CAP);
    controller = TestStartController(name, L"shared", L"1000", TEST_SPAWN_DEFAULT);
    pid = TestWaitOwnListener(controller, name, 0);
    listener = TestOpenListener(pid);
    ASSERT_OUTPUT(controller, TEXT_PROCESSING, 5000);
    stop1 = TestSpawnController(TEST_SPAWN_DEFAULT, L"--stop", name, L"--timeout", L"15000", (const wchar_t *)NULL);
    stop2 = TestSpawnController(TEST_SPAWN_DEFAULT, L"--stop", name, L"--timeout", L"15000", (const wchar_t *)NULL);
    ASSERT_EXIT(stop1, 0, 20000);
    ASSERT_EXIT(stop2, 0, 20000);
    ASSERT_EQ_INT(TestExitCodeOf(listener, 5000), 0);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_EXITED), 1);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_RECEIVED), 1);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    CloseHandle(listener);
}

/* --stop --timeout 300 during a 3 s unit: exit 6, nothing killed; the listener exits 0 after its unit. */
TEST_IMPL(faults_stop_timeout_kills_nothing)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *controller;
    HANDLE listener;
    DWORD pid;
    ULONGLONG started;

    TestUniqueName(L"stoptimeout", name, TEST_TEXT_CAP);
    controller = TestStartController(name, L"shared", L"3000", TEST_SPAWN_DEFAULT);
    pid = TestWaitOwnListener(controller, name, 0);
    listener = TestOpenListener(pid);
    ASSERT(TestWaitHeaderU32(name, OFF_STATE, STATE_WORKING, 5000));
    started = TestNowMs();
    TestStopExpect(name, 300, IPC_EXIT_STOP_TIMEOUT);
    ASSERT_LE_INT(TestNowMs() - started, 2500);
    ASSERT(WaitForSingleObject(listener, 0) == WAIT_TIMEOUT);
    ASSERT_EQ_INT(TestExitCodeOf(listener, 6000), 0);
    ASSERT_OUTPUT(controller, TEXT_RECEIVED, 2000);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    CloseHandle(listener);
}

/* --stop --timeout 300 --force: exit 9, the listener ends with 1460, the controller ends without relaunching. */
TEST_IMPL(faults_stop_force)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *controller;
    TestProc *stopper;
    HANDLE listener;
    DWORD pid;

    TestUniqueName(L"stopforce", name, TEST_TEXT_CAP);
    controller = TestStartController(name, L"shared", L"3000", TEST_SPAWN_DEFAULT);
    pid = TestWaitOwnListener(controller, name, 0);
    listener = TestOpenListener(pid);
    ASSERT(TestWaitHeaderU32(name, OFF_STATE, STATE_WORKING, 5000));
    stopper = TestSpawnController(TEST_SPAWN_DEFAULT, L"--stop", name, L"--timeout", L"300", L"--force",
                                  (const wchar_t *)NULL);
    ASSERT_EXIT(stopper, IPC_EXIT_STOP_FORCED, 15000);
    ASSERT_CONTAINS(TestOutputText(stopper), L"(--force)");
    ASSERT_EQ_INT(TestExitCodeOf(listener, 0), TERMINATED_EXIT_CODE);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_CONTAINS(TestOutputText(controller), L"not relaunching");
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    ASSERT_NOT_CONTAINS(TestOutputText(controller), TEXT_RECEIVED);
    CloseHandle(listener);
}
