/*
 * ipc_log.c - the process's log file: timestamped lines, rotation by size.
 */
#include "ipc_log.h"

#include <string.h>

#include "ipc_handle.h"
#include "ipc_path.h"
#include "ipc_text.h"
#include "ipc_time.h"

#define IPC_LOG_PATH_MAX (MAX_PATH * 2)

/* The log of IpcLogOpen; every write and rotation happens under the lock. */
static SRWLOCK g_log_lock = SRWLOCK_INIT;
static HANDLE g_log = NULL;
static wchar_t g_log_path[IPC_LOG_PATH_MAX];
static uint64_t g_log_max = 0;

static HANDLE OpenLogFile(const wchar_t *path)
{
    /* Readers may tail it, and FILE_SHARE_DELETE lets another process rotate it under us. */
    return CreateFileW(path, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                       OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
}

/* Shifts PATH.N up by one, dropping the oldest, and starts PATH anew. Called under the lock. */
static void RotateLog(void)
{
    wchar_t from[IPC_LOG_PATH_MAX + 8];
    wchar_t to[IPC_LOG_PATH_MAX + 8];
    int i;
    HANDLE fresh;

    IpcHandleClose(&g_log);
    for (i = IPC_LOG_KEEP; i >= 1; i--) {
        if (i == 1) {
            IpcFormat(from, ARRAYSIZE(from), L"%ls", g_log_path);
        } else {
            IpcFormat(from, ARRAYSIZE(from), L"%ls.%d", g_log_path, i - 1);
        }
        IpcFormat(to, ARRAYSIZE(to), L"%ls.%d", g_log_path, i);
        /* MOVEFILE_REPLACE_EXISTING drops the oldest; a missing source is simply skipped. */
        MoveFileExW(from, to, MOVEFILE_REPLACE_EXISTING);
    }
    fresh = OpenLogFile(g_log_path);
    g_log = fresh == INVALID_HANDLE_VALUE ? NULL : fresh;
}

void IpcLogWriteLine(const char *utf8, int bytes)
{
    wchar_t stamp[48];
    char head[96];
    int head_len;
    DWORD written;
    LARGE_INTEGER size;

    if (g_log == NULL || bytes <= 0) {
        return;
    }
    IpcFormatTime(IpcNowU64(), stamp, ARRAYSIZE(stamp));
    head_len = WideCharToMultiByte(CP_UTF8, 0, stamp, -1, head, (int)sizeof(head), NULL, NULL);
    if (head_len <= 0) {
        return;
    }
    head[head_len - 1] = ' '; /* the terminating NUL becomes the separator */
    AcquireSRWLockExclusive(&g_log_lock);
    if (g_log != NULL && g_log_max != 0 && GetFileSizeEx(g_log, &size) &&
        (uint64_t)size.QuadPart + (uint64_t)(head_len + bytes) > g_log_max && size.QuadPart > 0) {
        RotateLog();
    }
    /* Two writes under the lock, both appended: the line stays whole for every reader of this log. */
    if (g_log != NULL) {
        WriteFile(g_log, head, (DWORD)head_len, &written, NULL);
        WriteFile(g_log, utf8, (DWORD)bytes, &written, NULL);
    }
    ReleaseSRWLockExclusive(&g_log_lock);
}

DWORD IpcLogOpen(const wchar_t *path, uint64_t max_bytes, const wchar_t **failed_api)
{
    wchar_t full[IPC_LOG_PATH_MAX];
    HANDLE h;
    DWORD err = IpcFullPath(path, full, ARRAYSIZE(full));

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
        return err;
    }
    AcquireSRWLockExclusive(&g_log_lock);
    IpcHandleClose(&g_log);
    memcpy(g_log_path, full, sizeof(full));
    g_log = h;
    g_log_max = max_bytes;
    ReleaseSRWLockExclusive(&g_log_lock);
    return ERROR_SUCCESS;
}

BOOL IpcLogIsOpen(void)
{
    BOOL open;
    AcquireSRWLockShared(&g_log_lock);
    open = g_log != NULL;
    ReleaseSRWLockShared(&g_log_lock);
    return open;
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
