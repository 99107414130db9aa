/*
 * test_install.c - --install and --uninstall: the Task Scheduler task, its XML
 * (a dry run, a file, and an installed task read back).
 */
#include "harness/harness.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>
#include <winioctl.h>

#define TASK_PREFIX L"ConsoleAppController-"

/* text with & < > " escaped as XML does. */
static void XmlEscape(const wchar_t *text, wchar_t *out, size_t cap)
{
    size_t len = 0;
    const wchar_t *p;
    const wchar_t *rep;
    wchar_t one[2];
    size_t k;

    for (p = text; *p != L'\0'; p++) {
        one[0] = *p;
        one[1] = L'\0';
        rep = *p == L'&' ? L"&amp;" : *p == L'<' ? L"&lt;" : *p == L'>' ? L"&gt;" : *p == L'"' ? L"&quot;" : one;
        k = wcslen(rep);
        ASSERT(len + k + 1 <= cap);
        memcpy(out + len, rep, k * sizeof(wchar_t));
        len += k;
    }
    out[len] = L'\0';
}

/* The text between <tag> and </tag>, copied to out; fails when absent. */
static void XmlElement(const wchar_t *xml, const wchar_t *tag, wchar_t *out, size_t cap)
{
    wchar_t open[64];
    wchar_t close[64];
    const wchar_t *start;
    const wchar_t *end;
    size_t n;

    swprintf(open, 64, L"<%ls>", tag);
    swprintf(close, 64, L"</%ls>", tag);
    start = wcsstr(xml, open);
    ASSERT_MSG(start != NULL, L"no %ls in:\n%ls", open, xml);
    start += wcslen(open);
    end = wcsstr(start, close);
    ASSERT_MSG(end != NULL, L"no %ls in:\n%ls", close, xml);
    n = (size_t)(end - start);
    ASSERT(n < cap);
    memcpy(out, start, n * sizeof(wchar_t));
    out[n] = L'\0';
}

/*
 * ConsoleAppController with the arguments that follow (up to NULL), its
 * standard output a file, as `--install NAME --dry-run > task.xml` makes it:
 * exit 0, and the file holds UTF-16 LE after a BOM, starting "<" (FF FE 3C 00),
 * the encoding its XML declares. Returns the text (free it); the bytes are
 * left in path.
 */
static wchar_t *DryRunXml(const wchar_t *path, ...)
{
    wchar_t exe[TEST_PATH_CAP];
    wchar_t *cmd = (wchar_t *)malloc(TEST_CMD_CAP * sizeof(wchar_t));
    const wchar_t *arg;
    unsigned char *bytes;
    size_t len = 0;
    DWORD error = ERROR_SUCCESS;
    TestProc *proc;
    va_list ap;
    wchar_t *xml;

    ASSERT(cmd != NULL);
    TestBinPath(TEST_CONTROLLER_EXE, exe, TEST_PATH_CAP);
    cmd[0] = L'\0';
    TestAppendArg(cmd, TEST_CMD_CAP, exe);
    va_start(ap, path);
    for (arg = va_arg(ap, const wchar_t *); arg != NULL; arg = va_arg(ap, const wchar_t *)) {
        TestAppendArg(cmd, TEST_CMD_CAP, arg);
    }
    va_end(ap);
    proc = TestSpawnToFile(cmd, path);
    ASSERT_EXIT(proc, 0, 30000);
    bytes = TestReadAll(path, &len, &error);
    ASSERT_MSG(bytes != NULL, L"cannot read %ls (error %lu)", path, (unsigned long)error);
    ASSERT_MSG(len >= 4 && bytes[0] == 0xFF && bytes[1] == 0xFE && bytes[2] == '<' && bytes[3] == 0,
               L"%ls: the output is not UTF-16 LE with a BOM (%u bytes, starting %02x %02x %02x %02x)", cmd,
               (unsigned)len, len > 0 ? bytes[0] : 0, len > 1 ? bytes[1] : 0, len > 2 ? bytes[2] : 0,
               len > 3 ? bytes[3] : 0);
    free(bytes);
    xml = TestReadText(path);
    free(cmd);
    return xml;
}

/* The number in <tag>N</tag>, which must lie in [min, max]. */
static void XmlNumberIn(const wchar_t *xml, const wchar_t *tag, unsigned long min, unsigned long max)
{
    wchar_t text[64];
    wchar_t *end = NULL;
    unsigned long value;

    XmlElement(xml, tag, text, ARRAYSIZE(text));
    value = wcstoul(text, &end, 10);
    ASSERT_MSG(end != text && *end == L'\0' && value >= min && value <= max, L"<%ls> is \"%ls\", not %lu to %lu", tag,
               text, min, max);
}

/*
 * The settings that keep the controller running: no time limit, IgnoreNew,
 * the trigger repeated every 5 minutes for ever (a dead controller comes back;
 * RestartOnFailure only retries a failed start), RestartOnFailure's Count in
 * the schema's 1-255, and a priority of the normal band (4-6; 7 is
 * BELOW_NORMAL, inherited by the listener and its --run commands).
 */
static void AssertSettings(const wchar_t *xml, const wchar_t *trigger)
{
    wchar_t open[64];
    wchar_t text[TEST_TEXT_CAP];
    wchar_t repetition[TEST_TEXT_CAP];

    ASSERT_CONTAINS(xml, L"<ExecutionTimeLimit>PT0S</ExecutionTimeLimit>");
    ASSERT_CONTAINS(xml, L"<MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>");
    XmlNumberIn(xml, L"Priority", 4, 6);
    XmlElement(xml, L"RestartOnFailure", text, TEST_TEXT_CAP);
    XmlNumberIn(text, L"Count", 1, 255);
    ASSERT_CONTAINS(text, L"<Interval>PT1M</Interval>");
    XmlElement(xml, trigger, text, TEST_TEXT_CAP);
    XmlElement(text, L"Repetition", repetition, TEST_TEXT_CAP);
    ASSERT_CONTAINS(repetition, L"<Interval>PT5M</Interval>");
    ASSERT_NOT_CONTAINS(repetition, L"<Duration>");
    ASSERT_NOT_CONTAINS(repetition, L"<StopAtDurationEnd>true");
    /* The schema's order (triggerBaseType): Enabled, then Repetition, before the trigger's own elements. */
    ASSERT_MSG(wcsstr(text, L"<Enabled>") < wcsstr(text, L"<Repetition>"), L"Enabled after Repetition:\n%ls", text);
    swprintf(open, 64, L"<UserId>");
    if (wcsstr(text, open) != NULL) {
        ASSERT_MSG(wcsstr(text, L"</Repetition>") < wcsstr(text, open), L"UserId before Repetition:\n%ls", text);
    }
}

/* --install --dry-run: the whole definition, with and without --at-startup. */
TEST_IMPL(unattended_task_dry_run)
{
    static const wchar_t kDeclaration[] = L"<?xml version=\"1.0\" encoding=\"UTF-16\"?>";
    wchar_t name[TEST_TEXT_CAP];
    wchar_t bin[TEST_PATH_CAP];
    wchar_t controller_exe[TEST_PATH_CAP];
    wchar_t listener_abs[TEST_PATH_CAP];
    wchar_t log_abs[TEST_PATH_CAP];
    wchar_t *args = NULL;
    wchar_t *escaped = NULL;
    wchar_t *got = NULL;
    wchar_t text[TEST_TEXT_CAP];
    wchar_t *slash;
    wchar_t *out;
    wchar_t path[TEST_PATH_CAP];
    const wchar_t *amp;
    int pass;

    args = (wchar_t *)malloc(TEST_CMD_CAP * sizeof(wchar_t));
    escaped = (wchar_t *)malloc(TEST_CMD_CAP * sizeof(wchar_t));
    got = (wchar_t *)malloc(TEST_CMD_CAP * sizeof(wchar_t));
    ASSERT(args != NULL && escaped != NULL && got != NULL);

    /* Relative --listener and --log, resolved against the folder the controller runs in (ours). */
    TestBinPath(TEST_CONTROLLER_EXE, controller_exe, TEST_PATH_CAP);
    TestBinPath(L"", bin, TEST_PATH_CAP);
    ASSERT(SetCurrentDirectoryW(bin));
    ASSERT(GetFullPathNameW(TEST_LISTENER_EXE, TEST_PATH_CAP, listener_abs, NULL) > 0);
    ASSERT(GetFullPathNameW(L"logs&more\\svc.log", TEST_PATH_CAP, log_abs, NULL) > 0);
    slash = wcsrchr(log_abs, L'\\');
    ASSERT(slash != NULL && wcscmp(slash, L"\\svc.log") == 0);

    /* & in NAME, in the log's path and in a listener argument: each must come out as &amp;. */
    TestUniqueName(L"dry&run", name, TEST_TEXT_CAP);
    TestTempFile(L"Tdryrun", L".xml", path, TEST_PATH_CAP);
    args[0] = L'\0';
    TestAppendArg(args, TEST_CMD_CAP, name);
    /* The task's controller has no console and no prompt: no key or window of its console can stop it. */
    TestAppendArg(args, TEST_CMD_CAP, L"--unattended");
    TestAppendArg(args, TEST_CMD_CAP, L"--listener");
    TestAppendArg(args, TEST_CMD_CAP, listener_abs);
    TestAppendArg(args, TEST_CMD_CAP, L"--log");
    TestAppendArg(args, TEST_CMD_CAP, log_abs);
    TestAppendArg(args, TEST_CMD_CAP, L"--hang-timeout");
    TestAppendArg(args, TEST_CMD_CAP, L"5000");
    TestAppendArg(args, TEST_CMD_CAP, L"--");
    TestAppendArg(args, TEST_CMD_CAP, L"--run");
    TestAppendArg(args, TEST_CMD_CAP, L"a&b");
    XmlEscape(args, escaped, TEST_CMD_CAP);

    for (pass = 0; pass < 2; pass++) {
        if (pass == 0) {
            out = DryRunXml(path, L"--install", name, L"--dry-run", L"--listener", TEST_LISTENER_EXE, L"--log",
                            L"logs&more\\svc.log", L"--hang-timeout", L"5000", L"--", L"--run", L"a&b",
                            (const wchar_t *)NULL);
        } else {
            out = DryRunXml(path, L"--install", name, L"--at-startup", L"--dry-run", L"--listener", TEST_LISTENER_EXE,
                            L"--log", L"logs&more\\svc.log", L"--hang-timeout", L"5000", L"--", L"--run", L"a&b",
                            (const wchar_t *)NULL);
        }
        ASSERT_MSG(wcsncmp(out, kDeclaration, wcslen(kDeclaration)) == 0,
                   L"the definition does not start with the UTF-16 declaration:\n%ls", out);
        ASSERT_CONTAINS(out, L"<RestartOnFailure>");
        ASSERT_CONTAINS(out, L"</Task>");
        if (pass == 0) {
            ASSERT_CONTAINS(out, L"<LogonTrigger>");
            ASSERT_NOT_CONTAINS(out, L"<BootTrigger>");
            AssertSettings(out, L"LogonTrigger");
        } else {
            ASSERT_CONTAINS(out, L"<BootTrigger>");
            ASSERT_NOT_CONTAINS(out, L"<LogonTrigger>");
            ASSERT_CONTAINS(out, L"<LogonType>S4U</LogonType>");
            AssertSettings(out, L"BootTrigger");
        }
        XmlElement(out, L"Command", got, TEST_CMD_CAP);
        ASSERT_MSG(_wcsicmp(got, controller_exe) == 0, L"<Command> is \"%ls\", expected \"%ls\"", got, controller_exe);
        XmlElement(out, L"Arguments", got, TEST_CMD_CAP);
        ASSERT_EQ_WSTR(got, escaped);
        XmlElement(out, L"URI", got, TEST_CMD_CAP);
        XmlEscape(name, text, TEST_TEXT_CAP);
        ASSERT_MSG(wcsncmp(got, L"\\" TASK_PREFIX, wcslen(TASK_PREFIX) + 1) == 0 &&
                       wcscmp(got + wcslen(TASK_PREFIX) + 1, text) == 0,
                   L"<URI> is \"%ls\"", got);
        XmlElement(out, L"Description", got, TEST_CMD_CAP);
        ASSERT_CONTAINS(got, text);
        for (amp = wcschr(out, L'&'); amp != NULL; amp = wcschr(amp + 1, L'&')) {
            ASSERT_MSG(wcsncmp(amp, L"&amp;", 5) == 0 || wcsncmp(amp, L"&lt;", 4) == 0 ||
                           wcsncmp(amp, L"&gt;", 4) == 0 || wcsncmp(amp, L"&quot;", 6) == 0,
                       L"an unescaped & in the definition: \"%.20ls\"", amp);
        }
        ASSERT_NOT_CONTAINS(out, L"--dry-run");
        ASSERT_NOT_CONTAINS(out, L"--at-startup");
        free(out);
    }

    /*
     * The same paths in the one-word form --listener=PATH --log=FILE: made
     * absolute too, kept in one word (they were copied relative, and the task,
     * which runs in the controller's folder, then failed at every start).
     */
    args[0] = L'\0';
    TestAppendArg(args, TEST_CMD_CAP, name);
    TestAppendArg(args, TEST_CMD_CAP, L"--unattended");
    swprintf(text, TEST_TEXT_CAP, L"--listener=%ls", listener_abs);
    TestAppendArg(args, TEST_CMD_CAP, text);
    swprintf(text, TEST_TEXT_CAP, L"--log=%ls", log_abs);
    TestAppendArg(args, TEST_CMD_CAP, text);
    XmlEscape(args, escaped, TEST_CMD_CAP);
    out = DryRunXml(path, L"--install", name, L"--dry-run", L"--listener=" TEST_LISTENER_EXE,
                    L"--log=logs&more\\svc.log", (const wchar_t *)NULL);
    XmlElement(out, L"Arguments", got, TEST_CMD_CAP);
    ASSERT_EQ_WSTR(got, escaped);
    free(out);

    /* A backslash in NAME becomes _ in the task's name. */
    TestUniqueName(L"drylocal", text, TEST_TEXT_CAP);
    swprintf(name, TEST_TEXT_CAP, L"Local\\%ls", text);
    out = DryRunXml(path, L"--install", name, L"--dry-run", (const wchar_t *)NULL);
    XmlElement(out, L"URI", got, TEST_CMD_CAP);
    swprintf(args, TEST_CMD_CAP, L"\\" TASK_PREFIX L"Local_%ls", text);
    ASSERT_EQ_WSTR(got, args);
    free(out);
    DeleteFileW(path);
    free(args);
    free(escaped);
    free(got);
}

/* Where Task Scheduler keeps a task's definition: %SystemRoot%\System32\Tasks\<name> (Wine: ...\tasks\). */
static void TaskFile(const wchar_t *task_name, wchar_t *out, size_t cap)
{
    wchar_t sys[TEST_PATH_CAP];
    UINT n = GetSystemDirectoryW(sys, TEST_PATH_CAP);

    ASSERT(n > 0 && n < TEST_PATH_CAP);
    swprintf(out, cap, L"%ls\\Tasks\\%ls", sys, task_name);
}

/*
 * The definition Task Scheduler stored for task_name, or NULL (with a note)
 * when this user may not read it: on Windows the Tasks folder is for
 * administrators; under Wine it is readable.
 */
static wchar_t *ReadTaskFile(const wchar_t *task_name)
{
    wchar_t path[TEST_PATH_CAP];
    DWORD error = ERROR_SUCCESS;
    wchar_t *text;

    TaskFile(task_name, path, TEST_PATH_CAP);
    text = TestReadTextEx(path, &error);
    if (text == NULL && error == ERROR_ACCESS_DENIED) {
        TestPrint(L"note: %ls cannot be read by this user; checked the exit codes only\n", path);
        return NULL;
    }
    ASSERT_MSG(text != NULL, L"the task file %ls cannot be read (error %lu)", path, (unsigned long)error);
    return text;
}

/* --install for real, read back, --uninstall twice; a Local\ name's task is named with _. */
static void InstallAndUninstall(const wchar_t *name, const wchar_t *task_name)
{
    wchar_t path[TEST_PATH_CAP];
    wchar_t text[TEST_TEXT_CAP];
    TestProc *proc;
    wchar_t *stored;

    TaskFile(task_name, path, TEST_PATH_CAP);
    proc = TestSpawnController(TEST_SPAWN_DEFAULT, L"--install", name, L"--", L"--work-ms", L"1000",
                               (const wchar_t *)NULL);
    ASSERT_EXIT(proc, 0, 30000);
    ASSERT_CONTAINS(TestOutputText(proc), L"Registered task");
    ASSERT_CONTAINS(TestOutputText(proc), task_name);

    /*
     * Wine re-serialises the definition and keeps RegistrationInfo and Settings
     * only (triggers, principal and actions come back empty), so what can be
     * read back is checked here; unattended_task_dry_run checks the rest of what
     * is registered, the definition itself.
     */
    stored = ReadTaskFile(task_name);
    if (stored != NULL) {
        ASSERT_CONTAINS(stored, L"<ExecutionTimeLimit>PT0S</ExecutionTimeLimit>");
        ASSERT_CONTAINS(stored, L"<MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>");
        swprintf(text, TEST_TEXT_CAP, L"<URI>\\%ls</URI>", task_name);
        ASSERT_CONTAINS(stored, text);
        swprintf(text, TEST_TEXT_CAP, L"Supervises ConsoleAppListener %ls ", name);
        ASSERT_CONTAINS(stored, text);
        free(stored);
    }

    proc = TestSpawnController(TEST_SPAWN_DEFAULT, L"--uninstall", name, (const wchar_t *)NULL);
    ASSERT_EXIT(proc, 0, 30000);
    ASSERT_CONTAINS(TestOutputText(proc), L"Removed task");
    ASSERT_MSG(!TestFileExists(path), L"%ls is still there after --uninstall", path);
    proc = TestSpawnController(TEST_SPAWN_DEFAULT, L"--uninstall", name, (const wchar_t *)NULL);
    ASSERT_EXIT(proc, 0, 30000);
    ASSERT_CONTAINS(TestOutputText(proc), L"nothing to remove");
}

TEST_IMPL(unattended_task_install)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t local[TEST_TEXT_CAP];
    wchar_t task_name[TEST_TEXT_CAP];

    TestUniqueName(L"task", name, TEST_TEXT_CAP);
    swprintf(task_name, TEST_TEXT_CAP, TASK_PREFIX L"%ls", name);
    InstallAndUninstall(name, task_name);

    TestUniqueName(L"tasklocal", name, TEST_TEXT_CAP);
    swprintf(local, TEST_TEXT_CAP, L"Local\\%ls", name);
    swprintf(task_name, TEST_TEXT_CAP, TASK_PREFIX L"Local_%ls", name);
    InstallAndUninstall(local, task_name);
}

/* Run schtasks.exe with the arguments that follow (up to NULL); returns its exit code. */
static DWORD Schtasks(TestProc **out, ...)
{
    wchar_t *cmd = (wchar_t *)malloc(TEST_CMD_CAP * sizeof(wchar_t));
    const wchar_t *arg;
    TestProc *proc;
    DWORD code = 0;
    va_list ap;

    ASSERT(cmd != NULL);
    cmd[0] = L'\0';
    TestAppendArg(cmd, TEST_CMD_CAP, L"schtasks.exe");
    va_start(ap, out);
    for (arg = va_arg(ap, const wchar_t *); arg != NULL; arg = va_arg(ap, const wchar_t *)) {
        TestAppendArg(cmd, TEST_CMD_CAP, arg);
    }
    va_end(ap);
    proc = TestSpawn(cmd);
    ASSERT_MSG(TestWaitExit(proc, 30000, &code), L"%ls did not exit within 30 s", cmd);
    free(cmd);
    *out = proc;
    return code;
}

/*
 * The one task definition, task.c's, as --install --dry-run writes it to a
 * file (`> task.xml`): UTF-16 LE with a BOM, the settings, and schtasks
 * accepts the file as it is.
 */
TEST_IMPL(unattended_task_xml_file)
{
    wchar_t path[TEST_PATH_CAP];
    wchar_t name[TEST_TEXT_CAP];
    wchar_t stored_path[TEST_PATH_CAP];
    wchar_t *xml = NULL;
    DWORD code;
    TestProc *proc = NULL;

    TestUniqueName(L"taskxml", name, TEST_TEXT_CAP);
    TestTempFile(name, L".xml", path, TEST_PATH_CAP);
    xml = DryRunXml(path, L"--install", name, L"--dry-run", (const wchar_t *)NULL);
    ASSERT_CONTAINS(xml, L"encoding=\"UTF-16\"");
    ASSERT_CONTAINS(xml, L"<RestartOnFailure>");
    AssertSettings(xml, L"LogonTrigger");
    free(xml);

    TestUniqueName(L"taskxml", name, TEST_TEXT_CAP);
    TaskFile(name, stored_path, TEST_PATH_CAP);
    code = Schtasks(&proc, L"/create", L"/xml", path, L"/tn", name, (const wchar_t *)NULL);
    ASSERT_MSG(code == 0, L"schtasks /create /xml %ls exited with %lu:\n%ls", path, (unsigned long)code,
               TestOutputText(proc));
    xml = ReadTaskFile(name);
    if (xml != NULL) {
        ASSERT_CONTAINS(xml, L"<ExecutionTimeLimit>PT0S</ExecutionTimeLimit>");
        free(xml);
    }
    code = Schtasks(&proc, L"/delete", L"/tn", name, L"/f", (const wchar_t *)NULL);
    ASSERT_MSG(code == 0, L"schtasks /delete /tn %ls /f exited with %lu:\n%ls", name, (unsigned long)code,
               TestOutputText(proc));
    ASSERT_MSG(!TestFileExists(stored_path), L"%ls is still there after schtasks /delete", stored_path);
    DeleteFileW(path);
}

/*
 * A second --install of the same NAME replaces the task and says so; the
 * first does not claim to. The name has spaces and an &: the --uninstall and
 * --stop commands the controller suggests are quoted, and the printed
 * --uninstall, run as printed (split by CommandLineToArgvW), removes the task.
 */
TEST_IMPL(unattended_task_install_twice)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t task_name[TEST_TEXT_CAP];
    wchar_t path[TEST_PATH_CAP];
    wchar_t text[TEST_TEXT_CAP];
    TestProc *proc;
    TestProc *removed;
    int pass;

    swprintf(name, TEST_TEXT_CAP, L"TMy Task & Co-%lu", (unsigned long)GetCurrentProcessId());
    swprintf(task_name, TEST_TEXT_CAP, TASK_PREFIX L"%ls", name);
    TaskFile(task_name, path, TEST_PATH_CAP);
    for (pass = 0; pass < 2; pass++) {
        proc = TestSpawnController(TEST_SPAWN_DEFAULT, L"--install", name, L"--", L"--work-ms", L"1000",
                                   (const wchar_t *)NULL);
        ASSERT_EXIT(proc, 0, 30000);
        ASSERT_CONTAINS(TestOutputText(proc), L"Registered task");
        swprintf(text, TEST_TEXT_CAP, L"It replaced the task '\\%ls' registered before", task_name);
        if (pass == 0) {
            ASSERT_NOT_CONTAINS(TestOutputText(proc), L"replaced");
        } else {
            ASSERT_CONTAINS(TestOutputText(proc), text);
        }
    }
    swprintf(text, TEST_TEXT_CAP, L"remove it with ConsoleAppController --uninstall \"%ls\"", name);
    ASSERT_CONTAINS(TestOutputText(proc), text);
    removed = TestRunPrinted(proc, L"remove it with ", TEST_SPAWN_DEFAULT);
    ASSERT_EXIT(removed, 0, 30000);
    swprintf(text, TEST_TEXT_CAP, L"Removed task '\\%ls'", task_name);
    ASSERT_CONTAINS(TestOutputText(removed), text);
    swprintf(text, TEST_TEXT_CAP, L"ConsoleAppController --stop \"%ls\"", name);
    ASSERT_CONTAINS(TestOutputText(removed), text);
    ASSERT_MSG(!TestFileExists(path), L"%ls is still there after the printed --uninstall", path);
}

/* XML character data back to text: &amp; &lt; &gt; &quot; (the only escapes task.c writes). */
static void XmlUnescape(const wchar_t *xml, wchar_t *out, size_t cap)
{
    static const wchar_t *const kEntities[4][2] = {{L"&amp;", L"&"}, {L"&lt;", L"<"}, {L"&gt;", L">"},
                                                  {L"&quot;", L"\""}};
    size_t len = 0;
    size_t k;

    while (*xml != L'\0') {
        ASSERT(len + 1 < cap);
        for (k = 0; k < 4; k++) {
            if (wcsncmp(xml, kEntities[k][0], wcslen(kEntities[k][0])) == 0) {
                break;
            }
        }
        if (k < 4) {
            out[len++] = kEntities[k][1][0];
            xml += wcslen(kEntities[k][0]);
        } else {
            out[len++] = *xml++;
        }
    }
    out[len] = L'\0';
}

/*
 * What the task's repetition does when the controller has died: Task
 * Scheduler starts the action again (its <Command> and <Arguments>, read back
 * from --dry-run). Here the action is started the same way by hand: the first
 * start launches the listener; the controller is killed; the next start
 * adopts the listener still running (no second listener); a start while that
 * controller runs exits 5 (no second controller), which IgnoreNew spares
 * anyway. Wine runs no task, so this is the stand-in for the scheduler.
 */
TEST_IMPL(unattended_task_action_again)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t path[TEST_PATH_CAP];
    wchar_t *xml;
    wchar_t *field = (wchar_t *)malloc(TEST_CMD_CAP * sizeof(wchar_t));
    wchar_t *command = (wchar_t *)malloc(TEST_CMD_CAP * sizeof(wchar_t));
    wchar_t *action = (wchar_t *)malloc(TEST_CMD_CAP * sizeof(wchar_t));
    TestProc *first;
    TestProc *second;
    TestProc *third;
    HANDLE listener;
    DWORD pid;

    ASSERT(field != NULL && command != NULL && action != NULL);
    TestUniqueName(L"taskagain", name, TEST_TEXT_CAP);
    TestTempFile(name, L".xml", path, TEST_PATH_CAP);
    xml = DryRunXml(path, L"--install", name, L"--dry-run", L"--console", L"none", L"--", L"--work-ms", L"300",
                    (const wchar_t *)NULL);
    XmlElement(xml, L"Command", field, TEST_CMD_CAP);
    XmlUnescape(field, command, TEST_CMD_CAP);
    action[0] = L'\0';
    TestAppendArg(action, TEST_CMD_CAP, command);
    XmlElement(xml, L"Arguments", field, TEST_CMD_CAP);
    XmlUnescape(field, command, TEST_CMD_CAP);
    ASSERT(wcslen(action) + 1 + wcslen(command) + 1 < TEST_CMD_CAP);
    swprintf(action + wcslen(action), TEST_CMD_CAP - wcslen(action), L" %ls", command);
    free(xml);
    DeleteFileW(path);

    first = TestSpawn(action);
    pid = TestWaitOwnListener(first, name, 0);
    listener = TestOpenListener(pid);
    TestTrackPid(pid);
    ASSERT(TestWaitUnitsAtLeast(name, 1, 5000));
    ASSERT(TestKillPid(TestPid(first)));
    ASSERT(WaitForSingleObject(listener, 0) == WAIT_TIMEOUT);

    second = TestSpawn(action);
    TestExpectAdopted(second, name, pid);
    third = TestSpawn(action);
    ASSERT_EXIT(third, IPC_EXIT_CONTROLLER_RUNNING, 15000);
    ASSERT_EQ_INT(TestCountOutput(third, TEXT_LAUNCHING), 0);
    ASSERT_EQ_INT(TestWaitPublished(name, 0, 1000), pid);
    TestStopExpect(name, 15000, 0);
    ASSERT_EQ_INT(TestExitCodeOf(listener, 0), 0);
    ASSERT_EXIT(second, 0, 10000);
    CloseHandle(listener);
    free(field);
    free(command);
    free(action);
}

/* The priority class of process pid; fails the test when it cannot be read. */
static DWORD PriorityOf(DWORD pid)
{
    HANDLE process = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
    DWORD priority;

    ASSERT_MSG(process != NULL, L"OpenProcess(%lu) failed with error %lu", (unsigned long)pid,
               (unsigned long)GetLastError());
    priority = GetPriorityClass(process);
    ASSERT_MSG(priority != 0, L"GetPriorityClass(%lu) failed with error %lu", (unsigned long)pid,
               (unsigned long)GetLastError());
    CloseHandle(process);
    return priority;
}

/*
 * The installed action started the way Task Scheduler starts it (the
 * stand-in: in a job, at the priority class of the task's <Priority>) runs
 * in the normal priority class, and so do its listener and the listener's
 * --run command. Windows gives a child its parent's class when that is
 * BELOW_NORMAL or IDLE and the creator names none (CreateProcessW,
 * dwCreationFlags: learn.microsoft.com/windows/win32/api/processthreadsapi/nf-processthreadsapi-createprocessw),
 * so a task at <Priority>7 would slow all three; Wine starts every child at
 * NORMAL, so the controller's class is what shows the task's priority here.
 */
TEST_IMPL(unattended_task_priority)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t job[TEST_TEXT_CAP];
    wchar_t path[TEST_PATH_CAP];
    wchar_t pid_file[TEST_PATH_CAP];
    wchar_t self[TEST_PATH_CAP];
    wchar_t priority[64];
    wchar_t run[TEST_CMD_CAP];
    wchar_t *xml;
    wchar_t *field = (wchar_t *)malloc(TEST_CMD_CAP * sizeof(wchar_t));
    wchar_t *command = (wchar_t *)malloc(TEST_CMD_CAP * sizeof(wchar_t));
    wchar_t *arguments = (wchar_t *)malloc(TEST_CMD_CAP * sizeof(wchar_t));
    DWORD listener;
    DWORD controller;
    DWORD unit;
    TestProc *standin;

    ASSERT(field != NULL && command != NULL && arguments != NULL);
    TestUniqueName(L"taskprio", name, TEST_TEXT_CAP);
    swprintf(job, TEST_TEXT_CAP, L"%ls-job", name);
    TestTempFile(name, L".xml", path, TEST_PATH_CAP);
    TestTempFile(name, L".pid", pid_file, TEST_PATH_CAP);
    TestSelfPath(self, TEST_PATH_CAP);
    TestCommandLine(run, TEST_CMD_CAP, self, L"--helper", L"sleeper", L"2000", pid_file, (const wchar_t *)NULL);
    xml = DryRunXml(path, L"--install", name, L"--dry-run", L"--", L"--run", run, (const wchar_t *)NULL);
    XmlElement(xml, L"Priority", priority, ARRAYSIZE(priority));
    XmlElement(xml, L"Command", field, TEST_CMD_CAP);
    XmlUnescape(field, command, TEST_CMD_CAP);
    XmlElement(xml, L"Arguments", field, TEST_CMD_CAP);
    XmlUnescape(field, arguments, TEST_CMD_CAP);
    free(xml);
    DeleteFileW(path);

    standin = TestSpawnSelf(TEST_SPAWN_DEFAULT, L"--helper", L"task-standin", job, priority, command, arguments,
                            (const wchar_t *)NULL);
    listener = TestWaitPublished(name, 0, 20000);
    ASSERT_MSG(listener != 0, L"the task's action published no listener:\n%ls", TestOutputText(standin));
    TestTrackPid(listener);
    controller = TestParentPid(listener);
    ASSERT(controller != 0);
    TestTrackPid(controller);
    unit = TestWaitPidFile(pid_file, 15000);
    ASSERT_MSG(unit != 0, L"the listener's --run command wrote no pid to %ls", pid_file);
    ASSERT_MSG(PriorityOf(controller) == NORMAL_PRIORITY_CLASS,
               L"the task's controller runs at priority class 0x%lX (<Priority>%ls), not NORMAL (0x20)",
               (unsigned long)PriorityOf(controller), priority);
    ASSERT_EQ_INT(PriorityOf(listener), NORMAL_PRIORITY_CLASS);
    ASSERT_EQ_INT(PriorityOf(unit), NORMAL_PRIORITY_CLASS);
    TestStopExpect(name, 15000, 0);
    ASSERT_EXIT(standin, 0, 15000);
    DeleteFileW(pid_file);
    free(field);
    free(command);
    free(arguments);
}

/*
 * --install refuses arguments that Task Scheduler would expand: %NAME% (here
 * %PATH%, and a pair split across two arguments) is a usage error naming it;
 * a lone % and %% reach the task's arguments as they are.
 */
TEST_IMPL(unattended_task_percent_refused)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t path[TEST_PATH_CAP];
    wchar_t *xml;
    wchar_t *got = (wchar_t *)malloc(TEST_CMD_CAP * sizeof(wchar_t));
    TestProc *proc;

    ASSERT(got != NULL);
    TestUniqueName(L"taskpercent", name, TEST_TEXT_CAP);
    proc = TestSpawnController(TEST_SPAWN_SPLIT_STDERR, L"--install", name, L"--dry-run", L"--", L"--run",
                               L"cmd /c echo %PATH%", (const wchar_t *)NULL);
    ASSERT_EXIT(proc, IPC_EXIT_USAGE, 15000);
    ASSERT_CONTAINS(TestErrText(proc), L"'%PATH%'");
    ASSERT_CONTAINS(TestErrText(proc), L"Task Scheduler replaces %NAME%");
    ASSERT_NOT_CONTAINS(TestOutputText(proc), L"<Task");
    proc = TestSpawnController(TEST_SPAWN_SPLIT_STDERR, L"--install", name, L"--dry-run", L"--", L"--run", L"a%",
                               L"b%", (const wchar_t *)NULL);
    ASSERT_EXIT(proc, IPC_EXIT_USAGE, 15000);
    ASSERT_CONTAINS(TestErrText(proc), L"'% b%'");

    TestTempFile(name, L".xml", path, TEST_PATH_CAP);
    xml = DryRunXml(path, L"--install", name, L"--dry-run", L"--", L"--run", L"echo 100% done",
                    (const wchar_t *)NULL);
    XmlElement(xml, L"Arguments", got, TEST_CMD_CAP);
    ASSERT_CONTAINS(got, L"echo 100% done");
    free(xml);
    xml = DryRunXml(path, L"--install", name, L"--dry-run", L"--", L"--run", L"echo 5%%done",
                    (const wchar_t *)NULL);
    XmlElement(xml, L"Arguments", got, TEST_CMD_CAP);
    ASSERT_CONTAINS(got, L"echo 5%%done");
    free(xml);
    DeleteFileW(path);
    free(got);
}

/* The Wine mount manager's own request to define (mount_point set) or remove a drive letter (winecfg's way). */
#define TEST_MOUNTMGR_DEFINE_UNIX_DRIVE CTL_CODE(0x6D, 32, METHOD_BUFFERED, FILE_READ_ACCESS | FILE_WRITE_ACCESS)
typedef struct TestUnixDrive {
    ULONG size;
    ULONG type;
    ULONG fs_type;
    DWORD serial;
    ULONGLONG unix_dev;
    WCHAR letter;
    USHORT mount_point_offset;
    USHORT device_offset;
    USHORT label_offset;
} TestUnixDrive;

/*
 * Wine: make letter a drive of type DRIVE_REMOTE over the Unix folder
 * unix_dir (NULL: remove it), as a mapped network drive looks to
 * GetDriveTypeW. FALSE where there is no Wine mount manager (Windows).
 */
static BOOL WineNetworkDrive(wchar_t letter, const char *unix_dir)
{
    unsigned char buf[sizeof(TestUnixDrive) + 64];
    TestUnixDrive *drive = (TestUnixDrive *)buf;
    size_t n = unix_dir != NULL ? strlen(unix_dir) + 1 : 0;
    HANDLE manager = CreateFileW(L"\\\\.\\MountPointManager", GENERIC_READ | GENERIC_WRITE,
                                 FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL);
    DWORD got = 0;
    BOOL ok;

    if (manager == INVALID_HANDLE_VALUE || n > 64) {
        return FALSE;
    }
    ZeroMemory(buf, sizeof(buf));
    drive->size = (ULONG)(sizeof(*drive) + n);
    drive->type = DRIVE_REMOTE;
    drive->letter = (WCHAR)towlower(letter);
    if (n > 0) {
        memcpy(buf + sizeof(*drive), unix_dir, n);
        drive->mount_point_offset = (USHORT)sizeof(*drive);
    }
    ok = DeviceIoControl(manager, TEST_MOUNTMGR_DEFINE_UNIX_DRIVE, buf, drive->size, NULL, 0, &got, NULL);
    CloseHandle(manager);
    return ok;
}

/* proc (an --install --at-startup --dry-run) exits 2 with the message that role's path shown is not local. */
static void ExpectNotLocal(TestProc *proc, const wchar_t *role, const wchar_t *shown)
{
    wchar_t text[TEST_PATH_CAP];

    ASSERT_EXIT(proc, IPC_EXIT_USAGE, 15000);
    swprintf(text, TEST_PATH_CAP, L"--at-startup: %ls '%ls' is on a network share or a mapped network drive", role,
             shown);
    ASSERT_CONTAINS(TestErrText(proc), text);
    ASSERT_NOT_CONTAINS(TestOutputText(proc), L"<Task");
}

/*
 * --install --at-startup (an S4U task: no network, no mapped drives) refuses
 * a listener, a log or a controller on a share (\\server\share) or on a
 * mapped network drive (under Wine a drive letter the mount manager makes
 * DRIVE_REMOTE; the controller copied there and run from it), exit 2, naming
 * the path; --at-logon accepts the same log.
 */
TEST_IMPL(unattended_task_startup_network_paths)
{
    static const wchar_t kUncLog[] = L"\\\\server\\share\\ipc\\svc.log";
    static const wchar_t kUncListener[] = L"\\\\server\\share\\ipc\\ConsoleAppListener.exe";
    wchar_t name[TEST_TEXT_CAP];
    wchar_t controller[TEST_PATH_CAP];
    wchar_t remote[TEST_PATH_CAP];
    wchar_t remote_dir[TEST_PATH_CAP];
    wchar_t path[TEST_PATH_CAP];
    wchar_t cmd[TEST_CMD_CAP];
    wchar_t letter;
    DWORD drives = GetLogicalDrives();
    wchar_t *xml;

    TestUniqueName(L"tasknet", name, TEST_TEXT_CAP);
    TestBinPath(TEST_CONTROLLER_EXE, controller, TEST_PATH_CAP);
    ExpectNotLocal(TestSpawnController(TEST_SPAWN_SPLIT_STDERR, L"--install", name, L"--at-startup", L"--dry-run",
                                       L"--log", kUncLog, (const wchar_t *)NULL),
                   L"the log", kUncLog);
    ExpectNotLocal(TestSpawnController(TEST_SPAWN_SPLIT_STDERR, L"--install", name, L"--at-startup", L"--dry-run",
                                       L"--listener", kUncListener, (const wchar_t *)NULL),
                   L"the listener", kUncListener);
    TestTempFile(name, L".xml", path, TEST_PATH_CAP);
    xml = DryRunXml(path, L"--install", name, L"--dry-run", L"--log", kUncLog, (const wchar_t *)NULL);
    free(xml);
    DeleteFileW(path);

    for (letter = L'Y'; letter > L'M' && (drives & (1u << (letter - L'A'))) != 0; letter--) {
    }
    if (letter == L'M' || !WineNetworkDrive(letter, "/tmp")) {
        TestPrint(L"note: no network drive could be made here (Wine's mount manager); checked \\\\server\\share only\n");
        return;
    }
    swprintf(remote_dir, TEST_PATH_CAP, L"%lc:\\ipc-%ls", letter, name);
    swprintf(remote, TEST_PATH_CAP, L"%ls\\%ls", remote_dir, TEST_CONTROLLER_EXE);
    if (!CreateDirectoryW(remote_dir, NULL) || !CopyFileW(controller, remote, FALSE)) {
        DWORD error = GetLastError();
        WineNetworkDrive(letter, NULL);
        TestFail(__FILE__, __LINE__, L"cannot copy the controller to %ls (error %lu)", remote, (unsigned long)error);
    }
    swprintf(path, TEST_PATH_CAP, L"%lc:\\", letter);
    ASSERT_MSG(GetDriveTypeW(path) == DRIVE_REMOTE, L"%ls is drive type %u, not DRIVE_REMOTE", path,
               GetDriveTypeW(path));
    swprintf(path, TEST_PATH_CAP, L"%lc:\\svc.log", letter);
    ExpectNotLocal(TestSpawnController(TEST_SPAWN_SPLIT_STDERR, L"--install", name, L"--at-startup", L"--dry-run",
                                       L"--log", path, (const wchar_t *)NULL),
                   L"the log", path);
    TestCommandLine(cmd, TEST_CMD_CAP, remote, L"--install", name, L"--at-startup", L"--dry-run",
                    (const wchar_t *)NULL);
    ExpectNotLocal(TestSpawnEx(cmd, TEST_SPAWN_SPLIT_STDERR), L"the controller", remote);
    DeleteFileW(remote);
    RemoveDirectoryW(remote_dir);
    WineNetworkDrive(letter, NULL);
}
