/*
 * test_policy.c - the restart policy: an exit code in --no-restart-exit-codes
 * ends supervision (exit 12); more relaunches than --start-limit within
 * --start-limit-interval end it as failed (exit 13) after --on-failure ran with
 * the failure in its environment; and the usage errors of these options.
 *
 * The listener is ipc_tests.exe's crash helper (see test_restart.c): it lives
 * as long as its plan says and exits with the code it is given.
 */
#include "harness/harness.h"

#include <stdio.h>
#include <stdlib.h>

/*
 * A controller for name whose listener is the crash helper (every launch
 * exits at once with code), after a 1 ms pause, with the options in opts (up
 * to NULL) added; counter receives the helper's launch counter file.
 */
static TestProc *StartPolicyController(const wchar_t *name, const wchar_t *const *opts, const wchar_t *code,
                                       wchar_t *counter, size_t counter_cap)
{
    static const wchar_t *const fixed[] = {L"--console", L"shared", L"--restart-delay", L"1"};
    wchar_t self[TEST_PATH_CAP];
    wchar_t exe[TEST_PATH_CAP];
    wchar_t *cmd = (wchar_t *)malloc(TEST_CMD_CAP * sizeof(wchar_t));
    TestProc *proc;
    size_t i;

    ASSERT(cmd != NULL);
    TestSelfPath(self, TEST_PATH_CAP);
    TestTempFile(name, L".count", counter, counter_cap);
    TestBinPath(TEST_CONTROLLER_EXE, exe, TEST_PATH_CAP);
    TestSetEnv(TEST_ENV_HELPER, TEST_HELPER_CRASH);
    cmd[0] = L'\0';
    TestAppendArg(cmd, TEST_CMD_CAP, exe);
    TestAppendArg(cmd, TEST_CMD_CAP, name);
    TestAppendArg(cmd, TEST_CMD_CAP, L"--listener");
    TestAppendArg(cmd, TEST_CMD_CAP, self);
    for (i = 0; i < ARRAYSIZE(fixed); i++) {
        TestAppendArg(cmd, TEST_CMD_CAP, fixed[i]);
    }
    for (i = 0; opts[i] != NULL; i++) {
        TestAppendArg(cmd, TEST_CMD_CAP, opts[i]);
    }
    TestAppendArg(cmd, TEST_CMD_CAP, L"--");
    TestAppendArg(cmd, TEST_CMD_CAP, L"0");
    TestAppendArg(cmd, TEST_CMD_CAP, counter);
    TestAppendArg(cmd, TEST_CMD_CAP, code);
    proc = TestSpawn(cmd);
    free(cmd);
    return proc;
}

/*
 * An exit code listed (here in hex, as Windows' NTSTATUS codes are written)
 * ends supervision: one launch, exit 12. The crash helper cannot exit with an
 * NTSTATUS code itself (a negative return means "not a helper" to the test
 * runner), so the code is 42, listed as 0x2A.
 */
TEST_IMPL(policy_no_restart_exit_code)
{
    static const wchar_t *const opts[] = {L"--no-restart-exit-codes", L"7,0x2A,0xC0000005", NULL};
    wchar_t name[TEST_TEXT_CAP];
    wchar_t counter[TEST_PATH_CAP];
    TestProc *controller;

    TestUniqueName(L"norestart", name, TEST_TEXT_CAP);
    controller = StartPolicyController(name, opts, L"42", counter, TEST_PATH_CAP);
    ASSERT_EXIT(controller, IPC_EXIT_NO_RESTART, 20000);
    ASSERT_CONTAINS(TestOutputText(controller), L"exited with code 42 after ");
    ASSERT_CONTAINS(TestOutputText(controller), L"listed in --no-restart-exit-codes; not relaunching");
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    (void)DeleteFileW(counter);
}

/* A code not in the list is relaunched as before. */
TEST_IMPL(policy_unlisted_exit_code_relaunches)
{
    static const wchar_t *const opts[] = {L"--no-restart-exit-codes", L"7,8", NULL};
    wchar_t name[TEST_TEXT_CAP];
    wchar_t counter[TEST_PATH_CAP];
    TestProc *controller;

    TestUniqueName(L"listedno", name, TEST_TEXT_CAP);
    controller = StartPolicyController(name, opts, TEST_CRASH_EXIT_TEXT, counter, TEST_PATH_CAP);
    ASSERT(TestWaitOutputCount(controller, TEXT_LAUNCHING, 3, 20000));
    TestStopExpect(name, 15000, 0);
    ASSERT_EXIT(controller, 0, 10000);
    (void)DeleteFileW(counter);
}

/*
 * --start-limit 3: the initial launch and three relaunches, then the fourth
 * exit within the interval ends supervision with exit 13, after --on-failure
 * wrote the name, the last exit code and the restart count to a file.
 */
TEST_IMPL(policy_start_limit_runs_on_failure)
{
    const wchar_t *opts[] = {L"--start-limit", L"3", L"--start-limit-interval", L"60000", L"--on-failure", NULL, NULL};
    wchar_t name[TEST_TEXT_CAP];
    wchar_t counter[TEST_PATH_CAP];
    wchar_t report[TEST_PATH_CAP];
    wchar_t command[TEST_CMD_CAP];
    wchar_t expected[TEST_TEXT_CAP];
    wchar_t *text;
    size_t launches;
    TestProc *controller;

    TestUniqueName(L"startlimit", name, TEST_TEXT_CAP);
    TestTempFile(name, L".failure", report, TEST_PATH_CAP);
    (void)DeleteFileW(report);
    swprintf(command, TEST_CMD_CAP,
             L"cmd /c echo %%IPC_FAILURE_NAME%%;%%IPC_FAILURE_EXIT_CODE%%;%%IPC_FAILURE_RESTARTS%%> \"%ls\"", report);
    opts[5] = command;
    controller = StartPolicyController(name, opts, TEST_CRASH_EXIT_TEXT, counter, TEST_PATH_CAP);
    ASSERT_EXIT(controller, IPC_EXIT_START_LIMIT, 30000);
    ASSERT_CONTAINS(TestOutputText(controller), L"start limit reached");
    ASSERT_CONTAINS(TestOutputText(controller), L"--start-limit 3 --start-limit-interval 60000");
    ASSERT_CONTAINS(TestOutputText(controller), L"The --on-failure command");
    launches = TestCountOutput(controller, TEXT_LAUNCHING);
    ASSERT_EQ_INT(launches, 4);
    text = TestReadText(report);
    swprintf(expected, TEST_TEXT_CAP, L"%ls;%ls;3", name, TEST_CRASH_EXIT_TEXT);
    ASSERT_CONTAINS(text, expected);
    free(text);
    /* The controller is gone and launched nothing more. */
    Sleep(500);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), launches);
    (void)DeleteFileW(counter);
    (void)DeleteFileW(report);
}

/* Bad lists and values, an option twice, and the companions of --start-limit without it: exit 2, nothing launched. */
TEST_IMPL(policy_usage_errors)
{
    static const struct {
        const wchar_t *args[5];
        const wchar_t *mention;
    } cases[] = {
        {{L"--no-restart-exit-codes", L"1,,2", NULL}, L"is not a comma-separated list of at most 32 exit codes"},
        {{L"--no-restart-exit-codes", L"1,", NULL}, L"is not a comma-separated list of at most 32 exit codes"},
        {{L"--no-restart-exit-codes", L"0x", NULL}, L"is not a comma-separated list of at most 32 exit codes"},
        {{L"--no-restart-exit-codes", L"0x100000000", NULL}, L"is not a comma-separated list of at most 32 exit codes"},
        {{L"--no-restart-exit-codes", L"4294967296", NULL}, L"is not a comma-separated list of at most 32 exit codes"},
        {{L"--no-restart-exit-codes", L"-1", NULL}, L"is not a comma-separated list of at most 32 exit codes"},
        {{L"--no-restart-exit-codes", L"1 2", NULL}, L"is not a comma-separated list of at most 32 exit codes"},
        {{L"--no-restart-exit-codes", NULL}, L"option --no-restart-exit-codes needs a value"},
        {{L"--no-restart-exit-codes", L"1", L"--no-restart-exit-codes", L"2", NULL}, L"given twice"},
        {{L"--start-limit", L"0", NULL}, L"is not a whole number of exits from 1 to 100"},
        {{L"--start-limit", L"101", NULL}, L"is not a whole number of exits from 1 to 100"},
        {{L"--start-limit", L"five", NULL}, L"is not a whole number of exits from 1 to 100"},
        {{L"--start-limit", L"2", L"--start-limit", L"2", NULL}, L"given twice"},
        {{L"--start-limit-interval", L"5000", NULL}, L"--start-limit-interval goes with --start-limit N"},
        {{L"--start-limit", L"2", L"--start-limit-interval", L"0", NULL}, L"--start-limit-interval: '0' is not"},
        {{L"--on-failure", L"cmd /c exit 0", NULL}, L"--on-failure goes with --start-limit N"},
        {{L"--start-limit", L"2", L"--on-failure", L"", NULL}, L"command line is empty"},
        {{L"--status", L"--start-limit", L"2", NULL}, L"cannot be used with --status"},
    };
    wchar_t name[TEST_TEXT_CAP];
    size_t i;

    TestUniqueName(L"policyusage", name, TEST_TEXT_CAP);
    for (i = 0; i < ARRAYSIZE(cases); i++) {
        TestProc *controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, cases[i].args[0], cases[i].args[1],
                                                   cases[i].args[2], cases[i].args[3], (const wchar_t *)NULL);
        DWORD code = 0;
        ASSERT_MSG(TestWaitExit(controller, 10000, &code), L"case %lu did not exit", (unsigned long)i);
        ASSERT_MSG(code == IPC_EXIT_USAGE, L"case %lu: exit code %lu, expected 2:\n%ls", (unsigned long)i,
                   (unsigned long)code, TestOutputText(controller));
        ASSERT_MSG(wcsstr(TestOutputText(controller), cases[i].mention) != NULL, L"case %lu: no \"%ls\" in:\n%ls",
                   (unsigned long)i, cases[i].mention, TestOutputText(controller));
        ASSERT_NOT_CONTAINS(TestOutputText(controller), TEXT_LAUNCHING);
    }
    ASSERT(!TestMappingExists(name));
}

/* --install carries the policy options into the task's arguments, as it carries every supervision option. */
TEST_IMPL(policy_install_carries_options)
{
    static const wchar_t *const opts[] = {L"--dry-run", L"--no-restart-exit-codes", L"0x2A,7", L"--start-limit",
                                          L"3", L"--start-limit-interval", L"5000", L"--on-failure", L"notify.cmd"};
    wchar_t name[TEST_TEXT_CAP];
    wchar_t exe[TEST_PATH_CAP];
    wchar_t path[TEST_PATH_CAP];
    wchar_t cmd[TEST_CMD_CAP];
    wchar_t *xml;
    TestProc *proc;
    size_t i;

    TestUniqueName(L"policyinstall", name, TEST_TEXT_CAP);
    TestTempFile(name, L".xml", path, TEST_PATH_CAP);
    TestBinPath(TEST_CONTROLLER_EXE, exe, TEST_PATH_CAP);
    cmd[0] = L'\0';
    TestAppendArg(cmd, TEST_CMD_CAP, exe);
    TestAppendArg(cmd, TEST_CMD_CAP, L"--install");
    TestAppendArg(cmd, TEST_CMD_CAP, name);
    for (i = 0; i < ARRAYSIZE(opts); i++) {
        TestAppendArg(cmd, TEST_CMD_CAP, opts[i]);
    }
    proc = TestSpawnToFile(cmd, path);
    ASSERT_EXIT(proc, 0, 15000);
    xml = TestReadText(path);
    ASSERT_CONTAINS(xml, L"--no-restart-exit-codes 0x2A,7 --start-limit 3 --start-limit-interval 5000 --on-failure "
                         L"notify.cmd");
    free(xml);
    (void)DeleteFileW(path);
}
