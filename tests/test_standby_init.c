/*
 * test_standby_init.c - a --standby controller whose standby is a library
 * worker with a slow initialisation before IpcListenerOpen (the slow-worker
 * helper, harness.h): a stop sent while the standby initialises still ends
 * everything; a standby retired while it initialises exits instead of
 * waiting; a standby that took over passes no IPC_STANDBY to its children;
 * standbys failing in a slow initialisation back off; and an unverified live
 * standby gets no second one beside it.
 */
#include "harness/harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INIT_MS L"3000"

/* Makes the controllers this test spawns launch ipc_tests.exe as the slow worker, journaling into journal. */
static void EnableSlowWorker(const wchar_t *journal, const wchar_t *init_ms)
{
    TestSetEnv(TEST_ENV_HELPER, TEST_HELPER_SLOW_WORKER);
    TestSetEnv(TEST_ENV_SLOW_INIT_MS, init_ms);
    TestSetEnv(TEST_ENV_SLOW_JOURNAL, journal);
}

/* TRUE when the journal has the line " pid=<pid> unit=<unit> <event>". */
static BOOL JournalHas(const wchar_t *journal, DWORD pid, unsigned long unit, const char *event)
{
    char needle[96];

    snprintf(needle, sizeof(needle), " pid=%lu unit=%lu %s", (unsigned long)pid, unit, event);
    return TestFileHasText(journal, needle);
}

/* --stop returns 0, the controller exits 0, and the journal goes. */
static void StopAndForget(const wchar_t *name, TestProc *controller, const wchar_t *journal)
{
    TestStopExpect(name, 20000, 0);
    ASSERT_EXIT(controller, 0, 15000);
    (void)DeleteFileW(journal);
}

/* A --standby controller of the slow worker; returns it with its active listener and the standby it recorded. */
static TestProc *StartSlowPair(const wchar_t *name, const wchar_t *extra, DWORD *active, DWORD *standby)
{
    wchar_t self[TEST_PATH_CAP];
    TestProc *controller;
    ULONGLONG deadline;

    TestSelfPath(self, TEST_PATH_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--listener", self, L"--console", L"none", extra,
                                     (const wchar_t *)NULL);
    *active = TestWaitListener(controller, name, 0);
    deadline = TestNowMs() + 10000;
    while ((*standby = TestHeaderU32(name, OFF_STANDBY_PID)) == 0 || *standby == *active) {
        ASSERT_MSG(TestNowMs() < deadline, L"the controller recorded no standby for %ls:\n%ls", name,
                   TestOutputText(controller));
        Sleep(TEST_POLL_MS);
    }
    TestTrackPid(*active);
    TestTrackPid(*standby);
    return controller;
}

/*
 * --stop while the standby still initialises: the active listener finishes
 * its unit, consumes the request and lets go; the standby then finds the lock
 * free, and must still see the -1 as the stop it is (not as a stale one left
 * by a listener that stopped): it does no unit, --stop returns 0 and the
 * controller exits 0.
 */
TEST_IMPL(standby_stop_while_initialising)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t journal[TEST_PATH_CAP];
    TestProc *controller;
    DWORD active;
    DWORD standby;
    HANDLE standby_handle;

    TestUniqueName(L"sbinitstop", name, TEST_TEXT_CAP);
    TestTempFile(name, L".journal", journal, TEST_PATH_CAP);
    EnableSlowWorker(journal, INIT_MS);
    controller = StartSlowPair(name, L"--standby", &active, &standby);
    standby_handle = TestOpenListener(standby);
    ASSERT_EQ_INT(TestHeaderU32(name, OFF_STANDBY_STATE), 1);
    TestStopExpect(name, 20000, 0);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_EQ_INT(TestExitCodeOf(standby_handle, 5000), 0);
    CloseHandle(standby_handle);
    ASSERT(!TestPidAlive(active));
    ASSERT(JournalHas(journal, active, 1, "end"));
    ASSERT_MSG(!JournalHas(journal, standby, 1, "start"), L"the standby %lu worked on after the stop",
               (unsigned long)standby);
    (void)DeleteFileW(journal);
}

/*
 * A controller without --standby finds a standby that still initialises and
 * retires it: the retire event must outlive the controller's wait, so the
 * standby finds it signalled when it gets there and exits 0 without waiting.
 */
TEST_IMPL(standby_retired_while_initialising)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t journal[TEST_PATH_CAP];
    wchar_t self[TEST_PATH_CAP];
    wchar_t text[TEST_TEXT_CAP];
    TestProc *controller;
    DWORD active;
    DWORD standby;
    HANDLE standby_handle;

    TestUniqueName(L"sbinitretire", name, TEST_TEXT_CAP);
    TestTempFile(name, L".journal", journal, TEST_PATH_CAP);
    EnableSlowWorker(journal, INIT_MS);
    controller = StartSlowPair(name, L"--standby", &active, &standby);
    standby_handle = TestOpenListener(standby);
    ASSERT(TestKillPid(TestPid(controller)));

    TestSelfPath(self, TEST_PATH_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--listener", self, L"--console", L"none",
                                     (const wchar_t *)NULL);
    swprintf(text, TEST_TEXT_CAP, L"Retiring the standby listener (pid %lu)", (unsigned long)standby);
    ASSERT_OUTPUT(controller, text, 10000);
    ASSERT_MSG(TestExitCodeOf(standby_handle, 8000) == 0, L"the standby %lu retired while starting did not exit:\n%ls",
               (unsigned long)standby, TestOutputText(controller));
    CloseHandle(standby_handle);
    ASSERT(TestWaitHeaderU32(name, OFF_STANDBY_PID, 0, 5000));
    ASSERT_EQ_INT(TestWaitPublished(name, 0, 1000), active);
    ASSERT_MSG(!JournalHas(journal, standby, 1, "start"), L"the retired standby %lu did a unit",
               (unsigned long)standby);
    StopAndForget(name, controller, journal);
}

/* A standby that took over runs its worker without IPC_STANDBY: its own children are no standbys. */
TEST_IMPL(standby_env_not_inherited)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t journal[TEST_PATH_CAP];
    TestProc *controller;
    DWORD active;
    DWORD standby;
    ULONGLONG deadline;

    TestUniqueName(L"sbenv", name, TEST_TEXT_CAP);
    TestTempFile(name, L".journal", journal, TEST_PATH_CAP);
    EnableSlowWorker(journal, L"0");
    controller = StartSlowPair(name, L"--standby", &active, &standby);
    ASSERT(TestWaitHeaderU32(name, OFF_STANDBY_STATE, 2, 10000));
    ASSERT(TestKillPid(active));
    ASSERT_EQ_INT(TestWaitPublished(name, active, 10000), standby);
    deadline = TestNowMs() + 5000;
    while (!JournalHas(journal, standby, 0, "env-")) {
        ASSERT_MSG(TestNowMs() < deadline, L"the standby %lu wrote no environment line", (unsigned long)standby);
        Sleep(TEST_POLL_MS);
    }
    ASSERT_MSG(JournalHas(journal, standby, 0, "env-clean"), L"the ex-standby %lu still has IPC_STANDBY set",
               (unsigned long)standby);
    ASSERT(JournalHas(journal, active, 0, "env-clean"));
    StopAndForget(name, controller, journal);
}

/*
 * A standby that fails after a slow initialisation (longer than the 1 s that
 * makes a run healthy) never got to wait: the next one comes after a pause
 * doubling from --restart-delay, not at once, so there is no launch loop.
 */
TEST_IMPL(standby_slow_init_failures_back_off)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t journal[TEST_PATH_CAP];
    wchar_t self[TEST_PATH_CAP];
    const wchar_t *p;
    TestProc *controller;
    ULONGLONG deadline;
    DWORD pauses[2];
    size_t n = 0;

    TestUniqueName(L"sbinitfail", name, TEST_TEXT_CAP);
    TestTempFile(name, L".journal", journal, TEST_PATH_CAP);
    EnableSlowWorker(journal, L"1300");
    TestSetEnv(TEST_ENV_SLOW_FAIL, L"1");
    TestSelfPath(self, TEST_PATH_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--listener", self, L"--console", L"none",
                                     L"--standby", L"--restart-delay", L"300", (const wchar_t *)NULL);
    (void)TestWaitListener(controller, name, 0);
    deadline = TestNowMs() + 20000;
    while (TestCountOutput(controller, L"; next standby in ") < 2) {
        ASSERT_MSG(TestNowMs() < deadline, L"fewer than two standbys failed within 20 s:\n%ls",
                   TestOutputText(controller));
        Sleep(TEST_POLL_MS);
    }
    p = TestOutputText(controller);
    while (n < ARRAYSIZE(pauses) && (p = wcsstr(p, L"; next standby in ")) != NULL) {
        p += wcslen(L"; next standby in ");
        pauses[n++] = (DWORD)wcstoul(p, NULL, 10);
    }
    ASSERT_EQ_INT(n, 2);
    ASSERT_MSG(pauses[0] >= 300 && pauses[1] >= 600,
               L"standbys that failed in their initialisation were relaunched after %lu and %lu ms:\n%ls",
               (unsigned long)pauses[0], (unsigned long)pauses[1], TestOutputText(controller));
    StopAndForget(name, controller, journal);
}

/*
 * A standby in the header that is alive but fails verification (here a
 * ConsoleAppListener waiting beside a controller whose --listener is another
 * program) still waits for the lock: a --standby controller that adopts the
 * active listener launches no standby of its own beside it, says so once, and
 * a stop still ends all of them.
 */
TEST_IMPL(standby_unverified_alive_no_second)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t journal[TEST_PATH_CAP];
    wchar_t self[TEST_PATH_CAP];
    wchar_t text[TEST_TEXT_CAP];
    TestProc *controller;
    TestProc *foreign;
    DWORD active;
    HANDLE foreign_handle;

    TestUniqueName(L"sbforeign", name, TEST_TEXT_CAP);
    TestTempFile(name, L".journal", journal, TEST_PATH_CAP);
    EnableSlowWorker(journal, L"0");
    TestSelfPath(self, TEST_PATH_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--listener", self, L"--console", L"none",
                                     (const wchar_t *)NULL);
    active = TestWaitListener(controller, name, 0);
    TestTrackPid(active);
    foreign = TestSpawnJournaled(name, 200, journal, TRUE);
    ASSERT(TestWaitHeaderU32(name, OFF_STANDBY_STATE, 2, 10000));
    ASSERT_EQ_INT(TestHeaderU32(name, OFF_STANDBY_PID), TestPid(foreign));
    foreign_handle = TestOpenListener(TestPid(foreign));
    ASSERT(TestKillPid(TestPid(controller)));

    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--listener", self, L"--console", L"none",
                                     L"--standby", (const wchar_t *)NULL);
    ASSERT_OUTPUT(controller, TEXT_ALREADY, 10000);
    swprintf(text, TEST_TEXT_CAP, L"Not adopting the standby pid %lu: ", (unsigned long)TestPid(foreign));
    ASSERT_OUTPUT(controller, text, 5000);
    Sleep(2500);
    ASSERT_EQ_INT(TestCountOutput(controller, L"Launching standby listener: "), 0);
    ASSERT_EQ_INT(TestCountOutput(controller, text), 1);
    ASSERT_EQ_INT(TestHeaderU32(name, OFF_STANDBY_PID), TestPid(foreign));
    TestStopExpect(name, 20000, 0);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_EQ_INT(TestExitCodeOf(foreign_handle, 10000), 0);
    CloseHandle(foreign_handle);
    (void)DeleteFileW(journal);
}
