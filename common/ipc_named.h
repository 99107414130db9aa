/*
 * ipc_named.h - named kernel objects created with the private DACL, and used,
 * when they already exist, only if their owner is trusted: the companion
 * mutexes and event of an instance name, and the common step for any type.
 */
#ifndef IPC_NAMED_H
#define IPC_NAMED_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include "ipc_security.h"

/*
 * How a named object of one type is created: CreateFileMappingW, CreateMutexW
 * or CreateEventW with the attributes sa, the name, and what else that type
 * needs (context). It must leave GetLastError() as the create call set it.
 */
typedef HANDLE (*IpcCreateNamedFn)(SECURITY_ATTRIBUTES *sa, const wchar_t *name, const void *context);

/* One type of named object: how it is created and opened, and those calls' names for error messages. */
typedef struct IpcNamedType {
    IpcCreateNamedFn create;
    const wchar_t *create_api; /* e.g. L"CreateMutexW" */
    IpcOpenNamedFn open;
    const wchar_t *open_api;   /* e.g. L"OpenMutexW" */
} IpcNamedType;

/*
 * IpcNamedObjectCreate - create the object NAME of that type, under the
 * private DACL of IpcPrivateAttributes, or open it when it exists; an existing
 * object is used only when its owner is trusted (IpcCheckNamedOwner, so
 * ERROR_INVALID_OWNER when it is not). On success returns ERROR_SUCCESS with
 * the handle in *out and *existed TRUE when the object was already there. On
 * failure returns the error, outputs untouched, and sets *failed_api (if not
 * NULL) to the call that failed: the create call, or the open call of the
 * owner check.
 */
DWORD IpcNamedObjectCreate(const IpcNamedType *type, const void *context, const wchar_t *name, HANDLE *out,
                           BOOL *existed, const wchar_t **failed_api);

/*
 * IpcMutexTryOwn - try to own mutex without waiting: ERROR_SUCCESS when owned
 * (an abandoned mutex, whose owner died without releasing it, is ours now),
 * ERROR_ALREADY_EXISTS when a live thread owns it, else the wait's error.
 */
DWORD IpcMutexTryOwn(HANDLE mutex);

/*
 * IpcNamedMutexCreate - create or open the mutex NAME+SUFFIX without owning
 * it, for a caller that waits for it (a standby listener waits for NAME's
 * lock). A new mutex gets the private DACL; an existing one is used only when
 * its owner is trusted (ERROR_INVALID_OWNER when not). ERROR_SUCCESS with the
 * handle in *out; otherwise the Windows error, *out untouched.
 */
DWORD IpcNamedMutexCreate(const wchar_t *name, const wchar_t *suffix, HANDLE *out);

/*
 * IpcNamedMutexTryAcquire - create or open the mutex NAME+SUFFIX and try to own
 * it without waiting. ERROR_SUCCESS: owned (an abandoned mutex, left by a
 * process that died, counts as owned), *out holds it. ERROR_ALREADY_EXISTS: a
 * live process owns it, *out untouched. ERROR_INVALID_OWNER: the mutex exists
 * but belongs to someone we do not trust. Other codes: the Windows error.
 * A new mutex gets the private DACL of IpcPrivateAttributes.
 */
DWORD IpcNamedMutexTryAcquire(const wchar_t *name, const wchar_t *suffix, HANDLE *out);

/*
 * IpcNamedMutexCheck - is the mutex NAME+SUFFIX usable, without creating or
 * owning it? ERROR_SUCCESS when there is none yet or it is a mutex of a
 * trusted owner; ERROR_INVALID_HANDLE when the name is an object of another
 * type, ERROR_INVALID_OWNER when its owner is not trusted, another Windows
 * error (ERROR_ACCESS_DENIED...) otherwise, *failed_api (if not NULL) then
 * naming the call that failed.
 */
DWORD IpcNamedMutexCheck(const wchar_t *name, const wchar_t *suffix, const wchar_t **failed_api);

/*
 * IpcNamedMutexHeld - whether a live process owns the existing mutex
 * NAME+SUFFIX, found out without creating it: a zero wait that times out
 * means owned; one that succeeds (free, or abandoned by a process that died)
 * is released at once and means not owned. ERROR_SUCCESS and *held (FALSE
 * also when there is no such mutex); otherwise the Windows error (another
 * type of object: ERROR_INVALID_HANDLE; not ours to open:
 * ERROR_ACCESS_DENIED), the outputs untouched. When it is held and
 * owner_lock is not NULL, *owner_lock receives the open mutex (SYNCHRONIZE
 * and MUTEX_MODIFY_STATE), to wait for the owner to let go; otherwise, and
 * when it is not held, *owner_lock is set to NULL.
 */
DWORD IpcNamedMutexHeld(const wchar_t *name, const wchar_t *suffix, BOOL *held, HANDLE *owner_lock);

/*
 * IpcNamedEventCreate - create or open the event NAME+SUFFIX (not signalled
 * when new; manual_reset as CreateEventW's), with the private DACL when new,
 * its owner checked when it existed (ERROR_INVALID_OWNER when not trusted).
 * ERROR_FILENAME_EXCED_RANGE when NAME+SUFFIX is too long for a kernel name.
 * ERROR_SUCCESS with the handle in *out; otherwise *out is untouched.
 */
DWORD IpcNamedEventCreate(const wchar_t *name, const wchar_t *suffix, BOOL manual_reset, HANDLE *out);

#endif
