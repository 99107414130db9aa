/*
 * ipc_error.h - error reports that return the exit code they report.
 *
 * Every message starts with "Error: " and goes to standard error (and the log,
 * when one is open). A caller writes `return IpcFail...(...)` or
 * `rc = IpcFail...(...); goto cleanup;`: nothing is pre-armed.
 * Win32 codes are passed in as saved straight after the call that failed, and
 * that call is the one named.
 */
#ifndef IPC_ERROR_H
#define IPC_ERROR_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <stddef.h>

/*
 * IpcFail - print "Error: " and the formatted text (swprintf style, %ls for
 * strings), and return exit_code.
 */
int IpcFail(int exit_code, const wchar_t *fmt, ...);

/*
 * IpcFailWin32 - print "Error: <what>: <api> failed with error <code>: <text>",
 * the text from FormatMessageW, and return IPC_EXIT_FAILURE. what is a format
 * string for the context.
 */
int IpcFailWin32(const wchar_t *api, DWORD code, const wchar_t *what, ...);

/*
 * IpcFailWin32Exit - IpcFailWin32's message, returning exit_code instead of
 * IPC_EXIT_FAILURE (a failed call that means, say, the listener cannot be
 * launched).
 */
int IpcFailWin32Exit(int exit_code, const wchar_t *api, DWORD code, const wchar_t *what, ...);

/*
 * IpcFailHresult - the same for a COM call: "Error: <what>: <api> failed with
 * 0x<hr>: <text>"; returns IPC_EXIT_FAILURE.
 */
int IpcFailHresult(const wchar_t *api, HRESULT hr, const wchar_t *what, ...);

/*
 * Errors of our own, for a section NAME that cannot be used as the mapping
 * (common/ipc_mapping.c checks the view): bit 29 set, which Windows reserves
 * for application-defined codes (SetLastError), so no Windows error meets them.
 */
#define IPC_ERROR_SECTION_RESERVED ((DWORD)0x20000001u)     /* its pages are reserved, not committed */
#define IPC_ERROR_SECTION_NOT_WRITABLE ((DWORD)0x20000002u) /* read-only or copy-on-write */
#define IPC_ERROR_SECTION_TOO_SMALL ((DWORD)0x20000003u)    /* smaller than the header */

/*
 * IpcFailName - report a failure to create or open the named object
 * object_name (kind: "file mapping", "mutex", "event") and return the exit
 * code for it: IPC_EXIT_NAME_IN_USE, with a message saying what holds the name,
 * when code says the name is taken by an object of another type
 * (ERROR_INVALID_HANDLE), of another owner (ERROR_INVALID_OWNER) or one we may
 * not open (ERROR_ACCESS_DENIED), or when it is a section that cannot be our
 * mapping (IPC_ERROR_SECTION_*, as IpcFailLayout); otherwise
 * IpcFailWin32(api, code) and IPC_EXIT_FAILURE.
 */
int IpcFailName(const wchar_t *api, DWORD code, const wchar_t *object_name, const wchar_t *kind);

/*
 * IpcFailLayout - report that the mapping NAME exists but holds no listener's
 * data (why: IpcLayoutClassify's reason) and return IPC_EXIT_NAME_IN_USE.
 */
int IpcFailLayout(const wchar_t *name, const wchar_t *why);

/*
 * IpcErrorLast - the text of the last error line this process printed through
 * the functions above, without its "Error: " (for the controller's "failed"
 * event); L"" before any.
 */
const wchar_t *IpcErrorLast(void);

/*
 * IpcErrorText - the system's description of a Win32 code or an HRESULT
 * (Task Scheduler's SCHED_* codes from taskschd.dll's message table), on one
 * line without its final full stop, into buf (cap characters);
 * "(no description)" when there is none. Returns buf.
 */
const wchar_t *IpcErrorText(DWORD code, wchar_t *buf, size_t cap);

/*
 * IpcExitCodeMeaning - what a listener's exit code means, in a few words
 * (" (a Windows call failed; ...)", with its leading space and brackets), for
 * the controller's "exited with code N" lines; L"" for a code that is not one
 * of ours (a --listener of your own, the C# sample's).
 */
const wchar_t *IpcExitCodeMeaning(DWORD code);

#endif
