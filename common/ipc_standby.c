/*
 * ipc_standby.c - a standby listener's wait for NAME's lock (see ipc_standby.h).
 */
#include "ipc_standby.h"

#include "ipc_console.h"
#include "ipc_error.h"
#include "ipc_exit.h"
#include "ipc_handle.h"
#include "ipc_layout.h"
#include "ipc_mapping.h"
#include "ipc_name.h"
#include "ipc_named.h"
#include "ipc_process.h"
#include "ipc_text.h"

#include <string.h>

/* What the standby waits for, in this order: WaitForMultipleObjects reports the lowest index first. */
#define WAIT_LOCK 0u
#define WAIT_RETIRE 1u
#define WAIT_CTRL 2u
#define WAIT_COUNT 3u

void IpcStandbyClear(volatile IpcHeader *h)
{
    LONG self = (LONG)GetCurrentProcessId();
    uint64_t mine = 0;

    if (InterlockedCompareExchange((volatile LONG *)&h->standby_pid, 0, self) == self) {
        InterlockedExchange((volatile LONG *)&h->standby_state, (LONG)IPC_STANDBY_NONE);
        /* Our start time only: a standby recording itself now writes its own before its pid. */
        if (IpcProcessSelfCreationTime(&mine) == ERROR_SUCCESS) {
            InterlockedCompareExchange64((volatile LONG64 *)&h->standby_created, 0, (LONG64)mine);
        }
    }
}

/*
 * Records this process as NAME's standby: standby_created first, then
 * standby_pid, so that a reader who sees the pid can verify it (the
 * controller may have recorded us already, which is the same). A live standby
 * already recorded (its pid and start time match a running process) is never
 * replaced: exit 4, naming it; a dead one is. Both fields change by
 * compare-and-swap, and a standby that loses the race for the pid puts the
 * winner's start time back, so two standbys starting at once cannot leave the
 * header naming one with the other's start time.
 */
static int RecordStandby(const wchar_t *name, volatile IpcHeader *h)
{
    DWORD self = GetCurrentProcessId();
    uint64_t mine = 0;
    DWORD code = IpcProcessSelfCreationTime(&mine);

    if (code != ERROR_SUCCESS) {
        return IpcFailWin32(L"GetProcessTimes", code, L"cannot read this process's start time");
    }
    for (;;) {
        LONG other = InterlockedCompareExchange((volatile LONG *)&h->standby_pid, 0, 0);
        uint64_t created = IpcHeaderRead64(&h->standby_created);
        LONG found;

        if (other != 0 && (DWORD)other != self && IpcProcessAliveSince((DWORD)other, created)) {
            return IpcFail(IPC_EXIT_LISTENER_RUNNING, L"a standby for '%ls' is already waiting (pid %lu).", name,
                           (unsigned long)other);
        }
        if ((uint64_t)InterlockedCompareExchange64((volatile LONG64 *)&h->standby_created, (LONG64)mine,
                                                   (LONG64)created) != created) {
            continue; /* another standby is recording itself: look again */
        }
        found = InterlockedCompareExchange((volatile LONG *)&h->standby_pid, (LONG)self, other);
        if (found == other || (DWORD)found == self) {
            return IPC_EXIT_OK;
        }
        InterlockedCompareExchange64((volatile LONG64 *)&h->standby_created, (LONG64)created, (LONG64)mine);
    }
}

/* Creates the retire event NAME|retire<pid> (manual-reset: once retired, retired for good). */
static int CreateRetireEvent(const wchar_t *name, HANDLE *event)
{
    wchar_t suffix[IPC_NAME_SUFFIX_MAX + 1];
    wchar_t full[MAX_PATH];
    DWORD code;

    IpcFormat(suffix, ARRAYSIZE(suffix), L"%ls%lu", IPC_SUFFIX_RETIRE_EVENT_PREFIX,
              (unsigned long)GetCurrentProcessId());
    code = IpcNamedEventCreate(name, suffix, TRUE, event);
    if (code != ERROR_SUCCESS) {
        IpcDerivedName(name, suffix, full, MAX_PATH);
        return IpcFailName(L"CreateEventW", code, full, L"event");
    }
    return IPC_EXIT_OK;
}

/* Creates or opens NAME|listener without owning it; a name whose lock cannot be made is reported with the lock's name. */
static int OpenLock(const wchar_t *name, HANDLE *lock)
{
    wchar_t lock_name[MAX_PATH];
    DWORD code = IpcNamedMutexCreate(name, IPC_SUFFIX_LISTENER_MUTEX, lock);

    if (code == ERROR_SUCCESS) {
        return IPC_EXIT_OK;
    }
    IpcDerivedName(name, IPC_SUFFIX_LISTENER_MUTEX, lock_name, MAX_PATH);
    return IpcFailName(L"CreateMutexW", code, lock_name, L"mutex");
}

/*
 * Sleeps in the kernel until the lock, the retire event or the console's
 * stop. The lock comes first in the array: when the active listener dies at
 * the moment this standby is retired, taking over wins, so NAME is never left
 * without a listener. A mutex whose owner died is handed to one waiter with
 * WAIT_ABANDONED_0 + its index, and that waiter owns it as after a release
 * (learn.microsoft.com/windows/win32/api/synchapi/nf-synchapi-waitformultipleobjects,
 * Return value; learn.microsoft.com/windows/win32/sync/mutex-objects): the
 * header needs no repair, since every field a listener writes is a whole
 * value on its own. A takeover is not said here but by IpcStandbySayTakeover,
 * after the publication. Returns IPC_EXIT_OK with r->outcome set, or
 * IPC_EXIT_FAILURE after reporting.
 */
static int SleepUntilOurs(HANDLE lock, HANDLE ctrl_event, const wchar_t *name, IpcStandbyResult *r)
{
    HANDLE waits[WAIT_COUNT];
    DWORD got;
    DWORD code;

    waits[WAIT_LOCK] = lock;
    waits[WAIT_RETIRE] = r->retire;
    waits[WAIT_CTRL] = ctrl_event;
    got = WaitForMultipleObjects(WAIT_COUNT, waits, FALSE, INFINITE);
    switch (got) {
    case WAIT_OBJECT_0 + WAIT_LOCK:
    case WAIT_ABANDONED_0 + WAIT_LOCK:
        r->abandoned = got == WAIT_ABANDONED_0 + WAIT_LOCK;
        r->outcome = IPC_STANDBY_TOOK_OVER;
        return IPC_EXIT_OK;
    case WAIT_OBJECT_0 + WAIT_RETIRE:
        IpcPrint(L"Standby: retired through its event %ls%ls%lu; exiting without a unit of work", name,
                 IPC_SUFFIX_RETIRE_EVENT_PREFIX, (unsigned long)GetCurrentProcessId());
        r->outcome = IPC_STANDBY_RETIRED;
        return IPC_EXIT_OK;
    case WAIT_OBJECT_0 + WAIT_CTRL:
        IpcPrint(L"Stop requested from the console (Ctrl+C or the window closing)");
        r->outcome = IPC_STANDBY_CTRL_STOP;
        return IPC_EXIT_OK;
    default:
        code = GetLastError();
        return IpcFailWin32(L"WaitForMultipleObjects", code, L"the standby for '%ls' cannot wait for its lock", name);
    }
}

void IpcStandbySayTakeover(const wchar_t *name, const IpcStandbyResult *result)
{
    if (result->outcome != IPC_STANDBY_TOOK_OVER && result->outcome != IPC_STANDBY_STOP_PENDING) {
        return;
    }
    if (result->abandoned) {
        IpcPrint(L"Standby: the listener (pid %lu) of '%ls' died without letting go; taking over",
                 (unsigned long)result->active, name);
    } else {
        IpcPrint(L"Standby: the listener (pid %lu) let go of '%ls'; taking over", (unsigned long)result->active, name);
    }
}

int IpcStandbyWait(const wchar_t *name, HANDLE ctrl_event, HANDLE *lock, IpcMapping *map, IpcStandbyResult *result)
{
    int rc;
    HANDLE mutex = NULL;
    IpcMapping m = {0};
    volatile IpcHeader *h = NULL;
    IpcStandbyResult r;
    LONG message;
    DWORD code;

    memset(&r, 0, sizeof(r));
    r.outcome = IPC_STANDBY_OWNED;
    rc = OpenLock(name, &mutex);
    if (rc != IPC_EXIT_OK) {
        goto cleanup;
    }
    code = IpcMutexTryOwn(mutex);
    if (code == ERROR_SUCCESS) {
        /* Free (or left by a listener that died): simply NAME's listener, as without IPC_STANDBY. */
        goto done;
    }
    if (code != ERROR_ALREADY_EXISTS) {
        rc = IpcFailWin32(L"WaitForSingleObject", code, L"cannot look at the lock of '%ls'", name);
        goto cleanup;
    }
    rc = IpcMappingCreateOrFail(name, &m);
    if (rc != IPC_EXIT_OK) {
        goto cleanup;
    }
    h = IpcMappingHeader(&m);
    if (h == NULL) {
        message = IpcMappingReadMessage(&m);
        if (message > 0) {
            rc = IpcFail(IPC_EXIT_LISTENER_RUNNING,
                         L"a listener for '%ls' is already running (pid %ld), on a mapping in the C# sample's 4-byte "
                         L"format, which has no room to record a standby; this one cannot wait for it.",
                         name, (long)message);
        } else {
            /* A -1 there is a close message pending, not a pid. */
            rc = IpcFail(IPC_EXIT_LISTENER_RUNNING,
                         L"a listener for '%ls' is already running, on a mapping in the C# sample's 4-byte format, "
                         L"which has no room to record a standby; this one cannot wait for it.",
                         name);
        }
        goto cleanup;
    }
    rc = RecordStandby(name, h);
    if (rc != IPC_EXIT_OK) {
        h = NULL; /* nothing of ours is in the header */
        goto cleanup;
    }
    rc = CreateRetireEvent(name, &r.retire);
    if (rc != IPC_EXIT_OK) {
        goto cleanup;
    }
    /* Only while the header still names us: a controller may have cleared or replaced the record meanwhile. */
    if (InterlockedCompareExchange((volatile LONG *)&h->standby_pid, 0, 0) == (LONG)GetCurrentProcessId()) {
        InterlockedExchange((volatile LONG *)&h->standby_state, (LONG)IPC_STANDBY_WAITING);
    }
    r.active = h->listener_pid;
    IpcPrint(L"Standby for '%ls' (pid %lu): ready; waiting to take over from the listener (pid %lu)", name,
             (unsigned long)GetCurrentProcessId(), (unsigned long)r.active);
    rc = SleepUntilOurs(mutex, ctrl_event, name, &r);
    if (rc != IPC_EXIT_OK) {
        goto cleanup;
    }
    /* From the wake-up to the caller's publication, no call to the kernel: the start time was read before the wait. */
    IpcStandbyClear(h);
    if (r.outcome == IPC_STANDBY_TOOK_OVER) {
        /* A stop sent to the listener before us (the -1, or a request it had not consumed) stops us too. */
        if (IpcMappingReadMessage(&m) == IPC_CLOSE_MESSAGE || h->stop_requests != h->stop_acked) {
            r.outcome = IPC_STANDBY_STOP_PENDING;
        } else {
            InterlockedIncrement((volatile LONG *)&h->failovers);
        }
    }
    h = NULL; /* cleared: nothing more to undo */

done:
    if (r.outcome == IPC_STANDBY_OWNED || r.outcome == IPC_STANDBY_TOOK_OVER || r.outcome == IPC_STANDBY_STOP_PENDING) {
        *lock = mutex;
        mutex = NULL;
    }
    *map = m;
    m.view = NULL;
    m.section = NULL;
    *result = r;
    r.retire = NULL; /* the caller's now */

cleanup:
    if (h != NULL) {
        IpcStandbyClear(h);
    }
    IpcHandleClose(&r.retire);
    IpcHandleClose(&mutex);
    IpcMappingClose(&m);
    return rc;
}
