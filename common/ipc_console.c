/*
 * ipc_console.c - console output (copied to the log) and key input.
 */
#include "ipc_console.h"

#include <stdarg.h>

#include "ipc_handle.h"
#include "ipc_log.h"
#include "ipc_text.h"

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

static void WriteLine(DWORD which, const wchar_t *text, int len);

/*
 * The log's word that it failed or works again, once, on standard error (and
 * so in the log itself when it can be written, and in a controller's log).
 */
static void PrintLogNotice(void)
{
    wchar_t notice[1024 + 2];
    int len;

    if (!IpcLogTakeNotice(notice, ARRAYSIZE(notice) - 2)) {
        return;
    }
    len = (int)wcslen(notice);
    notice[len++] = L'\r';
    notice[len++] = L'\n';
    WriteLine(STD_ERROR_HANDLE, notice, len);
}

/*
 * Writes one line to a standard handle, and to the log. WriteConsoleW keeps
 * every character on a console whatever its code page; anything else (a pipe
 * read by a script or the test runner, a file) gets UTF-8, which is what such
 * readers expect, and so does the log.
 */
static void WriteLine(DWORD which, const wchar_t *text, int len)
{
    HANDLE h = GetStdHandle(which);
    BOOL usable = h != NULL && h != INVALID_HANDLE_VALUE;
    BOOL console = FALSE;
    DWORD mode;
    DWORD written;
    char small[1024];
    char *utf8 = NULL;
    char *heap = NULL;
    int bytes;

    if (usable && GetConsoleMode(h, &mode)) {
        console = TRUE;
        WriteConsoleW(h, text, (DWORD)len, &written, NULL);
    }
    if ((!usable || console) && !IpcLogIsOpen()) {
        return;
    }
    bytes = ToUtf8(text, len, small, (int)sizeof(small), &utf8, &heap);
    if (bytes > 0) {
        if (usable && !console) {
            WriteFile(h, utf8, (DWORD)bytes, &written, NULL);
        }
        IpcLogWriteLine(utf8, bytes, which == STD_ERROR_HANDLE);
    }
    IpcHeapFree(&heap);
    PrintLogNotice();
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
    IpcHeapFree(&heap);
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

BOOL IpcStdinIsConsole(void)
{
    DWORD mode;
    HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
    return in != NULL && in != INVALID_HANDLE_VALUE && GetConsoleMode(in, &mode);
}

/* Keys that only modify others: the C# sample's Console.ReadKey does not return for them. */
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
        if (!ReadConsoleInputW(in, records, ARRAYSIZE(records), &got) || got == 0) {
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

    if (!IpcStdinIsConsole()) {
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
