/*
 * restart_request.c - the supervising controller's side of --restart: the
 * event NAME|restart that --restart signals, asking the active listener to
 * finish its unit and exit, and relaunching it at once when it has.
 *
 * A listener of ours reads restart_pid in the header between units and exits
 * when it names its own pid; the request names it alone, so a standby and the
 * controller go on. A listener of the C# sample reads nothing but offset 0, so
 * it can only be asked by the close message: the controller writes the -1
 * itself, remembers that the exit is a restart, and clears the -1 again
 * before relaunching, so the stop does not outlive the listener it was for.
 *
 * With --standby the restart has no gap: the standby, which runs the listener
 * file as it was when it started, is retired, a fresh one is launched from
 * the file as it is now, and only once it waits for the lock is the active
 * listener asked to go; the standby takes the lock the moment it lets go.
 */
#include "controller.h"
#include "eventlog.h"
#include "ipc_console.h"
#include "ipc_error.h"
#include "ipc_exit.h"
#include "ipc_layout.h"
#include "ipc_mapping.h"
#include "ipc_name.h"
#include "ipc_named.h"
#include "ipc_text.h"

/* How often a restart looks whether its fresh standby waits yet (the standby signals nothing). */
#define RESTART_STANDBY_POLL_MS 10u

int RestartEventCreate(Controller *c)
{
    wchar_t event_name[MAX_PATH];
    DWORD code;

    /*
     * Auto-reset: each --restart is one request, consumed by the wait that
     * sees it. Created after the controller lock, like NAME|stop, so an
     * existing one was left by a --restart that is still waiting (ours) or
     * planted by someone else, which the owner check refuses.
     */
    code = IpcNamedEventCreate(c->opt->name, IPC_SUFFIX_RESTART_EVENT, FALSE, &c->restart_event);
    if (code != ERROR_SUCCESS) {
        IpcDerivedName(c->opt->name, IPC_SUFFIX_RESTART_EVENT, event_name, MAX_PATH);
        return IpcFailName(L"CreateEventW", code, event_name, L"event");
    }
    /* A request signalled before this controller supervised anything is not one for the listener it adopts. */
    WaitForSingleObject(c->restart_event, 0);
    return IPC_EXIT_OK;
}

void RestartAdoptPending(Controller *c)
{
    volatile IpcHeader *h = IpcMappingHeader(&c->map);
    uint32_t pending;

    if (h == NULL) {
        return;
    }
    pending = h->restart_pid;
    if (pending == 0) {
        return;
    }
    if (c->process != NULL && pending == c->pid) {
        c->restart_pid = c->pid;
        c->restart_stop_requests = h->stop_requests;
        IpcPrint(L"A restart of the listener (pid %lu) is pending; relaunching it when it exits",
                 (unsigned long)c->pid);
        return;
    }
    InterlockedCompareExchange((volatile LONG *)&h->restart_pid, 0, (LONG)pending);
}

/* TRUE when a stop is under way or pending: a restart then has nothing to do. */
static BOOL StopUnderWay(const Controller *c)
{
    volatile IpcHeader *h = IpcMappingHeader(&c->map);

    return c->shutting_down || c->stop_seen || IpcMappingReadMessage(&c->map) == IPC_CLOSE_MESSAGE ||
           (h != NULL && h->stop_requests != h->stop_acked);
}

/*
 * TRUE when the running listener reads our header: every listener of ours
 * owns NAME's listener lock for its life; a listener of the C# sample, even
 * one our controller launched into our header, owns nothing.
 */
static BOOL ListenerReadsHeader(const Controller *c)
{
    BOOL held = FALSE;

    return IpcMappingHeader(&c->map) != NULL &&
           IpcNamedMutexHeld(c->opt->name, IPC_SUFFIX_LISTENER_MUTEX, &held, NULL) == ERROR_SUCCESS && held;
}

/* Asks the active listener to finish its unit and exit: restart_pid in our header names it alone. */
static void AskListener(Controller *c)
{
    volatile IpcHeader *h = IpcMappingHeader(&c->map);

    h->restart_pid = c->pid;
    if (c->standby != NULL) {
        IpcPrint(L"Restart requested: the listener (pid %lu) finishes its unit and exits; the standby (pid %lu) "
                 L"takes over then",
                 (unsigned long)c->pid, (unsigned long)c->standby_pid);
    } else {
        IpcPrint(L"Restart requested: the listener (pid %lu) finishes its unit and exits; relaunching it then",
                 (unsigned long)c->pid);
    }
}

void OnRestartRequest(Controller *c)
{
    volatile IpcHeader *h = IpcMappingHeader(&c->map);
    LONG seen;

    /* Auto-reset already; an event of the same owner created manual-reset must not spin the loop. */
    ResetEvent(c->restart_event);
    if (StopUnderWay(c)) {
        IpcPrint(L"Restart requested while a stop is under way; not restarting");
        return;
    }
    if (c->process == NULL) {
        if (c->relaunch_tick != 0) {
            IpcPrint(L"Restart requested while the listener is down; relaunching now");
            c->relaunch_tick = GetTickCount64();
        } else {
            IpcPrint(L"Restart requested, but no listener runs and no relaunch is due; nothing to restart");
        }
        return;
    }
    if (c->restart_pid == c->pid) {
        IpcPrint(L"Restart requested: a restart of the listener (pid %lu) is already pending", (unsigned long)c->pid);
        return;
    }
    if (ListenerReadsHeader(c)) {
        c->restart_stop_requests = h->stop_requests;
        c->restart_by_close = FALSE;
        c->restart_pid = c->pid;
        c->restart_standby = c->opt->standby ? StandbyRenew(c) : 0;
        if (c->restart_standby != 0) {
            IpcPrint(L"Restart requested: the listener (pid %lu) is asked to go once the fresh standby (pid %lu), "
                     L"started from the listener file as it is now, waits",
                     (unsigned long)c->pid, (unsigned long)c->restart_standby);
            return;
        }
        AskListener(c);
        return;
    }
    /*
     * The C# sample's listener: only the close message reaches it. Written
     * over its own pid alone (a -1 already there is somebody's stop) and not
     * counted in stop_requests, since it is cleared again by this controller.
     */
    seen = IpcMappingCompareExchangeMessage(&c->map, IPC_CLOSE_MESSAGE, (LONG)c->pid);
    if (seen != (LONG)c->pid) {
        IpcPrint(L"Restart requested, but offset 0 of '%ls' holds %ld, not the listener's pid %lu; not restarting",
                 c->opt->name, (long)seen, (unsigned long)c->pid);
        return;
    }
    c->restart_stop_requests = h != NULL ? h->stop_requests : 0;
    c->restart_by_close = TRUE;
    c->restart_pid = c->pid;
    IpcPrint(L"Restart requested: sent the close message to the listener (pid %lu), which reads only that (the C# "
             L"sample's format); relaunching it when it exits",
             (unsigned long)c->pid);
}

/*
 * Clears the -1 this controller wrote for a restart. A --stop that came
 * meanwhile may have written its own -1 over ours, and in the C# sample's
 * format the two look alike: a stop counts itself in the header's
 * stop_requests and signals NAME|stop after writing, so either of those
 * makes the -1 a stop, which is put back. Returns FALSE for a stop.
 */
static BOOL ClearRestartClose(Controller *c)
{
    volatile IpcHeader *h = IpcMappingHeader(&c->map);

    IpcMappingCompareExchangeMessage(&c->map, 0, IPC_CLOSE_MESSAGE);
    if ((h != NULL && h->stop_requests != c->restart_stop_requests) ||
        WaitForSingleObject(c->stop_event, 0) == WAIT_OBJECT_0) {
        IpcMappingCompareExchangeMessage(&c->map, IPC_CLOSE_MESSAGE, 0);
        return FALSE;
    }
    return TRUE;
}

BOOL RestartExitHandled(Controller *c, DWORD pid, DWORD exit_code, DWORD ran_ms)
{
    volatile IpcHeader *h = IpcMappingHeader(&c->map);
    BOOL by_close = c->restart_by_close;
    BOOL asked = c->restart_pid != 0 && c->restart_pid == pid;

    /* Whatever ended it, a restart_pid naming a process that is gone is cleared: Windows reuses pids. */
    if (h != NULL) {
        InterlockedCompareExchange((volatile LONG *)&h->restart_pid, 0, (LONG)pid);
    }
    if (!asked) {
        return FALSE;
    }
    c->restart_pid = 0;
    c->restart_by_close = FALSE;
    c->restart_standby = 0;
    if (by_close) {
        if (c->stop_seen || !ClearRestartClose(c)) {
            return FALSE;
        }
    } else if (StopUnderWay(c)) {
        return FALSE;
    }
    /* The standby has the lock already, or gets it the moment it is ready: nothing to launch. */
    if (c->standby != NULL && StandbyTakeOver(c, pid, exit_code, ran_ms, TRUE)) {
        IpcEventLogExited(pid, exit_code, ran_ms, 0);
        return TRUE;
    }
    /* A relaunch now, as after a healthy run, counted by Relaunch as a restart. */
    c->pause_ms = 0;
    c->relaunch_tick = GetTickCount64();
    c->launched_once = TRUE;
    if (h != NULL) {
        IpcHeaderWrite64(&h->next_relaunch, 0);
    }
    IpcEventLogExited(pid, exit_code, ran_ms, 0);
    IpcPrint(L"Listener (pid %lu) exited with code %lu%ls after %lu ms for a restart (--restart); relaunching now",
             (unsigned long)pid, (unsigned long)exit_code, IpcExitCodeMeaning(exit_code), (unsigned long)ran_ms);
    return TRUE;
}

void RestartTick(Controller *c)
{
    volatile IpcHeader *h = IpcMappingHeader(&c->map);
    DWORD fresh = c->restart_standby;

    if (fresh == 0) {
        return;
    }
    /* The listener went meanwhile (RestartExitHandled has cleared this then), or a stop came: nothing to ask. */
    if (h == NULL || c->process == NULL || c->restart_pid != c->pid || StopUnderWay(c)) {
        c->restart_standby = 0;
        return;
    }
    if (c->standby_pid == fresh && !(h->standby_pid == fresh && h->standby_state == IPC_STANDBY_WAITING)) {
        return; /* still initialising */
    }
    c->restart_standby = 0;
    if (c->standby_pid != fresh) {
        IpcPrint(L"The fresh standby (pid %lu) exited before it was ready; restarting the listener without it",
                 (unsigned long)fresh);
    }
    AskListener(c);
}

DWORD RestartWaitMs(const Controller *c, DWORD timeout)
{
    return c->restart_standby != 0 && timeout > RESTART_STANDBY_POLL_MS ? RESTART_STANDBY_POLL_MS : timeout;
}
