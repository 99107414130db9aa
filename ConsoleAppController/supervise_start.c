/*
 * supervise_start.c - the supervisor from start to end, in named steps: the
 * log, the single-controller lock, the events, the listeners' environment,
 * the console control handler, locating a running listener, launching one,
 * the prompt, the supervision loop (supervise.c) and the teardown.
 */
#include "controller.h"
#include "ipc_console.h"
#include "ipc_env.h"
#include "ipc_error.h"
#include "ipc_exit.h"
#include "ipc_handle.h"
#include "ipc_log.h"
#include "ipc_name.h"
#include "ipc_named.h"
#include "ipc_path.h"
#include "ipc_process.h"
#include "ipc_version.h"

/*
 * --log FILE: every line also goes to FILE; the listeners we launch log to its
 * .listener sibling, told through the environment. Returns an exit code.
 */
static int OpenLog(const IpcControllerOptions *opt)
{
    wchar_t full[MAX_PATH * 2];
    wchar_t sibling[MAX_PATH * 2 + 16] = L"(none)";
    wchar_t text[32];
    const wchar_t *api = L"GetFullPathNameW";
    DWORD code;

    if (opt->log == NULL) {
        return IPC_EXIT_OK;
    }
    code = IpcFullPath(opt->log, full, (DWORD)ARRAYSIZE(full));
    if (code == ERROR_SUCCESS) {
        code = IpcLogOpen(full, opt->log_max_bytes, &api);
    }
    if (code != ERROR_SUCCESS) {
        return IpcFailWin32(api, code, L"cannot open the log '%ls'", opt->log);
    }
    /* Full paths: the listener runs in its own folder. */
    if (IpcLogSibling(full, L".listener", sibling, ARRAYSIZE(sibling))) {
        SetEnvironmentVariableW(IPC_ENV_LISTENER_LOG, sibling);
        IpcFormat(text, ARRAYSIZE(text), L"%lu", opt->log_max_bytes);
        SetEnvironmentVariableW(IPC_ENV_LISTENER_LOG_MAX_BYTES, text);
    }
    IpcPrint(L"Controller (pid %lu) %ls supervising '%ls'; listener log: %ls", (unsigned long)GetCurrentProcessId(),
             IPC_VERSION_WIDE, opt->name, sibling);
    return IPC_EXIT_OK;
}

/* One controller per NAME: the mutex NAME.controller, owned for the controller's life. */
static int AcquireLock(Controller *c)
{
    const wchar_t *name = c->opt->name;
    wchar_t lock[MAX_PATH];
    IpcMapping m = {0};
    IpcHeader hdr;
    DWORD other = 0;
    DWORD code = IpcNamedMutexTryAcquire(name, IPC_SUFFIX_CONTROLLER_MUTEX, &c->mutex);

    if (code == ERROR_ALREADY_EXISTS) {
        /* Name the other controller when its listener's header says who it is. */
        if (IpcMappingOpen(name, &m) == ERROR_SUCCESS) {
            if (IpcMappingClassify(&m, &hdr, NULL) == IPC_LAYOUT_OURS) {
                other = hdr.controller_pid;
            }
            IpcMappingClose(&m);
        }
        if (other != 0) {
            return IpcFail(IPC_EXIT_CONTROLLER_RUNNING, L"another controller (pid %lu) already supervises '%ls'.",
                           (unsigned long)other, name);
        }
        return IpcFail(IPC_EXIT_CONTROLLER_RUNNING, L"another controller already supervises '%ls'.", name);
    }
    if (code != ERROR_SUCCESS) {
        IpcDerivedName(name, IPC_SUFFIX_CONTROLLER_MUTEX, lock, MAX_PATH);
        return IpcFailName(L"CreateMutexW", code, lock, L"mutex");
    }
    return IPC_EXIT_OK;
}

/*
 * The listener's exit event, the console control event, and NAME.stop, which
 * --stop signals. We hold the controller lock, so an existing NAME.stop was
 * left by a controller that died (harmless, ours) or planted by someone else:
 * IpcNamedEventCreate's owner check tells which.
 */
static int CreateEvents(Controller *c)
{
    const wchar_t *name = c->opt->name;
    wchar_t stop_name[MAX_PATH];
    DWORD code;

    c->exit_event = CreateEventW(NULL, FALSE, FALSE, NULL);
    if (c->exit_event == NULL) {
        code = GetLastError();
        return IpcFailWin32(L"CreateEventW", code, L"cannot create an event");
    }
    code = ControlEventCreate(&c->ctrl_event);
    if (code != ERROR_SUCCESS) {
        return IpcFailWin32(L"CreateEventW", code, L"cannot create an event");
    }
    if (!IpcDerivedName(name, IPC_SUFFIX_STOP_EVENT, stop_name, MAX_PATH)) {
        return IpcFail(IPC_EXIT_USAGE, L"the instance name '%ls' is too long.", name);
    }
    code = IpcNamedEventCreate(name, IPC_SUFFIX_STOP_EVENT, FALSE, &c->stop_event);
    if (code != ERROR_SUCCESS) {
        return IpcFailName(L"CreateEventW", code, stop_name, L"event");
    }
    return IPC_EXIT_OK;
}

/* Children inherit this: a listener we launch knows a controller watches it and never prompts. */
static void ExportControllerPid(void)
{
    wchar_t text[32];
    IpcFormat(text, ARRAYSIZE(text), L"%lu", (unsigned long)GetCurrentProcessId());
    SetEnvironmentVariableW(IPC_ENV_CONTROLLER_PID, text);
}

/* The control handler may write into the mapping from now on; the header names this controller. */
static void PublishController(Controller *c)
{
    volatile IpcHeader *h = IpcMappingHeader(&c->map);
    uint64_t created = 0;

    ControlHandlerSetView(c->map.view);
    if (h != NULL && IpcProcessCreationTime(GetCurrentProcess(), &created) == ERROR_SUCCESS) {
        h->controller_created = created;
        h->controller_pid = GetCurrentProcessId();
    }
}

/* Every step before the supervision loop. Returns IPC_EXIT_OK to supervise (unless c->shutting_down). */
static int StartUp(Controller *c)
{
    BOOL launch = FALSE;
    DWORD code;
    int rc;

    rc = OpenLog(c->opt);
    if (rc != IPC_EXIT_OK) {
        return rc;
    }
    rc = PrepareListener(c);
    if (rc != IPC_EXIT_OK) {
        return rc;
    }
    rc = AcquireLock(c);
    if (rc != IPC_EXIT_OK) {
        return rc;
    }
    rc = CreateEvents(c);
    if (rc != IPC_EXIT_OK) {
        return rc;
    }
    ExportControllerPid();
    ControlHandlerInstall();
    rc = LocateListener(c, &launch);
    if (rc != IPC_EXIT_OK) {
        return rc;
    }
    PublishController(c);
    if (c->shutting_down || !launch) {
        return IPC_EXIT_OK;
    }
    code = LaunchListener(c);
    if (code == ERROR_SUCCESS) {
        IpcPrint(L"Process launched");
    } else if (LaunchErrorIsPermanent(code)) {
        return IPC_EXIT_LAUNCH_FAILED;
    } else {
        /* The file is there and the system failed (out of resources, the file briefly locked): retried like a relaunch. */
        ScheduleLaunchRetry(c);
    }
    return IPC_EXIT_OK;
}

/* The C# sample's prompt, or how to stop a controller that cannot read keys. */
static void PrintPrompt(const Controller *c)
{
    if (c->interactive) {
        IpcPrint(L"Hit any key to send shutdown message (at any time)");
    } else {
        IpcPrint(L"Standard input is not a console; stop with: ConsoleAppController --stop %ls", c->opt->name);
    }
}

/* Undoes StartUp, whichever step it reached. The listener, if still running, goes on: only a close message stops it. */
static void TearDown(Controller *c)
{
    volatile IpcHeader *h;

    ControlHandlerSetView(NULL);
    h = IpcMappingHeader(&c->map);
    if (h != NULL && h->controller_pid == GetCurrentProcessId()) {
        h->controller_pid = 0;
        h->controller_created = 0;
    }
    UnwatchListener(c);
    IpcMappingClose(&c->map);
    IpcHandleClose(&c->stop_event);
    IpcHandleClose(&c->exit_event);
    /* c->ctrl_event stays open: the control handler may still signal it until the process ends. */
    if (c->mutex != NULL) {
        ReleaseMutex(c->mutex);
        IpcHandleClose(&c->mutex);
    }
}

int RunSupervisor(const IpcControllerOptions *opt)
{
    Controller *c = (Controller *)HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(Controller));
    int rc;

    if (c == NULL) {
        return IpcFailWin32(L"HeapAlloc", ERROR_NOT_ENOUGH_MEMORY, L"cannot start");
    }
    c->opt = opt;
    c->interactive = IpcStdinIsConsole();
    rc = StartUp(c);
    if (rc == IPC_EXIT_OK && !c->shutting_down) {
        PrintPrompt(c);
        rc = Supervise(c);
    }
    TearDown(c);
    HeapFree(GetProcessHeap(), 0, c);
    return rc;
}
