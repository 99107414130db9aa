/*
 * test_util.c - the harness: output, failure, spawning with captured output,
 * process trees and the mapping seen from outside.
 *
 * The harness deliberately does not use the code under test (common/) for
 * anything it relies on to judge a result: its own quoting, its own mapping
 * reads, its own process checks. A bug in common/ must make a test fail, not
 * make the harness misreport.
 */
#include "test_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tlhelp32.h>

/* Captured processes per test process; the runner spawns one per test, so this bounds the suite too. */
#define TEST_MAX_PROCS 512
#define TEST_PATH_CAP 1024
#define TEST_READ_CHUNK 4096
#define TEST_CMD_CAP 8192
#define TEST_SPAWN_ATTEMPTS 3
/* How long TestWaitExit lets the output of an exited process drain. */
#define TEST_DRAIN_MS 2000
/* Polling period for state that has no event to wait on (the mapping's contents, pids). */
#define TEST_POLL_MS 20

typedef struct TestStream {
    HANDLE read;  /* our end of the pipe; the reader thread owns it */
    HANDLE thread;
    CRITICAL_SECTION lock;
    CONDITION_VARIABLE changed; /* signalled on every append and at the end */
    wchar_t *text;              /* decoded output, always NUL-terminated */
    size_t len;
    size_t cap;
    unsigned char pending[4]; /* an incomplete UTF-8 sequence split across reads */
    size_t pending_len;
    BOOL ended;
    BOOL used;
    wchar_t *snapshot; /* what TestOutputText last returned */
    size_t snapshot_cap;
} TestStream;

struct TestProc {
    HANDLE process;
    DWORD pid;
    HANDLE stdin_write; /* TEST_SPAWN_STDIN_PIPE: our end of the child's stdin */
    TestStream out;     /* stdout, and stderr unless split */
    TestStream err;     /* stderr when split */
};

static TestProc *g_procs[TEST_MAX_PROCS];
static size_t g_proc_count;
static const wchar_t g_empty[] = L"";

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

/* ---- streams ---- */

static void StreamInit(TestStream *s)
{
    InitializeCriticalSection(&s->lock);
    InitializeConditionVariable(&s->changed);
    s->used = TRUE;
}

/* Length of the prefix of bytes[0..n) that ends on a complete UTF-8 sequence. */
static size_t CompleteUtf8(const unsigned char *bytes, size_t n)
{
    size_t back;
    size_t i;
    size_t need;
    unsigned char c;

    for (back = 1; back <= 3 && back <= n; back++) {
        i = n - back;
        c = bytes[i];
        if ((c & 0xC0) == 0x80) {
            continue; /* a continuation byte: look further back for its lead */
        }
        need = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
        return back < need ? i : n;
    }
    return n;
}

static void StreamAppend(TestStream *s, const unsigned char *bytes, size_t n)
{
    unsigned char *joined = NULL;
    wchar_t *wide = NULL;
    wchar_t *grown;
    size_t total = s->pending_len + n;
    size_t cut;
    int chars = 0;

    joined = (unsigned char *)malloc(total + 1);
    wide = (wchar_t *)malloc((total + 1) * sizeof(wchar_t));
    if (joined == NULL || wide == NULL) {
        goto cleanup;
    }
    memcpy(joined, s->pending, s->pending_len);
    memcpy(joined + s->pending_len, bytes, n);
    cut = CompleteUtf8(joined, total);
    if (cut > 0) {
        /* Invalid bytes become U+FFFD: a test then fails on the text, not in here. */
        chars = MultiByteToWideChar(CP_UTF8, 0, (const char *)joined, (int)cut, wide, (int)total + 1);
        if (chars < 0) {
            chars = 0;
        }
    }
    EnterCriticalSection(&s->lock);
    s->pending_len = total - cut;
    memcpy(s->pending, joined + cut, s->pending_len);
    if (s->len + (size_t)chars + 1 > s->cap) {
        size_t cap = s->cap == 0 ? 4096 : s->cap;
        while (s->len + (size_t)chars + 1 > cap) {
            cap *= 2;
        }
        grown = (wchar_t *)realloc(s->text, cap * sizeof(wchar_t));
        if (grown == NULL) {
            LeaveCriticalSection(&s->lock);
            goto cleanup;
        }
        s->text = grown;
        s->cap = cap;
    }
    memcpy(s->text + s->len, wide, (size_t)chars * sizeof(wchar_t));
    s->len += (size_t)chars;
    s->text[s->len] = L'\0';
    WakeAllConditionVariable(&s->changed);
    LeaveCriticalSection(&s->lock);

cleanup:
    free(joined);
    free(wide);
}

static DWORD WINAPI StreamReader(LPVOID param)
{
    TestStream *s = (TestStream *)param;
    unsigned char buf[TEST_READ_CHUNK];
    DWORD got = 0;

    /* ReadFile fails with ERROR_BROKEN_PIPE once every writer has closed its end. */
    while (ReadFile(s->read, buf, sizeof(buf), &got, NULL) && got > 0) {
        StreamAppend(s, buf, got);
    }
    CloseHandle(s->read);
    s->read = NULL;
    EnterCriticalSection(&s->lock);
    s->ended = TRUE;
    WakeAllConditionVariable(&s->changed);
    LeaveCriticalSection(&s->lock);
    return 0;
}

static size_t CountLocked(const TestStream *s, const wchar_t *text)
{
    size_t count = 0;
    size_t step = wcslen(text);
    const wchar_t *p;

    if (s->text == NULL || step == 0) {
        return 0;
    }
    for (p = wcsstr(s->text, text); p != NULL; p = wcsstr(p + step, text)) {
        count++;
    }
    return count;
}

static BOOL StreamWait(TestStream *s, const wchar_t *text, size_t count, BOOL until_end, DWORD timeout_ms)
{
    ULONGLONG deadline = TestNowMs() + timeout_ms;
    ULONGLONG now;
    BOOL found = FALSE;

    if (!s->used) {
        return FALSE;
    }
    EnterCriticalSection(&s->lock);
    for (;;) {
        if (until_end ? s->ended : CountLocked(s, text) >= count) {
            found = TRUE;
            break;
        }
        now = TestNowMs();
        if (s->ended || now >= deadline) {
            break;
        }
        SleepConditionVariableCS(&s->changed, &s->lock, (DWORD)(deadline - now));
    }
    LeaveCriticalSection(&s->lock);
    return found;
}

static const wchar_t *StreamSnapshot(TestStream *s)
{
    const wchar_t *result = g_empty;
    wchar_t *grown;

    if (!s->used) {
        return g_empty;
    }
    EnterCriticalSection(&s->lock);
    if (s->len + 1 > s->snapshot_cap) {
        grown = (wchar_t *)realloc(s->snapshot, (s->len + 1) * sizeof(wchar_t));
        if (grown == NULL) {
            goto cleanup;
        }
        s->snapshot = grown;
        s->snapshot_cap = s->len + 1;
    }
    if (s->len > 0) {
        memcpy(s->snapshot, s->text, s->len * sizeof(wchar_t));
    }
    s->snapshot[s->len] = L'\0';
    result = s->snapshot;

cleanup:
    LeaveCriticalSection(&s->lock);
    return result;
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

static BOOL StartReader(TestStream *s, HANDLE read_end, DWORD *error)
{
    StreamInit(s);
    s->read = read_end;
    s->thread = CreateThread(NULL, 0, StreamReader, s, 0, NULL);
    if (s->thread == NULL) {
        *error = GetLastError();
        return FALSE;
    }
    return TRUE;
}

/* ---- spawning ---- */

TestProc *TestSpawn(const wchar_t *cmdline)
{
    return TestSpawnEx(cmdline, TEST_SPAWN_DEFAULT);
}

TestProc *TestSpawnEx(const wchar_t *cmdline, unsigned flags)
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
    si.hStdOutput = out_write;
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
    for (attempt = 0;; attempt++) {
        if (CreateProcessW(NULL, mutable_cmd, NULL, NULL, TRUE, CREATE_NO_WINDOW, NULL, NULL, &si, &pi)) {
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
    CloseHandle(pi.hThread);
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

    if (!StartReader(&proc->out, out_read, &error)) {
        failed = L"CreateThread";
        goto cleanup;
    }
    out_read = NULL;
    if (err_read != NULL) {
        if (!StartReader(&proc->err, err_read, &error)) {
            failed = L"CreateThread";
            goto cleanup;
        }
        err_read = NULL;
    }

cleanup:
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
    return StreamWait(&proc->out, text, 1, FALSE, timeout_ms);
}

BOOL TestWaitOutputCount(TestProc *proc, const wchar_t *text, size_t count, DWORD timeout_ms)
{
    return StreamWait(&proc->out, text, count, FALSE, timeout_ms);
}

BOOL TestWaitOutputEnd(TestProc *proc, DWORD timeout_ms)
{
    BOOL ended = StreamWait(&proc->out, g_empty, 0, TRUE, timeout_ms);
    if (ended && proc->err.used) {
        ended = StreamWait(&proc->err, g_empty, 0, TRUE, timeout_ms);
    }
    return ended;
}

size_t TestCountOutput(TestProc *proc, const wchar_t *text)
{
    size_t count;

    EnterCriticalSection(&proc->out.lock);
    count = CountLocked(&proc->out, text);
    LeaveCriticalSection(&proc->out.lock);
    return count;
}

const wchar_t *TestOutputText(TestProc *proc)
{
    return StreamSnapshot(&proc->out);
}

const wchar_t *TestErrText(TestProc *proc)
{
    return StreamSnapshot(&proc->err);
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

/* ---- other processes ---- */

HANDLE TestPidHandle(DWORD pid)
{
    HANDLE h;

    if (pid == 0) {
        return NULL;
    }
    h = OpenProcess(SYNCHRONIZE | PROCESS_TERMINATE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
    if (h == NULL) {
        return NULL;
    }
    /* OpenProcess also succeeds on an exited process that someone still holds a handle to. */
    if (WaitForSingleObject(h, 0) != WAIT_TIMEOUT) {
        CloseHandle(h);
        h = NULL;
    }
    return h;
}

BOOL TestPidAlive(DWORD pid)
{
    HANDLE h = TestPidHandle(pid);

    if (h == NULL) {
        return FALSE;
    }
    CloseHandle(h);
    h = NULL;
    return TRUE;
}

BOOL TestKillPid(DWORD pid)
{
    HANDLE h = TestPidHandle(pid);
    BOOL killed = FALSE;

    if (h == NULL) {
        goto cleanup;
    }
    if (!TerminateProcess(h, TEST_KILL_EXIT_CODE)) {
        goto cleanup;
    }
    killed = WaitForSingleObject(h, 10000) == WAIT_OBJECT_0;

cleanup:
    if (h != NULL) {
        CloseHandle(h);
        h = NULL;
    }
    return killed;
}

BOOL TestWaitPidExit(DWORD pid, DWORD timeout_ms, DWORD *code)
{
    HANDLE h = OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
    BOOL exited = FALSE;
    DWORD exit_code = 0;

    if (h == NULL) {
        /* Gone already: its exit code is lost, which only matters to callers that ask. */
        exited = code == NULL;
        goto cleanup;
    }
    if (WaitForSingleObject(h, timeout_ms) != WAIT_OBJECT_0) {
        goto cleanup;
    }
    if (code != NULL) {
        if (!GetExitCodeProcess(h, &exit_code)) {
            goto cleanup;
        }
        *code = exit_code;
    }
    exited = TRUE;

cleanup:
    if (h != NULL) {
        CloseHandle(h);
        h = NULL;
    }
    return exited;
}

ULONGLONG TestPidCreated(DWORD pid)
{
    HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
    FILETIME created;
    FILETIME exited;
    FILETIME kernel;
    FILETIME user;
    ULONGLONG result = 0;

    if (h == NULL) {
        goto cleanup;
    }
    if (!GetProcessTimes(h, &created, &exited, &kernel, &user)) {
        goto cleanup;
    }
    result = ((ULONGLONG)created.dwHighDateTime << 32) | created.dwLowDateTime;

cleanup:
    if (h != NULL) {
        CloseHandle(h);
        h = NULL;
    }
    return result;
}

size_t TestCountChildren(DWORD parent_pid, const wchar_t *image)
{
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    PROCESSENTRY32W entry;
    size_t count = 0;
    BOOL more;

    if (snap == INVALID_HANDLE_VALUE) {
        snap = NULL;
        goto cleanup;
    }
    memset(&entry, 0, sizeof(entry));
    entry.dwSize = sizeof(entry);
    for (more = Process32FirstW(snap, &entry); more; more = Process32NextW(snap, &entry)) {
        if (entry.th32ParentProcessID != parent_pid || entry.th32ProcessID == parent_pid) {
            continue;
        }
        if (image != NULL && _wcsicmp(entry.szExeFile, image) != 0) {
            continue;
        }
        if (TestPidAlive(entry.th32ProcessID)) {
            count++;
        }
    }

cleanup:
    if (snap != NULL) {
        CloseHandle(snap);
        snap = NULL;
    }
    return count;
}

DWORD TestParentPid(DWORD pid)
{
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    PROCESSENTRY32W entry;
    DWORD parent = 0;
    BOOL more;

    if (snap == INVALID_HANDLE_VALUE) {
        snap = NULL;
        goto cleanup;
    }
    memset(&entry, 0, sizeof(entry));
    entry.dwSize = sizeof(entry);
    for (more = Process32FirstW(snap, &entry); more; more = Process32NextW(snap, &entry)) {
        if (entry.th32ProcessID == pid) {
            parent = entry.th32ParentProcessID;
            break;
        }
    }

cleanup:
    if (snap != NULL) {
        CloseHandle(snap);
        snap = NULL;
    }
    return parent;
}

typedef struct TreeNode {
    DWORD pid;
    ULONGLONG created;
} TreeNode;

#define TEST_TREE_MAX 256

static BOOL TreeHas(const TreeNode *nodes, size_t n, DWORD pid, ULONGLONG *created)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (nodes[i].pid == pid) {
            *created = nodes[i].created;
            return TRUE;
        }
    }
    return FALSE;
}

/*
 * Kill a process tree by parent pids from Toolhelp. Parents go first, so a
 * controller cannot relaunch a listener we are about to kill; the tree seen so
 * far is remembered across rounds because a killed process's children still
 * name it as their parent while it no longer appears in a snapshot. A child
 * created before its supposed parent holds a recycled pid and is left alone.
 */
void TestKillTree(DWORD pid, BOOL only_descendants)
{
    TreeNode nodes[TEST_TREE_MAX];
    size_t count = 0;
    size_t round;
    size_t before;
    HANDLE snap = NULL;
    PROCESSENTRY32W entry;
    BOOL more;
    BOOL grew;
    ULONGLONG parent_created;
    ULONGLONG created;
    HANDLE h;
    size_t i;

    nodes[count].pid = pid;
    nodes[count].created = TestPidCreated(pid);
    count++;
    if (!only_descendants) {
        TestKillPid(pid);
    }
    for (round = 0; round < 5; round++) {
        before = count;
        snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
        if (snap == INVALID_HANDLE_VALUE) {
            snap = NULL;
            break;
        }
        /* Grow the tree to a fixed point within this snapshot. */
        do {
            grew = FALSE;
            memset(&entry, 0, sizeof(entry));
            entry.dwSize = sizeof(entry);
            for (more = Process32FirstW(snap, &entry); more; more = Process32NextW(snap, &entry)) {
                if (count >= TEST_TREE_MAX || TreeHas(nodes, count, entry.th32ProcessID, &created)) {
                    continue;
                }
                if (!TreeHas(nodes, count, entry.th32ParentProcessID, &parent_created)) {
                    continue;
                }
                created = TestPidCreated(entry.th32ProcessID);
                if (created == 0 || created < parent_created) {
                    continue;
                }
                nodes[count].pid = entry.th32ProcessID;
                nodes[count].created = created;
                count++;
                grew = TRUE;
            }
        } while (grew);
        CloseHandle(snap);
        snap = NULL;
        for (i = before; i < count; i++) {
            h = OpenProcess(PROCESS_TERMINATE | SYNCHRONIZE, FALSE, nodes[i].pid);
            if (h != NULL) {
                TerminateProcess(h, TEST_KILL_EXIT_CODE);
                WaitForSingleObject(h, 5000);
                CloseHandle(h);
                h = NULL;
            }
        }
        if (count == before) {
            break;
        }
    }
}

/*
 * Processes whose parent a test killed (a listener outliving its controller):
 * they are no longer anyone's descendant, so TestCleanup would not find them.
 * The creation time guards against killing a recycled pid.
 */
#define TEST_MAX_TRACKED 64
static TreeNode g_tracked[TEST_MAX_TRACKED];
static size_t g_tracked_count;

void TestTrackPid(DWORD pid)
{
    if (g_tracked_count < TEST_MAX_TRACKED) {
        g_tracked[g_tracked_count].pid = pid;
        g_tracked[g_tracked_count].created = TestPidCreated(pid);
        g_tracked_count++;
    }
}

void TestCleanup(void)
{
    size_t i;

    for (i = 0; i < g_proc_count; i++) {
        TestCloseStdin(g_procs[i]);
        if (TestIsRunning(g_procs[i])) {
            TestKillTree(g_procs[i]->pid, FALSE);
        }
    }
    for (i = 0; i < g_tracked_count; i++) {
        if (g_tracked[i].created != 0 && TestPidCreated(g_tracked[i].pid) == g_tracked[i].created) {
            TestKillTree(g_tracked[i].pid, FALSE);
        }
    }
    /* Listeners launched by a controller we spawned are our descendants too. */
    TestKillTree(GetCurrentProcessId(), TRUE);
}

void TestAssertLaunchLine(const char *file, int line, TestProc *proc, const wchar_t *exe, const wchar_t *args,
                          DWORD timeout_ms)
{
    wchar_t got[TEST_CMD_CAP];
    wchar_t want[TEST_CMD_CAP];
    size_t prefix = wcslen(TEXT_LAUNCHING);
    size_t exe_len = wcslen(exe);
    ULONGLONG deadline = TestNowMs() + timeout_ms;
    BOOL complete;

    swprintf(want, TEST_CMD_CAP, L"%ls%ls %ls ", TEXT_LAUNCHING, exe, args);
    if (!TestWaitOutput(proc, TEXT_LAUNCHING, timeout_ms)) {
        TestFail(file, line, L"no \"%ls\" line within %lu ms:\n%ls", TEXT_LAUNCHING, (unsigned long)timeout_ms,
                 TestOutputText(proc));
    }
    /* The line counts once its line break has arrived (the text may come in pieces). */
    while (!(complete = TestOutputLine(proc, TEXT_LAUNCHING, got, TEST_CMD_CAP)) && TestNowMs() < deadline) {
        Sleep(TEST_POLL_MS);
    }
    if (!complete) {
        TestFail(file, line, L"the \"%ls\" line did not end:\n%ls", TEXT_LAUNCHING, TestOutputText(proc));
    }
    /* Exact text, but the path's case is the file system's business. */
    if (wcslen(got) != wcslen(want) || wcsncmp(got, want, prefix) != 0 ||
        _wcsnicmp(got + prefix, want + prefix, exe_len) != 0 ||
        wcscmp(got + prefix + exe_len, want + prefix + exe_len) != 0) {
        TestFail(file, line, L"launch line differs:\n  got  \"%ls\"\n  want \"%ls\"", got, want);
    }
}

/* ---- the mapping ---- */

static void *MapByName(const wchar_t *name, DWORD access, HANDLE *section, SIZE_T *size)
{
    HANDLE h = OpenFileMappingW(access, FALSE, name);
    void *view = NULL;
    MEMORY_BASIC_INFORMATION info;

    if (h == NULL) {
        goto cleanup;
    }
    view = MapViewOfFile(h, access, 0, 0, 0);
    if (view == NULL) {
        goto cleanup;
    }
    /* A 4-byte section (the seed's) still maps a whole page. */
    *size = VirtualQuery(view, &info, sizeof(info)) == sizeof(info) ? info.RegionSize : 4;
    *section = h;
    h = NULL;

cleanup:
    if (h != NULL) {
        CloseHandle(h);
        h = NULL;
    }
    return view;
}

static void Unmap(void *view, HANDLE section)
{
    if (view != NULL) {
        UnmapViewOfFile(view);
    }
    if (section != NULL) {
        CloseHandle(section);
    }
}

BOOL TestMappingExists(const wchar_t *name)
{
    HANDLE h = OpenFileMappingW(FILE_MAP_READ, FALSE, name);

    if (h == NULL) {
        return FALSE;
    }
    CloseHandle(h);
    h = NULL;
    return TRUE;
}

BOOL TestReadBytes(const wchar_t *name, unsigned char *out, size_t len)
{
    HANDLE section = NULL;
    SIZE_T size = 0;
    void *view = MapByName(name, FILE_MAP_READ, &section, &size);
    size_t n = len;

    if (view == NULL) {
        return FALSE;
    }
    if (n > size) {
        n = size;
    }
    memset(out, 0, len);
    memcpy(out, view, n);
    Unmap(view, section);
    return TRUE;
}

BOOL TestReadMessage(const wchar_t *name, LONG *out)
{
    HANDLE section = NULL;
    SIZE_T size = 0;
    void *view = MapByName(name, FILE_MAP_READ, &section, &size);

    if (view == NULL) {
        return FALSE;
    }
    *out = *(volatile LONG *)view;
    Unmap(view, section);
    return TRUE;
}

BOOL TestWriteMessage(const wchar_t *name, LONG value)
{
    HANDLE section = NULL;
    SIZE_T size = 0;
    void *view = MapByName(name, FILE_MAP_READ | FILE_MAP_WRITE, &section, &size);

    if (view == NULL) {
        return FALSE;
    }
    *(volatile LONG *)view = value;
    Unmap(view, section);
    return TRUE;
}

DWORD TestWaitPublished(const wchar_t *name, DWORD not_pid, DWORD timeout_ms)
{
    ULONGLONG deadline = TestNowMs() + timeout_ms;
    LONG message = 0;

    for (;;) {
        if (TestReadMessage(name, &message) && message > 0 && (DWORD)message != not_pid &&
            TestPidAlive((DWORD)message)) {
            return (DWORD)message;
        }
        if (TestNowMs() >= deadline) {
            return 0;
        }
        Sleep(TEST_POLL_MS);
    }
}

uint16_t TestReadU16(const unsigned char *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

uint32_t TestReadU32(const unsigned char *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

uint64_t TestReadU64(const unsigned char *p)
{
    return (uint64_t)TestReadU32(p) | ((uint64_t)TestReadU32(p + 4) << 32);
}

/* ---- names, paths, command lines ---- */

void TestUniqueName(const wchar_t *tag, wchar_t *out, size_t cap)
{
    swprintf(out, cap, L"T%ls-%lu", tag, (unsigned long)GetCurrentProcessId());
}

void TestSelfPath(wchar_t *out, size_t cap)
{
    DWORD n = GetModuleFileNameW(NULL, out, (DWORD)cap);
    DWORD error = GetLastError();

    if (n == 0 || n >= cap) {
        TestFail(__FILE__, __LINE__, L"GetModuleFileNameW failed (error %lu)", (unsigned long)error);
    }
}

void TestBinPath(const wchar_t *file, wchar_t *out, size_t cap)
{
    wchar_t *slash;
    size_t dir_len;
    size_t file_len;

    TestSelfPath(out, cap);
    slash = wcsrchr(out, L'\\');
    if (slash == NULL) {
        TestFail(__FILE__, __LINE__, L"no folder in %ls", out);
    }
    slash[1] = L'\0';
    dir_len = wcslen(out);
    file_len = wcslen(file);
    if (dir_len + file_len + 1 > cap) {
        TestFail(__FILE__, __LINE__, L"path too long for %ls", file);
    }
    memcpy(out + dir_len, file, (file_len + 1) * sizeof(wchar_t));
}

void TestAppendArg(wchar_t *buf, size_t cap, const wchar_t *arg)
{
    size_t len = wcslen(buf);
    size_t need = len + 3 + 2 * wcslen(arg) + 1; /* worst case: every char escaped, quotes, space */
    size_t backslashes;
    const wchar_t *p;
    BOOL quote = arg[0] == L'\0' || wcspbrk(arg, L" \t\n\v\"") != NULL;

    if (need > cap) {
        TestFail(__FILE__, __LINE__, L"command line too long");
    }
    if (len > 0) {
        buf[len++] = L' ';
    }
    if (!quote) {
        memcpy(buf + len, arg, (wcslen(arg) + 1) * sizeof(wchar_t));
        return;
    }
    /* The C runtime's rules: backslashes are literal unless they precede a quote. */
    buf[len++] = L'"';
    for (p = arg;; p++) {
        backslashes = 0;
        while (*p == L'\\') {
            backslashes++;
            p++;
        }
        if (*p == L'\0') {
            while (backslashes-- > 0) {
                buf[len++] = L'\\';
                buf[len++] = L'\\';
            }
            break;
        }
        if (*p == L'"') {
            while (backslashes-- > 0) {
                buf[len++] = L'\\';
                buf[len++] = L'\\';
            }
            buf[len++] = L'\\';
        } else {
            while (backslashes-- > 0) {
                buf[len++] = L'\\';
            }
        }
        buf[len++] = *p;
    }
    buf[len++] = L'"';
    buf[len] = L'\0';
}

void TestCommandLine(wchar_t *out, size_t cap, const wchar_t *exe, ...)
{
    va_list ap;
    const wchar_t *arg;

    if (cap == 0) {
        return;
    }
    out[0] = L'\0';
    TestAppendArg(out, cap, exe);
    va_start(ap, exe);
    for (arg = va_arg(ap, const wchar_t *); arg != NULL; arg = va_arg(ap, const wchar_t *)) {
        TestAppendArg(out, cap, arg);
    }
    va_end(ap);
}

void TestSetEnv(const wchar_t *name, const wchar_t *value)
{
    DWORD error;

    if (!SetEnvironmentVariableW(name, value)) {
        error = GetLastError();
        TestFail(__FILE__, __LINE__, L"SetEnvironmentVariableW(%ls) failed with error %lu", name,
                 (unsigned long)error);
    }
}

ULONGLONG TestNowMs(void)
{
    return GetTickCount64();
}

/* ---- shortcuts ---- */

TestProc *TestStartListener(const wchar_t *name, DWORD work_ms)
{
    wchar_t exe[TEST_PATH_CAP];
    wchar_t cmd[TEST_PATH_CAP * 2];
    wchar_t work[32];
    TestProc *proc;
    DWORD published;

    TestBinPath(TEST_LISTENER_EXE, exe, TEST_PATH_CAP);
    swprintf(work, 32, L"%lu", (unsigned long)work_ms);
    TestCommandLine(cmd, TEST_PATH_CAP * 2, exe, name, L"--work-ms", work, (const wchar_t *)NULL);
    proc = TestSpawn(cmd);
    published = TestWaitPublished(name, 0, 10000);
    if (published != proc->pid) {
        TestFail(__FILE__, __LINE__, L"listener %lu did not publish its pid at offset 0 of %ls (found %lu)",
                 (unsigned long)proc->pid, name, (unsigned long)published);
    }
    return proc;
}

static TestProc *SpawnWithArgs(const wchar_t *exe, unsigned flags, va_list ap)
{
    wchar_t *cmd = (wchar_t *)malloc(TEST_CMD_CAP * sizeof(wchar_t));
    const wchar_t *arg;
    TestProc *proc;

    if (cmd == NULL) {
        TestFail(__FILE__, __LINE__, L"out of memory");
    }
    cmd[0] = L'\0';
    TestAppendArg(cmd, TEST_CMD_CAP, exe);
    for (arg = va_arg(ap, const wchar_t *); arg != NULL; arg = va_arg(ap, const wchar_t *)) {
        TestAppendArg(cmd, TEST_CMD_CAP, arg);
    }
    proc = TestSpawnEx(cmd, flags);
    free(cmd);
    return proc;
}

TestProc *TestSpawnController(unsigned flags, ...)
{
    wchar_t exe[TEST_PATH_CAP];
    va_list ap;
    TestProc *proc;

    TestBinPath(TEST_CONTROLLER_EXE, exe, TEST_PATH_CAP);
    va_start(ap, flags);
    proc = SpawnWithArgs(exe, flags, ap);
    va_end(ap);
    return proc;
}

TestProc *TestSpawnSelf(unsigned flags, ...)
{
    wchar_t exe[TEST_PATH_CAP];
    va_list ap;
    TestProc *proc;

    TestSelfPath(exe, TEST_PATH_CAP);
    va_start(ap, flags);
    proc = SpawnWithArgs(exe, flags, ap);
    va_end(ap);
    return proc;
}

DWORD TestStop(const wchar_t *name, DWORD timeout_ms, DWORD wait_ms, TestProc **out)
{
    wchar_t exe[TEST_PATH_CAP];
    wchar_t cmd[TEST_PATH_CAP * 2];
    wchar_t timeout[32];
    TestProc *proc;
    DWORD code = 0;

    TestBinPath(TEST_CONTROLLER_EXE, exe, TEST_PATH_CAP);
    if (timeout_ms != 0) {
        swprintf(timeout, 32, L"%lu", (unsigned long)timeout_ms);
        TestCommandLine(cmd, TEST_PATH_CAP * 2, exe, L"--stop", name, L"--timeout", timeout,
                        (const wchar_t *)NULL);
    } else {
        TestCommandLine(cmd, TEST_PATH_CAP * 2, exe, L"--stop", name, (const wchar_t *)NULL);
    }
    proc = TestSpawn(cmd);
    if (!TestWaitExit(proc, wait_ms, &code)) {
        TestFail(__FILE__, __LINE__, L"%ls did not exit within %lu ms:\n%ls", cmd, (unsigned long)wait_ms,
                 TestOutputText(proc));
    }
    if (out != NULL) {
        *out = proc;
    }
    return code;
}
