/*
 * spawn.c - the harness's core: output, failure, spawning with captured
 * output (read by stream.c), and the cleanup that kills what a test started.
 *
 * The harness deliberately does not use the code under test (common/) for
 * anything it relies on to judge a result: its own quoting, its own mapping
 * reads, its own process checks. A bug in common/ must make a test fail, not
 * make the harness misreport.
 */
#include "harness.h"
#include "stream.h"

#include <sddl.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Captured processes per test process; the runner spawns one per test, so this bounds the suite too. */
#define TEST_MAX_PROCS 512
#define TEST_SPAWN_ATTEMPTS 3
/* How long TestWaitExit lets the output of an exited process drain. */
#define TEST_DRAIN_MS 2000

struct TestProc {
    HANDLE process;
    HANDLE thread;      /* TEST_SPAWN_SUSPENDED: its first thread, until TestResume */
    DWORD pid;
    HANDLE stdin_write; /* TEST_SPAWN_STDIN_PIPE: our end of the child's stdin */
    TestStream out;     /* stdout, and stderr unless split */
    TestStream err;     /* stderr when split */
};

static TestProc *g_procs[TEST_MAX_PROCS];
static size_t g_proc_count;

/* ---- output ---- */

static void WriteUtf8(HANDLE out, const wchar_t *text, size_t len)
{
    int bytes;
    char *buf = NULL;
    DWORD written = 0;

    if (len == 0 || out == NULL || out == INVALID_HANDLE_VALUE) {
        goto cleanup;
    }
    bytes = WideCharToMultiByte(CP_UTF8, 0, text, (int)len, NULL, 0, NULL, NULL);
    if (bytes <= 0) {
        goto cleanup;
    }
    buf = (char *)malloc((size_t)bytes);
    if (buf == NULL) {
        goto cleanup;
    }
    WideCharToMultiByte(CP_UTF8, 0, text, (int)len, buf, bytes, NULL, NULL);
    /* Output nobody reads is dropped: the harness must not fail because of it. */
    (void)WriteFile(out, buf, (DWORD)bytes, &written, NULL);

cleanup:
    free(buf);
}

/* Format into a heap buffer grown until the text fits (failure dumps can be long). */
static wchar_t *FormatAlloc(const wchar_t *fmt, va_list ap)
{
    size_t cap = 1024;
    wchar_t *buf = NULL;
    wchar_t *grown;
    int n;
    va_list copy;

    for (;;) {
        grown = (wchar_t *)realloc(buf, cap * sizeof(wchar_t));
        if (grown == NULL) {
            free(buf);
            buf = NULL;
            goto cleanup;
        }
        buf = grown;
        va_copy(copy, ap);
        n = vswprintf(buf, cap, fmt, copy);
        va_end(copy);
        if (n >= 0 && (size_t)n < cap) {
            goto cleanup;
        }
        if (cap >= (size_t)1 << 24) {
            buf[cap - 1] = L'\0'; /* give up growing; print what fits */
            goto cleanup;
        }
        cap *= 2;
    }

cleanup:
    return buf;
}

void TestPrint(const wchar_t *fmt, ...)
{
    va_list ap;
    wchar_t *text;

    va_start(ap, fmt);
    text = FormatAlloc(fmt, ap);
    va_end(ap);
    if (text != NULL) {
        WriteUtf8(GetStdHandle(STD_OUTPUT_HANDLE), text, wcslen(text));
    }
    free(text);
}

static void DumpProcs(void)
{
    size_t i;
    const wchar_t *text;
    const wchar_t *err;
    size_t len;

    for (i = 0; i < g_proc_count; i++) {
        text = TestOutputText(g_procs[i]);
        err = TestErrText(g_procs[i]);
        len = wcslen(text);
        /* The end of a long output is what explains a failure. */
        if (len > 6000) {
            text += len - 6000;
        }
        TestPrint(L"--- output of process %lu (%ls):\n%ls%ls%ls\n", (unsigned long)g_procs[i]->pid,
                  TestIsRunning(g_procs[i]) ? L"running" : L"exited", text,
                  err[0] != L'\0' ? L"\n--- its stderr:\n" : L"", err);
    }
}

void TestFail(const char *file, int line, const wchar_t *fmt, ...)
{
    va_list ap;
    wchar_t *text;
    const char *base = file;
    const char *p;

    /* Only the file name: the runner's reason line stays short. */
    for (p = file; *p != '\0'; p++) {
        if (*p == '/' || *p == '\\') {
            base = p + 1;
        }
    }
    va_start(ap, fmt);
    text = FormatAlloc(fmt, ap);
    va_end(ap);
    DumpProcs();
    TestPrint(L"FAIL: %hs:%d: %ls\n", base, line, text != NULL ? text : L"(out of memory)");
    free(text);
    TestCleanup();
    ExitProcess(TEST_EXIT_FAILED);
}

/* Create a pipe whose write end only is inheritable (the child's end). */
static BOOL MakeOutputPipe(HANDLE *read_end, HANDLE *write_end, DWORD *error)
{
    HANDLE r = NULL;
    HANDLE w = NULL;

    if (!CreatePipe(&r, &w, NULL, 0)) {
        *error = GetLastError();
        return FALSE;
    }
    if (!SetHandleInformation(w, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT)) {
        *error = GetLastError();
        CloseHandle(r);
        CloseHandle(w);
        return FALSE;
    }
    *read_end = r;
    *write_end = w;
    return TRUE;
}

/* ---- spawning ---- */

TestProc *TestSpawn(const wchar_t *cmdline)
{
    return TestSpawnEx(cmdline, TEST_SPAWN_DEFAULT);
}

/* TestSpawnEx, with standard output going to stdout_file (inheritable) instead of the pipe when it is not NULL. */
static TestProc *Spawn(const wchar_t *cmdline, unsigned flags, HANDLE stdout_file)
{
    TestProc *proc = NULL;
    HANDLE out_read = NULL;
    HANDLE out_write = NULL;
    HANDLE err_read = NULL;
    HANDLE err_write = NULL;
    HANDLE in_read = NULL;
    HANDLE in_write = NULL;
    wchar_t *mutable_cmd = NULL;
    size_t cmd_len = wcslen(cmdline);
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    SECURITY_ATTRIBUTES inherit;
    DWORD error = ERROR_SUCCESS;
    const wchar_t *failed = NULL;
    int attempt;
    PSECURITY_DESCRIPTOR sd = NULL;
    SECURITY_ATTRIBUTES process_sa;

    memset(&process_sa, 0, sizeof(process_sa));
    memset(&si, 0, sizeof(si));
    memset(&pi, 0, sizeof(pi));
    memset(&inherit, 0, sizeof(inherit));
    inherit.nLength = sizeof(inherit);
    inherit.bInheritHandle = TRUE;

    if (g_proc_count >= TEST_MAX_PROCS) {
        failed = L"too many processes";
        goto cleanup;
    }
    proc = (TestProc *)calloc(1, sizeof(*proc));
    mutable_cmd = (wchar_t *)malloc((cmd_len + 1) * sizeof(wchar_t));
    if (proc == NULL || mutable_cmd == NULL) {
        failed = L"out of memory";
        goto cleanup;
    }
    /* CreateProcessW may write into the command line. */
    memcpy(mutable_cmd, cmdline, (cmd_len + 1) * sizeof(wchar_t));

    if (!MakeOutputPipe(&out_read, &out_write, &error)) {
        failed = L"CreatePipe (stdout)";
        goto cleanup;
    }
    if ((flags & TEST_SPAWN_SPLIT_STDERR) != 0 && !MakeOutputPipe(&err_read, &err_write, &error)) {
        failed = L"CreatePipe (stderr)";
        goto cleanup;
    }
    if ((flags & TEST_SPAWN_STDIN_PIPE) != 0) {
        if (!CreatePipe(&in_read, &in_write, NULL, 0)) {
            error = GetLastError();
            failed = L"CreatePipe (stdin)";
            goto cleanup;
        }
        if (!SetHandleInformation(in_read, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT)) {
            error = GetLastError();
            failed = L"SetHandleInformation (stdin)";
            goto cleanup;
        }
    } else {
        /* NUL: reads end at once, like a service's stdin; never a console. */
        in_read = CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &inherit,
                              OPEN_EXISTING, 0, NULL);
        if (in_read == INVALID_HANDLE_VALUE) {
            error = GetLastError();
            in_read = NULL;
            failed = L"CreateFileW(NUL)";
            goto cleanup;
        }
    }

    si.cb = sizeof(si);
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = in_read;
    si.hStdOutput = stdout_file != NULL ? stdout_file : out_write;
    si.hStdError = err_write != NULL ? err_write : out_write;
    /*
     * CREATE_NO_WINDOW: on Windows no window pops up for every test process;
     * the programs still have a console, as they would started from a shortcut.
     */
    /*
     * Wine fails a process creation now and then with ERROR_INTERNAL_ERROR when
     * the machine is busy; that says nothing about the programs under test, so
     * the harness tries again a few times before it fails the test.
     */
    if ((flags & TEST_SPAWN_DENY_TERMINATE) != 0) {
        /* Deny PROCESS_TERMINATE (0x0001) to Everyone, allow the rest: a deny ACE comes first. */
        if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(L"D:(D;;0x0001;;;WD)(A;;0x1FFFFF;;;WD)",
                                                                  SDDL_REVISION_1, &sd, NULL)) {
            error = GetLastError();
            failed = L"ConvertStringSecurityDescriptorToSecurityDescriptorW";
            goto cleanup;
        }
        process_sa.nLength = sizeof(process_sa);
        process_sa.lpSecurityDescriptor = sd;
        process_sa.bInheritHandle = FALSE;
    }
    for (attempt = 0;; attempt++) {
        if (CreateProcessW(NULL, mutable_cmd, sd != NULL ? &process_sa : NULL, NULL, TRUE,
                           CREATE_NO_WINDOW | ((flags & TEST_SPAWN_SUSPENDED) != 0 ? CREATE_SUSPENDED : 0), NULL,
                           NULL, &si, &pi)) {
            break;
        }
        error = GetLastError();
        if (error != ERROR_INTERNAL_ERROR || attempt >= TEST_SPAWN_ATTEMPTS - 1) {
            failed = L"CreateProcessW";
            goto cleanup;
        }
        Sleep(250);
        memcpy(mutable_cmd, cmdline, (cmd_len + 1) * sizeof(wchar_t));
    }
    if ((flags & TEST_SPAWN_SUSPENDED) != 0) {
        proc->thread = pi.hThread;
    } else {
        CloseHandle(pi.hThread);
    }
    pi.hThread = NULL;
    proc->process = pi.hProcess;
    proc->pid = pi.dwProcessId;
    proc->stdin_write = in_write;
    in_write = NULL;
    g_procs[g_proc_count++] = proc;

    /* Our copies of the child's ends must go, or the pipes never report EOF. */
    CloseHandle(out_write);
    out_write = NULL;
    if (err_write != NULL) {
        CloseHandle(err_write);
        err_write = NULL;
    }
    CloseHandle(in_read);
    in_read = NULL;

    if (!TestStreamStart(&proc->out, out_read, &error)) {
        failed = L"CreateThread";
        goto cleanup;
    }
    out_read = NULL;
    if (err_read != NULL) {
        if (!TestStreamStart(&proc->err, err_read, &error)) {
            failed = L"CreateThread";
            goto cleanup;
        }
        err_read = NULL;
    }

cleanup:
    if (sd != NULL) {
        LocalFree(sd);
    }
    free(mutable_cmd);
    if (out_read != NULL) {
        CloseHandle(out_read);
        out_read = NULL;
    }
    if (out_write != NULL) {
        CloseHandle(out_write);
        out_write = NULL;
    }
    if (err_read != NULL) {
        CloseHandle(err_read);
        err_read = NULL;
    }
    if (err_write != NULL) {
        CloseHandle(err_write);
        err_write = NULL;
    }
    if (in_read != NULL) {
        CloseHandle(in_read);
        in_read = NULL;
    }
    if (in_write != NULL) {
        CloseHandle(in_write);
        in_write = NULL;
    }
    if (failed != NULL) {
        if (proc != NULL && proc->process == NULL) {
            free(proc);
        }
        TestFail(__FILE__, __LINE__, L"cannot start %ls: %ls failed with error %lu", cmdline, failed,
                 (unsigned long)error);
    }
    return proc;
}

TestProc *TestSpawnEx(const wchar_t *cmdline, unsigned flags)
{
    return Spawn(cmdline, flags, NULL);
}

TestProc *TestSpawnToFile(const wchar_t *cmdline, const wchar_t *path)
{
    SECURITY_ATTRIBUTES inherit;
    HANDLE file;
    TestProc *proc;

    memset(&inherit, 0, sizeof(inherit));
    inherit.nLength = sizeof(inherit);
    inherit.bInheritHandle = TRUE;
    file = CreateFileW(path, GENERIC_WRITE, FILE_SHARE_READ, &inherit, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    ASSERT_MSG(file != INVALID_HANDLE_VALUE, L"cannot create %ls (error %lu)", path, (unsigned long)GetLastError());
    proc = Spawn(cmdline, TEST_SPAWN_DEFAULT, file);
    /* The child holds its own copy; the file is complete once it exits. */
    CloseHandle(file);
    return proc;
}

void TestCloseStdin(TestProc *proc)
{
    if (proc->stdin_write != NULL) {
        CloseHandle(proc->stdin_write);
        proc->stdin_write = NULL;
    }
}

DWORD TestPid(const TestProc *proc)
{
    return proc->pid;
}

HANDLE TestHandle(const TestProc *proc)
{
    return proc->process;
}

BOOL TestIsRunning(const TestProc *proc)
{
    return WaitForSingleObject(proc->process, 0) == WAIT_TIMEOUT;
}

BOOL TestWaitOutput(TestProc *proc, const wchar_t *text, DWORD timeout_ms)
{
    return TestStreamWait(&proc->out, text, 1, FALSE, timeout_ms);
}

BOOL TestWaitOutputCount(TestProc *proc, const wchar_t *text, size_t count, DWORD timeout_ms)
{
    return TestStreamWait(&proc->out, text, count, FALSE, timeout_ms);
}

BOOL TestWaitOutputEnd(TestProc *proc, DWORD timeout_ms)
{
    BOOL ended = TestStreamWait(&proc->out, L"", 0, TRUE, timeout_ms);
    if (ended && proc->err.used) {
        ended = TestStreamWait(&proc->err, L"", 0, TRUE, timeout_ms);
    }
    return ended;
}

size_t TestCountOutput(TestProc *proc, const wchar_t *text)
{
    return TestStreamCount(&proc->out, text);
}

const wchar_t *TestOutputText(TestProc *proc)
{
    return TestStreamSnapshot(&proc->out);
}

const wchar_t *TestErrText(TestProc *proc)
{
    return TestStreamSnapshot(&proc->err);
}

BOOL TestOutputLine(TestProc *proc, const wchar_t *text, wchar_t *out, size_t cap)
{
    const wchar_t *all = TestOutputText(proc);
    const wchar_t *hit = wcsstr(all, text);
    const wchar_t *start;
    const wchar_t *end;
    size_t n;

    if (hit == NULL || cap == 0) {
        return FALSE;
    }
    start = hit;
    while (start > all && start[-1] != L'\n') {
        start--;
    }
    end = wcschr(hit, L'\n');
    if (end == NULL) {
        return FALSE; /* the line is not complete yet */
    }
    if (end > start && end[-1] == L'\r') {
        end--;
    }
    n = (size_t)(end - start);
    if (n >= cap) {
        n = cap - 1;
    }
    memcpy(out, start, n * sizeof(wchar_t));
    out[n] = L'\0';
    return TRUE;
}

BOOL TestWaitExit(TestProc *proc, DWORD timeout_ms, DWORD *code)
{
    DWORD exit_code = 0;

    if (WaitForSingleObject(proc->process, timeout_ms) != WAIT_OBJECT_0) {
        return FALSE;
    }
    if (!GetExitCodeProcess(proc->process, &exit_code)) {
        return FALSE;
    }
    /*
     * The reader thread may not have read the last lines yet: let it drain the
     * pipe, so that a check of the output after the exit sees all of it. (A
     * listener sharing the pipe may keep it open; then we stop waiting early.)
     */
    (void)TestWaitOutputEnd(proc, TEST_DRAIN_MS);
    if (code != NULL) {
        *code = exit_code;
    }
    return TRUE;
}

void TestResume(TestProc *proc)
{
    ASSERT(proc->thread != NULL);
    ASSERT(ResumeThread(proc->thread) != (DWORD)-1);
    CloseHandle(proc->thread);
    proc->thread = NULL;
}

void TestCleanup(void)
{
    size_t i;

    for (i = 0; i < g_proc_count; i++) {
        TestCloseStdin(g_procs[i]);
        if (TestIsRunning(g_procs[i])) {
            TestKillTree(g_procs[i]->pid, FALSE);
        }
        /* Our handle from CreateProcessW may terminate even a process whose DACL denies it to a pid lookup. */
        if (TestIsRunning(g_procs[i])) {
            TerminateProcess(g_procs[i]->process, TEST_KILL_EXIT_CODE);
        }
    }
    TestKillTracked();
    /* Listeners launched by a controller we spawned are our descendants too. */
    TestKillTree(GetCurrentProcessId(), TRUE);
}
