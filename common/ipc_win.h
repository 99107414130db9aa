/*
 * ipc_win.h - the Windows side shared by both programs: console output, error
 * messages, the named mapping, companion kernel objects and process identity.
 *
 * Conventions: functions return a Win32 error code (ERROR_SUCCESS on success)
 * unless said otherwise; on failure their output parameters are left untouched.
 */
#ifndef IPC_WIN_H
#define IPC_WIN_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include "ipc_args.h"
#include "ipc_error.h"
#include "ipc_exit.h"
#include "ipc_layout.h"

#include "ipc_version.h"

#define IPC_VERSION_TEXT IPC_VERSION_WIDE

/* Suffixes of the companion objects; each is at most IPC_NAME_SUFFIX_MAX characters. */
#define IPC_SUFFIX_CONTROLLER_MUTEX L".controller"
#define IPC_SUFFIX_LISTENER_MUTEX L".listener"
#define IPC_SUFFIX_STOP_EVENT L".stop"

/* Environment variable a controller sets for the listeners it launches (its pid). */
#define IPC_ENV_CONTROLLER_PID L"IPC_CONTROLLER_PID"
/*
 * With --log, the controller also tells its listeners where to log (the
 * .listener sibling of its own log) and when to rotate, through the environment:
 * a seed listener, which takes no options, is not disturbed by them.
 */
#define IPC_ENV_LISTENER_LOG L"IPC_LISTENER_LOG"
#define IPC_ENV_LISTENER_LOG_MAX_BYTES L"IPC_LISTENER_LOG_MAX_BYTES"

/* ---- console output and errors (ipc_console.c) ---- */

/*
 * IpcPrint / IpcPrintErr - format one line like swprintf (use %ls for strings),
 * add the line ending (CRLF, as .NET's Console.WriteLine) and write it to standard
 * output / standard error at once, without buffering: WriteConsoleW when the
 * handle is a console, UTF-8 through WriteFile otherwise (a pipe, a file). Output
 * that cannot be written (no console, closed handle) is dropped silently.
 */
void IpcPrint(const wchar_t *fmt, ...);
void IpcPrintErr(const wchar_t *fmt, ...);

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
#define IPC_LOG_KEEP 3
DWORD IpcLogOpen(const wchar_t *path, uint64_t max_bytes, const wchar_t **failed_api);

/* IpcLogIsOpen - TRUE after a successful IpcLogOpen. */
BOOL IpcLogIsOpen(void);

/*
 * IpcLogSibling - the name of a companion log next to PATH: SUFFIX inserted
 * before PATH's extension (svc.log + ".listener" = svc.listener.log), or
 * appended when it has none. Returns 0, out untouched, when it does not fit.
 */
int IpcLogSibling(const wchar_t *path, const wchar_t *suffix, wchar_t *out, size_t cap);

/*
 * IpcFormatTime - a FILETIME (UTC) as local ISO 8601 with the UTC offset,
 * e.g. 2026-11-24T03:15:24.595+01:00, into buf (at least 32 characters).
 * Writes "?" when the time cannot be converted.
 */
void IpcFormatTime(uint64_t utc, wchar_t *buf, size_t cap);

/* IpcStdinIsConsole - TRUE when standard input is an interactive console (GetConsoleMode succeeds). */
BOOL IpcStdinIsConsole(void);

/*
 * IpcConsoleTakeKey - read, without blocking, the input records waiting on the
 * console handle `in` and return TRUE when one of them is a key press: any key
 * that types something or is a function key (the seed's Console.ReadKey; lone
 * Shift, Ctrl, Alt and lock keys do not count), or only Enter when enter_only.
 * Mouse, focus and resize records are consumed and ignored.
 */
BOOL IpcConsoleTakeKey(HANDLE in, BOOL enter_only);

/*
 * IpcWaitForEnter - read console input until Enter is pressed, as the seed's
 * Console.Read()/ReadLine() did. Returns at once (FALSE) when standard input is
 * not a console, so it can never block a process that nobody can see.
 */
BOOL IpcWaitForEnter(void);

/* ---- the mapping (ipc_mapping.c) ---- */

typedef struct IpcMapping {
    HANDLE section;          /* the file-mapping object */
    volatile IpcHeader *view; /* its first IPC_MAPPING_SIZE bytes (a whole page is mapped) */
    IpcLayoutKind kind;       /* what it held when created or opened */
    BOOL created;             /* TRUE when this process created it */
} IpcMapping;

/*
 * IpcMappingCreate - CreateFileMappingW + MapViewOfFile of NAME, IPC_MAPPING_SIZE
 * bytes backed by the paging file. When this call created the section it writes
 * an empty header (magic, version, size; message 0) and sets created. When the
 * name already existed the section is opened as it is and classified (a seed
 * listener's 4-byte section stays 4 bytes). ERROR_INVALID_HANDLE means NAME is
 * a kernel object of another type; ERROR_INVALID_OWNER that it belongs to
 * someone we do not trust (IpcCheckOwner). A new section gets the private
 * DACL of IpcPrivateAttributes. On failure *out is untouched.
 */
DWORD IpcMappingCreate(const wchar_t *name, IpcMapping *out);

/*
 * IpcMappingOpen - OpenFileMappingW + MapViewOfFile of an existing NAME for
 * reading and writing, classified. ERROR_FILE_NOT_FOUND when there is none,
 * ERROR_INVALID_OWNER when its owner is not trusted. On failure *out is untouched.
 */
DWORD IpcMappingOpen(const wchar_t *name, IpcMapping *out);

/* IpcMappingClose - unmap and close; safe on a zeroed or already closed mapping. */
void IpcMappingClose(IpcMapping *m);

/* IpcMappingSnapshot - copy the header bytes and classify them (see IpcLayoutClassify). */
IpcLayoutKind IpcMappingSnapshot(const IpcMapping *m, IpcHeader *out, const wchar_t **why);

/* Offset 0, read and written atomically (the seed's wire format). */
LONG IpcMappingReadMessage(const IpcMapping *m);
LONG IpcMappingExchangeMessage(const IpcMapping *m, LONG value);
/* Returns the value found; the swap happened when it equals expected. */
LONG IpcMappingCompareExchangeMessage(const IpcMapping *m, LONG value, LONG expected);

/*
 * IpcMappingSendClose - ask the listener to close: count the request in the
 * header when the layout is ours, then write -1 at offset 0. Returns the value
 * offset 0 held before (a pid, 0, or -1 when a close was already pending).
 */
LONG IpcMappingSendClose(const IpcMapping *m);

/* IpcMappingHeader - the header when the mapping holds our layout, else NULL. */
volatile IpcHeader *IpcMappingHeader(const IpcMapping *m);

/* ---- security (ipc_security.c) ---- */

/*
 * IpcPrivateAttributes - security attributes for every named object we create:
 * owner the current user, a protected DACL granting GENERIC_ALL to that user and
 * to SYSTEM only. Built once per process and never freed. On failure (the token
 * cannot be read) returns the Windows error and leaves *out untouched.
 */
DWORD IpcPrivateAttributes(SECURITY_ATTRIBUTES **out);

/*
 * IpcCheckOwner - is an existing object ours to use? object must have been
 * opened with READ_CONTROL. ERROR_SUCCESS when its owner is the current user,
 * the token's default owner (Administrators when elevated) or SYSTEM;
 * ERROR_INVALID_OWNER when it is anyone else, with the owner's SID written to
 * owner_text (if not NULL); another code when the owner cannot be read.
 */
DWORD IpcCheckOwner(HANDLE object, wchar_t *owner_text, size_t cap);

/* How a named object of one type is opened: OpenFileMappingW, OpenMutexW and OpenEventW all fit. */
typedef HANDLE(WINAPI *IpcOpenNamedFn)(DWORD access, BOOL inherit, LPCWSTR name);

/*
 * IpcCheckNamedOwner - IpcCheckOwner for the existing object NAME, opened with
 * open for READ_CONTROL only (the handle that found it may lack that right).
 * ERROR_INVALID_OWNER also when even READ_CONTROL is refused: whoever created
 * it shut us out.
 */
DWORD IpcCheckNamedOwner(IpcOpenNamedFn open, const wchar_t *name);

/*
 * IpcHasPrivilege - TRUE when this process's token holds the privilege named
 * (enabled or not, e.g. L"SeCreateGlobalPrivilege"); FALSE when it does not,
 * or when the token cannot be read.
 */
BOOL IpcHasPrivilege(const wchar_t *privilege);

/* ---- processes (ipc_process.c) ---- */

/* IpcFileTimeToU64 / IpcNowU64 - FILETIME as a 64-bit count of 100 ns units (UTC). */
uint64_t IpcFileTimeToU64(FILETIME ft);
uint64_t IpcNowU64(void);

/* IpcProcessCreationTime - creation time of a process handle; ERROR_SUCCESS or the GetProcessTimes error. */
DWORD IpcProcessCreationTime(HANDLE process, uint64_t *out);

/*
 * IpcProcessIsAlive - TRUE while the process behind the handle has not exited.
 * Needed because OpenProcess succeeds on a pid whose process has exited but is
 * still referenced by some handle.
 */
BOOL IpcProcessIsAlive(HANDLE process);

/*
 * IpcProcessOpenVerified - open PID and check that it is the process we expect
 * before anyone waits on it or kills it.
 *   expected_created: when non-zero, the creation time must match exactly
 *     (guards against a recycled pid).
 *   expected_image: when not NULL, the image's file name (no folder) must match,
 *     ignoring case (the check possible for a seed listener that publishes only its pid).
 * access: rights wanted besides SYNCHRONIZE and PROCESS_QUERY_LIMITED_INFORMATION.
 * Returns ERROR_SUCCESS and the handle in *out; otherwise *out is untouched and
 * why (if not NULL) holds a sentence: the pid is not running, belongs to another
 * program (naming its image), or was started at another time.
 */
DWORD IpcProcessOpenVerified(DWORD pid, uint64_t expected_created, const wchar_t *expected_image,
                             DWORD access, HANDLE *out, wchar_t *why, size_t why_cap);

/* IpcPathFileName - the part of a path after its last '\' or '/'. */
const wchar_t *IpcPathFileName(const wchar_t *path);

/*
 * IpcSelfDirectoryFile - the full path of FILE in the folder of this process's
 * own executable (GetModuleFileNameW), written to out. ERROR_INSUFFICIENT_BUFFER
 * when it does not fit; out is untouched on failure.
 */
DWORD IpcSelfDirectoryFile(const wchar_t *file, wchar_t *out, DWORD cap);

/*
 * IpcNamedMutexTryAcquire - create or open the mutex NAME+SUFFIX and try to own
 * it without waiting. ERROR_SUCCESS: owned (an abandoned mutex, left by a
 * process that died, counts as owned), *out holds it. ERROR_ALREADY_EXISTS: a
 * live process owns it, *out untouched. ERROR_INVALID_OWNER: the mutex exists
 * but belongs to someone we do not trust. Other codes: the Windows error.
 * A new mutex gets the private DACL of IpcPrivateAttributes.
 */
DWORD IpcNamedMutexTryAcquire(const wchar_t *name, const wchar_t *suffix, HANDLE *out);

#endif
