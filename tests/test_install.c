/*
 * test_install.c - --install and --uninstall: the Task Scheduler task, its XML
 * (a dry run, a file, and an installed task read back).
 */
#include "harness/harness.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    TestProc *dry;
    const wchar_t *out;
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
    args[0] = L'\0';
    TestAppendArg(args, TEST_CMD_CAP, name);
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
            dry = TestSpawnController(TEST_SPAWN_DEFAULT, L"--install", name, L"--dry-run", L"--listener",
                                      TEST_LISTENER_EXE, L"--log", L"logs&more\\svc.log", L"--hang-timeout", L"5000",
                                      L"--", L"--run", L"a&b", (const wchar_t *)NULL);
        } else {
            dry = TestSpawnController(TEST_SPAWN_DEFAULT, L"--install", name, L"--at-startup", L"--dry-run",
                                      L"--listener", TEST_LISTENER_EXE, L"--log", L"logs&more\\svc.log",
                                      L"--hang-timeout", L"5000", L"--", L"--run", L"a&b", (const wchar_t *)NULL);
        }
        ASSERT_EXIT(dry, 0, 15000);
        out = TestOutputText(dry);
        ASSERT_MSG(wcsncmp(out, kDeclaration, wcslen(kDeclaration)) == 0,
                   L"the definition does not start with the UTF-16 declaration:\n%ls", out);
        ASSERT_CONTAINS(out, L"<ExecutionTimeLimit>PT0S</ExecutionTimeLimit>");
        ASSERT_CONTAINS(out, L"<MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>");
        ASSERT_CONTAINS(out, L"<RestartOnFailure>");
        ASSERT_CONTAINS(out, L"</Task>");
        if (pass == 0) {
            ASSERT_CONTAINS(out, L"<LogonTrigger>");
            ASSERT_NOT_CONTAINS(out, L"<BootTrigger>");
        } else {
            ASSERT_CONTAINS(out, L"<BootTrigger>");
            ASSERT_NOT_CONTAINS(out, L"<LogonTrigger>");
            ASSERT_CONTAINS(out, L"<LogonType>S4U</LogonType>");
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
    }

    /*
     * The same paths in the one-word form --listener=PATH --log=FILE: made
     * absolute too, kept in one word (they were copied relative, and the task,
     * which runs in the controller's folder, then failed at every start).
     */
    args[0] = L'\0';
    TestAppendArg(args, TEST_CMD_CAP, name);
    swprintf(text, TEST_TEXT_CAP, L"--listener=%ls", listener_abs);
    TestAppendArg(args, TEST_CMD_CAP, text);
    swprintf(text, TEST_TEXT_CAP, L"--log=%ls", log_abs);
    TestAppendArg(args, TEST_CMD_CAP, text);
    XmlEscape(args, escaped, TEST_CMD_CAP);
    dry = TestSpawnController(TEST_SPAWN_DEFAULT, L"--install", name, L"--dry-run", L"--listener=" TEST_LISTENER_EXE,
                              L"--log=logs&more\\svc.log", (const wchar_t *)NULL);
    ASSERT_EXIT(dry, 0, 15000);
    XmlElement(TestOutputText(dry), L"Arguments", got, TEST_CMD_CAP);
    ASSERT_EQ_WSTR(got, escaped);

    /* A backslash in NAME becomes _ in the task's name. */
    TestUniqueName(L"drylocal", text, TEST_TEXT_CAP);
    swprintf(name, TEST_TEXT_CAP, L"Local\\%ls", text);
    dry = TestSpawnController(TEST_SPAWN_DEFAULT, L"--install", name, L"--dry-run", (const wchar_t *)NULL);
    ASSERT_EXIT(dry, 0, 15000);
    XmlElement(TestOutputText(dry), L"URI", got, TEST_CMD_CAP);
    swprintf(args, TEST_CMD_CAP, L"\\" TASK_PREFIX L"Local_%ls", text);
    ASSERT_EQ_WSTR(got, args);
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
 * Writes text to path as UTF-16 LE after a BOM (FF FE), the encoding Task
 * Scheduler's XML declares and schtasks /xml reads.
 */
static void WriteUtf16File(const wchar_t *path, const wchar_t *text)
{
    static const unsigned char kBom[2] = { 0xFF, 0xFE };
    DWORD bytes = (DWORD)(wcslen(text) * sizeof(wchar_t));
    DWORD written = 0;
    HANDLE file = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);

    ASSERT_MSG(file != INVALID_HANDLE_VALUE, L"cannot create %ls (error %lu)", path, (unsigned long)GetLastError());
    ASSERT(WriteFile(file, kBom, (DWORD)sizeof(kBom), &written, NULL) && written == sizeof(kBom));
    ASSERT(WriteFile(file, text, bytes, &written, NULL) && written == bytes);
    CloseHandle(file);
}

/*
 * The one task definition, task.c's, as --install --dry-run prints it and
 * saved as UTF-16 LE with a BOM: the settings, and schtasks accepts it.
 */
TEST_IMPL(unattended_task_xml_file)
{
    wchar_t path[TEST_PATH_CAP];
    wchar_t name[TEST_TEXT_CAP];
    wchar_t stored_path[TEST_PATH_CAP];
    unsigned char *bytes = NULL;
    wchar_t *xml = NULL;
    size_t len = 0;
    DWORD error = ERROR_SUCCESS;
    DWORD code;
    TestProc *proc = NULL;

    TestUniqueName(L"taskxml", name, TEST_TEXT_CAP);
    proc = TestSpawnController(TEST_SPAWN_DEFAULT, L"--install", name, L"--dry-run", (const wchar_t *)NULL);
    ASSERT_EXIT(proc, 0, 30000);
    TestTempFile(name, L".xml", path, TEST_PATH_CAP);
    WriteUtf16File(path, TestOutputText(proc));

    bytes = TestReadAll(path, &len, &error);
    ASSERT_MSG(bytes != NULL, L"cannot read %ls (error %lu)", path, (unsigned long)error);
    ASSERT_MSG(len >= 4 && bytes[0] == 0xFF && bytes[1] == 0xFE && bytes[2] == '<' && bytes[3] == 0,
               L"%ls is not UTF-16 LE with a BOM (starts %02x %02x %02x %02x)", path, bytes[0], bytes[1], bytes[2],
               bytes[3]);
    free(bytes);
    xml = TestReadText(path);
    ASSERT_CONTAINS(xml, L"encoding=\"UTF-16\"");
    ASSERT_CONTAINS(xml, L"<ExecutionTimeLimit>PT0S</ExecutionTimeLimit>");
    ASSERT_CONTAINS(xml, L"<MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>");
    ASSERT_CONTAINS(xml, L"<RestartOnFailure>");
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
