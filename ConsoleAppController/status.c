/*
 * status.c - ConsoleAppController --status NAME: what the mapping and the
 * processes say about NAME's listener and controller. It never writes
 * anything.
 */
#include "controller.h"
#include "ipc_args.h"
#include "ipc_console.h"
#include "ipc_exit.h"
#include "ipc_handle.h"
#include "ipc_layout.h"
#include "ipc_mapping.h"
#include "ipc_process.h"
#include "ipc_text.h"
#include "ipc_time.h"
#include "log_paths.h"

#include <string.h>

/* "1 h 02 min 03 s", "4 min 05 s", "2.5 s" */
static void FormatDuration(uint64_t ms, wchar_t *buf, size_t cap)
{
    uint64_t s = ms / 1000;
    if (s >= 3600) {
        IpcFormat(buf, cap, L"%lu h %02u min %02u s", (unsigned long)(s / 3600), (unsigned)(s / 60 % 60),
                  (unsigned)(s % 60));
    } else if (s >= 60) {
        IpcFormat(buf, cap, L"%u min %02u s", (unsigned)(s / 60), (unsigned)(s % 60));
    } else {
        IpcFormat(buf, cap, L"%u.%u s", (unsigned)s, (unsigned)(ms % 1000 / 100));
    }
}

/* The listener's state line: stopping when a close message is pending, else running (inside a unit or not). */
static const wchar_t *ListenerState(const IpcHeader *hdr, BOOL ours)
{
    if (ours && hdr->state == IPC_STATE_WAITING_FOR_ENTER) {
        return L"stopped (it finished after a close message and waits for Enter in its console)";
    }
    if (hdr->message == IPC_CLOSE_MESSAGE || (ours && hdr->stop_requests != hdr->stop_acked)) {
        return L"stopping (a close message is pending; it finishes its unit first)";
    }
    if (ours && hdr->state == IPC_STATE_STOPPING) {
        return L"stopping (it was asked to stop, e.g. by Ctrl+C in its console, and is on its way out)";
    }
    if (ours && hdr->state == IPC_STATE_WORKING) {
        return L"running (inside a unit of work)";
    }
    return L"running";
}

/* The lines about a running listener: pid and state, image, start time. */
static void PrintListener(HANDLE listener, DWORD pid, const IpcHeader *hdr, BOOL ours, uint64_t now)
{
    wchar_t image[MAX_PATH * 2];
    DWORD image_len = (DWORD)ARRAYSIZE(image);
    wchar_t when[64];
    wchar_t text[64];
    uint64_t started = 0;

    if (!QueryFullProcessImageNameW(listener, 0, image, &image_len)) {
        IpcFormat(image, ARRAYSIZE(image), L"?");
    }
    IpcPrint(L"Listener:   pid %lu, %ls", (unsigned long)pid, ListenerState(hdr, ours));
    IpcPrint(L"Image:      %ls", image);
    if (IpcProcessCreationTime(listener, &started) == ERROR_SUCCESS) {
        IpcFormatTime(started, when, ARRAYSIZE(when));
        FormatDuration(now > started ? (now - started) / 10000 : 0, text, ARRAYSIZE(text));
        IpcPrint(L"Started:    %ls (running for %ls)", when, text);
    }
}

/* The lines only our header can tell: units, controller, restarts. */
static void PrintHeader(const IpcHeader *hdr, IpcLayoutKind kind, uint64_t now)
{
    wchar_t text[64];
    HANDLE controller = NULL;
    uint64_t tick = IpcTickNowU64();
    uint64_t ago_ms;

    if (hdr->last_progress != 0 || hdr->last_progress_tick != 0) {
        /* On the tick, which a clock being set does not move; a header of an earlier build has only the FILETIME. */
        if (hdr->last_progress_tick != 0) {
            ago_ms = tick > hdr->last_progress_tick ? (tick - hdr->last_progress_tick) / 10000 : 0;
        } else {
            ago_ms = now > hdr->last_progress ? (now - hdr->last_progress) / 10000 : 0;
        }
        FormatDuration(ago_ms, text, ARRAYSIZE(text));
        IpcPrint(L"Units:      %llu completed; the last one ended %ls ago", (unsigned long long)hdr->units, text);
    } else {
        IpcPrint(L"Units:      %llu completed", (unsigned long long)hdr->units);
    }
    if (OpenQueriedController(hdr, kind, &controller)) {
        IpcPrint(L"Controller: pid %lu, running", (unsigned long)hdr->controller_pid);
        if (hdr->next_relaunch != 0) {
            wchar_t when[64];
            IpcFormatTime(hdr->next_relaunch, when, ARRAYSIZE(when));
            FormatDuration(hdr->next_relaunch > now ? (hdr->next_relaunch - now) / 10000 : 0, text, ARRAYSIZE(text));
            IpcPrint(L"Relaunch:   backing off; the next launch is due at %ls (in %ls)", when, text);
        }
    } else {
        IpcPrint(L"Controller: none");
    }
    IpcHandleClose(&controller);
    if (ExitCodeName(hdr->last_exit_code) != NULL) {
        IpcPrint(L"Restarts:   %lu (last exit code %lu = 0x%08lX, %ls)", (unsigned long)hdr->restarts,
                 (unsigned long)hdr->last_exit_code, (unsigned long)hdr->last_exit_code,
                 ExitCodeName(hdr->last_exit_code));
    } else {
        IpcPrint(L"Restarts:   %lu (last exit code %lu)", (unsigned long)hdr->restarts,
                 (unsigned long)hdr->last_exit_code);
    }
}

/* The standby listener the header names (--standby), verified as --stop and the controller verify it, and the failovers. */
static void PrintStandby(const IpcControllerOptions *opt, const wchar_t *name, const IpcHeader *hdr)
{
    HANDLE standby = NULL;
    wchar_t reason[IPC_ERROR_TEXT_MAX];
    wchar_t when[64];
    uint64_t started = 0;

    if (hdr->standby_pid == 0) {
        IpcPrint(L"Standby:    none");
    } else if (OpenQueriedStandby(opt, name, hdr, &standby, reason, IPC_ERROR_TEXT_MAX) != ERROR_SUCCESS) {
        IpcPrint(L"Standby:    pid %lu, not running (%ls)", (unsigned long)hdr->standby_pid, reason);
    } else {
        if (IpcProcessCreationTime(standby, &started) == ERROR_SUCCESS) {
            IpcFormatTime(started, when, ARRAYSIZE(when));
        } else {
            IpcFormat(when, ARRAYSIZE(when), L"?");
        }
        IpcPrint(L"Standby:    pid %lu, %ls (started %ls, verified)", (unsigned long)hdr->standby_pid,
                 hdr->standby_state == IPC_STANDBY_WAITING ? L"waiting for the lock, ready to take over"
                                                           : L"starting",
                 when);
    }
    IpcPrint(L"Failovers:  %lu", (unsigned long)hdr->failovers);
    IpcHandleClose(&standby);
}

int RunStatus(const IpcControllerOptions *opt)
{
    int rc;
    IpcMapping m = {0};
    IpcHeader hdr;
    IpcLayoutKind kind;
    wchar_t name[MAX_PATH];
    wchar_t reason[IPC_ERROR_TEXT_MAX];
    HANDLE listener = NULL;
    DWORD pid = 0;
    uint64_t now = IpcNowU64();
    BOOL ours;

    if (opt->json) {
        return RunStatusJson(opt);
    }
    rc = OpenForQuery(opt->name, &m, &hdr, &kind, name, MAX_PATH);
    if (rc == IPC_EXIT_NOT_RUNNING) {
        IpcPrint(L"Instance:   %ls", opt->name);
        IpcPrint(L"Listener:   not running (no mapping named '%ls'%ls)", opt->name,
                 wcschr(opt->name, L'\\') == NULL ? L" in this session or in Global\\" : L"");
    }
    if (rc != IPC_EXIT_OK) {
        goto cleanup;
    }
    ours = kind == IPC_LAYOUT_OURS;
    IpcPrint(L"Instance:   %ls", name);
    IpcPrint(L"Layout:     %ls", ours ? L"listener header, version 1" : L"the C# sample's format (pid only)");

    /* The listener: the pid at offset 0, or after a close message the one the header remembers. */
    if (hdr.message > 0) {
        pid = (DWORD)hdr.message;
    } else if (ours && hdr.listener_pid != 0) {
        pid = hdr.listener_pid;
    }
    if (pid != 0) {
        OpenQueriedListener(opt, name, &hdr, kind, pid, &listener, reason, IPC_ERROR_TEXT_MAX);
    }
    if (listener == NULL) {
        if (pid != 0) {
            IpcPrint(L"Listener:   not running (%ls)", reason);
        } else {
            IpcPrint(L"Listener:   not running (none has published its pid)");
        }
        rc = IPC_EXIT_NOT_RUNNING;
    } else {
        PrintListener(listener, pid, &hdr, ours, now);
        /* Its process lives, but it does no more work: for a script it is not running. */
        if (ours && hdr.state == IPC_STATE_WAITING_FOR_ENTER) {
            rc = IPC_EXIT_NOT_RUNNING;
        }
    }
    if (ours) {
        PrintHeader(&hdr, kind, now);
        PrintStandby(opt, name, &hdr);
        LogPathsPrint(name, &hdr, kind);
    }

cleanup:
    IpcHandleClose(&listener);
    IpcMappingClose(&m);
    return rc;
}
