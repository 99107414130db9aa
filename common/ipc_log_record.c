/*
 * ipc_log_record.c - NAME|log, where the supervising controller publishes its
 * logs' paths for --status (see ipc_log_record.h).
 */
#include "ipc_log_record.h"

#include <string.h>

#include "ipc_handle.h"
#include "ipc_mapping.h"
#include "ipc_name.h"
#include "ipc_named.h"
#include "ipc_process.h"

_Static_assert(sizeof(IpcLogRecord) == IPC_LOG_RECORD_SIZE, "log record size");
_Static_assert(offsetof(IpcLogRecord, controller_created) == 16, "controller_created offset");
_Static_assert(offsetof(IpcLogRecord, controller_log) == 32, "controller_log offset");
_Static_assert(offsetof(IpcLogRecord, listener_log) == 2064, "listener_log offset");

static HANDLE CreateRecordSection(SECURITY_ATTRIBUTES *sa, const wchar_t *name, const void *context)
{
    (void)context;
    return CreateFileMappingW(INVALID_HANDLE_VALUE, sa, PAGE_READWRITE, 0, IPC_LOG_RECORD_SIZE, name);
}

static const IpcNamedType kRecordType = {CreateRecordSection, L"CreateFileMappingW", OpenFileMappingW,
                                         L"OpenFileMappingW"};

/* Copies path (NULL: none) into a record's field and returns its length; the caller checked that it fits. */
static uint16_t PutPath(volatile wchar_t *field, const wchar_t *path)
{
    size_t i;
    size_t len = path != NULL ? wcslen(path) : 0;

    for (i = 0; i < IPC_LOG_RECORD_PATH_CAP; i++) {
        field[i] = i < len ? path[i] : L'\0';
    }
    return (uint16_t)len;
}

DWORD IpcLogRecordPublish(const wchar_t *name, const wchar_t *controller_log, const wchar_t *listener_log,
                          HANDLE *out, const wchar_t **failed_api)
{
    wchar_t full[MAX_PATH];
    HANDLE section = NULL;
    volatile void *view = NULL;
    volatile IpcLogRecord *r;
    BOOL existed = FALSE;
    uint64_t created = 0;
    const wchar_t *api = L"CreateFileMappingW";
    DWORD err;

    if (!IpcDerivedName(name, IPC_SUFFIX_LOG_MAPPING, full, MAX_PATH) ||
        wcslen(controller_log) > IPC_LOG_RECORD_PATH_CAP ||
        (listener_log != NULL && wcslen(listener_log) > IPC_LOG_RECORD_PATH_CAP)) {
        err = ERROR_FILENAME_EXCED_RANGE;
        goto cleanup;
    }
    err = IpcProcessSelfCreationTime(&created);
    if (err != ERROR_SUCCESS) {
        api = L"GetProcessTimes";
        goto cleanup;
    }
    err = IpcNamedObjectCreate(&kRecordType, NULL, full, &section, &existed, &api);
    if (err != ERROR_SUCCESS) {
        goto cleanup;
    }
    /* An existing section (a reader may still hold the one of a controller that ended) is rewritten. */
    err = IpcSectionMap(section, IPC_LOG_RECORD_SIZE, &view);
    if (err != ERROR_SUCCESS) {
        api = L"MapViewOfFile";
        goto cleanup;
    }
    r = (volatile IpcLogRecord *)view;
    /*
     * A sequence lock: odd while the fields change, even again after, so a
     * reader that sees it odd, or changed across its copy, knows its copy may
     * be torn. The Interlocked calls are full barriers.
     */
    InterlockedExchange((volatile LONG *)&r->sequence, (LONG)(r->sequence | 1u));
    r->size = IPC_LOG_RECORD_SIZE;
    r->controller_pid = GetCurrentProcessId();
    IpcHeaderWrite64(&r->controller_created, created);
    r->controller_length = PutPath(r->controller_log, controller_log);
    r->listener_length = PutPath(r->listener_log, listener_log);
    r->reserved = 0;
    InterlockedExchange((volatile LONG *)&r->magic, (LONG)IPC_LOG_RECORD_MAGIC);
    InterlockedIncrement((volatile LONG *)&r->sequence);
    *out = section;
    section = NULL;

cleanup:
    if (view != NULL) {
        UnmapViewOfFile((const void *)view);
    }
    IpcHandleClose(&section);
    if (err != ERROR_SUCCESS && failed_api != NULL) {
        *failed_api = api;
    }
    return err;
}

/*
 * A path field of len characters: within the capacity, without a NUL or a
 * control character (no Windows file name holds one).
 */
static BOOL PathValid(const wchar_t *field, uint16_t len)
{
    uint16_t i;

    if (len > IPC_LOG_RECORD_PATH_CAP) {
        return FALSE;
    }
    for (i = 0; i < len; i++) {
        if (field[i] < 0x20) {
            return FALSE;
        }
    }
    return TRUE;
}

/* Why a copied record cannot be used, or NULL when it can. */
static const wchar_t *RecordProblem(const IpcLogRecord *r, uint32_t sequence_before, uint32_t sequence_after)
{
    if (r->magic != IPC_LOG_RECORD_MAGIC) {
        return L"its magic is wrong";
    }
    if (r->size != IPC_LOG_RECORD_SIZE) {
        return L"its size field is wrong";
    }
    if ((sequence_before & 1u) != 0 || sequence_before != sequence_after) {
        return L"it was being written";
    }
    if (r->reserved != 0) {
        return L"its reserved bytes are not zero";
    }
    if (r->controller_pid == 0 || r->controller_created == 0) {
        return L"it names no controller";
    }
    if (!PathValid(r->controller_log, r->controller_length) || !PathValid(r->listener_log, r->listener_length)) {
        return L"a path in it is too long or holds a control character";
    }
    return NULL;
}

DWORD IpcLogRecordRead(const wchar_t *name, IpcLogPaths *out, const wchar_t **why)
{
    wchar_t full[MAX_PATH];
    HANDLE section = NULL;
    volatile void *view = NULL;
    const volatile unsigned char *src;
    IpcLogRecord copy;
    unsigned char *dst = (unsigned char *)&copy;
    const wchar_t *problem;
    volatile LONG *sequence;
    uint32_t before;
    uint32_t after;
    size_t i;
    DWORD err;

    if (!IpcDerivedName(name, IPC_SUFFIX_LOG_MAPPING, full, MAX_PATH)) {
        return ERROR_FILENAME_EXCED_RANGE;
    }
    /* Opened, never created: --status writes nothing. */
    err = IpcSectionOpen(full, &section);
    if (err != ERROR_SUCCESS) {
        goto cleanup;
    }
    err = IpcSectionMap(section, IPC_LOG_RECORD_SIZE, &view);
    if (err != ERROR_SUCCESS) {
        goto cleanup;
    }
    /* The sequence before and after the copy, each read with a full barrier (see IpcLogRecordPublish). */
    src = (const volatile unsigned char *)view;
    sequence = (volatile LONG *)&((volatile IpcLogRecord *)view)->sequence;
    before = (uint32_t)InterlockedCompareExchange(sequence, 0, 0);
    for (i = 0; i < sizeof(copy); i++) {
        dst[i] = src[i];
    }
    after = (uint32_t)InterlockedCompareExchange(sequence, 0, 0);
    problem = RecordProblem(&copy, before, after);
    if (problem != NULL) {
        if (why != NULL) {
            *why = problem;
        }
        err = ERROR_INVALID_DATA;
        goto cleanup;
    }
    out->controller_pid = copy.controller_pid;
    out->controller_created = copy.controller_created;
    memcpy(out->controller_log, copy.controller_log, copy.controller_length * sizeof(wchar_t));
    out->controller_log[copy.controller_length] = L'\0';
    memcpy(out->listener_log, copy.listener_log, copy.listener_length * sizeof(wchar_t));
    out->listener_log[copy.listener_length] = L'\0';

cleanup:
    if (view != NULL) {
        UnmapViewOfFile((const void *)view);
    }
    IpcHandleClose(&section);
    return err;
}
