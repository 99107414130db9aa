/*
 * test_usage.c - bad command lines and bad instance names: exit 2 with a message
 * that names the problem, and nothing started, launched or created.
 */
#include "harness/harness.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A bad command line and what the message on stderr must mention (NULL: anything). */
typedef struct BadArgsCase {
    const wchar_t *what; /* for the failure message */
    const wchar_t *args[3];
    const wchar_t *mention;
    const wchar_t *or_mention;
} BadArgsCase;

/*
 * Without NAME: the C# sample's error line on stdout, unchanged, then the one
 * line every usage error ends with, pointing to --help, on stderr; and no wait
 * for a key (stdin is not a console).
 */
TEST_IMPL(listener_no_name)
{
    TestProc *listener = TestSpawnListener(TEST_SPAWN_SPLIT_STDERR, NULL, 0);
    const wchar_t *err;

    ASSERT_EXIT(listener, IPC_EXIT_USAGE, 10000);
    ASSERT_CONTAINS(TestOutputText(listener), TEXT_NO_NAME);
    err = TestErrText(listener);
    ASSERT_EQ_WSTR(err, L"Run ConsoleAppListener --help for usage.\r\n");
}

TEST_IMPL(listener_bad_arguments)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t control_name[TEST_TEXT_CAP];
    wchar_t tab_name[TEST_TEXT_CAP];
    wchar_t prefix[TEST_TEXT_CAP];
    wchar_t long_name[TEST_TEXT_CAP];
    BadArgsCase cases[8];
    TestProc *listener;
    DWORD code = 0;
    const wchar_t *err;
    size_t count;
    size_t i;

    TestUniqueName(L"badargs", name, TEST_TEXT_CAP);
    swprintf(control_name, TEST_TEXT_CAP, L"%ls\x01x", name);
    swprintf(tab_name, TEST_TEXT_CAP, L"%ls\tx", name);
    /* 240 characters: one more than a name may have. */
    swprintf(prefix, TEST_TEXT_CAP, L"%ls-", name);
    TestPadName(long_name, TEST_TEXT_CAP, prefix, 240, L'x');
    memset(cases, 0, sizeof(cases));
    count = 0;
    cases[count].what = L"unknown option";
    cases[count].args[0] = name;
    cases[count].args[1] = L"--bogus";
    cases[count].mention = L"--bogus";
    count++;
    cases[count].what = L"--work-ms abc";
    cases[count].args[0] = name;
    cases[count].args[1] = L"--work-ms";
    cases[count].args[2] = L"abc";
    cases[count].mention = L"abc";
    cases[count].or_mention = L"--work-ms";
    count++;
    cases[count].what = L"--work-ms without a value";
    cases[count].args[0] = name;
    cases[count].args[1] = L"--work-ms";
    cases[count].mention = L"--work-ms";
    count++;
    cases[count].what = L"backslash in the name";
    cases[count].args[0] = L"a\\b";
    count++;
    cases[count].what = L"control character in the name";
    cases[count].args[0] = control_name;
    count++;
    cases[count].what = L"tab in the name";
    cases[count].args[0] = tab_name;
    count++;
    cases[count].what = L"name of 240 characters";
    cases[count].args[0] = long_name;
    count++;
    cases[count].what = L"Local\\ alone";
    cases[count].args[0] = L"Local\\";
    count++;

    for (i = 0; i < count; i++) {
        listener = TestSpawnListener(TEST_SPAWN_SPLIT_STDERR, cases[i].args,
                                     cases[i].args[2] != NULL ? 3 : cases[i].args[1] != NULL ? 2 : 1);
        ASSERT_MSG(TestWaitExit(listener, 10000, &code), L"%ls: the listener did not exit:\n%ls", cases[i].what,
                   TestOutputText(listener));
        ASSERT_MSG(code == IPC_EXIT_USAGE, L"%ls: exit code %lu, expected 2:\n%ls%ls", cases[i].what,
                   (unsigned long)code, TestOutputText(listener), TestErrText(listener));
        err = TestErrText(listener);
        ASSERT_MSG(err[0] != L'\0', L"%ls: nothing on stderr; stdout:\n%ls", cases[i].what,
                   TestOutputText(listener));
        if (cases[i].mention != NULL) {
            ASSERT_MSG(wcsstr(err, cases[i].mention) != NULL ||
                           (cases[i].or_mention != NULL && wcsstr(err, cases[i].or_mention) != NULL),
                       L"%ls: stderr does not name \"%ls\":\n%ls", cases[i].what, cases[i].mention, err);
        }
        ASSERT_MSG(wcsstr(TestOutputText(listener), TEXT_PROCESSING) == NULL, L"%ls: the listener started work",
                   cases[i].what);
    }
}

/* Usage errors: exit 2, nothing launched. */
TEST_IMPL(controller_bad_arguments)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *controller;

    TestUniqueName(L"badopt", name, TEST_TEXT_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--bogus", (const wchar_t *)NULL);
    ASSERT_EXIT(controller, IPC_EXIT_USAGE, 10000);
    ASSERT_CONTAINS(TestOutputText(controller), L"--bogus");
    ASSERT_NOT_CONTAINS(TestOutputText(controller), TEXT_LAUNCHING);

    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"sideways", (const wchar_t *)NULL);
    ASSERT_EXIT(controller, IPC_EXIT_USAGE, 10000);
    ASSERT_NOT_CONTAINS(TestOutputText(controller), TEXT_LAUNCHING);
    ASSERT(!TestMappingExists(name));
}

/* Each refused name, by the listener, the controller and --stop: exit 2, and a message saying what is wrong. */
TEST_IMPL(security_bad_names)
{
    typedef struct BadName {
        const wchar_t *what;
        const wchar_t *name;
        const wchar_t *mention;
    } BadName;
    wchar_t long_name[TEST_TEXT_CAP];
    BadName cases[13];
    size_t count = 0;
    size_t i;
    unsigned run;
    TestProc *proc;
    const wchar_t *shown;
    wchar_t what[TEST_TEXT_CAP];

    TestPadName(long_name, TEST_TEXT_CAP, L"Tlong-", 240, L'x');
    cases[count].what = L"empty";
    cases[count].name = L"";
    cases[count++].mention = L"empty";
    cases[count].what = L"240 characters";
    cases[count].name = long_name;
    cases[count++].mention = L"240";
    cases[count].what = L"a\\b";
    cases[count].name = L"a\\b";
    cases[count++].mention = L"backslash";
    cases[count].what = L"Local\\a\\b";
    cases[count].name = L"Local\\a\\b";
    cases[count++].mention = L"backslash";
    cases[count].what = L"U+0001";
    cases[count].name = L"ctl\x01" L"name";
    cases[count++].mention = L"control";
    cases[count].what = L"U+007F";
    cases[count].name = L"del\x7f" L"name";
    cases[count++].mention = L"control";
    cases[count].what = L"a|b";
    cases[count].name = L"a|b";
    cases[count++].mention = L"reserved";
    cases[count].what = L"Local\\ alone";
    cases[count].name = L"Local\\";
    cases[count++].mention = L"prefix";
    cases[count].what = L"Global\\ alone";
    cases[count].name = L"Global\\";
    cases[count++].mention = L"prefix";
    /* The kernel's prefixes are case-sensitive: another spelling is a usage error that says so. */
    cases[count].what = L"global\\X";
    cases[count].name = L"global\\Tcase";
    cases[count++].mention = L"case-sensitive";
    cases[count].what = L"LOCAL\\X";
    cases[count].name = L"LOCAL\\Tcase";
    cases[count++].mention = L"case-sensitive";
    cases[count].what = L"GLOBAL\\X";
    cases[count].name = L"GLOBAL\\Tcase";
    cases[count++].mention = L"case-sensitive";
    cases[count].what = L"gLoBaL\\ alone";
    cases[count].name = L"gLoBaL\\";
    cases[count++].mention = L"case-sensitive";

    for (i = 0; i < count; i++) {
        for (run = RUN_LISTENER; run <= RUN_STOP; run <<= 1) {
            swprintf(what, TEST_TEXT_CAP, L"%ls with the name %ls", TestRunLabel(run), cases[i].what);
            proc = TestSpawnRun(run, cases[i].name);
            TestExpectExitDoingNothing(proc, what, IPC_EXIT_USAGE);
            if (run == RUN_LISTENER && cases[i].name[0] == L'\0') {
                /* The C# sample's own words for a listener without a name (README.md: exit 2). */
                shown = TestOutputText(proc);
                ASSERT_MSG(wcsstr(shown, TEXT_NO_NAME) != NULL, L"%ls: no \"%ls\":\n%ls", what, TEXT_NO_NAME, shown);
                continue;
            }
            shown = TestErrText(proc);
            ASSERT_MSG(wcsstr(shown, cases[i].mention) != NULL, L"%ls: stderr does not say \"%ls\":\n%ls", what,
                       cases[i].mention, shown);
        }
    }
}

/* Usage errors: numbers out of range, unknown options, missing values: exit 2, the option named, nothing done. */
TEST_IMPL(security_usage_errors)
{
    typedef struct UsageCase {
        const wchar_t *exe;
        const wchar_t *args[6];
        const wchar_t *mention;
    } UsageCase;
    wchar_t name[TEST_TEXT_CAP];
    UsageCase cases[16];
    size_t count = 0;
    size_t i;
    size_t k;
    TestProc *proc;
    wchar_t what[TEST_TEXT_CAP];
    size_t len;

    TestUniqueName(L"usage", name, TEST_TEXT_CAP);
    memset(cases, 0, sizeof(cases));
#define USAGE_CASE(EXE, MENTION, A0, A1, A2, A3)                                                                      \
    do {                                                                                                               \
        cases[count].exe = (EXE);                                                                                      \
        cases[count].args[0] = (A0);                                                                                   \
        cases[count].args[1] = (A1);                                                                                   \
        cases[count].args[2] = (A2);                                                                                   \
        cases[count].args[3] = (A3);                                                                                   \
        cases[count].mention = (MENTION);                                                                              \
        count++;                                                                                                       \
    } while (0)
    USAGE_CASE(TEST_LISTENER_EXE, L"--work-ms", name, L"--work-ms", L"86400001", NULL);
    USAGE_CASE(TEST_LISTENER_EXE, L"--work-ms", name, L"--work-ms", NULL, NULL);
    USAGE_CASE(TEST_LISTENER_EXE, L"--work-ms", name, L"--work-ms", L"-5", NULL);
    USAGE_CASE(TEST_LISTENER_EXE, L"--frobnicate", name, L"--frobnicate", NULL, NULL);
    USAGE_CASE(TEST_CONTROLLER_EXE, L"--hang-timeout", name, L"--hang-timeout", L"0", NULL);
    USAGE_CASE(TEST_CONTROLLER_EXE, L"--hang-timeout", name, L"--hang-timeout", NULL, NULL);
    USAGE_CASE(TEST_CONTROLLER_EXE, L"--restart-delay", name, L"--restart-delay", L"86400001", NULL);
    USAGE_CASE(TEST_CONTROLLER_EXE, L"--console", name, L"--console", NULL, NULL);
    USAGE_CASE(TEST_CONTROLLER_EXE, L"--listener", name, L"--listener", NULL, NULL);
    USAGE_CASE(TEST_CONTROLLER_EXE, L"--frobnicate", name, L"--frobnicate", NULL, NULL);
    USAGE_CASE(TEST_CONTROLLER_EXE, L"--timeout", name, L"--timeout", L"5", NULL);
    USAGE_CASE(TEST_CONTROLLER_EXE, L"--timeout", L"--stop", name, L"--timeout", L"-1");
    USAGE_CASE(TEST_CONTROLLER_EXE, L"--timeout", L"--stop", name, L"--timeout", L"86400001");
    USAGE_CASE(TEST_CONTROLLER_EXE, L"--timeout", L"--stop", name, L"--timeout", NULL);
    USAGE_CASE(TEST_CONTROLLER_EXE, L"--stop", L"--stop", L"--stop", NULL, NULL); /* alone it means SampleApp */
    USAGE_CASE(TEST_CONTROLLER_EXE, L"--frobnicate", L"--stop", name, L"--frobnicate", NULL);
#undef USAGE_CASE

    for (i = 0; i < count; i++) {
        what[0] = L'\0';
        len = 0;
        for (k = 0; cases[i].args[k] != NULL && len + 1 < TEST_TEXT_CAP; k++) {
            swprintf(what + len, TEST_TEXT_CAP - len, L" %ls", cases[i].args[k]);
            len = wcslen(what);
        }
        proc = TestSpawnArgs(cases[i].exe, cases[i].args);
        TestExpectExitDoingNothing(proc, what, IPC_EXIT_USAGE);
        ASSERT_MSG(wcsstr(TestErrText(proc), cases[i].mention) != NULL, L"%ls:%ls: stderr does not name %ls:\n%ls",
                   cases[i].exe, what, cases[i].mention, TestErrText(proc));
    }
    ASSERT_MSG(!TestMappingExists(name), L"a refused command line created the mapping %ls", name);
}

/*
 * An unknown option so long that the error text fills its buffer exactly, or
 * just under or over: the message must be cut cleanly. msvcrt's vswprintf
 * (what MinGW builds use) writes no terminating zero when the text is exactly
 * as long as the buffer, and the message then went on with whatever the stack
 * held after it (found in review). After the run of x's, the message must go
 * straight on with its own text.
 */
TEST_IMPL(security_usage_error_long_option)
{
    static const wchar_t *const exes[2] = {TEST_CONTROLLER_EXE, TEST_LISTENER_EXE};
    wchar_t name[TEST_TEXT_CAP];
    wchar_t *option = (wchar_t *)malloc(600 * sizeof(wchar_t));
    const wchar_t *args[3];
    const wchar_t *err;
    const wchar_t *p;
    size_t len;
    size_t i;
    size_t e;
    TestProc *proc;

    ASSERT(option != NULL);
    TestUniqueName(L"usagelong", name, TEST_TEXT_CAP);
    /* "unknown option '" is 16 characters and "'" one more: 495 fills IPC_ERROR_TEXT_MAX (512) exactly. */
    for (len = 492; len <= 498; len++) {
        option[0] = L'-';
        option[1] = L'-';
        for (i = 2; i < len; i++) {
            option[i] = L'x';
        }
        option[len] = L'\0';
        for (e = 0; e < 2; e++) {
            args[0] = name;
            args[1] = option;
            args[2] = NULL;
            proc = TestSpawnArgs(exes[e], args);
            TestExpectExitDoingNothing(proc, exes[e], IPC_EXIT_USAGE);
            err = TestErrText(proc);
            p = wcsstr(err, L"unknown option '--x");
            ASSERT_MSG(p != NULL, L"%ls with a %u-character option: no 'unknown option' message:\n%ls", exes[e],
                       (unsigned)len, err);
            p += wcslen(L"unknown option '--");
            while (*p == L'x') {
                p++;
            }
            ASSERT_MSG(wcsncmp(p, L"'. Run ", 7) == 0 || wcsncmp(p, L". Run ", 6) == 0,
                       L"%ls with a %u-character option: the message goes on with something else after the option: "
                       L"'%.40ls'",
                       exes[e], (unsigned)len, p);
        }
    }
    free(option);
}

/* Unknown options and bad numbers: exit 2, with a message, for both programs. */
TEST_IMPL(unattended_usage_errors)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *proc;

    TestUniqueName(L"usage", name, TEST_TEXT_CAP);
    proc = TestRunExe(TEST_CONTROLLER_EXE, L"--bogus", NULL, IPC_EXIT_USAGE);
    ASSERT_CONTAINS(TestOutputText(proc), L"--bogus");
    proc = TestRunExe(TEST_CONTROLLER_EXE, L"--install", NULL, IPC_EXIT_USAGE); /* a missing NAME */
    ASSERT_CONTAINS(TestOutputText(proc), L"--install");
    proc = TestRunExe(TEST_CONTROLLER_EXE, L"--hang-timeout", L"soon", IPC_EXIT_USAGE);
    ASSERT_CONTAINS(TestOutputText(proc), L"soon");
    proc = TestRunExe(TEST_CONTROLLER_EXE, L"--log-max-bytes", L"-1", IPC_EXIT_USAGE);
    proc = TestRunExe(TEST_CONTROLLER_EXE, L"--restart-delay", L"99999999999", IPC_EXIT_USAGE);
    proc = TestRunExe(TEST_LISTENER_EXE, L"--bogus", NULL, IPC_EXIT_USAGE);
    ASSERT_CONTAINS(TestOutputText(proc), L"--bogus");
    proc = TestRunExe(TEST_LISTENER_EXE, L"--work-ms", L"12x", IPC_EXIT_USAGE);
    ASSERT_CONTAINS(TestOutputText(proc), L"12x");
    proc = TestRunExe(TEST_LISTENER_EXE, L"--work-ms", L"86400001", IPC_EXIT_USAGE);
    proc = TestRunExe(TEST_LISTENER_EXE, L"--log-max-bytes", L"lots", IPC_EXIT_USAGE);
    ASSERT_NOT_CONTAINS(TestOutputText(proc), TEXT_PROCESSING);
    ASSERT(!TestMappingExists(name));
}

typedef struct RuleCase {
    const wchar_t *exe;
    const wchar_t *mention;
    const wchar_t *args[8];
} RuleCase;

/*
 * Fills one case from its arguments (up to NULL). Assigned one by one: an
 * array initialised from locals is what MSVC's C mode warns about (C4204).
 */
static void AddRule(RuleCase *cases, size_t cap, size_t *count, const wchar_t *exe, const wchar_t *mention, ...)
{
    RuleCase *c;
    const wchar_t *arg;
    size_t k = 0;
    va_list ap;

    ASSERT(*count < cap);
    c = &cases[(*count)++];
    c->exe = exe;
    c->mention = mention;
    va_start(ap, mention);
    for (arg = va_arg(ap, const wchar_t *); arg != NULL; arg = va_arg(ap, const wchar_t *)) {
        ASSERT(k + 1 < ARRAYSIZE(c->args));
        c->args[k++] = arg;
    }
    va_end(ap);
    c->args[k] = NULL;
}

/*
 * One rule for every option of both programs: given twice, or without the
 * option it goes with, is a usage error (exit 2) whose message names the
 * option, and nothing is started. A value given once and then again used to
 * be taken silently (the last one won).
 */
TEST_IMPL(usage_one_rule_for_options)
{
    static const wchar_t *const L_ = TEST_LISTENER_EXE;
    static const wchar_t *const C_ = TEST_CONTROLLER_EXE;
    wchar_t name[TEST_TEXT_CAP];
    wchar_t log[TEST_PATH_CAP];
    RuleCase cases[48];
    size_t count = 0;
    size_t i;
    size_t k;
    size_t len;
    TestProc *proc;
    wchar_t what[TEST_CMD_CAP];
    const wchar_t *n;
    const wchar_t *g;

    TestUniqueName(L"rule", name, TEST_TEXT_CAP);
    TestTempFile(name, L".log", log, TEST_PATH_CAP);
    n = name;
    g = log;
    memset(cases, 0, sizeof(cases));
#define RULE(EXE, MENTION, ...) \
    AddRule(cases, ARRAYSIZE(cases), &count, (EXE), (MENTION), __VA_ARGS__, (const wchar_t *)NULL)
    /* The listener: every option twice, --log-max-bytes without --log, an empty --run. */
    RULE(L_, L"--work-ms is given twice", n, L"--work-ms", L"100", L"--work-ms", L"200");
    RULE(L_, L"--work-ms is given twice", n, L"--work-ms=100", L"--work-ms", L"100");
    RULE(L_, L"--run is given twice", n, L"--run", L"cmd /c exit 0", L"--run", L"cmd /c exit 1");
    RULE(L_, L"--journal is given twice", n, L"--journal", g, L"--journal", g);
    RULE(L_, L"--log is given twice", n, L"--log", g, L"--log", g);
    RULE(L_, L"--log-max-bytes is given twice", n, L"--log", g, L"--log-max-bytes", L"0", L"--log-max-bytes", L"0");
    RULE(L_, L"--log-max-bytes goes with --log", n, L"--log-max-bytes", L"1000");
    RULE(L_, L"--run: the command line is empty", n, L"--run", L"");
    RULE(L_, L"--run: the command line is empty", n, L"--run=");
    /* The controller: every option twice. */
    RULE(C_, L"--listener is given twice", n, L"--listener", L"a.exe", L"--listener", L"b.exe");
    RULE(C_, L"--console is given twice", n, L"--console", L"none", L"--console", L"none");
    RULE(C_, L"--hang-timeout is given twice", n, L"--hang-timeout", L"1000", L"--hang-timeout", L"2000");
    RULE(C_, L"--restart-delay is given twice", n, L"--restart-delay", L"100", L"--restart-delay", L"100");
    RULE(C_, L"--restart-delay-max is given twice", n, L"--restart-delay-max", L"100", L"--restart-delay-max=100");
    RULE(C_, L"--log is given twice", n, L"--log", g, L"--log", g);
    RULE(C_, L"--log-max-bytes is given twice", n, L"--log", g, L"--log-max-bytes", L"0", L"--log-max-bytes", L"0");
    RULE(C_, L"--stop is given twice", L"--stop", n, L"--stop", n);
    RULE(C_, L"--stop is given twice", L"--stop", L"--stop");
    RULE(C_, L"--status is given twice", L"--status", n, L"--status", n);
    RULE(C_, L"--install is given twice", L"--install", n, L"--install", n, L"--dry-run");
    RULE(C_, L"--uninstall is given twice", L"--uninstall", n, L"--uninstall", n);
    RULE(C_, L"--timeout is given twice", L"--stop", n, L"--timeout", L"100", L"--timeout", L"100");
    RULE(C_, L"--force is given twice", L"--stop", n, L"--force", L"--force");
    RULE(C_, L"--dry-run is given twice", L"--install", n, L"--dry-run", L"--dry-run");
    RULE(C_, L"--at-startup is given twice", L"--install", n, L"--at-startup", L"--at-startup", L"--dry-run");
    RULE(C_, L"--at-logon is given twice", L"--install", n, L"--at-logon", L"--at-logon", L"--dry-run");
    RULE(C_, L"the instance name is already", n, n);
    /* The controller: an option without the one it goes with. */
    RULE(C_, L"--log-max-bytes goes with --log", n, L"--log-max-bytes", L"1000");
    RULE(C_, L"--log-max-bytes goes with --log", L"--install", n, L"--log-max-bytes", L"1000", L"--dry-run");
    RULE(C_, L"--timeout goes with --stop", n, L"--timeout", L"100");
    RULE(C_, L"--force goes with --stop", n, L"--force");
    RULE(C_, L"--dry-run goes with --install", n, L"--dry-run");
    RULE(C_, L"--at-startup goes with --install", n, L"--at-startup");
    RULE(C_, L"--at-logon goes with --install", n, L"--at-logon");
    RULE(C_, L"--timeout cannot be used with --status", L"--status", n, L"--timeout", L"100");
    RULE(C_, L"--force cannot be used with --status", L"--status", n, L"--force");
    RULE(C_, L"--console cannot be used with --stop", L"--stop", n, L"--console", L"none");
    RULE(C_, L"--unattended cannot be used with --stop", L"--stop", n, L"--unattended");
    RULE(C_, L"--unattended is given twice", n, L"--unattended", L"--unattended");
    RULE(C_, L"--install needs the instance name", L"--install");
    RULE(C_, L"--uninstall needs the instance name", L"--uninstall");
#undef RULE

    for (i = 0; i < count; i++) {
        swprintf(what, TEST_CMD_CAP, L"%ls", cases[i].exe);
        len = wcslen(what);
        for (k = 0; cases[i].args[k] != NULL && len + 4 < TEST_CMD_CAP; k++) {
            swprintf(what + len, TEST_CMD_CAP - len, L" [%ls]", cases[i].args[k]);
            len = wcslen(what);
        }
        proc = TestSpawnArgs(cases[i].exe, cases[i].args);
        TestExpectExitDoingNothing(proc, what, IPC_EXIT_USAGE);
        ASSERT_MSG(wcsstr(TestErrText(proc), cases[i].mention) != NULL, L"%ls: stderr does not say \"%ls\":\n%ls",
                   what, cases[i].mention, TestErrText(proc));
    }
    ASSERT_MSG(!TestMappingExists(name), L"a refused command line created the mapping %ls", name);
    ASSERT_MSG(!TestFileExists(log), L"a refused command line created the log %ls", log);
}

/*
 * --status and --stop without NAME mean SampleApp, the instance the controller
 * itself runs without NAME (README.md, --help); beside a NAME they mean that
 * NAME. Shown with a listener serving SampleApp: --status finds it, --stop
 * stops it.
 */
TEST_IMPL(usage_status_and_stop_default_name)
{
    wchar_t text[TEST_TEXT_CAP];
    wchar_t other[TEST_TEXT_CAP];
    const wchar_t *args[4];
    TestProc *listener;
    TestProc *proc;
    DWORD pid;

    ASSERT_MSG(!TestMappingExists(DEFAULT_INSTANCE_NAME), L"something serves SampleApp already; cannot test");
    listener = TestStartListener(DEFAULT_INSTANCE_NAME, 200);
    pid = TestPid(listener);

    args[0] = L"--status";
    args[1] = NULL;
    proc = TestSpawnArgs(TEST_CONTROLLER_EXE, args);
    ASSERT_EXIT(proc, IPC_EXIT_OK, 15000);
    ASSERT_CONTAINS(TestOutputText(proc), L"Instance:   SampleApp");
    swprintf(text, TEST_TEXT_CAP, L"Listener:   pid %lu, running", (unsigned long)pid);
    ASSERT_CONTAINS(TestOutputText(proc), text);

    /* Beside a NAME, --status without a value means that NAME. */
    TestUniqueName(L"statusname", other, TEST_TEXT_CAP);
    args[0] = other;
    args[1] = L"--status";
    args[2] = NULL;
    proc = TestSpawnArgs(TEST_CONTROLLER_EXE, args);
    ASSERT_EXIT(proc, IPC_EXIT_NOT_RUNNING, 15000);
    swprintf(text, TEST_TEXT_CAP, L"Instance:   %ls", other);
    ASSERT_CONTAINS(TestOutputText(proc), text);

    /* --stop, and an option after it that is not taken for the name. */
    args[0] = L"--stop";
    args[1] = L"--timeout";
    args[2] = L"10000";
    args[3] = NULL;
    proc = TestSpawnArgs(TEST_CONTROLLER_EXE, args);
    ASSERT_EXIT(proc, IPC_EXIT_OK, 20000);
    ASSERT_OUTPUT(listener, TEXT_RECEIVED, 5000);
    ASSERT_EXIT(listener, 0, 10000);
    ASSERT(!TestPidAlive(pid));
}
