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
 * PATH PATH.1 (IPC_LOG_KEEP old files). On failure returns the error code
 * and, when failed_api is not NULL, sets *failed_api to the call that failed
 * (GetFullPathNameW or CreateFileW), logging nothing. One log per process;
 * thread-safe.
 */
DWORD IpcLogOpen(const wchar_t *path, uint64_t max_bytes, const wchar_t **failed_api);

/* IpcLogIsOpen - TRUE after a successful IpcLogOpen. */
BOOL IpcLogIsOpen(void);

/*
 * IpcLogSibling - the name of a companion log next to PATH: SUFFIX inserted
 * before PATH's extension (svc.log + ".listener" = svc.listener.log), or
 * appended when it has none. Returns FALSE, out untouched, when it does not fit.
 */
BOOL IpcLogSibling(const wchar_t *path, const wchar_t *suffix, wchar_t *out, size_t cap);

/*
 * IpcLogWriteLine - append one line, already in UTF-8 with its line ending,
 * after a timestamp, rotating first when it is due. Does nothing while no log
 * is open. The console's printing calls it for every line.
 */
void IpcLogWriteLine(const char *utf8, int bytes);

#endif
