/*
 * task.h - registering the controller with Task Scheduler (--install/--uninstall).
 */
#ifndef IPC_TASK_H
#define IPC_TASK_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

typedef enum IpcTaskTrigger {
    IPC_TASK_AT_LOGON = 0,  /* when the installing user logs on, in that user's session */
    IPC_TASK_AT_STARTUP = 1 /* at boot, whether or not anyone logs on (session 0; needs an administrator) */
} IpcTaskTrigger;

/*
 * IpcTaskName - the task's name for NAME: "ConsoleAppController-" + NAME, with
 * the characters a task name cannot hold (\ / : * ? " < > |) replaced by '_'.
 * Returns FALSE, out untouched, when it does not fit in cap.
 */
BOOL IpcTaskName(const wchar_t *name, wchar_t *out, size_t cap);

/*
 * IpcTaskInstall - register (create or replace) the task that runs
 * `controller_path arguments` with the trigger, through the Task Scheduler 2.0
 * API (ITaskService). The task has no execution time limit (PT0S), ignores a
 * second start while running (IgnoreNew), repeats its trigger every 5 minutes
 * (a controller that died comes back), retries a failed start, runs at normal
 * priority and as the current user (S4U logon for --at-startup, so no
 * password is stored). Prints what it registered, and that it replaced a task
 * of that name. With dry_run it writes the task definition (XML; UTF-16 LE
 * with a BOM unless standard output is a console) and registers nothing. Returns an IpcExitCode: IPC_EXIT_OK,
 * IPC_EXIT_TASK_DENIED without the rights, IPC_EXIT_FAILURE otherwise.
 */
int IpcTaskInstall(const wchar_t *name, const wchar_t *controller_path, const wchar_t *arguments,
                   IpcTaskTrigger trigger, BOOL dry_run);

/* IpcTaskUninstall - delete NAME's task. IPC_EXIT_OK also when there was none (it says so). */
int IpcTaskUninstall(const wchar_t *name);

#endif
