/*
 * ipc_options.c - the option-table machinery of the command-line parsers
 * (see ipc_options.h). No <windows.h>: this file is also built natively for
 * fuzzing.
 */
#include "ipc_options.h"

#include <string.h>

#include "ipc_args.h"
#include "ipc_text.h"

bool IpcParseUnsigned(const wchar_t *text, unsigned long min, unsigned long max, unsigned long *out)
{
    unsigned long value = 0;
    const wchar_t *p;

    if (text == NULL || text[0] == L'\0') {
        return false;
    }
    for (p = text; *p != L'\0'; p++) {
        unsigned digit;
        if (*p < L'0' || *p > L'9') {
            return false;
        }
        digit = (unsigned)(*p - L'0');
        /* Stop before overflow: every accepted value is at most IPC_MAX_MS. */
        if (value > (max - digit) / 10) {
            return false;
        }
        value = value * 10 + digit;
    }
    if (value < min || value > max) {
        return false;
    }
    *out = value;
    return true;
}

bool IpcParseExitCodes(const wchar_t *text, unsigned long *out, size_t cap, size_t *count)
{
    unsigned long codes[IPC_MAX_NO_RESTART_CODES];
    size_t n = 0;
    const wchar_t *p = text;

    if (text == NULL || cap > ARRAYSIZE(codes)) {
        return false;
    }
    for (;;) {
        /* One item: 0x and 1 to 8 hex digits, or 1 to 10 decimal digits within 32 bits. */
        unsigned long long value = 0;
        unsigned base = 10;
        size_t digits = 0;
        if (p[0] == L'0' && (p[1] == L'x' || p[1] == L'X')) {
            base = 16;
            p += 2;
        }
        for (; *p != L'\0' && *p != L','; p++) {
            unsigned digit;
            if (*p >= L'0' && *p <= L'9') {
                digit = (unsigned)(*p - L'0');
            } else if (base == 16 && *p >= L'a' && *p <= L'f') {
                digit = (unsigned)(*p - L'a') + 10;
            } else if (base == 16 && *p >= L'A' && *p <= L'F') {
                digit = (unsigned)(*p - L'A') + 10;
            } else {
                return false;
            }
            value = value * base + digit;
            if (++digits > 10 || value > 0xFFFFFFFFull) {
                return false;
            }
        }
        if (digits == 0 || n >= cap) {
            return false;
        }
        codes[n++] = (unsigned long)value;
        if (*p == L'\0') {
            break;
        }
        p++; /* the comma; an empty item after it fails above */
    }
    memcpy(out, codes, n * sizeof(codes[0]));
    *count = n;
    return true;
}

bool IpcOptionIsHelp(const wchar_t *arg)
{
    return wcscmp(arg, L"/?") == 0 || wcscmp(arg, L"-h") == 0 || wcscmp(arg, L"--help") == 0 ||
           wcscmp(arg, L"-?") == 0;
}

bool IpcOptionMatchValue(int argc, wchar_t **argv, int *i, const wchar_t *opt, const wchar_t **value)
{
    const wchar_t *arg = argv[*i];
    size_t n = wcslen(opt);
    if (wcsncmp(arg, opt, n) != 0) {
        return false;
    }
    if (arg[n] == L'=') {
        *value = arg + n + 1;
        return true;
    }
    if (arg[n] != L'\0') {
        return false;
    }
    if (*i + 1 < argc) {
        *i += 1;
        *value = argv[*i];
    } else {
        *value = NULL;
    }
    return true;
}

static bool IsOption(const wchar_t *arg)
{
    return arg[0] == L'-' && arg[1] != L'\0';
}

bool IpcOptionTakeName(const wchar_t *arg, const wchar_t **name, wchar_t *err, size_t cap)
{
    if (IsOption(arg)) {
        IpcFormat(err, cap, L"unknown option '%ls'", arg);
        return false;
    }
    if (*name != NULL) {
        IpcFormat(err, cap, L"unexpected argument '%ls': the instance name is already '%ls'", arg, *name);
        return false;
    }
    *name = arg;
    return true;
}

void IpcOptionMissingValue(wchar_t *err, size_t cap, const wchar_t *opt)
{
    IpcFormat(err, cap, L"option %ls needs a value", opt);
}

void IpcOptionAdd(IpcOptionSpec *specs, size_t cap, size_t *count, const wchar_t *name, IpcOptionKind kind,
                  unsigned long min, const wchar_t **text, unsigned long *number, bool supervise_only, bool *given)
{
    IpcOptionSpec *spec;
    if (*count >= cap) {
        return; /* a table too small for its options: the tests of the missing option fail */
    }
    spec = &specs[*count];
    spec->name = name;
    spec->kind = kind;
    spec->min = min;
    spec->text = text;
    spec->number = number;
    spec->supervise_only = supervise_only;
    spec->given = given;
    *count += 1;
}

IpcOptionMatchResult IpcOptionMatch(int argc, wchar_t **argv, int *i, const IpcOptionSpec *specs, bool *seen,
                                    size_t count, const wchar_t **supervise_only, wchar_t *err, size_t cap)
{
    size_t k;
    const wchar_t *value;

    for (k = 0; k < count; k++) {
        const IpcOptionSpec *spec = &specs[k];
        if (spec->kind == IPC_OPTION_FLAG) {
            if (wcscmp(argv[*i], spec->name) != 0) {
                continue;
            }
            value = NULL;
        } else if (spec->kind == IPC_OPTION_NAME_OPTIONAL && wcscmp(argv[*i], spec->name) == 0 &&
            (*i + 1 >= argc || IsOption(argv[*i + 1]))) {
            value = NULL; /* "--stop" alone, or before another option: the default instance */
        } else if (!IpcOptionMatchValue(argc, argv, i, spec->name, &value)) {
            continue;
        } else if (value == NULL && (spec->kind == IPC_OPTION_NAME || spec->kind == IPC_OPTION_NAME_OPTIONAL)) {
            IpcFormat(err, cap, L"%ls needs the instance name", spec->name);
            return IPC_MATCH_ERROR;
        } else if (value == NULL || (value[0] == L'\0' && spec->kind != IPC_OPTION_NAME &&
                                     spec->kind != IPC_OPTION_NAME_OPTIONAL)) {
            if (value != NULL && spec->kind == IPC_OPTION_COMMAND) {
                IpcFormat(err, cap, L"%ls: the command line is empty", spec->name);
                return IPC_MATCH_ERROR;
            }
            IpcOptionMissingValue(err, cap, spec->name);
            return IPC_MATCH_ERROR;
        }
        if (seen[k]) {
            IpcFormat(err, cap, L"%ls is given twice", spec->name);
            return IPC_MATCH_ERROR;
        }
        seen[k] = true;
        switch (spec->kind) {
        case IPC_OPTION_FLAG:
            break;
        case IPC_OPTION_NAME:
        case IPC_OPTION_NAME_OPTIONAL:
        case IPC_OPTION_TEXT:
        case IPC_OPTION_COMMAND:
            *spec->text = value;
            break;
        case IPC_OPTION_MS:
        case IPC_OPTION_BYTES:
        case IPC_OPTION_COUNT: {
            unsigned long max = spec->kind == IPC_OPTION_MS      ? IPC_MAX_MS
                                : spec->kind == IPC_OPTION_BYTES ? IPC_MAX_LOG_BYTES
                                                                 : IPC_MAX_START_LIMIT;
            if (!IpcParseUnsigned(value, spec->min, max, spec->number)) {
                IpcFormat(err, cap, L"%ls: '%ls' is not a whole number of %ls from %lu to %lu", spec->name, value,
                        spec->kind == IPC_OPTION_MS      ? L"milliseconds"
                        : spec->kind == IPC_OPTION_BYTES ? L"bytes"
                                                         : L"exits", spec->min, max);
                return IPC_MATCH_ERROR;
            }
            break;
        }
        }
        if (spec->given != NULL) {
            *spec->given = true;
        }
        if (spec->supervise_only && *supervise_only == NULL) {
            *supervise_only = spec->name;
        }
        return IPC_MATCH_TAKEN;
    }
    return IPC_MATCH_NONE;
}
