/*
 * controller.h - what the files of ConsoleAppController share: the supervisor's
 * state (Controller) and the functions one file calls in another. Everything
 * else in these files is static.
 *
 * The program is four commands behind one wmain (main.c): the supervisor
 * (supervise_start.c sets it up, locate.c finds or adopts a running listener,
 * launch.c starts one, supervise.c watches and relaunches it, standby.c keeps
 * a standby beside it (--standby), console_control.c
 * turns Ctrl+C into the close message), --status (status.c), --stop (stop.c),
 * both reading the mapping through query.c, --restart (restart.c asks, the
 * supervisor's restart_request.c does it), and --install/--uninstall
 * (install.c, task.c). --status, --stop, --restart and --install never touch a
 * Controller.
 */
#ifndef CONTROLLER_H
#define CONTROLLER_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include "ipc_args.h"
#include "ipc_error.h"
#include "ipc_layout.h"
#include "ipc_mapping.h"
#include "ipc_text.h"

/* The listener's file name: beside the controller unless --listener names another. */
#define LISTENER_EXE L"ConsoleAppListener.exe"
/* Exit code given to a listener terminated for hanging or by --stop --force: Windows' "timeout" error. */
#define TERMINATED_EXIT_CODE ERROR_TIMEOUT

/* The supervisor's state; on the heap, being too large for the stack (the command line alone is 64 KiB). */
typedef struct Controller {
    const IpcControllerOptions *opt;
    wchar_t listener_path[MAX_PATH * 2];
    wchar_t listener_dir[MAX_PATH * 2];
    wchar_t command_line[IPC_MAX_COMMAND_LINE + 1];
    size_t args_offset;       /* where NAME starts in command_line: what the C# sample printed as Arguments */
    IpcMapping map;
    HANDLE mutex;             /* NAME|controller: one controller per NAME */
    HANDLE stop_event;        /* NAME|stop: signalled by --stop so a pause is cut short */
    HANDLE restart_event;     /* NAME|restart: auto-reset, signalled by --restart (restart_request.c) */
    HANDLE exit_event;        /* signalled by the wait callback when the listener exits */
    HANDLE ctrl_event;        /* signalled by the console control handler (console_control.c) */
    HANDLE process;           /* the listener we supervise, NULL while none runs */
    HANDLE wait;              /* RegisterWaitForSingleObject registration for process */
    DWORD pid;
    ULONGLONG started_tick;   /* when the current listener was launched or adopted */
    uint64_t watched_since;   /* the same, on the unbiased interrupt time (IpcTickNowU64): the hang clock starts here */
    BOOL hang_terminated;     /* TerminateProcess was called for a hang; its exit is on the way */
    DWORD pause_ms;           /* the back-off before the next relaunch, 0 after a healthy run */
    ULONGLONG relaunch_tick;  /* when a pending relaunch is due; 0 when none is */
    BOOL interactive;         /* standard input is a console we can read keys from */
    BOOL shutting_down;       /* this controller sent the close message */
    BOOL stop_seen;           /* NAME|stop was signalled: a manual-reset event, never waited on again */
    BOOL awaiting_enter;      /* the C# sample's "Hit Enter to close" is showing */
    BOOL launched_once;       /* a listener was launched; the next launches are relaunches */
    DWORD restart_pid;        /* the listener asked by --restart to finish its unit and exit; 0 when none is */
    BOOL restart_by_close;    /* it was asked by the close message (the C# sample's listener): ours to clear */
    uint32_t restart_stop_requests; /* stop_requests when it was asked: a count that moves is a stop, not ours */
    DWORD restart_standby;    /* --standby: the fresh standby a restart waits for before it asks; 0 when none */
    /* The standby listener (--standby, standby.c): waits for NAME|listener and takes over when the active exits. */
    HANDLE standby_event;     /* signalled by the standby's wait callback when it exits */
    HANDLE standby;           /* the standby's process, NULL while none runs */
    HANDLE standby_wait;      /* RegisterWaitForSingleObject registration for standby */
    DWORD standby_pid;
    ULONGLONG standby_tick;   /* when the standby was launched or adopted */
    DWORD standby_pause_ms;   /* the standbys' own back-off, 0 after a standby that lived */
    ULONGLONG standby_due;    /* no standby is launched before this tick */
    DWORD standby_refused;    /* the active listener's pid when no standby can run beside it (said once) */
    DWORD standby_foreign;    /* a live standby of the header's that failed verification: none is launched beside it */
    ULONGLONG standby_ready_tick; /* when our standby was first seen waiting (state 2), 0 before */
    DWORD standby_poll_ms;    /* the current poll period while the active publishes or the standby starts, 0: none */
    HANDLE retire_event;      /* NAME|retire<pid> of a retired standby, open until that standby (retired) exits */
    HANDLE retired;           /* that standby's process */
    int final_rc;             /* the exit code once the last listener is gone, when a policy ended supervision */
} Controller;

/* ---- the commands; each returns the program's exit code (IPC_EXIT_*) ---- */

/* RunSupervisor - ConsoleAppController [NAME] [options]: launch or adopt the listener and keep it running. */
int RunSupervisor(const IpcControllerOptions *opt);

/* RunStatus - --status NAME: report what the mapping and the processes say; writes nothing. */
int RunStatus(const IpcControllerOptions *opt);

/* RunStatusJson - --status NAME --json: the same facts and exit code as RunStatus, as one JSON object. */
int RunStatusJson(const IpcControllerOptions *opt);

/* RunList - --list [--json]: every instance this user can see, in this session and in Global\; exit 0. */
int RunList(const IpcControllerOptions *opt);

/* RunStop - --stop NAME: send the close message, wake the controller, wait for both to exit. */
int RunStop(const IpcControllerOptions *opt);

/*
 * RunRestart - --restart NAME: ask NAME's controller to restart its listener
 * (restart_request.c does it) and wait until a new verified listener has
 * published its pid; IPC_EXIT_NOT_RUNNING, IPC_EXIT_NOT_SUPERVISED or
 * IPC_EXIT_RESTART_TIMEOUT when it cannot.
 */
int RunRestart(const IpcControllerOptions *opt);

/* RunInstall - --install NAME: register the task that runs this controller with these arguments. */
int RunInstall(const IpcControllerOptions *opt, int argc, wchar_t **argv);

/* ---- the listener executable (launch.c) ---- */

/*
 * FindListener - the listener's full path for these options: --listener PATH
 * made absolute, or ConsoleAppListener.exe beside this program. It must exist;
 * otherwise the reason is printed, ending with tail, and the exit code for it
 * returned.
 */
int FindListener(const IpcControllerOptions *opt, wchar_t *out, DWORD cap, const wchar_t *tail);

/*
 * SampleListenerImage - the image a listener in the C# sample's format must
 * run for the pid it published to be trusted. That format records a pid and
 * no start time, so the executable's file name is the one check left, and it
 * is the listener these options name: --listener PATH made absolute (into
 * buf, cap characters; the path as given when it cannot be resolved), or
 * ConsoleAppListener.exe (--status and --stop take no --listener). Only the
 * file name of what is returned is compared.
 */
const wchar_t *SampleListenerImage(const IpcControllerOptions *opt, wchar_t *buf, DWORD cap);

/*
 * PrepareListener - fill in c's listener_path, listener_dir, command_line and
 * args_offset. Returns IPC_EXIT_OK, or the exit code of the problem it printed.
 */
int PrepareListener(Controller *c);

/*
 * RecordListener - write the identity (pid, creation time) of the listener
 * process into the header, when the mapping has one: ours writes the same
 * values when it publishes, and a listener in the C# sample's format, which
 * writes only its pid, can then still be verified by its start time.
 */
void RecordListener(Controller *c, HANDLE process, DWORD pid);

/*
 * LaunchListener - start the listener (the C# sample's LaunchProcess) and
 * watch it. ERROR_SUCCESS when it runs and is watched; otherwise the error of
 * the call that failed, after printing why.
 */
DWORD LaunchListener(Controller *c);

/*
 * LaunchErrorIsPermanent - TRUE for a CreateProcessW error that starting the
 * same file again cannot cure (the file is missing, not an executable, or
 * refused to us); FALSE for a failure of the system that may pass.
 */
BOOL LaunchErrorIsPermanent(DWORD code);

/*
 * StartListenerProcess - CreateProcessW of the listener with c's command line
 * and --console, printing the C# sample's "Launching executable" line, or for
 * a standby (IPC_STANDBY=1 in its environment) "Launching standby listener".
 * ERROR_SUCCESS with the process handle and pid; otherwise the error of the
 * call that failed, after printing why, outputs untouched.
 */
DWORD StartListenerProcess(Controller *c, BOOL standby, HANDLE *process, DWORD *pid);

/* ---- the standby listener (standby.c) ---- */

/* StandbyEventCreate - the event the standby's wait callback signals. Returns the CreateEventW error. */
DWORD StandbyEventCreate(Controller *c);

/*
 * StandbyFound - the header names a standby: adopt it when it is proven to be
 * NAME's (its creation time, its image and its command line) and --standby is
 * given; retire it (its event NAME|retire<pid>) without --standby; clear the
 * fields of one that is not running. Each case prints a line.
 */
void StandbyFound(Controller *c);

/*
 * StandbyTick - with --standby, launch a standby when none runs, the active
 * listener has published its pid, no stop is pending (stopping) and the
 * standbys' back-off allows it.
 */
void StandbyTick(Controller *c, BOOL stopping);

/*
 * StandbyRenew - for --restart: retire the standby (it runs the listener file
 * as it was when it started) and launch a fresh one from the file as it is
 * now, recorded and watched. Returns its pid; 0 when none can run beside the
 * active listener or none could be started.
 */
DWORD StandbyRenew(Controller *c);

/* StandbyWaitMs - timeout cut to when StandbyTick has something to do (a poll while the active publishes). */
DWORD StandbyWaitMs(const Controller *c, BOOL stopping, DWORD timeout);

/*
 * StandbyTakeOver - the active listener (old_pid) exited (exit_code, after
 * ran_ms) and a standby lives:
 * it takes NAME|listener by itself; it becomes c's watched listener, restarts
 * is counted, and the next standby follows after the standbys' back-off
 * (none when healthy). FALSE when there is no live standby to promote.
 */
BOOL StandbyTakeOver(Controller *c, DWORD old_pid, DWORD exit_code, DWORD ran_ms, BOOL healthy);

/* StandbyExited - the standby's exit was signalled: forget it; unless stopping, schedule the next one. */
void StandbyExited(Controller *c, BOOL stopping);

/* StandbyRelease - stop watching the standby (it runs on, as the listener does) and close its handles. */
void StandbyRelease(Controller *c);

/* ---- watching the listener (supervise.c) ---- */

/*
 * WatchProcessExit - RegisterWaitForSingleObject for process: its exit
 * signals event (the callback does nothing else), *wait is the registration.
 * Returns its error.
 */
DWORD WatchProcessExit(HANDLE process, HANDLE event, HANDLE *wait);

/* HEALTHY_RUN_MS - a listener (or a standby) that ran this long is replaced at once, not after a pause. */
#define HEALTHY_RUN_MS 1000u

/* BackOffNext - the pause after pause_ms: 0 when healthy, else --restart-delay doubling to --restart-delay-max. */
DWORD BackOffNext(const Controller *c, DWORD pause_ms, BOOL healthy);

/*
 * WatchListener - start waiting for the listener in process/pid (its exit
 * signals c->exit_event); the handle is c's from then on. Returns the error of
 * RegisterWaitForSingleObject, the handle then still the caller's.
 */
DWORD WatchListener(Controller *c, HANDLE process, DWORD pid);

/* ScheduleLaunchRetry - the first launch failed for a reason that may pass: try again after the back-off. */
void ScheduleLaunchRetry(Controller *c);

/* UnwatchListener - forget the watched listener; returns its exit code (STILL_ACTIVE when unknown or none). */
DWORD UnwatchListener(Controller *c);

/*
 * Supervise - the main loop: waits for the listener's exit, a key, a console
 * control event or --stop, relaunches with back-off, terminates a hung
 * listener. Returns the controller's exit code.
 */
int Supervise(Controller *c);

/* ---- --restart, the controller's side (restart_request.c) ---- */

/*
 * RestartEventCreate - create NAME|restart (auto-reset), which --restart
 * signals, into c->restart_event; an existing one is used only when its
 * owner is trusted. Returns IPC_EXIT_OK or the exit code of the problem it printed.
 */
int RestartEventCreate(Controller *c);

/*
 * RestartAdoptPending - after LocateListener: a restart_pid left in the header
 * by a controller that died is taken over when it names the listener just
 * adopted, and cleared otherwise (that pid may come back as another process).
 */
void RestartAdoptPending(Controller *c);

/*
 * OnRestartRequest - NAME|restart was signalled: ask the running listener to
 * finish its unit and exit (restart_pid in our header; the close message for
 * a listener of the C# sample, which reads nothing else), or, while none runs
 * and a relaunch is pending, relaunch now (c->relaunch_tick). Ignored while a
 * stop is under way; a second request while one is pending changes nothing.
 */
void OnRestartRequest(Controller *c);

/*
 * RestartExitHandled - the listener pid exited (exit_code, after ran_ms):
 * TRUE when it was the restart asked for and no stop came meanwhile; the
 * close message of a restart is then cleared, the exit reported and a
 * relaunch is due at once (c->relaunch_tick; no back-off, not counted by
 * --start-limit). FALSE otherwise, and the exit is handled as any other:
 * a stop that arrived meanwhile then still explains it.
 */
BOOL RestartExitHandled(Controller *c, DWORD pid, DWORD exit_code, DWORD ran_ms);

/*
 * RestartTick - a restart with --standby asks the listener to go only once
 * the fresh standby it launched waits for the lock (standby_state 2), so the
 * standby takes over the moment the listener lets go: called on every turn
 * of the loop; RestartWaitMs cuts the loop's timeout to a poll meanwhile.
 */
void RestartTick(Controller *c);
DWORD RestartWaitMs(const Controller *c, DWORD timeout);

/* ---- finding a running listener (locate.c) ---- */

/*
 * LocateListener - open or create the mapping NAME and adopt the listener it
 * names, once verified (the C# sample's LocateClient, with the checks it
 * lacked). Returns IPC_EXIT_OK with either a listener watched, or *launch TRUE
 * when one must be launched, or (a stop arrived while waiting) neither and
 * c->shutting_down set; otherwise the exit code of the problem it printed.
 */
int LocateListener(Controller *c, BOOL *launch);

/*
 * AdoptNameHolder - our listener (pid) exited at once with "a listener is
 * already running": someone holds NAME. Looks at the mapping again, for up to
 * a few seconds while the winner publishes its pid, and adopts it once
 * proven. Returns IPC_EXIT_OK with it watched (or, a stop having arrived,
 * with c->shutting_down set and none watched); otherwise IPC_EXIT_NAME_HELD
 * after printing why nothing could be adopted.
 */
int AdoptNameHolder(Controller *c, DWORD pid);

/* ---- the console control handler (console_control.c) ---- */

/* ControlEventCreate - the manual-reset event the handler signals; also kept for the handler itself. */
DWORD ControlEventCreate(HANDLE *out);

/* ControlHandlerInstall - from now on every console control event sends the close message at once. */
void ControlHandlerInstall(void);

/* ControlHandlerSetView - the mapping view the handler writes into; NULL before the view is unmapped. */
void ControlHandlerSetView(volatile IpcHeader *view);

/* ControlCloseSent - TRUE once the handler has sent the close message. */
BOOL ControlCloseSent(void);

/* ---- reading NAME's mapping for --status and --stop (query.c) ---- */

/*
 * OpenForQuery - open NAME's mapping (looking in Global\ too for a plain NAME
 * not found in this session) and check its layout. Returns IPC_EXIT_OK with
 * *m, *hdr, *kind and resolved (the name found; cap >= MAX_PATH) set;
 * IPC_EXIT_NOT_RUNNING, printing nothing, when there is no such mapping;
 * otherwise the exit code of the problem it printed (another object, another
 * owner, not a listener's data).
 */
int OpenForQuery(const wchar_t *name, IpcMapping *m, IpcHeader *hdr, IpcLayoutKind *kind, wchar_t *resolved,
                 size_t cap);

/*
 * OpenQueriedListener - open the listener pid found in the header hdr of
 * layout kind of the mapping resolved (the name OpenForQuery found for
 * opt->name), only when it is proven to be that instance's listener
 * (IpcIdentityOpenListener, the image from SampleListenerImage). The handle
 * has the least rights; the same return, *out and why.
 */
DWORD OpenQueriedListener(const IpcControllerOptions *opt, const wchar_t *resolved, const IpcHeader *hdr,
                          IpcLayoutKind kind, DWORD pid, HANDLE *out, wchar_t *why, size_t why_cap);

/* OpenForQueryEx - OpenForQuery, printing the line that NAME was found in Global\ only when announce. */
int OpenForQueryEx(const wchar_t *name, BOOL announce, IpcMapping *m, IpcHeader *hdr, IpcLayoutKind *kind,
                   wchar_t *resolved, size_t cap);

/*
 * SignalCompanionEvent - create or open the event NAME+suffix (private when
 * new, its owner checked when it exists; manual_reset as CreateEventW's) and
 * signal it; *event keeps it. Returns IPC_EXIT_OK, or the exit code of the
 * problem it printed (a squatted name).
 */
int SignalCompanionEvent(const wchar_t *name, const wchar_t *suffix, BOOL manual_reset, HANDLE *event);

/* OpenQueriedController - TRUE, *out set, when the header names a controller that is running (verified). */
BOOL OpenQueriedController(const IpcHeader *hdr, IpcLayoutKind kind, HANDLE *out);

/* OpenQueriedStandby - OpenQueriedListener for the standby the header names (IpcIdentityOpenStandby). */
DWORD OpenQueriedStandby(const IpcControllerOptions *opt, const wchar_t *resolved, const IpcHeader *hdr, HANDLE *out,
                         wchar_t *why, size_t why_cap);

/* ---- what --status finds, for the JSON of --status --json and --list (status_json.c) ---- */

/* One instance as --status sees it. */
typedef struct StatusInfo {
    int rc;                      /* --status's exit code for it */
    BOOL found;                  /* its mapping exists and holds a listener's data */
    wchar_t name[MAX_PATH];      /* the name found (Global\NAME when found there) */
    IpcLayoutKind kind;
    IpcHeader hdr;
    DWORD pid;                   /* the listener pid the mapping names, 0 if none */
    BOOL listener_running;       /* that pid was verified to be the listener */
    wchar_t reason[IPC_ERROR_TEXT_MAX]; /* why not, when it is not running */
    wchar_t image[MAX_PATH * 2]; /* its executable, "" if unknown */
    uint64_t started;            /* its creation time (FILETIME, UTC), 0 if unknown */
    BOOL controller_running;     /* the header names a live, verified controller */
    BOOL standby_running;        /* the header names a standby, verified to be NAME's */
    uint64_t standby_started;    /* its creation time (FILETIME, UTC), 0 if unknown */
    wchar_t standby_reason[IPC_ERROR_TEXT_MAX]; /* why the standby named is not trusted */
    uint64_t now;                /* when it was looked at (FILETIME, UTC) */
} StatusInfo;

/*
 * StatusCollect - look NAME up as --status does (Global\ too for a plain
 * NAME; the line saying so is printed only when announce) and fill in *info.
 * Returns info->rc: IPC_EXIT_OK with a running listener, IPC_EXIT_NOT_RUNNING,
 * or the exit code of an error already reported (a mapping that is not a
 * listener's: IPC_EXIT_NAME_IN_USE).
 */
int StatusCollect(const IpcControllerOptions *opt, const wchar_t *name, BOOL announce, StatusInfo *info);

/*
 * StatusWriteJson - info as one JSON object (the schema in
 * ConsoleAppController/README.md), typed being the instance name as asked for.
 */
struct IpcJson;
void StatusWriteJson(struct IpcJson *j, const wchar_t *typed, const StatusInfo *info);

/* ExitCodeName - the symbolic name of a listener's exit code (NTSTATUS, ERROR_TIMEOUT, IPC_EXIT_*), or NULL. */
const wchar_t *ExitCodeName(DWORD code);

#endif
