/*
 * stop.c - ConsoleAppController --stop NAME: the C# sample's
 * WantProcessToShutDown from another process, then a wait for the listener to
 * finish its unit and exit (and, with --force, its termination at the
 * timeout), and for its controller to exit too.
 */
#include "controller.h"
#include "ipc_args.h"
#include "ipc_console.h"
#include "ipc_error.h"
#include "ipc_exit.h"
#include "ipc_handle.h"
#include "ipc_layout.h"
#include "ipc_mapping.h"
#include "ipc_name.h"
#include "ipc_process.h"
#include "ipc_text.h"

/* How often a stop looks at the header for a listener that waits for Enter. */
#define WAITING_POLL_MS 100

/* The listener pid has stopped and waits for Enter in its console (it said so in the header). */
static BOOL WaitsForEnter(const IpcMapping *m, DWORD pid)
{
    IpcHeader h;
    return m != NULL && IpcMappingClassify(m, &h, NULL) == IPC_LAYOUT_OURS && h.listener_pid == pid &&
           h.state == IPC_STATE_WAITING_FOR_ENTER;
}

/*
 * Waits for a verified process until the deadline. Returns ERROR_SUCCESS when it
 * exited (its exit code in *exit_code), WAIT_TIMEOUT when it did not, and
 * ERROR_BUSY when m is given and the header says that listener pid has
 * stopped and only waits for Enter in its console.
 */
static DWORD WaitUntilOrEnter(HANDLE process, const IpcMapping *m, DWORD pid, ULONGLONG deadline, DWORD *exit_code)
{
    ULONGLONG now = GetTickCount64();
    DWORD ms = deadline > now ? (DWORD)(deadline - now) : 0;
    DWORD r;

    for (;;) {
        if (WaitsForEnter(m, pid)) {
            return ERROR_BUSY;
        }
        r = WaitForSingleObject(process, m != NULL && ms > WAITING_POLL_MS ? WAITING_POLL_MS : ms);
        if (r != WAIT_TIMEOUT) {
            break;
        }
        now = GetTickCount64();
        if (now >= deadline) {
            return WaitsForEnter(m, pid) ? ERROR_BUSY : WAIT_TIMEOUT;
        }
        ms = (DWORD)(deadline - now);
    }
    if (r != WAIT_OBJECT_0) {
        return GetLastError();
    }
    if (!GetExitCodeProcess(process, exit_code)) {
        *exit_code = STILL_ACTIVE;
    }
    return ERROR_SUCCESS;
}

/* Waits for a verified process until the deadline (see WaitUntilOrEnter, without the header). */
static DWORD WaitUntil(HANDLE process, ULONGLONG deadline, DWORD *exit_code)
{
    return WaitUntilOrEnter(process, NULL, 0, deadline, exit_code);
}

/*
 * Signals NAME|stop, so that the controller supervising name stops even
 * during a pause, and one that is starting stops before it launches anything
 * (supervise_start.c). The event is created when no controller holds it yet
 * (manual-reset, private), and *event keeps it, signalled, until --stop ends.
 * Returns IPC_EXIT_OK, or the exit code of the problem it printed (a
 * squatted name).
 */
static int WakeController(const wchar_t *name, HANDLE *event)
{
    return SignalCompanionEvent(name, IPC_SUFFIX_STOP_EVENT, TRUE, event);
}

/*
 * A controller that holds NAME|controller but is not named in the header yet
 * (it is starting): *lock receives that mutex, to wait on; NULL when no
 * controller holds it (IpcNamedMutexHeld lets go at once of a lock it finds free).
 */
static void FindStartingController(const wchar_t *name, HANDLE *lock)
{
    BOOL held = FALSE;

    if (IpcNamedMutexHeld(name, IPC_SUFFIX_CONTROLLER_MUTEX, &held, lock) != ERROR_SUCCESS) {
        *lock = NULL;
    }
}

/*
 * How long a --stop that finds nothing holds its signalled stop event for a
 * controller that may be starting: one whose process exists but has not yet
 * taken its lock, and so cannot be seen. A controller that takes its lock in
 * that time finds the event signalled and exits without launching, and this
 * --stop waits for it; after it, a stop found nothing, as before a start.
 */
#define STOP_START_GRACE_MS 2000u

/* FindStartingController, tried again until a controller shows up or the grace time is over. */
static void AwaitStartingController(const wchar_t *name, HANDLE *lock)
{
    ULONGLONG until = GetTickCount64() + STOP_START_GRACE_MS;

    for (;;) {
        FindStartingController(name, lock);
        if (*lock != NULL || GetTickCount64() >= until) {
            return;
        }
        Sleep(10);
    }
}

/*
 * Waits until the deadline for the starting controller that holds lock to
 * end: Windows releases (abandons) the mutex when it exits. Returns the exit code.
 */
static int WaitForStartingController(const IpcControllerOptions *opt, HANDLE lock, ULONGLONG deadline)
{
    ULONGLONG now = GetTickCount64();
    DWORD r;
    DWORD code;

    IpcPrint(L"A controller for '%ls' is starting; waiting for it to see the stop and exit", opt->name);
    r = WaitForSingleObject(lock, deadline > now ? (DWORD)(deadline - now) : 0);
    if (r == WAIT_TIMEOUT) {
        return IpcFail(IPC_EXIT_STOP_TIMEOUT, L"the controller for '%ls' did not exit within %lu ms.", opt->name,
                       opt->timeout_ms);
    }
    if (r != WAIT_OBJECT_0 && r != WAIT_ABANDONED) {
        code = GetLastError();
        return IpcFailWin32(L"WaitForSingleObject", code, L"cannot wait for the controller of '%ls'", opt->name);
    }
    ReleaseMutex(lock);
    IpcPrint(L"The controller for '%ls' exited", opt->name);
    return IPC_EXIT_OK;
}

/*
 * Waits for the listener until the deadline; with --force terminates it then.
 * Returns IPC_EXIT_OK (exited) or IPC_EXIT_STOP_FORCED (terminated), after
 * moving *deadline on to give the controller a moment; otherwise the exit code
 * of the problem it printed.
 */
static int WaitForListener(const IpcControllerOptions *opt, const IpcMapping *m, HANDLE listener, DWORD pid,
                           ULONGLONG *deadline)
{
    DWORD exit_code = 0;
    BOOL forced = FALSE;
    wchar_t why[IPC_ERROR_TEXT_MAX];
    DWORD code = WaitUntilOrEnter(listener, m, pid, *deadline, &exit_code);

    if (code == ERROR_BUSY) {
        /* Like the C# sample's listener started by hand: its work is done, only its console waits. */
        IpcPrint(L"The listener (pid %lu) finished its unit and stopped; it waits for Enter in its console",
                 (unsigned long)pid);
        return IPC_EXIT_OK;
    }

    if (code == WAIT_TIMEOUT && opt->force) {
        /*
         * Only a process proven to be the listener is ever terminated, and the
         * right to terminate it is asked for only now: a refused right means
         * nothing was killed, which is the timeout's exit code.
         */
        if (IpcProcessTerminateVerified(listener, TERMINATED_EXIT_CODE, why, ARRAYSIZE(why)) != ERROR_SUCCESS) {
            return IpcFail(IPC_EXIT_STOP_TIMEOUT,
                           L"the listener (pid %lu) did not exit within %lu ms and cannot be terminated: %ls; nothing "
                           L"was killed.",
                           (unsigned long)pid, opt->timeout_ms, why);
        }
        IpcPrint(L"The listener (pid %lu) did not exit within %lu ms; terminated it (--force)", (unsigned long)pid,
                 opt->timeout_ms);
        forced = TRUE;
        /* Leave the controller a moment to see the exit and stop too. */
        *deadline = GetTickCount64() + 5000;
        code = WaitUntil(listener, *deadline, &exit_code);
    }
    if (code == WAIT_TIMEOUT) {
        return IpcFail(IPC_EXIT_STOP_TIMEOUT,
                       L"the listener (pid %lu) did not exit within %lu ms; it may still be finishing its unit of work.",
                       (unsigned long)pid, opt->timeout_ms);
    }
    if (code != ERROR_SUCCESS) {
        return IpcFailWin32(L"WaitForSingleObject", code, L"cannot wait for the listener (pid %lu)", (unsigned long)pid);
    }
    IpcPrint(L"Listener (pid %lu) exited with code %lu", (unsigned long)pid, (unsigned long)exit_code);
    return forced ? IPC_EXIT_STOP_FORCED : IPC_EXIT_OK;
}

/*
 * Waits until the deadline for the standby listener, which exits without a
 * unit once the active listener has let go of the lock and it sees the stop.
 * Returns IPC_EXIT_OK, or IPC_EXIT_STOP_TIMEOUT after saying so.
 */
static int WaitForStandby(const IpcControllerOptions *opt, HANDLE standby, DWORD pid, ULONGLONG deadline)
{
    DWORD exit_code = 0;
    DWORD code = WaitUntil(standby, deadline, &exit_code);

    if (code == WAIT_TIMEOUT) {
        return IpcFail(IPC_EXIT_STOP_TIMEOUT, L"the standby listener (pid %lu) did not exit within %lu ms.",
                       (unsigned long)pid, opt->timeout_ms);
    }
    if (code != ERROR_SUCCESS) {
        return IpcFailWin32(L"WaitForSingleObject", code, L"cannot wait for the standby listener (pid %lu)",
                            (unsigned long)pid);
    }
    IpcPrint(L"Standby listener (pid %lu) exited with code %lu", (unsigned long)pid, (unsigned long)exit_code);
    return IPC_EXIT_OK;
}

int RunStop(const IpcControllerOptions *opt)
{
    int rc;
    IpcMapping m = {0};
    IpcHeader hdr;
    IpcLayoutKind kind;
    DWORD code;
    LONG before;
    DWORD listener_pid = 0;
    HANDLE listener = NULL;
    HANDLE controller = NULL;
    HANDLE standby = NULL;
    HANDLE event = NULL;
    HANDLE lock = NULL;
    DWORD exit_code = 0;
    wchar_t reason[IPC_ERROR_TEXT_MAX];
    wchar_t name[MAX_PATH];
    ULONGLONG deadline = GetTickCount64() + opt->timeout_ms;

    rc = OpenForQuery(opt->name, &m, &hdr, &kind, name, MAX_PATH);
    if (rc == IPC_EXIT_NOT_RUNNING) {
        /* No mapping yet, but a controller may be starting: it sees the event, and we wait for it. */
        rc = WakeController(opt->name, &event);
        if (rc != IPC_EXIT_OK) {
            goto cleanup;
        }
        AwaitStartingController(opt->name, &lock);
        if (lock != NULL) {
            rc = WaitForStartingController(opt, lock, deadline);
            goto cleanup;
        }
        IpcPrint(L"No listener named '%ls' is running; nothing to stop", opt->name);
        goto cleanup;
    }
    if (rc != IPC_EXIT_OK) {
        goto cleanup;
    }

    /* The mapping first, then the event, then the lock: the reverse of a starting controller's order. */
    before = IpcMappingSendClose(&m);
    IpcPrint(L"Sent message to shut down");
    rc = WakeController(name, &event);
    if (rc != IPC_EXIT_OK) {
        goto cleanup;
    }

    /* Which listener to wait for: the pid we replaced, or (a stop already pending) the header's. */
    if (before > 0) {
        listener_pid = (DWORD)before;
    } else if (kind == IPC_LAYOUT_OURS && hdr.state != IPC_STATE_STOPPED) {
        /* Also one that waits for Enter: WaitForListener says so at once. */
        listener_pid = hdr.listener_pid;
    }
    if (listener_pid != 0) {
        /* Never wait on (or later kill) a process we have not identified. */
        code = OpenQueriedListener(opt, name, &hdr, kind, listener_pid, &listener, reason, IPC_ERROR_TEXT_MAX);
        if (code != ERROR_SUCCESS) {
            IpcPrint(L"Not waiting for pid %lu: %ls", (unsigned long)listener_pid, reason);
        }
    }
    /* The standby is opened now, while the header still names it: it clears its fields when it takes the lock. */
    if (kind == IPC_LAYOUT_OURS && hdr.standby_pid != 0 &&
        OpenQueriedStandby(opt, name, &hdr, &standby, reason, IPC_ERROR_TEXT_MAX) != ERROR_SUCCESS) {
        IpcPrint(L"Not waiting for the standby pid %lu: %ls", (unsigned long)hdr.standby_pid, reason);
    }
    OpenQueriedController(&hdr, kind, &controller);
    if (listener == NULL && controller == NULL && standby == NULL) {
        AwaitStartingController(name, &lock);
        if (lock != NULL) {
            rc = WaitForStartingController(opt, lock, deadline);
            goto cleanup;
        }
        IpcPrint(L"No listener is running for '%ls'; the close message is recorded", name);
        goto cleanup;
    }

    if (listener != NULL) {
        rc = WaitForListener(opt, &m, listener, listener_pid, &deadline);
        if (rc != IPC_EXIT_OK && rc != IPC_EXIT_STOP_FORCED) {
            goto cleanup;
        }
    }
    if (standby != NULL) {
        int standby_rc = WaitForStandby(opt, standby, hdr.standby_pid, deadline);
        if (standby_rc != IPC_EXIT_OK) {
            rc = standby_rc;
            goto cleanup;
        }
    }
    if (controller != NULL) {
        code = WaitUntil(controller, deadline, &exit_code);
        if (code == WAIT_TIMEOUT) {
            rc = IpcFail(IPC_EXIT_STOP_TIMEOUT, L"the controller (pid %lu) did not exit within %lu ms.",
                         (unsigned long)hdr.controller_pid, opt->timeout_ms);
            goto cleanup;
        }
        if (code == ERROR_SUCCESS) {
            IpcPrint(L"Controller (pid %lu) exited with code %lu", (unsigned long)hdr.controller_pid,
                     (unsigned long)exit_code);
        }
    }

cleanup:
    IpcHandleClose(&lock);
    IpcHandleClose(&controller);
    IpcHandleClose(&standby);
    IpcHandleClose(&listener);
    IpcHandleClose(&event);
    IpcMappingClose(&m);
    return rc;
}
