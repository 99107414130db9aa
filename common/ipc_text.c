/*
 * ipc_text.c - bounded formatting and the quoting of arguments for
 * CreateProcessW. No <windows.h>: this file is also built natively for fuzzing.
 */
#include "ipc_text.h"

#include <stdio.h>

int IpcFormatV(wchar_t *buf, size_t cap, const wchar_t *fmt, va_list ap)
{
    int n;
    if (buf == NULL || cap == 0) {
        return -1;
    }
    n = vswprintf(buf, cap, fmt, ap);
    if (n < 0 || (size_t)n >= cap) {
        /* Truncated, in any runtime's way of saying it: the zero may be missing. */
        buf[cap - 1] = L'\0';
        return -1;
    }
    return n;
}

int IpcFormat(wchar_t *buf, size_t cap, const wchar_t *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = IpcFormatV(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}

/* Characters that make CommandLineToArgvW split or unquote an argument. */
static bool NeedsQuotes(const wchar_t *arg)
{
    if (arg[0] == L'\0') {
        return true;
    }
    return wcspbrk(arg, L" \t\n\v\"") != NULL;
}

/* IpcAppendQuotedArg, in quotes also when CommandLineToArgvW would not need them (force). */
static bool AppendArg(wchar_t *buf, size_t cap, size_t *len, const wchar_t *arg, bool force)
{
    size_t n = *len;
    const wchar_t *p;
    bool ok = false;

/* Appends one character, or gives up; cleanup then restores the old end of the string. */
#define IPC_PUT(ch)              \
    do {                         \
        if (n + 1 >= cap) {      \
            goto cleanup;        \
        }                        \
        buf[n++] = (ch);         \
    } while (0)

    if (n > 0) {
        IPC_PUT(L' ');
    }
    if (!force && !NeedsQuotes(arg)) {
        for (p = arg; *p != L'\0'; p++) {
            IPC_PUT(*p);
        }
    } else {
        /*
         * The rules of CommandLineToArgvW and the C runtime: backslashes are
         * literal unless they precede a quote; 2n backslashes + quote give n
         * backslashes and end the quoted part, 2n+1 + quote give n and a quote.
         */
        IPC_PUT(L'"');
        for (p = arg;; p++) {
            size_t slashes = 0;
            size_t k;
            while (*p == L'\\') {
                slashes++;
                p++;
            }
            if (*p == L'\0') {
                for (k = 0; k < slashes * 2; k++) {
                    IPC_PUT(L'\\');
                }
                break;
            }
            if (*p == L'"') {
                for (k = 0; k < slashes * 2 + 1; k++) {
                    IPC_PUT(L'\\');
                }
            } else {
                for (k = 0; k < slashes; k++) {
                    IPC_PUT(L'\\');
                }
            }
            IPC_PUT(*p);
        }
        IPC_PUT(L'"');
    }
#undef IPC_PUT
    buf[n] = L'\0';
    *len = n;
    ok = true;

cleanup:
    if (!ok && *len < cap) {
        buf[*len] = L'\0';
    }
    return ok;
}

bool IpcAppendQuotedArg(wchar_t *buf, size_t cap, size_t *len, const wchar_t *arg)
{
    return AppendArg(buf, cap, len, arg, false);
}

/*
 * What survives being pasted into both shells. Inside double quotes cmd.exe
 * takes & | < > ^ ( ) ; , = ! and spaces literally (! too, delayed expansion
 * being off at its prompt), and PowerShell takes everything literally but $
 * and the backtick; unquoted, either shell would act on these characters
 * (PowerShell also on ' # @ { } [ ] and a leading - or +, cmd on ^ and %).
 * So an argument holding any of them is put in double quotes. Four characters
 * have no spelling that both shells keep: a " inside the quotes (written \"
 * for CommandLineToArgvW) ends cmd.exe's quoting, % expands %VAR% even in
 * cmd.exe's quotes, and $ and ` expand in PowerShell's. A name holding one
 * of them is printed as CommandLineToArgvW reads it, which is exact when the
 * command is started without a shell; type it with care in one.
 */
static const wchar_t kShellSpecial[] = L" \t&|<>^()%!;,='`$#@{}[]~+\"";

const wchar_t *IpcPasteArg(const wchar_t *arg, wchar_t *buf, size_t cap)
{
    size_t len = 0;
    bool force = arg[0] == L'\0' || arg[0] == L'-' || wcspbrk(arg, kShellSpecial) != NULL;

    if (buf == NULL || cap == 0 || !AppendArg(buf, cap, &len, arg, force)) {
        return arg;
    }
    return buf;
}
