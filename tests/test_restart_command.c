/*
 * test_restart_command.c - ConsoleAppController --restart NAME: the active
 * listener finishes its unit and exits, its controller launches the next at
 * once (no back-off, not counted by --start-limit) from the listener file as
 * it is now, and --restart returns once the new listener has published its
 * pid; its exit codes for a timeout (14), nothing running (3) and no
 * controller (15); a listener in the C# sample's format, asked by the close
 * message, which the controller clears itself; with --standby, no gap; and
 * its usage errors.
 */
#include "harness/harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What --restart prints once a new listener runs: "... listener pid OLD replaced by pid NEW in N ms". */
#define TEXT_REPLACED L" replaced by pid "
/* The controller's line for the exit of a listener it restarted. */
#define TEXT_RESTART_EXIT L" for a restart (--restart); relaunching now"

/* Runs --restart NAME [--timeout MS] (none when timeout_ms is 0) and requires exit code expected. */
static TestProc *RestartExpect(const wchar_t *name, DWORD timeout_ms, DWORD expected)
{
    wchar_t text[32];
    TestProc *restart;
    DWORD code = 0;

    swprintf(text, ARRAYSIZE(text), L"%lu", (unsigned long)timeout_ms);
    restart = timeout_ms != 0 ? TestSpawnController(TEST_SPAWN_DEFAULT, L"--restart", name, L"--timeout", text,
                                                    (const wchar_t *)NULL)
                              : TestSpawnController(TEST_SPAWN_DEFAULT, L"--restart", name, (const wchar_t *)NULL);
    ASSERT_MSG(TestWaitExit(restart, 70000, &code), L"--restart %ls did not exit:\n%ls", name,
               TestOutputText(restart));
    ASSERT_MSG(code == expected, L"--restart %ls exited with %lu, expected %lu:\n%ls", name, (unsigned long)code,
               (unsigned long)expected, TestOutputText(restart));
    return restart;
}

/* The new pid --restart reported; it must be the one at offset 0 of name, and not old_pid. */
static DWORD ReplacedPid(TestProc *restart, const wchar_t *name, DWORD old_pid)
{
    const wchar_t *hit = wcsstr(TestOutputText(restart), TEXT_REPLACED);
    DWORD pid;
    LONG message = 0;

    ASSERT_MSG(hit != NULL, L"--restart did not say which listener replaced which:\n%ls", TestOutputText(restart));
    pid = (DWORD)wcstoul(hit + wcslen(TEXT_REPLACED), NULL, 10);
    ASSERT_NE_INT(pid, 0);
    ASSERT_NE_INT(pid, old_pid);
    ASSERT(TestReadMessage(name, &message));
    ASSERT_EQ_INT(message, pid);
    ASSERT(TestPidAlive(pid));
    return pid;
}

/* The run times the controller reported for restarted listeners ("after N ms for a restart"), in order. */
static size_t RestartRunTimes(TestProc *controller, unsigned long *out, size_t cap)
{
    const wchar_t *text = TestOutputText(controller);
    const wchar_t *p = text;
    const wchar_t *after;
    size_t n = 0;

    while (n < cap && (p = wcsstr(p, TEXT_RESTART_EXIT)) != NULL) {
        for (after = p; after > text && wcsncmp(after, L" after ", 7) != 0; after--) {
        }
        out[n++] = wcstoul(after + 7, NULL, 10);
        p += wcslen(TEXT_RESTART_EXIT);
    }
    return n;
}

/* --stop NAME exits 0, the controller then exits 0, having launched launches listeners in all. */
static void StopSupervised(const wchar_t *name, TestProc *controller, size_t launches)
{
    TestStopExpect(name, 15000, 0);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), launches);
}

/* A copy of file (a program of bin\ or a full path) as dir\ConsoleAppListener.exe, in a folder of the test's own. */
static void CopyAsListener(const wchar_t *name, const wchar_t *source, wchar_t *dir, wchar_t *copy)
{
    TestTempFile(name, L".dir", dir, TEST_PATH_CAP);
    ASSERT(CreateDirectoryW(dir, NULL) || GetLastError() == ERROR_ALREADY_EXISTS);
    swprintf(copy, TEST_PATH_CAP, L"%ls\\%ls", dir, TEST_LISTENER_EXE);
    ASSERT_MSG(CopyFileW(source, copy, FALSE), L"cannot copy %ls to %ls (error %lu)", source, copy,
               (unsigned long)GetLastError());
}

/*
 * --restart on a supervised listener, twice: each time exit 0, a new pid of
 * the controller's at offset 0, the old listener exited 0 after finishing its
 * unit (every start in the journal has its end), the controller goes on and
 * counts the restart. The listeners live well under the 1 s of a healthy run,
 * and --restart-delay 5000 would show as a pause of 5 s: there is none; nor
 * does --start-limit 1 end supervision after two restarts.
 */
TEST_IMPL(restart_command_supervised)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t journal[TEST_PATH_CAP];
    unsigned long ran[4];
    JournalSummary summary;
    TestProc *controller;
    TestProc *restart;
    HANDLE old;
    DWORD pid;
    DWORD next;
    ULONGLONG started;
    size_t n;
    int round;

    TestUniqueName(L"restartcmd", name, TEST_TEXT_CAP);
    TestTempFile(name, L".journal", journal, TEST_PATH_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--restart-delay", L"5000",
                                     L"--start-limit", L"1", L"--start-limit-interval", L"60000", L"--", L"--journal",
                                     journal, L"--work-ms", L"100", (const wchar_t *)NULL);
    pid = TestWaitOwnListener(controller, name, 0);
    for (round = 0; round < 2; round++) {
        old = TestOpenListener(pid);
        started = TestNowMs();
        restart = RestartExpect(name, 20000, IPC_EXIT_OK);
        /* Well under the 5 s a back-off would have paused, however slow the machine. */
        ASSERT_LE_INT(TestNowMs() - started, 4000);
        next = ReplacedPid(restart, name, pid);
        ASSERT_EQ_INT(TestParentPid(next), TestPid(controller));
        ASSERT_EQ_INT(TestExitCodeOf(old, 5000), 0);
        CloseHandle(old);
        ASSERT(TestIsRunning(controller));
        ASSERT(TestWaitHeaderU32(name, OFF_RESTARTS, (uint32_t)round + 1, 2000));
        ASSERT_EQ_INT(TestHeaderU32(name, OFF_RESTART_PID), 0);
        ASSERT_EQ_INT(TestCountChildren(TestPid(controller), TEST_LISTENER_EXE), 1);
        pid = next;
    }
    ASSERT(TestWaitOutputCount(controller, TEXT_RESTART_EXIT, 2, 2000));
    ASSERT_NOT_CONTAINS(TestOutputText(controller), L"; relaunching in ");
    ASSERT_NOT_CONTAINS(TestOutputText(controller), L"start limit");
    /* The case a back-off would have met: a listener that exited within 1 s of its launch. */
    n = RestartRunTimes(controller, ran, ARRAYSIZE(ran));
    ASSERT_EQ_INT(n, 2);
    ASSERT_MSG(ran[0] < 1000 || ran[1] < 1000, L"both restarted listeners ran 1 s or more (%lu, %lu ms):\n%ls",
               ran[0], ran[1], TestOutputText(controller));

    StopSupervised(name, controller, 3);
    TestAssertJournalComplete(journal, &summary);
    TestAssertJournalOneAtATime(journal, NULL);
    ASSERT_EQ_INT(summary.pids, 3);
    (void)DeleteFileW(journal);
}

/*
 * A rolling upgrade: the controller supervises a copy of the listener; while
 * it runs, the file is renamed away (Windows lets a running program's file be
 * renamed, not overwritten) and another program put in its place, the
 * harness's stand-in for the C# sample's listener, which records its
 * arguments (echo-args). --restart: the next listener runs the new file. That
 * listener speaks only the C# sample's protocol, in our header: the next
 * --restart reaches it by the close message, which the controller clears.
 */
TEST_IMPL(restart_command_new_listener_exe)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t source[TEST_PATH_CAP];
    wchar_t self[TEST_PATH_CAP];
    wchar_t dir[TEST_PATH_CAP];
    wchar_t copy[TEST_PATH_CAP];
    wchar_t moved[TEST_PATH_CAP];
    wchar_t echo[TEST_PATH_CAP];
    unsigned char *args;
    size_t len = 0;
    DWORD error = 0;
    TestProc *controller;
    TestProc *restart;
    DWORD first;
    DWORD second;
    DWORD third;
    LONG message = 0;

    TestUniqueName(L"restartexe", name, TEST_TEXT_CAP);
    TestBinPath(TEST_LISTENER_EXE, source, TEST_PATH_CAP);
    TestSelfPath(self, TEST_PATH_CAP);
    CopyAsListener(name, source, dir, copy);
    TestTempFile(name, L".echo", echo, TEST_PATH_CAP);
    /* Our listener ignores these; the stand-in, once it is the file, is told what to be. */
    TestSetEnv(TEST_ENV_HELPER, TEST_HELPER_ECHO);
    TestSetEnv(TEST_ENV_ECHO_FILE, echo);
    TestSetEnv(TEST_ENV_SAMPLE_WORK_MS, L"200");
    /* A back-off of 30 s would outlast --restart's --timeout: the relaunches must come at once. */
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--listener", copy, L"--console", L"none",
                                     L"--restart-delay", L"30000", L"--", L"--work-ms", L"200", (const wchar_t *)NULL);
    first = TestWaitOwnListener(controller, name, 0);
    ASSERT(TestWaitUnitsAtLeast(name, 1, 5000)); /* ours: it counts its units */

    swprintf(moved, TEST_PATH_CAP, L"%ls\\previous-listener.exe", dir);
    ASSERT_MSG(MoveFileW(copy, moved), L"cannot rename the running listener's file (error %lu)",
               (unsigned long)GetLastError());
    ASSERT_MSG(CopyFileW(self, copy, FALSE), L"cannot put ipc_tests.exe in its place (error %lu)",
               (unsigned long)GetLastError());
    ASSERT(!TestFileExists(echo));
    ASSERT(TestPidAlive(first));

    restart = RestartExpect(name, 20000, IPC_EXIT_OK);
    second = ReplacedPid(restart, name, first);
    ASSERT_EQ_INT(TestParentPid(second), TestPid(controller));
    ASSERT(!TestPidAlive(first));
    /* The new file ran: the stand-in wrote its arguments, NAME first. */
    args = (unsigned char *)TestReadAll(echo, &len, &error);
    ASSERT_MSG(args != NULL, L"the new file did not run: no %ls (error %lu)", echo, (unsigned long)error);
    /* UTF-16, each argument NUL-terminated, NAME first. */
    ASSERT_MSG(wcscmp((const wchar_t *)args, name) == 0, L"the new listener's first argument is \"%ls\", not \"%ls\"",
               (const wchar_t *)args, name);
    free(args);

    /* The stand-in reads only offset 0: asked by the close message, relaunched, the -1 cleared. */
    restart = RestartExpect(name, 20000, IPC_EXIT_OK);
    third = ReplacedPid(restart, name, second);
    ASSERT_EQ_INT(TestParentPid(third), TestPid(controller));
    ASSERT_OUTPUT(controller, L"sent the close message to the listener", 2000);
    ASSERT(TestReadMessage(name, &message));
    ASSERT_EQ_INT(message, third);
    ASSERT(TestIsRunning(controller));
    ASSERT(TestWaitHeaderU32(name, OFF_RESTARTS, 2, 2000));
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_RESTART_EXIT), 2);
    ASSERT_NOT_CONTAINS(TestOutputText(controller), L"; relaunching in ");

    StopSupervised(name, controller, 3);
    TestSetEnv(TEST_ENV_HELPER, NULL);
    (void)DeleteFileW(echo);
    (void)DeleteFileW(copy);
    (void)DeleteFileW(moved);
    (void)RemoveDirectoryW(dir);
}

/*
 * --timeout ends the wait with exit 14 while the listener is still inside a
 * long unit: nothing is killed, the restart stays requested (restart_pid names
 * the listener), and a second --restart changes nothing. A --stop then wins
 * over it: the listener finishes its unit, the controller ends without a
 * relaunch.
 */
TEST_IMPL(restart_command_timeout)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *controller;
    TestProc *restart;
    DWORD pid;
    ULONGLONG started;
    ULONGLONG elapsed;
    LONG message = 0;

    TestUniqueName(L"restarttimeout", name, TEST_TEXT_CAP);
    controller = TestStartController(name, L"none", L"8000", TEST_SPAWN_DEFAULT);
    pid = TestWaitOwnListener(controller, name, 0);
    ASSERT(TestWaitHeaderU32(name, OFF_STATE, STATE_WORKING, 5000));
    started = TestNowMs();
    restart = RestartExpect(name, 1000, IPC_EXIT_RESTART_TIMEOUT);
    elapsed = TestNowMs() - started;
    ASSERT_GE_INT(elapsed, 1000);
    ASSERT_LE_INT(elapsed, 6000);
    ASSERT_CONTAINS(TestOutputText(restart), L"within 1000 ms");
    ASSERT(TestPidAlive(pid));
    ASSERT(TestReadMessage(name, &message));
    ASSERT_EQ_INT(message, pid);
    ASSERT_EQ_INT(TestHeaderU32(name, OFF_RESTART_PID), pid);
    ASSERT_EQ_INT(TestHeaderU32(name, OFF_STATE), STATE_WORKING);
    /* A second request while one is pending changes nothing. */
    restart = RestartExpect(name, 500, IPC_EXIT_RESTART_TIMEOUT);
    ASSERT_OUTPUT(controller, L"is already pending", 2000);
    ASSERT_EQ_INT(TestHeaderU32(name, OFF_RESTART_PID), pid);
    ASSERT(TestPidAlive(pid));

    TestStopExpect(name, 20000, 0);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_CONTAINS(TestOutputText(controller), L"stopped by a close message from another process");
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    ASSERT(!TestPidAlive(pid));
}

/* Nothing runs for NAME: exit 3, a message that says so and how to start it, and nothing created. */
TEST_IMPL(restart_command_nothing_running)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t text[TEST_TEXT_CAP];
    TestProc *restart;

    TestUniqueName(L"restartnone", name, TEST_TEXT_CAP);
    restart = RestartExpect(name, 0, IPC_EXIT_NOT_RUNNING);
    ASSERT_CONTAINS(TestOutputText(restart), L"nothing to restart");
    swprintf(text, TEST_TEXT_CAP, L"Start it supervised with: ConsoleAppController %ls", name);
    ASSERT_CONTAINS(TestOutputText(restart), text);
    ASSERT(!TestMappingExists(name));
}

/*
 * A listener started by hand, with no controller: exit 15, nothing sent (it
 * goes on working), and the message's command, pasted, starts a controller
 * that adopts it; --restart then works.
 */
TEST_IMPL(restart_command_not_supervised)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *listener;
    TestProc *restart;
    TestProc *controller;
    DWORD pid;
    DWORD next;

    TestUniqueName(L"restartalone", name, TEST_TEXT_CAP);
    listener = TestStartListener(name, 200);
    pid = TestPid(listener);
    restart = RestartExpect(name, 0, IPC_EXIT_NOT_SUPERVISED);
    ASSERT_CONTAINS(TestOutputText(restart), L"no controller supervises it");
    ASSERT_NOT_CONTAINS(TestOutputText(restart), L"Restart requested");
    ASSERT_EQ_INT(TestHeaderU32(name, OFF_RESTART_PID), 0);
    ASSERT(TestWaitUnitsAtLeast(name, 2, 5000));
    ASSERT(TestIsRunning(listener));

    controller = TestRunPrinted(restart, L"run --restart again: ", TEST_SPAWN_DEFAULT);
    ASSERT_OUTPUT(controller, TEXT_ALREADY, 10000);
    restart = RestartExpect(name, 20000, IPC_EXIT_OK);
    next = ReplacedPid(restart, name, pid);
    ASSERT_EQ_INT(TestParentPid(next), TestPid(controller));
    ASSERT_EXIT(listener, 0, 5000);
    TestStopExpect(name, 15000, 0);
    ASSERT_EXIT(controller, 0, 10000);
}

/*
 * The C# sample's format: its listener (the harness's stand-in, as
 * ConsoleAppListener.exe) started by hand makes a 4-byte mapping; our
 * controller adopts it. --restart: the controller sends the close message,
 * the listener finishes its unit and exits 0, the controller clears the -1
 * itself and relaunches: exit 0, the new pid at offset 0, no -1 left.
 */
TEST_IMPL(restart_command_sample_format)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t self[TEST_PATH_CAP];
    wchar_t dir[TEST_PATH_CAP];
    wchar_t copy[TEST_PATH_CAP];
    unsigned char bytes[HEADER_SIZE];
    TestProc *sample;
    TestProc *controller;
    TestProc *restart;
    DWORD next;
    DWORD code = 0;
    size_t i;

    TestUniqueName(L"restartsample", name, TEST_TEXT_CAP);
    TestSelfPath(self, TEST_PATH_CAP);
    CopyAsListener(name, self, dir, copy);
    sample = TestStartSampleListenerAt(copy, name);
    /* The sample's 4 bytes and nothing after them: no header of ours. */
    ASSERT(TestReadBytes(name, bytes, sizeof(bytes)));
    for (i = SAMPLE_MAPPING_SIZE; i < sizeof(bytes); i++) {
        ASSERT_EQ_INT(bytes[i], 0);
    }

    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--listener", copy, L"--console", L"none",
                                     L"--restart-delay", L"30000", (const wchar_t *)NULL);
    ASSERT_OUTPUT(controller, TEXT_ALREADY, 10000);
    restart = RestartExpect(name, 20000, IPC_EXIT_OK);
    next = ReplacedPid(restart, name, TestPid(sample));
    ASSERT_EQ_INT(TestParentPid(next), TestPid(controller));
    ASSERT(TestWaitExit(sample, 5000, &code));
    ASSERT_EQ_INT(code, 0);
    ASSERT_CONTAINS(TestOutputText(sample), TEXT_RECEIVED);
    ASSERT_CONTAINS(TestOutputText(controller), L"sent the close message to the listener");
    ASSERT_CONTAINS(TestOutputText(controller), TEXT_RESTART_EXIT);
    ASSERT_NOT_CONTAINS(TestOutputText(controller), L"stopped by a close message");
    ASSERT_NOT_CONTAINS(TestOutputText(controller), L"; relaunching in ");
    ASSERT(TestIsRunning(controller));
    ASSERT(TestReadBytes(name, bytes, sizeof(bytes)));
    ASSERT_EQ_INT(TestReadU32(bytes + OFF_MAGIC), 0); /* still the sample's format */

    StopSupervised(name, controller, 1);
    TestSetEnv(TEST_ENV_HELPER, NULL);
    (void)DeleteFileW(copy);
    (void)RemoveDirectoryW(dir);
}

/*
 * A listener that died young leaves the controller backing off (here 30 s):
 * --restart relaunches now rather than after the pause.
 */
TEST_IMPL(restart_command_while_backing_off)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *controller;
    TestProc *restart;
    DWORD pid;
    DWORD next;
    ULONGLONG started;

    TestUniqueName(L"restartdown", name, TEST_TEXT_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--restart-delay", L"30000",
                                     L"--", L"--work-ms", L"200", (const wchar_t *)NULL);
    pid = TestWaitOwnListener(controller, name, 0);
    ASSERT(TestKillPid(pid));
    ASSERT_OUTPUT(controller, L"; relaunching in 30000 ms", 5000);
    started = TestNowMs();
    restart = RestartExpect(name, 20000, IPC_EXIT_OK);
    ASSERT_LE_INT(TestNowMs() - started, 10000);
    next = ReplacedPid(restart, name, pid);
    ASSERT_EQ_INT(TestParentPid(next), TestPid(controller));
    ASSERT_CONTAINS(TestOutputText(controller), L"Restart requested while the listener is down; relaunching now");
    ASSERT_EQ_INT(TestHeaderU64(name, OFF_NEXT_RELAUNCH), 0);
    StopSupervised(name, controller, 2);
}

/* --restart with what it cannot take: exit 2, the option named, nothing created. */
TEST_IMPL(restart_command_usage_errors)
{
    static const struct {
        const wchar_t *args[5];
        const wchar_t *mention;
    } cases[] = {
        {{L"--restart", L"--force", NULL}, L"--force cannot be used with --restart"},
        {{L"--restart", L"--timeout", L"1000", L"--force", NULL}, L"--force cannot be used with --restart"},
        {{L"--restart", L"--listener", L"x.exe", NULL}, L"--listener cannot be used with --restart"},
        {{L"--restart", L"--restart-delay", L"100", NULL}, L"--restart-delay cannot be used with --restart"},
        {{L"--restart", L"--standby", NULL}, L"--standby cannot be used with --restart"},
        {{L"--restart", L"--", L"--work-ms", L"1", NULL}, L"-- cannot be used with --restart"},
        {{L"--restart", L"--stop", NULL}, L"use only one of --stop, --restart"},
        {{L"--restart", L"--status", NULL}, L"use only one of --stop, --restart"},
        {{L"--restart", L"--timeout", NULL}, L"option --timeout needs a value"},
        {{L"--restart", L"--restart", NULL}, L"given twice"},
    };
    wchar_t name[TEST_TEXT_CAP];
    wchar_t other[TEST_TEXT_CAP];
    TestProc *proc;
    DWORD code = 0;
    size_t i;

    TestUniqueName(L"restartusage", name, TEST_TEXT_CAP);
    for (i = 0; i < ARRAYSIZE(cases); i++) {
        proc = TestSpawnController(TEST_SPAWN_DEFAULT, name, cases[i].args[0], cases[i].args[1], cases[i].args[2],
                                   cases[i].args[3], (const wchar_t *)NULL);
        ASSERT_MSG(TestWaitExit(proc, 10000, &code), L"case %lu did not exit", (unsigned long)i);
        ASSERT_MSG(code == IPC_EXIT_USAGE, L"case %lu: exit code %lu, expected 2:\n%ls", (unsigned long)i,
                   (unsigned long)code, TestOutputText(proc));
        ASSERT_MSG(wcsstr(TestOutputText(proc), cases[i].mention) != NULL, L"case %lu: no \"%ls\" in:\n%ls",
                   (unsigned long)i, cases[i].mention, TestOutputText(proc));
    }
    /* The name twice: as NAME and after --restart. */
    TestUniqueName(L"restartusage2", other, TEST_TEXT_CAP);
    proc = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--restart", other, (const wchar_t *)NULL);
    ASSERT_EXIT(proc, IPC_EXIT_USAGE, 10000);
    ASSERT_CONTAINS(TestOutputText(proc), L"either NAME or --restart NAME");
    ASSERT(!TestMappingExists(name));
    ASSERT(!TestMappingExists(other));
}

/*
 * With --standby the restart has no gap: the standby (it runs the file as it
 * was when it started) is retired, a fresh one is launched and waits, and
 * only then is the active listener asked to go; the fresh standby takes the
 * lock the moment it lets go. So the new listener is neither the old active
 * nor the old standby, both exit 0, nothing is launched cold, every unit that
 * started ended, and a next standby follows.
 */
TEST_IMPL(restart_command_standby_gapless)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t journal[TEST_PATH_CAP];
    JournalSummary summary;
    TestProc *controller;
    TestProc *restart;
    HANDLE active_handle;
    HANDLE standby_handle;
    DWORD active;
    DWORD standby;
    DWORD next;

    TestUniqueName(L"restartstandby", name, TEST_TEXT_CAP);
    TestTempFile(name, L".journal", journal, TEST_PATH_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--standby", L"--console", L"none",
                                     L"--restart-delay", L"30000", L"--", L"--journal", journal, L"--work-ms", L"200",
                                     (const wchar_t *)NULL);
    active = TestWaitOwnListener(controller, name, 0);
    ASSERT(TestWaitHeaderU32(name, OFF_STANDBY_STATE, STANDBY_WAITING, 15000));
    standby = TestHeaderU32(name, OFF_STANDBY_PID);
    ASSERT_NE_INT(standby, 0);
    active_handle = TestOpenListener(active);
    standby_handle = TestOpenListener(standby);

    restart = RestartExpect(name, 30000, IPC_EXIT_OK);
    next = ReplacedPid(restart, name, active);
    ASSERT_NE_INT(next, standby);
    ASSERT_EQ_INT(TestParentPid(next), TestPid(controller));
    ASSERT_EQ_INT(TestExitCodeOf(active_handle, 5000), 0);
    ASSERT_EQ_INT(TestExitCodeOf(standby_handle, 5000), 0);
    CloseHandle(active_handle);
    CloseHandle(standby_handle);
    ASSERT_CONTAINS(TestOutputText(controller), L"Retiring the standby listener");
    ASSERT_OUTPUT(controller, L"takes over from pid", 5000);
    ASSERT_NOT_CONTAINS(TestOutputText(controller), TEXT_RESTART_EXIT);
    ASSERT(TestWaitHeaderU32(name, OFF_RESTARTS, 1, 2000));
    ASSERT_EQ_INT(TestHeaderU32(name, OFF_RESTART_PID), 0);
    /* Launched: the first active, the retired standby, the fresh one that took over, and the next standby. */
    ASSERT(TestWaitHeaderU32(name, OFF_STANDBY_STATE, STANDBY_WAITING, 15000));
    ASSERT_NE_INT(TestHeaderU32(name, OFF_STANDBY_PID), next);
    ASSERT(TestIsRunning(controller));

    TestStopExpect(name, 15000, 0);
    ASSERT_EXIT(controller, 0, 10000);
    TestAssertJournalComplete(journal, &summary);
    TestAssertJournalOneAtATime(journal, NULL);
    ASSERT_EQ_INT(summary.pids, 2);
    (void)DeleteFileW(journal);
}
