/*
 * ipc_args.c - parsing of both programs' command lines, instance-name checks
 * and the quoting of arguments for CreateProcessW. No <windows.h>: this file
 * is also built natively for fuzzing.
 */
#include "ipc_args.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Case-insensitive ASCII comparison of a prefix: the kernel's "Local"/"Global" links are case-insensitive. */
static int HasPrefixNoCase(const wchar_t *s, const wchar_t *prefix)
{
    for (; *prefix != L'\0'; s++, prefix++) {
        wchar_t a = *s;
        wchar_t b = *prefix;
        if (a >= L'A' && a <= L'Z') {
            a = (wchar_t)(a - L'A' + L'a');
        }
        if (b >= L'A' && b <= L'Z') {
            b = (wchar_t)(b - L'A' + L'a');
        }
        if (a != b) {
            return 0;
        }
    }
    return 1;
}

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

static size_t PrefixLength(const wchar_t *name)
{
    if (HasPrefixNoCase(name, L"Local\\")) {
        return 6;
    }
    if (HasPrefixNoCase(name, L"Global\\")) {
        return 7;
    }
    return 0;
}

int IpcCheckName(const wchar_t *name, wchar_t *why, size_t why_cap)
{
    size_t len;
    size_t prefix;
    size_t i;

    if (name == NULL || name[0] == L'\0') {
        IpcFormat(why, why_cap, L"the instance name is empty");
        return 0;
    }
    len = wcslen(name);
    if (len > IPC_NAME_MAX) {
        IpcFormat(why, why_cap, L"the instance name is %lu characters long; the limit is %d",
                (unsigned long)len, IPC_NAME_MAX);
        return 0;
    }
    prefix = PrefixLength(name);
    if (prefix == len) {
        IpcFormat(why, why_cap, L"the instance name '%ls' is only a namespace prefix; add a name after it", name);
        return 0;
    }
    for (i = 0; i < len; i++) {
        wchar_t c = name[i];
        if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) {
            IpcFormat(why, why_cap, L"the instance name holds a control character (U+%04X) at position %lu",
                    (unsigned)c, (unsigned long)(i + 1));
            return 0;
        }
        if (c == L'\\' && i >= prefix) {
            IpcFormat(why, why_cap,
                    L"the instance name '%ls' holds a backslash; only a leading Local\\ or Global\\ may have one",
                    name);
            return 0;
        }
    }
    return 1;
}

int IpcDerivedName(const wchar_t *name, const wchar_t *suffix, wchar_t *out, size_t cap)
{
    size_t a = wcslen(name);
    size_t b = wcslen(suffix);
    if (a + b + 1 > cap) {
        return 0;
    }
    memcpy(out, name, a * sizeof(wchar_t));
    memcpy(out + a, suffix, (b + 1) * sizeof(wchar_t));
    return 1;
}

int IpcParseUnsigned(const wchar_t *text, unsigned long min, unsigned long max, unsigned long *out)
{
    unsigned long value = 0;
    const wchar_t *p;

    if (text == NULL || text[0] == L'\0') {
        return 0;
    }
    for (p = text; *p != L'\0'; p++) {
        unsigned digit;
        if (*p < L'0' || *p > L'9') {
            return 0;
        }
        digit = (unsigned)(*p - L'0');
        /* Stop before overflow: every accepted value is at most IPC_MAX_MS. */
        if (value > (max - digit) / 10) {
            return 0;
        }
        value = value * 10 + digit;
    }
    if (value < min || value > max) {
        return 0;
    }
    *out = value;
    return 1;
}

static int IsHelp(const wchar_t *arg)
{
    return wcscmp(arg, L"/?") == 0 || wcscmp(arg, L"-h") == 0 || wcscmp(arg, L"--help") == 0 ||
           wcscmp(arg, L"-?") == 0;
}

/*
 * Matches "--opt VALUE" and "--opt=VALUE". Returns 1 and sets *value (NULL when
 * the value is missing), advancing *i past a separate value; 0 when arg is
 * another option.
 */
static int MatchValueOption(int argc, wchar_t **argv, int *i, const wchar_t *opt, const wchar_t **value)
{
    const wchar_t *arg = argv[*i];
    size_t n = wcslen(opt);
    if (wcsncmp(arg, opt, n) != 0) {
        return 0;
    }
    if (arg[n] == L'=') {
        *value = arg + n + 1;
        return 1;
    }
    if (arg[n] != L'\0') {
        return 0;
    }
    if (*i + 1 < argc) {
        *i += 1;
        *value = argv[*i];
    } else {
        *value = NULL;
    }
    return 1;
}

static int IsOption(const wchar_t *arg)
{
    return arg[0] == L'-' && arg[1] != L'\0';
}

static IpcParseResult MissingValue(wchar_t *err, size_t cap, const wchar_t *opt)
{
    IpcFormat(err, cap, L"option %ls needs a value", opt);
    return IPC_PARSE_ERROR;
}

/* How an option's value is read. */
typedef enum OptionKind {
    OPTION_TEXT,  /* any non-empty text */
    OPTION_NAME,  /* an instance name: may be empty here (IpcCheckName says why it is bad), once only */
    OPTION_MS,    /* milliseconds in [min, IPC_MAX_MS] */
    OPTION_BYTES  /* bytes in [min, IPC_MAX_LOG_BYTES] */
} OptionKind;

/* One "--opt VALUE" option of a command line, and where its value goes. */
typedef struct OptionSpec {
    const wchar_t *name;
    OptionKind kind;
    unsigned long min;
    const wchar_t **text;  /* OPTION_TEXT, OPTION_NAME */
    unsigned long *number; /* OPTION_MS, OPTION_BYTES */
    int supervise_only;    /* makes no sense with --stop, --status or --uninstall */
    int *given;            /* set to 1 when the option appears; may be NULL */
} OptionSpec;

/*
 * Matches argv[*i] against the value options in specs and stores the value.
 * Returns 1 when it matched, 0 when it is none of them, -1 for a missing or bad
 * value (err holds the message). The first supervision-only option seen is
 * remembered in *supervise_only, for the mode checks after the loop.
 */
static int MatchOption(int argc, wchar_t **argv, int *i, const OptionSpec *specs, size_t count,
                       const wchar_t **supervise_only, wchar_t *err, size_t cap)
{
    size_t k;
    const wchar_t *value;

    for (k = 0; k < count; k++) {
        const OptionSpec *spec = &specs[k];
        if (!MatchValueOption(argc, argv, i, spec->name, &value)) {
            continue;
        }
        if (value == NULL || (value[0] == L'\0' && spec->kind != OPTION_NAME)) {
            MissingValue(err, cap, spec->name);
            return -1;
        }
        switch (spec->kind) {
        case OPTION_NAME:
            if (*spec->text != NULL) {
                IpcFormat(err, cap, L"%ls is given twice", spec->name);
                return -1;
            }
            *spec->text = value;
            break;
        case OPTION_TEXT:
            *spec->text = value;
            break;
        case OPTION_MS:
        case OPTION_BYTES: {
            unsigned long max = spec->kind == OPTION_MS ? IPC_MAX_MS : IPC_MAX_LOG_BYTES;
            if (!IpcParseUnsigned(value, spec->min, max, spec->number)) {
                IpcFormat(err, cap, L"%ls: '%ls' is not a whole number of %ls from %lu to %lu", spec->name, value,
                        spec->kind == OPTION_MS ? L"milliseconds" : L"bytes", spec->min, max);
                return -1;
            }
            break;
        }
        }
        if (spec->given != NULL) {
            *spec->given = 1;
        }
        if (spec->supervise_only && *supervise_only == NULL) {
            *supervise_only = spec->name;
        }
        return 1;
    }
    return 0;
}

IpcParseResult IpcParseListenerArgs(int argc, wchar_t **argv, IpcListenerOptions *out, wchar_t *err, size_t err_cap)
{
    IpcListenerOptions o;
    int i;
    const wchar_t *ignored = NULL;
    const OptionSpec specs[] = {
        {L"--work-ms", OPTION_MS, 0, NULL, &o.work_ms, 0, NULL},
        {L"--journal", OPTION_TEXT, 0, &o.journal, NULL, 0, NULL},
        {L"--run", OPTION_TEXT, 0, &o.run, NULL, 0, NULL},
        {L"--log-max-bytes", OPTION_BYTES, 0, NULL, &o.log_max_bytes, 0, NULL},
        {L"--log", OPTION_TEXT, 0, &o.log, NULL, 0, NULL},
    };

    o.name = NULL;
    o.work_ms = IPC_DEFAULT_WORK_MS;
    o.journal = NULL;
    o.run = NULL;
    o.log = NULL;
    o.log_max_bytes = IPC_DEFAULT_LOG_MAX_BYTES;
    for (i = 1; i < argc; i++) {
        const wchar_t *arg = argv[i];
        if (IsHelp(arg)) {
            return IPC_PARSE_HELP;
        }
        if (wcscmp(arg, L"--version") == 0) {
            return IPC_PARSE_VERSION;
        }
        switch (MatchOption(argc, argv, &i, specs, sizeof(specs) / sizeof(specs[0]), &ignored, err, err_cap)) {
        case 1:
            continue;
        case -1:
            return IPC_PARSE_ERROR;
        default:
            break;
        }
        if (IsOption(arg)) {
            IpcFormat(err, err_cap, L"unknown option '%ls'", arg);
            return IPC_PARSE_ERROR;
        }
        if (o.name != NULL) {
            IpcFormat(err, err_cap, L"unexpected argument '%ls': the instance name is already '%ls'", arg, o.name);
            return IPC_PARSE_ERROR;
        }
        o.name = arg;
    }
    if (o.run != NULL && wcslen(o.run) >= IPC_MAX_COMMAND_LINE) {
        IpcFormat(err, err_cap, L"--run: the command line is longer than %d characters", IPC_MAX_COMMAND_LINE - 1);
        return IPC_PARSE_ERROR;
    }
    /* An empty NAME is the seed's "no name" case, reported by the caller with the seed's words. */
    if (o.name != NULL && o.name[0] == L'\0') {
        o.name = NULL;
    }
    if (o.name != NULL && !IpcCheckName(o.name, err, err_cap)) {
        return IPC_PARSE_ERROR;
    }
    *out = o;
    return IPC_PARSE_OK;
}

IpcParseResult IpcParseControllerArgs(int argc, wchar_t **argv, IpcControllerOptions *out, wchar_t *err,
                                      size_t err_cap)
{
    IpcControllerOptions o;
    int i;
    const wchar_t *value;
    const wchar_t *stop_name = NULL;
    const wchar_t *status_name = NULL;
    const wchar_t *install_name = NULL;
    const wchar_t *uninstall_name = NULL;
    const wchar_t *trigger = NULL; /* --at-startup or --at-logon, as given */
    int modes;
    const wchar_t *supervise_only = NULL; /* the first option that makes no sense with --stop */
    int timeout_given = 0;
    int delay_max_given = 0;
    const OptionSpec specs[] = {
        {L"--stop", OPTION_NAME, 0, &stop_name, NULL, 0, NULL},
        {L"--status", OPTION_NAME, 0, &status_name, NULL, 0, NULL},
        {L"--install", OPTION_NAME, 0, &install_name, NULL, 0, NULL},
        {L"--uninstall", OPTION_NAME, 0, &uninstall_name, NULL, 0, NULL},
        {L"--timeout", OPTION_MS, 0, NULL, &o.timeout_ms, 0, &timeout_given},
        {L"--hang-timeout", OPTION_MS, 1, NULL, &o.hang_timeout_ms, 1, NULL},
        {L"--restart-delay-max", OPTION_MS, 1, NULL, &o.restart_delay_max_ms, 1, &delay_max_given},
        {L"--restart-delay", OPTION_MS, 1, NULL, &o.restart_delay_ms, 1, NULL},
        {L"--log-max-bytes", OPTION_BYTES, 0, NULL, &o.log_max_bytes, 1, NULL},
        {L"--log", OPTION_TEXT, 0, &o.log, NULL, 1, NULL},
        {L"--listener", OPTION_TEXT, 0, &o.listener_path, NULL, 1, NULL},
    };

    memset(&o, 0, sizeof(o));
    o.mode = IPC_MODE_SUPERVISE;
    o.name = NULL;
    o.timeout_ms = IPC_DEFAULT_STOP_TIMEOUT_MS;
    o.console = IPC_CONSOLE_NEW;
    o.restart_delay_ms = IPC_DEFAULT_RESTART_DELAY_MS;
    o.restart_delay_max_ms = IPC_DEFAULT_RESTART_DELAY_MAX_MS;
    o.log_max_bytes = IPC_DEFAULT_LOG_MAX_BYTES;
    for (i = 1; i < argc; i++) {
        const wchar_t *arg = argv[i];
        if (wcscmp(arg, L"--") == 0) {
            o.listener_argc = argc - i - 1;
            o.listener_argv = argv + i + 1;
            if (supervise_only == NULL && o.listener_argc > 0) {
                supervise_only = L"--";
            }
            break;
        }
        if (IsHelp(arg)) {
            return IPC_PARSE_HELP;
        }
        if (wcscmp(arg, L"--version") == 0) {
            return IPC_PARSE_VERSION;
        }
        if (wcscmp(arg, L"--force") == 0) {
            o.force = 1;
            continue;
        }
        if (wcscmp(arg, L"--dry-run") == 0) {
            o.dry_run = 1;
            continue;
        }
        if (wcscmp(arg, L"--at-startup") == 0 || wcscmp(arg, L"--at-logon") == 0) {
            if (trigger != NULL && wcscmp(trigger, arg) != 0) {
                IpcFormat(err, err_cap, L"--at-startup and --at-logon cannot be used together");
                return IPC_PARSE_ERROR;
            }
            trigger = arg;
            o.at_startup = wcscmp(arg, L"--at-startup") == 0;
            continue;
        }
        switch (MatchOption(argc, argv, &i, specs, sizeof(specs) / sizeof(specs[0]), &supervise_only, err, err_cap)) {
        case 1:
            continue;
        case -1:
            return IPC_PARSE_ERROR;
        default:
            break;
        }
        if (MatchValueOption(argc, argv, &i, L"--console", &value)) {
            if (value == NULL) {
                return MissingValue(err, err_cap, L"--console");
            }
            if (wcscmp(value, L"new") == 0) {
                o.console = IPC_CONSOLE_NEW;
            } else if (wcscmp(value, L"shared") == 0) {
                o.console = IPC_CONSOLE_SHARED;
            } else if (wcscmp(value, L"none") == 0) {
                o.console = IPC_CONSOLE_NONE;
            } else {
                IpcFormat(err, err_cap, L"--console: '%ls' is not one of new, shared, none", value);
                return IPC_PARSE_ERROR;
            }
            if (supervise_only == NULL) {
                supervise_only = L"--console";
            }
            continue;
        }
        if (IsOption(arg)) {
            IpcFormat(err, err_cap, L"unknown option '%ls'", arg);
            return IPC_PARSE_ERROR;
        }
        if (o.name != NULL) {
            IpcFormat(err, err_cap, L"unexpected argument '%ls': the instance name is already '%ls'", arg, o.name);
            return IPC_PARSE_ERROR;
        }
        o.name = arg;
    }

    modes = (stop_name != NULL) + (status_name != NULL) + (install_name != NULL) + (uninstall_name != NULL);
    if (modes > 1) {
        IpcFormat(err, err_cap, L"use only one of --stop, --status, --install and --uninstall");
        return IPC_PARSE_ERROR;
    }
    if ((trigger != NULL || o.dry_run) && install_name == NULL) {
        IpcFormat(err, err_cap, L"%ls goes with --install", trigger != NULL ? trigger : L"--dry-run");
        return IPC_PARSE_ERROR;
    }
    if (install_name != NULL || uninstall_name != NULL) {
        if (o.name != NULL) {
            IpcFormat(err, err_cap, L"give the instance name once: either NAME or %ls NAME",
                    install_name != NULL ? L"--install" : L"--uninstall");
            return IPC_PARSE_ERROR;
        }
        if (timeout_given || o.force || (uninstall_name != NULL && supervise_only != NULL)) {
            IpcFormat(err, err_cap, L"%ls cannot be used with %ls",
                    timeout_given ? L"--timeout" : (o.force ? L"--force" : supervise_only),
                    install_name != NULL ? L"--install" : L"--uninstall");
            return IPC_PARSE_ERROR;
        }
        o.mode = install_name != NULL ? IPC_MODE_INSTALL : IPC_MODE_UNINSTALL;
        o.name = install_name != NULL ? install_name : uninstall_name;
    } else if (status_name != NULL) {
        if (o.name != NULL) {
            IpcFormat(err, err_cap, L"give the instance name once: either NAME or --status NAME");
            return IPC_PARSE_ERROR;
        }
        if (supervise_only != NULL || timeout_given || o.force) {
            IpcFormat(err, err_cap, L"%ls cannot be used with --status",
                    supervise_only != NULL ? supervise_only : (timeout_given ? L"--timeout" : L"--force"));
            return IPC_PARSE_ERROR;
        }
        o.mode = IPC_MODE_STATUS;
        o.name = status_name;
    } else if (stop_name != NULL) {
        if (o.name != NULL) {
            IpcFormat(err, err_cap, L"give the instance name once: either NAME or --stop NAME");
            return IPC_PARSE_ERROR;
        }
        if (supervise_only != NULL) {
            IpcFormat(err, err_cap, L"%ls cannot be used with --stop", supervise_only);
            return IPC_PARSE_ERROR;
        }
        o.mode = IPC_MODE_STOP;
        o.name = stop_name;
    } else if (timeout_given || o.force) {
        IpcFormat(err, err_cap, L"%ls goes with --stop", timeout_given ? L"--timeout" : L"--force");
        return IPC_PARSE_ERROR;
    }
    if (o.restart_delay_ms > o.restart_delay_max_ms) {
        if (delay_max_given) {
            IpcFormat(err, err_cap, L"--restart-delay (%lu ms) is longer than --restart-delay-max (%lu ms)",
                    o.restart_delay_ms, o.restart_delay_max_ms);
            return IPC_PARSE_ERROR;
        }
        o.restart_delay_max_ms = o.restart_delay_ms;
    }
    if (o.name == NULL) {
        o.name = IPC_DEFAULT_NAME;
    }
    if (!IpcCheckName(o.name, err, err_cap)) {
        return IPC_PARSE_ERROR;
    }
    *out = o;
    return IPC_PARSE_OK;
}

/* Characters that make CommandLineToArgvW split or unquote an argument. */
static int NeedsQuotes(const wchar_t *arg)
{
    if (arg[0] == L'\0') {
        return 1;
    }
    return wcspbrk(arg, L" \t\n\v\"") != NULL;
}

int IpcAppendQuotedArg(wchar_t *buf, size_t cap, size_t *len, const wchar_t *arg)
{
    size_t n = *len;
    const wchar_t *p;
    int ok = 0;

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
    if (!NeedsQuotes(arg)) {
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
    ok = 1;

cleanup:
    if (!ok && *len < cap) {
        buf[*len] = L'\0';
    }
    return ok;
}
