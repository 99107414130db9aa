/*
 * install.c - ConsoleAppController --install NAME: the task's command line,
 * made from this one, and the checks made before task.c registers it.
 * (--uninstall NAME goes straight to task.c.)
 */
#include "controller.h"

#include "task.h"
#include "ipc_args.h"
#include "ipc_error.h"
#include "ipc_exit.h"
#include "ipc_path.h"
#include "ipc_text.h"

#include <string.h>

/* Appends path made absolute, after prefix (an "--option=" or ""), as one argument. FALSE when it does not fit. */
static BOOL AppendFullPath(wchar_t *out, size_t cap, size_t *len, const wchar_t *prefix, const wchar_t *path)
{
    wchar_t full[MAX_PATH * 2];
    size_t n = wcslen(prefix);

    memcpy(full, prefix, n * sizeof(wchar_t));
    return IpcFullPath(path, full + n, (DWORD)(ARRAYSIZE(full) - n)) == ERROR_SUCCESS &&
           IpcAppendQuotedArg(out, cap, len, full);
}

/*
 * The task's arguments: this command line without --install NAME and the
 * trigger, NAME first, and --listener/--log made absolute (the task runs in
 * the controller's folder), and --unattended after NAME unless it was given.
 * Everything after "--" is the listener's, verbatim.
 */
static BOOL InstallArguments(int argc, wchar_t **argv, const wchar_t *name, BOOL unattended, wchar_t *out,
                             size_t cap)
{
    size_t len = 0;
    int i;
    BOOL listener_args = FALSE;

    out[0] = L'\0';
    if (!IpcAppendQuotedArg(out, cap, &len, name)) {
        return FALSE;
    }
    /* Nobody attends a task: no console, no prompt, no window for the listener (given once, as every option). */
    if (!unattended && !IpcAppendQuotedArg(out, cap, &len, L"--unattended")) {
        return FALSE;
    }
    for (i = 1; i < argc; i++) {
        const wchar_t *arg = argv[i];
        BOOL path_value = FALSE;
        const wchar_t *joined = NULL; /* the "--option=" of a path given in one word */
        if (!listener_args) {
            if (wcscmp(arg, L"--") == 0) {
                listener_args = TRUE;
            } else if (wcscmp(arg, L"--install") == 0) {
                i++; /* and its NAME */
                continue;
            } else if (wcsncmp(arg, L"--install=", 10) == 0 || wcscmp(arg, L"--at-startup") == 0 ||
                       wcscmp(arg, L"--at-logon") == 0 || wcscmp(arg, L"--dry-run") == 0) {
                continue;
            } else if ((wcscmp(arg, L"--listener") == 0 || wcscmp(arg, L"--log") == 0) && i + 1 < argc) {
                path_value = TRUE;
            } else if (wcsncmp(arg, L"--listener=", 11) == 0) {
                joined = L"--listener=";
            } else if (wcsncmp(arg, L"--log=", 6) == 0) {
                joined = L"--log=";
            }
        }
        if (joined != NULL) {
            /* --listener=PATH, --log=FILE: the same path made absolute, kept in one word. */
            if (!AppendFullPath(out, cap, &len, joined, arg + wcslen(joined))) {
                return FALSE;
            }
            continue;
        }
        if (!IpcAppendQuotedArg(out, cap, &len, arg)) {
            return FALSE;
        }
        if (path_value && !AppendFullPath(out, cap, &len, L"", argv[++i])) {
            return FALSE;
        }
    }
    return TRUE;
}

/*
 * Task Scheduler replaces %NAME% in an action's arguments with the value of
 * the environment variable NAME when the task starts ("ExecAction object",
 * Remarks: environment variables in Path, Arguments and WorkingDirectory are
 * expanded, learn.microsoft.com/windows/win32/taskschd/execaction), as
 * ExpandEnvironmentStringsW does, and documents no escape for %: there is no
 * spelling of %NAME% that reaches the program unexpanded. So any two % signs
 * with text between them (across arguments too) are refused, as a usage
 * error, while the listener's arguments can still be changed; a lone %, or
 * %% with nothing between, passes as it is.
 */
static int CheckNoExpansion(const wchar_t *args)
{
    const wchar_t *open = wcschr(args, L'%');
    const wchar_t *close;
    wchar_t text[64];
    size_t n;

    for (; open != NULL; open = close) {
        close = wcschr(open + 1, L'%');
        if (close == NULL) {
            break;
        }
        if (close > open + 1) {
            n = (size_t)(close - open) + 1;
            if (n > ARRAYSIZE(text) - 1) {
                n = ARRAYSIZE(text) - 1;
            }
            memcpy(text, open, n * sizeof(wchar_t));
            text[n] = L'\0';
            return IpcFail(IPC_EXIT_USAGE,
                           L"the task's arguments contain '%ls': Task Scheduler replaces %%NAME%% in a task's "
                           L"arguments with an environment variable's value when the task starts, and has no escape "
                           L"for %%, so the task would not get the arguments given. Put a command line with %% in a "
                           L".cmd file and give that file to --run, or leave out the %% signs.",
                           text);
        }
    }
    return IPC_EXIT_OK;
}

/*
 * TRUE when full (an absolute path) is on another computer: a UNC path
 * (\\server\share\..., \\?\UNC\...) or a drive letter that GetDriveTypeW says
 * is DRIVE_REMOTE, a mapped network drive (learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-getdrivetypew).
 */
static BOOL IsNetworkPath(const wchar_t *full)
{
    wchar_t root[4];

    if (wcsncmp(full, L"\\\\?\\", 4) == 0 || wcsncmp(full, L"\\\\.\\", 4) == 0) {
        if (_wcsnicmp(full + 4, L"UNC\\", 4) == 0) {
            return TRUE;
        }
        full += 4;
    } else if (full[0] == L'\\' && full[1] == L'\\') {
        return TRUE;
    }
    if (full[0] == L'\0' || full[1] != L':') {
        return FALSE;
    }
    root[0] = full[0];
    root[1] = L':';
    root[2] = L'\\';
    root[3] = L'\0';
    return GetDriveTypeW(root) == DRIVE_REMOTE;
}

/*
 * --at-startup registers an S4U task, and "when an S4U logon is used, no
 * password is stored by the system and there is no access to either the
 * network or to encrypted files" (TASK_LOGON_TYPE,
 * learn.microsoft.com/windows/win32/api/taskschd/ne-taskschd-task_logon_type);
 * nor has that logon the drive letters mapped in this one. A controller, a
 * listener or a log on a share or a mapped drive would fail at every boot,
 * so it is refused now; role names it in the message ("the controller").
 */
static int CheckLocalPath(const wchar_t *role, const wchar_t *path)
{
    wchar_t full[MAX_PATH * 2];

    if (path == NULL || IpcFullPath(path, full, (DWORD)ARRAYSIZE(full)) != ERROR_SUCCESS || !IsNetworkPath(full)) {
        return IPC_EXIT_OK;
    }
    return IpcFail(IPC_EXIT_USAGE,
                   L"--at-startup: %ls '%ls' is on a network share or a mapped network drive, which a task that "
                   L"runs at start-up (an S4U logon: no network access, no mapped drives) cannot reach. Put it on a "
                   L"local disk, or install with --at-logon.",
                   role, full);
}

/* The --at-startup checks of the controller, the listener and the log. */
static int CheckStartupPaths(const IpcControllerOptions *opt, const wchar_t *self, const wchar_t *listener)
{
    int rc = CheckLocalPath(L"the controller", self);

    if (rc == IPC_EXIT_OK) {
        rc = CheckLocalPath(L"the listener", listener);
    }
    if (rc == IPC_EXIT_OK) {
        rc = CheckLocalPath(L"the log", opt->log);
    }
    return rc;
}

int RunInstall(const IpcControllerOptions *opt, int argc, wchar_t **argv)
{
    wchar_t self[MAX_PATH * 2];
    wchar_t listener[MAX_PATH * 2];
    wchar_t *args = NULL;
    DWORD n = GetModuleFileNameW(NULL, self, (DWORD)ARRAYSIZE(self));
    DWORD code;
    int rc;

    if (n == 0 || n >= ARRAYSIZE(self)) {
        code = n == 0 ? GetLastError() : ERROR_INSUFFICIENT_BUFFER;
        return IpcFailWin32(L"GetModuleFileNameW", code, L"cannot find this program's path");
    }
    /* A task that could only fail at every boot is caught now, while someone is watching. */
    if (opt->at_startup) {
        rc = CheckStartupPaths(opt, self, opt->listener_path);
        if (rc != IPC_EXIT_OK) {
            return rc;
        }
    }
    rc = FindListener(opt, listener, (DWORD)ARRAYSIZE(listener), L"; not registering a task that would fail");
    if (rc != IPC_EXIT_OK) {
        return rc;
    }
    args = (wchar_t *)HeapAlloc(GetProcessHeap(), 0, (IPC_MAX_COMMAND_LINE + 1) * sizeof(wchar_t));
    if (args == NULL || !InstallArguments(argc, argv, opt->name, opt->unattended, args, IPC_MAX_COMMAND_LINE + 1)) {
        rc = IpcFail(IPC_EXIT_USAGE, L"the task's command line would be longer than %d characters.",
                     IPC_MAX_COMMAND_LINE);
        goto cleanup;
    }
    rc = CheckNoExpansion(args);
    if (rc != IPC_EXIT_OK) {
        goto cleanup;
    }
    rc = IpcTaskInstall(opt->name, self, args, opt->at_startup ? IPC_TASK_AT_STARTUP : IPC_TASK_AT_LOGON,
                        opt->dry_run);

cleanup:
    if (args != NULL) {
        HeapFree(GetProcessHeap(), 0, args);
    }
    return rc;
}
