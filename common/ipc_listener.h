/*
 * ipc_listener.h - the listener's side of the protocol, for your own C worker.
 *
 * Link common/ and a worker gets what ConsoleAppListener does: one listener per
 * name, its pid published for the controller, close messages (from the
 * controller, --stop, the C# sample's controller, Ctrl+C) honoured between units,
 * progress recorded for --status and --hang-timeout, and a hot standby
 * (ConsoleAppController --standby) that takes over the moment the active
 * worker dies:
 *
 *     IpcListener *l = NULL;
 *     int rc;
 *     LoadWhatTakesSeconds();                      // yours: a model, a pool, a cache
 *     rc = IpcListenerOpen(L"MyWorker", &l);       // a standby waits here, ready
 *     if (rc != IPC_EXIT_OK) return rc;          // the reason is already printed
 *     while (!IpcListenerShouldClose(l)) {
 *         IpcListenerUnitStarted(l);
 *         DoOneUnitOfWork();                       // yours
 *         IpcListenerUnitDone(l);
 *     }
 *     IpcListenerClose(l);
 *
 * One listener per process: it installs a console control handler. One
 * thread, too: IpcListenerOpen, IpcListenerShouldClose and IpcListenerClose
 * belong to the thread that opened the listener, and that thread must live as
 * long as the listener. The lock NAME|listener is a mutex, and a mutex is
 * owned by a thread: it is abandoned (handed to a standby as if this worker
 * had died) when its owning thread ends, and only that thread can release it
 * (learn.microsoft.com/windows/win32/sync/mutex-objects; ReleaseMutex fails
 * with ERROR_NOT_OWNER on another thread, which IpcListenerClose reports).
 * This header brings what such a worker needs besides: <windows.h>, the exit
 * codes and IpcPrint/IpcPrintErr.
 */
#ifndef IPC_LISTENER_H
#define IPC_LISTENER_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include "ipc_console.h"
#include "ipc_exit.h"

typedef struct IpcListener IpcListener;

/*
 * IpcListenerOpen - take NAME for this process: the lock NAME|listener, the
 * mapping NAME (created with a private DACL, or one in the C# sample's format
 * reused), and our pid published at offset 0 without ever overwriting a
 * pending close message. Returns IPC_EXIT_OK with *out set, or, after
 * printing the reason to standard error, IPC_EXIT_USAGE (bad name),
 * IPC_EXIT_LISTENER_RUNNING (a live listener holds NAME; the mapping is left
 * untouched), IPC_EXIT_NAME_IN_USE or IPC_EXIT_FAILURE, with *out untouched.
 * While the listener is open, a console control handler turns Ctrl+C,
 * Ctrl+Break and closing the console into a graceful stop (the header shows
 * stopping at once); it is removed again when IpcListenerOpen fails.
 *
 * With IPC_STANDBY=1 in the environment (a controller's --standby launches
 * its standby so), a lock held by a live listener is no refusal: the worker
 * records itself in the header as NAME's standby (its pid, start time and
 * state "waiting"), creates its retire event NAME|retire<pid>, and sleeps in
 * the kernel until the lock is its own, so it should do its slow
 * initialisation before this call. When the active listener exits or dies it
 * takes over at once: failovers counted, its pid published as above, and it
 * returns IPC_EXIT_OK. It also returns IPC_EXIT_OK, with a listener for which
 * IpcListenerShouldClose is TRUE at once and that writes nothing into the
 * header, when it is retired, stopped from the console while it waits, or
 * takes the lock over a pending stop (it prints "Received shutdown message"
 * and leaves the stop for the next one). A second standby while a live one
 * waits, or a listener on the C# sample's 4-byte mapping (no room to record a
 * standby), is IPC_EXIT_LISTENER_RUNNING.
 */
int IpcListenerOpen(const wchar_t *name, IpcListener **out);

/*
 * IpcListenerShouldClose - call between units: TRUE when the close message is
 * at offset 0, a stop request is pending, the header's restart_pid names this
 * process (ConsoleAppController --restart: this listener alone is to finish
 * and exit, so that the next one takes over), or Ctrl+C/Ctrl+Break/closing
 * the console asked us to stop. Prints "Received shutdown message" (the C#
 * sample's words) the first time it says TRUE for a close message, and "Stop
 * requested from the console ..." for Ctrl+C. A stop (the close message or a
 * stop request) wins over a restart, even one it said TRUE for at an earlier
 * call: the stop is then said, and honoured. Ctrl+C does not: the process
 * leaves either way, and its controller starts the next one as the restart
 * asked. A restart is said by IpcListenerClose (or IpcListenerCloseForEnter)
 * once the lock is let go, so that no console write stands between the last
 * unit and the next listener's takeover.
 */
BOOL IpcListenerShouldClose(IpcListener *listener);

/*
 * IpcListenerIsRestarting - TRUE when the last IpcListenerShouldClose said
 * TRUE for a --restart and saw no stop. Such a process should exit after
 * IpcListenerClose without waiting for anyone, not even for Enter in a console
 * it was started in by hand: its controller launches the next listener only
 * once this process has exited. A stop sent after that last call is not
 * consumed by this listener: it stays pending and stops the next one.
 */
BOOL IpcListenerIsRestarting(const IpcListener *listener);

/* IpcListenerUnitStarted / IpcListenerUnitDone - bracket one unit of work (state, units, last progress). */
void IpcListenerUnitStarted(IpcListener *listener);
void IpcListenerUnitDone(IpcListener *listener);

/*
 * IpcListenerClose - record that we stopped (consuming the stop requests,
 * unless we leave for a restart, which honours none), let go of the lock,
 * then print the restart line when leaving for one ("Restart requested
 * (ConsoleAppController --restart): finishing and exiting"), remove the
 * console control handler, close the mapping and free the listener. Safe
 * with NULL. Call it after the last unit, so a new listener can take NAME at
 * once.
 */
void IpcListenerClose(IpcListener *listener);

/*
 * IpcListenerCloseForEnter - for a worker that, like the C# sample, waits for
 * Enter in its console after the last unit: record the state "waiting for
 * Enter" (so --stop returns and --status shows it as stopped), release the
 * lock at once (a new listener may take NAME meanwhile) but keep the mapping
 * open, so the header still names this process. Call IpcListenerClose after
 * the wait; it then writes nothing more. Safe with NULL.
 */
void IpcListenerCloseForEnter(IpcListener *listener);

#endif
