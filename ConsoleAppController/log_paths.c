/*
 * log_paths.c - NAME|log from both sides: the supervisor publishes its logs'
 * paths there, --status and --status --json show them (see log_paths.h).
 */
#include "log_paths.h"

#include "controller.h"
#include "ipc_console.h"
#include "ipc_env.h"
#include "ipc_error.h"
#include "ipc_exit.h"
#include "ipc_handle.h"
#include "ipc_json.h"
#include "ipc_log_record.h"
#include "ipc_name.h"
#include "ipc_text.h"

/* NAME|log while this process supervises with --log: one supervisor per process. */
static HANDLE g_record;

int LogPathsPublish(const IpcControllerOptions *opt)
{
    wchar_t controller_log[IPC_LOG_RECORD_PATH_CAP + 1];
    wchar_t listener_log[IPC_LOG_RECORD_PATH_CAP + 1];
    wchar_t full[MAX_PATH];
    const wchar_t *api = L"GetEnvironmentVariableW";
    DWORD n;
    DWORD code = ERROR_FILENAME_EXCED_RANGE;

    if (opt->log == NULL) {
        return IPC_EXIT_OK;
    }
    /* The log set-up left both full paths in the environment for the listeners: exactly what they write to. */
    n = GetEnvironmentVariableW(IPC_ENV_CONTROLLER_LOG, controller_log, (DWORD)ARRAYSIZE(controller_log));
    if (n > 0 && n < ARRAYSIZE(controller_log)) {
        n = GetEnvironmentVariableW(IPC_ENV_LISTENER_LOG, listener_log, (DWORD)ARRAYSIZE(listener_log));
        if (n >= ARRAYSIZE(listener_log)) {
            listener_log[0] = L'\0';
        }
        code = IpcLogRecordPublish(opt->name, controller_log, n > 0 ? listener_log : NULL, &g_record, &api);
    }
    if (code != ERROR_SUCCESS) {
        IpcDerivedName(opt->name, IPC_SUFFIX_LOG_MAPPING, full, MAX_PATH);
        return IpcFailName(api, code, full, L"file mapping");
    }
    return IPC_EXIT_OK;
}

void LogPathsWithdraw(void)
{
    IpcHandleClose(&g_record);
}

/* What NAME|log says for the controller a header names. */
typedef enum LogPathsState {
    LOG_PATHS_NO_CONTROLLER, /* the header names no controller that runs and was verified */
    LOG_PATHS_NONE,    /* the controller runs without --log */
    LOG_PATHS_FOUND,   /* *paths holds them */
    LOG_PATHS_UNKNOWN  /* NAME|log is there but cannot be trusted: why says so */
} LogPathsState;

static LogPathsState ReadPaths(const wchar_t *resolved, const IpcHeader *hdr, IpcLayoutKind kind, IpcLogPaths *paths,
                               wchar_t *why, size_t cap)
{
    HANDLE controller = NULL;
    const wchar_t *problem = L"";
    BOOL running = OpenQueriedController(hdr, kind, &controller);
    DWORD code;

    IpcHandleClose(&controller);
    if (!running) {
        return LOG_PATHS_NO_CONTROLLER;
    }
    code = IpcLogRecordRead(resolved, paths, &problem);
    if (code == ERROR_FILE_NOT_FOUND) {
        return LOG_PATHS_NONE;
    }
    if (code == ERROR_INVALID_DATA) {
        IpcFormat(why, cap, L"'%ls%ls' is not a valid record of the logs: %ls", resolved, IPC_SUFFIX_LOG_MAPPING,
                  problem);
        return LOG_PATHS_UNKNOWN;
    }
    if (code != ERROR_SUCCESS) {
        IpcFormat(why, cap, L"'%ls%ls' cannot be trusted or read: error %lu", resolved, IPC_SUFFIX_LOG_MAPPING,
                  (unsigned long)code);
        return LOG_PATHS_UNKNOWN;
    }
    /* Pids are reused: the record counts only when the running controller wrote it. */
    if (paths->controller_pid != hdr->controller_pid || paths->controller_created != hdr->controller_created) {
        IpcFormat(why, cap, L"'%ls%ls' was written by pid %lu, not by the controller (pid %lu)", resolved,
                  IPC_SUFFIX_LOG_MAPPING, (unsigned long)paths->controller_pid, (unsigned long)hdr->controller_pid);
        return LOG_PATHS_UNKNOWN;
    }
    return LOG_PATHS_FOUND;
}

void LogPathsPrint(const wchar_t *resolved, const IpcHeader *hdr, IpcLayoutKind kind)
{
    IpcLogPaths paths;
    wchar_t why[IPC_ERROR_TEXT_MAX];

    switch (ReadPaths(resolved, hdr, kind, &paths, why, ARRAYSIZE(why))) {
    case LOG_PATHS_FOUND:
        if (paths.listener_log[0] != L'\0') {
            IpcPrint(L"Log:        %ls (its listeners log to %ls)", paths.controller_log, paths.listener_log);
        } else {
            IpcPrint(L"Log:        %ls", paths.controller_log);
        }
        break;
    case LOG_PATHS_UNKNOWN:
        IpcPrint(L"Log:        unknown (%ls)", why);
        break;
    case LOG_PATHS_NO_CONTROLLER:
        IpcPrint(L"Log:        unknown (no controller supervises it)");
        break;
    case LOG_PATHS_NONE:
        IpcPrint(L"Log:        none (the controller runs without --log)");
        break;
    }
}

void LogPathsWriteJson(struct IpcJson *j, const StatusInfo *info)
{
    IpcLogPaths paths;
    wchar_t why[IPC_ERROR_TEXT_MAX];
    BOOL found = info->found && ReadPaths(info->name, &info->hdr, info->kind, &paths, why, ARRAYSIZE(why)) ==
                                    LOG_PATHS_FOUND;

    IpcJsonBeginObject(j, L"logs");
    IpcJsonString(j, L"controller", found ? paths.controller_log : NULL);
    IpcJsonString(j, L"listener", found && paths.listener_log[0] != L'\0' ? paths.listener_log : NULL);
    IpcJsonEnd(j);
}
