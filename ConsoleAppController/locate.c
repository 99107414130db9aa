/*
 * locate.c - finding the listener already serving NAME: the mapping NAME is
 * opened (or created, so that a close message sent while none runs is kept),
 * the pid at offset 0 is verified before it is adopted, and a close message
 * already on record is waited out before anything is launched beside a
 * listener that may still be finishing its unit.
 */
#include "controller.h"
#include "eventlog.h"
#include "ipc_console.h"
#include "ipc_error.h"
#include "ipc_exit.h"
#include "ipc_handle.h"
#include "ipc_identity.h"
#include "ipc_layout.h"
#include "ipc_mapping.h"
#include "ipc_text.h"

/* The C# sample listener's unit (Thread.Sleep(6000)) and a margin: see WaitOutSampleUnit. */
#define SAMPLE_UNIT_GRACE_MS 7000u
/* How long a listener that won NAME has to publish its pid (it takes its lock before it maps NAME), and how often we look. */
#define HOLDER_WAIT_MS 3000u
#define HOLDER_POLL_MS 50u

/*
 * Clears a close message nobody will consume: called only when no listener is
 * alive behind NAME, before launching one. The C# sample's controller never
 * closes the mapping it wrote -1 into, so such a -1 can outlive every listener.
 * A --stop may have been sent since the -1 was read (requests: stop_requests
 * then): it counts its request before it writes -1 and signals NAME|stop after,
 * so a changed count or a signalled event (all the C# sample's 4-byte format
 * has) says the -1 is fresh. Returns FALSE, the -1 put back, for a fresh stop.
 */
static BOOL ClearStaleClose(Controller *c, uint32_t requests)
{
    volatile IpcHeader *h = IpcMappingHeader(&c->map);
    if (h != NULL) {
        h->stop_acked = h->stop_requests;
    }
    IpcMappingCompareExchangeMessage(&c->map, 0, IPC_CLOSE_MESSAGE);
    if ((h != NULL && h->stop_requests != requests) || WaitForSingleObject(c->stop_event, 0) == WAIT_OBJECT_0) {
        IpcMappingCompareExchangeMessage(&c->map, IPC_CLOSE_MESSAGE, 0);
        IpcPrint(L"Stop requested while starting; not launching");
        return FALSE;
    }
    return TRUE;
}

/*
 * Waits, before a launch, for what may still be running behind a pending close
 * message: the listener process finishing its last unit (process), or with
 * process NULL simply timeout_ms. Returns TRUE when that is over, FALSE when a
 * stop arrived meanwhile (Ctrl+C or --stop): then nothing is to be launched.
 */
static BOOL WaitBeforeLaunch(Controller *c, HANDLE process, DWORD timeout_ms)
{
    HANDLE handles[3];
    DWORD count = 0;
    DWORD r;

    if (process != NULL) {
        handles[count++] = process;
    }
    handles[count++] = c->ctrl_event;
    handles[count++] = c->stop_event;
    r = WaitForMultipleObjects(count, handles, FALSE, timeout_ms);
    if (r == WAIT_TIMEOUT || (process != NULL && r == WAIT_OBJECT_0)) {
        return TRUE;
    }
    IpcPrint(L"Stop requested while waiting; not launching a new listener");
    return FALSE;
}

/* A listener finishing its last unit after a close message: a fresh one must never run beside it. */
static BOOL WaitForFinishingListener(Controller *c, HANDLE process, DWORD pid)
{
    IpcPrint(L"The listener (pid %lu) is finishing its last unit after a close message; waiting for it to exit",
             (unsigned long)pid);
    return WaitBeforeLaunch(c, process, INFINITE);
}

/*
 * The C# sample's format keeps no pid once a close message is written over
 * it, so whether such a listener is still inside its unit cannot be checked:
 * the unit is waited out instead (6 s in the C# sample, and a margin). After
 * that the sample listener has read the -1 and does no more work (it waits
 * for Enter), so the -1 can be cleared without a second listener working
 * beside ours; cleared at once, the sample listener would never see its stop
 * and go on working.
 */
static BOOL WaitOutSampleUnit(Controller *c)
{
    IpcPrint(L"A close message is pending in the C# sample's format, which names no listener; waiting %lu s for "
             L"a sample listener that may be finishing its unit",
             (unsigned long)(SAMPLE_UNIT_GRACE_MS / 1000));
    return WaitBeforeLaunch(c, NULL, SAMPLE_UNIT_GRACE_MS);
}

/*
 * A close message is on record: waits for a listener still finishing its unit
 * behind it, then clears it. Sets *launch FALSE and c->shutting_down when a
 * stop arrived meanwhile.
 */
static void WaitOutPendingClose(Controller *c, const IpcHeader *hdr, IpcLayoutKind kind, uint32_t requests,
                                BOOL *launch)
{
    HANDLE process = NULL;
    wchar_t image[MAX_PATH * 2];

    if (kind == IPC_LAYOUT_OURS) {
        /* Only NAME's own listener is waited for: a forged header could name any process that never exits. */
        if (hdr->listener_pid != 0 &&
            IpcIdentityOpenListener(c->opt->name, NULL, hdr, kind, hdr->listener_pid,
                                    SampleListenerImage(c->opt, image, (DWORD)ARRAYSIZE(image)), &process, NULL,
                                    0) == ERROR_SUCCESS) {
            if (!WaitForFinishingListener(c, process, hdr->listener_pid)) {
                *launch = FALSE;
                c->shutting_down = TRUE;
            }
            IpcHandleClose(&process);
        }
    } else if (!WaitOutSampleUnit(c)) {
        *launch = FALSE;
        c->shutting_down = TRUE;
    }
    if (*launch && !ClearStaleClose(c, requests)) {
        *launch = FALSE;
        c->shutting_down = TRUE;
    }
}

int LocateListener(Controller *c, BOOL *launch)
{
    const wchar_t *name = c->opt->name;
    DWORD code;
    IpcHeader hdr;
    IpcLayoutKind kind;
    const wchar_t *why = L"";
    LONG message;
    volatile IpcHeader *live;
    uint32_t requests;
    HANDLE process = NULL;
    wchar_t reason[IPC_ERROR_TEXT_MAX];
    wchar_t image[MAX_PATH * 2];
    int rc = IPC_EXIT_OK;

    *launch = TRUE;
    code = IpcMappingOpen(name, &c->map);
    if (code == ERROR_FILE_NOT_FOUND) {
        /*
         * Not running. We create the mapping ourselves and hold it, so that a
         * close message sent while the listener is being (re)launched is kept.
         * The report names the call that failed (CreateFileMappingW,
         * MapViewOfFile, or OpenFileMappingW for the owner check).
         */
        rc = IpcMappingCreateOrFail(name, &c->map);
        if (rc != IPC_EXIT_OK) {
            return rc;
        }
    } else if (code != ERROR_SUCCESS) {
        return IpcFailName(L"OpenFileMappingW", code, name, L"file mapping");
    }
    if (c->map.created) {
        return IPC_EXIT_OK;
    }

    /* Read before offset 0: a stop counted after this is fresh (ClearStaleClose). */
    live = IpcMappingHeader(&c->map);
    requests = live != NULL ? live->stop_requests : 0;
    message = IpcMappingReadMessage(&c->map);
    IpcPrint(L"Broadcast '%ld' received", (long)message);
    kind = IpcMappingClassify(&c->map, &hdr, &why);
    if (kind == IPC_LAYOUT_INVALID) {
        return IpcFailLayout(name, why);
    }
    if (message == IPC_CLOSE_MESSAGE) {
        WaitOutPendingClose(c, &hdr, kind, requests, launch);
        return IPC_EXIT_OK;
    }
    if (message <= 0) {
        return IPC_EXIT_OK; /* nobody has published a pid */
    }

    /*
     * Trust the pid only once the process is proven to be NAME's listener: an
     * image name alone cannot tell two instances apart.
     */
    code = IpcIdentityOpenListener(name, NULL, &hdr, kind, (DWORD)message,
                                   SampleListenerImage(c->opt, image, (DWORD)ARRAYSIZE(image)), &process, reason,
                                   IPC_ERROR_TEXT_MAX);
    if (code != ERROR_SUCCESS) {
        IpcPrint(L"Not adopting pid %ld: %ls", (long)message, reason);
        return IPC_EXIT_OK;
    }
    if (kind == IPC_LAYOUT_OURS && hdr.listener_pid != (uint32_t)message) {
        RecordListener(c, process, (DWORD)message); /* a listener in the C# sample's format publishes only its pid */
    }
    code = WatchListener(c, process, (DWORD)message);
    if (code != ERROR_SUCCESS) {
        rc = IpcFailWin32(L"RegisterWaitForSingleObject", code, L"cannot watch the listener (pid %ld)", (long)message);
        goto cleanup;
    }
    process = NULL; /* the watch has it now */
    *launch = FALSE;
    IpcPrint(L"Process already running");
    IpcEventLogAdopted((DWORD)message);
    StandbyFound(c);

cleanup:
    IpcHandleClose(&process);
    return rc;
}

/*
 * One look at the mapping for the listener that holds NAME. ERROR_SUCCESS with
 * it in *out and its pid in *pid; otherwise why says what was found.
 */
static DWORD FindHolder(Controller *c, HANDLE *out, DWORD *pid, wchar_t *why, size_t why_cap)
{
    IpcHeader hdr;
    IpcLayoutKind kind = IpcMappingClassify(&c->map, &hdr, NULL);
    LONG message = IpcMappingReadMessage(&c->map);
    wchar_t image[MAX_PATH * 2];
    DWORD code;

    if (kind == IPC_LAYOUT_INVALID) {
        IpcFormat(why, why_cap, L"the mapping no longer holds a listener's data");
        return ERROR_INVALID_DATA;
    }
    if (message <= 0) {
        IpcFormat(why, why_cap, L"no listener has published its pid in '%ls'", c->opt->name);
        return ERROR_NOT_FOUND;
    }
    code = IpcIdentityOpenListener(c->opt->name, NULL, &hdr, kind, (DWORD)message,
                                   SampleListenerImage(c->opt, image, (DWORD)ARRAYSIZE(image)), out, why, why_cap);
    if (code == ERROR_SUCCESS) {
        *pid = (DWORD)message;
    }
    return code;
}

int AdoptNameHolder(Controller *c, DWORD pid)
{
    ULONGLONG deadline = GetTickCount64() + HOLDER_WAIT_MS;
    HANDLE events[2];
    HANDLE process = NULL;
    DWORD holder = 0;
    DWORD code;
    wchar_t reason[IPC_ERROR_TEXT_MAX];

    events[0] = c->ctrl_event;
    events[1] = c->stop_event;
    IpcPrint(L"The listener (pid %lu) found '%ls' held by another listener; looking for it", (unsigned long)pid,
             c->opt->name);
    for (;;) {
        code = FindHolder(c, &process, &holder, reason, IPC_ERROR_TEXT_MAX);
        if (code == ERROR_SUCCESS) {
            break;
        }
        if (GetTickCount64() >= deadline) {
            return IpcFail(IPC_EXIT_NAME_HELD,
                           L"another listener holds '%ls' (our listener, pid %lu, exited with code %d at once), and it "
                           L"cannot be adopted: %ls. Not relaunching into the same refusal; see ConsoleAppController "
                           L"--status %ls.",
                           c->opt->name, (unsigned long)pid, IPC_EXIT_LISTENER_RUNNING, reason, c->opt->name);
        }
        if (WaitForMultipleObjects(ARRAYSIZE(events), events, FALSE, HOLDER_POLL_MS) != WAIT_TIMEOUT) {
            IpcPrint(L"Stop requested while waiting; not launching a new listener");
            c->shutting_down = TRUE;
            return IPC_EXIT_OK;
        }
    }
    /* Our launch recorded the identity of the listener that lost; the winner's goes back. */
    RecordListener(c, process, holder);
    code = WatchListener(c, process, holder);
    if (code != ERROR_SUCCESS) {
        IpcHandleClose(&process);
        return IpcFailWin32(L"RegisterWaitForSingleObject", code, L"cannot watch the listener (pid %lu)",
                            (unsigned long)holder);
    }
    IpcPrint(L"Process already running");
    IpcEventLogAdopted(holder);
    return IPC_EXIT_OK;
}
