/*
 * supervise.c - the supervision loop: it waits, never polls, for the
 * listener's exit, a key, a console control event or --stop; relaunches an
 * exited listener at once after a healthy run and after a pause that doubles
 * otherwise; terminates a listener that makes no progress (--hang-timeout).
 */
#include "controller.h"
#include "eventlog.h"
#include "ipc_console.h"
#include "ipc_error.h"
#include "ipc_exit.h"
#include "ipc_handle.h"
#include "ipc_layout.h"
#include "ipc_mapping.h"
#include "ipc_process.h"
#include "ipc_text.h"
#include "ipc_time.h"
#include "restart_policy.h"

/* What OnListenerExit returns when the controller goes on supervising (otherwise an exit code). */
#define SUPERVISE_ON (-1)

/* The wait callback runs on a thread-pool thread: it only signals; the main thread acts. */
static VOID CALLBACK ListenerExitCallback(PVOID context, BOOLEAN timed_out)
{
    (void)timed_out;
    SetEvent((HANDLE)context);
}

DWORD WatchProcessExit(HANDLE process, HANDLE event, HANDLE *wait)
{
    /*
     * WT_EXECUTEINWAITTHREAD: the callback only calls SetEvent, so it runs on the
     * wait thread itself; the thread pool then needs no worker thread (about a
     * megabyte per controller) and an exit reaches the main loop one thread
     * hand-off sooner.
     */
    if (!RegisterWaitForSingleObject(wait, process, ListenerExitCallback, event, INFINITE,
                                     WT_EXECUTEONLYONCE | WT_EXECUTEINWAITTHREAD)) {
        return GetLastError();
    }
    return ERROR_SUCCESS;
}

DWORD WatchListener(Controller *c, HANDLE process, DWORD pid)
{
    HANDLE wait = NULL;
    DWORD code = WatchProcessExit(process, c->exit_event, &wait);

    if (code != ERROR_SUCCESS) {
        return code;
    }
    c->process = process;
    c->pid = pid;
    c->wait = wait;
    c->started_tick = GetTickCount64();
    c->watched_since = IpcTickNowU64();
    c->hang_terminated = FALSE;
    return ERROR_SUCCESS;
}

/*
 * UnregisterWaitEx with INVALID_HANDLE_VALUE waits for a callback that may
 * still be running, so the handle is not closed under it (libuv does the same).
 */
DWORD UnwatchListener(Controller *c)
{
    DWORD exit_code = STILL_ACTIVE;
    if (c->wait != NULL) {
        UnregisterWaitEx(c->wait, INVALID_HANDLE_VALUE);
        c->wait = NULL;
    }
    if (c->process != NULL && !GetExitCodeProcess(c->process, &exit_code)) {
        exit_code = STILL_ACTIVE;
    }
    IpcHandleClose(&c->process);
    c->pid = 0;
    return exit_code;
}

/* TRUE when someone asked the listener to close: -1 at offset 0, or a stop request not yet consumed. */
static BOOL CloseRequested(const Controller *c)
{
    volatile IpcHeader *h = IpcMappingHeader(&c->map);
    if (IpcMappingReadMessage(&c->map) == IPC_CLOSE_MESSAGE) {
        return TRUE;
    }
    return h != NULL && h->stop_requests != h->stop_acked;
}

/*
 * The C# sample's WantProcessToShutDown. The close message is written unless
 * it is there already (the console control handler writes it at once, from
 * its own thread).
 */
static void SendShutdown(Controller *c)
{
    if (IpcMappingReadMessage(&c->map) != IPC_CLOSE_MESSAGE) {
        IpcMappingSendClose(&c->map);
    }
    c->shutting_down = TRUE;
    c->relaunch_tick = 0;
    IpcPrint(L"Sent message to shut down");
}

/*
 * Sets when the next launch is due: at once after a healthy run, else after a
 * pause that doubles each time (NSSM's throttling; systemd's StartLimitBurst
 * has the same purpose), so a listener that cannot start does not spin.
 */
/*
 * Records in the header when the next relaunch is due (wall time, shown by
 * --status), or 0 when none is pending: at once (pause 0) counts as none.
 */
static void SetNextRelaunch(Controller *c, DWORD pause_ms)
{
    volatile IpcHeader *h = IpcMappingHeader(&c->map);
    if (h != NULL) {
        IpcHeaderWrite64(&h->next_relaunch, pause_ms != 0 ? IpcNowU64() + (uint64_t)pause_ms * 10000u : 0);
    }
}

DWORD BackOffNext(const Controller *c, DWORD pause_ms, BOOL healthy)
{
    DWORD max = (DWORD)c->opt->restart_delay_max_ms;
    if (healthy) {
        return 0;
    }
    if (pause_ms == 0) {
        return (DWORD)c->opt->restart_delay_ms;
    }
    return pause_ms > max / 2 ? max : pause_ms * 2;
}

static void ScheduleRelaunch(Controller *c, BOOL healthy)
{
    c->pause_ms = BackOffNext(c, c->pause_ms, healthy);
    c->relaunch_tick = GetTickCount64() + c->pause_ms;
    SetNextRelaunch(c, c->pause_ms);
}

/*
 * TRUE when the listener that exited ran well enough to be relaunched at once:
 * for HEALTHY_RUN_MS, and not terminated as hung. A hang kill counts as a quick
 * exit, so a --hang-timeout shorter than a unit, which kills every listener,
 * backs off to --restart-delay-max instead of killing one per timeout for ever.
 * A hung listener that had completed units since its start starts the back-off
 * afresh, as a long healthy run would have reset it.
 */
static BOOL ExitWasHealthy(Controller *c, DWORD ran_ms, BOOL progressed)
{
    if (!c->hang_terminated) {
        return ran_ms >= HEALTHY_RUN_MS;
    }
    if (progressed) {
        c->pause_ms = 0;
    }
    return FALSE;
}

void ScheduleLaunchRetry(Controller *c)
{
    ScheduleRelaunch(c, FALSE);
    IpcPrint(L"Trying again in %lu ms", (unsigned long)c->pause_ms);
}

/* Relaunch after a pause; a failure is retried with the same back-off rather than giving up. */
static void Relaunch(Controller *c)
{
    volatile IpcHeader *h = IpcMappingHeader(&c->map);
    BOOL first = !c->launched_once;
    c->relaunch_tick = 0;
    SetNextRelaunch(c, 0);
    if (LaunchListener(c) != ERROR_SUCCESS) {
        ScheduleLaunchRetry(c);
        return;
    }
    if (first) {
        IpcPrint(L"Process launched"); /* the first launch, retried after a failure of the system */
    } else if (h != NULL) {
        h->restarts = h->restarts + 1;
    }
}

/*
 * Handles the listener's exit. Returns the controller's exit code when it is
 * done: IPC_EXIT_OK when it sent the close message itself (and no Enter is
 * awaited) or someone else did, IPC_EXIT_LAUNCH_FAILED when the listener
 * refused its command line; SUPERVISE_ON when it goes on (a relaunch is
 * scheduled, or Enter is awaited).
 */
static int OnListenerExit(Controller *c)
{
    volatile IpcHeader *h = IpcMappingHeader(&c->map);
    DWORD pid = c->pid;
    /* Saturated: an exit after 49 days is healthy whatever the 32-bit count says. */
    ULONGLONG ran_ms64 = GetTickCount64() - c->started_tick;
    DWORD ran_ms = ran_ms64 > 0xFFFFFFFFu ? 0xFFFFFFFFu : (DWORD)ran_ms64;
    /* Read before UnwatchListener forgets the pid: did this listener complete a unit since it was watched? */
    BOOL progressed =
        h != NULL && h->listener_pid == pid && IpcHeaderRead64(&h->last_progress_tick) > c->watched_since;
    DWORD exit_code = UnwatchListener(c);
    int rc;

    IpcPrint(L"Process exited");
    if (h != NULL) {
        h->last_exit_code = exit_code;
    }
    /* A standby takes the lock after the active, sees the stop and exits: the controller waits for it too. */
    if (c->shutting_down || ControlCloseSent()) {
        return c->awaiting_enter || c->standby != NULL ? SUPERVISE_ON : IPC_EXIT_OK;
    }
    /* --restart asked it to go: relaunched at once, whatever the policy and the back-off would say. */
    if (RestartExitHandled(c, pid, exit_code, ran_ms)) {
        return SUPERVISE_ON;
    }
    if (CloseRequested(c) || c->stop_seen) {
        IpcPrint(L"The listener (pid %lu) was stopped by a close message from another process; not relaunching",
                 (unsigned long)pid);
        return c->standby != NULL ? SUPERVISE_ON : IPC_EXIT_OK;
    }
    /*
     * A listener that refuses its command line (our listener's exit code 2)
     * would refuse it again at every relaunch: the back-off would retry it for
     * ever. That is a mistake in the arguments after --, so it ends here.
     */
    if (exit_code == IPC_EXIT_USAGE && ran_ms < HEALTHY_RUN_MS) {
        return IpcFail(IPC_EXIT_LAUNCH_FAILED,
                       L"the listener (pid %lu) rejected its command line (exit code %lu after %lu ms); not "
                       L"relaunching. Check the arguments after -- (ConsoleAppListener --help).",
                       (unsigned long)pid, (unsigned long)exit_code, (unsigned long)ran_ms);
    }
    /*
     * Our listener refused because another one holds NAME (a listener started
     * at the same moment won it): relaunching would meet the same refusal, so
     * the winner is adopted instead.
     */
    if (exit_code == IPC_EXIT_LISTENER_RUNNING && ran_ms < HEALTHY_RUN_MS) {
        rc = AdoptNameHolder(c, pid);
        if (rc != IPC_EXIT_OK || c->shutting_down) {
            return rc;
        }
        return SUPERVISE_ON;
    }
    /* NAME or a companion object is held by something that is not a listener's: every launch would meet it. */
    if (exit_code == IPC_EXIT_NAME_IN_USE && ran_ms < HEALTHY_RUN_MS) {
        return IpcFail(IPC_EXIT_NAME_IN_USE,
                       L"the listener (pid %lu) exited with code %lu after %lu ms: '%ls' or one of its companion "
                       L"objects is held by an object that is not a listener's (its message says which); not "
                       L"relaunching.",
                       (unsigned long)pid, (unsigned long)exit_code, (unsigned long)ran_ms, c->opt->name);
    }
    /* --no-restart-exit-codes and --start-limit may end supervision here instead. */
    if (!RestartPolicyAllows(c, pid, exit_code, ran_ms, &rc)) {
        if (c->standby == NULL) {
            return rc;
        }
        /* The standby would take over by itself: the close message makes it exit without a unit. */
        c->final_rc = rc;
        SendShutdown(c);
        return SUPERVISE_ON;
    }
    /* With a standby, no process is started: it has the lock already, or gets it the moment it is ready. */
    if (StandbyTakeOver(c, pid, exit_code, ran_ms, ExitWasHealthy(c, ran_ms, progressed))) {
        IpcEventLogExited(pid, exit_code, ran_ms, 0);
        return SUPERVISE_ON;
    }
    ScheduleRelaunch(c, ExitWasHealthy(c, ran_ms, progressed));
    IpcEventLogExited(pid, exit_code, ran_ms, c->pause_ms);
    if (c->hang_terminated) {
        IpcPrint(L"Listener (pid %lu) exited with code %lu after %lu ms, terminated as hung; relaunching in %lu ms%ls",
                 (unsigned long)pid, (unsigned long)exit_code, (unsigned long)ran_ms, (unsigned long)c->pause_ms,
                 progressed ? L""
                            : L" (it completed no unit of work: is --hang-timeout shorter than one unit?)");
    } else if (c->pause_ms == 0) {
        IpcPrint(L"Listener (pid %lu) exited with code %lu%ls after %lu ms; relaunching now", (unsigned long)pid,
                 (unsigned long)exit_code, IpcExitCodeMeaning(exit_code), (unsigned long)ran_ms);
    } else {
        IpcPrint(L"Listener (pid %lu) exited with code %lu%ls after %lu ms (less than %lu ms); relaunching in %lu ms",
                 (unsigned long)pid, (unsigned long)exit_code, IpcExitCodeMeaning(exit_code), (unsigned long)ran_ms,
                 (unsigned long)HEALTHY_RUN_MS, (unsigned long)c->pause_ms);
    }
    return SUPERVISE_ON;
}

/*
 * How long until the running listener counts as hung (--hang-timeout): measured
 * from its last completed unit, or from when we started watching it, on the
 * unbiased interrupt time (IpcTickNowU64), so neither a clock that is set nor
 * a sleep of the machine moves it; the wall-clock last_progress is not read. Returns
 * INFINITE when hang detection is off, no listener runs, it is already being
 * terminated, or a close was requested (a listener finishing a long last unit is
 * not hung; --stop --force is for that), 0 when it is hung.
 */
static DWORD HangDueMs(const Controller *c)
{
    volatile IpcHeader *h = IpcMappingHeader(&c->map);
    uint64_t last = c->watched_since;
    uint64_t now = IpcTickNowU64();
    uint64_t idle_ms;
    uint64_t progress;

    if (c->opt->hang_timeout_ms == 0 || c->process == NULL || h == NULL || c->hang_terminated ||
        c->shutting_down || CloseRequested(c)) {
        return INFINITE;
    }
    progress = IpcHeaderRead64(&h->last_progress_tick);
    /* Units but no tick: a listener built before the field, whose progress cannot be timed; it is not killed. */
    if (progress == 0 && IpcHeaderRead64(&h->units) != 0 && h->listener_pid == c->pid) {
        return INFINITE;
    }
    if (h->listener_pid == c->pid && progress > last) {
        last = progress;
    }
    idle_ms = now > last ? (now - last) / 10000u : 0;
    return idle_ms >= c->opt->hang_timeout_ms ? 0 : (DWORD)(c->opt->hang_timeout_ms - idle_ms);
}

/* Terminates a listener that made no progress; its exit then goes through OnListenerExit and is relaunched. */
static void TerminateHung(Controller *c)
{
    wchar_t why[IPC_ERROR_TEXT_MAX];

    IpcPrint(L"Listener (pid %lu) completed no unit of work for %lu ms (--hang-timeout); terminating it",
             (unsigned long)c->pid, c->opt->hang_timeout_ms);
    c->hang_terminated = TRUE;
    IpcEventLogHung(c->pid, c->opt->hang_timeout_ms);
    /* The right to terminate is asked for now, not when the listener was adopted (least rights). */
    if (IpcProcessTerminateVerified(c->process, TERMINATED_EXIT_CODE, why, ARRAYSIZE(why)) != ERROR_SUCCESS) {
        IpcFail(IPC_EXIT_FAILURE, L"cannot terminate the hung listener (pid %lu): %ls; it stays supervised.",
                (unsigned long)c->pid, why);
        /* Do not try again at once: look again after another full timeout. */
        c->hang_terminated = FALSE;
        c->watched_since = IpcTickNowU64();
    }
}

/* How often a stopping controller looks for an adopted listener that waits for Enter in its own console. */
#define WAITING_POLL_MS 100

/*
 * A listener started by hand that this controller adopted stops on the close
 * message and then waits for Enter in its console: its process lives on, but
 * its header says so, and it will do no more work.
 */
static BOOL ListenerWaitsForEnter(const Controller *c)
{
    volatile IpcHeader *h = IpcMappingHeader(&c->map);
    return c->process != NULL && h != NULL && h->listener_pid == c->pid && h->state == IPC_STATE_WAITING_FOR_ENTER;
}

/* How long the loop may wait: until a listener would count as hung, or a pending relaunch is due. */
static DWORD WaitTimeout(const Controller *c)
{
    DWORD timeout = c->shutting_down ? INFINITE : HangDueMs(c);
    if (c->process != NULL && (c->shutting_down || c->stop_seen || CloseRequested(c)) && timeout > WAITING_POLL_MS) {
        timeout = WAITING_POLL_MS;
    }
    if (c->relaunch_tick != 0) {
        ULONGLONG now = GetTickCount64();
        DWORD due = c->relaunch_tick > now ? (DWORD)(c->relaunch_tick - now) : 0;
        timeout = due < timeout ? due : timeout;
    }
    return timeout;
}

/*
 * --stop signalled NAME|stop. It wrote the close message itself, unless this
 * controller cleared it as stale just before (a stop that raced our start):
 * the listener must get it all the same. The event is manual-reset and stays
 * signalled, so it is not waited on again.
 */
static void OnStopEvent(Controller *c)
{
    c->stop_seen = TRUE;
    c->relaunch_tick = 0;
    if (!CloseRequested(c)) {
        IpcMappingSendClose(&c->map);
    }
}

/* TRUE when a stop is under way: ours, a console event, --stop, or a close message from anyone. */
static BOOL Stopping(const Controller *c)
{
    return c->shutting_down || ControlCloseSent() || c->stop_seen || CloseRequested(c);
}

int Supervise(Controller *c)
{
    HANDLE handles[6];
    DWORD count;
    DWORD stop_index;
    DWORD exit_index;
    DWORD standby_index;
    DWORD restart_index;
    DWORD in_index;
    DWORD r;
    DWORD code;
    int rc;
    HANDLE in = GetStdHandle(STD_INPUT_HANDLE);

    for (;;) {
        /* Stops first: when the listener exit and a stop are both signalled, the stop explains the exit. */
        count = 0;
        handles[count++] = c->ctrl_event;
        stop_index = c->stop_seen ? MAXDWORD : count;
        if (!c->stop_seen) {
            handles[count++] = c->stop_event;
        }
        exit_index = count;
        handles[count++] = c->exit_event;
        standby_index = count;
        handles[count++] = c->standby_event;
        restart_index = count;
        handles[count++] = c->restart_event;
        /*
         * The console input handle stays signalled while input is unread, so it is
         * waited on only while a key means something: before a stop (any key) and at
         * "Hit Enter to close". After a Ctrl+C nothing reads the input, and a key
         * typed then would turn this loop into a busy spin until the listener exits.
         */
        in_index = MAXDWORD;
        if (c->interactive && (!c->shutting_down || c->awaiting_enter)) {
            in_index = count;
            handles[count++] = in;
        }
        StandbyTick(c, Stopping(c));
        RestartTick(c);
        r = WaitForMultipleObjects(count, handles, FALSE,
                                   RestartWaitMs(c, StandbyWaitMs(c, Stopping(c), WaitTimeout(c))));
        if (r == WAIT_TIMEOUT) {
            if (ListenerWaitsForEnter(c)) {
                IpcPrint(L"The listener (pid %lu) finished its unit and stopped; it waits for Enter in its console",
                         (unsigned long)c->pid);
                UnwatchListener(c);
                if (!c->awaiting_enter && c->standby == NULL) {
                    return IPC_EXIT_OK;
                }
            } else if (c->process != NULL) {
                if (HangDueMs(c) == 0) {
                    TerminateHung(c);
                }
            } else if (c->relaunch_tick != 0 && GetTickCount64() >= c->relaunch_tick) {
                if (CloseRequested(c)) {
                    IpcPrint(L"A close message arrived while the listener was down; not relaunching");
                    return IPC_EXIT_OK;
                }
                Relaunch(c);
            }
        } else if (r == WAIT_OBJECT_0 + exit_index) {
            rc = OnListenerExit(c);
            if (rc != SUPERVISE_ON) {
                return rc;
            }
        } else if (r == WAIT_OBJECT_0 + standby_index) {
            StandbyExited(c, Stopping(c));
            /* The last of the two gone in a stop: the controller ends as the active listener's exit would end it. */
            if (c->process == NULL && c->relaunch_tick == 0 && Stopping(c) && !c->awaiting_enter) {
                return c->final_rc;
            }
        } else if (r == WAIT_OBJECT_0) {
            ResetEvent(c->ctrl_event);
            if (!c->shutting_down) {
                /* The handler wrote the close message, unless it came before the mapping was open. */
                IpcPrint(L"Console control event received");
                c->awaiting_enter = FALSE;
                SendShutdown(c);
            }
            if (c->process == NULL && c->standby == NULL) {
                return IPC_EXIT_OK;
            }
            /* A second Ctrl+C does not abandon the unit in progress: we still wait for the listener. */
        } else if (stop_index != MAXDWORD && r == WAIT_OBJECT_0 + stop_index) {
            OnStopEvent(c);
            if (c->process == NULL && c->standby == NULL) {
                IpcPrint(L"A close message arrived while the listener was down; not relaunching");
                return IPC_EXIT_OK;
            }
        } else if (r == WAIT_OBJECT_0 + restart_index) {
            OnRestartRequest(c);
        } else if (in_index != MAXDWORD && r == WAIT_OBJECT_0 + in_index) {
            if (!c->shutting_down) {
                if (IpcConsoleTakeKey(in, FALSE)) {
                    SendShutdown(c);
                    c->awaiting_enter = TRUE;
                    IpcPrint(L"Hit Enter to close");
                }
            } else if (c->awaiting_enter && IpcConsoleTakeKey(in, TRUE)) {
                return IPC_EXIT_OK;
            }
        } else {
            code = GetLastError();
            return IpcFailWin32(L"WaitForMultipleObjects", code, L"the supervision loop failed");
        }
    }
}
