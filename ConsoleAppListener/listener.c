/*
 * ConsoleAppListener - a faithful port of the C# sample's ConsoleAppListener.
 *
 * It publishes its process id at offset 0 of the mapping named NAME, then does
 * one unit of work at a time and, between units, looks for the close message
 * (-1) there; on finding it, it finishes and exits 0. A unit that has started
 * always finishes first. The protocol itself is common/ipc_listener.c, which a
 * worker of your own can link instead of this program; the --run command
 * runner is run_command.c.
 *
 * What the C# sample got wrong and this port fixes: a second listener for the same
 * NAME no longer overwrites the first one's pid; a close message that arrives
 * while the listener starts is never overwritten; a listener launched by a
 * controller, or with no console to type into, never waits for an Enter that
 * nobody can press.
 */
#include "ipc_listener.h"

#include <stdio.h>

#include "ipc_args.h"
#include "ipc_console.h"
#include "ipc_env.h"
#include "ipc_error.h"
#include "ipc_exit.h"
#include "ipc_handle.h"
#include "ipc_log.h"
#include "ipc_options.h"
#include "ipc_text.h"
#include "ipc_time.h"
#include "ipc_version.h"
#include "run_command.h"

static const wchar_t kUsage[] =
    L"Usage: ConsoleAppListener NAME [--work-ms N] [--run \"COMMAND LINE\"] [--journal FILE]\n"
    L"                          [--log FILE] [--log-max-bytes N]\n"
    L"\n"
    L"Does units of work until the close message (-1) appears at offset 0 of the\n"
    L"named memory-mapped file NAME, where it publishes its process id.\n"
    L"\n"
    L"  NAME          instance name; may start with Local\\ or Global\\ (spelled so:\n"
    L"                the kernel's prefixes are case-sensitive)\n"
    L"  --work-ms N   length of one unit of work in milliseconds (default 6000); with\n"
    L"                --run, the least time from one command's start to the next's\n"
    L"                (default 0: back to back)\n"
    L"  --run \"CMD\"   each unit runs CMD to completion and reports its exit code,\n"
    L"                duration and the pause before the next; a failing command (a\n"
    L"                non-zero exit, or one that cannot start) delays the next by\n"
    L"                0.5 s doubling to 32 s until one succeeds; a command that\n"
    L"                cannot start is no unit of work. A close message or Ctrl+C\n"
    L"                ends a pause at once and is otherwise seen between commands\n"
    L"  --log FILE    every line printed also goes to FILE, timestamped (default: the\n"
    L"                log a controller's --log names for its listeners); a log that\n"
    L"                cannot be opened is said once and tried again, the work goes on\n"
    L"  --log-max-bytes N  rotate the log beyond N bytes, keeping 3 old files\n"
    L"                (default 10485760; 0 never rotates)\n"
    L"  --journal FILE  append a line when each unit starts and ends, so that an\n"
    L"                observer can check that no started unit was lost\n"
    L"  --help, -h, /?  this text;  --version  the version\n"
    L"\n"
    L"Each option may be given once; --log-max-bytes needs --log.\n"
    L"\n"
    L"Started with IPC_STANDBY=1 in its environment (ConsoleAppController --standby\n"
    L"does so), it waits as NAME's standby while another listener holds NAME, and\n"
    L"takes over the moment that one exits or dies; it exits 4 when a standby\n"
    L"already waits.\n"
    L"\n"
    L"Exit codes:\n"
    L"  0  stopped by the close message (or Ctrl+C) after finishing its unit\n"
    L"  1  a Windows call failed (the message names it)\n"
    L"  2  bad command line or instance name, or no NAME given\n"
    L"  4  a listener for NAME is already running\n"
    L"  7  NAME is taken by an object that is not a listener's mapping, or by another user";

/* The environment variable NAME into buf; FALSE when it is not set, is empty, or does not fit. */
static BOOL ReadEnv(const wchar_t *name, wchar_t *buf, DWORD cap)
{
    DWORD n = GetEnvironmentVariableW(name, buf, cap);
    return n > 0 && n < cap;
}

/* Launched by our controller: it sets this variable in its environment for its children. */
static BOOL LaunchedByController(void)
{
    wchar_t value[32];
    return ReadEnv(IPC_ENV_CONTROLLER_PID, value, ARRAYSIZE(value));
}

/*
 * Appends "<UTC time> pid=<pid> unit=<n> <event> tick=<t>" to the journal. One
 * WriteFile per line on a handle opened for appending: the line reaches the
 * file system cache whole, so it survives the process being killed a moment
 * later. The tick (IpcPreciseTickNowU64: the performance counter in 100 ns
 * units, the same count in every process) comes last, so a reader of the
 * older lines reads these too; it times what the millisecond UTC time cannot,
 * such as the gap between one listener's last unit and the next one's first
 * after a failover.
 */
static void Journal(HANDLE journal, unsigned long unit, const char *event)
{
    char line[160];
    SYSTEMTIME t;
    DWORD written;
    int n;
    unsigned long long tick;

    if (journal == NULL) {
        return;
    }
    tick = (unsigned long long)IpcPreciseTickNowU64();
    GetSystemTime(&t);
    n = snprintf(line, ARRAYSIZE(line), "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ pid=%lu unit=%lu %s tick=%llu\r\n",
                 t.wYear, t.wMonth, t.wDay, t.wHour, t.wMinute, t.wSecond, t.wMilliseconds,
                 (unsigned long)GetCurrentProcessId(), unit, event, tick);
    if (n > 0 && n < (int)ARRAYSIZE(line)) {
        WriteFile(journal, line, (DWORD)n, &written, NULL);
    }
}

/*
 * --log FILE, or else the log a controller asked for through the environment
 * (the .listener sibling of its own log). A listener keeps the log it opened
 * when a new controller adopts it. A log that cannot be opened (another
 * process holds it, a full volume) is no reason to stop working: it is said
 * once, on standard error and in the controller's log, and tried again at
 * later lines. Launched by a controller with a log, our error lines also go
 * to that log, so a listener that cannot start leaves its reason there.
 */
static void OpenLog(const IpcListenerOptions *opt)
{
    wchar_t path[MAX_PATH * 2 + 16];
    wchar_t controller_log[MAX_PATH * 2 + 16];
    wchar_t number[32];
    wchar_t prefix[48];
    wchar_t text[IPC_ERROR_TEXT_MAX];
    const wchar_t *file = opt->log;
    unsigned long max_bytes = opt->log_max_bytes;
    const wchar_t *api = L"CreateFileW";
    DWORD code;

    if (ReadEnv(IPC_ENV_CONTROLLER_LOG, controller_log, ARRAYSIZE(controller_log))) {
        IpcFormat(prefix, ARRAYSIZE(prefix), L"Listener (pid %lu): ", (unsigned long)GetCurrentProcessId());
        IpcLogCopyErrors(controller_log, prefix);
    }
    if (file == NULL) {
        if (!ReadEnv(IPC_ENV_LISTENER_LOG, path, ARRAYSIZE(path))) {
            return;
        }
        file = path;
        if (ReadEnv(IPC_ENV_LISTENER_LOG_MAX_BYTES, number, ARRAYSIZE(number))) {
            IpcParseUnsigned(number, 0, IPC_MAX_LOG_BYTES, &max_bytes);
        }
    }
    code = IpcLogOpen(file, max_bytes, TRUE, &api);
    if (code != ERROR_SUCCESS) {
        IpcPrintErr(L"Warning: cannot open the log '%ls': %ls failed with error %lu: %ls; working without it, and "
                    L"trying again",
                    file, api, (unsigned long)code, IpcErrorText(code, text, ARRAYSIZE(text)));
    }
    IpcPrint(L"Listener (pid %lu) %ls started", (unsigned long)GetCurrentProcessId(), IPC_VERSION_WIDE);
}

/*
 * --journal FILE, opened for appending into *out (left as it is when there is
 * no journal). Returns IPC_EXIT_OK, or the exit code of the error it reported.
 */
static int OpenJournal(const wchar_t *file, HANDLE *out)
{
    HANDLE journal;
    DWORD code;

    if (file == NULL) {
        return IPC_EXIT_OK;
    }
    /* FILE_APPEND_DATA alone makes every write land at the end, even with several writers. */
    journal = CreateFileW(file, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                          OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (journal == INVALID_HANDLE_VALUE) {
        code = GetLastError();
        return IpcFailWin32(L"CreateFileW", code, L"cannot open the journal '%ls'", file);
    }
    *out = journal;
    return IPC_EXIT_OK;
}

/*
 * With --run, the pause after a failing command (a non-zero exit, or one that
 * could not start): the controller's back-off between relaunches, 0.5 s
 * doubling to 32 s and reset by a success, so a broken command does not spin.
 */
#define RUN_BACKOFF_FIRST_MS IPC_DEFAULT_RESTART_DELAY_MS
#define RUN_BACKOFF_MAX_MS IPC_DEFAULT_RESTART_DELAY_MAX_MS

/*
 * How often a pause between commands looks for a stop. The close message is a
 * plain write into the mapping (all the C# sample's controller does) and
 * Ctrl+C only sets a flag in the listener library: neither signals an object
 * a wait could end on, so they are read, and 50 ms makes a stop look
 * immediate.
 */
#define PAUSE_POLL_MS 50

/* The unit whose command is starting: what RunCommand's started callback records. */
typedef struct RunUnitStart {
    IpcListener *listener;
    HANDLE journal;
    unsigned long unit;
} RunUnitStart;

/* The command's process exists: the unit has started (state, journal). */
static void OnCommandStarted(void *context)
{
    const RunUnitStart *start = (const RunUnitStart *)context;
    IpcListenerUnitStarted(start->listener);
    Journal(start->journal, start->unit, "start");
}

/* Waits ms milliseconds, ending at once (within PAUSE_POLL_MS) on a close message or Ctrl+C. */
static void PauseBeforeNext(IpcListener *l, DWORD ms)
{
    ULONGLONG deadline = GetTickCount64() + ms;
    ULONGLONG now;

    while (!IpcListenerShouldClose(l) && (now = GetTickCount64()) < deadline) {
        DWORD left = (DWORD)(deadline - now);
        Sleep(left < PAUSE_POLL_MS ? left : PAUSE_POLL_MS);
    }
}

/*
 * One unit of --run: the command, then the pause before the next one, said on
 * the console. --work-ms is the least time from one start to the next; after a
 * failure the pause is at least the back-off (*backoff_ms, 0 after a success).
 * A command that could not start is no unit of work: the header's units and
 * last progress do not advance, the journal says "not-started", and *units
 * (the units completed) stays as it is.
 */
static void RunUnit(IpcListener *l, const IpcListenerOptions *opt, HANDLE job, HANDLE journal, unsigned long *units,
                    DWORD *backoff_ms)
{
    RunUnitStart start;
    ULONGLONG began = GetTickCount64();
    ULONGLONG took;
    DWORD exit_code = 0;
    DWORD pause;
    BOOL ran;

    start.listener = l;
    start.journal = journal;
    start.unit = *units + 1;
    ran = RunCommand(opt->run, job, OnCommandStarted, &start, &exit_code);
    if (ran) {
        Journal(journal, start.unit, "end");
        IpcListenerUnitDone(l);
        *units = start.unit;
    } else {
        Journal(journal, start.unit, "not-started");
    }
    took = GetTickCount64() - began;
    pause = opt->work_ms > took ? (DWORD)(opt->work_ms - took) : 0;
    if (ran && exit_code == 0) {
        *backoff_ms = 0;
        if (pause == 0) {
            IpcPrint(L"Next command at once");
        } else {
            IpcPrint(L"Next command in %lu ms (--work-ms %lu from the start of the last one)", (unsigned long)pause,
                     opt->work_ms);
        }
    } else {
        if (*backoff_ms == 0) {
            *backoff_ms = RUN_BACKOFF_FIRST_MS;
        } else {
            *backoff_ms = *backoff_ms > RUN_BACKOFF_MAX_MS / 2 ? RUN_BACKOFF_MAX_MS : *backoff_ms * 2;
        }
        if (pause < *backoff_ms) {
            pause = *backoff_ms;
        }
        IpcPrint(L"%ls; next command in %lu ms (back-off, doubling up to %lu ms until a command succeeds)",
                 ran ? L"Command failed" : L"Command could not start", (unsigned long)pause,
                 (unsigned long)RUN_BACKOFF_MAX_MS);
    }
    PauseBeforeNext(l, pause);
}

/* The C# sample's PerformProcessing: its sleep of --work-ms, the length of one unit. */
static void PerformProcessing(IpcListener *l, const IpcListenerOptions *opt, HANDLE journal, unsigned long unit)
{
    IpcPrint(L"Performing processing");
    IpcListenerUnitStarted(l);
    Journal(journal, unit, "start");
    /* In this case, just sleep. In real world, processing code goes here (the C# sample's words). */
    Sleep((DWORD)opt->work_ms);
    Journal(journal, unit, "end");
    IpcListenerUnitDone(l);
}

int wmain(int argc, wchar_t **argv)
{
    int rc;
    IpcListenerOptions opt;
    wchar_t err[IPC_ERROR_TEXT_MAX];
    IpcListener *l = NULL;
    BOOL wait_for_enter = FALSE;
    BOOL console_by_hand;
    BOOL restarting;
    HANDLE journal = NULL;
    HANDLE job = NULL;
    unsigned long unit = 0;
    DWORD backoff_ms = 0;

    switch (IpcParseListenerArgs(argc, argv, &opt, err, ARRAYSIZE(err))) {
    case IPC_PARSE_HELP:
        IpcPrint(L"%ls", kUsage);
        rc = IPC_EXIT_OK;
        goto cleanup;
    case IPC_PARSE_VERSION:
        IpcPrint(L"ConsoleAppListener %ls", IPC_VERSION_WIDE);
        rc = IPC_EXIT_OK;
        goto cleanup;
    case IPC_PARSE_ERROR:
        rc = IpcFail(IPC_EXIT_USAGE, L"%ls. Run ConsoleAppListener --help for usage.", err);
        goto cleanup;
    case IPC_PARSE_OK:
        break;
    }

    if (opt.name == NULL) {
        /* The C# sample's own line, word for word, on standard output as it printed it. */
        IpcPrint(L"Error: Expected a unique name for the application from the command line.");
        /* Then, as after every usage error, where to read how it is used. */
        IpcPrintErr(L"Run ConsoleAppListener --help for usage.");
        /* The C# sample waits for a key here; only a person at a console can press one. */
        if (IpcStdinIsConsole()) {
            IpcWaitForEnter();
        }
        rc = IPC_EXIT_USAGE;
        goto cleanup;
    }

    OpenLog(&opt);
    rc = OpenJournal(opt.journal, &journal);
    if (rc != IPC_EXIT_OK) {
        goto cleanup;
    }
    if (opt.run != NULL) {
        job = RunCommandCreateJob();
    }

    /*
     * Whether to wait for Enter after the last unit is decided now: asked
     * after it, a console query would stand between the last unit's end and
     * the lock being let go, which is the gap of a --restart.
     */
    console_by_hand = IpcStdinIsConsole() && !LaunchedByController();
    rc = IpcListenerOpen(opt.name, &l);
    if (rc != IPC_EXIT_OK) {
        goto cleanup;
    }
    while (!IpcListenerShouldClose(l)) {
        IpcPrint(L"Close message not received, beginning to process");
        if (opt.run != NULL) {
            IpcPrint(L"Performing processing");
            RunUnit(l, &opt, job, journal, &unit, &backoff_ms);
        } else {
            PerformProcessing(l, &opt, journal, ++unit);
        }
    }
    restarting = IpcListenerIsRestarting(l);
    /* A restart is a handover: its controller relaunches once this process has exited, so it never waits for Enter. */
    wait_for_enter = console_by_hand && !restarting;
    if (wait_for_enter) {
        /*
         * Let go of the lock before the wait for Enter, so a new listener can
         * start meanwhile, but keep the mapping: its header says that this
         * process has stopped and waits for Enter, which --stop and --status report.
         */
        IpcListenerCloseForEnter(l);
    } else {
        IpcListenerClose(l);
        l = NULL;
    }
    if (!restarting) {
        IpcPrint(L"Close message received. Hit Enter to close");
    }

cleanup:
    IpcHandleClose(&job);
    IpcHandleClose(&journal);
    if (wait_for_enter) {
        IpcWaitForEnter();
    }
    IpcListenerClose(l);
    return rc;
}
