/*
 * ipc_args.c - parsing of both programs' command lines. No <windows.h>: this
 * file is also built natively for fuzzing.
 */
#include "ipc_args.h"

#include <string.h>

#include "ipc_name.h"
#include "ipc_options.h"
#include "ipc_text.h"

IpcParseResult IpcParseListenerArgs(int argc, wchar_t **argv, IpcListenerOptions *out, wchar_t *err, size_t err_cap)
{
    IpcListenerOptions o;
    int i;
    const wchar_t *ignored = NULL;
    bool log_max_given = false;
    bool work_ms_given = false;
    IpcOptionSpec specs[5];
    bool seen[ARRAYSIZE(specs)];
    size_t nspecs = 0;

    IpcOptionAdd(specs, ARRAYSIZE(specs), &nspecs, L"--work-ms", IPC_OPTION_MS, 0, NULL, &o.work_ms, false,
            &work_ms_given);
    IpcOptionAdd(specs, ARRAYSIZE(specs), &nspecs, L"--journal", IPC_OPTION_TEXT, 0, &o.journal, NULL, false, NULL);
    IpcOptionAdd(specs, ARRAYSIZE(specs), &nspecs, L"--run", IPC_OPTION_COMMAND, 0, &o.run, NULL, false, NULL);
    IpcOptionAdd(specs, ARRAYSIZE(specs), &nspecs, L"--log-max-bytes", IPC_OPTION_BYTES, 0, NULL, &o.log_max_bytes,
            false, &log_max_given);
    IpcOptionAdd(specs, ARRAYSIZE(specs), &nspecs, L"--log", IPC_OPTION_TEXT, 0, &o.log, NULL, false, NULL);
    o.name = NULL;
    o.work_ms = IPC_DEFAULT_WORK_MS;
    o.journal = NULL;
    o.run = NULL;
    o.log = NULL;
    o.log_max_bytes = IPC_DEFAULT_LOG_MAX_BYTES;
    memset(seen, 0, sizeof(seen));
    for (i = 1; i < argc; i++) {
        const wchar_t *arg = argv[i];
        if (IpcOptionIsHelp(arg)) {
            return IPC_PARSE_HELP;
        }
        if (wcscmp(arg, L"--version") == 0) {
            return IPC_PARSE_VERSION;
        }
        switch (IpcOptionMatch(argc, argv, &i, specs, seen, nspecs, &ignored, err, err_cap)) {
        case IPC_MATCH_TAKEN:
            continue;
        case IPC_MATCH_ERROR:
            return IPC_PARSE_ERROR;
        case IPC_MATCH_NONE:
            break;
        }
        if (!IpcOptionTakeName(arg, &o.name, err, err_cap)) {
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
    IpcOptionSpec specs[19];
    bool seen[ARRAYSIZE(specs)];
    size_t nspecs = 0;

    IpcOptionAdd(specs, ARRAYSIZE(specs), &nspecs, L"--stop", IPC_OPTION_NAME_OPTIONAL, 0, &stop_name, NULL, false,
            &stop_given);
    IpcOptionAdd(specs, ARRAYSIZE(specs), &nspecs, L"--restart", IPC_OPTION_NAME_OPTIONAL, 0, &restart_name, NULL,
            false, &restart_given);
    IpcOptionAdd(specs, ARRAYSIZE(specs), &nspecs, L"--status", IPC_OPTION_NAME_OPTIONAL, 0, &status_name, NULL,
            false, &status_given);
    IpcOptionAdd(specs, ARRAYSIZE(specs), &nspecs, L"--install", IPC_OPTION_NAME, 0, &install_name, NULL, false, NULL);
    IpcOptionAdd(specs, ARRAYSIZE(specs), &nspecs, L"--uninstall", IPC_OPTION_NAME, 0, &uninstall_name, NULL, false,
            NULL);
    IpcOptionAdd(specs, ARRAYSIZE(specs), &nspecs, L"--timeout", IPC_OPTION_MS, 0, NULL, &o.timeout_ms, false,
            &timeout_given);
    IpcOptionAdd(specs, ARRAYSIZE(specs), &nspecs, L"--hang-timeout", IPC_OPTION_MS, 1, NULL, &o.hang_timeout_ms,
            true, NULL);
    IpcOptionAdd(specs, ARRAYSIZE(specs), &nspecs, L"--restart-delay-max", IPC_OPTION_MS, 1, NULL,
            &o.restart_delay_max_ms, true, &delay_max_given);
    IpcOptionAdd(specs, ARRAYSIZE(specs), &nspecs, L"--restart-delay", IPC_OPTION_MS, 1, NULL, &o.restart_delay_ms,
            true, NULL);
    IpcOptionAdd(specs, ARRAYSIZE(specs), &nspecs, L"--log-max-bytes", IPC_OPTION_BYTES, 0, NULL, &o.log_max_bytes,
            true, &log_max_given);
    IpcOptionAdd(specs, ARRAYSIZE(specs), &nspecs, L"--log", IPC_OPTION_TEXT, 0, &o.log, NULL, true, NULL);
    IpcOptionAdd(specs, ARRAYSIZE(specs), &nspecs, L"--listener", IPC_OPTION_TEXT, 0, &o.listener_path, NULL, true,
            NULL);
    IpcOptionAdd(specs, ARRAYSIZE(specs), &nspecs, L"--no-restart-exit-codes", IPC_OPTION_TEXT, 0, &no_restart, NULL,
            true, NULL);
    IpcOptionAdd(specs, ARRAYSIZE(specs), &nspecs, L"--start-limit-interval", IPC_OPTION_MS, 1, NULL,
            &o.start_limit_interval_ms, true, &interval_given);
    IpcOptionAdd(specs, ARRAYSIZE(specs), &nspecs, L"--start-limit", IPC_OPTION_COUNT, 1, NULL, &o.start_limit, true,
            NULL);
    IpcOptionAdd(specs, ARRAYSIZE(specs), &nspecs, L"--on-failure", IPC_OPTION_COMMAND, 0, &o.on_failure, NULL, true,
            NULL);
    IpcOptionAdd(specs, ARRAYSIZE(specs), &nspecs, L"--event-log", IPC_OPTION_FLAG, 0, NULL, NULL, true,
            &event_log_given);
    IpcOptionAdd(specs, ARRAYSIZE(specs), &nspecs, L"--no-event-log", IPC_OPTION_FLAG, 0, NULL, NULL, true,
            &no_event_log_given);
    IpcOptionAdd(specs, ARRAYSIZE(specs), &nspecs, L"--standby", IPC_OPTION_FLAG, 0, NULL, NULL, true, &o.standby);
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
        if (IpcOptionIsHelp(arg)) {
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
        switch (IpcOptionMatch(argc, argv, &i, specs, seen, nspecs, &supervise_only, err, err_cap)) {
        case IPC_MATCH_TAKEN:
            continue;
        case IPC_MATCH_ERROR:
            return IPC_PARSE_ERROR;
        case IPC_MATCH_NONE:
            break;
        }
        if (IpcOptionMatchValue(argc, argv, &i, L"--console", &value)) {
            if (value == NULL) {
                IpcOptionMissingValue(err, err_cap, L"--console");
                return IPC_PARSE_ERROR;
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
        if (!IpcOptionTakeName(arg, &o.name, err, err_cap)) {
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
