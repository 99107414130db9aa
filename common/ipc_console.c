/*
 * ipc_console.c - console output, error messages and key input.
 */
#include "ipc_win.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define IPC_LINE_MAX 2048

/*
 * UTF-8 for text: into small when it fits, else into a heap buffer the caller
 * frees (*heap). Returns the byte count, 0 when it cannot be converted.
 */
static int ToUtf8(const wchar_t *text, int len, char *small, int small_cap, char **out, char **heap)
{
    int bytes = WideCharToMultiByte(CP_UTF8, 0, text, len, NULL, 0, NULL, NULL);

    *heap = NULL;
    *out = small;
    if (bytes <= 0) {
        return 0;
    }
    if (bytes > small_cap) {
        *heap = (char *)HeapAlloc(GetProcessHeap(), 0, (SIZE_T)bytes);
        if (*heap == NULL) {
            return 0;
        }
        *out = *heap;
    }
    return WideCharToMultiByte(CP_UTF8, 0, text, len, *out, bytes, NULL, NULL);
}

/*
 * Writes one line to a standard handle. WriteConsoleW keeps every character on a
 * console whatever its code page; anything else (a pipe read by a script or the
 * test runner, a file) gets UTF-8, which is what such readers expect.
 */
static void WriteLine(DWORD which, const wchar_t *text, int len)
{
    HANDLE h = GetStdHandle(which);
    DWORD mode;
    DWORD written;
    char small[1024];
    char *utf8 = NULL;
    char *heap = NULL;
    int bytes;

    if (h == NULL || h == INVALID_HANDLE_VALUE) {
        return;
    }
    if (GetConsoleMode(h, &mode)) {
        WriteConsoleW(h, text, (DWORD)len, &written, NULL);
        return;
    }
    bytes = ToUtf8(text, len, small, (int)sizeof(small), &utf8, &heap);
    if (bytes > 0) {
        WriteFile(h, utf8, (DWORD)bytes, &written, NULL);
    }
    if (heap != NULL) {
        HeapFree(GetProcessHeap(), 0, heap);
    }
}

/* The log of IpcLogOpen; every write and rotation happens under the lock. */
static SRWLOCK g_log_lock = SRWLOCK_INIT;
static HANDLE g_log = NULL;
static wchar_t g_log_path[MAX_PATH * 2];
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
    wchar_t from[MAX_PATH * 2 + 8];
    wchar_t to[MAX_PATH * 2 + 8];
    int i;
    HANDLE fresh;

    CloseHandle(g_log);
    g_log = NULL;
    for (i = IPC_LOG_KEEP; i >= 1; i--) {
        if (i == 1) {
            IpcFormat(from, sizeof(from) / sizeof(from[0]), L"%ls", g_log_path);
        } else {
            IpcFormat(from, sizeof(from) / sizeof(from[0]), L"%ls.%d", g_log_path, i - 1);
        }
        IpcFormat(to, sizeof(to) / sizeof(to[0]), L"%ls.%d", g_log_path, i);
        /* MOVEFILE_REPLACE_EXISTING drops the oldest; a missing source is simply skipped. */
        MoveFileExW(from, to, MOVEFILE_REPLACE_EXISTING);
    }
    fresh = OpenLogFile(g_log_path);
    g_log = fresh == INVALID_HANDLE_VALUE ? NULL : fresh;
}

static void LogLine(const wchar_t *text, int len)
{
    wchar_t stamp[48];
    char head[96];
    char small[1024];
    char *body = NULL;
    char *heap = NULL;
    int head_len;
    int body_len;
    DWORD written;
    LARGE_INTEGER size;

    if (g_log == NULL) {
        return;
    }
    IpcFormatTime(IpcNowU64(), stamp, sizeof(stamp) / sizeof(stamp[0]));
    head_len = WideCharToMultiByte(CP_UTF8, 0, stamp, -1, head, (int)sizeof(head), NULL, NULL);
    body_len = ToUtf8(text, len, small, (int)sizeof(small), &body, &heap);
    if (head_len > 0 && body_len > 0) {
        head[head_len - 1] = ' '; /* the terminating NUL becomes the separator */
        AcquireSRWLockExclusive(&g_log_lock);
        if (g_log != NULL && g_log_max != 0 && GetFileSizeEx(g_log, &size) &&
            (uint64_t)size.QuadPart + (uint64_t)(head_len + body_len) > g_log_max && size.QuadPart > 0) {
            RotateLog();
        }
        /* Two writes under the lock, both appended: the line stays whole for every reader of this log. */
        if (g_log != NULL) {
            WriteFile(g_log, head, (DWORD)head_len, &written, NULL);
            WriteFile(g_log, body, (DWORD)body_len, &written, NULL);
        }
        ReleaseSRWLockExclusive(&g_log_lock);
    }
    if (heap != NULL) {
        HeapFree(GetProcessHeap(), 0, heap);
    }
}

DWORD IpcLogOpen(const wchar_t *path, uint64_t max_bytes, const wchar_t **failed_api)
{
    HANDLE h;
    DWORD full;

    full = GetFullPathNameW(path, (DWORD)(sizeof(g_log_path) / sizeof(g_log_path[0])), g_log_path, NULL);
    if (full == 0 || full >= sizeof(g_log_path) / sizeof(g_log_path[0])) {
        if (failed_api != NULL) {
            *failed_api = L"GetFullPathNameW";
        }
        return full == 0 ? GetLastError() : ERROR_FILENAME_EXCED_RANGE;
    }
    h = OpenLogFile(g_log_path);
    if (h == INVALID_HANDLE_VALUE) {
        if (failed_api != NULL) {
            *failed_api = L"CreateFileW";
        }
        return GetLastError();
    }
    AcquireSRWLockExclusive(&g_log_lock);
    if (g_log != NULL) {
        CloseHandle(g_log);
    }
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

int IpcLogSibling(const wchar_t *path, const wchar_t *suffix, wchar_t *out, size_t cap)
{
    const wchar_t *file = IpcPathFileName(path);
    const wchar_t *dot = wcsrchr(file, L'.');
    size_t stem = dot != NULL && dot != file ? (size_t)(dot - path) : wcslen(path);
    size_t suffix_len = wcslen(suffix);
    size_t rest = wcslen(path + stem);

    if (stem + suffix_len + rest + 1 > cap) {
        return 0;
    }
    memcpy(out, path, stem * sizeof(wchar_t));
    memcpy(out + stem, suffix, suffix_len * sizeof(wchar_t));
    memcpy(out + stem + suffix_len, path + stem, (rest + 1) * sizeof(wchar_t));
    return 1;
}

/*
 * Formats one line and writes it. Most lines fit the stack buffer; a longer one
 * (a launch line with a long command line, the usage text) is formatted again
 * into a buffer as large as the longest command line Windows accepts, so it is
 * printed whole rather than cut.
 */
static void VPrintLine(DWORD which, const wchar_t *fmt, va_list ap)
{
    wchar_t small[IPC_LINE_MAX];
    wchar_t *line = small;
    wchar_t *heap = NULL;
    size_t cap = IPC_LINE_MAX;
    int len;
    va_list again;

    /* Two characters are kept free for the line's CR LF. */
    va_copy(again, ap);
    len = IpcFormatV(line, cap - 2, fmt, ap);
    if (len < 0) {
        heap = (wchar_t *)HeapAlloc(GetProcessHeap(), 0, (IPC_MAX_COMMAND_LINE + IPC_LINE_MAX) * sizeof(wchar_t));
        if (heap != NULL) {
            line = heap;
            cap = IPC_MAX_COMMAND_LINE + IPC_LINE_MAX;
            len = IpcFormatV(line, cap - 2, fmt, again);
        }
        if (len < 0) {
            /* Still too long: keep what fits (IpcFormatV terminated it) rather than lose the line. */
            len = (int)wcslen(line);
        }
    }
    va_end(again);
    line[len++] = L'\r';
    line[len++] = L'\n';
    WriteLine(which, line, len);
    LogLine(line, len);
    if (heap != NULL) {
        HeapFree(GetProcessHeap(), 0, heap);
    }
}

void IpcPrint(const wchar_t *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    VPrintLine(STD_OUTPUT_HANDLE, fmt, ap);
    va_end(ap);
}

void IpcPrintErr(const wchar_t *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    VPrintLine(STD_ERROR_HANDLE, fmt, ap);
    va_end(ap);
}

void IpcFormatTime(uint64_t utc, wchar_t *buf, size_t cap)
{
    FILETIME ft_utc;
    FILETIME ft_local;
    SYSTEMTIME st_utc;
    SYSTEMTIME st_local;
    LONGLONG offset_min;

    ft_utc.dwLowDateTime = (DWORD)utc;
    ft_utc.dwHighDateTime = (DWORD)(utc >> 32);
    /* SystemTimeToTzSpecificLocalTime applies the daylight rule of that date, not of today. */
    if (!FileTimeToSystemTime(&ft_utc, &st_utc) || !SystemTimeToTzSpecificLocalTime(NULL, &st_utc, &st_local) ||
        !SystemTimeToFileTime(&st_local, &ft_local)) {
        IpcFormat(buf, cap, L"?");
        return;
    }
    offset_min = ((LONGLONG)IpcFileTimeToU64(ft_local) - (LONGLONG)utc) / (10000000LL * 60);
    IpcFormat(buf, cap, L"%04u-%02u-%02uT%02u:%02u:%02u.%03u%lc%02d:%02d", st_local.wYear, st_local.wMonth,
             st_local.wDay, st_local.wHour, st_local.wMinute, st_local.wSecond, st_local.wMilliseconds,
             offset_min < 0 ? L'-' : L'+', (int)((offset_min < 0 ? -offset_min : offset_min) / 60),
             (int)((offset_min < 0 ? -offset_min : offset_min) % 60));
}

BOOL IpcStdinIsConsole(void)
{
    DWORD mode;
    HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
    return in != NULL && in != INVALID_HANDLE_VALUE && GetConsoleMode(in, &mode);
}

/* Keys that only modify others: the seed's Console.ReadKey does not return for them. */
static BOOL IsModifierKey(WORD vk)
{
    switch (vk) {
    case VK_SHIFT:
    case VK_CONTROL:
    case VK_MENU:
    case VK_CAPITAL:
    case VK_NUMLOCK:
    case VK_SCROLL:
    case VK_LWIN:
    case VK_RWIN:
    case VK_LSHIFT:
    case VK_RSHIFT:
    case VK_LCONTROL:
    case VK_RCONTROL:
    case VK_LMENU:
    case VK_RMENU:
        return TRUE;
    default:
        return FALSE;
    }
}

BOOL IpcConsoleTakeKey(HANDLE in, BOOL enter_only)
{
    INPUT_RECORD records[16];
    DWORD pending = 0;
    DWORD got = 0;
    DWORD i;
    BOOL found = FALSE;

    while (GetNumberOfConsoleInputEvents(in, &pending) && pending > 0) {
        if (!ReadConsoleInputW(in, records, (DWORD)(sizeof(records) / sizeof(records[0])), &got) || got == 0) {
            break;
        }
        for (i = 0; i < got; i++) {
            const KEY_EVENT_RECORD *k = &records[i].Event.KeyEvent;
            if (records[i].EventType != KEY_EVENT || !k->bKeyDown) {
                continue;
            }
            if (enter_only ? k->wVirtualKeyCode == VK_RETURN || k->uChar.UnicodeChar == L'\r'
                           : !IsModifierKey(k->wVirtualKeyCode)) {
                found = TRUE;
            }
        }
        /* Stop at the first key found: later keystrokes belong to the next prompt. */
        if (found) {
            break;
        }
    }
    return found;
}

BOOL IpcWaitForEnter(void)
{
    HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
    DWORD mode;

    if (in == NULL || in == INVALID_HANDLE_VALUE || !GetConsoleMode(in, &mode)) {
        return FALSE;
    }
    for (;;) {
        if (WaitForSingleObject(in, INFINITE) != WAIT_OBJECT_0) {
            return FALSE;
        }
        if (IpcConsoleTakeKey(in, TRUE)) {
            return TRUE;
        }
    }
}
