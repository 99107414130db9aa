/*
 * standby.c - the standby listener of ConsoleAppController --standby: a
 * second listener, launched once the active one has published its pid, that
 * waits fully initialised for the lock NAME|listener. When the active
 * listener exits or is killed, Windows hands the lock to the waiting standby
 * at once (a mutex whose owner died is abandoned to the next waiter); the
 * standby publishes its pid itself, and the controller only makes it the
 * listener it watches and launches a fresh standby. Standbys that die young
 * back off as relaunches do, without counting toward --start-limit.
 *
 * Who writes what in the header: the controller records the standby it
 * launches (standby_created, standby_state 1, standby_pid) and clears the
 * fields of a standby that is gone; the standby records itself too, marks
 * itself waiting (state 2), and clears its fields when it takes the lock. The
 * pid and the state are written by compare-and-swap from 0, so whichever
 * writes first, neither undoes the other.
 */
#include "controller.h"
#include "ipc_console.h"
#include "ipc_error.h"
#include "ipc_exit.h"
#include "ipc_handle.h"
#include "ipc_identity.h"
#include "ipc_layout.h"
#include "ipc_mapping.h"
#include "ipc_name.h"
#include "ipc_named.h"
#include "ipc_process.h"
#include "ipc_text.h"

/*
 * How often the controller looks whether the active listener has published
 * its pid, or its standby is waiting (nothing signals either): first after
 * PUBLISH_POLL_MS, doubling to PUBLISH_POLL_MAX_MS, so a listener that
 * initialises for seconds does not wake the controller every 10 ms.
 */
#define PUBLISH_POLL_MS 10u
#define PUBLISH_POLL_MAX_MS 200u
/* How often the header is looked at again while an unverified standby of someone else's waits there. */
#define FOREIGN_RECHECK_MS 1000u
/* How long a retired standby is given to see its event and exit before the controller goes on. */
#define RETIRE_WAIT_MS 2000u

DWORD StandbyEventCreate(Controller *c)
{
    c->standby_event = CreateEventW(NULL, FALSE, FALSE, NULL);
    return c->standby_event != NULL ? ERROR_SUCCESS : GetLastError();
}

/* Starts waiting for the standby's exit; the handle is c's from then on. Returns the registration's error. */
static DWORD Watch(Controller *c, HANDLE process, DWORD pid)
{
    HANDLE wait = NULL;
    DWORD code = WatchProcessExit(process, c->standby_event, &wait);

    if (code != ERROR_SUCCESS) {
        return code;
    }
    c->standby = process;
    c->standby_pid = pid;
    c->standby_wait = wait;
    c->standby_tick = GetTickCount64();
    c->standby_ready_tick = 0;
    c->standby_poll_ms = 0;
    return ERROR_SUCCESS;
}

/*
 * Stops watching the standby and hands its process handle to the caller.
 * UnregisterWaitEx with INVALID_HANDLE_VALUE waits for a callback still
 * running; a signal it already gave is dropped, so it is not taken for the
 * exit of whatever is watched next.
 */
static HANDLE Unwatch(Controller *c)
{
    HANDLE process = c->standby;

    if (c->standby_wait != NULL) {
        UnregisterWaitEx(c->standby_wait, INVALID_HANDLE_VALUE);
        c->standby_wait = NULL;
    }
    if (c->standby_event != NULL) {
        ResetEvent(c->standby_event);
    }
    c->standby = NULL;
    c->standby_pid = 0;
    c->standby_ready_tick = 0;
    return process;
}

/*
 * Clears the header's standby fields when they name pid. The controller
 * launches the next standby only after this, so no standby of its own
 * records itself meanwhile.
 */
static void ClearFields(Controller *c, DWORD pid)
{
    volatile IpcHeader *h = IpcMappingHeader(&c->map);

    if (h != NULL && pid != 0 &&
        InterlockedCompareExchange((volatile LONG *)&h->standby_pid, 0, (LONG)pid) == (LONG)pid) {
        h->standby_state = IPC_STANDBY_NONE;
        IpcHeaderWrite64(&h->standby_created, 0);
    }
}

/*
 * Records a standby just launched: identity first, then the state and the
 * pid, each only over "none". The start time is swapped in from the value
 * read while no pid was recorded, so a standby that recorded itself
 * meanwhile keeps its own. A start time that cannot be read is said: the
 * standby then records itself.
 */
static void Record(Controller *c, HANDLE process, DWORD pid)
{
    volatile IpcHeader *h = IpcMappingHeader(&c->map);
    uint64_t created = 0;
    uint64_t seen;
    DWORD code;

    if (h == NULL) {
        return;
    }
    code = IpcProcessCreationTime(process, &created);
    if (code != ERROR_SUCCESS) {
        IpcFailWin32(L"GetProcessTimes", code, L"cannot record the standby listener (pid %lu) in the header",
                     (unsigned long)pid);
        return;
    }
    seen = IpcHeaderRead64(&h->standby_created);
    if (InterlockedCompareExchange((volatile LONG *)&h->standby_pid, 0, 0) != 0 ||
        (uint64_t)InterlockedCompareExchange64((volatile LONG64 *)&h->standby_created, (LONG64)created,
                                               (LONG64)seen) != seen) {
        return; /* a standby has recorded itself already */
    }
    InterlockedCompareExchange((volatile LONG *)&h->standby_state, IPC_STANDBY_STARTING, IPC_STANDBY_NONE);
    InterlockedCompareExchange((volatile LONG *)&h->standby_pid, (LONG)pid, 0);
}

/* Closes the retire event kept for a retired standby; unless force, only once that standby has exited. */
static void ReapRetired(Controller *c, BOOL force)
{
    if (c->retire_event == NULL) {
        return;
    }
    if (!force && c->retired != NULL && WaitForSingleObject(c->retired, 0) == WAIT_TIMEOUT) {
        return;
    }
    IpcHandleClose(&c->retire_event);
    IpcHandleClose(&c->retired);
}

/*
 * Keeps event (the retire event of the standby process) open until that
 * standby has exited: an event object is destroyed when its last handle
 * closes (learn.microsoft.com/windows/win32/api/synchapi/nf-synchapi-createeventw,
 * Remarks), and a standby still starting that reaches its CreateEventW
 * after that would create a fresh one, unsignalled, and wait as usual.
 */
static void KeepRetireEvent(Controller *c, HANDLE event, HANDLE process)
{
    HANDLE dup = NULL;

    ReapRetired(c, TRUE); /* one kept at a time: an earlier retired standby still starting is rare */
    if (!DuplicateHandle(GetCurrentProcess(), process, GetCurrentProcess(), &dup, SYNCHRONIZE, FALSE, 0)) {
        dup = NULL; /* then the event is kept until the controller ends */
    }
    c->retire_event = event;
    c->retired = dup;
}

/*
 * Asks the standby pid (held in process) to exit without ever taking the
 * lock: it waits on its manual-reset event NAME|retire<pid> beside the lock.
 * The event is created when the standby has not made it yet (it is still
 * starting), so it finds it signalled; the standby is given RETIRE_WAIT_MS,
 * and the event is kept open until it has exited (KeepRetireEvent).
 */
static void Retire(Controller *c, DWORD pid, HANDLE process)
{
    wchar_t suffix[IPC_NAME_SUFFIX_MAX + 1];
    wchar_t full[MAX_PATH];
    HANDLE event = NULL;
    DWORD code;

    IpcFormat(suffix, ARRAYSIZE(suffix), L"%ls%lu", IPC_SUFFIX_RETIRE_EVENT_PREFIX, (unsigned long)pid);
    code = IpcNamedEventCreate(c->opt->name, suffix, TRUE, &event);
    if (code != ERROR_SUCCESS) {
        IpcDerivedName(c->opt->name, suffix, full, MAX_PATH);
        if (code == ERROR_FILENAME_EXCED_RANGE) {
            IpcFail(IPC_EXIT_FAILURE, L"cannot retire the standby listener (pid %lu): the name of its event %ls%ls is "
                    L"too long for a kernel object.", (unsigned long)pid, c->opt->name, suffix);
        } else {
            IpcPrintErr(L"Cannot retire the standby listener (pid %lu) through its event %ls:", (unsigned long)pid, full);
            IpcFailName(L"CreateEventW", code, full, L"event"); /* names a foreign owner or another type of object */
        }
        return;
    }
    SetEvent(event);
    if (WaitForSingleObject(process, RETIRE_WAIT_MS) == WAIT_OBJECT_0) {
        IpcHandleClose(&event);
        return;
    }
    IpcPrint(L"The standby listener (pid %lu) has not exited yet; it was asked to", (unsigned long)pid);
    KeepRetireEvent(c, event, process);
}

void StandbyFound(Controller *c)
{
    IpcHeader hdr;
    HANDLE process = NULL;
    DWORD pid;
    DWORD code;
    wchar_t image[MAX_PATH * 2];
    wchar_t why[IPC_ERROR_TEXT_MAX];

    if (c->standby != NULL || IpcMappingClassify(&c->map, &hdr, NULL) != IPC_LAYOUT_OURS || hdr.standby_pid == 0) {
        return;
    }
    pid = hdr.standby_pid;
    if (pid == c->pid) {
        ClearFields(c, pid); /* it has taken over already: it is the active listener */
        return;
    }
    code = IpcIdentityOpenStandby(c->opt->name, NULL, &hdr, pid,
                                  SampleListenerImage(c->opt, image, (DWORD)ARRAYSIZE(image)), &process, why,
                                  ARRAYSIZE(why));
    if (code != ERROR_SUCCESS) {
        if (IpcProcessAliveSince(pid, hdr.standby_created)) {
            /* It waits for the lock all the same: a standby of ours beside it could lose the takeover to it. */
            if (c->standby_foreign != pid) {
                IpcPrint(L"Not adopting the standby pid %lu: %ls; no standby is launched beside it while it runs",
                         (unsigned long)pid, why);
                c->standby_foreign = pid;
            }
            return;
        }
        IpcPrint(L"Not adopting the standby pid %lu: %ls", (unsigned long)pid, why);
        ClearFields(c, pid);
        return;
    }
    if (!c->opt->standby) {
        IpcPrint(L"Retiring the standby listener (pid %lu): this controller runs without --standby",
                 (unsigned long)pid);
        Retire(c, pid, process);
        IpcHandleClose(&process);
        return;
    }
    code = Watch(c, process, pid);
    if (code != ERROR_SUCCESS) {
        IpcFailWin32(L"RegisterWaitForSingleObject", code, L"cannot watch the standby listener (pid %lu)",
                     (unsigned long)pid);
        Retire(c, pid, process);
        IpcHandleClose(&process);
        return;
    }
    IpcPrint(L"Standby listener already running (pid %lu, %ls)", (unsigned long)pid,
             IpcLayoutStandbyStateName(hdr.standby_state));
}

/*
 * TRUE when a standby should run now and does not: --standby, an active
 * listener that can have one (not refused for it), no stop.
 */
static BOOL Needed(const Controller *c, BOOL stopping)
{
    return c->opt->standby && !stopping && c->standby == NULL && c->process != NULL && !c->hang_terminated &&
           c->standby_refused != c->pid;
}

/*
 * A standby waits for NAME|listener, so it may only run beside an active
 * listener that holds that lock: beside one that does not (a listener of the
 * C# sample, which knows no lock) it would take the lock at once and work
 * beside it. Nor has the C# sample's 4-byte mapping room to record one. Says
 * why once per active listener and returns FALSE when no standby can run.
 */
static BOOL StandbyPossible(Controller *c)
{
    BOOL held = FALSE;
    const wchar_t *why = NULL;

    if (IpcMappingHeader(&c->map) == NULL) {
        why = L"the mapping is in the C# sample's format, which has no room to record one";
    } else if (IpcNamedMutexHeld(c->opt->name, IPC_SUFFIX_LISTENER_MUTEX, &held, NULL) != ERROR_SUCCESS || !held) {
        why = L"the listener does not hold the lock a standby waits for (a listener of the C# sample?)";
    }
    if (why == NULL) {
        return TRUE;
    }
    IpcPrint(L"No standby beside the listener (pid %lu): %ls", (unsigned long)c->pid, why);
    c->standby_refused = c->pid;
    return FALSE;
}

/* TRUE once the active listener's pid is at offset 0: before that a standby could take the lock first. */
static BOOL ActivePublished(const Controller *c)
{
    return IpcMappingReadMessage(&c->map) == (LONG)c->pid;
}

/* Notes when our standby is first seen waiting (state 2): its health counts from there, not from its launch. */
static void NoteReady(Controller *c)
{
    volatile IpcHeader *h = IpcMappingHeader(&c->map);

    if (c->standby != NULL && c->standby_ready_tick == 0 && h != NULL && h->standby_pid == c->standby_pid &&
        h->standby_state == IPC_STANDBY_WAITING) {
        c->standby_ready_tick = GetTickCount64();
    }
}

/* The next poll period: while the active publishes or our standby starts, doubling; 0 when nothing is polled. */
static DWORD NextPoll(const Controller *c, BOOL stopping)
{
    BOOL polling = (c->standby != NULL && ((c->standby_ready_tick == 0 && !stopping) || c->process == NULL)) ||
                   (Needed(c, stopping) && GetTickCount64() >= c->standby_due && !ActivePublished(c));
    DWORD next;

    if (!polling) {
        return 0;
    }
    next = c->standby_poll_ms == 0 ? PUBLISH_POLL_MS : c->standby_poll_ms * 2;
    return next < PUBLISH_POLL_MAX_MS ? next : PUBLISH_POLL_MAX_MS;
}

/*
 * Schedules the next standby after a failover, no sooner than the promoted
 * listener has run the start-up window, after which any listener counts as
 * healthy (nor sooner than the standbys' own back-off). One that dies sooner
 * is relaunched with the usual back-off instead, so a crash loop never
 * becomes a loop of standby starts; and the process start keeps off the
 * processors while the takeover settles, as it would not in a burst of
 * failovers (every worker on the machine killed at once), where each
 * controller's fresh standby slows the takeovers still to come. Returns the
 * delay.
 */
static DWORD RefillAfterFailover(Controller *c)
{
    DWORD delay = c->standby_pause_ms > HEALTHY_RUN_MS ? c->standby_pause_ms : HEALTHY_RUN_MS;

    c->standby_due = GetTickCount64() + delay;
    return delay;
}

/*
 * Our standby published its pid while no active listener is watched (it
 * found NAME free when the active one had gone, and no stop pending): it is
 * the listener now, and is supervised as such rather than waited for as a
 * standby.
 */
static void PromotePublished(Controller *c)
{
    HANDLE process;
    DWORD pid = c->standby_pid;
    DWORD code;

    if (c->process != NULL || c->standby == NULL || IpcMappingReadMessage(&c->map) != (LONG)pid) {
        return;
    }
    process = Unwatch(c);
    ClearFields(c, pid);
    code = WatchListener(c, process, pid);
    if (code != ERROR_SUCCESS) {
        IpcFailWin32(L"RegisterWaitForSingleObject", code, L"cannot watch the listener (pid %lu)", (unsigned long)pid);
        IpcHandleClose(&process);
        return;
    }
    c->relaunch_tick = 0; /* a relaunch due would only meet the lock it holds */
    (void)RefillAfterFailover(c);
    IpcPrint(L"The standby listener (pid %lu) has taken '%ls' and published its pid: it is the listener now",
             (unsigned long)pid, c->opt->name);
}

static void ScheduleLaunch(Controller *c, BOOL healthy)
{
    c->standby_pause_ms = BackOffNext(c, c->standby_pause_ms, healthy);
    c->standby_due = GetTickCount64() + c->standby_pause_ms;
}

/* Launches a standby, recorded and watched; its pid, or 0 when none could be (the next try is scheduled). */
static DWORD Launch(Controller *c)
{
    HANDLE process = NULL;
    DWORD pid = 0;
    DWORD code;

    code = StartListenerProcess(c, TRUE, &process, &pid);
    if (code != ERROR_SUCCESS) {
        ScheduleLaunch(c, FALSE);
        IpcPrint(L"Trying the standby again in %lu ms", (unsigned long)c->standby_pause_ms);
        return 0;
    }
    Record(c, process, pid);
    code = Watch(c, process, pid);
    if (code != ERROR_SUCCESS) {
        IpcFailWin32(L"RegisterWaitForSingleObject", code, L"cannot watch the standby listener (pid %lu)",
                     (unsigned long)pid);
        /* Unwatched, it would take over unseen: it is retired instead. */
        Retire(c, pid, process);
        ClearFields(c, pid);
        IpcHandleClose(&process);
        ScheduleLaunch(c, FALSE);
        return 0;
    }
    IpcPrint(L"Standby launched (pid %lu)", (unsigned long)pid);
    return pid;
}

void StandbyTick(Controller *c, BOOL stopping)
{
    volatile IpcHeader *h = IpcMappingHeader(&c->map);

    ReapRetired(c, FALSE);
    PromotePublished(c);
    NoteReady(c);
    c->standby_poll_ms = NextPoll(c, stopping);
    if (!Needed(c, stopping) || GetTickCount64() < c->standby_due || !ActivePublished(c)) {
        return;
    }
    if (!StandbyPossible(c)) {
        return;
    }
    /* A standby already in the header (one a listener recorded by itself) is taken before another is made. */
    StandbyFound(c);
    if (c->standby != NULL) {
        return;
    }
    if (c->standby_foreign != 0 && h != NULL && h->standby_pid == c->standby_foreign) {
        c->standby_due = GetTickCount64() + FOREIGN_RECHECK_MS; /* looked at again until it is gone */
        return;
    }
    c->standby_foreign = 0;
    Launch(c);
}

DWORD StandbyRenew(Controller *c)
{
    DWORD pid = c->standby_pid;
    HANDLE process;

    if (!StandbyPossible(c)) {
        return 0;
    }
    if (c->standby != NULL) {
        IpcPrint(L"Retiring the standby listener (pid %lu): it runs the listener file as it was when it started",
                 (unsigned long)pid);
        process = Unwatch(c);
        Retire(c, pid, process);
        ClearFields(c, pid);
        IpcHandleClose(&process);
    }
    return Launch(c);
}

DWORD StandbyWaitMs(const Controller *c, BOOL stopping, DWORD timeout)
{
    ULONGLONG now = GetTickCount64();
    DWORD due;

    if (c->standby_poll_ms != 0 && c->standby_poll_ms < timeout) {
        timeout = c->standby_poll_ms; /* our standby is starting: NoteReady looks at it again */
    }
    if (!Needed(c, stopping)) {
        return timeout;
    }
    due = c->standby_due > now ? (DWORD)(c->standby_due - now) : 0;
    if (due == 0 && !ActivePublished(c)) {
        due = c->standby_poll_ms != 0 ? c->standby_poll_ms : PUBLISH_POLL_MS;
    }
    return due < timeout ? due : timeout;
}

BOOL StandbyTakeOver(Controller *c, DWORD old_pid, DWORD exit_code, DWORD ran_ms, BOOL healthy)
{
    volatile IpcHeader *h = IpcMappingHeader(&c->map);
    HANDLE process;
    DWORD pid = c->standby_pid;
    DWORD code;
    DWORD delay;
    LONG message;

    if (c->standby == NULL || !IpcProcessIsAlive(c->standby)) {
        return FALSE; /* a standby that died too is handled by its own exit */
    }
    message = IpcMappingReadMessage(&c->map);
    if (message > 0 && (DWORD)message != pid && (DWORD)message != old_pid) {
        /*
         * Another listener published first (a standby this controller did
         * not verify won the lock): ours still waits, and stays our standby;
         * the one that published is adopted once proven.
         */
        IpcPrint(L"Listener (pid %lu) exited; pid %ld, not our standby (pid %lu), took '%ls' over", (unsigned long)old_pid,
                 (long)message, (unsigned long)pid, c->opt->name);
        return AdoptNameHolder(c, old_pid) == IPC_EXIT_OK;
    }
    process = Unwatch(c);
    /* It clears its fields itself when it takes the lock; this covers a record of ours that came after. */
    ClearFields(c, pid);
    code = WatchListener(c, process, pid);
    if (code != ERROR_SUCCESS) {
        IpcFailWin32(L"RegisterWaitForSingleObject", code, L"cannot watch the standby listener (pid %lu)",
                     (unsigned long)pid);
        IpcHandleClose(&process);
        return FALSE; /* a relaunch follows; the listener it starts finds the lock held and the holder is adopted */
    }
    if (h != NULL) {
        h->restarts = h->restarts + 1;
    }
    ScheduleLaunch(c, healthy);
    if (healthy) {
        /* As a healthy cold relaunch would: a promoted listener that dies young starts the back-off afresh. */
        c->pause_ms = 0;
    }
    delay = RefillAfterFailover(c);
    IpcPrint(L"Listener (pid %lu) exited with code %lu%ls after %lu ms; the standby listener (pid %lu) takes over from "
             L"pid %lu; the next standby in %lu ms",
             (unsigned long)old_pid, (unsigned long)exit_code, IpcExitCodeMeaning(exit_code), (unsigned long)ran_ms,
             (unsigned long)pid, (unsigned long)old_pid, (unsigned long)delay);
    return TRUE;
}

void StandbyExited(Controller *c, BOOL stopping)
{
    DWORD pid = c->standby_pid;
    ULONGLONG ran64 = GetTickCount64() - c->standby_tick;
    DWORD ran_ms = ran64 > 0xFFFFFFFFu ? 0xFFFFFFFFu : (DWORD)ran64;
    DWORD exit_code = STILL_ACTIVE;
    ULONGLONG ready;
    BOOL healthy;
    HANDLE process;

    NoteReady(c);
    ready = c->standby_ready_tick;
    process = Unwatch(c);
    ReapRetired(c, FALSE);
    if (process == NULL) {
        return;
    }
    if (!GetExitCodeProcess(process, &exit_code)) {
        exit_code = STILL_ACTIVE;
    }
    IpcHandleClose(&process);
    ClearFields(c, pid);
    if (stopping) {
        IpcPrint(L"Standby listener (pid %lu) exited with code %lu", (unsigned long)pid, (unsigned long)exit_code);
        return;
    }
    /*
     * Healthy only once it was waiting, initialised: then it lived
     * HEALTHY_RUN_MS, or exited 0 (retired). A standby that fails during a
     * slow initialisation is not, however long that took: no launch loop.
     */
    healthy = ready != 0 && (exit_code == IPC_EXIT_OK || GetTickCount64() - ready >= HEALTHY_RUN_MS);
    ScheduleLaunch(c, healthy);
    IpcPrint(L"Standby listener (pid %lu) exited with code %lu%ls after %lu ms; next standby in %lu ms",
             (unsigned long)pid, (unsigned long)exit_code, IpcExitCodeMeaning(exit_code), (unsigned long)ran_ms,
             (unsigned long)c->standby_pause_ms);
}

void StandbyRelease(Controller *c)
{
    HANDLE process = Unwatch(c);

    IpcHandleClose(&process);
    ReapRetired(c, TRUE);
    IpcHandleClose(&c->standby_event);
}
