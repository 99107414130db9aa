/*
 * ipc_listener.c - the listener's side of the protocol (see ipc_listener.h).
 */
#include "ipc_listener.h"

#include "ipc_console.h"
#include "ipc_env.h"
#include "ipc_error.h"
#include "ipc_exit.h"
#include "ipc_handle.h"
#include "ipc_layout.h"
#include "ipc_mapping.h"
#include "ipc_name.h"
#include "ipc_named.h"
#include "ipc_process.h"
#include "ipc_standby.h"
#include "ipc_text.h"
#include "ipc_time.h"

struct IpcListener {
    HANDLE lock;            /* NAME|listener, owned while we live: one listener per NAME */
    IpcMapping map;
    /*
     * Our header; NULL on a 4-byte mapping in the C# sample's format, and for
     * a standby that never became NAME's listener or took the lock over a
     * pending stop: it writes nothing into the header that is not its own.
     */
    volatile IpcHeader *h;
    BOOL published;         /* FALSE when a close message was pending at start */
    BOOL said_close;        /* "Received shutdown message" already printed */
    BOOL restarting;        /* closing because restart_pid names us: no stop request is consumed */
    BOOL say_restart;       /* the restart is said once the lock is let go */
    /*
     * A standby's retire event, kept until the listener is freed: closing it
     * is a call to the kernel that has no place between the takeover and the
     * first unit.
     */
    HANDLE retire;
};

/* Set by the console control handler; read between units. */
static volatile LONG g_ctrl_stop = 0;
/* Signalled by IpcListenerClose, so a closing console waits for the running unit. */
static HANDLE g_finished = NULL;
/* Signalled by the console control handler too: a standby waits for it beside NAME's lock. */
static HANDLE g_ctrl_event = NULL;
/*
 * The open listener's header, for the handler, which has no context argument.
 * The handler holds g_header_lock shared while it writes; IpcListenerClose
 * takes it exclusive to set NULL before the view is unmapped.
 */
static volatile IpcHeader *volatile g_header = NULL;
static SRWLOCK g_header_lock = SRWLOCK_INIT;

/*
 * Ctrl+C and Ctrl+Break ask for the same graceful stop as the close message.
 * The header says so at once (stopping), so --status and the controller know
 * even when the process does not live to the end of its unit: for closing the
 * window, log-off and shutdown Windows ends the process when this handler
 * returns or when its time-out passes, whichever comes first: about 5 seconds
 * for CTRL_CLOSE_EVENT, and the system's shutdown time-outs for the other two
 * (learn.microsoft.com/windows/console/handlerroutine, Remarks). The handler
 * holds on until the running unit has finished (IpcListenerClose); a longer
 * unit is cut, and that is all the time Windows gives.
 */
static BOOL WINAPI CtrlHandler(DWORD type)
{
    InterlockedExchange(&g_ctrl_stop, 1);
    if (g_ctrl_event != NULL) {
        SetEvent(g_ctrl_event);
    }
    AcquireSRWLockShared(&g_header_lock);
    if (g_header != NULL) {
        g_header->state = IPC_STATE_STOPPING;
    }
    ReleaseSRWLockShared(&g_header_lock);
    if (type == CTRL_CLOSE_EVENT || type == CTRL_LOGOFF_EVENT || type == CTRL_SHUTDOWN_EVENT) {
        if (g_finished != NULL) {
            WaitForSingleObject(g_finished, INFINITE);
        }
    }
    return TRUE;
}

/* The pid of the listener that already serves NAME, for the refusal message (0 when unknown). */
static DWORD RunningListenerPid(const wchar_t *name)
{
    IpcMapping m = {0};
    IpcHeader h;
    DWORD pid = 0;

    if (IpcMappingOpen(name, &m) != ERROR_SUCCESS) {
        return 0;
    }
    switch (IpcMappingClassify(&m, &h, NULL)) {
    case IPC_LAYOUT_OURS:
        pid = h.listener_pid;
        break;
    case IPC_LAYOUT_SAMPLE:
        pid = h.message > 0 ? (DWORD)h.message : 0;
        break;
    default:
        break;
    }
    IpcMappingClose(&m);
    return pid;
}

/*
 * Publishes our pid at offset 0 without ever replacing a pending close message.
 * A -1 is stale, and may be replaced, only when our header shows that the last
 * listener stopped (last_stopped, read before we overwrote the state) and
 * consumed every stop request. Returns FALSE when a close message is pending.
 */
static BOOL PublishPid(const IpcMapping *m, volatile IpcHeader *h, BOOL last_stopped, LONG pid)
{
    for (;;) {
        LONG seen = IpcMappingReadMessage(m);
        if (seen == IPC_CLOSE_MESSAGE) {
            BOOL stale = h != NULL && last_stopped && h->stop_requests == h->stop_acked;
            if (!stale) {
                return FALSE;
            }
        }
        if (IpcMappingCompareExchangeMessage(m, pid, seen) == seen) {
            return TRUE;
        }
        /* Someone wrote in between (a stop, most likely): look again. */
    }
}

/*
 * Releases the lock NAME|listener. A mutex belongs to the thread that took it:
 * on any other thread ReleaseMutex fails with ERROR_NOT_OWNER
 * (learn.microsoft.com/windows/win32/api/synchapi/nf-synchapi-releasemutex),
 * and the lock is only let go when the opening thread ends (abandoned), so
 * that misuse is said, naming the rule. The handle is closed either way.
 */
static void ReleaseLock(HANDLE *lock)
{
    DWORD code;

    if (*lock != NULL && !ReleaseMutex(*lock)) {
        code = GetLastError();
        if (code == ERROR_NOT_OWNER) {
            IpcFailWin32(L"ReleaseMutex", code,
                         L"the listener's lock belongs to the thread that called IpcListenerOpen: call "
                         L"IpcListenerClose on that thread (ipc_listener.h)");
        } else {
            IpcFailWin32(L"ReleaseMutex", code, L"cannot let go of the listener's lock");
        }
    }
    IpcHandleClose(lock);
}

/* Lets go of NAME (mapping, then lock: the reverse of taking them) and frees the listener. */
static void Release(IpcListener *l)
{
    IpcMappingClose(&l->map);
    ReleaseLock(&l->lock);
    IpcHandleClose(&l->retire);
    HeapFree(GetProcessHeap(), 0, l);
}

/* The refusal when a live listener already holds NAME|listener. */
static int FailRunning(const wchar_t *name)
{
    DWORD other = RunningListenerPid(name);
    if (other != 0) {
        return IpcFail(IPC_EXIT_LISTENER_RUNNING, L"a listener for '%ls' is already running (pid %lu).", name,
                       (unsigned long)other);
    }
    return IpcFail(IPC_EXIT_LISTENER_RUNNING, L"a listener for '%ls' is already running.", name);
}

/*
 * Takes the lock NAME|listener. A name whose lock cannot be created is
 * reported with the lock's own name: that is the object that is in the way.
 */
static int TakeLock(const wchar_t *name, HANDLE *lock)
{
    wchar_t lock_name[MAX_PATH];
    DWORD code = IpcNamedMutexTryAcquire(name, IPC_SUFFIX_LISTENER_MUTEX, lock);

    if (code == ERROR_SUCCESS) {
        return IPC_EXIT_OK;
    }
    if (code == ERROR_ALREADY_EXISTS) {
        return FailRunning(name);
    }
    IpcDerivedName(name, IPC_SUFFIX_LISTENER_MUTEX, lock_name, MAX_PATH);
    return IpcFailName(L"CreateMutexW", code, lock_name, L"mutex");
}

/*
 * Writes our identity into our header (when the mapping has one): identity
 * first, pid second, so a reader that sees our pid can always verify it.
 * *last_stopped says whether the previous listener had stopped, read before
 * the state is overwritten.
 */
static int WriteIdentity(volatile IpcHeader *h, BOOL *last_stopped)
{
    uint64_t created = 0;
    DWORD code;

    if (h == NULL) {
        return IPC_EXIT_OK;
    }
    code = IpcProcessSelfCreationTime(&created);
    if (code != ERROR_SUCCESS) {
        return IpcFailWin32(L"GetProcessTimes", code, L"cannot read this process's start time");
    }
    /* A listener that waits for Enter has stopped too: it only keeps the mapping open. */
    *last_stopped = h->state == IPC_STATE_STOPPED || h->state == IPC_STATE_WAITING_FOR_ENTER;
    IpcHeaderWrite64(&h->units, 0);
    IpcHeaderWrite64(&h->last_progress, 0);
    IpcHeaderWrite64(&h->last_progress_tick, 0);
    IpcHeaderWrite64(&h->listener_created, created);
    /*
     * A restart request naming our pid before we published it was meant for
     * an earlier process with the same pid (Windows reuses pids): not for us.
     */
    InterlockedCompareExchange((volatile LONG *)&h->restart_pid, 0, (LONG)GetCurrentProcessId());
    h->listener_pid = GetCurrentProcessId();
    h->state = IPC_STATE_RUNNING;
    return IPC_EXIT_OK;
}

/* A manual-reset event of this process that nobody has signalled yet, into *event unless it exists. */
static int CreateProcessEvent(HANDLE *event)
{
    DWORD code;

    if (*event == NULL) {
        *event = CreateEventW(NULL, TRUE, FALSE, NULL);
        if (*event == NULL) {
            code = GetLastError();
            return IpcFailWin32(L"CreateEventW", code, L"cannot create an event");
        }
    }
    return IPC_EXIT_OK;
}

/* Launched as the standby: the controller sets IPC_STANDBY=1 in its environment. */
static BOOL LaunchedAsStandby(void)
{
    wchar_t value[8];
    DWORD n = GetEnvironmentVariableW(IPC_ENV_STANDBY, value, ARRAYSIZE(value));
    /* Read once: the worker's own children (a --run command) are no standbys and must not inherit it. */
    SetEnvironmentVariableW(IPC_ENV_STANDBY, NULL);
    return n == 1 && value[0] == L'1';
}

int IpcListenerOpen(const wchar_t *name, IpcListener **out)
{
    int rc;
    IpcListener *l = NULL;
    BOOL last_stopped = FALSE;
    BOOL standby = LaunchedAsStandby();
    IpcStandbyResult waited = {0}; /* IPC_STANDBY_OWNED: the lock taken without a wait */
    wchar_t reason[IPC_ERROR_TEXT_MAX];

    if (!IpcCheckName(name, reason, ARRAYSIZE(reason))) {
        rc = IpcFail(IPC_EXIT_USAGE, L"%ls.", reason);
        goto cleanup;
    }
    l = (IpcListener *)HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(*l));
    if (l == NULL) {
        rc = IpcFailWin32(L"HeapAlloc", ERROR_NOT_ENOUGH_MEMORY, L"cannot start the listener");
        goto cleanup;
    }
    rc = CreateProcessEvent(&g_finished);
    if (rc == IPC_EXIT_OK) {
        rc = CreateProcessEvent(&g_ctrl_event);
    }
    if (rc != IPC_EXIT_OK) {
        goto cleanup;
    }
    SetConsoleCtrlHandler(CtrlHandler, TRUE);

    rc = standby ? IpcStandbyWait(name, g_ctrl_event, &l->lock, &l->map, &waited) : TakeLock(name, &l->lock);
    if (rc != IPC_EXIT_OK) {
        goto cleanup;
    }
    l->retire = waited.retire;
    waited.retire = NULL;
    if (waited.outcome != IPC_STANDBY_OWNED && waited.outcome != IPC_STANDBY_TOOK_OVER) {
        /*
         * Retired, stopped from the console while waiting, or the lock taken
         * over a pending stop: a listener with no header of its own, whose
         * IpcListenerShouldClose says TRUE at once; the stop stays pending.
         */
        IpcStandbySayTakeover(name, &waited);
        l->said_close = waited.outcome != IPC_STANDBY_STOP_PENDING;
        *out = l;
        l = NULL;
        goto cleanup;
    }
    if (l->map.view == NULL) {
        rc = IpcMappingCreateOrFail(name, &l->map);
        if (rc != IPC_EXIT_OK) {
            goto cleanup;
        }
    }
    /* Our header when we created the mapping or found one of ours; NULL for the C# sample's 4-byte format. */
    l->h = IpcMappingHeader(&l->map);
    if (standby && l->h != NULL) {
        /* The lock was free (or is ours now): no longer anyone's standby. */
        IpcStandbyClear(l->h);
    }
    rc = WriteIdentity(l->h, &last_stopped);
    if (rc != IPC_EXIT_OK) {
        goto cleanup;
    }
    /*
     * A standby never takes a -1 at offset 0 for stale, whether it took the
     * lock over or found it free: the controller launches a standby only
     * after the active listener published its pid (which replaced any stale
     * -1), so a -1 seen now is a stop sent since, even when the active
     * listener consumed its request and let go while we were initialising.
     */
    l->published = PublishPid(&l->map, l->h, last_stopped && !standby, (LONG)GetCurrentProcessId());
    AcquireSRWLockExclusive(&g_header_lock);
    g_header = l->h;
    ReleaseSRWLockExclusive(&g_header_lock);
    /* Only now, published: a failover is timed from the kill to our pid at offset 0. */
    IpcStandbySayTakeover(name, &waited);
    *out = l;
    l = NULL;

cleanup:
    if (l != NULL) {
        /* No listener, so no handler of ours: the caller's console events are its own again. */
        SetConsoleCtrlHandler(CtrlHandler, FALSE);
        Release(l);
    }
    return rc;
}

/* TRUE once the console handler has asked for a stop, which the state must keep showing. */
static BOOL CtrlStopAsked(void)
{
    return InterlockedCompareExchange(&g_ctrl_stop, 0, 0) != 0;
}

BOOL IpcListenerShouldClose(IpcListener *l)
{
    BOOL close = !l->published || IpcMappingReadMessage(&l->map) == IPC_CLOSE_MESSAGE;
    if (!close && l->h != NULL && l->h->stop_requests != l->h->stop_acked) {
        close = TRUE;
    }
    if (close) {
        /* A stop that came after a restart was asked for is said, and honoured, as a stop. */
        if (!l->said_close || l->say_restart) {
            IpcPrint(L"Received shutdown message");
            l->said_close = TRUE;
        }
        l->say_restart = FALSE;
        l->restarting = FALSE;
    } else if (l->h != NULL && l->h->restart_pid == GetCurrentProcessId()) {
        /*
         * --restart asked this listener alone to go: the controller and a
         * standby stay. It is said only once the lock is let go (Finish): a
         * console write here would stand between the last unit's end and the
         * next listener's takeover. Ctrl+C meanwhile changes nothing: the
         * process leaves either way, and its controller starts the next one,
         * as the restart asked.
         */
        if (!l->said_close) {
            l->say_restart = TRUE;
            l->said_close = TRUE;
        }
        l->restarting = TRUE;
        close = TRUE;
    } else if (CtrlStopAsked()) {
        /* A restart decided at an earlier call and withdrawn since (restart_pid no longer names us) is not said. */
        if (!l->said_close || l->say_restart) {
            IpcPrint(L"Stop requested from the console (Ctrl+C or the window closing)");
            l->said_close = TRUE;
        }
        l->say_restart = FALSE;
        l->restarting = FALSE;
        close = TRUE;
    } else if (l->say_restart) {
        /* A restart withdrawn before this listener let go: it works on, and a later close is said as usual. */
        l->say_restart = FALSE;
        l->said_close = FALSE;
        l->restarting = FALSE;
    }
    /* --status shows a listener on its way out as stopping, not as running. */
    if (close && l->h != NULL) {
        l->h->state = IPC_STATE_STOPPING;
    }
    return close;
}

BOOL IpcListenerIsRestarting(const IpcListener *l)
{
    return l->restarting;
}

void IpcListenerUnitStarted(IpcListener *l)
{
    if (l->h != NULL && !CtrlStopAsked()) {
        l->h->state = IPC_STATE_WORKING;
    }
}

void IpcListenerUnitDone(IpcListener *l)
{
    if (l->h != NULL) {
        /*
         * The tick is what intervals are measured on; the FILETIME is only shown.
         * The tick goes first: a reader that sees units without a tick takes the
         * listener for an earlier build and stops timing it.
         */
        IpcHeaderWrite64(&l->h->last_progress_tick, IpcTickNowU64());
        IpcHeaderWrite64(&l->h->last_progress, IpcNowU64());
        /* Only the listener writes units, so read-then-write loses no count. */
        IpcHeaderWrite64(&l->h->units, IpcHeaderRead64(&l->h->units) + 1);
        l->h->state = CtrlStopAsked() ? IPC_STATE_STOPPING : IPC_STATE_RUNNING;
    }
}

/*
 * Records the stop (state, consumed stop requests) and lets go of the lock,
 * keeping the mapping. A listener that leaves for a restart consumes no stop
 * request: one sent meanwhile was not honoured by it, and must still stop
 * whoever takes NAME next.
 */
static void Finish(IpcListener *l, uint32_t state)
{
    /* The console handler writes into the header: from now on it finds none. */
    AcquireSRWLockExclusive(&g_header_lock);
    g_header = NULL;
    ReleaseSRWLockExclusive(&g_header_lock);
    if (l->h != NULL) {
        if (!l->restarting) {
            l->h->stop_acked = l->h->stop_requests;
        }
        l->h->state = state;
    }
    ReleaseLock(&l->lock);
    if (l->say_restart) {
        IpcPrint(L"Restart requested (ConsoleAppController --restart): finishing and exiting");
        l->say_restart = FALSE;
    }
    if (g_finished != NULL) {
        SetEvent(g_finished);
    }
    /* Closed: a handler waiting for this returns now, and later events get Windows' default. */
    SetConsoleCtrlHandler(CtrlHandler, FALSE);
}

void IpcListenerClose(IpcListener *l)
{
    if (l == NULL) {
        return;
    }
    Finish(l, IPC_STATE_STOPPED);
    Release(l);
}

void IpcListenerCloseForEnter(IpcListener *l)
{
    if (l == NULL) {
        return;
    }
    /*
     * The lock goes now, so a new listener may start while this process
     * waits; the mapping stays open, so --stop and --status still find this
     * process through the header's listener pid. Nothing is written after
     * the lock is released: the header then belongs to whoever takes it.
     */
    Finish(l, IPC_STATE_WAITING_FOR_ENTER);
    l->h = NULL;
}
