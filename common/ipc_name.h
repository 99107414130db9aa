/*
 * ipc_name.h - instance names and the names of their companion kernel objects.
 *
 * Pure functions that call nothing of Windows, so they also build natively for fuzzing.
 */
#ifndef IPC_NAME_H
#define IPC_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

/*
 * Kernel object names are limited to MAX_PATH (260) characters, and we derive
 * names for a mutex and an event by appending up to IPC_NAME_SUFFIX_MAX
 * characters, so NAME itself (with any Local\ or Global\ prefix) gets the rest.
 */
#define IPC_NAME_SUFFIX_MAX 20
#define IPC_NAME_MAX (259 - IPC_NAME_SUFFIX_MAX)

/*
 * The one printable character an instance name may not hold, reserved to
 * separate NAME from the suffix of its companion objects: with it, no legal
 * instance name (say "X.stop") can ever be another instance's companion name
 * ("X|stop"). A shell metacharacter in cmd and PowerShell, so no name typed on
 * a command line needs it.
 */
#define IPC_NAME_SEPARATOR L'|'

/* Suffixes of the companion objects, each starting with IPC_NAME_SEPARATOR; at most IPC_NAME_SUFFIX_MAX characters. */
#define IPC_SUFFIX_CONTROLLER_MUTEX L"|controller"
#define IPC_SUFFIX_LISTENER_MUTEX L"|listener"
#define IPC_SUFFIX_STOP_EVENT L"|stop"
/* A section the supervising controller started with --log publishes its logs' paths in (ipc_log_record.h). */
#define IPC_SUFFIX_LOG_MAPPING L"|log"
/* Signalled by --restart to ask the supervising controller for a restart (auto-reset; the controller creates it). */
#define IPC_SUFFIX_RESTART_EVENT L"|restart"
/*
 * The prefix of a standby's retire event: NAME|retire<pid>, created by the
 * standby listener with that pid; a controller signals it to make the standby
 * exit without ever taking the lock (a fresh standby replaces it, or --standby
 * is off). At most 7 + 10 digits, inside IPC_NAME_SUFFIX_MAX.
 */
#define IPC_SUFFIX_RETIRE_EVENT_PREFIX L"|retire"

/*
 * IpcCheckName - is NAME usable as an instance name?
 * Returns true when it is. Returns false when it is empty, longer than
 * IPC_NAME_MAX, holds a control character or IPC_NAME_SEPARATOR, holds a
 * backslash other than one leading "Local\" or "Global\" prefix, starts with
 * such a prefix in another case (the kernel's prefixes are case-sensitive:
 * "global\X" is refused), or is only such a prefix; then why (if not NULL)
 * holds a sentence naming the problem, truncated to why_cap characters.
 */
bool IpcCheckName(const wchar_t *name, wchar_t *why, size_t why_cap);

/*
 * IpcDerivedName - NAME plus SUFFIX, the name of a companion kernel object.
 * Returns true and writes the result to out; returns false, with out untouched,
 * when it does not fit in cap characters (never for a name IpcCheckName
 * accepted and a suffix of at most IPC_NAME_SUFFIX_MAX characters, with
 * cap >= 260).
 */
bool IpcDerivedName(const wchar_t *name, const wchar_t *suffix, wchar_t *out, size_t cap);

#endif
