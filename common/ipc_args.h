/*
 * ipc_args.h - command lines, instance names and argument quoting.
 *
 * Pure functions over wide strings: no <windows.h>, so they also build natively
 * (where wchar_t is 32 bits) for fuzzing. Lengths are counted in wchar_t units,
 * which on Windows are the UTF-16 units the kernel counts.
 */
#ifndef IPC_ARGS_H
#define IPC_ARGS_H

#include <stdarg.h>
#include <stddef.h>
#include <wchar.h>

#define IPC_DEFAULT_NAME L"SampleApp"
#define IPC_DEFAULT_WORK_MS 6000ul
#define IPC_DEFAULT_STOP_TIMEOUT_MS 60000ul
#define IPC_DEFAULT_RESTART_DELAY_MS 500ul
#define IPC_DEFAULT_RESTART_DELAY_MAX_MS 32000ul
#define IPC_MAX_MS 86400000ul /* one day: the largest time any option takes */
#define IPC_DEFAULT_LOG_MAX_BYTES 10485760ul /* 10 MiB before a log is rotated */
#define IPC_MAX_LOG_BYTES 1073741824ul       /* 1 GiB: the largest --log-max-bytes */
/*
 * Kernel object names are limited to MAX_PATH (260) characters, and we derive
 * names for a mutex and an event by appending up to IPC_NAME_SUFFIX_MAX
 * characters, so NAME itself (with any Local\ or Global\ prefix) gets the rest.
 */
#define IPC_NAME_SUFFIX_MAX 20
#define IPC_NAME_MAX (259 - IPC_NAME_SUFFIX_MAX)
#define IPC_MAX_COMMAND_LINE 32767 /* CreateProcessW's limit, in characters */
#define IPC_ERROR_TEXT_MAX 512

/*
 * IpcCheckName - is NAME usable as an instance name?
 * Returns 1 when it is. Returns 0 when it is empty, longer than IPC_NAME_MAX,
 * holds a control character, holds a backslash other than one leading "Local\"
 * or "Global\" prefix, or is only such a prefix; then why (if not NULL) holds a
 * sentence naming the problem, truncated to why_cap characters.
 */
int IpcCheckName(const wchar_t *name, wchar_t *why, size_t why_cap);

/*
 * IpcDerivedName - NAME plus SUFFIX, the name of a companion kernel object.
 * Returns 1 and writes the result to out; returns 0, with out untouched, when
 * it does not fit in cap characters (never for a name IpcCheckName accepted and
 * a suffix of at most IPC_NAME_SUFFIX_MAX characters, with cap >= 260).
 */
int IpcDerivedName(const wchar_t *name, const wchar_t *suffix, wchar_t *out, size_t cap);

/*
 * IpcParseUnsigned - parse a decimal count (milliseconds, bytes) in [min, max].
 * Returns 1 and sets *out; returns 0, *out untouched, for anything else
 * (empty, signs, spaces, non-digits, overflow, out of range).
 */
int IpcParseUnsigned(const wchar_t *text, unsigned long min, unsigned long max, unsigned long *out);

typedef enum IpcParseResult {
    IPC_PARSE_OK = 0,   /* options filled in; run */
    IPC_PARSE_HELP = 1, /* /?, -h or --help: print usage, exit 0 */
    IPC_PARSE_VERSION = 2, /* --version: print the version, exit 0 */
    IPC_PARSE_ERROR = 3 /* usage error: err holds the message; exit IPC_EXIT_USAGE */
} IpcParseResult;

typedef struct IpcListenerOptions {
    const wchar_t *name;    /* NULL when no NAME was given (the seed's error case) */
    unsigned long work_ms;  /* length of one unit of work */
    const wchar_t *journal; /* --journal FILE: a line at the start and end of every unit; NULL for none */
    const wchar_t *run;     /* --run "COMMAND LINE": each unit runs it to completion; NULL: the seed's sleep */
    const wchar_t *log;     /* --log FILE: every line also goes there, timestamped; NULL for none */
    unsigned long log_max_bytes; /* --log-max-bytes: rotate beyond this; 0 never */
} IpcListenerOptions;

/*
 * IpcParseListenerArgs - ConsoleAppListener NAME [--work-ms N] [--journal FILE] [--run "COMMAND LINE"]
 * [--log FILE] [--log-max-bytes N].
 * argv[0] is the program. On IPC_PARSE_OK *out is filled in (pointers into
 * argv); on IPC_PARSE_ERROR err holds the message and *out is untouched.
 * A missing NAME is not an error here (name is NULL) so the caller can print
 * the seed's own message; a NAME that fails IpcCheckName is.
 */
IpcParseResult IpcParseListenerArgs(int argc, wchar_t **argv, IpcListenerOptions *out, wchar_t *err, size_t err_cap);

typedef enum IpcControllerMode {
    IPC_MODE_SUPERVISE = 0, /* launch or adopt the listener and keep it running */
    IPC_MODE_STOP = 1,      /* --stop NAME: send the close message and wait */
    IPC_MODE_STATUS = 2,    /* --status NAME: report what the mapping and the processes say */
    IPC_MODE_INSTALL = 3,   /* --install NAME: register a Task Scheduler task running the controller */
    IPC_MODE_UNINSTALL = 4  /* --uninstall NAME: remove that task */
} IpcControllerMode;

typedef enum IpcConsoleMode {
    IPC_CONSOLE_NEW = 0,    /* the listener gets a console of its own (the seed's UseShellExecute) */
    IPC_CONSOLE_SHARED = 1, /* the listener shares the controller's console and standard handles */
    IPC_CONSOLE_NONE = 2    /* the listener runs without a console at all (DETACHED_PROCESS) */
} IpcConsoleMode;

typedef struct IpcControllerOptions {
    IpcControllerMode mode;
    const wchar_t *name;          /* IPC_DEFAULT_NAME when none was given */
    const wchar_t *listener_path; /* NULL: ConsoleAppListener.exe beside the controller */
    int listener_argc;            /* words after "--", passed after NAME */
    wchar_t **listener_argv;
    unsigned long timeout_ms;     /* --timeout, for --stop */
    int force;                    /* --force, for --stop: terminate a listener still running at the timeout */
    IpcConsoleMode console;       /* --console new|shared|none */
    unsigned long hang_timeout_ms;    /* --hang-timeout: 0 = off; else relaunch a listener without progress this long */
    unsigned long restart_delay_ms;   /* --restart-delay: first pause after a listener that died within 1 s */
    unsigned long restart_delay_max_ms; /* --restart-delay-max: the pause doubles up to this */
    const wchar_t *log;           /* --log FILE: every line also goes there, timestamped; NULL for none */
    unsigned long log_max_bytes;  /* --log-max-bytes: rotate beyond this; 0 never */
    int at_startup;               /* --install: --at-startup (1) or --at-logon (0, the default) */
    int dry_run;                  /* --install --dry-run: print the task definition, register nothing */
} IpcControllerOptions;

/*
 * IpcParseControllerArgs - ConsoleAppController [NAME] [--listener PATH]
 * [--console new|shared|none] [--hang-timeout MS] [--restart-delay MS]
 * [--restart-delay-max MS] [--log FILE] [--log-max-bytes N] [-- LISTENER ARGS...],
 * or --stop NAME [--timeout MS] [--force],
 * or --status NAME, or --install NAME [--at-startup|--at-logon] [supervision options]
 * [-- LISTENER ARGS...], or --uninstall NAME.
 * Same contract as IpcParseListenerArgs.
 */
IpcParseResult IpcParseControllerArgs(int argc, wchar_t **argv, IpcControllerOptions *out, wchar_t *err, size_t err_cap);

/*
 * IpcAppendQuotedArg - append ARG to the command line in buf so that
 * CommandLineToArgvW (and the C runtime's argv) give ARG back unchanged.
 * A space is put before it unless *len is 0. Returns 1 and advances *len, or
 * returns 0 with *len untouched when the result (with its terminating
 * NUL) would not fit in cap characters (the string in buf then still ends at *len).
 */
int IpcAppendQuotedArg(wchar_t *buf, size_t cap, size_t *len, const wchar_t *arg);

/*
 * IpcFormat / IpcFormatV - swprintf into buf of cap characters that always
 * leaves buf terminated, whichever C runtime does the formatting. Returns the
 * length written, or -1 when the text did not fit: buf then holds as much as
 * fit (cap - 1 characters at most). With buf NULL or cap 0, returns -1 and
 * writes nothing. The runtimes disagree on truncation: the UCRT's vswprintf
 * returns -1, C99's (MinGW's own stdio) the length it needed, and msvcrt.dll's
 * (MinGW's default, _vsnwprintf underneath) returns cap for a text of exactly
 * cap characters and writes no terminating zero at all.
 */
int IpcFormatV(wchar_t *buf, size_t cap, const wchar_t *fmt, va_list ap);
int IpcFormat(wchar_t *buf, size_t cap, const wchar_t *fmt, ...);

#endif
