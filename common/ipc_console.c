/*
 * ipc_console.c - console output, error messages and key input.
 */
#include "ipc_win.h"

#include <stdarg.h>
#include <stdio.h>

#define IPC_LINE_MAX 2048

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
    char utf8[IPC_LINE_MAX * 3];
    int bytes;

    if (h == NULL || h == INVALID_HANDLE_VALUE) {
        return;
    }
    if (GetConsoleMode(h, &mode)) {
        WriteConsoleW(h, text, (DWORD)len, &written, NULL);
        return;
    }
    bytes = WideCharToMultiByte(CP_UTF8, 0, text, len, utf8, (int)sizeof(utf8), NULL, NULL);
    if (bytes > 0) {
        WriteFile(h, utf8, (DWORD)bytes, &written, NULL);
    }
}

static void VPrintLine(DWORD which, const wchar_t *fmt, va_list ap)
{
    wchar_t line[IPC_LINE_MAX];
    int len = vswprintf(line, IPC_LINE_MAX - 2, fmt, ap);
    if (len < 0) {
        /* Truncated: keep what fits rather than lose the line. */
        line[IPC_LINE_MAX - 3] = L'\0';
        len = (int)wcslen(line);
    }
    line[len++] = L'\r';
    line[len++] = L'\n';
    WriteLine(which, line, len);
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

void IpcReportError(const wchar_t *api, DWORD code, const wchar_t *what, ...)
{
    wchar_t context[IPC_LINE_MAX / 2];
    wchar_t text[512];
    DWORD n;
    va_list ap;

    va_start(ap, what);
    if (vswprintf(context, IPC_LINE_MAX / 2, what, ap) < 0) {
        context[IPC_LINE_MAX / 2 - 1] = L'\0';
    }
    va_end(ap);

    n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS | FORMAT_MESSAGE_MAX_WIDTH_MASK,
                       NULL, code, 0, text, (DWORD)(sizeof(text) / sizeof(text[0])), NULL);
    /* FORMAT_MESSAGE_MAX_WIDTH_MASK leaves a trailing space where the line break was. */
    while (n > 0 && (text[n - 1] == L' ' || text[n - 1] == L'.')) {
        n--;
    }
    text[n] = L'\0';
    IpcPrintErr(L"Error: %ls: %ls failed with error %lu: %ls", context, api, (unsigned long)code,
                n > 0 ? text : L"(no description)");
}

int IpcReportNameError(const wchar_t *api, DWORD code, const wchar_t *object_name, const wchar_t *kind)
{
    switch (code) {
    case ERROR_INVALID_HANDLE:
        /* What CreateFileMappingW, CreateMutexW and CreateEventW say when the name has another type. */
        IpcPrintErr(L"Error: the name '%ls' is taken by a kernel object that is not a %ls.", object_name, kind);
        return IPC_EXIT_NAME_IN_USE;
    case ERROR_INVALID_OWNER:
        IpcPrintErr(L"Error: the %ls '%ls' exists but belongs to another user; refusing to use it.", kind,
                    object_name);
        return IPC_EXIT_NAME_IN_USE;
    case ERROR_ACCESS_DENIED:
        IpcPrintErr(L"Error: the %ls '%ls' exists but this user may not open it.", kind, object_name);
        return IPC_EXIT_NAME_IN_USE;
    default:
        IpcReportError(api, code, L"cannot open the %ls '%ls'", kind, object_name);
        return IPC_EXIT_FAILURE;
    }
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
        swprintf(buf, cap, L"?");
        return;
    }
    offset_min = ((LONGLONG)IpcFileTimeToU64(ft_local) - (LONGLONG)utc) / (10000000LL * 60);
    swprintf(buf, cap, L"%04u-%02u-%02uT%02u:%02u:%02u.%03u%lc%02d:%02d", st_local.wYear, st_local.wMonth,
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
