/*
 * ipc_named.c - named kernel objects: create with the private DACL, or use an
 * existing one only when its owner is trusted (see ipc_named.h).
 */
#include "ipc_named.h"

#include "ipc_handle.h"
#include "ipc_name.h"
#include "ipc_security.h"

DWORD IpcNamedObjectCreate(const IpcNamedType *type, const void *context, const wchar_t *name, HANDLE *out,
                           BOOL *existed, const wchar_t **failed_api)
{
    DWORD err;
    HANDLE h = NULL;
    BOOL found;
    SECURITY_ATTRIBUTES *sa = NULL;
    const wchar_t *api = type->create_api;

    /* Without the private attributes nothing can be created safely: reported as the create call. */
    err = IpcPrivateAttributes(&sa);
    if (err != ERROR_SUCCESS) {
        goto cleanup;
    }
    h = type->create(sa, name, context);
    err = GetLastError();
    if (h == NULL) {
        goto cleanup;
    }
    found = err == ERROR_ALREADY_EXISTS;
    if (found) {
        /* An object someone else created first could be theirs to read, write or hold: use it only if it is ours. */
        err = IpcCheckNamedOwner(type->open, name);
        if (err != ERROR_SUCCESS) {
            api = type->open_api;
            goto cleanup;
        }
    }
    *out = h;
    *existed = found;
    h = NULL;
    err = ERROR_SUCCESS;

cleanup:
    IpcHandleClose(&h);
    if (err != ERROR_SUCCESS && failed_api != NULL) {
        *failed_api = api;
    }
    return err;
}

static HANDLE CreateMutexPrivate(SECURITY_ATTRIBUTES *sa, const wchar_t *name, const void *context)
{
    (void)context;
    return CreateMutexW(sa, FALSE, name);
}

static HANDLE CreateEventPrivate(SECURITY_ATTRIBUTES *sa, const wchar_t *name, const void *context)
{
    return CreateEventW(sa, *(const BOOL *)context, FALSE, name);
}

static const IpcNamedType kMutexType = {CreateMutexPrivate, L"CreateMutexW", OpenMutexW, L"OpenMutexW"};
static const IpcNamedType kEventType = {CreateEventPrivate, L"CreateEventW", OpenEventW, L"OpenEventW"};

DWORD IpcMutexTryOwn(HANDLE mutex)
{
    switch (WaitForSingleObject(mutex, 0)) {
    case WAIT_OBJECT_0:
    case WAIT_ABANDONED:
        return ERROR_SUCCESS;
    case WAIT_TIMEOUT:
        return ERROR_ALREADY_EXISTS;
    default:
        return GetLastError();
    }
}

DWORD IpcNamedMutexCreate(const wchar_t *name, const wchar_t *suffix, HANDLE *out)
{
    BOOL existed = FALSE;
    wchar_t full[MAX_PATH];

    if (!IpcDerivedName(name, suffix, full, MAX_PATH)) {
        return ERROR_FILENAME_EXCED_RANGE;
    }
    return IpcNamedObjectCreate(&kMutexType, NULL, full, out, &existed, NULL);
}

DWORD IpcNamedMutexTryAcquire(const wchar_t *name, const wchar_t *suffix, HANDLE *out)
{
    DWORD err;
    HANDLE mutex = NULL;

    err = IpcNamedMutexCreate(name, suffix, &mutex);
    if (err != ERROR_SUCCESS) {
        goto cleanup;
    }
    err = IpcMutexTryOwn(mutex);
    if (err == ERROR_SUCCESS) {
        *out = mutex;
        mutex = NULL;
    }

cleanup:
    IpcHandleClose(&mutex);
    return err;
}

DWORD IpcNamedMutexCheck(const wchar_t *name, const wchar_t *suffix, const wchar_t **failed_api)
{
    wchar_t full[MAX_PATH];
    HANDLE mutex;
    DWORD err;

    if (!IpcDerivedName(name, suffix, full, MAX_PATH)) {
        return ERROR_FILENAME_EXCED_RANGE;
    }
    /* OpenMutexW fails with ERROR_INVALID_HANDLE when the name is an object of another type. */
    mutex = OpenMutexW(SYNCHRONIZE, FALSE, full);
    if (mutex == NULL) {
        err = GetLastError();
        if (err == ERROR_FILE_NOT_FOUND) {
            return ERROR_SUCCESS;
        }
    } else {
        err = IpcCheckNamedOwner(OpenMutexW, full);
        CloseHandle(mutex);
    }
    if (err != ERROR_SUCCESS && failed_api != NULL) {
        *failed_api = L"OpenMutexW";
    }
    return err;
}

DWORD IpcNamedEventCreate(const wchar_t *name, const wchar_t *suffix, BOOL manual_reset, HANDLE *out)
{
    wchar_t full[MAX_PATH];
    BOOL existed = FALSE;

    if (!IpcDerivedName(name, suffix, full, MAX_PATH)) {
        return ERROR_FILENAME_EXCED_RANGE;
    }
    return IpcNamedObjectCreate(&kEventType, &manual_reset, full, out, &existed, NULL);
}

DWORD IpcNamedMutexHeld(const wchar_t *name, const wchar_t *suffix, BOOL *held, HANDLE *owner_lock)
{
    wchar_t full[MAX_PATH];
    HANDLE mutex = NULL;
    DWORD err;

    if (!IpcDerivedName(name, suffix, full, MAX_PATH)) {
        return ERROR_FILENAME_EXCED_RANGE;
    }
    /*
     * Opened, never created: a mutex made here, even for a moment, would be
     * found by a listener starting then. ReleaseMutex needs MUTEX_MODIFY_STATE
     * (Synchronization Object Security and Access Rights).
     */
    mutex = OpenMutexW(SYNCHRONIZE | MUTEX_MODIFY_STATE, FALSE, full);
    if (mutex == NULL) {
        err = GetLastError();
        if (err == ERROR_FILE_NOT_FOUND) {
            *held = FALSE;
            if (owner_lock != NULL) {
                *owner_lock = NULL;
            }
            err = ERROR_SUCCESS;
        }
        goto cleanup;
    }
    err = IpcMutexTryOwn(mutex);
    if (err == ERROR_SUCCESS) {
        /* Nobody held it: let go at once, so that a listener starting now can take it. */
        ReleaseMutex(mutex);
        *held = FALSE;
        if (owner_lock != NULL) {
            *owner_lock = NULL;
        }
    } else if (err == ERROR_ALREADY_EXISTS) {
        *held = TRUE;
        if (owner_lock != NULL) {
            *owner_lock = mutex;
            mutex = NULL;
        }
        err = ERROR_SUCCESS;
    }

cleanup:
    IpcHandleClose(&mutex);
    return err;
}
