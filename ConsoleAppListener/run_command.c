/*
 * run_command.c - one unit of --run: the command is started, waited for, and
 * its output relayed line by line through IpcPrint (so that it reaches the
 * log too), inside a job that kills it should this listener die.
 */
#include "run_command.h"

#include "ipc_console.h"
#include "ipc_error.h"
#include "ipc_handle.h"
#include "ipc_log.h"
#include "ipc_process.h"

/* After a command exits, how long the rest of its output may take to drain (see StopRelay). */
#define RELAY_DRAIN_MS 200

/*
 * One line of a command's output, without its line ending: UTF-8 when it is
 * valid UTF-8, else in the OEM code page. The command runs in a console of its
 * own (CREATE_NO_WINDOW), whose output code page is the system's OEM code page
 * until the command changes it (learn.microsoft.com/windows/console/console-code-pages),
 * and console programs (cmd's built-ins, findstr, the C runtime under the
 * console's code page) write text to a pipe in that code page, not in the
 * ANSI one: decoded in CP_ACP, an e acute from cmd (0x82 in code pages 437
 * and 850) would arrive as a low quotation mark (0x82 in code page 1252).
 */
static void PrintBytes(const char *bytes, size_t n)
{
    wchar_t text[2048];
    int len;

    while (n > 0 && (bytes[n - 1] == '\r' || bytes[n - 1] == '\n')) {
        n--;
    }
    len = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, bytes, (int)n, text, ARRAYSIZE(text) - 1);
    if (len <= 0 && n > 0) {
        len = MultiByteToWideChar(CP_OEMCP, 0, bytes, (int)n, text, ARRAYSIZE(text) - 1);
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
 * the OEM code page of the command's console (PrintBytes). Runs on a
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
                    ReadFile(relay->pipe, buf, ARRAYSIZE(buf), &got, NULL) && got > 0;
        for (i = 0; more && i < got; i++) {
            if (buf[i] != '\n' && used < ARRAYSIZE(line) - 1) {
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

HANDLE RunCommandCreateJob(void)
{
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits;
    HANDLE job = CreateJobObjectW(NULL, NULL);
    if (job == NULL) {
        return NULL;
    }
    ZeroMemory(&limits, sizeof(limits));
    limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    if (!SetInformationJobObject(job, JobObjectExtendedLimitInformation, &limits, (DWORD)sizeof(limits))) {
        IpcHandleClose(&job);
    }
    return job;
}

BOOL RunCommand(const wchar_t *command, HANDLE job, RunCommandStarted started_fn, void *context, DWORD *exit_code_out)
{
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
    IpcChildStdio stdio;
    HANDLE input = GetStdHandle(STD_INPUT_HANDLE);
    /*
     * Console events are for the listener alone, which lets the running unit
     * finish before it stops. The command gets a (hidden) console of its own,
     * CREATE_NO_WINDOW: Ctrl+C and Ctrl+Break typed into ours, and
     * CTRL_CLOSE_EVENT, which goes to every process attached to a console
     * when its window closes (learn.microsoft.com/windows/console/handlerroutine),
     * then never reach it, and a console program it starts opens no window.
     * CREATE_NEW_PROCESS_GROUP as well, for when CREATE_NO_WINDOW is ignored:
     * the new group has Ctrl+C disabled, and Ctrl+Break goes only to the group
     * it is generated for (learn.microsoft.com/windows/win32/procthread/process-creation-flags,
     * learn.microsoft.com/windows/console/generateconsolectrlevent).
     */
    DWORD flags = CREATE_SUSPENDED | CREATE_NO_WINDOW | CREATE_NEW_PROCESS_GROUP | EXTENDED_STARTUPINFO_PRESENT;

    ZeroMemory(&stdio, sizeof(stdio));
    ZeroMemory(&pi, sizeof(pi));
    /*
     * Its output always comes through a pipe and is relayed here: a handle of
     * our console would not be one the command's own console understands
     * (Windows 7), and the lines reach the log too when there is one. Its
     * input is ours unless ours is a console: keys are for the listener.
     */
    if (GetFileType(input) == FILE_TYPE_CHAR) {
        input = NULL;
    }
    {
        SECURITY_ATTRIBUTES no_inherit = {sizeof(no_inherit), NULL, FALSE};
        if (!CreatePipe(&pipe_read, &pipe_write, &no_inherit, 0)) {
            code = GetLastError();
            IpcFailWin32(L"CreatePipe", code, L"cannot capture the output of '%ls'", command);
            goto cleanup;
        }
    }
    /* Exactly its three standard handles, inheritable copies; nothing else of ours is inherited. */
    code = IpcChildStdioInit(&stdio, input, pipe_write, pipe_write);
    if (code != ERROR_SUCCESS) {
        IpcFailWin32(L"UpdateProcThreadAttribute", code, L"cannot prepare the standard handles of '%ls'", command);
        goto cleanup;
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
    if (!CreateProcessW(NULL, cmd, NULL, NULL, stdio.si.lpAttributeList != NULL, flags, NULL, NULL,
                        &stdio.si.StartupInfo, &pi)) {
        code = GetLastError();
        IpcFailWin32(L"CreateProcessW", code, L"cannot run '%ls'", command);
        goto cleanup;
    }
    if (job != NULL) {
        AssignProcessToJobObject(job, pi.hProcess);
    }
    started_fn(context);
    ResumeThread(pi.hThread);
    /* Our copies of the write end must go, or the relay never sees the end of the pipe. */
    IpcChildStdioRelease(&stdio);
    IpcHandleClose(&pipe_write);
    if (pipe_read != NULL) {
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
        IpcHandleClose(&relay_thread);
    }
    if (!GetExitCodeProcess(pi.hProcess, &exit_code)) {
        exit_code = STILL_ACTIVE;
    }
    IpcPrint(L"Command exited with code %lu after %lu ms", (unsigned long)exit_code,
             (unsigned long)(GetTickCount64() - started));
    *exit_code_out = exit_code;
    ok = TRUE;

cleanup:
    IpcChildStdioRelease(&stdio);
    IpcHeapFree(&relay);
    IpcHandleClose(&pipe_write);
    IpcHandleClose(&pipe_read);
    IpcHandleClose(&pi.hThread);
    IpcHandleClose(&pi.hProcess);
    IpcHeapFree(&cmd);
    return ok;
}

