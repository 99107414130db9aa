/*
 * ipc_log.h - the process's log file: every printed line, timestamped, with
 * rotation by size.
 */
#ifndef IPC_LOG_H
#define IPC_LOG_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <stddef.h>
#include <stdint.h>

#define IPC_LOG_KEEP 3 /* old files kept by rotation: PATH.1 to PATH.3 */

/*
 * IpcLogOpen - from now on every line printed with IpcPrint or IpcPrintErr also
 * goes to the file PATH, after the local time in ISO 8601 with its UTC offset.
 * Each line is one WriteFile on a handle opened for appending, so what was
 * printed is in the file even if the process is killed right after. When
 * max_bytes is not 0 and a line would take the file past it, the file is
 * rotated first: PATH.3 is dropped, PATH.2 becomes PATH.3, PATH.1 PATH.2 and
 * PATH PATH.1 (IPC_LOG_KEEP old files); when a reader holds PATH without
 * FILE_SHARE_DELETE, so that it cannot be renamed, PATH is copied to PATH.1
 * and truncated instead. A device (NUL, CON, COM1: not FILE_TYPE_DISK) is
 * never rotated. A failure later on (a full volume, a rotation that cannot
 * create the new file) never ends logging: lines go on to the handle still
 * open, the failed step is tried again with a back-off, and IpcLogTakeNotice
 * says once that it failed and why, and once that it works again.
 * On failure returns the error code and, when failed_api is not NULL, sets
 * *failed_api to the call that failed (GetFullPathNameW or CreateFileW); then
 * nothing is logged, unless keep_trying: the log is opened again with a
 * back-off at later lines (IpcLogTakeNotice says when it works). One log per
 * process; thread-safe.
 */
DWORD IpcLogOpen(const wchar_t *path, uint64_t max_bytes, BOOL keep_trying, const wchar_t **failed_api);

/* IpcLogIsOpen - TRUE once a log was asked for (IpcLogOpen, IpcLogCopyErrors), even while it fails. */
BOOL IpcLogIsOpen(void);

/* IpcLogIsDevice - TRUE when the open log is a character device (NUL, CON, COM1), which has no siblings. */
BOOL IpcLogIsDevice(void);

/*
 * IpcLogCopyErrors - from now on every line printed with IpcPrintErr also goes
 * to the file PATH (opened, appended and closed for each line, so that its
 * owner can rotate it), after a stamp and PREFIX: how a listener's errors
 * reach its controller's log.
 */
void IpcLogCopyErrors(const wchar_t *path, const wchar_t *prefix);

/*
 * IpcLogTakeNotice - TRUE, with the line in buf, when the log failed or came
 * back since the last call; the console prints it to standard error once.
 */
BOOL IpcLogTakeNotice(wchar_t *buf, size_t cap);

/*
 * IpcLogSibling - the name of a companion log next to PATH: SUFFIX inserted
 * before PATH's extension (svc.log + ".listener" = svc.listener.log), or
 * appended when it has none. Returns FALSE, out untouched, when it does not fit.
 */
BOOL IpcLogSibling(const wchar_t *path, const wchar_t *suffix, wchar_t *out, size_t cap);

/*
 * IpcLogWriteLine - append one line, already in UTF-8 with its line ending,
 * after a timestamp, rotating first when it is due; is_error: it was printed
 * to standard error (IpcLogCopyErrors). Does nothing while no log is open.
 * The console's printing calls it for every line.
 */
void IpcLogWriteLine(const char *utf8, int bytes, BOOL is_error);

#endif
