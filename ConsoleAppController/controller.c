/*
 * ConsoleAppController - a faithful port of the seed's C# ConsoleAppController.
 *
 * It finds the listener serving NAME through the mapping NAME (the pid at
 * offset 0), adopts it if it is running, launches it if not, relaunches it
 * whenever it exits, and sends the close message (-1) when a key is pressed.
 * `--stop NAME` sends the close message from another process and waits.
 *
 * What the seed got wrong and this port fixes: the listener's path is no longer
 * hard-coded (it sits beside the controller, or --listener names it); a pid read
 * from the mapping is verified (start time, image name) before it is adopted; a
 * close message sent by someone else is honoured instead of answered with a
 * relaunch; with no console to read keys from, nothing blocks and end-of-file is
 * not a key press; a listener that dies at once is relaunched after a growing
 * pause instead of in a tight loop; one controller per NAME.
 */
#include "ipc_win.h"
#include "task.h"

#include <stdio.h>
#include <string.h>

static const wchar_t kUsage[] =
    L"Usage: ConsoleAppController [NAME] [--listener PATH] [--console new|shared|none]\n"
    L"                            [--hang-timeout MS] [--restart-delay MS]\n"
    L"                            [--restart-delay-max MS] [--log FILE [--log-max-bytes N]]\n"
    L"                            [-- LISTENER ARGS...]\n"
    L"       ConsoleAppController --stop NAME [--timeout MS] [--force]\n"
    L"       ConsoleAppController --status NAME\n"
    L"       ConsoleAppController --install NAME [--at-startup | --at-logon] [options] [-- ARGS...]\n"
    L"       ConsoleAppController --uninstall NAME\n"
    L"\n"
    L"Launches ConsoleAppListener NAME (or adopts the one already running), relaunches\n"
    L"it whenever it exits, and sends it the close message when a key is pressed.\n"
    L"\n"
    L"  NAME              instance name (default SampleApp); may start with Local\\ or Global\\\n"
    L"  --listener PATH   the listener executable (default: ConsoleAppListener.exe\n"
    L"                    beside this program)\n"
    L"  --console MODE    new: the listener gets its own console window (default);\n"
    L"                    shared: it shares this console and output; none: no console\n"
    L"  --hang-timeout MS terminate and relaunch a listener that completed no unit of\n"
    L"                    work for MS ms (off by default; needs a listener of ours)\n"
    L"  --restart-delay MS      first pause before relaunching a listener that ran\n"
    L"                    less than 1 s (default 500); it doubles after each such exit\n"
    L"  --restart-delay-max MS  the longest pause (default 32000)\n"
    L"  --log FILE        every line also goes to FILE, timestamped (ISO 8601 with\n"
    L"                    offset); listeners log to FILE's .listener sibling\n"
    L"                    (svc.log -> svc.listener.log)\n"
    L"  --log-max-bytes N rotate logs beyond N bytes, keeping 3 old files (FILE.1..3);\n"
    L"                    default 10485760, 0 never rotates\n"
    L"  -- ARGS...        passed to the listener after NAME, e.g. -- --work-ms 1000\n"
    L"  --stop NAME       send the close message to NAME's listener, wait for it to\n"
    L"                    finish its unit of work and exit\n"
    L"  --timeout MS      how long --stop waits (default 60000)\n"
    L"  --force           with --stop: terminate the listener if it is still running\n"
    L"                    when the timeout ends (a unit in progress is then lost)\n"
    L"  --status NAME     report the listener (pid, state, run time, units, time\n"
    L"                    since the last unit), its controller, restarts and last exit code\n"
    L"  --install NAME    register a Task Scheduler task that runs this controller for\n"
    L"                    NAME with the options given (no time limit, IgnoreNew,\n"
    L"                    restart on failure); --at-logon (default): when you log on;\n"
    L"                    --at-startup: at boot, as you, whether or not anyone logs on\n"
    L"                    (needs an elevated prompt)\n"
    L"  --dry-run         with --install: print the task definition (XML), register nothing\n"
    L"  --uninstall NAME  remove that task\n"
    L"  --help, -h, /?    this text;  --version  the version\n"
    L"\n"
    L"--stop and --status given a plain NAME also look for Global\\NAME when NAME is\n"
    L"not found in this session (a task running in session 0 creates it there).\n"
    L"\n"
    L"A listener that ran at least 1 s is relaunched at once; one that exits sooner\n"
    L"is relaunched after a pause that doubles (0.5 s up to 32 s by default). When standard\n"
    L"input is not a console (Task Scheduler, scripts), stop it with --stop NAME.\n"
    L"\n"
    L"Exit codes:\n"
    L"  0  stopped gracefully (or --stop: the listener finished and exited, or none ran)\n"
    L"  1  a Windows call failed (the message names it)\n"
    L"  2  bad command line or instance name\n"
    L"  3  --status: no listener is running for NAME\n"
    L"  4  (ConsoleAppListener only) a listener for NAME is already running\n"
    L"  5  another controller already supervises NAME\n"
    L"  6  --stop: the listener did not exit within --timeout\n"
    L"  7  NAME is taken by an object that is not a listener's mapping\n"
    L"  8  the listener executable could not be started, or it rejected its command line\n"
    L"     (it exited with code 2 within 1 s: the arguments after -- are wrong)\n"
    L"  9  --stop --force: the listener did not exit in time and was terminated\n"
    L"  10 --install/--uninstall: Task Scheduler refused (not enough rights)";

#define HEALTHY_RUN_MS 1000u      /* a listener that ran this long is relaunched at once */
#define LISTENER_EXE L"ConsoleAppListener.exe"
/* What OnExit returns when the controller goes on supervising (otherwise an exit code). */
#define SUPERVISE_ON (-1)
/* The seed listener's unit (Thread.Sleep(6000)) and a margin: see WaitOutSeedUnit. */
#define SEED_UNIT_GRACE_MS 7000u
/* Exit code given to a listener terminated for hanging or by --stop --force: Windows' "timeout" error. */
#define TERMINATED_EXIT_CODE ERROR_TIMEOUT

typedef struct Controller {
    const IpcControllerOptions *opt;
    wchar_t listener_path[MAX_PATH * 2];
    wchar_t listener_dir[MAX_PATH * 2];
    wchar_t command_line[IPC_MAX_COMMAND_LINE + 1];
    size_t args_offset;       /* where NAME starts in command_line: what the seed printed as Arguments */
    IpcMapping map;
    HANDLE mutex;             /* NAME.controller: one controller per NAME */
    HANDLE stop_event;        /* NAME.stop: signalled by --stop so a pause is cut short */
    HANDLE exit_event;        /* signalled by the wait callback when the listener exits */
    HANDLE process;           /* the listener we supervise, NULL while none runs */
    HANDLE wait;              /* RegisterWaitForSingleObject registration for process */
    DWORD pid;
    ULONGLONG started_tick;   /* when the current listener was launched or adopted */
    uint64_t watched_since;   /* the same, as a FILETIME: the hang clock starts here */
    BOOL hang_terminated;     /* TerminateProcess was called for a hang; its exit is on the way */
    DWORD pause_ms;           /* the back-off before the next relaunch, 0 after a healthy run */
    ULONGLONG relaunch_tick;  /* when a pending relaunch is due; 0 when none is */
    BOOL interactive;         /* standard input is a console we can read keys from */
    BOOL shutting_down;       /* this controller sent the close message */
    BOOL awaiting_enter;      /* the seed's "Hit Enter to close" is showing */
} Controller;

/* Signalled by the console control handler; the main loop sends the close message. */
static HANDLE g_ctrl_event = NULL;
/*
 * The mapping the control handler writes -1 into. The handler runs on a thread
 * of its own, so it holds g_view_lock (shared) while it writes, and the main
 * thread takes it (exclusive) to set g_view to NULL before it unmaps the view:
 * a control event arriving while the controller exits then finds NULL rather
 * than writing into a view that has just been unmapped.
 */
static volatile IpcHeader *volatile g_view = NULL;
static SRWLOCK g_view_lock = SRWLOCK_INIT;
/* Set once the control handler has sent the close message. */
static volatile LONG g_ctrl_sent = 0;

/*
 * Every console control event (Ctrl+C, Ctrl+Break, closing the window, log-off,
 * shutdown) writes the close message here, at once, and the main thread then
 * reports it. At once, because for the last three Windows ends the process soon
 * after this returns, and because with a shared console the listener gets the
 * same Ctrl+C and may exit before the main thread runs: the -1 already in the
 * mapping then tells OnExit this was a stop, not a crash to relaunch. Writing an
 * aligned int32 with an Interlocked call is safe from any thread.
 */
static BOOL WINAPI CtrlHandler(DWORD type)
{
    volatile IpcHeader *view;
    (void)type;
    AcquireSRWLockShared(&g_view_lock);
    view = g_view;
    if (InterlockedExchange(&g_ctrl_sent, 1) == 0 && view != NULL) {
        IpcMapping m = {0};
        m.view = view;
        IpcMappingSendClose(&m);
    }
    ReleaseSRWLockShared(&g_view_lock);
    if (g_ctrl_event != NULL) {
        SetEvent(g_ctrl_event);
    }
    return TRUE;
}

/* The wait callback runs on a thread-pool thread: it only signals; the main thread acts. */
static VOID CALLBACK OnListenerExited(PVOID context, BOOLEAN timed_out)
{
    (void)timed_out;
    SetEvent((HANDLE)context);
}

/*
 * The listener's full path: --listener PATH made absolute, or
 * ConsoleAppListener.exe beside this program. It must exist; otherwise the
 * reason is printed, ending with tail, and an exit code is returned.
 */
static int FindListener(const wchar_t *given, wchar_t *out, DWORD cap, const wchar_t *tail)
{
    DWORD code;
    DWORD n;
    DWORD attrs;

    if (given != NULL) {
        n = GetFullPathNameW(given, cap, out, NULL);
        if (n == 0 || n >= cap) {
            code = n == 0 ? GetLastError() : ERROR_FILENAME_EXCED_RANGE;
            IpcFailWin32(L"GetFullPathNameW", code, L"cannot resolve the listener path '%ls'", given);
            return IPC_EXIT_LAUNCH_FAILED;
        }
    } else {
        code = IpcSelfDirectoryFile(LISTENER_EXE, out, cap);
        if (code != ERROR_SUCCESS) {
            IpcFailWin32(L"GetModuleFileNameW", code, L"cannot find this program's folder");
            return IPC_EXIT_FAILURE;
        }
    }
    attrs = GetFileAttributesW(out);
    if (attrs == INVALID_FILE_ATTRIBUTES || (attrs & FILE_ATTRIBUTE_DIRECTORY) != 0) {
        IpcPrintErr(L"Error: the listener executable '%ls' does not exist%ls%ls.", out,
                    given != NULL ? L"" : L" (put ConsoleAppListener.exe beside the controller, or use --listener PATH)",
                    tail);
        return IPC_EXIT_LAUNCH_FAILED;
    }
    return IPC_EXIT_OK;
}

/* Resolves the listener's full path and folder, and builds its command line. */
static int PrepareListener(Controller *c)
{
    const IpcControllerOptions *opt = c->opt;
    size_t len = 0;
    int i;
    BOOL fits = FALSE;
    int rc = FindListener(opt->listener_path, c->listener_path,
                          (DWORD)(sizeof(c->listener_path) / sizeof(c->listener_path[0])), L"");

    if (rc != IPC_EXIT_OK) {
        goto done;
    }
    /* The seed ran the listener in its own folder (WorkingDirectory = the exe's parent). */
    memcpy(c->listener_dir, c->listener_path, sizeof(c->listener_dir));
    c->listener_dir[IpcPathFileName(c->listener_dir) - c->listener_dir] = L'\0';

    if (!IpcAppendQuotedArg(c->command_line, IPC_MAX_COMMAND_LINE + 1, &len, c->listener_path)) {
        goto done;
    }
    c->args_offset = len + 1;
    if (!IpcAppendQuotedArg(c->command_line, IPC_MAX_COMMAND_LINE + 1, &len, opt->name)) {
        goto done;
    }
    for (i = 0; i < opt->listener_argc; i++) {
        if (!IpcAppendQuotedArg(c->command_line, IPC_MAX_COMMAND_LINE + 1, &len, opt->listener_argv[i])) {
            goto done;
        }
    }
    fits = TRUE;

done:
    if (rc == IPC_EXIT_OK && !fits) {
        IpcPrintErr(L"Error: the listener's command line would be longer than %d characters.", IPC_MAX_COMMAND_LINE);
        rc = IPC_EXIT_USAGE;
    }
    return rc;
}

/* Starts waiting for the listener in process/pid; the handle is ours from now on. */
static DWORD Watch(Controller *c, HANDLE process, DWORD pid)
{
    HANDLE wait = NULL;
    /*
     * WT_EXECUTEINWAITTHREAD: the callback only calls SetEvent, so it runs on the
     * wait thread itself; the thread pool then needs no worker thread (about a
     * megabyte per controller) and an exit reaches the main loop one thread
     * hand-off sooner.
     */
    if (!RegisterWaitForSingleObject(&wait, process, OnListenerExited, c->exit_event, INFINITE,
                                     WT_EXECUTEONLYONCE | WT_EXECUTEINWAITTHREAD)) {
        return GetLastError();
    }
    c->process = process;
    c->pid = pid;
    c->wait = wait;
    c->started_tick = GetTickCount64();
    c->watched_since = IpcNowU64();
    c->hang_terminated = FALSE;
    return ERROR_SUCCESS;
}

/*
 * Forgets the listener that exited. UnregisterWaitEx with INVALID_HANDLE_VALUE
 * waits for a callback that may still be running, so the handle is not closed
 * under it (libuv does the same).
 */
static DWORD Unwatch(Controller *c)
{
    DWORD exit_code = STILL_ACTIVE;
    if (c->wait != NULL) {
        UnregisterWaitEx(c->wait, INVALID_HANDLE_VALUE);
        c->wait = NULL;
    }
    if (c->process != NULL) {
        if (!GetExitCodeProcess(c->process, &exit_code)) {
            exit_code = STILL_ACTIVE;
        }
        CloseHandle(c->process);
        c->process = NULL;
    }
    c->pid = 0;
    return exit_code;
}

/*
 * Writes the identity of a listener we launched into the header: ours writes the
 * same values when it publishes, and a seed listener, which writes only its pid,
 * can then still be verified by its start time (by --stop, or a later controller).
 */
static void RecordListener(Controller *c, HANDLE process, DWORD pid)
{
    volatile IpcHeader *h = IpcMappingHeader(&c->map);
    uint64_t created = 0;
    if (h != NULL && IpcProcessCreationTime(process, &created) == ERROR_SUCCESS) {
        h->listener_created = created;
        h->listener_pid = pid;
    }
}

/* The seed's LaunchProcess. Returns a Win32 error; the message is printed here. */
static DWORD Launch(Controller *c)
{
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    DWORD flags = 0;
    BOOL inherit = FALSE;
    DWORD code = ERROR_SUCCESS;
    wchar_t *cmd = NULL;
    size_t cmd_bytes = (wcslen(c->command_line) + 1) * sizeof(wchar_t);

    memset(&si, 0, sizeof(si));
    memset(&pi, 0, sizeof(pi));
    si.cb = sizeof(si);
    IpcPrint(L"Launching executable: %ls %ls ", c->listener_path, c->command_line + c->args_offset);

    switch (c->opt->console) {
    case IPC_CONSOLE_NEW:
        flags |= CREATE_NEW_CONSOLE;
        break;
    case IPC_CONSOLE_NONE:
        /*
         * No console at all: CREATE_NO_WINDOW would still give the listener a
         * hidden console, and a console host process with it, costing about a
         * third of every (re)start (see README, Performance).
         */
        flags |= DETACHED_PROCESS;
        break;
    case IPC_CONSOLE_SHARED:
        /*
         * Hand over our standard handles explicitly: when they are pipes or files
         * (a script capturing output), a child that merely shares the console
         * would otherwise get handles it cannot use.
         */
        si.dwFlags = STARTF_USESTDHANDLES;
        si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
        si.hStdOutput = GetStdHandle(STD_OUTPUT_HANDLE);
        si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
        SetHandleInformation(si.hStdInput, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
        SetHandleInformation(si.hStdOutput, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
        SetHandleInformation(si.hStdError, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
        inherit = TRUE;
        break;
    }

    /* CreateProcessW may write into the command line, so it gets a copy. */
    cmd = (wchar_t *)HeapAlloc(GetProcessHeap(), 0, cmd_bytes);
    if (cmd == NULL) {
        code = ERROR_NOT_ENOUGH_MEMORY;
        IpcFailWin32(L"HeapAlloc", code, L"cannot launch '%ls'", c->listener_path);
        goto cleanup;
    }
    memcpy(cmd, c->command_line, cmd_bytes);
    if (!CreateProcessW(c->listener_path, cmd, NULL, NULL, inherit, flags, NULL, c->listener_dir, &si, &pi)) {
        code = GetLastError();
        IpcFailWin32(L"CreateProcessW", code, L"cannot launch '%ls'", c->listener_path);
        goto cleanup;
    }
    CloseHandle(pi.hThread);
    pi.hThread = NULL;
    RecordListener(c, pi.hProcess, pi.dwProcessId);
    code = Watch(c, pi.hProcess, pi.dwProcessId);
    if (code != ERROR_SUCCESS) {
        IpcFailWin32(L"RegisterWaitForSingleObject", code, L"cannot watch the listener (pid %lu)",
                       (unsigned long)pi.dwProcessId);
        /* Unwatched, it would run on unsupervised: ask it to stop rather than lose track of it. */
        IpcMappingSendClose(&c->map);
        CloseHandle(pi.hProcess);
        pi.hProcess = NULL;
        goto cleanup;
    }

cleanup:
    if (cmd != NULL) {
        HeapFree(GetProcessHeap(), 0, cmd);
    }
    return code;
}

/* TRUE when someone asked the listener to close: -1 at offset 0, or a stop request not yet consumed. */
static BOOL CloseRequested(const Controller *c)
{
    volatile IpcHeader *h = IpcMappingHeader(&c->map);
    if (IpcMappingReadMessage(&c->map) == IPC_CLOSE_MESSAGE) {
        return TRUE;
    }
    return h != NULL && h->stop_requests != h->stop_acked;
}

/*
 * Clears a close message nobody will consume: called only when no listener is
 * alive behind NAME, before launching one. A seed controller never closes the
 * mapping it wrote -1 into, so such a -1 can outlive every listener.
 */
static void ClearStaleClose(Controller *c)
{
    volatile IpcHeader *h = IpcMappingHeader(&c->map);
    if (h != NULL) {
        h->stop_acked = h->stop_requests;
    }
    IpcMappingCompareExchangeMessage(&c->map, 0, IPC_CLOSE_MESSAGE);
}

/*
 * The seed's WantProcessToShutDown. The close message is written unless it is
 * there already (the console control handler writes it at once, from its own
 * thread).
 */
static void SendShutdown(Controller *c)
{
    if (IpcMappingReadMessage(&c->map) != IPC_CLOSE_MESSAGE) {
        IpcMappingSendClose(&c->map);
    }
    c->shutting_down = TRUE;
    c->relaunch_tick = 0;
    IpcPrint(L"Sent message to shut down");
}

/*
 * Waits, before a launch, for what may still be running behind a pending close
 * message: the listener process finishing its last unit (process), or with
 * process NULL simply timeout_ms. Returns TRUE when that is over, FALSE when a
 * stop arrived meanwhile (Ctrl+C or --stop): then nothing is to be launched.
 */
static BOOL WaitBeforeLaunch(Controller *c, HANDLE process, DWORD timeout_ms)
{
    HANDLE handles[3];
    DWORD count = 0;
    DWORD r;

    if (process != NULL) {
        handles[count++] = process;
    }
    handles[count++] = g_ctrl_event;
    handles[count++] = c->stop_event;
    r = WaitForMultipleObjects(count, handles, FALSE, timeout_ms);
    if (r == WAIT_TIMEOUT || (process != NULL && r == WAIT_OBJECT_0)) {
        return TRUE;
    }
    IpcPrint(L"Stop requested while waiting; not launching a new listener");
    return FALSE;
}

/* A listener finishing its last unit after a close message: a fresh one must never run beside it. */
static BOOL WaitForFinishingListener(Controller *c, HANDLE process, DWORD pid)
{
    IpcPrint(L"The listener (pid %lu) is finishing its last unit after a close message; waiting for it to exit",
             (unsigned long)pid);
    return WaitBeforeLaunch(c, process, INFINITE);
}

/*
 * The seed's format keeps no pid once a close message is written over it, so
 * whether a seed listener is still inside its unit cannot be checked: the unit
 * is waited out instead (6 s in the seed, and a margin). After that a seed
 * listener has read the -1 and does no more work (it waits for Enter), so the
 * -1 can be cleared without a second listener working beside ours; cleared at
 * once, the seed listener would never see its stop and go on working.
 */
static BOOL WaitOutSeedUnit(Controller *c)
{
    IpcPrint(L"A close message is pending in the seed's format, which names no listener; waiting %lu s for a "
             L"seed listener that may be finishing its unit",
             (unsigned long)(SEED_UNIT_GRACE_MS / 1000));
    return WaitBeforeLaunch(c, NULL, SEED_UNIT_GRACE_MS);
}

/*
 * The seed's LocateClient, with the checks it lacked. On return either a
 * listener is watched (adopted), or *launch says one must be launched, or the
 * return value is an exit code other than IPC_EXIT_OK.
 */
static int Locate(Controller *c, BOOL *launch)
{
    const wchar_t *name = c->opt->name;
    DWORD code;
    IpcHeader hdr;
    IpcLayoutKind kind;
    const wchar_t *why = L"";
    LONG message;
    HANDLE process = NULL;
    wchar_t reason[IPC_ERROR_TEXT_MAX];
    const wchar_t *api = L"OpenFileMappingW";
    int rc = IPC_EXIT_OK;
    /* Hang detection may have to terminate an adopted listener. */
    DWORD access = c->opt->hang_timeout_ms != 0 ? PROCESS_TERMINATE : 0;

    *launch = TRUE;
    code = IpcMappingOpen(name, &c->map);
    if (code == ERROR_FILE_NOT_FOUND) {
        /*
         * Not running. We create the mapping ourselves and hold it, so that a
         * close message sent while the listener is being (re)launched is kept.
         */
        api = L"CreateFileMappingW";
        code = IpcMappingCreate(name, &c->map);
    }
    if (code != ERROR_SUCCESS) {
        rc = IpcFailName(api, code, name, L"file mapping");
        goto done;
    }
    if (c->map.created) {
        goto done;
    }

    message = IpcMappingReadMessage(&c->map);
    IpcPrint(L"Broadcast '%ld' received", (long)message);
    kind = IpcMappingSnapshot(&c->map, &hdr, &why);
    if (kind == IPC_LAYOUT_INVALID) {
        rc = IpcFailLayout(name, why);
        goto done;
    }

    if (message == IPC_CLOSE_MESSAGE) {
        /* A close message is on record. Is a listener still finishing its unit behind it? */
        if (kind == IPC_LAYOUT_OURS) {
            if (hdr.listener_pid != 0 &&
                IpcProcessOpenVerified(hdr.listener_pid, hdr.listener_created, NULL, 0, &process, NULL, 0) ==
                    ERROR_SUCCESS) {
                if (!WaitForFinishingListener(c, process, hdr.listener_pid)) {
                    *launch = FALSE;
                    c->shutting_down = TRUE;
                }
                CloseHandle(process);
                process = NULL;
            }
        } else if (!WaitOutSeedUnit(c)) {
            *launch = FALSE;
            c->shutting_down = TRUE;
        }
        if (*launch) {
            ClearStaleClose(c);
        }
        goto done;
    }
    if (message <= 0) {
        goto done; /* nobody has published a pid */
    }

    /*
     * Trust the pid only after checking the process: our listener's start time
     * is in the header; a seed listener publishes only its pid, so its image
     * name is what we can check.
     */
    if (kind == IPC_LAYOUT_OURS && hdr.listener_pid == (uint32_t)message) {
        code = IpcProcessOpenVerified((DWORD)message, hdr.listener_created, c->listener_path, access, &process,
                                      reason, IPC_ERROR_TEXT_MAX);
    } else {
        code = IpcProcessOpenVerified((DWORD)message, 0, c->listener_path, access, &process, reason,
                                      IPC_ERROR_TEXT_MAX);
    }
    if (code != ERROR_SUCCESS) {
        IpcPrint(L"Not adopting pid %ld: %ls", (long)message, reason);
        goto done;
    }
    if (kind == IPC_LAYOUT_OURS && hdr.listener_pid != (uint32_t)message) {
        RecordListener(c, process, (DWORD)message); /* a seed listener publishes only its pid */
    }
    code = Watch(c, process, (DWORD)message);
    if (code != ERROR_SUCCESS) {
        IpcFailWin32(L"RegisterWaitForSingleObject", code, L"cannot watch the listener (pid %ld)", (long)message);
        CloseHandle(process);
        process = NULL;
        rc = IPC_EXIT_FAILURE;
        goto done;
    }
    process = NULL;
    *launch = FALSE;
    IpcPrint(L"Process already running");

done:
    if (process != NULL) {
        CloseHandle(process);
        process = NULL;
    }
    return rc;
}

/*
 * Sets when the next launch is due: at once after a healthy run, else after a
 * pause that doubles each time (NSSM's throttling; systemd's StartLimitBurst
 * has the same purpose), so a listener that cannot start does not spin.
 */
static void ScheduleRelaunch(Controller *c, BOOL healthy)
{
    DWORD max = (DWORD)c->opt->restart_delay_max_ms;
    if (healthy) {
        c->pause_ms = 0;
    } else if (c->pause_ms == 0) {
        c->pause_ms = (DWORD)c->opt->restart_delay_ms;
    } else {
        c->pause_ms = c->pause_ms > max / 2 ? max : c->pause_ms * 2;
    }
    c->relaunch_tick = GetTickCount64() + c->pause_ms;
}

/* Relaunch after a pause; a failure is retried with the same back-off rather than giving up. */
static void Relaunch(Controller *c)
{
    volatile IpcHeader *h = IpcMappingHeader(&c->map);
    c->relaunch_tick = 0;
    if (Launch(c) != ERROR_SUCCESS) {
        ScheduleRelaunch(c, FALSE);
        IpcPrint(L"Trying again in %lu ms", (unsigned long)c->pause_ms);
        return;
    }
    if (h != NULL) {
        h->restarts = h->restarts + 1;
    }
}

/*
 * Handles the listener's exit. Returns the controller's exit code when it is
 * done: IPC_EXIT_OK when it sent the close message itself (and no Enter is
 * awaited) or someone else did, IPC_EXIT_LAUNCH_FAILED when the listener
 * refused its command line; SUPERVISE_ON when it goes on (a relaunch is
 * scheduled, or Enter is awaited).
 */
static int OnExit(Controller *c)
{
    volatile IpcHeader *h = IpcMappingHeader(&c->map);
    DWORD pid = c->pid;
    /* Saturated: an exit after 49 days is healthy whatever the 32-bit count says. */
    ULONGLONG ran_ms64 = GetTickCount64() - c->started_tick;
    DWORD ran_ms = ran_ms64 > 0xFFFFFFFFu ? 0xFFFFFFFFu : (DWORD)ran_ms64;
    DWORD exit_code = Unwatch(c);

    IpcPrint(L"Process exited");
    if (h != NULL) {
        h->last_exit_code = exit_code;
    }
    if (c->shutting_down || InterlockedCompareExchange(&g_ctrl_sent, 0, 0) != 0) {
        return c->awaiting_enter ? SUPERVISE_ON : IPC_EXIT_OK;
    }
    if (CloseRequested(c)) {
        IpcPrint(L"The listener (pid %lu) was stopped by a close message from another process; not relaunching",
                 (unsigned long)pid);
        return IPC_EXIT_OK;
    }
    /*
     * A listener that refuses its command line (our listener's exit code 2)
     * would refuse it again at every relaunch: the back-off would retry it for
     * ever. That is a mistake in the arguments after --, so it ends here.
     */
    if (exit_code == IPC_EXIT_USAGE && ran_ms < HEALTHY_RUN_MS) {
        IpcPrintErr(L"Error: the listener (pid %lu) rejected its command line (exit code %lu after %lu ms); not "
                    L"relaunching. Check the arguments after -- (ConsoleAppListener --help).",
                    (unsigned long)pid, (unsigned long)exit_code, (unsigned long)ran_ms);
        return IPC_EXIT_LAUNCH_FAILED;
    }
    ScheduleRelaunch(c, ran_ms >= HEALTHY_RUN_MS);
    if (c->pause_ms == 0) {
        IpcPrint(L"Listener (pid %lu) exited with code %lu after %lu ms; relaunching now", (unsigned long)pid,
                 (unsigned long)exit_code, (unsigned long)ran_ms);
    } else {
        IpcPrint(L"Listener (pid %lu) exited with code %lu after %lu ms (less than %lu ms); relaunching in %lu ms",
                 (unsigned long)pid, (unsigned long)exit_code, (unsigned long)ran_ms, (unsigned long)HEALTHY_RUN_MS,
                 (unsigned long)c->pause_ms);
    }
    return SUPERVISE_ON;
}

/*
 * How long until the running listener counts as hung (--hang-timeout): measured
 * from its last completed unit, or from when we started watching it. Returns
 * INFINITE when hang detection is off, no listener runs, it is already being
 * terminated, or a close was requested (a listener finishing a long last unit is
 * not hung; --stop --force is for that), 0 when it is hung.
 */
static DWORD HangDueMs(const Controller *c)
{
    volatile IpcHeader *h = IpcMappingHeader(&c->map);
    uint64_t last = c->watched_since;
    uint64_t now = IpcNowU64();
    uint64_t idle_ms;

    if (c->opt->hang_timeout_ms == 0 || c->process == NULL || h == NULL || c->hang_terminated ||
        c->shutting_down || CloseRequested(c)) {
        return INFINITE;
    }
    if (h->listener_pid == c->pid && h->last_progress > last) {
        last = h->last_progress;
    }
    idle_ms = now > last ? (now - last) / 10000u : 0;
    return idle_ms >= c->opt->hang_timeout_ms ? 0 : (DWORD)(c->opt->hang_timeout_ms - idle_ms);
}

/* Terminates a listener that made no progress; its exit then goes through OnExit and is relaunched. */
static void TerminateHung(Controller *c)
{
    IpcPrint(L"Listener (pid %lu) completed no unit of work for %lu ms (--hang-timeout); terminating it",
             (unsigned long)c->pid, c->opt->hang_timeout_ms);
    c->hang_terminated = TRUE;
    if (!TerminateProcess(c->process, TERMINATED_EXIT_CODE)) {
        DWORD code = GetLastError();
        IpcFailWin32(L"TerminateProcess", code, L"cannot terminate the hung listener (pid %lu)",
                       (unsigned long)c->pid);
        /* Do not try again at once: look again after another full timeout. */
        c->hang_terminated = FALSE;
        c->watched_since = IpcNowU64();
    }
}

/* The main loop: waits, never polls, for the listener, a key, a control event or --stop. */
static int Supervise(Controller *c)
{
    HANDLE handles[4];
    DWORD count;
    DWORD timeout;
    DWORD r;
    HANDLE in = GetStdHandle(STD_INPUT_HANDLE);

    for (;;) {
        /* Stops first: when the listener exit and a stop are both signalled, the stop explains the exit. */
        count = 0;
        handles[count++] = g_ctrl_event;
        handles[count++] = c->stop_event;
        handles[count++] = c->exit_event;
        /*
         * The console input handle stays signalled while input is unread, so it is
         * waited on only while a key means something: before a stop (any key) and at
         * "Hit Enter to close". After a Ctrl+C nothing reads the input, and a key
         * typed then would turn this loop into a busy spin until the listener exits.
         */
        if (c->interactive && (!c->shutting_down || c->awaiting_enter)) {
            handles[count++] = in;
        }
        timeout = c->shutting_down ? INFINITE : HangDueMs(c);
        if (c->relaunch_tick != 0) {
            ULONGLONG now = GetTickCount64();
            DWORD due = c->relaunch_tick > now ? (DWORD)(c->relaunch_tick - now) : 0;
            timeout = due < timeout ? due : timeout;
        }
        r = WaitForMultipleObjects(count, handles, FALSE, timeout);
        if (r == WAIT_TIMEOUT) {
            if (c->process != NULL) {
                if (HangDueMs(c) == 0) {
                    TerminateHung(c);
                }
            } else if (c->relaunch_tick != 0 && GetTickCount64() >= c->relaunch_tick) {
                if (CloseRequested(c)) {
                    IpcPrint(L"A close message arrived while the listener was down; not relaunching");
                    return IPC_EXIT_OK;
                }
                Relaunch(c);
            }
        } else if (r == WAIT_OBJECT_0 + 2) {
            int rc = OnExit(c);
            if (rc != SUPERVISE_ON) {
                return rc;
            }
        } else if (r == WAIT_OBJECT_0) {
            ResetEvent(g_ctrl_event);
            if (!c->shutting_down) {
                /* The handler wrote the close message, unless it came before the mapping was open. */
                IpcPrint(L"Console control event received");
                c->awaiting_enter = FALSE;
                SendShutdown(c);
            }
            if (c->process == NULL) {
                return IPC_EXIT_OK;
            }
            /* A second Ctrl+C does not abandon the unit in progress: we still wait for the listener. */
        } else if (r == WAIT_OBJECT_0 + 1) {
            /* --stop from another process: it wrote -1 itself; we stop relaunching. */
            c->relaunch_tick = 0;
            if (c->process == NULL) {
                IpcPrint(L"A close message arrived while the listener was down; not relaunching");
                return IPC_EXIT_OK;
            }
        } else if (r == WAIT_OBJECT_0 + 3) {
            if (!c->shutting_down) {
                if (IpcConsoleTakeKey(in, FALSE)) {
                    SendShutdown(c);
                    c->awaiting_enter = TRUE;
                    IpcPrint(L"Hit Enter to close");
                }
            } else if (c->awaiting_enter && IpcConsoleTakeKey(in, TRUE)) {
                return IPC_EXIT_OK;
            }
        } else {
            DWORD code = GetLastError();
            IpcFailWin32(L"WaitForMultipleObjects", code, L"the supervision loop failed");
            return IPC_EXIT_FAILURE;
        }
    }
}

static int RunSupervisor(const IpcControllerOptions *opt)
{
    int rc = IPC_EXIT_FAILURE;
    Controller *c = NULL;
    DWORD code;
    BOOL launch = FALSE;
    wchar_t text[32];
    wchar_t stop_name[MAX_PATH];
    volatile IpcHeader *h;
    uint64_t created = 0;
    SECURITY_ATTRIBUTES *sa = NULL;

    /* The controller is too large for the stack (the command line alone is 64 KiB). */
    c = (Controller *)HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(*c));
    if (c == NULL) {
        IpcFailWin32(L"HeapAlloc", ERROR_NOT_ENOUGH_MEMORY, L"cannot start");
        goto cleanup;
    }
    c->opt = opt;
    c->interactive = IpcStdinIsConsole();

    if (opt->log != NULL) {
        wchar_t full[MAX_PATH * 2];
        wchar_t sibling[MAX_PATH * 2 + 16] = L"(none)";
        const wchar_t *api = L"GetFullPathNameW";
        DWORD n = GetFullPathNameW(opt->log, (DWORD)(sizeof(full) / sizeof(full[0])), full, NULL);
        code = n == 0 ? GetLastError() : (n >= sizeof(full) / sizeof(full[0]) ? ERROR_FILENAME_EXCED_RANGE : ERROR_SUCCESS);
        if (code == ERROR_SUCCESS) {
            code = IpcLogOpen(full, opt->log_max_bytes, &api);
        }
        if (code != ERROR_SUCCESS) {
            IpcFailWin32(api, code, L"cannot open the log '%ls'", opt->log);
            goto cleanup;
        }
        /* Full paths: the listener runs in its own folder. */
        if (IpcLogSibling(full, L".listener", sibling, sizeof(sibling) / sizeof(sibling[0]))) {
            SetEnvironmentVariableW(IPC_ENV_LISTENER_LOG, sibling);
            IpcFormat(text, sizeof(text) / sizeof(text[0]), L"%lu", opt->log_max_bytes);
            SetEnvironmentVariableW(IPC_ENV_LISTENER_LOG_MAX_BYTES, text);
        }
        IpcPrint(L"Controller (pid %lu) %ls supervising '%ls'; listener log: %ls", (unsigned long)GetCurrentProcessId(),
                 IPC_VERSION_TEXT, opt->name, sibling);
    }

    rc = PrepareListener(c);
    if (rc != IPC_EXIT_OK) {
        goto cleanup;
    }
    rc = IPC_EXIT_FAILURE;

    code = IpcNamedMutexTryAcquire(opt->name, IPC_SUFFIX_CONTROLLER_MUTEX, &c->mutex);
    if (code == ERROR_ALREADY_EXISTS) {
        IpcMapping m = {0};
        IpcHeader hdr;
        DWORD other = 0;
        if (IpcMappingOpen(opt->name, &m) == ERROR_SUCCESS) {
            if (IpcMappingSnapshot(&m, &hdr, NULL) == IPC_LAYOUT_OURS) {
                other = hdr.controller_pid;
            }
            IpcMappingClose(&m);
        }
        if (other != 0) {
            IpcPrintErr(L"Error: another controller (pid %lu) already supervises '%ls'.", (unsigned long)other,
                        opt->name);
        } else {
            IpcPrintErr(L"Error: another controller already supervises '%ls'.", opt->name);
        }
        rc = IPC_EXIT_CONTROLLER_RUNNING;
        goto cleanup;
    }
    if (code != ERROR_SUCCESS) {
        wchar_t lock[MAX_PATH];
        IpcDerivedName(opt->name, IPC_SUFFIX_CONTROLLER_MUTEX, lock, MAX_PATH);
        rc = IpcFailName(L"CreateMutexW", code, lock, L"mutex");
        goto cleanup;
    }

    c->exit_event = CreateEventW(NULL, FALSE, FALSE, NULL);
    if (c->exit_event == NULL) {
        code = GetLastError();
        IpcFailWin32(L"CreateEventW", code, L"cannot create an event");
        goto cleanup;
    }
    g_ctrl_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (g_ctrl_event == NULL) {
        code = GetLastError();
        IpcFailWin32(L"CreateEventW", code, L"cannot create an event");
        goto cleanup;
    }
    if (!IpcDerivedName(opt->name, IPC_SUFFIX_STOP_EVENT, stop_name, MAX_PATH)) {
        IpcPrintErr(L"Error: the instance name '%ls' is too long.", opt->name);
        rc = IPC_EXIT_USAGE;
        goto cleanup;
    }
    code = IpcPrivateAttributes(&sa);
    if (code != ERROR_SUCCESS) {
        IpcFailWin32(L"OpenProcessToken", code, L"cannot build the security descriptor for '%ls'", opt->name);
        goto cleanup;
    }
    /*
     * We hold the controller lock, so an existing stop event was left by a
     * controller that died (harmless, ours) or planted by someone else: the
     * owner check tells which.
     */
    c->stop_event = CreateEventW(sa, FALSE, FALSE, stop_name);
    code = GetLastError();
    if (c->stop_event != NULL && code == ERROR_ALREADY_EXISTS) {
        code = IpcCheckNamedOwner(OpenEventW, stop_name);
    } else if (c->stop_event != NULL) {
        code = ERROR_SUCCESS;
    }
    if (code != ERROR_SUCCESS) {
        rc = IpcFailName(L"CreateEventW", code, stop_name, L"event");
        goto cleanup;
    }

    /* Children inherit this: a listener we launch knows a controller watches it and never prompts. */
    IpcFormat(text, sizeof(text) / sizeof(text[0]), L"%lu", (unsigned long)GetCurrentProcessId());
    SetEnvironmentVariableW(IPC_ENV_CONTROLLER_PID, text);
    SetConsoleCtrlHandler(CtrlHandler, TRUE);

    rc = Locate(c, &launch);
    if (rc != IPC_EXIT_OK) {
        goto cleanup;
    }
    rc = IPC_EXIT_FAILURE;
    AcquireSRWLockExclusive(&g_view_lock);
    g_view = c->map.view;
    ReleaseSRWLockExclusive(&g_view_lock);
    h = IpcMappingHeader(&c->map);
    if (h != NULL && IpcProcessCreationTime(GetCurrentProcess(), &created) == ERROR_SUCCESS) {
        h->controller_created = created;
        h->controller_pid = GetCurrentProcessId();
    }
    if (c->shutting_down) {
        rc = IPC_EXIT_OK;
        goto cleanup;
    }
    if (launch) {
        if (Launch(c) != ERROR_SUCCESS) {
            rc = IPC_EXIT_LAUNCH_FAILED;
            goto cleanup;
        }
        IpcPrint(L"Process launched");
    }

    if (c->interactive) {
        IpcPrint(L"Hit any key to send shutdown message (at any time)");
    } else {
        IpcPrint(L"Standard input is not a console; stop with: ConsoleAppController --stop %ls", opt->name);
    }
    rc = Supervise(c);

cleanup:
    if (c != NULL) {
        AcquireSRWLockExclusive(&g_view_lock);
        g_view = NULL;
        ReleaseSRWLockExclusive(&g_view_lock);
        h = IpcMappingHeader(&c->map);
        if (h != NULL && h->controller_pid == GetCurrentProcessId()) {
            h->controller_pid = 0;
            h->controller_created = 0;
        }
        /* The listener, if still running, goes on: only a close message stops it. */
        Unwatch(c);
        IpcMappingClose(&c->map);
        if (c->stop_event != NULL) {
            CloseHandle(c->stop_event);
            c->stop_event = NULL;
        }
        if (c->exit_event != NULL) {
            CloseHandle(c->exit_event);
            c->exit_event = NULL;
        }
        if (c->mutex != NULL) {
            ReleaseMutex(c->mutex);
            CloseHandle(c->mutex);
            c->mutex = NULL;
        }
        HeapFree(GetProcessHeap(), 0, c);
    }
    return rc;
}

/*
 * Waits for a verified process until the deadline. Returns ERROR_SUCCESS when it
 * exited (its exit code in *exit_code), WAIT_TIMEOUT when it did not.
 */
static DWORD WaitUntil(HANDLE process, ULONGLONG deadline, DWORD *exit_code)
{
    ULONGLONG now = GetTickCount64();
    DWORD ms = deadline > now ? (DWORD)(deadline - now) : 0;
    DWORD r = WaitForSingleObject(process, ms);
    if (r == WAIT_TIMEOUT) {
        return WAIT_TIMEOUT;
    }
    if (r != WAIT_OBJECT_0) {
        return GetLastError();
    }
    if (!GetExitCodeProcess(process, exit_code)) {
        *exit_code = STILL_ACTIVE;
    }
    return ERROR_SUCCESS;
}

/*
 * Opens NAME's mapping for --stop and --status. A task that runs whether or not
 * a user is logged on runs in session 0, whose plain names live in the global
 * namespace, while the same plain name typed in a desktop session means that
 * session's namespace. So a plain NAME not found here is looked for as
 * Global\NAME too, and it says where it was found. resolved receives the name
 * that was opened (cap >= MAX_PATH). On failure *m and resolved are untouched
 * and the error of the first lookup is returned.
 */
static DWORD OpenMapping(const wchar_t *name, IpcMapping *m, wchar_t *resolved, size_t cap)
{
    DWORD code = IpcMappingOpen(name, m);
    wchar_t global[MAX_PATH];

    if (code == ERROR_SUCCESS) {
        IpcFormat(resolved, cap, L"%ls", name);
        return code;
    }
    if (code != ERROR_FILE_NOT_FOUND || wcschr(name, L'\\') != NULL) {
        return code;
    }
    if (!IpcDerivedName(L"Global\\", name, global, MAX_PATH)) {
        return code;
    }
    if (IpcMappingOpen(global, m) != ERROR_SUCCESS) {
        return code;
    }
    IpcFormat(resolved, cap, L"%ls", global);
    IpcPrint(L"'%ls' is not in this session; found '%ls' in the global namespace", name, global);
    return ERROR_SUCCESS;
}

/*
 * OpenMapping for --stop and --status, then the layout check. Returns
 * IPC_EXIT_OK with *m, *hdr and *kind set; IPC_EXIT_NOT_RUNNING, printing
 * nothing, when there is no such mapping; otherwise the exit code of the
 * problem it reported (another object, another owner, not a listener's data).
 */
static int OpenForQuery(const wchar_t *name, IpcMapping *m, IpcHeader *hdr, IpcLayoutKind *kind, wchar_t *resolved,
                        size_t cap)
{
    DWORD code = OpenMapping(name, m, resolved, cap);
    const wchar_t *why = L"";

    if (code == ERROR_FILE_NOT_FOUND) {
        return IPC_EXIT_NOT_RUNNING;
    }
    if (code != ERROR_SUCCESS) {
        return IpcFailName(L"OpenFileMappingW", code, name, L"file mapping");
    }
    *kind = IpcMappingSnapshot(m, hdr, &why);
    if (*kind == IPC_LAYOUT_INVALID) {
        IpcMappingClose(m);
        return IpcFailLayout(resolved, why);
    }
    return IPC_EXIT_OK;
}

/* "1 h 02 min 03 s", "4 min 05 s", "2.5 s" */
static void FormatDuration(uint64_t ms, wchar_t *buf, size_t cap)
{
    uint64_t s = ms / 1000;
    if (s >= 3600) {
        IpcFormat(buf, cap, L"%lu h %02u min %02u s", (unsigned long)(s / 3600), (unsigned)(s / 60 % 60),
                 (unsigned)(s % 60));
    } else if (s >= 60) {
        IpcFormat(buf, cap, L"%u min %02u s", (unsigned)(s / 60), (unsigned)(s % 60));
    } else {
        IpcFormat(buf, cap, L"%u.%u s", (unsigned)s, (unsigned)(ms % 1000 / 100));
    }
}

/* ConsoleAppController --status NAME: what the mapping and the processes say. Never writes anything. */
static int RunStatus(const IpcControllerOptions *opt)
{
    int rc = IPC_EXIT_FAILURE;
    IpcMapping m = {0};
    IpcHeader hdr;
    IpcLayoutKind kind;
    wchar_t name[MAX_PATH];
    wchar_t reason[IPC_ERROR_TEXT_MAX];
    wchar_t text[64];
    wchar_t when[64];
    wchar_t image[MAX_PATH * 2];
    DWORD image_len = (DWORD)(sizeof(image) / sizeof(image[0]));
    HANDLE listener = NULL;
    HANDLE controller = NULL;
    DWORD pid = 0;
    LONG message;
    uint64_t now = IpcNowU64();
    uint64_t started = 0;
    BOOL ours;

    rc = OpenForQuery(opt->name, &m, &hdr, &kind, name, MAX_PATH);
    if (rc == IPC_EXIT_NOT_RUNNING) {
        IpcPrint(L"Instance:   %ls", opt->name);
        IpcPrint(L"Listener:   not running (no mapping named '%ls'%ls)", opt->name,
                 wcschr(opt->name, L'\\') == NULL ? L" in this session or in Global\\" : L"");
    }
    if (rc != IPC_EXIT_OK) {
        goto cleanup;
    }
    ours = kind == IPC_LAYOUT_OURS;
    message = hdr.message;
    IpcPrint(L"Instance:   %ls", name);
    IpcPrint(L"Layout:     %ls", ours ? L"listener header, version 1" : L"the seed's format (pid only)");

    /* The listener: the pid at offset 0, or after a close message the one the header remembers. */
    if (message > 0) {
        pid = (DWORD)message;
    } else if (ours && hdr.listener_pid != 0) {
        pid = hdr.listener_pid;
    }
    if (pid != 0) {
        uint64_t created = ours && hdr.listener_pid == pid ? hdr.listener_created : 0;
        /* Without a creation time to compare (the seed's format), the image is what --stop checks too. */
        IpcProcessOpenVerified(pid, created, created != 0 ? NULL : LISTENER_EXE, 0, &listener, reason,
                               IPC_ERROR_TEXT_MAX);
    }
    if (listener == NULL) {
        if (pid != 0) {
            IpcPrint(L"Listener:   not running (%ls)", reason);
        } else {
            IpcPrint(L"Listener:   not running (none has published its pid)");
        }
        rc = IPC_EXIT_NOT_RUNNING;
    } else {
        const wchar_t *state;
        if (message == IPC_CLOSE_MESSAGE || (ours && hdr.stop_requests != hdr.stop_acked)) {
            state = L"stopping (a close message is pending; it finishes its unit first)";
        } else if (ours && hdr.state == IPC_STATE_WORKING) {
            state = L"running (inside a unit of work)";
        } else {
            state = L"running";
        }
        if (!QueryFullProcessImageNameW(listener, 0, image, &image_len)) {
            IpcFormat(image, sizeof(image) / sizeof(image[0]), L"?");
        }
        IpcPrint(L"Listener:   pid %lu, %ls", (unsigned long)pid, state);
        IpcPrint(L"Image:      %ls", image);
        if (IpcProcessCreationTime(listener, &started) == ERROR_SUCCESS) {
            IpcFormatTime(started, when, sizeof(when) / sizeof(when[0]));
            FormatDuration(now > started ? (now - started) / 10000 : 0, text, sizeof(text) / sizeof(text[0]));
            IpcPrint(L"Started:    %ls (running for %ls)", when, text);
        }
        rc = IPC_EXIT_OK;
    }
    if (ours) {
        if (hdr.last_progress != 0) {
            FormatDuration(now > hdr.last_progress ? (now - hdr.last_progress) / 10000 : 0, text,
                           sizeof(text) / sizeof(text[0]));
            IpcPrint(L"Units:      %llu completed; the last one ended %ls ago", (unsigned long long)hdr.units, text);
        } else {
            IpcPrint(L"Units:      %llu completed", (unsigned long long)hdr.units);
        }
        if (hdr.controller_pid != 0 && IpcProcessOpenVerified(hdr.controller_pid, hdr.controller_created, NULL, 0,
                                                              &controller, NULL, 0) == ERROR_SUCCESS) {
            IpcPrint(L"Controller: pid %lu, running", (unsigned long)hdr.controller_pid);
        } else {
            IpcPrint(L"Controller: none");
        }
        IpcPrint(L"Restarts:   %lu (last exit code %lu)", (unsigned long)hdr.restarts,
                 (unsigned long)hdr.last_exit_code);
    }

cleanup:
    if (controller != NULL) {
        CloseHandle(controller);
        controller = NULL;
    }
    if (listener != NULL) {
        CloseHandle(listener);
        listener = NULL;
    }
    IpcMappingClose(&m);
    return rc;
}

/* ConsoleAppController --stop NAME: the seed's WantProcessToShutDown from another process, then a wait. */
static int RunStop(const IpcControllerOptions *opt)
{
    int rc = IPC_EXIT_FAILURE;
    IpcMapping m = {0};
    IpcHeader hdr;
    IpcLayoutKind kind;
    DWORD code;
    LONG before;
    DWORD listener_pid = 0;
    uint64_t listener_created = 0;
    HANDLE listener = NULL;
    HANDLE controller = NULL;
    HANDLE event = NULL;
    DWORD exit_code = 0;
    wchar_t stop_name[MAX_PATH];
    wchar_t reason[IPC_ERROR_TEXT_MAX];
    wchar_t name[MAX_PATH];
    ULONGLONG deadline = GetTickCount64() + opt->timeout_ms;
    BOOL forced = FALSE;

    rc = OpenForQuery(opt->name, &m, &hdr, &kind, name, MAX_PATH);
    if (rc == IPC_EXIT_NOT_RUNNING) {
        IpcPrint(L"No listener named '%ls' is running; nothing to stop", opt->name);
        rc = IPC_EXIT_OK;
        goto cleanup;
    }
    if (rc != IPC_EXIT_OK) {
        goto cleanup;
    }
    rc = IPC_EXIT_FAILURE;

    before = IpcMappingSendClose(&m);
    IpcPrint(L"Sent message to shut down");
    /* Wake the supervising controller, so that it stops relaunching even during a pause. */
    if (IpcDerivedName(name, IPC_SUFFIX_STOP_EVENT, stop_name, MAX_PATH)) {
        event = OpenEventW(EVENT_MODIFY_STATE, FALSE, stop_name);
        if (event != NULL) {
            SetEvent(event);
        }
    }

    /* Which listener to wait for: the pid we replaced, or (a stop already pending) the header's. */
    if (before > 0) {
        listener_pid = (DWORD)before;
    } else if (kind == IPC_LAYOUT_OURS && hdr.state != IPC_STATE_STOPPED) {
        listener_pid = hdr.listener_pid;
    }
    if (kind == IPC_LAYOUT_OURS && listener_pid != 0 && hdr.listener_pid == listener_pid) {
        listener_created = hdr.listener_created;
    }
    if (listener_pid != 0) {
        /* Never wait on (or later kill) a process we have not identified. */
        code = IpcProcessOpenVerified(listener_pid, listener_created, listener_created != 0 ? NULL : LISTENER_EXE,
                                      opt->force ? PROCESS_TERMINATE : 0, &listener, reason, IPC_ERROR_TEXT_MAX);
        if (code != ERROR_SUCCESS) {
            IpcPrint(L"Not waiting for pid %lu: %ls", (unsigned long)listener_pid, reason);
        }
    }
    if (kind == IPC_LAYOUT_OURS && hdr.controller_pid != 0) {
        IpcProcessOpenVerified(hdr.controller_pid, hdr.controller_created, NULL, 0, &controller, NULL, 0);
    }
    if (listener == NULL && controller == NULL) {
        IpcPrint(L"No listener is running for '%ls'; the close message is recorded", name);
        rc = IPC_EXIT_OK;
        goto cleanup;
    }

    if (listener != NULL) {
        code = WaitUntil(listener, deadline, &exit_code);
        if (code == WAIT_TIMEOUT && opt->force) {
            /* Only a process verified above is ever terminated. */
            if (!TerminateProcess(listener, TERMINATED_EXIT_CODE)) {
                code = GetLastError();
                IpcFailWin32(L"TerminateProcess", code, L"cannot terminate the listener (pid %lu)",
                               (unsigned long)listener_pid);
                goto cleanup;
            }
            IpcPrint(L"The listener (pid %lu) did not exit within %lu ms; terminated it (--force)",
                     (unsigned long)listener_pid, opt->timeout_ms);
            forced = TRUE;
            /* Leave the controller a moment to see the exit and stop too. */
            deadline = GetTickCount64() + 5000;
            code = WaitUntil(listener, deadline, &exit_code);
        }
        if (code == WAIT_TIMEOUT) {
            IpcPrintErr(L"Error: the listener (pid %lu) did not exit within %lu ms; it may still be finishing its unit of work.",
                        (unsigned long)listener_pid, opt->timeout_ms);
            rc = IPC_EXIT_STOP_TIMEOUT;
            goto cleanup;
        }
        if (code != ERROR_SUCCESS) {
            IpcFailWin32(L"WaitForSingleObject", code, L"cannot wait for the listener (pid %lu)",
                           (unsigned long)listener_pid);
            goto cleanup;
        }
        IpcPrint(L"Listener (pid %lu) exited with code %lu", (unsigned long)listener_pid, (unsigned long)exit_code);
    }
    if (controller != NULL) {
        code = WaitUntil(controller, deadline, &exit_code);
        if (code == WAIT_TIMEOUT) {
            IpcPrintErr(L"Error: the controller (pid %lu) did not exit within %lu ms.", (unsigned long)hdr.controller_pid,
                        opt->timeout_ms);
            rc = IPC_EXIT_STOP_TIMEOUT;
            goto cleanup;
        }
        if (code == ERROR_SUCCESS) {
            IpcPrint(L"Controller (pid %lu) exited with code %lu", (unsigned long)hdr.controller_pid,
                     (unsigned long)exit_code);
        }
    }
    rc = forced ? IPC_EXIT_STOP_FORCED : IPC_EXIT_OK;

cleanup:
    if (controller != NULL) {
        CloseHandle(controller);
        controller = NULL;
    }
    if (listener != NULL) {
        CloseHandle(listener);
        listener = NULL;
    }
    if (event != NULL) {
        CloseHandle(event);
        event = NULL;
    }
    IpcMappingClose(&m);
    return rc;
}

/*
 * The task's arguments: this command line without --install NAME and the
 * trigger, NAME first, and --listener/--log made absolute (the task runs in
 * the controller's folder). Everything after "--" is the listener's, verbatim.
 */
static BOOL InstallArguments(int argc, wchar_t **argv, const wchar_t *name, wchar_t *out, size_t cap)
{
    size_t len = 0;
    int i;
    BOOL listener_args = FALSE;
    wchar_t full[MAX_PATH * 2];

    out[0] = L'\0';
    if (!IpcAppendQuotedArg(out, cap, &len, name)) {
        return FALSE;
    }
    for (i = 1; i < argc; i++) {
        const wchar_t *arg = argv[i];
        BOOL path_value = FALSE;
        const wchar_t *joined = NULL; /* the "--option=" of a path given in one word */
        if (!listener_args) {
            if (wcscmp(arg, L"--") == 0) {
                listener_args = TRUE;
            } else if (wcscmp(arg, L"--install") == 0) {
                i++; /* and its NAME */
                continue;
            } else if (wcsncmp(arg, L"--install=", 10) == 0 || wcscmp(arg, L"--at-startup") == 0 ||
                       wcscmp(arg, L"--at-logon") == 0 || wcscmp(arg, L"--dry-run") == 0) {
                continue;
            } else if ((wcscmp(arg, L"--listener") == 0 || wcscmp(arg, L"--log") == 0) && i + 1 < argc) {
                path_value = TRUE;
            } else if (wcsncmp(arg, L"--listener=", 11) == 0) {
                joined = L"--listener=";
            } else if (wcsncmp(arg, L"--log=", 6) == 0) {
                joined = L"--log=";
            }
        }
        if (joined != NULL) {
            /* --listener=PATH, --log=FILE: the same path made absolute, kept in one word. */
            size_t prefix = wcslen(joined);
            DWORD n;
            memcpy(full, joined, prefix * sizeof(wchar_t));
            n = GetFullPathNameW(arg + prefix, (DWORD)(sizeof(full) / sizeof(full[0]) - prefix), full + prefix, NULL);
            if (n == 0 || n >= sizeof(full) / sizeof(full[0]) - prefix || !IpcAppendQuotedArg(out, cap, &len, full)) {
                return FALSE;
            }
            continue;
        }
        if (!IpcAppendQuotedArg(out, cap, &len, arg)) {
            return FALSE;
        }
        if (path_value) {
            DWORD n = GetFullPathNameW(argv[++i], (DWORD)(sizeof(full) / sizeof(full[0])), full, NULL);
            if (n == 0 || n >= sizeof(full) / sizeof(full[0]) || !IpcAppendQuotedArg(out, cap, &len, full)) {
                return FALSE;
            }
        }
    }
    return TRUE;
}

/* --install NAME: registers the task that runs this controller for NAME. */
static int RunInstall(const IpcControllerOptions *opt, int argc, wchar_t **argv)
{
    wchar_t self[MAX_PATH * 2];
    wchar_t listener[MAX_PATH * 2];
    wchar_t *args = NULL;
    DWORD n = GetModuleFileNameW(NULL, self, (DWORD)(sizeof(self) / sizeof(self[0])));
    DWORD code;
    int rc = IPC_EXIT_FAILURE;

    if (n == 0 || n >= sizeof(self) / sizeof(self[0])) {
        code = n == 0 ? GetLastError() : ERROR_INSUFFICIENT_BUFFER;
        IpcFailWin32(L"GetModuleFileNameW", code, L"cannot find this program's path");
        goto cleanup;
    }
    /* A task that could only fail at every boot is caught now, while someone is watching. */
    rc = FindListener(opt->listener_path, listener, (DWORD)(sizeof(listener) / sizeof(listener[0])),
                      L"; not registering a task that would fail");
    if (rc != IPC_EXIT_OK) {
        goto cleanup;
    }
    rc = IPC_EXIT_FAILURE;
    args = (wchar_t *)HeapAlloc(GetProcessHeap(), 0, (IPC_MAX_COMMAND_LINE + 1) * sizeof(wchar_t));
    if (args == NULL || !InstallArguments(argc, argv, opt->name, args, IPC_MAX_COMMAND_LINE + 1)) {
        IpcPrintErr(L"Error: the task's command line would be longer than %d characters.", IPC_MAX_COMMAND_LINE);
        rc = IPC_EXIT_USAGE;
        goto cleanup;
    }
    rc = IpcTaskInstall(opt->name, self, args, opt->at_startup ? IPC_TASK_AT_STARTUP : IPC_TASK_AT_LOGON,
                        opt->dry_run);

cleanup:
    if (args != NULL) {
        HeapFree(GetProcessHeap(), 0, args);
    }
    return rc;
}

int wmain(int argc, wchar_t **argv)
{
    IpcControllerOptions opt;
    wchar_t err[IPC_ERROR_TEXT_MAX];

    switch (IpcParseControllerArgs(argc, argv, &opt, err, IPC_ERROR_TEXT_MAX)) {
    case IPC_PARSE_HELP:
        IpcPrint(L"%ls", kUsage);
        return IPC_EXIT_OK;
    case IPC_PARSE_VERSION:
        IpcPrint(L"ConsoleAppController %ls", IPC_VERSION_TEXT);
        return IPC_EXIT_OK;
    case IPC_PARSE_ERROR:
        IpcPrintErr(L"Error: %ls. Run ConsoleAppController --help for usage.", err);
        return IPC_EXIT_USAGE;
    case IPC_PARSE_OK:
        break;
    }
    switch (opt.mode) {
    case IPC_MODE_STOP:
        return RunStop(&opt);
    case IPC_MODE_STATUS:
        return RunStatus(&opt);
    case IPC_MODE_INSTALL:
        return RunInstall(&opt, argc, argv);
    case IPC_MODE_UNINSTALL:
        return IpcTaskUninstall(opt.name);
    default:
        return RunSupervisor(&opt);
    }
}
