/*
 * restart_policy.c - the restart policy beside the back-off: exit codes that
 * end supervision (--no-restart-exit-codes) and a limit on relaunches within
 * an interval (--start-limit, --start-limit-interval) that ends it as failed,
 * after running --on-failure.
 *
 * Counting follows systemd's StartLimitBurst within StartLimitIntervalSec,
 * which counts starts (systemd.unit(5): units "started more than burst times
 * within an interval time span are not permitted to start any more", whatever
 * started them): every exit that would be relaunched counts, however
 * long the listener ran, because each would cost one start. --start-limit N
 * allows N relaunches within the interval; the exit that would need one more
 * ends supervision. (systemd also counts the first start, so its Burst=5 is
 * --start-limit 4 here.)
 */
#include "restart_policy.h"

#include "eventlog.h"

#include "controller.h"
#include "ipc_args.h"
#include "ipc_console.h"
#include "ipc_error.h"
#include "ipc_exit.h"
#include "ipc_layout.h"
#include "ipc_mapping.h"
#include "ipc_text.h"

#include <string.h>

/* How long the controller waits for --on-failure before it exits without it. */
#define ON_FAILURE_WAIT_MS 60000u

/*
 * When the last exits happened (GetTickCount64), oldest first, in a ring of
 * start_limit + 1 entries. One controller supervises one listener per
 * process, so this state is the process's.
 */
static ULONGLONG g_exit_ticks[IPC_MAX_START_LIMIT + 1];
static size_t g_exit_next;  /* where the next exit is recorded */
static size_t g_exit_count; /* how many entries are recorded, up to start_limit + 1 */

static BOOL ExitCodeListed(const IpcControllerOptions *opt, DWORD exit_code)
{
    size_t i;
    for (i = 0; i < opt->no_restart_count; i++) {
        if (opt->no_restart_codes[i] == exit_code) {
            return TRUE;
        }
    }
    return FALSE;
}

/* Records an exit at now; TRUE when it is the (start_limit + 1)th within the interval. */
static BOOL StartLimitReached(const IpcControllerOptions *opt, ULONGLONG now)
{
    size_t ring = (size_t)opt->start_limit + 1;
    g_exit_ticks[g_exit_next] = now;
    g_exit_next = (g_exit_next + 1) % ring;
    if (g_exit_count < ring) {
        g_exit_count++;
    }
    /* Full: g_exit_next now indexes the oldest of the last start_limit + 1 exits. */
    return g_exit_count == ring && now - g_exit_ticks[g_exit_next] < opt->start_limit_interval_ms;
}

/*
 * ReportStartLimit - the one place that reports that the start limit was
 * reached: the console, the log (IpcFail copies errors to the log) and the
 * Event Log's "start limit reached" event.
 */
static void ReportStartLimit(const Controller *c, DWORD pid, DWORD exit_code, DWORD ran_ms)
{
    IpcFail(IPC_EXIT_START_LIMIT,
            L"start limit reached: the listener (pid %lu) exited with code %lu%ls after %lu ms, its exit %lu within "
            L"%lu ms (--start-limit %lu --start-limit-interval %lu); not relaunching '%ls'.",
            (unsigned long)pid, (unsigned long)exit_code, IpcExitCodeMeaning(exit_code), (unsigned long)ran_ms,
            c->opt->start_limit + 1, c->opt->start_limit_interval_ms, c->opt->start_limit,
            c->opt->start_limit_interval_ms, c->opt->name);
    IpcEventLogStartLimit((DWORD)(c->opt->start_limit + 1), (DWORD)c->opt->start_limit_interval_ms, exit_code);
}

/*
 * Runs --on-failure with the failure in its environment and waits for it up to
 * ON_FAILURE_WAIT_MS. The variables are set in the controller's own
 * environment, which CreateProcessW passes on when lpEnvironment is NULL; the
 * controller exits next, so nothing else sees them. Its exit code is reported;
 * what it does changes nothing in the controller's own exit code.
 */
static void RunOnFailure(const Controller *c, DWORD exit_code)
{
    volatile IpcHeader *h = IpcMappingHeader(&c->map);
    const wchar_t *command = c->opt->on_failure;
    wchar_t number[16];
    wchar_t *cmd = NULL;
    size_t bytes = (wcslen(command) + 1) * sizeof(wchar_t);
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    DWORD code;
    DWORD result;

    SetEnvironmentVariableW(IPC_ENV_FAILURE_NAME, c->opt->name);
    IpcFormat(number, ARRAYSIZE(number), L"%lu", (unsigned long)exit_code);
    SetEnvironmentVariableW(IPC_ENV_FAILURE_EXIT_CODE, number);
    IpcFormat(number, ARRAYSIZE(number), L"%lu", h != NULL ? (unsigned long)h->restarts : 0ul);
    SetEnvironmentVariableW(IPC_ENV_FAILURE_RESTARTS, number);

    /* CreateProcessW may write into its command line, so it gets a copy. */
    cmd = (wchar_t *)HeapAlloc(GetProcessHeap(), 0, bytes);
    if (cmd == NULL) {
        IpcFailWin32(L"HeapAlloc", ERROR_NOT_ENOUGH_MEMORY, L"cannot run --on-failure '%ls'", command);
        return;
    }
    memcpy(cmd, command, bytes);
    ZeroMemory(&si, sizeof(si));
    si.cb = sizeof(si);
    IpcPrint(L"Running --on-failure: %ls", command);
    if (!CreateProcessW(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) {
        code = GetLastError();
        IpcFailWin32(L"CreateProcessW", code, L"cannot run --on-failure '%ls'", command);
        goto cleanup;
    }
    CloseHandle(pi.hThread);
    result = WaitForSingleObject(pi.hProcess, ON_FAILURE_WAIT_MS);
    if (result == WAIT_OBJECT_0 && GetExitCodeProcess(pi.hProcess, &code)) {
        IpcPrint(L"The --on-failure command (pid %lu) exited with code %lu%ls", (unsigned long)pi.dwProcessId,
                 (unsigned long)code, IpcExitCodeMeaning(code));
    } else {
        IpcFail(IPC_EXIT_START_LIMIT, L"the --on-failure command (pid %lu) is still running after %lu ms; not "
                L"waiting for it any longer.", (unsigned long)pi.dwProcessId, (unsigned long)ON_FAILURE_WAIT_MS);
    }
    CloseHandle(pi.hProcess);

cleanup:
    HeapFree(GetProcessHeap(), 0, cmd);
}

BOOL RestartPolicyAllows(Controller *c, DWORD pid, DWORD exit_code, DWORD ran_ms, int *exit_rc)
{
    if (ExitCodeListed(c->opt, exit_code)) {
        IpcPrint(L"Listener (pid %lu) exited with code %lu%ls after %lu ms, listed in --no-restart-exit-codes; not "
                 L"relaunching",
                 (unsigned long)pid, (unsigned long)exit_code, IpcExitCodeMeaning(exit_code), (unsigned long)ran_ms);
        *exit_rc = IPC_EXIT_NO_RESTART;
        return FALSE;
    }
    if (c->opt->start_limit != 0 && StartLimitReached(c->opt, GetTickCount64())) {
        ReportStartLimit(c, pid, exit_code, ran_ms);
        if (c->opt->on_failure != NULL) {
            RunOnFailure(c, exit_code);
        }
        *exit_rc = IPC_EXIT_START_LIMIT;
        return FALSE;
    }
    return TRUE;
}
