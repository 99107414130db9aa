/*
 * ConsoleAppListener - a faithful port of the seed's C# ConsoleAppListener.
 *
 * It publishes its process id at offset 0 of the mapping named NAME, then does
 * one unit of work at a time and, between units, looks for the close message
 * (-1) there; on finding it, it finishes and exits 0. A unit that has started
 * always finishes first. The protocol itself is common/ipc_listener.c, which a
 * worker of your own can link instead of this program.
 *
 * What the seed got wrong and this port fixes: a second listener for the same
 * NAME no longer overwrites the first one's pid; a close message that arrives
 * while the listener starts is never overwritten; a listener launched by a
 * controller, or with no console to type into, never waits for an Enter that
 * nobody can press.
 */
#include "ipc_listener.h"

#include <stdio.h>

/* After a --run command exits, how long the rest of its output may take to drain (see StopRelay). */
#define RELAY_DRAIN_MS 200

static const wchar_t kUsage[] =
    L"Usage: ConsoleAppListener NAME [--work-ms N] [--run \"COMMAND LINE\"] [--journal FILE]\n"
    L"                          [--log FILE] [--log-max-bytes N]\n"
    L"\n"
    L"Does units of work until the close message (-1) appears at offset 0 of the\n"
    L"named memory-mapped file NAME, where it publishes its process id.\n"
    L"\n"
    L"  NAME          instance name; may start with Local\\ or Global\\\n"
    L"  --work-ms N   length of one unit of work in milliseconds (default 6000)\n"
    L"  --run \"CMD\"   each unit runs CMD to completion and reports its exit code and\n"
    L"                duration; the close message is checked between commands\n"
    L"  --log FILE    every line printed also goes to FILE, timestamped (default: the\n"
    L"                log a controller's --log names for its listeners)\n"
    L"  --log-max-bytes N  rotate the log beyond N bytes, keeping 3 old files\n"
    L"                (default 10485760; 0 never rotates)\n"
    L"  --journal FILE  append a line when each unit starts and ends, so that an\n"
    L"                observer can check that no started unit was lost\n"
    L"  --help, -h, /?  this text;  --version  the version\n"
    L"\n"
    L"Exit codes:\n"
    L"  0  stopped by the close message (or Ctrl+C) after finishing its unit\n"
    L"  1  a Windows call failed (the message names it)\n"
    L"  2  bad command line or instance name, or no NAME given\n"
    L"  4  a listener for NAME is already running\n"
    L"  7  NAME is taken by an object that is not a listener's mapping, or by another user";

/* Launched by our controller: it sets this variable in its environment for its children. */
static BOOL LaunchedByController(void)
{
    wchar_t value[32];
    DWORD n = GetEnvironmentVariableW(IPC_ENV_CONTROLLER_PID, value, (DWORD)(sizeof(value) / sizeof(value[0])));
    return n > 0 && n < (DWORD)(sizeof(value) / sizeof(value[0]));
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

/*
 * --log FILE, or else the log a controller asked for through the environment
 * (the .listener sibling of its own log). A listener keeps the log it opened
 * when a new controller adopts it. Returns ERROR_SUCCESS or the reported error.
 */
static DWORD OpenLog(const IpcListenerOptions *opt)
{
    wchar_t path[MAX_PATH * 2 + 16];
    wchar_t number[32];
    const wchar_t *file = opt->log;
    unsigned long max_bytes = opt->log_max_bytes;
    const wchar_t *api = L"CreateFileW";
    DWORD n;
    DWORD code;

    if (file == NULL) {
        n = GetEnvironmentVariableW(IPC_ENV_LISTENER_LOG, path, (DWORD)(sizeof(path) / sizeof(path[0])));
        if (n == 0 || n >= sizeof(path) / sizeof(path[0])) {
            return ERROR_SUCCESS;
        }
        file = path;
        n = GetEnvironmentVariableW(IPC_ENV_LISTENER_LOG_MAX_BYTES, number, (DWORD)(sizeof(number) / sizeof(number[0])));
        if (n > 0 && n < sizeof(number) / sizeof(number[0])) {
            IpcParseUnsigned(number, 0, IPC_MAX_LOG_BYTES, &max_bytes);
        }
    }
    code = IpcLogOpen(file, max_bytes, &api);
    if (code != ERROR_SUCCESS) {
        IpcFailWin32(api, code, L"cannot open the log '%ls'", file);
        return code;
    }
    IpcPrint(L"Listener (pid %lu) %ls started", (unsigned long)GetCurrentProcessId(), IPC_VERSION_TEXT);
    return ERROR_SUCCESS;
}

/* One line of a command's output, without its line ending. */
static void PrintBytes(const char *bytes, size_t n)
{
    wchar_t text[2048];
    int len;

    while (n > 0 && (bytes[n - 1] == '\r' || bytes[n - 1] == '\n')) {
        n--;
    }
    len = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, bytes, (int)n, text, 2047);
    if (len <= 0 && n > 0) {
        len = MultiByteToWideChar(CP_ACP, 0, bytes, (int)n, text, 2047);
    }
    text[len > 0 ? len : 0] = L'\0';
    IpcPrint(L"%ls", text);
}

/* The relay of a command's output: its pipe, and the flag that asks it to stop reading. */
typedef struct Relay {
    HANDLE pipe;
    volatile LONG stop;
} Relay;

/*
 * Prints what the command wrote, line by line, through IpcPrint, so that it
 * reaches the log too. Text is taken as UTF-8 when it is valid UTF-8, else in
 * the ANSI code page (what most console programs write to a pipe). Runs on a
 * thread of its own until the pipe ends, a read fails (cancelled by
 * StopRelay), or relay->stop is set.
 */
static DWORD WINAPI RelayOutput(LPVOID param)
{
    Relay *relay = (Relay *)param;
    char buf[4096];
    char line[2048];
    size_t used = 0;
    DWORD got = 0;
    DWORD i;

    for (;;) {
        BOOL more = InterlockedCompareExchange(&relay->stop, 0, 0) == 0 &&
                    ReadFile(relay->pipe, buf, (DWORD)sizeof(buf), &got, NULL) && got > 0;
        for (i = 0; more && i < got; i++) {
            if (buf[i] != '\n' && used < sizeof(line) - 1) {
                line[used++] = buf[i];
                continue;
            }
            if (buf[i] != '\n') {
                continue; /* an over-long line is cut, not split */
            }
            PrintBytes(line, used);
            used = 0;
        }
        if (!more) {
            break;
        }
    }
    if (used > 0) {
        PrintBytes(line, used);
    }
    return 0;
}

/*
 * Once the command has exited, the rest of its output is drained: the relay
 * ends by itself at the end of the pipe, which comes at once unless a process
 * the command started (cmd /c start /b server.exe) still holds the pipe's
 * write end. The unit must not last as long as such a process, so after a
 * short drain the blocked ReadFile is cancelled with CancelSynchronousIo, in a
 * loop because the thread may be between two reads when a cancel arrives;
 * what that process writes later is not relayed. Returns FALSE when the thread
 * could not be ended: the caller must then leave the pipe open for it.
 */
static BOOL StopRelay(HANDLE thread, Relay *relay)
{
    int i;

    if (WaitForSingleObject(thread, RELAY_DRAIN_MS) == WAIT_OBJECT_0) {
        return TRUE;
    }
    InterlockedExchange(&relay->stop, 1);
    for (i = 0; i < 100; i++) {
        CancelSynchronousIo(thread);
        if (WaitForSingleObject(thread, 20) == WAIT_OBJECT_0) {
            return TRUE;
        }
    }
    return FALSE;
}

/*
 * A job that kills its processes when its last handle closes: if this listener
 * is killed, the command it runs dies with it, so a relaunched listener never
 * runs a second unit beside an orphaned one. NULL when jobs are not available
 * (Windows 7 cannot nest jobs, and Task Scheduler runs tasks in one); the
 * command then runs without it.
 */
static HANDLE CreateKillJob(void)
{
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits;
    HANDLE job = CreateJobObjectW(NULL, NULL);
    if (job == NULL) {
        return NULL;
    }
    ZeroMemory(&limits, sizeof(limits));
    limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    if (!SetInformationJobObject(job, JobObjectExtendedLimitInformation, &limits, (DWORD)sizeof(limits))) {
        CloseHandle(job);
        return NULL;
    }
    return job;
}

/*
 * One unit of --run: CreateProcessW on the command line, waited for. Its output
 * goes where ours goes. Returns FALSE (after reporting) when it could not start.
 */
static BOOL RunCommand(const wchar_t *command, HANDLE job)
{
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    wchar_t *cmd = NULL;
    size_t bytes = (wcslen(command) + 1) * sizeof(wchar_t);
    DWORD code;
    DWORD exit_code = 0;
    ULONGLONG started;
    BOOL ok = FALSE;
    HANDLE pipe_read = NULL;
    HANDLE pipe_write = NULL;
    HANDLE relay_thread = NULL;
    Relay *relay = NULL;
    DWORD flags = CREATE_SUSPENDED;

    /*
     * A listener without any console (--console none) must not let a console
     * command open a window of its own: give it a hidden one instead.
     */
    if (GetConsoleWindow() == NULL && GetConsoleCP() == 0) {
        flags |= CREATE_NO_WINDOW;
    }

    ZeroMemory(&si, sizeof(si));
    ZeroMemory(&pi, sizeof(pi));
    si.cb = sizeof(si);
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    if (IpcLogIsOpen()) {
        /* Through a pipe, so that the command's lines reach the log as well. */
        SECURITY_ATTRIBUTES inherit = {sizeof(inherit), NULL, TRUE};
        if (!CreatePipe(&pipe_read, &pipe_write, &inherit, 0)) {
            code = GetLastError();
            IpcFailWin32(L"CreatePipe", code, L"cannot capture the output of '%ls'", command);
            goto cleanup;
        }
        SetHandleInformation(pipe_read, HANDLE_FLAG_INHERIT, 0);
        si.hStdOutput = pipe_write;
        si.hStdError = pipe_write;
    } else {
        si.hStdOutput = GetStdHandle(STD_OUTPUT_HANDLE);
        si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
        SetHandleInformation(si.hStdOutput, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
        SetHandleInformation(si.hStdError, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
    }

    /* CreateProcessW may write into the command line, so it gets a copy. */
    cmd = (wchar_t *)HeapAlloc(GetProcessHeap(), 0, bytes);
    if (cmd == NULL) {
        IpcFailWin32(L"HeapAlloc", ERROR_NOT_ENOUGH_MEMORY, L"cannot run '%ls'", command);
        goto cleanup;
    }
    CopyMemory(cmd, command, bytes);
    IpcPrint(L"Running: %ls", command);
    started = GetTickCount64();
    if (!CreateProcessW(NULL, cmd, NULL, NULL, TRUE, flags, NULL, NULL, &si, &pi)) {
        code = GetLastError();
        IpcFailWin32(L"CreateProcessW", code, L"cannot run '%ls'", command);
        goto cleanup;
    }
    if (job != NULL) {
        AssignProcessToJobObject(job, pi.hProcess);
    }
    ResumeThread(pi.hThread);
    if (pipe_read != NULL) {
        /* Our copy of the write end must go, or the relay never sees the end of the pipe. */
        CloseHandle(pipe_write);
        pipe_write = NULL;
        relay = (Relay *)HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(*relay));
        if (relay != NULL) {
            relay->pipe = pipe_read;
            relay_thread = CreateThread(NULL, 0, RelayOutput, relay, 0, NULL);
        }
        if (relay_thread == NULL) {
            /* No memory or thread to spare: relay here, until every holder of the pipe is gone. */
            Relay here;
            here.pipe = pipe_read;
            here.stop = 0;
            RelayOutput(&here);
        }
    }
    /* The unit ends with the command, whatever else still holds its output pipe. */
    WaitForSingleObject(pi.hProcess, INFINITE);
    if (relay_thread != NULL) {
        if (!StopRelay(relay_thread, relay)) {
            /* Still in the thread's hands: the pipe and the relay are left to it, not freed under it. */
            pipe_read = NULL;
            relay = NULL;
        }
        CloseHandle(relay_thread);
        relay_thread = NULL;
    }
    if (!GetExitCodeProcess(pi.hProcess, &exit_code)) {
        exit_code = STILL_ACTIVE;
    }
    IpcPrint(L"Command exited with code %lu after %lu ms", (unsigned long)exit_code,
             (unsigned long)(GetTickCount64() - started));
    ok = TRUE;

cleanup:
    if (relay != NULL) {
        HeapFree(GetProcessHeap(), 0, relay);
    }
    if (pipe_write != NULL) {
        CloseHandle(pipe_write);
    }
    if (pipe_read != NULL) {
        CloseHandle(pipe_read);
    }
    if (pi.hThread != NULL) {
        CloseHandle(pi.hThread);
    }
    if (pi.hProcess != NULL) {
        CloseHandle(pi.hProcess);
    }
    if (cmd != NULL) {
        HeapFree(GetProcessHeap(), 0, cmd);
    }
    return ok;
}

/* The seed's PerformProcessing: its sleep, or with --run one command. */
static void PerformProcessing(IpcListener *l, const IpcListenerOptions *opt, HANDLE job, HANDLE journal,
                              unsigned long unit)
{
    IpcPrint(L"Performing processing");
    IpcListenerUnitStarted(l);
    Journal(journal, unit, "start");
    if (opt->run != NULL) {
        if (!RunCommand(opt->run, job)) {
            /* A command that cannot start would fail again at once: do not spin. */
            Sleep(opt->work_ms < 1000 ? 1000 : opt->work_ms);
        }
    } else {
        /* In this case, just sleep. In real world, processing code goes here (the seed's words). */
        Sleep((DWORD)opt->work_ms);
    }
    Journal(journal, unit, "end");
    IpcListenerUnitDone(l);
}

int wmain(int argc, wchar_t **argv)
{
    int rc = IPC_EXIT_FAILURE;
    IpcListenerOptions opt;
    wchar_t err[IPC_ERROR_TEXT_MAX];
    IpcListener *l = NULL;
    DWORD code;
    BOOL wait_for_enter = FALSE;
    HANDLE journal = NULL;
    HANDLE job = NULL;
    unsigned long unit = 0;

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

    code = OpenLog(&opt);
    if (code != ERROR_SUCCESS) {
        goto done;
    }
    if (opt.journal != NULL) {
        /* FILE_APPEND_DATA alone makes every write land at the end, even with several writers. */
        journal = CreateFileW(opt.journal, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                              NULL, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
        if (journal == INVALID_HANDLE_VALUE) {
            code = GetLastError();
            journal = NULL;
            IpcFailWin32(L"CreateFileW", code, L"cannot open the journal '%ls'", opt.journal);
            goto done;
        }
    }
    if (opt.run != NULL) {
        job = CreateKillJob();
    }

    rc = IpcListenerOpen(opt.name, &l);
    if (rc != IPC_EXIT_OK) {
        goto done;
    }
    while (!IpcListenerShouldClose(l)) {
        IpcPrint(L"Close message not received, beginning to process");
        PerformProcessing(l, &opt, job, journal, ++unit);
    }
    /* Let go of NAME before any wait for Enter, so a new listener can start meanwhile. */
    IpcListenerClose(l);
    l = NULL;
    IpcPrint(L"Close message received. Hit Enter to close");
    wait_for_enter = IpcStdinIsConsole() && !LaunchedByController();
    rc = IPC_EXIT_OK;

done:
    IpcListenerClose(l);
    if (job != NULL) {
        CloseHandle(job);
        job = NULL;
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
