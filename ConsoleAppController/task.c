/*
 * task.c - the controller's Task Scheduler registration, over the Task
 * Scheduler 2.0 COM API (ITaskService, ITaskFolder::RegisterTask with XML).
 *
 * Why these settings: a supervisor must not be killed by the scheduler's own
 * limits. The default ExecutionTimeLimit of 72 hours would end the controller
 * after three days, so it is PT0S (none); battery, idle and network
 * conditions must not stop it either.
 *
 * A controller that dies must come back. RestartOnFailure alone does not do
 * it: Task Scheduler restarts a task whose start failed ([MS-TSCH] 2.5.4.2;
 * "RestartOnFailure (settingsType) Element" in the Task Scheduler schema), not
 * one that started and crashed later. So the trigger repeats every 5 minutes
 * ("Repetition (triggerBaseType) Element", repetitionType: an Interval from
 * PT1M to P31D, no Duration = for ever) with MultipleInstancesPolicy
 * IgnoreNew: while the controller runs, a repetition starts nothing; once it
 * is gone, the next one starts a controller, which adopts the listener still
 * running (and a second controller would exit 5 anyway). RestartOnFailure
 * stays for a start that fails, every minute, Count 255: the schema's Count
 * is an unsignedByte of at least 1 ("Count (restartType) Element").
 *
 * Priority 5: the task's priority is the controller's priority class, which
 * the listener and every --run command inherit. The default, 7, is
 * BELOW_NORMAL_PRIORITY_CLASS with a lower I/O and memory priority; 4 to 6
 * are NORMAL_PRIORITY_CLASS ("Priority (settingsType) Element").
 */
#define COBJMACROS
#include "task.h"
#include "eventlog.h"
#include "ipc_console.h"
#include "ipc_error.h"
#include "ipc_exit.h"
#include "ipc_name.h"
#include "ipc_path.h"
#include "ipc_security.h"
#include "ipc_text.h"


#include <objbase.h>
#include <oleauto.h>
#include <sddl.h>
#include <stdio.h>
#include <string.h>
#include <taskschd.h>

/* The GUIDs of taskschd.h, here so that no import library is needed for them. */
static const GUID kClsidTaskScheduler = {0x0f87369f, 0xa4e5, 0x4cfc, {0xbd, 0x3e, 0x73, 0xe6, 0x15, 0x45, 0x72, 0xdd}};
static const GUID kIidTaskService = {0x2faba4c7, 0x4da9, 0x4013, {0x96, 0x97, 0x20, 0xcc, 0x3f, 0xd4, 0x0f, 0x85}};

#define TASK_XML_MAX 65536

typedef HRESULT(WINAPI *CoInitializeExFn)(LPVOID, DWORD);
typedef HRESULT(WINAPI *CoCreateInstanceFn)(REFCLSID, LPUNKNOWN, DWORD, REFIID, LPVOID *);
typedef void(WINAPI *CoUninitializeFn)(void);
typedef BSTR(WINAPI *SysAllocStringFn)(const OLECHAR *);
typedef void(WINAPI *SysFreeStringFn)(BSTR);

/*
 * COM, loaded only for --install and --uninstall: a controller that supervises
 * never needs ole32/oleaut32, and importing them would map both into every
 * controller for its whole life (megabytes of memory, and start-up time).
 */
typedef struct Com {
    HMODULE ole32;
    HMODULE oleaut32;
    CoInitializeExFn initialize;
    CoCreateInstanceFn create;
    CoUninitializeFn uninitialize;
    SysAllocStringFn alloc_string;
    SysFreeStringFn free_string;
    BOOL initialized;
} Com;

/* Loads a DLL from the system folder only, never from the current or program folder (DLL planting). */
static HMODULE LoadSystemDll(const wchar_t *file)
{
    wchar_t path[MAX_PATH];
    UINT n = GetSystemDirectoryW(path, MAX_PATH);
    size_t len = wcslen(file);

    if (n == 0 || n + 1 + len + 1 > MAX_PATH) {
        return NULL;
    }
    path[n] = L'\\';
    memcpy(path + n + 1, file, (len + 1) * sizeof(wchar_t));
    return LoadLibraryW(path);
}

/* GetProcAddress's FARPROC, cast through void (*)(void) as GCC's -Wcast-function-type asks. */
typedef void (*AnyFn)(void);
static AnyFn Proc(HMODULE module, const char *name)
{
    return (AnyFn)GetProcAddress(module, name);
}

/*
 * Prints a failed COM call and returns the exit code for it: refused for want
 * of rights, it says how to get them (IPC_EXIT_TASK_DENIED).
 */
static int TaskFail(const wchar_t *call, HRESULT hr, const wchar_t *what)
{
    int rc = IpcFailHresult(call, hr, L"%ls", what);
    if (hr == E_ACCESSDENIED || hr == HRESULT_FROM_WIN32(ERROR_PRIVILEGE_NOT_HELD)) {
        IpcPrintErr(L"Task Scheduler refused: registering a task that runs at start-up, or changing one created by "
                    L"an administrator, needs an elevated prompt (\"Run as administrator\"); --at-logon does not.");
        rc = IPC_EXIT_TASK_DENIED;
    }
    return rc;
}

/* Undoes ComStart, in reverse order; safe on a Com that never started. */
static void ComStop(Com *com)
{
    if (com->initialized) {
        com->uninitialize();
        com->initialized = FALSE;
    }
    if (com->oleaut32 != NULL) {
        FreeLibrary(com->oleaut32);
        com->oleaut32 = NULL;
    }
    if (com->ole32 != NULL) {
        FreeLibrary(com->ole32);
        com->ole32 = NULL;
    }
}

/* Loads COM and initialises it for this thread. On failure everything is released and reported. */
static int ComStart(Com *com)
{
    HRESULT hr;
    DWORD code;
    int rc = IPC_EXIT_OK;

    ZeroMemory(com, sizeof(*com));
    com->ole32 = LoadSystemDll(L"ole32.dll");
    com->oleaut32 = com->ole32 != NULL ? LoadSystemDll(L"oleaut32.dll") : NULL;
    if (com->ole32 == NULL || com->oleaut32 == NULL) {
        code = GetLastError();
        rc = IpcFailWin32(L"LoadLibraryW", code, L"cannot load COM (ole32.dll, oleaut32.dll)");
        goto cleanup;
    }
    com->initialize = (CoInitializeExFn)Proc(com->ole32, "CoInitializeEx");
    com->create = (CoCreateInstanceFn)Proc(com->ole32, "CoCreateInstance");
    com->uninitialize = (CoUninitializeFn)Proc(com->ole32, "CoUninitialize");
    com->alloc_string = (SysAllocStringFn)Proc(com->oleaut32, "SysAllocString");
    com->free_string = (SysFreeStringFn)Proc(com->oleaut32, "SysFreeString");
    if (com->initialize == NULL || com->create == NULL || com->uninitialize == NULL || com->alloc_string == NULL ||
        com->free_string == NULL) {
        code = GetLastError();
        rc = IpcFailWin32(L"GetProcAddress", code, L"cannot find the COM functions");
        goto cleanup;
    }
    hr = com->initialize(NULL, COINIT_MULTITHREADED);
    if (FAILED(hr)) {
        rc = TaskFail(L"CoInitializeEx", hr, L"cannot start COM");
        goto cleanup;
    }
    com->initialized = TRUE;

cleanup:
    if (rc != IPC_EXIT_OK) {
        ComStop(com);
        ZeroMemory(com, sizeof(*com));
    }
    return rc;
}

BOOL IpcTaskName(const wchar_t *name, wchar_t *out, size_t cap)
{
    static const wchar_t prefix[] = L"ConsoleAppController-";
    size_t p = wcslen(prefix);
    size_t n = wcslen(name);
    size_t i;

    if (p + n + 1 > cap) {
        return FALSE;
    }
    memcpy(out, prefix, p * sizeof(wchar_t));
    for (i = 0; i < n; i++) {
        out[p + i] = wcschr(L"\\/:*?\"<>|", name[i]) != NULL ? L'_' : name[i];
    }
    out[p + n] = L'\0';
    return TRUE;
}

/* Appends text to buf, escaped for XML character data and attribute values when escape. FALSE when it does not fit. */
static BOOL AppendXml(wchar_t *buf, size_t cap, size_t *len, const wchar_t *text, BOOL escape)
{
    const wchar_t *p;
    for (p = text; *p != L'\0'; p++) {
        const wchar_t *rep = NULL;
        wchar_t one[2];
        size_t k;
        /* Assigned, not initialized: MSVC in C mode warns on a non-constant aggregate initializer (C4204). */
        one[0] = *p;
        one[1] = L'\0';
        if (escape) {
            switch (*p) {
            case L'&':
                rep = L"&amp;";
                break;
            case L'<':
                rep = L"&lt;";
                break;
            case L'>':
                rep = L"&gt;";
                break;
            case L'"':
                rep = L"&quot;";
                break;
            default:
                break;
            }
        }
        if (rep == NULL) {
            rep = one;
        }
        k = wcslen(rep);
        if (*len + k + 1 > cap) {
            return FALSE;
        }
        memcpy(buf + *len, rep, k * sizeof(wchar_t));
        *len += k;
    }
    buf[*len] = L'\0';
    return TRUE;
}

/* Appends the markup before (as it is) and then value, escaped. FALSE when they do not fit. */
static BOOL AppendField(wchar_t *buf, size_t cap, size_t *len, const wchar_t *before, const wchar_t *value)
{
    return AppendXml(buf, cap, len, before, FALSE) && AppendXml(buf, cap, len, value, TRUE);
}

/*
 * Every trigger repeats every 5 minutes, for ever (a Repetition without a
 * Duration: "If no value is specified, the pattern is repeated indefinitely",
 * repetitionType in the Task Scheduler schema; Interval PT1M to P31D).
 */
static const wchar_t kTriggerBase[] = L"      <Enabled>true</Enabled>\r\n"
                                      L"      <Repetition>\r\n"
                                      L"        <Interval>PT5M</Interval>\r\n"
                                      L"        <StopAtDurationEnd>false</StopAtDurationEnd>\r\n"
                                      L"      </Repetition>\r\n";

/* Builds the task definition; see the file comment for why each setting. */
static BOOL BuildXml(wchar_t *xml, size_t cap, const wchar_t *name, const wchar_t *task_name, const wchar_t *command,
                     const wchar_t *arguments, const wchar_t *directory, const wchar_t *user_sid,
                     IpcTaskTrigger trigger)
{
    size_t len = 0;
    BOOL ok;
    wchar_t quoted[IPC_PASTE_CAP(IPC_NAME_MAX)];

    xml[0] = L'\0';
    ok = AppendField(xml, cap, &len,
                     L"<?xml version=\"1.0\" encoding=\"UTF-16\"?>\r\n"
                     L"<Task version=\"1.2\" xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\">\r\n"
                     L"  <RegistrationInfo>\r\n"
                     L"    <Description>Supervises ConsoleAppListener ",
                     name);
    ok = ok && AppendField(xml, cap, &len, L" (ConsoleAppController); stop it with ConsoleAppController --stop ",
                           IpcPasteArg(name, quoted, ARRAYSIZE(quoted)));
    ok = ok && AppendField(xml, cap, &len, L"</Description>\r\n    <URI>\\", task_name);
    ok = ok && AppendXml(xml, cap, &len, L"</URI>\r\n  </RegistrationInfo>\r\n  <Triggers>\r\n", FALSE);
    /* The trigger's base elements come first, in the schema's order (triggerBaseType: Enabled, ..., Repetition). */
    ok = ok && AppendXml(xml, cap, &len, trigger == IPC_TASK_AT_STARTUP ? L"    <BootTrigger>\r\n" : L"    <LogonTrigger>\r\n",
                         FALSE);
    ok = ok && AppendXml(xml, cap, &len, kTriggerBase, FALSE);
    if (trigger == IPC_TASK_AT_STARTUP) {
        ok = ok && AppendXml(xml, cap, &len, L"    </BootTrigger>\r\n", FALSE);
    } else {
        ok = ok && AppendField(xml, cap, &len, L"      <UserId>", user_sid);
        ok = ok && AppendXml(xml, cap, &len, L"</UserId>\r\n    </LogonTrigger>\r\n", FALSE);
    }
    ok = ok && AppendField(xml, cap, &len, L"  </Triggers>\r\n  <Principals>\r\n    <Principal id=\"Author\">\r\n      <UserId>",
                           user_sid);
    /*
     * The installing user, so that the private objects the controller creates
     * stay reachable by that user's --stop and --status. At start-up nobody is
     * logged on: S4U runs the task as the user without storing a password.
     */
    ok = ok && AppendXml(xml, cap, &len,
                         trigger == IPC_TASK_AT_STARTUP ? L"</UserId>\r\n      <LogonType>S4U</LogonType>\r\n"
                                                        : L"</UserId>\r\n      <LogonType>InteractiveToken</LogonType>\r\n",
                         FALSE);
    ok = ok && AppendField(xml, cap, &len,
                           L"      <RunLevel>LeastPrivilege</RunLevel>\r\n"
                           L"    </Principal>\r\n"
                           L"  </Principals>\r\n"
                           L"  <Settings>\r\n"
                           L"    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>\r\n"
                           L"    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>\r\n"
                           L"    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>\r\n"
                           L"    <AllowHardTerminate>true</AllowHardTerminate>\r\n"
                           L"    <StartWhenAvailable>true</StartWhenAvailable>\r\n"
                           L"    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>\r\n"
                           L"    <IdleSettings>\r\n"
                           L"      <StopOnIdleEnd>false</StopOnIdleEnd>\r\n"
                           L"      <RestartOnIdle>false</RestartOnIdle>\r\n"
                           L"    </IdleSettings>\r\n"
                           L"    <AllowStartOnDemand>true</AllowStartOnDemand>\r\n"
                           L"    <Enabled>true</Enabled>\r\n"
                           L"    <Hidden>false</Hidden>\r\n"
                           L"    <RunOnlyIfIdle>false</RunOnlyIfIdle>\r\n"
                           L"    <WakeToRun>false</WakeToRun>\r\n"
                           L"    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>\r\n"
                           L"    <Priority>5</Priority>\r\n"
                           L"    <RestartOnFailure>\r\n"
                           L"      <Interval>PT1M</Interval>\r\n"
                           L"      <Count>255</Count>\r\n"
                           L"    </RestartOnFailure>\r\n"
                           L"  </Settings>\r\n"
                           L"  <Actions Context=\"Author\">\r\n"
                           L"    <Exec>\r\n"
                           L"      <Command>",
                           command);
    ok = ok && AppendField(xml, cap, &len, L"</Command>\r\n      <Arguments>", arguments);
    ok = ok && AppendField(xml, cap, &len, L"</Arguments>\r\n      <WorkingDirectory>", directory);
    ok = ok && AppendXml(xml, cap, &len, L"</WorkingDirectory>\r\n    </Exec>\r\n  </Actions>\r\n</Task>\r\n", FALSE);
    return ok;
}

/*
 * Starts COM (ComStart), connects to the local Task Scheduler and opens its
 * root folder. On failure it has reported why; the caller still releases what
 * was set (service, root) and calls ComStop.
 */
static int OpenRoot(Com *com, ITaskService **service, ITaskFolder **root, const wchar_t *what)
{
    HRESULT hr;
    VARIANT empty;
    BSTR slash = NULL;
    int rc = ComStart(com);

    if (rc != IPC_EXIT_OK) {
        return rc;
    }
    /* VariantInit without oleaut32: an empty VARIANT is all zero (VT_EMPTY is 0). */
    ZeroMemory(&empty, sizeof(empty));
    hr = com->create(&kClsidTaskScheduler, NULL, CLSCTX_INPROC_SERVER, &kIidTaskService, (void **)service);
    if (FAILED(hr)) {
        rc = TaskFail(L"CoCreateInstance(TaskScheduler)", hr, what);
        goto cleanup;
    }
    hr = ITaskService_Connect(*service, empty, empty, empty, empty);
    if (FAILED(hr)) {
        rc = TaskFail(L"ITaskService::Connect", hr, what);
        goto cleanup;
    }
    slash = com->alloc_string(L"\\");
    if (slash == NULL) {
        rc = TaskFail(L"SysAllocString", E_OUTOFMEMORY, what);
        goto cleanup;
    }
    hr = ITaskService_GetFolder(*service, slash, root);
    if (FAILED(hr)) {
        rc = TaskFail(L"ITaskService::GetFolder", hr, what);
        goto cleanup;
    }

cleanup:
    if (slash != NULL) {
        com->free_string(slash);
    }
    return rc;
}

/*
 * --dry-run's output. To a console, text as every other line is printed. To a
 * file or a pipe (`> task.xml`), the bytes the XML declaration promises:
 * UTF-16 LE after a byte-order mark, which is what `schtasks /create /xml`
 * reads; UTF-8 there would contradict encoding="UTF-16".
 */
static int PrintDefinition(wchar_t *xml)
{
    static const unsigned char kBom[2] = {0xFF, 0xFE};
    HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
    size_t len = wcslen(xml);
    DWORD mode;
    DWORD written = 0;
    DWORD code;

    if (out == NULL || out == INVALID_HANDLE_VALUE || GetConsoleMode(out, &mode)) {
        /* The definition ends with CRLF; IpcPrint adds the line ending of the last line itself. */
        while (len > 0 && (xml[len - 1] == L'\r' || xml[len - 1] == L'\n')) {
            xml[--len] = L'\0';
        }
        IpcPrint(L"%ls", xml);
        return IPC_EXIT_OK;
    }
    if (!WriteFile(out, kBom, (DWORD)sizeof(kBom), &written, NULL) ||
        !WriteFile(out, xml, (DWORD)(len * sizeof(wchar_t)), &written, NULL)) {
        code = GetLastError();
        return IpcFailWin32(L"WriteFile", code, L"cannot write the task definition to standard output");
    }
    return IPC_EXIT_OK;
}

/* TRUE when task_name is registered already, so that --install can say it replaced it. */
static BOOL TaskExists(ITaskFolder *root, BSTR task_name)
{
    IRegisteredTask *existing = NULL;
    HRESULT hr = ITaskFolder_GetTask(root, task_name, &existing);

    if (SUCCEEDED(hr) && existing != NULL) {
        IRegisteredTask_Release(existing);
        return TRUE;
    }
    return FALSE;
}

int IpcTaskInstall(const wchar_t *name, const wchar_t *controller_path, const wchar_t *arguments,
                   IpcTaskTrigger trigger, BOOL dry_run)
{
    int rc;
    HRESULT hr;
    Com com;
    ITaskService *service = NULL;
    ITaskFolder *root = NULL;
    IRegisteredTask *task = NULL;
    wchar_t task_name[MAX_PATH];
    wchar_t directory[MAX_PATH * 2];
    wchar_t *user_sid = NULL;
    wchar_t *xml = NULL;
    BSTR bname = NULL;
    BSTR bxml = NULL;
    VARIANT empty;
    VARIANT sddl;
    DWORD code;
    const wchar_t *api = NULL;
    BOOL replaced;
    wchar_t quoted[IPC_PASTE_CAP(IPC_NAME_MAX)];

    ZeroMemory(&com, sizeof(com));
    ZeroMemory(&empty, sizeof(empty));
    ZeroMemory(&sddl, sizeof(sddl));
    if (!IpcTaskName(name, task_name, MAX_PATH)) {
        rc = IpcFail(IPC_EXIT_USAGE, L"the task name for '%ls' is too long.", name);
        goto cleanup;
    }
    memcpy(directory, controller_path, (wcslen(controller_path) + 1) * sizeof(wchar_t));
    directory[IpcPathFileName(directory) - directory] = L'\0';
    code = IpcTokenSidString(&user_sid, &api);
    if (code != ERROR_SUCCESS) {
        rc = IpcFailWin32(api, code, L"cannot read the current user");
        goto cleanup;
    }
    xml = (wchar_t *)HeapAlloc(GetProcessHeap(), 0, TASK_XML_MAX * sizeof(wchar_t));
    if (xml == NULL ||
        !BuildXml(xml, TASK_XML_MAX, name, task_name, controller_path, arguments, directory, user_sid, trigger)) {
        rc = IpcFail(IPC_EXIT_FAILURE, L"the task definition for '%ls' does not fit in %d characters.", name,
                     TASK_XML_MAX);
        goto cleanup;
    }
    if (dry_run) {
        rc = PrintDefinition(xml);
        goto cleanup;
    }

    rc = OpenRoot(&com, &service, &root, L"cannot reach Task Scheduler");
    if (rc != IPC_EXIT_OK) {
        goto cleanup;
    }
    bname = com.alloc_string(task_name);
    bxml = com.alloc_string(xml);
    if (bname == NULL || bxml == NULL) {
        rc = TaskFail(L"SysAllocString", E_OUTOFMEMORY, L"cannot register the task");
        goto cleanup;
    }
    replaced = TaskExists(root, bname);
    /* TASK_LOGON_NONE: the principal and its logon type come from the XML. */
    hr = ITaskFolder_RegisterTask(root, bname, bxml, TASK_CREATE_OR_UPDATE, empty, empty, TASK_LOGON_NONE, sddl,
                                  &task);
    if (FAILED(hr)) {
        rc = TaskFail(L"ITaskFolder::RegisterTask", hr, L"cannot register the task");
        goto cleanup;
    }
    IpcPrint(L"Registered task '\\%ls' (%ls): %ls %ls", task_name,
             trigger == IPC_TASK_AT_STARTUP ? L"at start-up, as this user, whether or not anyone logs on"
                                            : L"when this user logs on",
             controller_path, arguments);
    if (replaced) {
        IpcPrint(L"It replaced the task '\\%ls' registered before (its old definition is gone)", task_name);
    }
    IpcPrint(L"Settings: no execution time limit, IgnoreNew, started again every 5 minutes "
             L"when it is not running, normal priority; remove it with ConsoleAppController --uninstall %ls",
             IpcPasteArg(name, quoted, ARRAYSIZE(quoted)));
    IpcEventLogInstallSource(controller_path);

cleanup:
    if (task != NULL) {
        IRegisteredTask_Release(task);
    }
    if (root != NULL) {
        ITaskFolder_Release(root);
    }
    if (service != NULL) {
        ITaskService_Release(service);
    }
    if (bxml != NULL) {
        com.free_string(bxml);
    }
    if (bname != NULL) {
        com.free_string(bname);
    }
    ComStop(&com);
    if (xml != NULL) {
        HeapFree(GetProcessHeap(), 0, xml);
    }
    if (user_sid != NULL) {
        LocalFree(user_sid);
    }
    return rc;
}

int IpcTaskUninstall(const wchar_t *name)
{
    int rc;
    HRESULT hr;
    Com com;
    ITaskService *service = NULL;
    ITaskFolder *root = NULL;
    wchar_t task_name[MAX_PATH];
    BSTR bname = NULL;
    wchar_t quoted[IPC_PASTE_CAP(IPC_NAME_MAX)];

    ZeroMemory(&com, sizeof(com));

    if (!IpcTaskName(name, task_name, MAX_PATH)) {
        rc = IpcFail(IPC_EXIT_USAGE, L"the task name for '%ls' is too long.", name);
        goto cleanup;
    }
    rc = OpenRoot(&com, &service, &root, L"cannot reach Task Scheduler");
    if (rc != IPC_EXIT_OK) {
        goto cleanup;
    }
    bname = com.alloc_string(task_name);
    if (bname == NULL) {
        rc = TaskFail(L"SysAllocString", E_OUTOFMEMORY, L"cannot remove the task");
        goto cleanup;
    }
    hr = ITaskFolder_DeleteTask(root, bname, 0);
    if (hr == HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)) {
        IpcPrint(L"No task '\\%ls' is registered; nothing to remove", task_name);
        goto cleanup;
    }
    if (FAILED(hr)) {
        rc = TaskFail(L"ITaskFolder::DeleteTask", hr, L"cannot remove the task");
        goto cleanup;
    }
    IpcPrint(L"Removed task '\\%ls'. A controller it started keeps running until ConsoleAppController --stop %ls",
             task_name, IpcPasteArg(name, quoted, ARRAYSIZE(quoted)));

cleanup:
    if (bname != NULL) {
        com.free_string(bname);
    }
    if (root != NULL) {
        ITaskFolder_Release(root);
    }
    if (service != NULL) {
        ITaskService_Release(service);
    }
    ComStop(&com);
    return rc;
}
