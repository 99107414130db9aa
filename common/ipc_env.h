/*
 * ipc_env.h - the environment variables a controller sets for the listeners
 * it launches. This header needs no <windows.h>.
 */
#ifndef IPC_ENV_H
#define IPC_ENV_H

/* The controller's pid: a listener that finds it knows nobody waits at its console. */
#define IPC_ENV_CONTROLLER_PID L"IPC_CONTROLLER_PID"
/*
 * With --log, the controller also tells its listeners where to log (the
 * .listener sibling of its own log) and when to rotate, through the environment:
 * a listener of the C# sample, which takes no options, is not disturbed by them.
 */
#define IPC_ENV_LISTENER_LOG L"IPC_LISTENER_LOG"
#define IPC_ENV_LISTENER_LOG_MAX_BYTES L"IPC_LISTENER_LOG_MAX_BYTES"
/* The controller's own log: a listener's error lines also go there, so a listener that cannot start says why. */
#define IPC_ENV_CONTROLLER_LOG L"IPC_CONTROLLER_LOG"

/*
 * Set to "1" for a listener launched as the standby (ConsoleAppController
 * --standby): IpcListenerOpen then waits for the lock NAME|listener instead of
 * exiting 4 while the active listener holds it.
 */
#define IPC_ENV_STANDBY L"IPC_STANDBY"

#endif
