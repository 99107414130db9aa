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
    rc = IpcTaskInstall(opt->name, self, args, opt->at_startup ? IPC_TASK_AT_STARTUP : IPC_TASK_AT_LOGON,
                        opt->dry_run);

cleanup:
    if (args != NULL) {
        HeapFree(GetProcessHeap(), 0, args);
    }
    return rc;
}
