/*
 * test_standby.c - the standby listener on its own (IPC_STANDBY=1, as the
 * controller's --standby launches it, but started here without a controller):
 * it waits while the active listener works, takes over when that one dies or
 * is asked to restart, never works beside it, and leaves a stop pending.
 */
#include "harness/harness.h"

#include <stdio.h>
#include <string.h>

/* How long a standby may take to publish its pid once the active listener is gone (generous: Wine under load). */
#define TAKEOVER_BOUND_MS 3000

/*
 * The active listener (pid at offset 0, inside its units) and a standby that
 * says it is ready: recorded in the header as waiting, with its start time.
 */
static void StartPair(const wchar_t *tag, DWORD work_ms, wchar_t *name, wchar_t *journal, TestProc **active,
                      TestProc **standby)
{
    TestUniqueName(tag, name, TEST_TEXT_CAP);
    TestTempFile(name, L".journal", journal, TEST_PATH_CAP);
    *active = TestSpawnJournaled(name, work_ms, journal, FALSE);
    ASSERT_EQ_INT(TestWaitPublished(name, 0, 10000), TestPid(*active));
    *standby = TestSpawnJournaled(name, work_ms, journal, TRUE);
    ASSERT_OUTPUT(*standby, L"ready; waiting to take over from the listener", 10000);
    ASSERT_EQ_INT(TestHeaderU32(name, OFF_STANDBY_PID), TestPid(*standby));
    ASSERT_EQ_INT(TestHeaderU32(name, OFF_STANDBY_STATE), STANDBY_WAITING);
    ASSERT_EQ_INT(TestHeaderU64(name, OFF_STANDBY_CREATED), TestPidCreated(TestPid(*standby)));
}

/* "pid=P " in the journal: how many lines pid wrote. */
static size_t LinesOf(const wchar_t *journal, DWORD pid)
{
    wchar_t needle[64];
    swprintf(needle, 64, L"pid=%lu ", (unsigned long)pid);
    return TestCountInFile(journal, needle);
}

/* The standby's fields say there is none. */
static void AssertNoStandby(const wchar_t *name)
{
    ASSERT_EQ_INT(TestHeaderU32(name, OFF_STANDBY_PID), 0);
    ASSERT_EQ_INT(TestHeaderU32(name, OFF_STANDBY_STATE), STANDBY_NONE);
}

/* The close message stops the active listener the C# sample's way, then the standby, which does no unit. */
static void StopPair(TestProc *active, TestProc *standby, const wchar_t *name)
{
    TestStopGracefully(active, name);
    ASSERT_EXIT(standby, 0, 10000);
    ASSERT_CONTAINS(TestOutputText(standby), TEXT_RECEIVED);
    ASSERT_NOT_CONTAINS(TestOutputText(standby), TEXT_PROCESSING);
}

/* A standby does no unit while the active listener works, and is shown in the header as waiting. */
TEST_IMPL(standby_waits_while_active_works)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t journal[TEST_PATH_CAP];
    TestProc *active;
    TestProc *standby;

    StartPair(L"sbwait", 200, name, journal, &active, &standby);
    ASSERT(TestWaitUnitsAtLeast(name, 4, 10000));
    ASSERT(TestIsRunning(standby));
    ASSERT_EQ_INT(LinesOf(journal, TestPid(standby)), 0);
    ASSERT_NOT_CONTAINS(TestOutputText(standby), TEXT_PROCESSING);
    ASSERT_EQ_INT(TestHeaderU32(name, OFF_LISTENER_PID), TestPid(active));
    ASSERT_EQ_INT(TestHeaderU32(name, OFF_FAILOVERS), 0);
    StopPair(active, standby, name);
    (void)DeleteFileW(journal);
}

/*
 * Killing the active listener mid-unit: the standby publishes its pid within
 * a bound, counts a failover, clears its standby fields and works; the
 * journal never shows the two inside a unit at once.
 */
TEST_IMPL(standby_takes_over_killed_active)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t journal[TEST_PATH_CAP];
    TestProc *active;
    TestProc *standby;
    ULONGLONG killed;
    DWORD published;
    size_t starts = 0;

    StartPair(L"sbkill", 300, name, journal, &active, &standby);
    ASSERT(TestWaitUnitsAtLeast(name, 2, 10000));
    ASSERT(TestWaitHeaderU32(name, OFF_STATE, STATE_WORKING, 5000));
    ASSERT(TestKillPid(TestPid(active)));
    killed = TestNowMs();
    published = TestWaitPublished(name, TestPid(active), TAKEOVER_BOUND_MS);
    ASSERT_MSG(published == TestPid(standby), L"the standby did not publish its pid within %lu ms (found %lu):\n%ls",
               (unsigned long)TAKEOVER_BOUND_MS, (unsigned long)published, TestOutputText(standby));
    TestPrint(L"  takeover seen %lu ms after the kill returned\n", (unsigned long)(TestNowMs() - killed));
    ASSERT_OUTPUT(standby, L"died without letting go; taking over", 5000);
    ASSERT_EQ_INT(TestHeaderU32(name, OFF_FAILOVERS), 1);
    ASSERT_EQ_INT(TestHeaderU32(name, OFF_LISTENER_PID), TestPid(standby));
    AssertNoStandby(name);
    ASSERT(TestWaitUnitsAtLeast(name, 2, 10000));
    TestStopGracefully(standby, name);
    TestAssertJournalOneAtATime(journal, &starts);
    ASSERT_GE_INT(LinesOf(journal, TestPid(standby)), 4);
    ASSERT_GE_INT(starts, 5);
    (void)DeleteFileW(journal);
}

/*
 * The C# sample's -1 written while both run: the active listener finishes
 * its unit and exits 0; the standby then gets the lock, sees the stop, exits
 * 0 without a unit and leaves the -1 where it is.
 */
TEST_IMPL(standby_stop_reaches_both)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t journal[TEST_PATH_CAP];
    TestProc *active;
    TestProc *standby;
    LONG message = 0;
    uint32_t acked;
    HANDLE keep;

    StartPair(L"sbstop", 600, name, journal, &active, &standby);
    /* Held, so that the mapping outlives both listeners and shows what they left at offset 0. */
    keep = OpenFileMappingW(FILE_MAP_READ, FALSE, name);
    ASSERT(keep != NULL);
    ASSERT(TestWaitUnitsAtLeast(name, 1, 10000));
    ASSERT(TestWaitHeaderU32(name, OFF_STATE, STATE_WORKING, 5000));
    TestWriteCloseMessage(name);
    ASSERT_OUTPUT(active, TEXT_RECEIVED, 10000);
    ASSERT_EXIT(active, 0, 10000);
    ASSERT_EXIT(standby, 0, 10000);
    ASSERT_CONTAINS(TestOutputText(standby), TEXT_RECEIVED);
    ASSERT_NOT_CONTAINS(TestOutputText(standby), TEXT_PROCESSING);
    ASSERT_EQ_INT(LinesOf(journal, TestPid(standby)), 0);
    ASSERT(TestReadMessage(name, &message));
    ASSERT_EQ_INT(message, CLOSE_MESSAGE);
    ASSERT_EQ_INT(TestHeaderU32(name, OFF_FAILOVERS), 0);
    ASSERT_EQ_INT(TestHeaderU32(name, OFF_LISTENER_PID), TestPid(active));
    acked = TestHeaderU32(name, OFF_STOP_ACKED);
    ASSERT_EQ_INT(acked, TestHeaderU32(name, OFF_STOP_REQUESTS));
    AssertNoStandby(name);
    TestAssertJournalOneAtATime(journal, NULL);
    CloseHandle(keep);
    (void)DeleteFileW(journal);
}

/* The retire event NAME|retire<pid>: the standby exits 0 without a unit; the active listener works on. */
TEST_IMPL(standby_retired)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t journal[TEST_PATH_CAP];
    wchar_t event_name[TEST_TEXT_CAP];
    TestProc *active;
    TestProc *standby;
    HANDLE event;
    uint64_t units;

    StartPair(L"sbretire", 200, name, journal, &active, &standby);
    swprintf(event_name, TEST_TEXT_CAP, L"%ls|retire%lu", name, (unsigned long)TestPid(standby));
    event = OpenEventW(EVENT_MODIFY_STATE, FALSE, event_name);
    ASSERT_MSG(event != NULL, L"no retire event %ls (error %lu)", event_name, (unsigned long)GetLastError());
    ASSERT(SetEvent(event));
    CloseHandle(event);
    ASSERT_EXIT(standby, 0, 5000);
    ASSERT_CONTAINS(TestOutputText(standby), L"retired");
    ASSERT_EQ_INT(LinesOf(journal, TestPid(standby)), 0);
    AssertNoStandby(name);
    units = TestHeaderU64(name, OFF_UNITS);
    ASSERT(TestWaitUnitsAtLeast(name, units + 2, 10000));
    ASSERT_EQ_INT(TestWaitPublished(name, 0, 1000), TestPid(active));
    TestStopGracefully(active, name);
    (void)DeleteFileW(journal);
}

/*
 * restart_pid = the active listener's pid (what the controller writes for
 * --restart): it finishes its unit and exits 0, the stop counters untouched;
 * the standby takes over and works, the gap between the two measured by the
 * journal's ticks.
 */
TEST_IMPL(standby_takes_over_restart)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t journal[TEST_PATH_CAP];
    TestProc *active;
    TestProc *standby;
    uint64_t last_end;
    uint64_t first_start;
    uint32_t acked;
    JournalSummary summary;

    StartPair(L"sbrestart", 400, name, journal, &active, &standby);
    ASSERT(TestWaitUnitsAtLeast(name, 1, 10000));
    ASSERT(TestWaitHeaderU32(name, OFF_STATE, STATE_WORKING, 5000));
    acked = TestHeaderU32(name, OFF_STOP_ACKED);
    ASSERT(TestWriteHeaderU32(name, OFF_RESTART_PID, TestPid(active)));
    ASSERT_OUTPUT(active, L"Restart requested", 10000);
    ASSERT_EXIT(active, 0, 10000);
    ASSERT_NOT_CONTAINS(TestOutputText(active), TEXT_RECEIVED);
    ASSERT_EQ_INT(TestWaitPublished(name, TestPid(active), TAKEOVER_BOUND_MS), TestPid(standby));
    ASSERT_OUTPUT(standby, L"let go of", 5000);
    ASSERT_EQ_INT(TestHeaderU32(name, OFF_FAILOVERS), 1);
    ASSERT_EQ_INT(TestHeaderU32(name, OFF_STOP_ACKED), acked);
    AssertNoStandby(name);
    ASSERT(TestWaitUnitsAtLeast(name, 2, 10000));
    TestStopGracefully(standby, name);
    TestAssertJournalOneAtATime(journal, NULL);
    TestAssertJournalComplete(journal, &summary);
    last_end = TestJournalTick(journal, TestPid(active), "end", FALSE);
    first_start = TestJournalTick(journal, TestPid(standby), "start", TRUE);
    ASSERT_GE_INT(first_start, last_end);
    TestPrint(L"  gap from the last unit's end to the next listener's first start: %.3f ms\n",
              (double)(first_start - last_end) / 10000.0);
    ASSERT_LE_INT(first_start - last_end, 10000000); /* 1 s, a bound that only a lost wakeup would miss */
    (void)DeleteFileW(journal);
}

/* A second standby while a live one waits: exit 4, naming the first; the first stays recorded. */
TEST_IMPL(standby_second_refused)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t journal[TEST_PATH_CAP];
    wchar_t text[TEST_TEXT_CAP];
    TestProc *active;
    TestProc *standby;
    TestProc *second;

    StartPair(L"sbsecond", 200, name, journal, &active, &standby);
    second = TestSpawnJournaled(name, 200, journal, TRUE);
    ASSERT_EXIT(second, IPC_EXIT_LISTENER_RUNNING, 10000);
    swprintf(text, TEST_TEXT_CAP, L"a standby for '%ls' is already waiting (pid %lu)", name,
             (unsigned long)TestPid(standby));
    ASSERT_CONTAINS(TestErrText(second), text);
    ASSERT_EQ_INT(LinesOf(journal, TestPid(second)), 0);
    ASSERT_EQ_INT(TestHeaderU32(name, OFF_STANDBY_PID), TestPid(standby));
    ASSERT_EQ_INT(TestHeaderU32(name, OFF_STANDBY_STATE), STANDBY_WAITING);
    ASSERT(TestIsRunning(standby));
    StopPair(active, standby, name);
    (void)DeleteFileW(journal);
}

/* A standby for a listener on the C# sample's 4-byte mapping is refused (exit 4); the mapping is not touched. */
TEST_IMPL(standby_sample_mapping_refused)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t journal[TEST_PATH_CAP];
    unsigned char zero[SAMPLE_MAPPING_SIZE] = {0};
    unsigned char before[HEADER_SIZE];
    unsigned char after[HEADER_SIZE];
    HANDLE section;
    TestProc *active;
    TestProc *standby;

    TestUniqueName(L"sbsample", name, TEST_TEXT_CAP);
    TestTempFile(name, L".journal", journal, TEST_PATH_CAP);
    section = TestCreateMapping(name, SAMPLE_MAPPING_SIZE, zero, sizeof(zero));
    active = TestSpawnJournaled(name, 200, journal, FALSE);
    ASSERT_EQ_INT(TestWaitPublished(name, 0, 10000), TestPid(active));
    ASSERT(TestReadBytes(name, before, sizeof(before)));
    standby = TestSpawnJournaled(name, 200, journal, TRUE);
    ASSERT_EXIT(standby, IPC_EXIT_LISTENER_RUNNING, 10000);
    ASSERT_CONTAINS(TestErrText(standby), L"C# sample's 4-byte format");
    ASSERT_CONTAINS(TestErrText(standby), name);
    ASSERT(TestReadBytes(name, after, sizeof(after)));
    ASSERT_MSG(memcmp(before, after, sizeof(before)) == 0, L"the refused standby changed the mapping");
    ASSERT_EQ_INT(LinesOf(journal, TestPid(standby)), 0);
    TestStopGracefully(active, name);
    CloseHandle(section);
    (void)DeleteFileW(journal);
}

/*
 * restart_pid naming a listener without a standby: it finishes its unit and
 * exits 0 without a close message (offset 0 keeps its pid, the stop counters
 * stay); a listener started next works as usual.
 */
TEST_IMPL(standby_restart_pid_alone)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t journal[TEST_PATH_CAP];
    TestProc *active;
    TestProc *next;
    JournalSummary summary;
    LONG message = 0;
    HANDLE keep;

    TestUniqueName(L"sbalone", name, TEST_TEXT_CAP);
    TestTempFile(name, L".journal", journal, TEST_PATH_CAP);
    active = TestSpawnJournaled(name, 500, journal, FALSE);
    ASSERT_EQ_INT(TestWaitPublished(name, 0, 10000), TestPid(active));
    keep = OpenFileMappingW(FILE_MAP_READ, FALSE, name);
    ASSERT(keep != NULL);
    ASSERT(TestWaitHeaderU32(name, OFF_STATE, STATE_WORKING, 5000));
    ASSERT(TestWriteHeaderU32(name, OFF_RESTART_PID, TestPid(active)));
    ASSERT_OUTPUT(active, L"Restart requested", 10000);
    ASSERT_EXIT(active, 0, 10000);
    ASSERT_NOT_CONTAINS(TestOutputText(active), TEXT_RECEIVED);
    TestAssertJournalComplete(journal, &summary);
    ASSERT_EQ_INT(summary.starts, 1);
    ASSERT(TestReadMessage(name, &message));
    ASSERT_EQ_INT(message, (LONG)TestPid(active));
    ASSERT_EQ_INT(TestHeaderU32(name, OFF_STATE), STATE_STOPPED);
    ASSERT_EQ_INT(TestHeaderU32(name, OFF_STOP_REQUESTS), TestHeaderU32(name, OFF_STOP_ACKED));
    ASSERT(TestWriteHeaderU32(name, OFF_RESTART_PID, 0)); /* what the controller does once that listener is gone */
    next = TestSpawnJournaled(name, 200, journal, FALSE);
    ASSERT_EQ_INT(TestWaitPublished(name, TestPid(active), 10000), TestPid(next));
    ASSERT(TestWaitUnitsAtLeast(name, 2, 10000));
    TestStopGracefully(next, name);
    CloseHandle(keep);
    (void)DeleteFileW(journal);
}

/*
 * A stop sent while a restart is pending for the active listener wins: at
 * its unit's end the listener says "Received shutdown message", not the
 * restart, and exits 0; the standby that gets the lock sees the -1 and exits
 * without a unit, so NAME is stopped, not restarted.
 */
TEST_IMPL(standby_stop_wins_over_restart)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t journal[TEST_PATH_CAP];
    TestProc *active;
    TestProc *standby;
    JournalSummary summary;

    StartPair(L"sbstopwin", 1500, name, journal, &active, &standby);
    /* Just after a unit's start: both writes land in the same unit, about 1.5 s before its end. */
    ASSERT(TestWaitUnitsAtLeast(name, 1, 10000));
    ASSERT(TestWaitHeaderU32(name, OFF_STATE, STATE_WORKING, 5000));
    ASSERT(TestWriteHeaderU32(name, OFF_RESTART_PID, TestPid(active)));
    ASSERT(TestWriteMessage(name, CLOSE_MESSAGE));
    ASSERT_EXIT(active, 0, 10000);
    ASSERT_CONTAINS(TestOutputText(active), TEXT_RECEIVED);
    ASSERT_NOT_CONTAINS(TestOutputText(active), L"Restart requested");
    ASSERT_EXIT(standby, 0, 10000);
    ASSERT_CONTAINS(TestOutputText(standby), TEXT_RECEIVED);
    ASSERT_NOT_CONTAINS(TestOutputText(standby), TEXT_PROCESSING);
    ASSERT_EQ_INT(LinesOf(journal, TestPid(standby)), 0);
    TestAssertJournalComplete(journal, &summary);
    ASSERT_EQ_INT(summary.pids, 1);
    (void)DeleteFileW(journal);
}
