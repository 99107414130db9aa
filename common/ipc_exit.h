/*
 * ipc_exit.h - the exit codes of ConsoleAppListener and ConsoleAppController.
 *
 * Both programs return one of these and nothing else, so that a script or Task
 * Scheduler can tell the cases apart. `--help` and README.md list them; keep the
 * three in step. This header needs no <windows.h>.
 */
#ifndef IPC_EXIT_H
#define IPC_EXIT_H

enum IpcExitCode {
    IPC_EXIT_OK = 0,                 /* done, or a graceful stop completed */
    IPC_EXIT_FAILURE = 1,            /* a Windows call failed; the message names it and its code */
    IPC_EXIT_USAGE = 2,              /* bad command line or instance name (also the listener without NAME) */
    IPC_EXIT_NOT_RUNNING = 3,        /* --status: no listener is running for NAME (or it only waits for Enter) */
    IPC_EXIT_LISTENER_RUNNING = 4,   /* listener: a live listener already serves NAME */
    IPC_EXIT_CONTROLLER_RUNNING = 5, /* controller: another controller already supervises NAME */
    IPC_EXIT_STOP_TIMEOUT = 6,       /* --stop: the listener did not exit within --timeout */
    IPC_EXIT_NAME_IN_USE = 7,        /* NAME exists but is not a listener's mapping */
    IPC_EXIT_LAUNCH_FAILED = 8,      /* controller: the listener could not be started, or refused its arguments */
    IPC_EXIT_STOP_FORCED = 9,        /* --stop --force: the listener was still running at the timeout and was terminated */
    IPC_EXIT_TASK_DENIED = 10,       /* --install/--uninstall: Task Scheduler refused for lack of rights */
    IPC_EXIT_NAME_HELD = 11,         /* controller: a listener it cannot adopt holds NAME (its launch exited 4) */
    IPC_EXIT_NO_RESTART = 12,        /* controller: the listener exited with a code in --no-restart-exit-codes */
    IPC_EXIT_START_LIMIT = 13,       /* controller: more relaunches than --start-limit within the interval */
    IPC_EXIT_RESTART_TIMEOUT = 14,   /* --restart: no new listener published its pid within --timeout */
    IPC_EXIT_NOT_SUPERVISED = 15     /* --restart: a listener runs, but no controller supervises NAME to start the next */
};

#endif
