/*
 * ipc_args.c - parsing of both programs' command lines. No <windows.h>: this
 * file is also built natively for fuzzing.
 */
#include "ipc_args.h"

#include <string.h>

#include "ipc_name.h"
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

static bool IsHelp(const wchar_t *arg)
{
    return wcscmp(arg, L"/?") == 0 || wcscmp(arg, L"-h") == 0 || wcscmp(arg, L"--help") == 0 ||
           wcscmp(arg, L"-?") == 0;
}

/*
 * Matches "--opt VALUE" and "--opt=VALUE". Returns true and sets *value (NULL when
 * the value is missing), advancing *i past a separate value; false when arg
 * is another option.
 */
static bool MatchValueOption(int argc, wchar_t **argv, int *i, const wchar_t *opt, const wchar_t **value)
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

/*
 * A word that matched no option is the instance name, unless it looks like an
 * option or the name was given already: then false, with err saying so.
 */
static bool TakeName(const wchar_t *arg, const wchar_t **name, wchar_t *err, size_t cap)
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

static IpcParseResult MissingValue(wchar_t *err, size_t cap, const wchar_t *opt)
{
    IpcFormat(err, cap, L"option %ls needs a value", opt);
    return IPC_PARSE_ERROR;
}

/* How an option's value is read. */
typedef enum OptionKind {
    OPTION_TEXT,  /* any non-empty text */
    OPTION_COMMAND, /* a command line: non-empty, and said so when it is empty */
    OPTION_NAME,  /* an instance name: may be empty here (IpcCheckName says why it is bad) */
    OPTION_NAME_OPTIONAL, /* the same, or none when the next word is an option or there is none: text stays NULL */
    OPTION_MS,    /* milliseconds in [min, IPC_MAX_MS] */
    OPTION_BYTES, /* bytes in [min, IPC_MAX_LOG_BYTES] */
    OPTION_COUNT, /* a count in [min, IPC_MAX_START_LIMIT] */
    OPTION_FLAG   /* no value: only *given is set */
} OptionKind;

/* One "--opt VALUE" option of a command line, and where its value goes. */
typedef struct OptionSpec {
    const wchar_t *name;
    OptionKind kind;
    unsigned long min;
    const wchar_t **text;  /* OPTION_TEXT, OPTION_NAME */
    unsigned long *number; /* OPTION_MS, OPTION_BYTES, OPTION_COUNT */
    bool supervise_only;   /* makes no sense with --stop, --status or --uninstall */
    bool *given;           /* set to true when the option appears; may be NULL */
} OptionSpec;

/*
 * Appends one option to a table of cap entries (*count of them filled). The
 * tables are filled by assignment, not by an initializer list: MSVC in C mode
 * warns on aggregate initializers that are not constants (C4204) or that hold
 * addresses of locals (C4221), and these entries point at the parser's locals.
 */
static void SpecAdd(OptionSpec *specs, size_t cap, size_t *count, const wchar_t *name, OptionKind kind,
                    unsigned long min, const wchar_t **text, unsigned long *number, bool supervise_only, bool *given)
{
    OptionSpec *spec;
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

/* What MatchOption found. */
typedef enum MatchResult {
    MATCH_NONE,  /* argv[*i] is none of the options */
    MATCH_TAKEN, /* it was one, and its value is stored */
    MATCH_ERROR  /* it was one, with a missing or bad value: err holds the message */
} MatchResult;

/*
 * Matches argv[*i] against the value options in specs and stores the value.
 * seen[k] records that specs[k] was given, so a second time is an error (one
 * rule for every option: a repeated option is a mistake, never "the last one
 * wins"). The first supervision-only option seen is remembered in
 * *supervise_only, for the mode checks after the loop.
 */
static MatchResult MatchOption(int argc, wchar_t **argv, int *i, const OptionSpec *specs, bool *seen, size_t count,
                       const wchar_t **supervise_only, wchar_t *err, size_t cap)
{
    size_t k;
    const wchar_t *value;

    for (k = 0; k < count; k++) {
        const OptionSpec *spec = &specs[k];
        if (spec->kind == OPTION_FLAG) {
            if (wcscmp(argv[*i], spec->name) != 0) {
                continue;
            }
            value = NULL;
        } else if (spec->kind == OPTION_NAME_OPTIONAL && wcscmp(argv[*i], spec->name) == 0 &&
            (*i + 1 >= argc || IsOption(argv[*i + 1]))) {
            value = NULL; /* "--stop" alone, or before another option: the default instance */
        } else if (!MatchValueOption(argc, argv, i, spec->name, &value)) {
            continue;
        } else if (value == NULL && (spec->kind == OPTION_NAME || spec->kind == OPTION_NAME_OPTIONAL)) {
            IpcFormat(err, cap, L"%ls needs the instance name", spec->name);
            return MATCH_ERROR;
        } else if (value == NULL || (value[0] == L'\0' && spec->kind != OPTION_NAME &&
                                     spec->kind != OPTION_NAME_OPTIONAL)) {
            if (value != NULL && spec->kind == OPTION_COMMAND) {
                IpcFormat(err, cap, L"%ls: the command line is empty", spec->name);
                return MATCH_ERROR;
            }
            MissingValue(err, cap, spec->name);
            return MATCH_ERROR;
        }
        if (seen[k]) {
            IpcFormat(err, cap, L"%ls is given twice", spec->name);
            return MATCH_ERROR;
        }
        seen[k] = true;
        switch (spec->kind) {
        case OPTION_FLAG:
            break;
        case OPTION_NAME:
        case OPTION_NAME_OPTIONAL:
        case OPTION_TEXT:
        case OPTION_COMMAND:
            *spec->text = value;
            break;
        case OPTION_MS:
        case OPTION_BYTES:
        case OPTION_COUNT: {
            unsigned long max = spec->kind == OPTION_MS      ? IPC_MAX_MS
                                : spec->kind == OPTION_BYTES ? IPC_MAX_LOG_BYTES
                                                             : IPC_MAX_START_LIMIT;
            if (!IpcParseUnsigned(value, spec->min, max, spec->number)) {
                IpcFormat(err, cap, L"%ls: '%ls' is not a whole number of %ls from %lu to %lu", spec->name, value,
                        spec->kind == OPTION_MS      ? L"milliseconds"
                        : spec->kind == OPTION_BYTES ? L"bytes"
                                                     : L"exits", spec->min, max);
                return MATCH_ERROR;
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
        return MATCH_TAKEN;
    }
    return MATCH_NONE;
}

IpcParseResult IpcParseListenerArgs(int argc, wchar_t **argv, IpcListenerOptions *out, wchar_t *err, size_t err_cap)
{
    IpcListenerOptions o;
    int i;
    const wchar_t *ignored = NULL;
    bool log_max_given = false;
    bool work_ms_given = false;
    OptionSpec specs[5];
    bool seen[ARRAYSIZE(specs)];
    size_t nspecs = 0;

    SpecAdd(specs, ARRAYSIZE(specs), &nspecs, L"--work-ms", OPTION_MS, 0, NULL, &o.work_ms, false, &work_ms_given);
    SpecAdd(specs, ARRAYSIZE(specs), &nspecs, L"--journal", OPTION_TEXT, 0, &o.journal, NULL, false, NULL);
    SpecAdd(specs, ARRAYSIZE(specs), &nspecs, L"--run", OPTION_COMMAND, 0, &o.run, NULL, false, NULL);
    SpecAdd(specs, ARRAYSIZE(specs), &nspecs, L"--log-max-bytes", OPTION_BYTES, 0, NULL, &o.log_max_bytes, false,
            &log_max_given);
    SpecAdd(specs, ARRAYSIZE(specs), &nspecs, L"--log", OPTION_TEXT, 0, &o.log, NULL, false, NULL);
    o.name = NULL;
    o.work_ms = IPC_DEFAULT_WORK_MS;
    o.journal = NULL;
    o.run = NULL;
    o.log = NULL;
    o.log_max_bytes = IPC_DEFAULT_LOG_MAX_BYTES;
    memset(seen, 0, sizeof(seen));
    for (i = 1; i < argc; i++) {
        const wchar_t *arg = argv[i];
        if (IsHelp(arg)) {
            return IPC_PARSE_HELP;
        }
        if (wcscmp(arg, L"--version") == 0) {
            return IPC_PARSE_VERSION;
        }
        switch (MatchOption(argc, argv, &i, specs, seen, nspecs, &ignored, err, err_cap)) {
        case MATCH_TAKEN:
            continue;
        case MATCH_ERROR:
            return IPC_PARSE_ERROR;
        case MATCH_NONE:
            break;
        }
        if (!TakeName(arg, &o.name, err, err_cap)) {
            return IPC_PARSE_ERROR;
        }
    }
    if (log_max_given && o.log == NULL) {
        IpcFormat(err, err_cap, L"--log-max-bytes goes with --log FILE");
        return IPC_PARSE_ERROR;
    }
    if (o.run != NULL && wcslen(o.run) >= IPC_MAX_COMMAND_LINE) {
        IpcFormat(err, err_cap, L"--run: the command line is longer than %d characters", IPC_MAX_COMMAND_LINE - 1);
        return IPC_PARSE_ERROR;
    }
    /* With --run a unit lasts as long as its command; --work-ms is then the least time between starts. */
    if (o.run != NULL && !work_ms_given) {
        o.work_ms = 0;
    }
    /* An empty NAME is the C# sample's "no name" case, reported by the caller with the sample's words. */
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
    const wchar_t *restart_name = NULL;
    const wchar_t *status_name = NULL;
    const wchar_t *install_name = NULL;
    const wchar_t *uninstall_name = NULL;
    const wchar_t *trigger = NULL; /* --at-startup or --at-logon, as given */
    int modes;
    const wchar_t *supervise_only = NULL; /* the first option that makes no sense with --stop */
    bool timeout_given = false;
    bool delay_max_given = false;
    bool log_max_given = false;
    bool stop_given = false;
    bool restart_given = false;
    bool status_given = false;
    bool console_given = false;
    bool interval_given = false;
    const wchar_t *no_restart = NULL; /* --no-restart-exit-codes LIST, parsed after the loop */
    bool list_given = false;
    bool event_log_given = false;
    bool no_event_log_given = false;
    OptionSpec specs[19];
    bool seen[ARRAYSIZE(specs)];
    size_t nspecs = 0;

    SpecAdd(specs, ARRAYSIZE(specs), &nspecs, L"--stop", OPTION_NAME_OPTIONAL, 0, &stop_name, NULL, false,
            &stop_given);
    SpecAdd(specs, ARRAYSIZE(specs), &nspecs, L"--restart", OPTION_NAME_OPTIONAL, 0, &restart_name, NULL, false,
            &restart_given);
    SpecAdd(specs, ARRAYSIZE(specs), &nspecs, L"--status", OPTION_NAME_OPTIONAL, 0, &status_name, NULL, false,
            &status_given);
    SpecAdd(specs, ARRAYSIZE(specs), &nspecs, L"--install", OPTION_NAME, 0, &install_name, NULL, false, NULL);
    SpecAdd(specs, ARRAYSIZE(specs), &nspecs, L"--uninstall", OPTION_NAME, 0, &uninstall_name, NULL, false, NULL);
    SpecAdd(specs, ARRAYSIZE(specs), &nspecs, L"--timeout", OPTION_MS, 0, NULL, &o.timeout_ms, false, &timeout_given);
    SpecAdd(specs, ARRAYSIZE(specs), &nspecs, L"--hang-timeout", OPTION_MS, 1, NULL, &o.hang_timeout_ms, true, NULL);
    SpecAdd(specs, ARRAYSIZE(specs), &nspecs, L"--restart-delay-max", OPTION_MS, 1, NULL, &o.restart_delay_max_ms,
            true, &delay_max_given);
    SpecAdd(specs, ARRAYSIZE(specs), &nspecs, L"--restart-delay", OPTION_MS, 1, NULL, &o.restart_delay_ms, true,
            NULL);
    SpecAdd(specs, ARRAYSIZE(specs), &nspecs, L"--log-max-bytes", OPTION_BYTES, 0, NULL, &o.log_max_bytes, true,
            &log_max_given);
    SpecAdd(specs, ARRAYSIZE(specs), &nspecs, L"--log", OPTION_TEXT, 0, &o.log, NULL, true, NULL);
    SpecAdd(specs, ARRAYSIZE(specs), &nspecs, L"--listener", OPTION_TEXT, 0, &o.listener_path, NULL, true, NULL);
    SpecAdd(specs, ARRAYSIZE(specs), &nspecs, L"--no-restart-exit-codes", OPTION_TEXT, 0, &no_restart, NULL, true,
            NULL);
    SpecAdd(specs, ARRAYSIZE(specs), &nspecs, L"--start-limit-interval", OPTION_MS, 1, NULL,
            &o.start_limit_interval_ms, true, &interval_given);
    SpecAdd(specs, ARRAYSIZE(specs), &nspecs, L"--start-limit", OPTION_COUNT, 1, NULL, &o.start_limit, true, NULL);
    SpecAdd(specs, ARRAYSIZE(specs), &nspecs, L"--on-failure", OPTION_COMMAND, 0, &o.on_failure, NULL, true, NULL);
    SpecAdd(specs, ARRAYSIZE(specs), &nspecs, L"--event-log", OPTION_FLAG, 0, NULL, NULL, true, &event_log_given);
    SpecAdd(specs, ARRAYSIZE(specs), &nspecs, L"--no-event-log", OPTION_FLAG, 0, NULL, NULL, true,
            &no_event_log_given);
    SpecAdd(specs, ARRAYSIZE(specs), &nspecs, L"--standby", OPTION_FLAG, 0, NULL, NULL, true, &o.standby);
    memset(&o, 0, sizeof(o));
    o.mode = IPC_MODE_SUPERVISE;
    o.name = NULL;
    o.timeout_ms = IPC_DEFAULT_STOP_TIMEOUT_MS;
    o.console = IPC_CONSOLE_NEW;
    o.restart_delay_ms = IPC_DEFAULT_RESTART_DELAY_MS;
    o.restart_delay_max_ms = IPC_DEFAULT_RESTART_DELAY_MAX_MS;
    o.log_max_bytes = IPC_DEFAULT_LOG_MAX_BYTES;
    o.start_limit_interval_ms = IPC_DEFAULT_START_LIMIT_INTERVAL_MS;
    memset(seen, 0, sizeof(seen));
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
        if ((wcscmp(arg, L"--force") == 0 && o.force) || (wcscmp(arg, L"--dry-run") == 0 && o.dry_run) ||
            (wcscmp(arg, L"--json") == 0 && o.json) || (wcscmp(arg, L"--list") == 0 && list_given) ||
            (wcscmp(arg, L"--unattended") == 0 && o.unattended) ||
            (trigger != NULL && wcscmp(arg, trigger) == 0)) {
            IpcFormat(err, err_cap, L"%ls is given twice", arg);
            return IPC_PARSE_ERROR;
        }
        if (wcscmp(arg, L"--force") == 0) {
            o.force = true;
            continue;
        }
        if (wcscmp(arg, L"--dry-run") == 0) {
            o.dry_run = true;
            continue;
        }
        if (wcscmp(arg, L"--json") == 0) {
            o.json = true;
            continue;
        }
        if (wcscmp(arg, L"--list") == 0) {
            list_given = true;
            continue;
        }
        if (wcscmp(arg, L"--unattended") == 0) {
            o.unattended = true;
            if (supervise_only == NULL) {
                supervise_only = L"--unattended";
            }
            continue;
        }
        if (wcscmp(arg, L"--at-startup") == 0 || wcscmp(arg, L"--at-logon") == 0) {
            if (trigger != NULL) {
                IpcFormat(err, err_cap, L"--at-startup and --at-logon cannot be used together");
                return IPC_PARSE_ERROR;
            }
            trigger = arg;
            o.at_startup = wcscmp(arg, L"--at-startup") == 0;
            continue;
        }
        switch (MatchOption(argc, argv, &i, specs, seen, nspecs, &supervise_only, err, err_cap)) {
        case MATCH_TAKEN:
            continue;
        case MATCH_ERROR:
            return IPC_PARSE_ERROR;
        case MATCH_NONE:
            break;
        }
        if (MatchValueOption(argc, argv, &i, L"--console", &value)) {
            if (value == NULL) {
                return MissingValue(err, err_cap, L"--console");
            }
            if (console_given) {
                IpcFormat(err, err_cap, L"--console is given twice");
                return IPC_PARSE_ERROR;
            }
            console_given = true;
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
        if (!TakeName(arg, &o.name, err, err_cap)) {
            return IPC_PARSE_ERROR;
        }
    }

    modes = stop_given + restart_given + status_given + list_given + (install_name != NULL) +
            (uninstall_name != NULL);
    if (modes > 1) {
        IpcFormat(err, err_cap, L"use only one of --stop, --restart, --status, --list, --install and --uninstall");
        return IPC_PARSE_ERROR;
    }
    if (o.json && !status_given && !list_given) {
        IpcFormat(err, err_cap, L"--json goes with --status or --list");
        return IPC_PARSE_ERROR;
    }
    if ((trigger != NULL || o.dry_run) && install_name == NULL) {
        IpcFormat(err, err_cap, L"%ls goes with --install", trigger != NULL ? trigger : L"--dry-run");
        return IPC_PARSE_ERROR;
    }
    if (log_max_given && o.log == NULL) {
        IpcFormat(err, err_cap, L"--log-max-bytes goes with --log FILE");
        return IPC_PARSE_ERROR;
    }
    if ((interval_given || o.on_failure != NULL) && o.start_limit == 0) {
        IpcFormat(err, err_cap, L"%ls goes with --start-limit N",
                  interval_given ? L"--start-limit-interval" : L"--on-failure");
        return IPC_PARSE_ERROR;
    }
    if (o.on_failure != NULL && wcslen(o.on_failure) >= IPC_MAX_COMMAND_LINE) {
        IpcFormat(err, err_cap, L"--on-failure: the command line is longer than %d characters",
                  IPC_MAX_COMMAND_LINE - 1);
        return IPC_PARSE_ERROR;
    }
    if (no_restart != NULL &&
        !IpcParseExitCodes(no_restart, o.no_restart_codes, ARRAYSIZE(o.no_restart_codes), &o.no_restart_count)) {
        IpcFormat(err, err_cap,
                  L"--no-restart-exit-codes: '%ls' is not a comma-separated list of at most %d exit codes, each "
                  L"decimal (1) or hexadecimal (0xC0000005)",
                  no_restart, IPC_MAX_NO_RESTART_CODES);
        return IPC_PARSE_ERROR;
    }
    if (event_log_given && no_event_log_given) {
        IpcFormat(err, err_cap, L"--event-log and --no-event-log cannot be used together");
        return IPC_PARSE_ERROR;
    }
    o.event_log = event_log_given ? IPC_EVENT_LOG_ON : (no_event_log_given ? IPC_EVENT_LOG_OFF : IPC_EVENT_LOG_AUTO);
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
    } else if (list_given) {
        if (o.name != NULL || supervise_only != NULL || timeout_given || o.force) {
            IpcFormat(err, err_cap, L"%ls cannot be used with --list",
                    o.name != NULL ? o.name : (supervise_only != NULL ? supervise_only :
                                               (timeout_given ? L"--timeout" : L"--force")));
            return IPC_PARSE_ERROR;
        }
        o.mode = IPC_MODE_LIST;
    } else if (status_given) {
        /* --status without NAME: the NAME given beside it, else SampleApp, as for the controller itself. */
        if (o.name != NULL && status_name != NULL) {
            IpcFormat(err, err_cap, L"give the instance name once: either NAME or --status NAME");
            return IPC_PARSE_ERROR;
        }
        if (supervise_only != NULL || timeout_given || o.force) {
            IpcFormat(err, err_cap, L"%ls cannot be used with --status",
                    supervise_only != NULL ? supervise_only : (timeout_given ? L"--timeout" : L"--force"));
            return IPC_PARSE_ERROR;
        }
        o.mode = IPC_MODE_STATUS;
        if (status_name != NULL) {
            o.name = status_name;
        }
    } else if (stop_given) {
        if (o.name != NULL && stop_name != NULL) {
            IpcFormat(err, err_cap, L"give the instance name once: either NAME or --stop NAME");
            return IPC_PARSE_ERROR;
        }
        if (supervise_only != NULL) {
            IpcFormat(err, err_cap, L"%ls cannot be used with --stop", supervise_only);
            return IPC_PARSE_ERROR;
        }
        o.mode = IPC_MODE_STOP;
        if (stop_name != NULL) {
            o.name = stop_name;
        }
    } else if (restart_given) {
        if (o.name != NULL && restart_name != NULL) {
            IpcFormat(err, err_cap, L"give the instance name once: either NAME or --restart NAME");
            return IPC_PARSE_ERROR;
        }
        if (supervise_only != NULL || o.force) {
            IpcFormat(err, err_cap, L"%ls cannot be used with --restart", supervise_only != NULL ? supervise_only
                                                                                                 : L"--force");
            return IPC_PARSE_ERROR;
        }
        o.mode = IPC_MODE_RESTART;
        if (restart_name != NULL) {
            o.name = restart_name;
        }
    } else if (timeout_given || o.force) {
        IpcFormat(err, err_cap, L"%ls", timeout_given ? L"--timeout goes with --stop or --restart"
                                                      : L"--force goes with --stop");
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
    if (o.unattended && !console_given) {
        o.console = IPC_CONSOLE_NONE; /* nobody watches a window of a run nobody attends */
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
