/*
 * test_journal.c - the listener's journal: across kills and relaunches, every unit
 * that started is recorded as ended or interrupted, none lost.
 */
#include "harness/harness.h"

/*
 * Kill the controller twice (each time a new one adopts), stop gracefully,
 * start again, stop again: every unit that started in the journal also ended.
 */
TEST_IMPL(faults_journal_no_unit_lost)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t journal[TEST_PATH_CAP];
    JournalSummary summary;
    TestProc *controller;
    DWORD first_pid;
    DWORD second_pid;
    int round;

    TestUniqueName(L"journal", name, TEST_TEXT_CAP);
    TestTempFile(name, L".journal", journal, TEST_PATH_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--", L"--journal", journal,
                                     L"--work-ms", L"300", (const wchar_t *)NULL);
    first_pid = TestWaitOwnListener(controller, name, 0);
    TestTrackPid(first_pid);
    for (round = 0; round < 2; round++) {
        ASSERT(TestWaitJournal(journal, round == 0 ? " unit=2 end" : " unit=4 end", 5000));
        ASSERT(TestKillPid(TestPid(controller)));
        controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--", L"--journal",
                                         journal, L"--work-ms", L"300", (const wchar_t *)NULL);
        ASSERT_OUTPUT(controller, TEXT_ALREADY, 10000);
        ASSERT_EQ_INT(TestWaitPublished(name, 0, 1000), first_pid);
    }
    ASSERT(TestWaitJournal(journal, " unit=6 end", 5000));
    TestStopExpect(name, 15000, 0);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT(!TestPidAlive(first_pid));

    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--", L"--journal", journal,
                                     L"--work-ms", L"300", (const wchar_t *)NULL);
    ASSERT_OUTPUT(controller, TEXT_LAUNCHED, 10000);
    second_pid = TestWaitOwnListener(controller, name, first_pid);
    ASSERT(TestWaitUnitsAtLeast(name, 2, 5000));
    TestStopExpect(name, 15000, 0);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT(!TestPidAlive(second_pid));

    TestAssertJournalComplete(journal, &summary);
    ASSERT_EQ_INT(summary.pids, 2);
    ASSERT_GE_INT(summary.starts, 8);
    (void)DeleteFileW(journal);
}
