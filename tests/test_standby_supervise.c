/*
 * test_standby_supervise.c - ConsoleAppController --standby through the real
 * programs: two listeners, only the active one working; the standby taking
 * over when the active one is killed, with a fresh standby after it; a stop
 * (--stop, the C# sample's -1) ending both; a new controller adopting both,
 * or retiring the standby without --standby; standbys that die young backing
 * off. The listener's journal proves that no two listeners were ever inside a
 * unit at the same time and that every unit a graceful stop met finished.
 */
#include "harness/harness.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define SB_WORK_MS L"200"
#define TEXT_STANDBY_LAUNCHING L"Launching standby listener: "
#define TEXT_STANDBY_LAUNCHED L"Standby launched (pid "
#define TEXT_STANDBY_ADOPTED L"Standby listener already running (pid "
#define TEXT_STANDBY_RETIRING L"Retiring the standby listener (pid "
#define TEXT_STANDBY_TAKES_OVER L"takes over from pid "
#define TEXT_STANDBY_NEXT L"; next standby in "

/* The controller for name with --standby, its listeners journaling into journal, lines of its own only. */
static TestProc *StartStandbyController(const wchar_t *name, const wchar_t *journal, const wchar_t *restart_delay)
{
    return TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--standby", L"--console", L"none", L"--restart-delay",
                               restart_delay, L"--", L"--journal", journal, L"--work-ms", SB_WORK_MS,
                               (const wchar_t *)NULL);
}

/*
 * Waits until the header names a standby other than not_pid (and not the
 * active listener), alive and waiting for the lock; returns its pid.
 */
static DWORD WaitStandbyWaiting(TestProc *controller, const wchar_t *name, DWORD not_pid, DWORD timeout_ms)
{
    ULONGLONG deadline = TestNowMs() + timeout_ms;
    DWORD pid;
    LONG active = 0;

    for (;;) {
        pid = TestHeaderU32(name, OFF_STANDBY_PID);
        (void)TestReadMessage(name, &active);
        if (pid != 0 && pid != not_pid && (LONG)pid != active && TestPidAlive(pid) &&
            TestHeaderU32(name, OFF_STANDBY_STATE) == 2) {
            return pid;
        }
        ASSERT_MSG(TestNowMs() < deadline, L"no standby waiting in %ls within %lu ms (standby_pid %lu, state %lu):\n%ls",
                   name, (unsigned long)timeout_ms, (unsigned long)TestHeaderU32(name, OFF_STANDBY_PID),
                   (unsigned long)TestHeaderU32(name, OFF_STANDBY_STATE), TestOutputText(controller));
        Sleep(TEST_POLL_MS);
    }
}

/* Waits until offset 0 holds pid; returns the ms it took, failing after timeout_ms. */
static ULONGLONG WaitOffsetZero(const wchar_t *name, DWORD pid, DWORD timeout_ms, TestProc *controller)
{
    ULONGLONG start = TestNowMs();
    LONG message = 0;

    for (;;) {
        if (TestReadMessage(name, &message) && message == (LONG)pid) {
            return TestNowMs() - start;
        }
        ASSERT_MSG(TestNowMs() - start < timeout_ms, L"pid %lu not at offset 0 of %ls within %lu ms (found %ld):\n%ls",
                   (unsigned long)pid, name, (unsigned long)timeout_ms, (long)message, TestOutputText(controller));
        Sleep(1);
    }
}

/* Does the journal hold a line of pid? */
static BOOL JournalHasPid(const wchar_t *journal, DWORD pid)
{
    char needle[32];

    snprintf(needle, sizeof(needle), " pid=%lu ", (unsigned long)pid);
    return TestFileHasText(journal, needle);
}

static BOOL PidIn(unsigned long pid, const DWORD *pids, size_t count)
{
    size_t i;
    for (i = 0; i < count; i++) {
        if (pids[i] == pid) {
            return TRUE;
        }
    }
    return FALSE;
}

/*
 * The journal after kills: never two listeners inside a unit at once
 * (TestAssertJournalOneAtATime), and every unit that started ended except at
 * most one of each listener the test killed (the unit the kill cut), so a
 * unit a graceful stop met always finished.
 */
static void AssertJournalAfterKills(const wchar_t *journal, const DWORD *killed, size_t killed_count)
{
    unsigned long pids[64];
    long open[64];
    size_t count = 0;
    size_t len = 0;
    size_t i;
    DWORD error = 0;
    unsigned char *bytes;
    char *line;

    TestAssertJournalOneAtATime(journal, NULL);
    bytes = TestReadAll(journal, &len, &error);
    ASSERT_MSG(bytes != NULL, L"cannot read the journal %ls (error %lu)", journal, (unsigned long)error);
    for (line = (char *)bytes; line != NULL && *line != '\0';) {
        char *eol = strchr(line, '\n');
        char *pid_at = strstr(line, " pid=");
        char *unit_at = strstr(line, " unit=");
        unsigned long pid;

        if (eol != NULL) {
            *eol = '\0';
        }
        line = eol != NULL ? eol + 1 : NULL;
        if (pid_at == NULL || unit_at == NULL) {
            continue;
        }
        pid = strtoul(pid_at + 5, NULL, 10);
        for (i = 0; i < count && pids[i] != pid; i++) {
        }
        if (i == count) {
            ASSERT(count < ARRAYSIZE(pids));
            pids[count] = pid;
            open[count++] = 0;
        }
        open[i] += strstr(unit_at, " start") != NULL ? 1 : (strstr(unit_at, " end") != NULL ? -1 : 0);
    }
    free(bytes);
    for (i = 0; i < count; i++) {
        ASSERT_MSG(open[i] == 0 || (open[i] == 1 && PidIn(pids[i], killed, killed_count)),
                   L"listener %lu left %ld unit(s) of the journal %ls unfinished", pids[i], open[i], journal);
    }
}

/* --status shows the standby as waiting, and --status --json names it. */
static void ExpectStatusShowsStandby(const wchar_t *name, DWORD standby)
{
    wchar_t text[TEST_TEXT_CAP];
    TestProc *status = TestExpectStatus(name, 0);
    TestProc *json;
    DWORD code = 0;

    swprintf(text, TEST_TEXT_CAP, L"Standby:    pid %lu, waiting", (unsigned long)standby);
    ASSERT_CONTAINS(TestOutputText(status), text);
    ASSERT_CONTAINS(TestOutputText(status), L"verified)");
    ASSERT_CONTAINS(TestOutputText(status), L"Failovers:  ");
    json = TestSpawnController(TEST_SPAWN_DEFAULT, L"--status", name, L"--json", (const wchar_t *)NULL);
    ASSERT(TestWaitExit(json, 15000, &code));
    ASSERT_EQ_INT(code, 0);
    swprintf(text, TEST_TEXT_CAP, L"\"standby\":{\"running\":true,\"pid\":%lu,\"state\":\"waiting\"",
             (unsigned long)standby);
    ASSERT_CONTAINS(TestOutputText(json), text);
    ASSERT_CONTAINS(TestOutputText(json), L"\"failovers\":");
}

/* A unique name (tag), its journal, a --standby controller, its active listener and its waiting standby. */
static TestProc *StartPair(const wchar_t *tag, wchar_t *name, wchar_t *journal, DWORD *active, DWORD *standby)
{
    TestProc *controller;

    TestUniqueName(tag, name, TEST_TEXT_CAP);
    TestTempFile(name, L".journal", journal, TEST_PATH_CAP);
    controller = StartStandbyController(name, journal, L"100");
    *active = TestWaitOwnListener(controller, name, 0);
    *standby = WaitStandbyWaiting(controller, name, 0, 15000);
    return controller;
}

/*
 * Kills the active listener: the standby's pid is at offset 0 within 2 s (it
 * is the process that waited: no start), and the controller says it took over
 * (the count-th time).
 */
static void KillExpectFailover(TestProc *controller, const wchar_t *name, DWORD active, DWORD standby, size_t count)
{
    ULONGLONG took;

    ASSERT(TestKillPid(active));
    took = WaitOffsetZero(name, standby, 5000, controller);
    TestPrint(L"standby %lu at offset 0 %llu ms after the kill of %lu\n", (unsigned long)standby, took,
              (unsigned long)active);
    ASSERT_LE_INT(took, 2000);
    ASSERT(TestWaitOutputCount(controller, TEXT_STANDBY_TAKES_OVER, count, 5000));
}

/*
 * After killed_count failovers a fresh standby waits beside active; the
 * controller launched `launches` listeners and one standby per failover (and
 * the first one it launched itself, when launches is 1). Then --stop ends both
 * and the controller (0); the journal shows one unit at a time, and only the
 * killed listeners' units cut.
 */
static void StopAfterFailovers(TestProc *controller, const wchar_t *name, const wchar_t *journal, DWORD active,
                               const DWORD *killed, size_t killed_count, size_t launches)
{
    (void)WaitStandbyWaiting(controller, name, active, 15000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), launches);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_STANDBY_LAUNCHING), killed_count + launches);
    TestStopExpect(name, 15000, 0);
    ASSERT_EXIT(controller, 0, 10000);
    AssertJournalAfterKills(journal, killed, killed_count);
    (void)DeleteFileW(journal);
}

/*
 * After a graceful stop: the controller exited 0 having waited for the standby
 * too (it saw its exit), launched one listener and one standby; the standby
 * never worked, and every unit that started finished.
 */
static void ExpectStoppedCleanly(TestProc *controller, const wchar_t *journal, DWORD standby)
{
    wchar_t text[TEST_TEXT_CAP];
    JournalSummary summary;

    ASSERT_EXIT(controller, 0, 10000);
    swprintf(text, TEST_TEXT_CAP, L"Standby listener (pid %lu) exited with code 0", (unsigned long)standby);
    ASSERT_CONTAINS(TestOutputText(controller), text);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_STANDBY_LAUNCHING), 1);
    ASSERT_MSG(!JournalHasPid(journal, standby), L"the standby %lu did a unit", (unsigned long)standby);
    TestAssertJournalComplete(journal, &summary);
    ASSERT_EQ_INT(summary.pids, 1);
    (void)DeleteFileW(journal);
}

/* --list names the standby's pid on the instance's line. */
static void ExpectListShowsStandby(const wchar_t *name, DWORD standby)
{
    wchar_t line[TEST_TEXT_CAP];
    wchar_t pid[32];
    TestProc *list = TestSpawnController(TEST_SPAWN_DEFAULT, L"--list", (const wchar_t *)NULL);
    DWORD code = 0;

    ASSERT(TestWaitExit(list, 15000, &code));
    ASSERT_EQ_INT(code, 0);
    ASSERT_MSG(TestOutputLine(list, name, line, TEST_TEXT_CAP), L"--list does not list %ls:\n%ls", name,
               TestOutputText(list));
    swprintf(pid, ARRAYSIZE(pid), L" %lu ", (unsigned long)standby);
    ASSERT_CONTAINS(line, pid);
}

/*
 * --standby runs two listeners, both the controller's children; only the
 * active one works (the standby's pid never appears in the journal); --status
 * shows the standby; --stop ends both (it says so), the controller exits 0 and
 * every unit that started finished.
 */
TEST_IMPL(standby_two_listeners_and_stop)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t journal[TEST_PATH_CAP];
    wchar_t text[TEST_TEXT_CAP];
    TestProc *controller;
    TestProc *stopper;
    DWORD active;
    DWORD standby;
    HANDLE standby_handle;

    controller = StartPair(L"sbstop", name, journal, &active, &standby);
    ASSERT_EQ_INT(TestParentPid(standby), TestPid(controller));
    ASSERT_EQ_INT(TestCountChildren(TestPid(controller), TEST_LISTENER_EXE), 2);
    ASSERT_OUTPUT(controller, TEXT_STANDBY_LAUNCHED, 5000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    ASSERT(TestWaitUnitsAtLeast(name, 4, 10000));
    ASSERT_MSG(!JournalHasPid(journal, standby), L"the standby %lu did a unit while %lu was active",
               (unsigned long)standby, (unsigned long)active);
    ExpectStatusShowsStandby(name, standby);
    ExpectListShowsStandby(name, standby);

    standby_handle = TestOpenListener(standby);
    stopper = TestStopExpect(name, 15000, 0);
    swprintf(text, TEST_TEXT_CAP, L"Standby listener (pid %lu) exited with code 0", (unsigned long)standby);
    ASSERT_CONTAINS(TestOutputText(stopper), text);
    ASSERT_EQ_INT(TestExitCodeOf(standby_handle, 5000), 0);
    CloseHandle(standby_handle);
    ASSERT(!TestPidAlive(active));
    ExpectStoppedCleanly(controller, journal, standby);
}

/*
 * Kill the active listener five times: each time the waiting standby's pid is
 * at offset 0 quickly (no process start: it is the pid that waited), a fresh
 * standby follows, restarts and failovers count each one, and the journal never
 * shows two listeners inside a unit at once.
 */
TEST_IMPL(standby_failover_on_kills)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t journal[TEST_PATH_CAP];
    TestProc *controller;
    DWORD killed[8];
    DWORD active;
    DWORD standby;
    int round;

    controller = StartPair(L"sbkill", name, journal, &active, &standby);
    for (round = 0; round < 5; round++) {
        if (round > 0) {
            standby = WaitStandbyWaiting(controller, name, active, 15000);
        }
        /* A run of more than 1 s: a healthy exit, no back-off (the next standby follows the start-up window). */
        Sleep(1100);
        ASSERT_MSG(!JournalHasPid(journal, standby), L"round %d: the standby %lu worked beside %lu", round + 1,
                   (unsigned long)standby, (unsigned long)active);
        KillExpectFailover(controller, name, active, standby, (size_t)round + 1);
        killed[round] = active;
        ASSERT(TestWaitHeaderU32(name, OFF_RESTARTS, (uint32_t)round + 1, 5000));
        ASSERT(TestWaitHeaderU32(name, OFF_FAILOVERS, (uint32_t)round + 1, 5000));
        active = standby;
        ASSERT(TestWaitUnitsAtLeast(name, 1, 5000));
    }
    /* Never a cold launch: one "Launching executable", and one standby launch per kill and the first. */
    StopAfterFailovers(controller, name, journal, active, killed, 5, 1);
}

/* Where the n-th (1-based) text is in output: its offset, or -1 when there are fewer. */
static ptrdiff_t NthIn(const wchar_t *output, const wchar_t *text, int n)
{
    const wchar_t *p = wcsstr(output, text);

    while (p != NULL && --n > 0) {
        p = wcsstr(p + 1, text);
    }
    return p != NULL ? p - output : -1;
}

/*
 * After a failover the next standby waits for the start-up window: the
 * controller says "the next standby in 1000 ms" and launches none sooner, so
 * a burst of failovers meets no process starts. A promoted listener that dies
 * within that window is relaunched cold, with the back-off, and no standby is
 * started meanwhile: a crash loop never becomes a loop of standby starts.
 */
TEST_IMPL(standby_refill_after_startup_window)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t journal[TEST_PATH_CAP];
    TestProc *controller;
    DWORD killed[3];
    DWORD active;
    DWORD standby;
    DWORD next;
    ULONGLONG t_kill;
    ULONGLONG waited;
    LONG message = 0;

    controller = StartPair(L"sbrefill", name, journal, &active, &standby);
    Sleep(1100); /* a healthy run: no back-off for the takeover */
    t_kill = TestNowMs();
    KillExpectFailover(controller, name, active, standby, 1);
    killed[0] = active;
    ASSERT_CONTAINS(TestOutputText(controller), L"; the next standby in 1000 ms");
    next = WaitStandbyWaiting(controller, name, standby, 15000);
    waited = TestNowMs() - t_kill;
    TestPrint(L"next standby %lu waiting %llu ms after the kill\n", (unsigned long)next, waited);
    ASSERT_MSG(waited >= 950, L"the next standby (pid %lu) waited %llu ms after the failover, within the 1 s "
                              L"window:\n%ls",
               (unsigned long)next, waited, TestOutputText(controller));
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_STANDBY_LAUNCHING), 2);

    /* The second failover's promoted listener dies young: a cold relaunch, and no standby on the way. */
    Sleep(1100);
    KillExpectFailover(controller, name, standby, next, 2);
    killed[1] = standby;
    Sleep(100);
    ASSERT(TestKillPid(next));
    killed[2] = next;
    t_kill = TestNowMs();
    for (;;) {
        if (TestReadMessage(name, &message) && message > 0 && (DWORD)message != next && TestPidAlive((DWORD)message)) {
            break;
        }
        ASSERT_MSG(TestNowMs() - t_kill < 20000, L"no listener published within 20 s of the promoted one's death:\n%ls",
                   TestOutputText(controller));
        Sleep(TEST_POLL_MS);
    }
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 2);
    active = (DWORD)message;
    (void)WaitStandbyWaiting(controller, name, active, 15000);
    /* The third standby came after the cold relaunch, none between the failover and the relaunch. */
    ASSERT_MSG(NthIn(TestOutputText(controller), TEXT_STANDBY_LAUNCHING, 3) >
                   NthIn(TestOutputText(controller), TEXT_LAUNCHING, 2),
               L"a standby was launched while the promoted listener died young:\n%ls", TestOutputText(controller));
    TestStopExpect(name, 15000, 0);
    ASSERT_EXIT(controller, 0, 10000);
    AssertJournalAfterKills(journal, killed, ARRAYSIZE(killed));
    (void)DeleteFileW(journal);
}

/*
 * The C# sample's stop, -1 written straight into offset 0: the active listener
 * finishes its unit, the standby gets the lock, sees the -1 and exits without a
 * unit, and the controller ends 0 once both are gone.
 */
TEST_IMPL(standby_sample_stop_ends_both)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t journal[TEST_PATH_CAP];
    TestProc *controller;
    DWORD active;
    DWORD standby;
    HANDLE active_handle;
    HANDLE standby_handle;

    controller = StartPair(L"sbsample", name, journal, &active, &standby);
    ASSERT(TestWaitUnitsAtLeast(name, 2, 10000));
    active_handle = TestOpenListener(active);
    standby_handle = TestOpenListener(standby);
    TestWriteCloseMessage(name);
    ASSERT_EQ_INT(TestExitCodeOf(active_handle, 10000), 0);
    ASSERT_EQ_INT(TestExitCodeOf(standby_handle, 10000), 0);
    CloseHandle(active_handle);
    CloseHandle(standby_handle);
    ExpectStoppedCleanly(controller, journal, standby);
}

/*
 * Kill the controller: a new one with --standby adopts both listeners and
 * launches nothing (the pids stay), and killing the active one still fails
 * over to the adopted standby, after which it launches a fresh standby.
 */
TEST_IMPL(standby_adopt_both)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t journal[TEST_PATH_CAP];
    wchar_t text[TEST_TEXT_CAP];
    TestProc *controller;
    DWORD active;
    DWORD standby;
    DWORD killed[1];

    controller = StartPair(L"sbadopt", name, journal, &active, &standby);
    TestTrackPid(active);
    TestTrackPid(standby);
    ASSERT(TestKillPid(TestPid(controller)));

    controller = StartStandbyController(name, journal, L"100");
    ASSERT_OUTPUT(controller, TEXT_ALREADY, 10000);
    swprintf(text, TEST_TEXT_CAP, L"%ls%lu, waiting)", TEXT_STANDBY_ADOPTED, (unsigned long)standby);
    ASSERT_OUTPUT(controller, text, 5000);
    ASSERT(TestWaitHeaderU32(name, OFF_CONTROLLER_PID, TestPid(controller), 5000));
    ASSERT(TestWaitUnitsAtLeast(name, TestHeaderU64(name, OFF_UNITS) + 3, 10000));
    ASSERT_EQ_INT(TestWaitPublished(name, 0, 1000), active);
    ASSERT_EQ_INT(TestHeaderU32(name, OFF_STANDBY_PID), standby);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 0);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_STANDBY_LAUNCHING), 0);
    ExpectStatusShowsStandby(name, standby);

    KillExpectFailover(controller, name, active, standby, 1);
    killed[0] = active;
    /* Nothing launched but the standby that replaces the adopted one. */
    StopAfterFailovers(controller, name, journal, standby, killed, 1, 0);
}

/*
 * A controller without --standby that finds a standby retires it (it says so;
 * the standby exits 0 without ever working) and adopts the active listener.
 */
TEST_IMPL(standby_adopt_without_standby_retires)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t journal[TEST_PATH_CAP];
    wchar_t text[TEST_TEXT_CAP];
    TestProc *controller;
    DWORD active;
    DWORD standby;
    HANDLE standby_handle;

    controller = StartPair(L"sbretire", name, journal, &active, &standby);
    TestTrackPid(active);
    TestTrackPid(standby);
    standby_handle = TestOpenListener(standby);
    ASSERT(TestKillPid(TestPid(controller)));

    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--", L"--journal", journal,
                                     L"--work-ms", SB_WORK_MS, (const wchar_t *)NULL);
    ASSERT_OUTPUT(controller, TEXT_ALREADY, 10000);
    swprintf(text, TEST_TEXT_CAP, L"%ls%lu)", TEXT_STANDBY_RETIRING, (unsigned long)standby);
    ASSERT_OUTPUT(controller, text, 5000);
    ASSERT_EQ_INT(TestExitCodeOf(standby_handle, 5000), 0);
    CloseHandle(standby_handle);
    ASSERT(TestWaitHeaderU32(name, OFF_STANDBY_PID, 0, 5000));
    ASSERT_EQ_INT(TestWaitPublished(name, 0, 1000), active);
    ASSERT_MSG(!JournalHasPid(journal, standby), L"the retired standby %lu did a unit", (unsigned long)standby);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_STANDBY_LAUNCHING), 0);
    TestStopExpect(name, 15000, 0);
    ASSERT_EXIT(controller, 0, 10000);
    (void)DeleteFileW(journal);
}

/* The pauses the controller announced before each next standby, in order. */
static size_t ReadStandbyPauses(TestProc *controller, DWORD *out, size_t cap)
{
    const wchar_t *p = TestOutputText(controller);
    size_t n = 0;

    while (n < cap && (p = wcsstr(p, TEXT_STANDBY_NEXT)) != NULL) {
        p += wcslen(TEXT_STANDBY_NEXT);
        out[n++] = (DWORD)wcstoul(p, NULL, 10);
    }
    return n;
}

/*
 * Standbys that die young back off: kill each standby as soon as it is
 * recorded; the pauses before the next one double from --restart-delay (no
 * spin), the active listener is never touched, and --start-limit does not
 * count these deaths.
 */
TEST_IMPL(standby_quick_deaths_back_off)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t journal[TEST_PATH_CAP];
    TestProc *controller;
    DWORD pauses[16];
    DWORD active;
    DWORD standby = 0;
    DWORD pid;
    ULONGLONG deadline;
    size_t n;
    size_t i;
    int kills = 0;

    TestUniqueName(L"sbbackoff", name, TEST_TEXT_CAP);
    TestTempFile(name, L".journal", journal, TEST_PATH_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--standby", L"--console", L"none",
                                     L"--restart-delay", L"100", L"--start-limit", L"1", L"--", L"--journal", journal,
                                     L"--work-ms", SB_WORK_MS, (const wchar_t *)NULL);
    active = TestWaitOwnListener(controller, name, 0);
    deadline = TestNowMs() + 20000;
    while (kills < 5) {
        ASSERT_MSG(TestNowMs() < deadline, L"only %d standbys to kill within 20 s:\n%ls", kills,
                   TestOutputText(controller));
        pid = TestHeaderU32(name, OFF_STANDBY_PID);
        if (pid != 0 && pid != standby && pid != active && TestKillPid(pid)) {
            standby = pid;
            kills++;
            ASSERT(TestWaitOutputCount(controller, TEXT_STANDBY_NEXT, (size_t)kills, 5000));
        }
        Sleep(5);
    }
    n = ReadStandbyPauses(controller, pauses, 16);
    ASSERT_EQ_INT(n, 5);
    ASSERT_EQ_INT(pauses[0], 100);
    for (i = 1; i < n; i++) {
        ASSERT_EQ_INT(pauses[i], pauses[i - 1] * 2);
    }
    /* No spin: one standby launched per death and the first. */
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_STANDBY_LAUNCHING), 5);
    ASSERT_EQ_INT(TestWaitPublished(name, 0, 1000), active);
    ASSERT_EQ_INT(TestHeaderU32(name, OFF_RESTARTS), 0);
    ASSERT(TestIsRunning(controller));
    TestStopExpect(name, 15000, 0);
    ASSERT_EXIT(controller, 0, 10000);
    (void)DeleteFileW(journal);
}
