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

/*
 * The rules of CommandLineToArgvW ("Parsing C command-line arguments",
 * learn.microsoft.com/cpp/c-language/parsing-c-command-line-arguments, and the
 * remarks of learn.microsoft.com/windows/win32/api/shellapi/nf-shellapi-commandlinetoargvw):
 * the program name is taken as it is, up to a space or tab, or between quotes;
 * then arguments are separated by spaces and tabs outside quotes, 2n
 * backslashes and a quote give n backslashes and toggle quoting, 2n+1 give n
 * and a literal quote, other backslashes are literal, and "" inside quotes is
 * a literal quote.
 */
bool IpcCommandLineArg(const wchar_t *cmd, size_t len, unsigned index, wchar_t *out, size_t cap)
{
    size_t i = 0;
    size_t n = 0;
    unsigned arg = 0;
    bool quoted = false;
    bool fits = true;
    size_t slashes;
    size_t k;

#define IPC_ARG_PUT(ch)                \
    do {                               \
        if (arg == index) {            \
            if (n + 1 < cap) {         \
                out[n++] = (ch);       \
            } else {                   \
                fits = false;          \
            }                          \
        }                              \
    } while (0)

    if (cap == 0) {
        return false;
    }
    out[0] = L'\0';
    /* Argument 0: no escapes at all. */
    if (i < len && cmd[i] == L'"') {
        for (i++; i < len && cmd[i] != L'"' && cmd[i] != L'\0'; i++) {
            IPC_ARG_PUT(cmd[i]);
        }
        if (i < len && cmd[i] == L'"') {
            i++;
        }
    } else {
        for (; i < len && cmd[i] != L' ' && cmd[i] != L'\t' && cmd[i] != L'\0'; i++) {
            IPC_ARG_PUT(cmd[i]);
        }
    }
    if (arg == index) {
        out[fits ? n : 0] = L'\0';
        return fits;
    }
    for (;;) {
        while (i < len && (cmd[i] == L' ' || cmd[i] == L'\t')) {
            i++;
        }
        if (i >= len || cmd[i] == L'\0') {
            out[0] = L'\0';
            return false;
        }
        arg++;
        quoted = false;
        while (i < len && cmd[i] != L'\0' && (quoted || (cmd[i] != L' ' && cmd[i] != L'\t'))) {
            if (cmd[i] == L'\\') {
                for (slashes = 0; i < len && cmd[i] == L'\\'; i++) {
                    slashes++;
                }
                if (i < len && cmd[i] == L'"') {
                    for (k = 0; k < slashes / 2; k++) {
                        IPC_ARG_PUT(L'\\');
                    }
                    if (slashes % 2 == 1) {
                        IPC_ARG_PUT(L'"');
                        i++;
                    }
                } else {
                    for (k = 0; k < slashes; k++) {
                        IPC_ARG_PUT(L'\\');
                    }
                }
            } else if (cmd[i] == L'"') {
                if (quoted && i + 1 < len && cmd[i + 1] == L'"') {
                    IPC_ARG_PUT(L'"');
                    i += 2;
                } else {
                    quoted = !quoted;
                    i++;
                }
            } else {
                IPC_ARG_PUT(cmd[i]);
                i++;
            }
        }
        if (arg == index) {
            out[fits ? n : 0] = L'\0';
            return fits;
        }
    }
#undef IPC_ARG_PUT
}
