/*
 * ipc_log.c - the process's log file: timestamped lines, rotation by size,
 * and a log that goes on through failures and comes back after them.
 *
 * Windows behaviour this relies on (learn.microsoft.com):
 * - CreateFileW, dwShareMode: without FILE_SHARE_DELETE in every open handle,
 *   "other processes cannot open the file or device if they request delete
 *   access", and a rename opens the file for DELETE access, so MoveFileExW
 *   fails with ERROR_SHARING_VIOLATION while a reader such as .NET's
 *   FileStream (PowerShell's Get-Content -Wait), which shares only read and
 *   write, holds the log open. Rotation then copies and truncates instead.
 * - SetEndOfFile "can be used to truncate or extend a file" through a handle
 *   with GENERIC_WRITE access; other processes' open handles do not prevent
 *   it (only a file mapping of the file does, which a reader of a log does not
 *   make). A handle opened with FILE_APPEND_DATA alone writes at the end of
 *   the file as it is at each write, so our appending handle goes on at the
 *   new end after the truncation.
 * - GetFileType: FILE_TYPE_CHAR for a character device (NUL, CON, COM1), which
 *   has no size to rotate and no siblings.
 */
#include "ipc_log.h"

#include <string.h>

#include "ipc_error.h"
#include "ipc_handle.h"
#include "ipc_path.h"
#include "ipc_text.h"
#include "ipc_time.h"

#define IPC_LOG_PATH_MAX (MAX_PATH * 2)
/* After a failure the log is tried again at the first line this long after it (then twice as long, up to the max). */
#define IPC_LOG_RETRY_MS 500u
#define IPC_LOG_RETRY_MAX_MS 8000u
#define IPC_LOG_COPY_CHUNK 65536u
#define IPC_LOG_NOTICE_MAX 1024

/* The log of IpcLogOpen; every write, rotation and retry happens under the lock. */
static SRWLOCK g_log_lock = SRWLOCK_INIT;
static BOOL g_log_on = FALSE;     /* a log was asked for (IpcLogOpen), whether or not it is writable now */
static HANDLE g_log = NULL;       /* where lines go now: PATH, or after a failed rotation the old file */
static BOOL g_log_moved = FALSE;  /* g_log is the old file, renamed to PATH.1; PATH is to be created */
static BOOL g_log_device = FALSE; /* a character device: no size, no rotation */
static BOOL g_log_shifted = FALSE; /* PATH.1 and up were shifted by a rotation that is still to be done */
static wchar_t g_log_path[IPC_LOG_PATH_MAX];
static uint64_t g_log_max = 0;
static ULONGLONG g_retry_tick = 0; /* while failing: when to try again */
static DWORD g_retry_ms = 0;
/* What failed last: a write recovers at the next write that works, the rest when the file opens or rotates again. */
typedef enum LogFailure { LOG_FAIL_NONE, LOG_FAIL_WRITE, LOG_FAIL_OTHER } LogFailure;
static LogFailure g_failing = LOG_FAIL_NONE; /* a failure was reported and no recovery since */
static wchar_t g_notice[IPC_LOG_NOTICE_MAX];
static BOOL g_notice_pending = FALSE;

/* Standard-error lines also go to this file (the controller's log), after g_copy_prefix. */
static wchar_t g_copy_path[IPC_LOG_PATH_MAX];
static char g_copy_prefix[64];
static int g_copy_prefix_len = 0;

static HANDLE OpenLogFile(const wchar_t *path)
{
    /* Readers may tail it, and FILE_SHARE_DELETE lets it be renamed while we hold it (rotation). */
    return CreateFileW(path, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                       OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
}

/* The first failure since the log last worked: say so once (IpcLogTakeNotice), and retry with back-off. */
static void NoteFailure(LogFailure kind, const wchar_t *api, DWORD code, const wchar_t *what)
{
    wchar_t text[IPC_ERROR_TEXT_MAX];

    g_retry_ms = g_retry_ms == 0 ? IPC_LOG_RETRY_MS
                                 : (g_retry_ms >= IPC_LOG_RETRY_MAX_MS / 2 ? IPC_LOG_RETRY_MAX_MS : g_retry_ms * 2);
    g_retry_tick = GetTickCount64() + g_retry_ms;
    if (g_failing != LOG_FAIL_NONE) {
        return;
    }
    g_failing = kind;
    IpcFormat(g_notice, ARRAYSIZE(g_notice),
              L"Warning: the log '%ls' %ls: %ls failed with error %lu: %ls; %ls, and trying again", g_log_path, what,
              api, (unsigned long)code, IpcErrorText(code, text, ARRAYSIZE(text)),
              g_log != NULL ? L"lines go on to the file already open" : L"lines go to the console only");
    g_notice_pending = TRUE;
}

/* What failed (kind, or any failure for LOG_FAIL_OTHER) works again: say so once. */
static void NoteRecovered(LogFailure kind)
{
    if (g_failing == LOG_FAIL_NONE || (kind == LOG_FAIL_WRITE && g_failing != LOG_FAIL_WRITE)) {
        return;
    }
    g_retry_ms = 0;
    g_retry_tick = 0;
    g_failing = LOG_FAIL_NONE;
    IpcFormat(g_notice, ARRAYSIZE(g_notice), L"The log '%ls' works again", g_log_path);
    g_notice_pending = TRUE;
}

/* While failing, only try again once the back-off is over: a full volume is not hammered at every line. */
static BOOL RetryDue(void)
{
    return g_retry_tick == 0 || GetTickCount64() >= g_retry_tick;
}

/* Opens PATH (after a failed open, or after a rotation that could not create it). TRUE when lines go there now. */
static BOOL ReopenLog(void)
{
    HANDLE fresh = OpenLogFile(g_log_path);
    DWORD code;

    if (fresh == INVALID_HANDLE_VALUE) {
        code = GetLastError();
        NoteFailure(LOG_FAIL_OTHER, L"CreateFileW", code, g_log_moved ? L"cannot be created after its rotation" : L"cannot be opened");
        return FALSE;
    }
    IpcHandleClose(&g_log);
    g_log = fresh;
    g_log_moved = FALSE;
    NoteRecovered(LOG_FAIL_OTHER);
    return TRUE;
}

/* PATH opened again for access, sharing everything with our own handle and with any reader. */
static HANDLE OpenExisting(DWORD access)
{
    return CreateFileW(g_log_path, access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                       FILE_ATTRIBUTE_NORMAL, NULL);
}

/*
 * Copies PATH to PATH.1 and truncates PATH, for a PATH that cannot be renamed
 * (a reader without FILE_SHARE_DELETE). Only what was copied whole is cut:
 * when anything fails PATH is left as it is, to be tried again.
 */
static BOOL CopyAndTruncate(const wchar_t *first)
{
    static char buffer[IPC_LOG_COPY_CHUNK]; /* under the lock */
    HANDLE src = INVALID_HANDLE_VALUE;
    HANDLE dst = INVALID_HANDLE_VALUE;
    HANDLE cut = INVALID_HANDLE_VALUE;
    DWORD got = 0;
    DWORD put = 0;
    DWORD code = ERROR_SUCCESS;
    const wchar_t *api = NULL;
    LARGE_INTEGER zero = {0};
    BOOL ok = FALSE;

    src = OpenExisting(GENERIC_READ);
    if (src == INVALID_HANDLE_VALUE) {
        code = GetLastError();
        api = L"CreateFileW";
        goto cleanup;
    }
    dst = CreateFileW(first, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL, CREATE_ALWAYS,
                      FILE_ATTRIBUTE_NORMAL, NULL);
    if (dst == INVALID_HANDLE_VALUE) {
        code = GetLastError();
        api = L"CreateFileW";
        goto cleanup;
    }
    for (;;) {
        if (!ReadFile(src, buffer, (DWORD)sizeof(buffer), &got, NULL)) {
            code = GetLastError();
            api = L"ReadFile";
            goto cleanup;
        }
        if (got == 0) {
            break;
        }
        if (!WriteFile(dst, buffer, got, &put, NULL) || put != got) {
            code = GetLastError();
            api = L"WriteFile";
            goto cleanup;
        }
    }
    /* A second handle: the appending one has no FILE_WRITE_DATA, which SetEndOfFile needs. */
    cut = OpenExisting(GENERIC_WRITE);
    if (cut == INVALID_HANDLE_VALUE) {
        code = GetLastError();
        api = L"CreateFileW";
        goto cleanup;
    }
    if (!SetFilePointerEx(cut, zero, NULL, FILE_BEGIN) || !SetEndOfFile(cut)) {
        code = GetLastError();
        api = L"SetEndOfFile";
        goto cleanup;
    }
    ok = TRUE;

cleanup:
    if (!ok) {
        NoteFailure(LOG_FAIL_OTHER, api, code, L"cannot be rotated by copying (a reader holds it without FILE_SHARE_DELETE)");
    }
    IpcHandleClose(&cut);
    IpcHandleClose(&dst);
    IpcHandleClose(&src);
    return ok;
}

/*
 * Shifts PATH.N up by one, dropping the oldest, and starts PATH anew. The
 * handle stays open across the rename (ours shares delete), so when PATH
 * cannot be created again lines go on to the old file until it can. Called
 * under the lock.
 */
static void RotateLog(void)
{
    wchar_t from[IPC_LOG_PATH_MAX + 8];
    wchar_t to[IPC_LOG_PATH_MAX + 8];
    int i;

    /* Once per rotation: a copy that failed and is tried again must not drop another old file. */
    for (i = IPC_LOG_KEEP; i >= 2 && !g_log_shifted; i--) {
        IpcFormat(from, ARRAYSIZE(from), L"%ls.%d", g_log_path, i - 1);
        IpcFormat(to, ARRAYSIZE(to), L"%ls.%d", g_log_path, i);
        /* MOVEFILE_REPLACE_EXISTING drops the oldest; a missing source is simply skipped. */
        MoveFileExW(from, to, MOVEFILE_REPLACE_EXISTING);
    }
    g_log_shifted = TRUE;
    IpcFormat(to, ARRAYSIZE(to), L"%ls.1", g_log_path);
    if (MoveFileExW(g_log_path, to, MOVEFILE_REPLACE_EXISTING)) {
        g_log_shifted = FALSE;
        g_log_moved = TRUE;
        (void)ReopenLog();
        return;
    }
    /* Refused (ERROR_SHARING_VIOLATION for a reader without FILE_SHARE_DELETE): copy, then cut. */
    if (CopyAndTruncate(to)) {
        g_log_shifted = FALSE;
        NoteRecovered(LOG_FAIL_OTHER);
    }
}

/* Writes head and line; a failure (a full volume) is reported once and the next line tries again. */
static void WriteBoth(const char *head, int head_len, const char *utf8, int bytes)
{
    DWORD written;
    DWORD code;

    if (!WriteFile(g_log, head, (DWORD)head_len, &written, NULL) ||
        !WriteFile(g_log, utf8, (DWORD)bytes, &written, NULL)) {
        code = GetLastError();
        NoteFailure(LOG_FAIL_WRITE, L"WriteFile", code, L"cannot be written");
        return;
    }
    NoteRecovered(LOG_FAIL_WRITE);
}

/* The stamp before a line, in UTF-8 with a space after it; 0 when it cannot be made. */
static int MakeStamp(char *head, int cap)
{
    wchar_t stamp[48];
    int head_len;

    IpcFormatTime(IpcNowU64(), stamp, ARRAYSIZE(stamp));
    head_len = WideCharToMultiByte(CP_UTF8, 0, stamp, -1, head, cap, NULL, NULL);
    if (head_len <= 0) {
        return 0;
    }
    head[head_len - 1] = ' '; /* the terminating NUL becomes the separator */
    return head_len;
}

/* A standard-error line into the copy file: opened, appended with one WriteFile, closed. */
static void WriteCopy(const char *head, int head_len, const char *utf8, int bytes)
{
    char line[1024];
    HANDLE h;
    DWORD written;
    int n = head_len + g_copy_prefix_len;

    if (n + bytes > (int)sizeof(line)) {
        bytes = (int)sizeof(line) - n;
    }
    memcpy(line, head, (size_t)head_len);
    memcpy(line + head_len, g_copy_prefix, (size_t)g_copy_prefix_len);
    memcpy(line + n, utf8, (size_t)bytes);
    h = OpenLogFile(g_copy_path);
    if (h == INVALID_HANDLE_VALUE) {
        return; /* nowhere else to say it: the line has gone to standard error and our own log */
    }
    WriteFile(h, line, (DWORD)(n + bytes), &written, NULL);
    CloseHandle(h);
}

void IpcLogWriteLine(const char *utf8, int bytes, BOOL is_error)
{
    char head[96];
    int head_len;
    LARGE_INTEGER size;

    if ((!g_log_on && g_copy_prefix_len == 0) || bytes <= 0) {
        return;
    }
    head_len = MakeStamp(head, (int)sizeof(head));
    if (head_len == 0) {
        return;
    }
    AcquireSRWLockExclusive(&g_log_lock);
    if (is_error && g_copy_prefix_len > 0) {
        WriteCopy(head, head_len, utf8, bytes);
    }
    if (g_log_on) {
        if ((g_log == NULL || g_log_moved) && RetryDue()) {
            (void)ReopenLog();
        }
        if (g_log != NULL && !g_log_moved && !g_log_device && g_log_max != 0 && RetryDue() &&
            GetFileSizeEx(g_log, &size) &&
            (uint64_t)size.QuadPart + (uint64_t)(head_len + bytes) > g_log_max && size.QuadPart > 0) {
            RotateLog();
        }
        /* Two writes under the lock, both appended: the line stays whole for every reader of this log. */
        if (g_log != NULL) {
            WriteBoth(head, head_len, utf8, bytes);
        }
    }
    ReleaseSRWLockExclusive(&g_log_lock);
}

BOOL IpcLogTakeNotice(wchar_t *buf, size_t cap)
{
    BOOL pending;

    AcquireSRWLockExclusive(&g_log_lock);
    pending = g_notice_pending;
    if (pending) {
        IpcFormat(buf, cap, L"%ls", g_notice);
        g_notice_pending = FALSE;
    }
    ReleaseSRWLockExclusive(&g_log_lock);
    return pending;
}

DWORD IpcLogOpen(const wchar_t *path, uint64_t max_bytes, BOOL keep_trying, const wchar_t **failed_api)
{
    wchar_t full[IPC_LOG_PATH_MAX];
    HANDLE h;
    DWORD err = IpcFullPath(path, full, ARRAYSIZE(full));
    BOOL device;

    if (err != ERROR_SUCCESS) {
        if (failed_api != NULL) {
            *failed_api = L"GetFullPathNameW";
        }
        return err;
    }
    h = OpenLogFile(full);
    if (h == INVALID_HANDLE_VALUE) {
        err = GetLastError();
        if (failed_api != NULL) {
            *failed_api = L"CreateFileW";
        }
        if (!keep_trying) {
            return err;
        }
        h = NULL;
    }
    device = h != NULL && GetFileType(h) != FILE_TYPE_DISK;
    AcquireSRWLockExclusive(&g_log_lock);
    IpcHandleClose(&g_log);
    memcpy(g_log_path, full, sizeof(full));
    g_log = h;
    g_log_on = TRUE;
    g_log_moved = FALSE;
    g_log_shifted = FALSE;
    g_log_device = device;
    g_log_max = max_bytes;
    g_failing = h == NULL ? LOG_FAIL_OTHER : LOG_FAIL_NONE; /* the caller reports this first failure itself */
    g_retry_ms = h == NULL ? IPC_LOG_RETRY_MS : 0;
    g_retry_tick = h == NULL ? GetTickCount64() + g_retry_ms : 0;
    ReleaseSRWLockExclusive(&g_log_lock);
    return err;
}

BOOL IpcLogIsOpen(void)
{
    BOOL open;
    AcquireSRWLockShared(&g_log_lock);
    open = g_log_on || g_copy_prefix_len > 0;
    ReleaseSRWLockShared(&g_log_lock);
    return open;
}

BOOL IpcLogIsDevice(void)
{
    BOOL device;
    AcquireSRWLockShared(&g_log_lock);
    device = g_log_device;
    ReleaseSRWLockShared(&g_log_lock);
    return device;
}

void IpcLogCopyErrors(const wchar_t *path, const wchar_t *prefix)
{
    char utf8[ARRAYSIZE(g_copy_prefix)];
    int n = WideCharToMultiByte(CP_UTF8, 0, prefix, -1, utf8, (int)sizeof(utf8), NULL, NULL);

    if (n <= 0 || wcslen(path) >= ARRAYSIZE(g_copy_path)) {
        return;
    }
    AcquireSRWLockExclusive(&g_log_lock);
    IpcFormat(g_copy_path, ARRAYSIZE(g_copy_path), L"%ls", path);
    memcpy(g_copy_prefix, utf8, (size_t)n);
    g_copy_prefix_len = n - 1;
    ReleaseSRWLockExclusive(&g_log_lock);
}

BOOL IpcLogSibling(const wchar_t *path, const wchar_t *suffix, wchar_t *out, size_t cap)
{
    const wchar_t *file = IpcPathFileName(path);
    const wchar_t *dot = wcsrchr(file, L'.');
    size_t stem = dot != NULL && dot != file ? (size_t)(dot - path) : wcslen(path);
    size_t suffix_len = wcslen(suffix);
    size_t rest = wcslen(path + stem);

    if (stem + suffix_len + rest + 1 > cap) {
        return FALSE;
    }
    memcpy(out, path, stem * sizeof(wchar_t));
    memcpy(out + stem, suffix, suffix_len * sizeof(wchar_t));
    memcpy(out + stem + suffix_len, path + stem, (rest + 1) * sizeof(wchar_t));
    return TRUE;
}
