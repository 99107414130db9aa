/*
 * console_control.c - Ctrl+C, Ctrl+Break, closing the console window, log-off
 * and shutdown: each sends the listener the close message, at once, from the
 * handler's own thread, and wakes the supervision loop.
 *
 * A console control handler has no context argument, so what it needs is
 * kept here, in globals set up once by the supervisor.
 */
#include "controller.h"

#include "ipc_layout.h"
#include "ipc_mapping.h"

/* Signalled by the handler; the supervision loop then reports the stop. */
static HANDLE g_ctrl_event = NULL;
/*
 * The mapping the handler writes -1 into. The handler runs on a thread of its
 * own, so it holds g_view_lock (shared) while it writes, and the main thread
 * takes it (exclusive) to set g_view to NULL before it unmaps the view: a
 * control event arriving while the controller exits then finds NULL rather
 * than writing into a view that has just been unmapped.
 */
static volatile IpcHeader *volatile g_view = NULL;
static SRWLOCK g_view_lock = SRWLOCK_INIT;
/* Set once the handler has sent the close message. */
static volatile LONG g_ctrl_sent = 0;

/*
 * Every console control event writes the close message here, at once, and the
 * main thread then reports it. At once, because for the last three Windows
 * ends the process soon after this returns, and because with a shared console
 * the listener gets the same Ctrl+C and may exit before the main thread runs:
 * the -1 already in the mapping then tells the supervision loop this was a
 * stop, not a crash to relaunch. So after CTRL_LOGOFF_EVENT or
 * CTRL_SHUTDOWN_EVENT nothing is ever relaunched while the session ends or
 * the system shuts down (the supervision loop checks ControlCloseSent before
 * any relaunch). Those two reach only services and session-0 processes;
 * interactive programs are ended at log-off without them
 * (learn.microsoft.com/windows/console/handlerroutine). Writing an aligned
 * int32 with an Interlocked call is safe from any thread.
 */
static BOOL WINAPI CtrlHandler(DWORD type)
{
    volatile IpcHeader *view;
    (void)type;
    AcquireSRWLockShared(&g_view_lock);
    view = g_view;
    if (InterlockedExchange(&g_ctrl_sent, 1) == 0 && view != NULL) {
        IpcMapping m = {0};
        m.view = view;
        IpcMappingSendClose(&m);
    }
    ReleaseSRWLockShared(&g_view_lock);
    if (g_ctrl_event != NULL) {
        SetEvent(g_ctrl_event);
    }
    return TRUE;
}

DWORD ControlEventCreate(HANDLE *out)
{
    HANDLE event = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (event == NULL) {
        return GetLastError();
    }
    g_ctrl_event = event;
    *out = event;
    return ERROR_SUCCESS;
}

void ControlHandlerInstall(void)
{
    SetConsoleCtrlHandler(CtrlHandler, TRUE);
}

void ControlHandlerSetView(volatile IpcHeader *view)
{
    AcquireSRWLockExclusive(&g_view_lock);
    g_view = view;
    ReleaseSRWLockExclusive(&g_view_lock);
}

BOOL ControlCloseSent(void)
{
    return InterlockedCompareExchange(&g_ctrl_sent, 0, 0) != 0;
}
