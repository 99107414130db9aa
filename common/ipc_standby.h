/*
 * ipc_standby.h - a standby listener's wait for NAME's lock (the listener side
 * of ConsoleAppController --standby; IpcListenerOpen calls it when IPC_STANDBY=1
 * is in the environment).
 *
 * The standby records itself in the header (standby_created, standby_pid,
 * standby_state), creates its retire event NAME|retire<pid>, and sleeps in the
 * kernel until NAME|listener is its own (the active listener let go or died),
 * its retire event is signalled, or Ctrl+C asks it to stop.
 */
#ifndef IPC_STANDBY_H
#define IPC_STANDBY_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include "ipc_layout.h"
#include "ipc_mapping.h"

/* How IpcStandbyWait ended, when it returned IPC_EXIT_OK. */
typedef enum IpcStandbyOutcome {
    IPC_STANDBY_OWNED = 0,        /* the lock was free: this process is simply NAME's listener */
    IPC_STANDBY_TOOK_OVER = 1,    /* the active listener let go or died: this process takes over */
    IPC_STANDBY_STOP_PENDING = 2, /* the lock is ours, but a stop is pending: no unit, nothing written */
    IPC_STANDBY_RETIRED = 3,      /* the retire event was signalled: exit without a unit */
    IPC_STANDBY_CTRL_STOP = 4     /* Ctrl+C, Ctrl+Break or the console closing while waiting */
} IpcStandbyOutcome;

/*
 * What IpcStandbyWait found, for IpcStandbySayTakeover once the takeover is
 * published: the line that says it is printed only then, so that a console
 * write (a call to the console host, or to the wineserver under Wine) does
 * not stand between the lock becoming ours and our pid at offset 0.
 */
typedef struct IpcStandbyResult {
    IpcStandbyOutcome outcome; /* TOOK_OVER and STOP_PENDING come only from the wait for the lock */
    BOOL abandoned; /* after the wait: the holder died without letting go (WAIT_ABANDONED) */
    DWORD active;   /* after the wait: the pid of the listener it waited for, as the header named it */
    HANDLE retire;  /* NAME|retire<pid>, the caller's to close; NULL when it never waited */
} IpcStandbyResult;

/*
 * IpcStandbyWait - take NAME|listener, waiting as NAME's standby while a live
 * listener holds it. ctrl_event is signalled by the caller's console control
 * handler. Returns IPC_EXIT_OK with *result set and, for OWNED, TOOK_OVER and
 * STOP_PENDING, the lock owned by this thread in *lock; *map holds the mapping
 * NAME whenever it had to be opened (the caller opens it otherwise). After
 * TOOK_OVER the header's failovers has been counted and this process's standby
 * fields cleared; the caller publishes its pid as any listener does, then
 * calls IpcStandbySayTakeover. After STOP_PENDING, RETIRED and CTRL_STOP
 * nothing more may be written to the header: the -1 and the stop counters
 * stay for the next one. Otherwise, after printing the reason,
 * IPC_EXIT_LISTENER_RUNNING (another live standby already waits, named; or
 * the mapping is in the C# sample's 4-byte format, which has no room for a
 * standby), IPC_EXIT_NAME_IN_USE or IPC_EXIT_FAILURE, with the outputs
 * untouched and nothing of this process left in the header.
 */
int IpcStandbyWait(const wchar_t *name, HANDLE ctrl_event, HANDLE *lock, IpcMapping *map, IpcStandbyResult *result);

/*
 * IpcStandbySayTakeover - prints how the lock became ours when the standby
 * waited for it (released, or abandoned by a listener that died): for the
 * outcomes TOOK_OVER and STOP_PENDING; nothing for the others.
 */
void IpcStandbySayTakeover(const wchar_t *name, const IpcStandbyResult *result);

/*
 * IpcStandbyClear - if the header records this process as its standby,
 * record none (standby_pid by compare-and-swap, then standby_state, and
 * standby_created while it still holds this process's start time).
 */
void IpcStandbyClear(volatile IpcHeader *h);

#endif
