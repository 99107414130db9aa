/*
 * restart.c - ConsoleAppController --restart NAME: ask NAME's controller for a
 * restart through NAME|restart, then wait until a new listener, verified, has
 * published its pid at offset 0. The controller does the restart
 * (restart_request.c): the active listener finishes its unit and exits, and
 * the next one is launched at once, so nothing started is lost and
 * supervision never ends; a replaced listener executable is what runs next.
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
#include "ipc_named.h"
#include "ipc_process.h"
#include "ipc_text.h"

/*
 * How often the mapping is looked at for the new pid: a listener publishes it
 * with no event to wait on. Between looks the wait is on the controller's
 * process, so its exit is seen at once.
 */
#define RESTART_POLL_MS 5u

/* What --restart found when it started, and what it has seen since. */
typedef struct RestartWatch {
    const IpcControllerOptions *opt;
    const wchar_t *name;  /* the name found (Global\NAME when found there) */
    IpcMapping *map;
    DWORD old_pid;        /* the listener to be replaced, 0 when none runs */
    uint64_t old_created; /* its creation time, 0 when it is not running */
    HANDLE old;           /* it, verified; NULL when it could not be */
    BOOL old_exit_said;
    HANDLE controller;    /* the controller, verified by the header; NULL when only its lock shows it */
    DWORD controller_pid;
} RestartWatch;

/*
 * The creation time of whatever process pid is now (one that could not be
 * verified), 0 when none is or it cannot be read.
 */
static uint64_t CreatedOf(DWORD pid)
{
    HANDLE process = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
    uint64_t created = 0;

    if (process != NULL) {
        if (IpcProcessCreationTime(process, &created) != ERROR_SUCCESS) {
            created = 0;
        }
        CloseHandle(process);
    }
    return created;
}

/*
 * The controller lock NAME|controller is owned by a live process: the one sign
 * of a controller that a mapping in the C# sample's format, which names no
 * controller, leaves.
 */
static BOOL ControllerLockHeld(const wchar_t *name)
{
    BOOL held = FALSE;

    return IpcNamedMutexHeld(name, IPC_SUFFIX_CONTROLLER_MUTEX, &held, NULL) == ERROR_SUCCESS && held;
}

/*
 * One look at the mapping: TRUE, with *pid, when a verified listener that is
 * not the old one (another pid, or the same pid given to a process started
 * later) is published at offset 0.
 */
static BOOL NewListenerPublished(RestartWatch *w, DWORD *pid)
{
    IpcHeader hdr;
    IpcLayoutKind kind = IpcMappingClassify(w->map, &hdr, NULL);
    LONG message = IpcMappingReadMessage(w->map);
    HANDLE process = NULL;
    uint64_t created = 0;
    BOOL fresh;

    if (kind == IPC_LAYOUT_INVALID || message <= 0) {
        return FALSE;
    }
    /* The old listener, still alive, holds its pid: nothing new can have it yet. */
    if ((DWORD)message == w->old_pid && w->old != NULL && IpcProcessIsAlive(w->old)) {
        return FALSE;
    }
    if (OpenQueriedListener(w->opt, w->name, &hdr, kind, (DWORD)message, &process, NULL, 0) != ERROR_SUCCESS) {
        return FALSE;
    }
    fresh = (DWORD)message != w->old_pid ||
            (IpcProcessCreationTime(process, &created) == ERROR_SUCCESS && created != w->old_created);
    IpcHandleClose(&process);
    if (fresh) {
        *pid = (DWORD)message;
    }
    return fresh;
}

/* TRUE once the controller has exited; says so, with its exit code when it is known. */
static BOOL ControllerGone(const RestartWatch *w)
{
    DWORD code = STILL_ACTIVE;

    if (w->controller != NULL) {
        if (IpcProcessIsAlive(w->controller)) {
            return FALSE;
        }
        GetExitCodeProcess(w->controller, &code);
        IpcPrint(L"Controller (pid %lu) exited with code %lu", (unsigned long)w->controller_pid, (unsigned long)code);
        return TRUE;
    }
    if (ControllerLockHeld(w->name)) {
        return FALSE;
    }
    IpcPrint(L"The controller of '%ls' exited", w->name);
    return TRUE;
}

/* Says once that the old listener has exited, with its exit code. */
static void NoteOldExit(RestartWatch *w)
{
    DWORD code = STILL_ACTIVE;

    if (w->old == NULL || w->old_exit_said || IpcProcessIsAlive(w->old)) {
        return;
    }
    GetExitCodeProcess(w->old, &code);
    IpcPrint(L"Listener (pid %lu) exited with code %lu", (unsigned long)w->old_pid, (unsigned long)code);
    w->old_exit_said = TRUE;
}

/* Waits until a new listener is published, the controller ends, or the timeout. Returns the exit code. */
static int WaitForNewListener(RestartWatch *w)
{
    ULONGLONG start = GetTickCount64();
    ULONGLONG deadline = start + w->opt->timeout_ms;
    DWORD pid = 0;
    wchar_t quoted[IPC_PASTE_CAP(MAX_PATH)];

    for (;;) {
        if (NewListenerPublished(w, &pid)) {
            NoteOldExit(w);
            if (w->old_pid != 0) {
                IpcPrint(L"Restarted '%ls': listener pid %lu replaced by pid %lu in %lu ms", w->name,
                         (unsigned long)w->old_pid, (unsigned long)pid, (unsigned long)(GetTickCount64() - start));
            } else {
                IpcPrint(L"Restarted '%ls': listener pid %lu runs, after %lu ms", w->name, (unsigned long)pid,
                         (unsigned long)(GetTickCount64() - start));
            }
            return IPC_EXIT_OK;
        }
        NoteOldExit(w);
        if (ControllerGone(w)) {
            return IpcFail(IPC_EXIT_NOT_SUPERVISED,
                           L"the controller of '%ls' exited before a new listener published its pid; nothing "
                           L"supervises '%ls' now (see ConsoleAppController --status %ls).",
                           w->name, w->name, IpcPasteArg(w->name, quoted, ARRAYSIZE(quoted)));
        }
        if (GetTickCount64() >= deadline) {
            return IpcFail(IPC_EXIT_RESTART_TIMEOUT,
                           L"no new listener published its pid in '%ls' within %lu ms%ls; the restart stays "
                           L"requested, and the controller goes on supervising.",
                           w->name, w->opt->timeout_ms,
                           w->old != NULL && IpcProcessIsAlive(w->old)
                               ? L" (the listener may still be finishing its unit of work)"
                               : L"");
        }
        if (w->controller != NULL) {
            WaitForSingleObject(w->controller, RESTART_POLL_MS);
        } else {
            Sleep(RESTART_POLL_MS);
        }
    }
}

int RunRestart(const IpcControllerOptions *opt)
{
    IpcMapping m = {0};
    IpcHeader hdr;
    IpcLayoutKind kind;
    RestartWatch w;
    LONG message;
    HANDLE event = NULL;
    wchar_t name[MAX_PATH];
    wchar_t reason[IPC_ERROR_TEXT_MAX];
    wchar_t quoted[IPC_PASTE_CAP(MAX_PATH)];
    int rc;

    ZeroMemory(&w, sizeof(w));
    rc = OpenForQuery(opt->name, &m, &hdr, &kind, name, MAX_PATH);
    if (rc == IPC_EXIT_NOT_RUNNING) {
        rc = IpcFail(IPC_EXIT_NOT_RUNNING,
                     L"no listener named '%ls' is running; nothing to restart. Start it supervised with: "
                     L"ConsoleAppController %ls",
                     opt->name, IpcPasteArg(opt->name, quoted, ARRAYSIZE(quoted)));
        goto cleanup;
    }
    if (rc != IPC_EXIT_OK) {
        goto cleanup;
    }
    w.opt = opt;
    w.name = name;
    w.map = &m;

    /* The listener to replace: the pid at offset 0, or (a close message over it) the one the header names. */
    message = IpcMappingReadMessage(&m);
    w.old_pid = message > 0 ? (DWORD)message : (kind == IPC_LAYOUT_OURS ? hdr.listener_pid : 0);
    if (w.old_pid != 0) {
        if (OpenQueriedListener(opt, name, &hdr, kind, w.old_pid, &w.old, reason, ARRAYSIZE(reason)) !=
            ERROR_SUCCESS) {
            w.old = NULL;
        }
        /* Its start time tells a later process given the same pid apart: from the verified handle when there is one. */
        if (w.old == NULL || IpcProcessCreationTime(w.old, &w.old_created) != ERROR_SUCCESS) {
            w.old_created = CreatedOf(w.old_pid);
        }
    }

    if (OpenQueriedController(&hdr, kind, &w.controller)) {
        w.controller_pid = hdr.controller_pid;
    } else if (!ControllerLockHeld(name)) {
        if (w.old == NULL) {
            rc = IpcFail(IPC_EXIT_NOT_RUNNING,
                         L"no listener is running for '%ls'%ls%ls%ls, and no controller supervises it; nothing to "
                         L"restart. Start it supervised with: ConsoleAppController %ls",
                         name, w.old_pid != 0 ? L" (" : L"", w.old_pid != 0 ? reason : L"",
                         w.old_pid != 0 ? L")" : L"", IpcPasteArg(name, quoted, ARRAYSIZE(quoted)));
            goto cleanup;
        }
        rc = IpcFail(IPC_EXIT_NOT_SUPERVISED,
                     L"the listener (pid %lu) of '%ls' runs, but no controller supervises it, so nothing would "
                     L"start the next listener; not restarting. A controller adopts the running listener without "
                     L"stopping it; start one, then run --restart again: ConsoleAppController %ls",
                     (unsigned long)w.old_pid, name, IpcPasteArg(name, quoted, ARRAYSIZE(quoted)));
        goto cleanup;
    }

    /* Auto-reset, as the controller creates it: one request, consumed by the controller's wait. */
    rc = SignalCompanionEvent(name, IPC_SUFFIX_RESTART_EVENT, FALSE, &event);
    if (rc != IPC_EXIT_OK) {
        goto cleanup;
    }
    if (w.old != NULL) {
        IpcPrint(L"Restart requested: the listener (pid %lu) finishes its unit, then a new one takes over",
                 (unsigned long)w.old_pid);
    } else {
        IpcPrint(L"Restart requested: no listener runs now; the controller launches one");
    }
    rc = WaitForNewListener(&w);

cleanup:
    IpcHandleClose(&event);
    IpcHandleClose(&w.controller);
    IpcHandleClose(&w.old);
    IpcMappingClose(&m);
    return rc;
}
