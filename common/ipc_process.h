/*
 * ipc_process.h - process identity: a pid is trusted only together with the
 * process's creation time or image, because Windows reuses pids.
 */
#ifndef IPC_PROCESS_H
#define IPC_PROCESS_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <stddef.h>
#include <stdint.h>

/* IpcProcessCreationTime - creation time of a process handle; ERROR_SUCCESS or the GetProcessTimes error. */
DWORD IpcProcessCreationTime(HANDLE process, uint64_t *out);

/*
 * IpcProcessSelfCreationTime - this process's creation time, read once and
 * remembered (it never changes), so that a listener taking over NAME makes no
 * call to the kernel for it between the lock becoming its own and its pid
 * being published. ERROR_SUCCESS or the GetProcessTimes error.
 */
DWORD IpcProcessSelfCreationTime(uint64_t *out);

/*
 * IpcProcessIsAlive - TRUE while the process behind the handle has not exited.
 * Needed because OpenProcess succeeds on a pid whose process has exited but is
 * still referenced by some handle.
 */
BOOL IpcProcessIsAlive(HANDLE process);

/*
 * IpcProcessAliveSince - TRUE when pid is running and is the process started
 * at created (a FILETIME from IpcProcessCreationTime); FALSE for created 0,
 * a pid that has exited, or one Windows has given to another process since.
 */
BOOL IpcProcessAliveSince(DWORD pid, uint64_t created);

/*
 * IpcProcessOpenVerified - open PID and check that it is the process we expect
 * before anyone waits on it or kills it.
 *   expected_created: when non-zero, the creation time must match exactly
 *     (guards against a recycled pid).
 *   expected_image: when not NULL, the image's file name (no folder) must match,
 *     ignoring case (the check possible for a listener of the C# sample, which
 *     publishes only its pid).
 * access: rights wanted besides SYNCHRONIZE and PROCESS_QUERY_LIMITED_INFORMATION.
 * Returns ERROR_SUCCESS and the handle in *out; otherwise *out is untouched and
 * why (if not NULL) holds a sentence: the pid is not running, belongs to another
 * program (naming its image), or was started at another time.
 */
DWORD IpcProcessOpenVerified(DWORD pid, uint64_t expected_created, const wchar_t *expected_image,
                             DWORD access, HANDLE *out, wchar_t *why, size_t why_cap);

/*
 * IpcProcessTerminateVerified - terminate the process held by process (opened
 * with the least rights) with exit_code: it is opened again by its pid with
 * PROCESS_TERMINATE, asked for only now, and terminated only if that pid is
 * still the process started at the held handle's creation time. Returns
 * ERROR_SUCCESS; otherwise why (if not NULL) says what stood in the way,
 * "access denied" when the right is refused (another user's or an elevated
 * process), which is not the same as a process that is not ours.
 */
DWORD IpcProcessTerminateVerified(HANDLE process, UINT exit_code, wchar_t *why, size_t why_cap);

/*
 * IpcChildStdio - what a child is started with so that it inherits exactly
 * its three standard handles and nothing else. Fill it with
 * IpcChildStdioInit, pass &si.StartupInfo with EXTENDED_STARTUPINFO_PRESENT and
 * bInheritHandles = (si.lpAttributeList != NULL) to CreateProcessW, then
 * IpcChildStdioRelease.
 */
typedef struct IpcChildStdio {
    STARTUPINFOEXW si;
    HANDLE copies[3];   /* inheritable duplicates (or NUL), ours to close */
    HANDLE list[3];     /* the handles named in PROC_THREAD_ATTRIBUTE_HANDLE_LIST */
} IpcChildStdio;

/*
 * IpcChildStdioInit - prepares *c for a child whose standard input, output
 * and error are in, out and err. Each is duplicated as an inheritable copy,
 * so that the caller's own handles keep their inherit flag; NULL or
 * INVALID_HANDLE_VALUE (or a handle that cannot be duplicated) gives the child
 * the NUL device instead. Returns ERROR_SUCCESS, or the error of the call that
 * failed with *c released.
 */
DWORD IpcChildStdioInit(IpcChildStdio *c, HANDLE in, HANDLE out, HANDLE err);

/* IpcChildStdioRelease - closes the copies and frees the attribute list; accepts a zeroed or released one. */
void IpcChildStdioRelease(IpcChildStdio *c);

#endif
