/*
 * launch.c - the listener executable: where it is, its command line, and
 * starting it (CreateProcessW) with the console the options ask for.
 */
#include "controller.h"
#include "eventlog.h"
#include "ipc_args.h"
#include "ipc_console.h"
#include "ipc_env.h"
#include "ipc_error.h"
#include "ipc_exit.h"
#include "ipc_handle.h"
#include "ipc_layout.h"
#include "ipc_mapping.h"
#include "ipc_path.h"
#include "ipc_process.h"
#include "ipc_text.h"

#include <string.h>

int FindListener(const IpcControllerOptions *opt, wchar_t *out, DWORD cap, const wchar_t *tail)
{
    const wchar_t *given = opt->listener_path;
    DWORD code;
    DWORD attrs;

    if (given != NULL) {
        code = IpcFullPath(given, out, cap);
        if (code != ERROR_SUCCESS) {
            return IpcFailWin32Exit(IPC_EXIT_LAUNCH_FAILED, L"GetFullPathNameW", code,
                                    L"cannot resolve the listener path '%ls'", given);
        }
    } else {
        code = IpcSelfDirectoryFile(LISTENER_EXE, out, cap);
        if (code != ERROR_SUCCESS) {
            return IpcFailWin32(L"GetModuleFileNameW", code, L"cannot find this program's folder");
        }
    }
    attrs = GetFileAttributesW(out);
    if (attrs == INVALID_FILE_ATTRIBUTES || (attrs & FILE_ATTRIBUTE_DIRECTORY) != 0) {
        return IpcFail(IPC_EXIT_LAUNCH_FAILED, L"the listener executable '%ls' does not exist%ls%ls.", out,
                       given != NULL ? L"" : L" (put ConsoleAppListener.exe beside the controller, or use --listener PATH)",
                       tail);
    }
    return IPC_EXIT_OK;
}

const wchar_t *SampleListenerImage(const IpcControllerOptions *opt, wchar_t *buf, DWORD cap)
{
    if (opt->listener_path == NULL) {
        return LISTENER_EXE;
    }
    return IpcFullPath(opt->listener_path, buf, cap) == ERROR_SUCCESS ? buf : opt->listener_path;
}

int PrepareListener(Controller *c)
{
    const IpcControllerOptions *opt = c->opt;
    size_t len = 0;
    int i;
    BOOL fits;
    int rc = FindListener(opt, c->listener_path, (DWORD)ARRAYSIZE(c->listener_path), L"");

    if (rc != IPC_EXIT_OK) {
        return rc;
    }
    /* The C# sample ran the listener in its own folder (WorkingDirectory = the exe's parent). */
    memcpy(c->listener_dir, c->listener_path, sizeof(c->listener_dir));
    c->listener_dir[IpcPathFileName(c->listener_dir) - c->listener_dir] = L'\0';

    fits = IpcAppendQuotedArg(c->command_line, ARRAYSIZE(c->command_line), &len, c->listener_path);
    c->args_offset = len + 1;
    fits = fits && IpcAppendQuotedArg(c->command_line, ARRAYSIZE(c->command_line), &len, opt->name);
    for (i = 0; fits && i < opt->listener_argc; i++) {
        fits = IpcAppendQuotedArg(c->command_line, ARRAYSIZE(c->command_line), &len, opt->listener_argv[i]);
    }
    if (!fits) {
        return IpcFail(IPC_EXIT_USAGE, L"the listener's command line would be longer than %d characters.",
                       IPC_MAX_COMMAND_LINE);
    }
    return IPC_EXIT_OK;
}

void RecordListener(Controller *c, HANDLE process, DWORD pid)
{
    volatile IpcHeader *h = IpcMappingHeader(&c->map);
    uint64_t created = 0;
    if (h != NULL && IpcProcessCreationTime(process, &created) == ERROR_SUCCESS) {
        IpcHeaderWrite64(&h->listener_created, created);
        h->listener_pid = pid;
    }
}

/*
 * The creation flags for the --console mode; TRUE when the listener is to get
 * explicit standard handles: ours when it shares our console, the NUL device
 * when it has none (a detached process given no handles would otherwise find
 * our handle values in its standard handles, values that mean nothing in it).
 */
static BOOL ConsoleSetup(IpcConsoleMode mode, DWORD *flags, HANDLE std[3])
{
    std[0] = std[1] = std[2] = NULL;
    switch (mode) {
    case IPC_CONSOLE_NEW:
        *flags |= CREATE_NEW_CONSOLE;
        return FALSE;
    case IPC_CONSOLE_NONE:
        /*
         * No console at all: CREATE_NO_WINDOW would still give the listener a
         * hidden console, and a console host process with it, costing about a
         * third of every (re)start (tests/bench/README.md).
         */
        *flags |= DETACHED_PROCESS;
        return TRUE;
    case IPC_CONSOLE_SHARED:
        /*
         * Hand over our standard handles explicitly: when they are pipes or files
         * (a script capturing output), a child that merely shares the console
         * would otherwise get handles it cannot use.
         */
        std[0] = GetStdHandle(STD_INPUT_HANDLE);
        std[1] = GetStdHandle(STD_OUTPUT_HANDLE);
        std[2] = GetStdHandle(STD_ERROR_HANDLE);
        return TRUE;
    }
    return FALSE;
}

/* System error codes some SDKs (MinGW's) do not name. */
#ifndef ERROR_VIRUS_INFECTED
#define ERROR_VIRUS_INFECTED 225L
#endif
#ifndef ERROR_VIRUS_DELETED
#define ERROR_VIRUS_DELETED 226L
#endif
#ifndef ERROR_ELEVATION_REQUIRED
#define ERROR_ELEVATION_REQUIRED 740L
#endif

BOOL LaunchErrorIsPermanent(DWORD code)
{
    /*
     * CreateProcessW's errors about the file itself (System Error Codes,
     * learn.microsoft.com/windows/win32/debug/system-error-codes): it is not
     * there, not a program for this Windows, or not ours to run. Everything
     * else (ERROR_NO_SYSTEM_RESOURCES, ERROR_NOT_ENOUGH_MEMORY,
     * ERROR_COMMITMENT_LIMIT, ERROR_NOT_ENOUGH_QUOTA, a sharing violation while
     * the file is being replaced or scanned, Wine's ERROR_INTERNAL_ERROR under
     * load) is a state of the system that passes, so it is retried.
     */
    switch (code) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_ACCESS_DENIED:
    case ERROR_BAD_FORMAT:
    case ERROR_INVALID_NAME:
    case ERROR_BAD_PATHNAME:
    case ERROR_DIRECTORY:
    case ERROR_FILENAME_EXCED_RANGE:
    case ERROR_CHILD_NOT_COMPLETE:
    case ERROR_INVALID_EXE_SIGNATURE:
    case ERROR_EXE_MARKED_INVALID:
    case ERROR_BAD_EXE_FORMAT:
    case ERROR_EXE_MACHINE_TYPE_MISMATCH:
    case ERROR_EXE_CANNOT_MODIFY_SIGNED_BINARY:
    case ERROR_EXE_CANNOT_MODIFY_STRONG_SIGNED_BINARY:
    case ERROR_VIRUS_INFECTED:
    case ERROR_VIRUS_DELETED:
    case ERROR_ELEVATION_REQUIRED:
    case ERROR_ACCESS_DISABLED_BY_POLICY:
    case ERROR_INVALID_PARAMETER:
        return TRUE;
    default:
        return FALSE;
    }
}

DWORD StartListenerProcess(Controller *c, BOOL standby, HANDLE *process, DWORD *pid)
{
    IpcChildStdio stdio;
    STARTUPINFOW plain;
    STARTUPINFOW *si = &plain;
    PROCESS_INFORMATION pi;
    DWORD flags = 0;
    BOOL inherit = FALSE;
    BOOL created;
    HANDLE std[3];
    DWORD code = ERROR_SUCCESS;
    wchar_t *cmd = NULL;
    size_t cmd_bytes = (wcslen(c->command_line) + 1) * sizeof(wchar_t);

    memset(&stdio, 0, sizeof(stdio));
    memset(&plain, 0, sizeof(plain));
    memset(&pi, 0, sizeof(pi));
    plain.cb = sizeof(plain);
    IpcPrint(standby ? L"Launching standby listener: %ls %ls " : L"Launching executable: %ls %ls ", c->listener_path,
             c->command_line + c->args_offset);
    if (ConsoleSetup(c->opt->console, &flags, std)) {
        /*
         * Exactly its three standard handles, as inheritable copies: never any
         * other inheritable handle of ours, and our own handles' inherit flags
         * stay as they are.
         */
        code = IpcChildStdioInit(&stdio, std[0], std[1], std[2]);
        if (code != ERROR_SUCCESS) {
            IpcFailWin32(L"UpdateProcThreadAttribute", code, L"cannot prepare the listener's standard handles");
            goto cleanup;
        }
        si = &stdio.si.StartupInfo;
        inherit = stdio.si.lpAttributeList != NULL;
        flags |= EXTENDED_STARTUPINFO_PRESENT;
    }

    /* CreateProcessW may write into the command line, so it gets a copy. */
    cmd = (wchar_t *)HeapAlloc(GetProcessHeap(), 0, cmd_bytes);
    if (cmd == NULL) {
        code = ERROR_NOT_ENOUGH_MEMORY;
        IpcFailWin32(L"HeapAlloc", code, L"cannot launch '%ls'", c->listener_path);
        goto cleanup;
    }
    memcpy(cmd, c->command_line, cmd_bytes);
    /*
     * A standby is told so through its environment, as the controller's pid
     * is. With lpEnvironment NULL, CreateProcessW gives the child a copy of
     * this process's environment as it is at the call
     * (learn.microsoft.com/windows/win32/api/processthreadsapi/nf-processthreadsapi-createprocessw,
     * lpEnvironment); only the main thread
     * starts processes, so the variable, set for this call alone, reaches the
     * standby and no other child.
     */
    if (standby) {
        SetEnvironmentVariableW(IPC_ENV_STANDBY, L"1");
    }
    created = CreateProcessW(c->listener_path, cmd, NULL, NULL, inherit, flags, NULL, c->listener_dir, si, &pi);
    code = created ? ERROR_SUCCESS : GetLastError();
    if (standby) {
        SetEnvironmentVariableW(IPC_ENV_STANDBY, NULL);
    }
    if (!created) {
        IpcFailWin32(L"CreateProcessW", code, L"cannot launch '%ls'", c->listener_path);
        goto cleanup;
    }
    IpcHandleClose(&pi.hThread);
    *process = pi.hProcess;
    *pid = pi.dwProcessId;

cleanup:
    IpcChildStdioRelease(&stdio);
    if (cmd != NULL) {
        HeapFree(GetProcessHeap(), 0, cmd);
    }
    return code;
}

DWORD LaunchListener(Controller *c)
{
    HANDLE process = NULL;
    DWORD pid = 0;
    DWORD code = StartListenerProcess(c, FALSE, &process, &pid);

    if (code != ERROR_SUCCESS) {
        return code;
    }
    RecordListener(c, process, pid);
    code = WatchListener(c, process, pid);
    if (code != ERROR_SUCCESS) {
        IpcFailWin32(L"RegisterWaitForSingleObject", code, L"cannot watch the listener (pid %lu)", (unsigned long)pid);
        /* Unwatched, it would run on unsupervised: ask it to stop rather than lose track of it. */
        IpcMappingSendClose(&c->map);
        IpcHandleClose(&process);
        return code;
    }
    c->launched_once = TRUE;
    IpcEventLogLaunched(pid, c->command_line + c->args_offset);
    return ERROR_SUCCESS;
}
