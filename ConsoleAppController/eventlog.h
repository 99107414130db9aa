/*
 * eventlog.h - the controller's reports to the Windows Application log, under
 * the source "ConsoleAppController", with the texts of messages.mc.
 *
 * Every function here does nothing until IpcEventLogStart has opened the
 * source, so the supervisor calls them unconditionally, one line each.
 */
#ifndef IPC_EVENTLOG_H
#define IPC_EVENTLOG_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include "ipc_args.h"

/* The event source: the key under HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application. */
#define IPC_EVENT_SOURCE L"ConsoleAppController"

/*
 * The message IDs of messages.mc, severity bits included (0x4: informational,
 * 0x8: warning, 0xC: error); Event Viewer shows the low 16 bits as the event
 * ID (100 to 107). Stable: monitoring filters on them.
 */
#define IPC_MSG_CONTROLLER_STARTED ((DWORD)0x40000064u)
#define IPC_MSG_LISTENER_LAUNCHED ((DWORD)0x40000065u)
#define IPC_MSG_LISTENER_ADOPTED ((DWORD)0x40000066u)
#define IPC_MSG_LISTENER_EXITED ((DWORD)0x80000067u)
#define IPC_MSG_LISTENER_HUNG ((DWORD)0x80000068u)
#define IPC_MSG_START_LIMIT ((DWORD)0xC0000069u)
#define IPC_MSG_CONTROLLER_STOPPED ((DWORD)0x4000006Au)
#define IPC_MSG_CONTROLLER_FAILED ((DWORD)0xC000006Bu)

/*
 * IpcEventLogStart - decide whether this controller reports to the Event Log
 * (--event-log, --no-event-log, else only when interactive is FALSE: nobody at
 * a console, as under Task Scheduler), open the source and report that it
 * started supervising opt->name. A source that cannot be opened is said once
 * on standard error; the controller runs on without it.
 */
void IpcEventLogStart(const IpcControllerOptions *opt, BOOL interactive);

/* IpcEventLogLaunched - a listener was launched as pid with these arguments. */
void IpcEventLogLaunched(DWORD pid, const wchar_t *arguments);

/* IpcEventLogAdopted - the listener pid, already running, was adopted. */
void IpcEventLogAdopted(DWORD pid);

/* IpcEventLogExited - the listener pid exited with exit_code after ran_ms; it is relaunched after pause_ms. */
void IpcEventLogExited(DWORD pid, DWORD exit_code, DWORD ran_ms, DWORD pause_ms);

/* IpcEventLogHung - the listener pid completed no unit for timeout_ms and is being terminated. */
void IpcEventLogHung(DWORD pid, DWORD timeout_ms);

/*
 * IpcEventLogStartLimit - the listener exited quickly exits times within
 * interval_ms (--start-limit); the controller stops relaunching it.
 */
void IpcEventLogStartLimit(DWORD exits, DWORD interval_ms, DWORD last_exit_code);

/*
 * IpcEventLogEnd - the controller ends with exit code rc: reported as stopped
 * (IPC_EXIT_OK) or failed (with the last error line it printed); then the
 * source is closed.
 */
void IpcEventLogEnd(int rc);

/*
 * IpcEventLogInstallSource - register the event source with controller_path
 * as its EventMessageFile, so Event Viewer can show the texts; for --install.
 * Needs an elevated process (the key is under HKLM); otherwise it says how to
 * do it. Prints what it did; never fails the installation.
 */
void IpcEventLogInstallSource(const wchar_t *controller_path);

#endif
