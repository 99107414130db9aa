/*
 * run_command.h - the listener's --run: each unit of work runs one command.
 */
#ifndef RUN_COMMAND_H
#define RUN_COMMAND_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

/*
 * RunCommandCreateJob - a job that kills its processes when its last handle
 * closes: if this listener is killed, the command it runs dies with it, so a
 * relaunched listener never runs a second unit beside an orphaned one. NULL
 * when jobs are not available (Windows 7 cannot nest jobs, and Task Scheduler
 * runs tasks in one); the command then runs without it.
 */
HANDLE RunCommandCreateJob(void);

/* Called once the command's process exists, before it runs: the unit of work has started. */
typedef void (*RunCommandStarted)(void *context);

/*
 * RunCommand - run COMMAND (a command line for CreateProcessW) to completion
 * in job (may be NULL), its output going where ours goes (relayed through
 * IpcPrint when a log is open), and print its exit code and duration.
 * started(context) is called as soon as the process exists. Returns TRUE with
 * *exit_code set once the command has ended; FALSE, after reporting why and
 * without calling started, when it could not be started (*exit_code is then
 * left untouched).
 */
BOOL RunCommand(const wchar_t *command, HANDLE job, RunCommandStarted started, void *context, DWORD *exit_code);

#endif
