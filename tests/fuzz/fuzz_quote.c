/*
 * fuzz_quote.c - IpcAppendQuotedArg round trip: arguments quoted one after the
 * other into a command line must come back unchanged through the parsing rules
 * of CommandLineToArgvW and the C runtime (re-implemented here independently),
 * and through IpcCommandLineArg, which reads a listener's NAME back from its
 * command line; on any input that one stays in bounds.
 */
#include <stdio.h>
#include <string.h>

#include "../../common/ipc_text.h"
#include "fuzz_util.h"

/*
 * Splits a command line (without the program name) by the documented rules:
 * arguments end at unquoted spaces or tabs; 2n backslashes before a quote give
 * n and the quote opens or closes a quoted part; 2n+1 give n and a literal
 * quote; other backslashes are literal. Returns the number of arguments.
 */
static int ParseLikeWindows(const wchar_t *p, wchar_t out[][512], int max)
{
    int count = 0;
    for (;;) {
        size_t len = 0;
        int quoted = 0;
        while (*p == L' ' || *p == L'\t') {
            p++;
        }
        if (*p == 0 || count == max) {
            return count;
        }
        while (*p != 0 && (quoted || (*p != L' ' && *p != L'\t'))) {
            size_t slashes = 0;
            while (*p == L'\\') {
                slashes++;
                p++;
            }
            if (*p == L'"') {
                size_t k;
                for (k = 0; k < slashes / 2 && len < 511; k++) {
                    out[count][len++] = L'\\';
                }
                if (slashes % 2 == 1) {
                    if (len < 511) {
                        out[count][len++] = L'"';
                    }
                } else {
                    quoted = !quoted;
                }
                p++;
            } else {
                size_t k;
                for (k = 0; k < slashes && len < 511; k++) {
                    out[count][len++] = L'\\';
                }
                if (*p != 0 && (quoted || (*p != L' ' && *p != L'\t'))) {
                    if (len < 511) {
                        out[count][len++] = *p;
                    }
                    p++;
                }
            }
        }
        out[count][len] = 0;
        count++;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static wchar_t parsed[FUZZ_MAX_ARGS][512];
    wchar_t *storage = NULL;
    wchar_t *args[FUZZ_MAX_ARGS];
    wchar_t line[4096];
    wchar_t small[24];
    static wchar_t full[4096 + 64];
    static wchar_t one[4096];
    wchar_t raw[256];
    wchar_t tiny[4];
    size_t raw_len;
    size_t len = 0;
    size_t small_len = 0;
    int n;
    int i;
    int fitted = 0;

    /* Arguments longer than the parser's buffers are not interesting here. */
    if (size > 2 * 200) {
        return 0;
    }
    n = FuzzSplitWide(data, size, &storage, args);
    line[0] = 0;
    for (i = 0; i < n; i++) {
        FUZZ_CHECK(IpcAppendQuotedArg(line, ARRAYSIZE(line), &len, args[i]));
        FUZZ_CHECK(wcslen(line) == len);
        fitted++;
    }
    FUZZ_CHECK(ParseLikeWindows(line, parsed, FUZZ_MAX_ARGS) == fitted);
    for (i = 0; i < fitted; i++) {
        FUZZ_CHECK(wcscmp(parsed[i], args[i]) == 0);
    }
    /*
     * IpcPasteArg: one argument that CommandLineToArgvW gives back, in double
     * quotes whenever it holds a space or a character a shell acts on.
     */
    for (i = 0; i < n; i++) {
        wchar_t pasted[IPC_PASTE_CAP(200)];
        const wchar_t *shown = IpcPasteArg(args[i], pasted, ARRAYSIZE(pasted));
        FUZZ_CHECK(shown == pasted);
        FUZZ_CHECK(ParseLikeWindows(shown, parsed, FUZZ_MAX_ARGS) == 1 && wcscmp(parsed[0], args[i]) == 0);
        if (args[i][0] == 0 || wcspbrk(args[i], L" &|<>^()%;,'`$@{}") != NULL) {
            FUZZ_CHECK(shown[0] == L'"' && shown[wcslen(shown) - 1] == L'"');
        }
    }
    /* The same line after a program name, read back one argument at a time. */
    full[0] = 0;
    wcscat(full, L"\"C:\\Program Files\\prog.exe\" ");
    wcscat(full, line);
    FUZZ_CHECK(IpcCommandLineArg(full, wcslen(full), 0, one, ARRAYSIZE(one)));
    FUZZ_CHECK(wcscmp(one, L"C:\\Program Files\\prog.exe") == 0);
    for (i = 0; i < fitted; i++) {
        FUZZ_CHECK(IpcCommandLineArg(full, wcslen(full), (unsigned)i + 1, one, ARRAYSIZE(one)));
        FUZZ_CHECK(wcscmp(one, args[i]) == 0);
    }
    FUZZ_CHECK(!IpcCommandLineArg(full, wcslen(full), (unsigned)fitted + 1, one, ARRAYSIZE(one)));
    /* The raw input as a command line, also cut short and into a tiny buffer: no overrun, always terminated. */
    raw_len = size / sizeof(wchar_t) < ARRAYSIZE(raw) ? size / sizeof(wchar_t) : ARRAYSIZE(raw);
    for (i = 0; (size_t)i < raw_len; i++) {
        raw[i] = (wchar_t)(data[2 * i] | (data[2 * i + 1] << 8));
    }
    for (i = 0; i < 4; i++) {
        if (IpcCommandLineArg(raw, raw_len, (unsigned)i, tiny, ARRAYSIZE(tiny))) {
            FUZZ_CHECK(wcslen(tiny) < ARRAYSIZE(tiny));
        } else {
            FUZZ_CHECK(tiny[0] == 0);
        }
    }
    /* A buffer too small: failure leaves the string as it was, terminated. */
    small[0] = 0;
    for (i = 0; i < n; i++) {
        size_t before = small_len;
        wchar_t copy[24];
        memcpy(copy, small, sizeof(copy));
        if (!IpcAppendQuotedArg(small, ARRAYSIZE(small), &small_len, args[i])) {
            FUZZ_CHECK(small_len == before);
            FUZZ_CHECK(wcslen(small) == before);
            FUZZ_CHECK(wmemcmp(copy, small, before) == 0);
        }
    }
    free(storage);
    return 0;
}
