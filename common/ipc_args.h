/*
 * ipc_args.h - both programs' command lines: option structs, their defaults
 * and parsers.
 *
 * Pure functions over wide strings that call nothing of Windows, so they
 * also build natively (where wchar_t is 32 bits) for fuzzing.
 */
#ifndef IPC_ARGS_H
#define IPC_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

#include "ipc_name.h"
#include "ipc_options.h" /* IpcParseUnsigned and IpcParseExitCodes, declared here before they moved */
#include "ipc_text.h"

#define IPC_DEFAULT_NAME L"SampleApp"
#define IPC_DEFAULT_WORK_MS 6000ul
#define IPC_DEFAULT_STOP_TIMEOUT_MS 60000ul
#define IPC_DEFAULT_RESTART_DELAY_MS 500ul
#define IPC_DEFAULT_RESTART_DELAY_MAX_MS 32000ul
#define IPC_MAX_MS 86400000ul /* one day: the largest time any option takes */
#define IPC_DEFAULT_LOG_MAX_BYTES 10485760ul /* 10 MiB before a log is rotated */
#define IPC_MAX_LOG_BYTES 1073741824ul       /* 1 GiB: the largest --log-max-bytes */
#define IPC_MAX_NO_RESTART_CODES 32          /* the most exit codes --no-restart-exit-codes takes */
#define IPC_MAX_START_LIMIT 100ul            /* the largest --start-limit */
#define IPC_DEFAULT_START_LIMIT_INTERVAL_MS 10000ul /* --start-limit without --start-limit-interval */

typedef enum IpcParseResult {
    IPC_PARSE_OK = 0,   /* options filled in; run */
    IPC_PARSE_HELP = 1, /* /?, -h or --help: print usage, exit 0 */
    IPC_PARSE_VERSION = 2, /* --version: print the version, exit 0 */
    IPC_PARSE_ERROR = 3 /* usage error: err holds the message; exit IPC_EXIT_USAGE */
} IpcParseResult;

typedef struct IpcListenerOptions {
    const wchar_t *name;    /* NULL when no NAME was given (the C# sample's error case) */
    unsigned long work_ms;  /* a unit's length; with --run the least time between starts (default 0) */
    const wchar_t *journal; /* --journal FILE: a line at the start and end of every unit; NULL for none */
    const wchar_t *run;     /* --run "COMMAND LINE": each unit runs it to completion; NULL: the C# sample's sleep */
    const wchar_t *log;     /* --log FILE: every line also goes there, timestamped; NULL for none */
    unsigned long log_max_bytes; /* --log-max-bytes: rotate beyond this; 0 never */
} IpcListenerOptions;

/*
 * IpcParseListenerArgs - ConsoleAppListener NAME [--work-ms N] [--journal FILE] [--run "COMMAND LINE"]
 * [--log FILE] [--log-max-bytes N].
 * argv[0] is the program. On IPC_PARSE_OK *out is filled in (pointers into
 * argv); on IPC_PARSE_ERROR err holds the message and *out is untouched.
 * A missing NAME is not an error here (name is NULL) so the caller can print
 * the C# sample's own message; a NAME that fails IpcCheckName is, and so are
 * an option given twice, --log-max-bytes without --log and an empty --run.
 */
IpcParseResult IpcParseListenerArgs(int argc, wchar_t **argv, IpcListenerOptions *out, wchar_t *err, size_t err_cap);

typedef enum IpcControllerMode {
    IPC_MODE_SUPERVISE = 0, /* launch or adopt the listener and keep it running */
    IPC_MODE_STOP = 1,      /* --stop NAME: send the close message and wait */
    IPC_MODE_STATUS = 2,    /* --status NAME: report what the mapping and the processes say */
    IPC_MODE_INSTALL = 3,   /* --install NAME: register a Task Scheduler task running the controller */
    IPC_MODE_UNINSTALL = 4, /* --uninstall NAME: remove that task */
    IPC_MODE_LIST = 5,      /* --list: every instance this user can see */
    IPC_MODE_RESTART = 6    /* --restart NAME: the active listener finishes its unit, a new one takes over */
} IpcControllerMode;

typedef enum IpcConsoleMode {
    IPC_CONSOLE_NEW = 0,    /* the listener gets a console of its own (the C# sample's UseShellExecute) */
    IPC_CONSOLE_SHARED = 1, /* the listener shares the controller's console and standard handles */
    IPC_CONSOLE_NONE = 2    /* the listener runs without a console at all (DETACHED_PROCESS) */
} IpcConsoleMode;

typedef enum IpcEventLogMode {
    IPC_EVENT_LOG_AUTO = 0, /* report to the Event Log when standard input is not an interactive console */
    IPC_EVENT_LOG_ON = 1,   /* --event-log */
    IPC_EVENT_LOG_OFF = 2   /* --no-event-log */
} IpcEventLogMode;

typedef struct IpcControllerOptions {
    IpcControllerMode mode;
    const wchar_t *name;          /* IPC_DEFAULT_NAME when none was given */
    const wchar_t *listener_path; /* NULL: ConsoleAppListener.exe beside the controller */
    int listener_argc;            /* words after "--", passed after NAME */
    wchar_t **listener_argv;
    unsigned long timeout_ms;     /* --timeout, for --stop and --restart */
    bool force;                   /* --force, for --stop: terminate a listener still running at the timeout */
    IpcConsoleMode console;       /* --console new|shared|none */
    unsigned long hang_timeout_ms;    /* --hang-timeout: 0 = off; else relaunch a listener without progress this long */
    unsigned long restart_delay_ms;   /* --restart-delay: first pause after a listener that died within 1 s */
    unsigned long restart_delay_max_ms; /* --restart-delay-max: the pause doubles up to this */
    const wchar_t *log;           /* --log FILE: every line also goes there, timestamped; NULL for none */
    unsigned long log_max_bytes;  /* --log-max-bytes: rotate beyond this; 0 never */
    unsigned long no_restart_codes[IPC_MAX_NO_RESTART_CODES]; /* --no-restart-exit-codes: exits not relaunched */
    size_t no_restart_count;      /* how many of no_restart_codes are set; 0: every exit is relaunched */
    unsigned long start_limit;    /* --start-limit: 0 = off; else at most this many relaunches per interval */
    unsigned long start_limit_interval_ms; /* --start-limit-interval: the window those relaunches are counted in */
    const wchar_t *on_failure;    /* --on-failure "COMMAND LINE": run when the start limit is reached; NULL for none */
    bool at_startup;              /* --install: --at-startup (true) or --at-logon (false, the default) */
    bool dry_run;                 /* --install --dry-run: print the task definition, register nothing */
    bool json;                    /* --json, with --status or --list: one JSON text instead of lines */
    IpcEventLogMode event_log;    /* --event-log, --no-event-log, or neither */
    bool unattended;              /* --unattended: no console, no prompt; the listener gets none (the task's action) */
    bool standby;                 /* --standby: keep a second listener waiting to take over at once */
} IpcControllerOptions;

/*
 * IpcParseControllerArgs - ConsoleAppController [NAME] [--listener PATH]
 * [--console new|shared|none] [--hang-timeout MS] [--restart-delay MS]
 * [--restart-delay-max MS] [--log FILE] [--log-max-bytes N] [--no-restart-exit-codes LIST]
 * [--start-limit N [--start-limit-interval MS] [--on-failure "COMMAND LINE"]] [--unattended] [--standby]
 * [-- LISTENER ARGS...],
 * or --stop [NAME] [--timeout MS] [--force], or --restart [NAME] [--timeout MS],
 * or --status [NAME] [--json], or --list [--json], or --install NAME [--at-startup|--at-logon] [--dry-run]
 * [supervision options] [-- LISTENER ARGS...], or --uninstall NAME.
 * --stop, --restart and --status without NAME (the next word is an option, or there is
 * none) mean the NAME given beside them, else IPC_DEFAULT_NAME. Every option
 * may be given once; one that needs another (--log-max-bytes: --log;
 * --timeout: --stop or --restart; --force: --stop; --json: --status or --list; --dry-run, --at-startup, --at-logon: --install;
 * --start-limit-interval, --on-failure: --start-limit) is an error without it;
 * --event-log and --no-event-log exclude each other. --unattended makes --console default
 * to none. Same contract as IpcParseListenerArgs.
 */
IpcParseResult IpcParseControllerArgs(int argc, wchar_t **argv, IpcControllerOptions *out, wchar_t *err,
                                      size_t err_cap);

#endif
