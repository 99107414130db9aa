/*
 * status_json.c - what --status shows, gathered into a StatusInfo and written
 * as JSON (--status NAME --json, and each instance of --list --json), and the
 * names of the exit codes a listener leaves behind. The schema is in
 * ConsoleAppController/README.md.
 */
#include "controller.h"
#include "ipc_console.h"
#include "ipc_error.h"
#include "ipc_exit.h"
#include "ipc_handle.h"
#include "ipc_identity.h"
#include "ipc_json.h"
#include "ipc_layout.h"
#include "ipc_mapping.h"
#include "ipc_process.h"
#include "ipc_text.h"
#include "ipc_time.h"
#include "log_paths.h"

#include <string.h>

/* Room for one instance's JSON object: its strings are paths and names of at most a few hundred characters. */
#define STATUS_JSON_CAP 8192

const wchar_t *ExitCodeName(DWORD code)
{
    /*
     * NTSTATUS values a crashed or interrupted process exits with (ntstatus.h),
     * ERROR_TIMEOUT, which the controller gives a listener it terminates for
     * hanging (TERMINATED_EXIT_CODE), and the listener's own IPC_EXIT_* codes.
     * 0 is success and has no name here.
     */
    switch (code) {
    case 0xC0000005u: return L"STATUS_ACCESS_VIOLATION";
    case 0xC000013Au: return L"STATUS_CONTROL_C_EXIT";
    case 0xC00000FDu: return L"STATUS_STACK_OVERFLOW";
    case 0xC0000409u: return L"STATUS_STACK_BUFFER_OVERRUN";
    case 0xC0000374u: return L"STATUS_HEAP_CORRUPTION";
    case 0xC000001Du: return L"STATUS_ILLEGAL_INSTRUCTION";
    case 0xC0000094u: return L"STATUS_INTEGER_DIVIDE_BY_ZERO";
    case 0xC0000135u: return L"STATUS_DLL_NOT_FOUND";
    case 0xC0000142u: return L"STATUS_DLL_INIT_FAILED";
    case 0x80000003u: return L"STATUS_BREAKPOINT";
    case 0xC0000017u: return L"STATUS_NO_MEMORY";
    case TERMINATED_EXIT_CODE: return L"ERROR_TIMEOUT";
    case IPC_EXIT_FAILURE: return L"IPC_EXIT_FAILURE";
    case IPC_EXIT_USAGE: return L"IPC_EXIT_USAGE";
    case IPC_EXIT_NOT_RUNNING: return L"IPC_EXIT_NOT_RUNNING";
    case IPC_EXIT_LISTENER_RUNNING: return L"IPC_EXIT_LISTENER_RUNNING";
    case IPC_EXIT_CONTROLLER_RUNNING: return L"IPC_EXIT_CONTROLLER_RUNNING";
    case IPC_EXIT_STOP_TIMEOUT: return L"IPC_EXIT_STOP_TIMEOUT";
    case IPC_EXIT_NAME_IN_USE: return L"IPC_EXIT_NAME_IN_USE";
    case IPC_EXIT_LAUNCH_FAILED: return L"IPC_EXIT_LAUNCH_FAILED";
    case IPC_EXIT_STOP_FORCED: return L"IPC_EXIT_STOP_FORCED";
    case IPC_EXIT_TASK_DENIED: return L"IPC_EXIT_TASK_DENIED";
    case IPC_EXIT_NAME_HELD: return L"IPC_EXIT_NAME_HELD";
    default: return NULL;
    }
}

/* Fills in the listener and controller fields of info from its header; the mapping is already read. */
static void CollectProcesses(const IpcControllerOptions *opt, const wchar_t *alias, StatusInfo *info)
{
    wchar_t sample_image[MAX_PATH * 2];
    HANDLE listener = NULL;
    HANDLE controller = NULL;
    HANDLE standby = NULL;
    DWORD image_len = (DWORD)ARRAYSIZE(info->image);
    BOOL ours = info->kind == IPC_LAYOUT_OURS;

    /* The listener: the pid at offset 0, or after a close message the one the header remembers. */
    if (info->hdr.message > 0) {
        info->pid = (DWORD)info->hdr.message;
    } else if (ours && info->hdr.listener_pid != 0) {
        info->pid = info->hdr.listener_pid;
    }
    if (info->pid != 0) {
        IpcIdentityOpenListener(info->name, alias, &info->hdr, info->kind, info->pid,
                                SampleListenerImage(opt, sample_image, (DWORD)ARRAYSIZE(sample_image)), &listener,
                                info->reason, ARRAYSIZE(info->reason));
    } else {
        IpcFormat(info->reason, ARRAYSIZE(info->reason), L"none has published its pid");
    }
    if (listener != NULL) {
        info->listener_running = TRUE;
        if (!QueryFullProcessImageNameW(listener, 0, info->image, &image_len)) {
            info->image[0] = L'\0';
        }
        if (IpcProcessCreationTime(listener, &info->started) != ERROR_SUCCESS) {
            info->started = 0;
        }
    }
    info->controller_running = OpenQueriedController(&info->hdr, info->kind, &controller);
    IpcHandleClose(&controller);
    if (ours && info->hdr.standby_pid != 0 &&
        IpcIdentityOpenStandby(info->name, alias, &info->hdr, info->hdr.standby_pid,
                               SampleListenerImage(opt, sample_image, (DWORD)ARRAYSIZE(sample_image)), &standby,
                               info->standby_reason, ARRAYSIZE(info->standby_reason)) == ERROR_SUCCESS) {
        info->standby_running = TRUE;
        if (IpcProcessCreationTime(standby, &info->standby_started) != ERROR_SUCCESS) {
            info->standby_started = 0;
        }
    }
    IpcHandleClose(&standby);
    IpcHandleClose(&listener);
}

int StatusCollect(const IpcControllerOptions *opt, const wchar_t *name, BOOL announce, StatusInfo *info)
{
    IpcMapping m = {0};

    memset(info, 0, sizeof(*info));
    info->now = IpcNowU64();
    IpcFormat(info->name, ARRAYSIZE(info->name), L"%ls", name);
    info->rc = OpenForQueryEx(name, announce, &m, &info->hdr, &info->kind, info->name, ARRAYSIZE(info->name));
    if (info->rc == IPC_EXIT_NOT_RUNNING) {
        IpcFormat(info->reason, ARRAYSIZE(info->reason), L"no mapping named '%ls'%ls", name,
                  wcschr(name, L'\\') == NULL ? L" in this session or in Global\\" : L"");
        return info->rc;
    }
    if (info->rc != IPC_EXIT_OK) {
        return info->rc;
    }
    info->found = TRUE;
    CollectProcesses(opt, name, info);
    IpcMappingClose(&m);
    if (!info->listener_running) {
        info->rc = IPC_EXIT_NOT_RUNNING;
    }
    return info->rc;
}

/* "global" for a name in Global\ (the object directory \BaseNamedObjects), else "session". */
static const wchar_t *NamespaceOf(const wchar_t *name)
{
    return wcsncmp(name, L"Global\\", 7) == 0 ? L"global" : L"session";
}

/* The listener's state word: "stopping" while a close message is pending, else what its header says. */
static const wchar_t *StateWord(const StatusInfo *info)
{
    BOOL ours = info->kind == IPC_LAYOUT_OURS;
    if (info->hdr.message == IPC_CLOSE_MESSAGE || (ours && info->hdr.stop_requests != info->hdr.stop_acked)) {
        return L"stopping";
    }
    return ours ? IpcLayoutStateName(info->hdr.state) : L"running";
}

static void WriteTime(IpcJson *j, const wchar_t *key, uint64_t filetime)
{
    wchar_t when[64];
    if (filetime == 0) {
        IpcJsonNull(j, key);
        return;
    }
    IpcFormatTime(filetime, when, ARRAYSIZE(when));
    IpcJsonString(j, key, when);
}

static uint64_t MsSince(uint64_t now, uint64_t then)
{
    return now > then ? (now - then) / 10000 : 0;
}

void StatusWriteJson(IpcJson *j, const wchar_t *typed, const StatusInfo *info)
{
    BOOL ours = info->kind == IPC_LAYOUT_OURS;

    IpcJsonBeginObject(j, NULL);
    IpcJsonString(j, L"instance", typed);
    IpcJsonString(j, L"name", info->found ? info->name : NULL);
    IpcJsonString(j, L"namespace", info->found ? NamespaceOf(info->name) : NULL);
    IpcJsonUnsigned(j, L"exit_code", (uint64_t)info->rc);
    IpcJsonBool(j, L"found", info->found != FALSE);
    if (!info->found) {
        IpcJsonString(j, L"layout", NULL);
    } else {
        IpcJsonString(j, L"layout", ours ? L"header" : (info->kind == IPC_LAYOUT_EMPTY ? L"empty" : L"sample"));
    }
    if (ours) {
        IpcJsonUnsigned(j, L"header_version", info->hdr.version);
    } else {
        IpcJsonNull(j, L"header_version");
    }

    IpcJsonBeginObject(j, L"listener");
    IpcJsonBool(j, L"running", info->listener_running != FALSE);
    if (info->pid != 0) {
        IpcJsonUnsigned(j, L"pid", info->pid);
    } else {
        IpcJsonNull(j, L"pid");
    }
    if (info->listener_running) {
        IpcJsonString(j, L"state", StateWord(info));
        IpcJsonString(j, L"image", info->image[0] != L'\0' ? info->image : NULL);
        WriteTime(j, L"started", info->started);
        if (info->started != 0) {
            IpcJsonUnsigned(j, L"run_time_ms", MsSince(info->now, info->started));
        } else {
            IpcJsonNull(j, L"run_time_ms");
        }
        IpcJsonNull(j, L"reason");
    } else {
        IpcJsonString(j, L"state", L"not_running");
        IpcJsonNull(j, L"image");
        IpcJsonNull(j, L"started");
        IpcJsonNull(j, L"run_time_ms");
        IpcJsonString(j, L"reason", info->reason[0] != L'\0' ? info->reason : NULL);
    }
    IpcJsonEnd(j);

    IpcJsonBeginObject(j, L"controller");
    IpcJsonBool(j, L"running", info->controller_running != FALSE);
    if (info->controller_running) {
        IpcJsonUnsigned(j, L"pid", info->hdr.controller_pid);
    } else {
        IpcJsonNull(j, L"pid");
    }
    IpcJsonEnd(j);
    LogPathsWriteJson(j, info);

    IpcJsonBeginObject(j, L"standby");
    IpcJsonBool(j, L"running", info->standby_running != FALSE);
    if (ours && info->hdr.standby_pid != 0) {
        IpcJsonUnsigned(j, L"pid", info->hdr.standby_pid);
    } else {
        IpcJsonNull(j, L"pid");
    }
    IpcJsonString(j, L"state", info->standby_running ? IpcLayoutStandbyStateName(info->hdr.standby_state)
                                                     : (ours && info->hdr.standby_pid != 0 ? L"not_running" : L"none"));
    WriteTime(j, L"started", info->standby_running ? info->standby_started : 0);
    IpcJsonString(j, L"reason", !info->standby_running && info->standby_reason[0] != L'\0' ? info->standby_reason
                                                                                           : NULL);
    IpcJsonEnd(j);

    if (ours) {
        const wchar_t *exit_name = ExitCodeName(info->hdr.last_exit_code);
        IpcJsonUnsigned(j, L"units", info->hdr.units);
        if (info->hdr.last_progress != 0) {
            IpcJsonUnsigned(j, L"ms_since_last_unit", MsSince(info->now, info->hdr.last_progress));
        } else {
            IpcJsonNull(j, L"ms_since_last_unit");
        }
        IpcJsonUnsigned(j, L"restarts", info->hdr.restarts);
        /* Due only while a controller backs off; a dead controller's pending relaunch never comes. */
        WriteTime(j, L"next_relaunch", info->controller_running ? info->hdr.next_relaunch : 0);
        IpcJsonUnsigned(j, L"last_exit_code", info->hdr.last_exit_code);
        IpcJsonString(j, L"last_exit_code_name", exit_name);
        IpcJsonUnsigned(j, L"failovers", info->hdr.failovers);
    } else {
        IpcJsonNull(j, L"units");
        IpcJsonNull(j, L"ms_since_last_unit");
        IpcJsonNull(j, L"restarts");
        IpcJsonNull(j, L"next_relaunch");
        IpcJsonNull(j, L"last_exit_code");
        IpcJsonNull(j, L"last_exit_code_name");
        IpcJsonNull(j, L"failovers");
    }
    IpcJsonEnd(j);
}

int RunStatusJson(const IpcControllerOptions *opt)
{
    StatusInfo *info = NULL;
    wchar_t *text = NULL;
    IpcJson j;
    int rc;

    info = (StatusInfo *)HeapAlloc(GetProcessHeap(), 0, sizeof(*info));
    text = (wchar_t *)HeapAlloc(GetProcessHeap(), 0, STATUS_JSON_CAP * sizeof(wchar_t));
    if (info == NULL || text == NULL) {
        rc = IpcFailWin32(L"HeapAlloc", ERROR_NOT_ENOUGH_MEMORY, L"the status text");
        goto cleanup;
    }
    /* Standard output carries the JSON text alone: the note that NAME was found in Global\ is its namespace field. */
    rc = StatusCollect(opt, opt->name, FALSE, info);
    IpcJsonInit(&j, text, STATUS_JSON_CAP);
    StatusWriteJson(&j, opt->name, info);
    if (!IpcJsonOk(&j)) {
        rc = IpcFail(IPC_EXIT_FAILURE, L"The status of '%ls' does not fit in %u characters of JSON", opt->name,
                     (unsigned)STATUS_JSON_CAP);
        goto cleanup;
    }
    IpcPrint(L"%ls", text);

cleanup:
    IpcHeapFree(&info);
    IpcHeapFree(&text);
    return rc;
}
