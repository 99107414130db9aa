/*
 * ConsoleAppListener - a faithful port of the seed's C# ConsoleAppListener.
 *
 * It publishes its process id at offset 0 of the mapping named NAME, then does
 * one unit of work at a time and, between units, looks for the close message
 * (-1) there; on finding it, it finishes and exits 0. A unit that has started
 * always finishes first.
 *
 * What the seed got wrong and this port fixes: a second listener for the same
 * NAME no longer overwrites the first one's pid (a named mutex guards NAME); a
 * close message that arrives while the listener starts is never overwritten
 * (compare-and-swap); a listener launched by a controller, or with no console
 * to type into, never waits for an Enter that nobody can press.
 */
#include "ipc_win.h"

#include <stdio.h>

static const wchar_t kUsage[] =
    L"Usage: ConsoleAppListener NAME [--work-ms N] [--journal FILE]\n"
    L"\n"
    L"Does units of work until the close message (-1) appears at offset 0 of the\n"
    L"named memory-mapped file NAME, where it publishes its process id.\n"
    L"\n"
    L"  NAME          instance name; may start with Local\\ or Global\\\n"
    L"  --work-ms N   length of one unit of work in milliseconds (default 6000)\n"
    L"  --journal FILE  append a line when each unit starts and ends, so that an\n"
    L"                observer can check that no started unit was lost\n"
    L"  --help, -h, /?  this text;  --version  the version\n"
    L"\n"
    L"Exit codes:\n"
    L"  0  stopped by the close message (or Ctrl+C) after finishing its unit\n"
    L"  1  a Windows call failed (the message names it)\n"
    L"  2  bad command line or instance name, or no NAME given\n"
    L"  4  a listener for NAME is already running\n"
    L"  7  NAME is taken by an object that is not a listener's mapping";

/* Set by the console control handler; read by the main loop between units. */
static volatile LONG g_ctrl_stop = 0;
/* Signalled when the last unit has finished, so a closing console waits for it. */
static HANDLE g_finished = NULL;

/*
 * Ctrl+C and Ctrl+Break ask for the same graceful stop as the close message.
 * For closing the window, log-off and shutdown Windows ends the process as soon
 * as this handler returns (or after a few seconds), so the handler holds on until
 * the running unit has finished; that is all the time Windows gives us.
 */
static BOOL WINAPI CtrlHandler(DWORD type)
{
    InterlockedExchange(&g_ctrl_stop, 1);
    if (type == CTRL_CLOSE_EVENT || type == CTRL_LOGOFF_EVENT || type == CTRL_SHUTDOWN_EVENT) {
        if (g_finished != NULL) {
            WaitForSingleObject(g_finished, INFINITE);
        }
    }
    return TRUE;
}

/* Launched by our controller: it sets this variable in its environment for its children. */
static BOOL LaunchedByController(void)
{
    wchar_t value[32];
    DWORD n = GetEnvironmentVariableW(IPC_ENV_CONTROLLER_PID, value, (DWORD)(sizeof(value) / sizeof(value[0])));
    return n > 0 && n < (DWORD)(sizeof(value) / sizeof(value[0]));
}

/* The pid of the listener that already serves NAME, for the refusal message (0 when unknown). */
static DWORD RunningListenerPid(const wchar_t *name)
{
    IpcMapping m = {0};
    IpcHeader h;
    DWORD pid = 0;

    if (IpcMappingOpen(name, &m) != ERROR_SUCCESS) {
        return 0;
    }
    switch (IpcMappingSnapshot(&m, &h, NULL)) {
    case IPC_LAYOUT_OURS:
        pid = h.listener_pid;
        break;
    case IPC_LAYOUT_SEED:
        pid = h.message > 0 ? (DWORD)h.message : 0;
        break;
    default:
        break;
    }
    IpcMappingClose(&m);
    return pid;
}

/*
 * Publishes our pid at offset 0 without ever replacing a pending close message.
 * A -1 is stale, and may be replaced, only when our header shows that the last
 * listener stopped (last_stopped, read before we overwrote the state) and
 * consumed every stop request. Returns FALSE when a close
 * message is pending: the caller then stops without doing any work.
 */
static BOOL PublishPid(const IpcMapping *m, volatile IpcHeader *h, BOOL last_stopped, LONG pid)
{
    for (;;) {
        LONG seen = IpcMappingReadMessage(m);
        if (seen == IPC_CLOSE_MESSAGE) {
            BOOL stale = h != NULL && last_stopped && h->stop_requests == h->stop_acked;
            if (!stale) {
                return FALSE;
            }
        }
        if (IpcMappingCompareExchangeMessage(m, pid, seen) == seen) {
            return TRUE;
        }
        /* Someone wrote in between (a stop, most likely): look again. */
    }
}

/* The seed's ShouldClose, plus the stop counter and Ctrl+C. */
static BOOL ShouldClose(const IpcMapping *m, volatile IpcHeader *h)
{
    BOOL close = IpcMappingReadMessage(m) == IPC_CLOSE_MESSAGE;
    if (!close && h != NULL && h->stop_requests != h->stop_acked) {
        close = TRUE;
    }
    if (close) {
        IpcPrint(L"Received shutdown message");
        return TRUE;
    }
    if (InterlockedCompareExchange(&g_ctrl_stop, 0, 0) != 0) {
        IpcPrint(L"Stop requested from the console (Ctrl+C or the window closing)");
        return TRUE;
    }
    return FALSE;
}

/*
 * Appends "<UTC time> pid=<pid> unit=<n> <event>" to the journal. One WriteFile
 * per line on a handle opened for appending: the line reaches the file system
 * cache whole, so it survives the process being killed a moment later.
 */
static void Journal(HANDLE journal, unsigned long unit, const char *event)
{
    char line[128];
    SYSTEMTIME t;
    DWORD written;
    int n;

    if (journal == NULL) {
        return;
    }
    GetSystemTime(&t);
    n = snprintf(line, sizeof(line), "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ pid=%lu unit=%lu %s\r\n", t.wYear, t.wMonth,
                 t.wDay, t.wHour, t.wMinute, t.wSecond, t.wMilliseconds, (unsigned long)GetCurrentProcessId(), unit,
                 event);
    if (n > 0 && n < (int)sizeof(line)) {
        WriteFile(journal, line, (DWORD)n, &written, NULL);
    }
}

static void PerformProcessing(volatile IpcHeader *h, DWORD work_ms, HANDLE journal, unsigned long unit)
{
    IpcPrint(L"Performing processing");
    if (h != NULL) {
        h->state = IPC_STATE_WORKING;
    }
    Journal(journal, unit, "start");
    /* In this case, just sleep. In real world, processing code goes here (the seed's words). */
    Sleep(work_ms);
    Journal(journal, unit, "end");
    if (h != NULL) {
        h->units = h->units + 1;
        h->last_progress = IpcNowU64();
        h->state = IPC_STATE_RUNNING;
    }
}

int wmain(int argc, wchar_t **argv)
{
    int rc = IPC_EXIT_FAILURE;
    IpcListenerOptions opt;
    wchar_t err[IPC_ERROR_TEXT_MAX];
    HANDLE mutex = NULL;
    IpcMapping m = {0};
    volatile IpcHeader *h = NULL;
    DWORD code;
    uint64_t created = 0;
    BOOL wait_for_enter = FALSE;
    BOOL last_stopped = FALSE;
    HANDLE journal = NULL;
    unsigned long unit = 0;
    const wchar_t *why = L"";

    switch (IpcParseListenerArgs(argc, argv, &opt, err, IPC_ERROR_TEXT_MAX)) {
    case IPC_PARSE_HELP:
        IpcPrint(L"%ls", kUsage);
        rc = IPC_EXIT_OK;
        goto done;
    case IPC_PARSE_VERSION:
        IpcPrint(L"ConsoleAppListener %ls", IPC_VERSION_TEXT);
        rc = IPC_EXIT_OK;
        goto done;
    case IPC_PARSE_ERROR:
        IpcPrintErr(L"Error: %ls. Run ConsoleAppListener --help for usage.", err);
        rc = IPC_EXIT_USAGE;
        goto done;
    case IPC_PARSE_OK:
        break;
    }

    if (opt.name == NULL) {
        IpcPrint(L"Error: Expected a unique name for the application from the command line.");
        /* The seed waits for a key here; only a person at a console can press one. */
        if (IpcStdinIsConsole()) {
            IpcWaitForEnter();
        }
        rc = IPC_EXIT_USAGE;
        goto done;
    }

    if (opt.journal != NULL) {
        /* FILE_APPEND_DATA alone makes every write land at the end, even with several writers. */
        journal = CreateFileW(opt.journal, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                              NULL, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
        if (journal == INVALID_HANDLE_VALUE) {
            code = GetLastError();
            journal = NULL;
            IpcReportError(L"CreateFileW", code, L"cannot open the journal '%ls'", opt.journal);
            goto done;
        }
    }

    g_finished = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (g_finished == NULL) {
        code = GetLastError();
        IpcReportError(L"CreateEventW", code, L"cannot create an event");
        goto done;
    }
    SetConsoleCtrlHandler(CtrlHandler, TRUE);

    code = IpcNamedMutexTryAcquire(opt.name, IPC_SUFFIX_LISTENER_MUTEX, &mutex);
    if (code == ERROR_ALREADY_EXISTS) {
        DWORD other = RunningListenerPid(opt.name);
        if (other != 0) {
            IpcPrintErr(L"Error: a listener for '%ls' is already running (pid %lu).", opt.name, (unsigned long)other);
        } else {
            IpcPrintErr(L"Error: a listener for '%ls' is already running.", opt.name);
        }
        rc = IPC_EXIT_LISTENER_RUNNING;
        goto done;
    }
    if (code != ERROR_SUCCESS) {
        wchar_t lock[MAX_PATH];
        IpcDerivedName(opt.name, IPC_SUFFIX_LISTENER_MUTEX, lock, MAX_PATH);
        rc = IpcReportNameError(L"CreateMutexW", code, lock, L"mutex");
        goto done;
    }

    code = IpcMappingCreate(opt.name, &m);
    if (code != ERROR_SUCCESS) {
        rc = IpcReportNameError(L"CreateFileMappingW", code, opt.name, L"file mapping");
        goto done;
    }
    if (m.kind == IPC_LAYOUT_INVALID) {
        IpcMappingSnapshot(&m, NULL, &why);
        IpcPrintErr(L"Error: the mapping '%ls' exists but does not hold a listener's data: %ls.", opt.name, why);
        rc = IPC_EXIT_NAME_IN_USE;
        goto done;
    }
    /* Our header when we created the mapping or found one of ours; NULL for the seed's 4-byte format. */
    h = IpcMappingHeader(&m);

    if (h != NULL) {
        code = IpcProcessCreationTime(GetCurrentProcess(), &created);
        if (code != ERROR_SUCCESS) {
            IpcReportError(L"GetProcessTimes", code, L"cannot read this process's start time");
            goto done;
        }
        last_stopped = h->state == IPC_STATE_STOPPED;
        /* Identity first, pid second: a reader that sees our pid can then always verify it. */
        h->units = 0;
        h->last_progress = 0;
        h->listener_created = created;
        h->listener_pid = GetCurrentProcessId();
        h->state = IPC_STATE_RUNNING;
    }

    if (PublishPid(&m, h, last_stopped, (LONG)GetCurrentProcessId())) {
        while (!ShouldClose(&m, h)) {
            IpcPrint(L"Close message not received, beginning to process");
            PerformProcessing(h, opt.work_ms, journal, ++unit);
        }
    } else {
        IpcPrint(L"Received shutdown message");
    }

    if (h != NULL) {
        h->state = IPC_STATE_STOPPED;
        h->stop_acked = h->stop_requests;
    }
    IpcPrint(L"Close message received. Hit Enter to close");
    wait_for_enter = IpcStdinIsConsole() && !LaunchedByController();
    rc = IPC_EXIT_OK;

done:
    if (g_finished != NULL) {
        SetEvent(g_finished);
    }
    /* Let go of NAME before any wait for Enter, so a new listener can start meanwhile. */
    IpcMappingClose(&m);
    if (mutex != NULL) {
        ReleaseMutex(mutex);
        CloseHandle(mutex);
        mutex = NULL;
    }
    if (journal != NULL) {
        CloseHandle(journal);
        journal = NULL;
    }
    if (wait_for_enter) {
        IpcWaitForEnter();
    }
    return rc;
}
