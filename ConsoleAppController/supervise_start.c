/*
 * supervise_start.c - the supervisor from start to end, in named steps: the
 * log, the single-controller lock, the events, the listeners' environment,
 * the console control handler, locating a running listener, launching one,
 * the prompt, the supervision loop (supervise.c) and the teardown.
 */
#include "controller.h"
#include "eventlog.h"
#include "ipc_args.h"
#include "ipc_console.h"
#include "ipc_env.h"
#include "ipc_error.h"
#include "ipc_exit.h"
#include "ipc_handle.h"
#include "ipc_layout.h"
#include "ipc_log.h"
#include "ipc_mapping.h"
#include "ipc_name.h"
#include "ipc_named.h"
#include "ipc_path.h"
#include "ipc_process.h"
#include "ipc_text.h"
#include "ipc_version.h"
#include "log_paths.h"

/*
 * --log FILE: every line also goes to FILE; the listeners we launch log to its
 * .listener sibling, told through the environment, and copy their error lines
 * into FILE. A device (NUL, CON) has no sibling: the listeners log to the same
 * device. Returns an exit code.
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
        code = IpcLogOpen(full, opt->log_max_bytes, FALSE, &api);
    }
    if (code != ERROR_SUCCESS) {
        return IpcFailWin32(api, code, L"cannot open the log '%ls'", opt->log);
    }
    /* Full paths: the listener runs in its own folder. */
    SetEnvironmentVariableW(IPC_ENV_CONTROLLER_LOG, full);
    if (IpcLogIsDevice()) {
        IpcFormat(sibling, ARRAYSIZE(sibling), L"%ls", full); /* a device has no siblings: they write to it too */
    }
    if (IpcLogIsDevice() || IpcLogSibling(full, L".listener", sibling, ARRAYSIZE(sibling))) {
        SetEnvironmentVariableW(IPC_ENV_LISTENER_LOG, sibling);
        IpcFormat(text, ARRAYSIZE(text), L"%lu", opt->log_max_bytes);
        SetEnvironmentVariableW(IPC_ENV_LISTENER_LOG_MAX_BYTES, text);
    }
    IpcPrint(L"Controller (pid %lu) %ls supervising '%ls'; listener log: %ls", (unsigned long)GetCurrentProcessId(),
             IPC_VERSION_WIDE, opt->name, sibling);
    return IPC_EXIT_OK;
}

/* One controller per NAME: the mutex NAME|controller, owned for the controller's life. */
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
 * The listener's exit event, the console control event, NAME|stop, which
 * --stop signals, and NAME|restart, which --restart signals
 * (restart_request.c). We hold the controller lock, so an existing NAME|stop
 * was left by a controller that died (harmless, ours), is held by a --stop
 * still waiting, or was planted by someone else: IpcNamedEventCreate's owner check
 * tells whether it is ours. It is a manual-reset event, created after the lock
 * and before the mapping, the order --stop uses the other way round (mapping,
 * event, lock): a stop that arrives while this controller starts is seen in
 * one of them. Already signalled now, it is a stop request: whoever signalled
 * it wants NAME stopped, so nothing is launched (c->shutting_down set).
 */
static int CreateEvents(Controller *c)
{
    const wchar_t *name = c->opt->name;
    wchar_t stop_name[MAX_PATH];
    DWORD code;
    int rc;

    c->exit_event = CreateEventW(NULL, FALSE, FALSE, NULL);
    if (c->exit_event == NULL) {
        code = GetLastError();
        return IpcFailWin32(L"CreateEventW", code, L"cannot create an event");
    }
    code = ControlEventCreate(&c->ctrl_event);
    if (code == ERROR_SUCCESS) {
        code = StandbyEventCreate(c);
    }
    if (code != ERROR_SUCCESS) {
        return IpcFailWin32(L"CreateEventW", code, L"cannot create an event");
    }
    if (!IpcDerivedName(name, IPC_SUFFIX_STOP_EVENT, stop_name, MAX_PATH)) {
        return IpcFail(IPC_EXIT_USAGE, L"the instance name '%ls' is too long.", name);
    }
    code = IpcNamedEventCreate(name, IPC_SUFFIX_STOP_EVENT, TRUE, &c->stop_event);
    if (code != ERROR_SUCCESS) {
        return IpcFailName(L"CreateEventW", code, stop_name, L"event");
    }
    rc = RestartEventCreate(c);
    if (rc != IPC_EXIT_OK) {
        return rc;
    }
    if (WaitForSingleObject(c->stop_event, 0) == WAIT_OBJECT_0) {
        IpcPrint(L"Stop requested while starting (the event '%ls' is signalled); not launching", stop_name);
        c->stop_seen = TRUE;
        c->shutting_down = TRUE;
    }
    return IPC_EXIT_OK;
}

/*
 * The listener's lock NAME|listener is checked as the mapping is, before
 * anything is launched: an object of another type or owner under that name
 * would make every listener we launch exit 7, and relaunching could only
 * repeat it.
 */
static int CheckListenerLock(const Controller *c)
{
    wchar_t lock[MAX_PATH];
    const wchar_t *api = L"OpenMutexW";
    DWORD code = IpcNamedMutexCheck(c->opt->name, IPC_SUFFIX_LISTENER_MUTEX, &api);

    if (code == ERROR_SUCCESS) {
        return IPC_EXIT_OK;
    }
    IpcDerivedName(c->opt->name, IPC_SUFFIX_LISTENER_MUTEX, lock, MAX_PATH);
    return IpcFailName(api, code, lock, L"mutex");
}

/*
 * Children inherit this: a listener we launch knows a controller watches it
 * and never prompts. IPC_STANDBY is set only for the launch of a standby
 * (launch.c); one this controller inherited would make every listener a standby.
 */
static void ExportControllerPid(void)
{
    wchar_t text[32];
    IpcFormat(text, ARRAYSIZE(text), L"%lu", (unsigned long)GetCurrentProcessId());
    SetEnvironmentVariableW(IPC_ENV_CONTROLLER_PID, text);
    SetEnvironmentVariableW(IPC_ENV_STANDBY, NULL);
}

/* The control handler may write into the mapping from now on; the header names this controller. */
static void PublishController(Controller *c)
{
    volatile IpcHeader *h = IpcMappingHeader(&c->map);
    uint64_t created = 0;

    ControlHandlerSetView(c->map.view);
    if (h != NULL && IpcProcessSelfCreationTime(&created) == ERROR_SUCCESS) {
        IpcHeaderWrite64(&h->controller_created, created);
        h->controller_pid = GetCurrentProcessId();
    }
}

/*
 * A --hang-timeout no longer than one unit of work kills every listener before
 * it completes a unit, for ever. Said at the start when the unit's length is
 * known: the listener is ours (ConsoleAppListener.exe) and does the C# sample's
 * timed units, its --work-ms after -- or the default; with --run a unit lasts
 * as long as its command. The arguments are read with the listener's own parser.
 */
static void WarnHangTimeoutShorterThanUnit(const Controller *c)
{
    const IpcControllerOptions *opt = c->opt;
    IpcListenerOptions lo;
    wchar_t err[IPC_ERROR_TEXT_MAX];
    wchar_t **argv = NULL;
    int argc = opt->listener_argc + 2;
    int i;

    if (opt->hang_timeout_ms == 0 ||
        CompareStringOrdinal(IpcPathFileName(c->listener_path), -1, LISTENER_EXE, -1, TRUE) != CSTR_EQUAL) {
        return;
    }
    argv = (wchar_t **)HeapAlloc(GetProcessHeap(), 0, (size_t)argc * sizeof(wchar_t *));
    if (argv == NULL) {
        return; /* only a warning is lost */
    }
    argv[0] = (wchar_t *)c->listener_path;
    argv[1] = (wchar_t *)opt->name;
    for (i = 0; i < opt->listener_argc; i++) {
        argv[i + 2] = opt->listener_argv[i];
    }
    /* Arguments it would refuse end the controller with their own message once it runs. */
    if (IpcParseListenerArgs(argc, argv, &lo, err, ARRAYSIZE(err)) == IPC_PARSE_OK && lo.run == NULL &&
        opt->hang_timeout_ms <= lo.work_ms) {
        IpcPrintErr(L"Warning: --hang-timeout %lu ms is not longer than one unit of work of the listener (--work-ms "
                    L"%lu): every listener will be terminated as hung before it completes a unit. Give a "
                    L"--hang-timeout longer than %lu ms.",
                    opt->hang_timeout_ms, lo.work_ms, lo.work_ms);
    }
    HeapFree(GetProcessHeap(), 0, argv);
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
    WarnHangTimeoutShorterThanUnit(c);
    rc = AcquireLock(c);
    if (rc != IPC_EXIT_OK) {
        return rc;
    }
    rc = LogPathsPublish(c->opt);
    if (rc != IPC_EXIT_OK) {
        return rc;
    }
    rc = CreateEvents(c);
    if (rc != IPC_EXIT_OK || c->shutting_down) {
        return rc;
    }
    rc = CheckListenerLock(c);
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
    RestartAdoptPending(c);
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
    wchar_t quoted[IPC_PASTE_CAP(IPC_NAME_MAX)];

    if (c->interactive) {
        IpcPrint(L"Hit any key to send shutdown message (at any time)");
    } else {
        IpcPrint(L"Standard input is not a console; stop with: ConsoleAppController --stop %ls",
                 IpcPasteArg(c->opt->name, quoted, ARRAYSIZE(quoted)));
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
        IpcHeaderWrite64(&h->controller_created, 0);
    }
    UnwatchListener(c);
    StandbyRelease(c);
    IpcMappingClose(&c->map);
    LogPathsWithdraw();
    IpcHandleClose(&c->stop_event);
    IpcHandleClose(&c->restart_event);
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
    if (opt->unattended) {
        /*
         * Task Scheduler starts a console program with a new console of its
         * own ("Creation of a Console": a console process without one gets a
         * new console): a window on the desktop for a logon task, whose keys
         * and close box would stop the service. FreeConsole detaches this
         * process from it; being the console's only process, the console
         * closes ("FreeConsole", "Closing a Console"). Windows still creates
         * it, so a window can flash for an instant. From here on no key and
         * no console event reaches the controller; its lines go to --log.
         */
        FreeConsole();
    }
    c->interactive = !opt->unattended && IpcStdinIsConsole();
    IpcEventLogStart(opt, c->interactive);
    rc = StartUp(c);
    if (rc == IPC_EXIT_OK && !c->shutting_down) {
        PrintPrompt(c);
        rc = Supervise(c);
    }
    TearDown(c);
    IpcEventLogEnd(rc);
    HeapFree(GetProcessHeap(), 0, c);
    return rc;
}
