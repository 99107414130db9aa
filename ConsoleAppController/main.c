/*
 * main.c - ConsoleAppController's entry point: the command line, --help,
 * --version, and the dispatch to the command asked for.
 *
 * ConsoleAppController is a port of the C# sample's ConsoleAppController
 * ("Interprocess Communication With Memory-Mapped Files, Part 2"). It finds
 * the listener serving NAME through the mapping NAME (the pid at offset 0),
 * adopts it if it is running, launches it if not, relaunches it whenever it
 * exits, and sends the close message (-1) when a key is pressed.
 * `--stop NAME` sends the close message from another process and waits.
 *
 * What the C# sample got wrong and this port fixes: the listener's path is no
 * longer hard-coded (it sits beside the controller, or --listener names it); a
 * pid read from the mapping is verified (start time, image name) before it is
 * adopted; a close message sent by someone else is honoured instead of
 * answered with a relaunch; with no console to read keys from, nothing blocks
 * and end-of-file is not a key press; a listener that dies at once is
 * relaunched after a growing pause instead of in a tight loop; one controller
 * per NAME.
 */
#include "controller.h"

#include "task.h"
#include "ipc_args.h"
#include "ipc_console.h"
#include "ipc_error.h"
#include "ipc_exit.h"
#include "ipc_text.h"
#include "ipc_version.h"

static const wchar_t kUsage[] =
    L"Usage: ConsoleAppController [NAME] [--listener PATH] [--console new|shared|none]\n"
    L"                            [--hang-timeout MS] [--restart-delay MS]\n"
    L"                            [--restart-delay-max MS] [--log FILE [--log-max-bytes N]]\n"
    L"                            [--no-restart-exit-codes LIST] [--start-limit N\n"
    L"                            [--start-limit-interval MS] [--on-failure \"COMMAND LINE\"]]\n"
    L"                            [--event-log | --no-event-log] [--unattended]\n"
    L"                            [--standby] [-- LISTENER ARGS...]\n"
    L"       ConsoleAppController --stop [NAME] [--timeout MS] [--force]\n"
    L"       ConsoleAppController --restart [NAME] [--timeout MS]\n"
    L"       ConsoleAppController --status [NAME] [--json]\n"
    L"       ConsoleAppController --list [--json]\n"
    L"       ConsoleAppController --install NAME [--at-startup | --at-logon] [options] [-- ARGS...]\n"
    L"       ConsoleAppController --uninstall NAME\n"
    L"\n"
    L"Launches ConsoleAppListener NAME (or adopts the one already running), relaunches\n"
    L"it whenever it exits, and sends it the close message when a key is pressed.\n"
    L"\n"
    L"  NAME              instance name (default SampleApp); may start with Local\\ or Global\\\n"
    L"                    (spelled so: the kernel's prefixes are case-sensitive)\n"
    L"  --listener PATH   the listener executable (default: ConsoleAppListener.exe\n"
    L"                    beside this program)\n"
    L"  --console MODE    new: the listener gets its own console window (default);\n"
    L"                    shared: it shares this console and output; none: no console\n"
    L"  --hang-timeout MS terminate and relaunch a listener that completed no unit of\n"
    L"                    work for MS ms (off by default; needs a listener of ours)\n"
    L"                    relaunches back off as after quick exits; warns at the start\n"
    L"                    when MS is not longer than the listener's --work-ms\n"
    L"  --restart-delay MS      first pause before relaunching a listener that ran\n"
    L"                    less than 1 s (default 500); it doubles after each such exit\n"
    L"  --restart-delay-max MS  the longest pause (default 32000)\n"
    L"  --log FILE        every line also goes to FILE, timestamped (ISO 8601 with\n"
    L"                    offset); listeners log to FILE's .listener sibling\n"
    L"                    (svc.log -> svc.listener.log)\n"
    L"  --log-max-bytes N rotate logs beyond N bytes, keeping 3 old files (FILE.1..3);\n"
    L"                    default 10485760, 0 never rotates\n"
    L"  --no-restart-exit-codes LIST  a listener that exits with one of these codes\n"
    L"                    is not relaunched; the controller exits 12. LIST: comma-\n"
    L"                    separated, decimal or hex, e.g. 0,3,0xC0000005\n"
    L"  --start-limit N   after N relaunches within the interval, the next exit ends\n"
    L"                    supervision as failed (exit 13); every exit counts, as\n"
    L"                    systemd's StartLimitBurst counts starts (off by default)\n"
    L"  --start-limit-interval MS  that interval (default 10000)\n"
    L"  --on-failure \"COMMAND LINE\"  run at the start limit, waited for up to 60 s,\n"
    L"                    with IPC_FAILURE_NAME, IPC_FAILURE_EXIT_CODE (the last exit\n"
    L"                    code) and IPC_FAILURE_RESTARTS in its environment\n"
    L"  --event-log       report to the Windows Application log (source ConsoleAppController):\n"
    L"                    started, listener launched or adopted, exited, killed as hung,\n"
    L"                    start limit reached, stopped, failed; on by default when\n"
    L"                    standard input is not a console (Task Scheduler)\n"
    L"  --no-event-log    never report to the Event Log\n"
    L"  --unattended      for a run nobody attends (the task --install registers adds\n"
    L"                    it): no console, no prompt, keys and windows cannot stop it;\n"
    L"                    the listener gets no console unless --console says otherwise\n"
    L"  --standby         keep a second listener started beside the active one,\n"
    L"                    waiting for NAME's lock: when the active one exits or is\n"
    L"                    killed it takes over at once, without a process start; a\n"
    L"                    new standby follows (standbys that die young back off, not\n"
    L"                    counted by --start-limit). Costs one more idle process\n"
    L"  -- ARGS...        passed to the listener after NAME, e.g. -- --work-ms 1000\n"
    L"  --stop NAME       send the close message to NAME's listener, wait for it to\n"
    L"                    finish its unit of work and exit (and its standby too)\n"
    L"  --restart NAME    the listener finishes its unit of work and exits, and its\n"
    L"                    controller launches the next at once (from the listener\n"
    L"                    file as it is now), without back-off or ending supervision;\n"
    L"                    waits until the new listener has published its pid; with\n"
    L"                    --standby a fresh standby waits first: no gap\n"
    L"  --timeout MS      how long --stop or --restart waits (default 60000)\n"
    L"  --force           with --stop: terminate the listener if it is still running\n"
    L"                    when the timeout ends (a unit in progress is then lost)\n"
    L"  --status NAME     report the listener (pid, state, run time, units, time\n"
    L"                    since the last unit), its controller, restarts and last exit code,\n"
    L"                    the standby and the failovers to it\n"
    L"  --json            with --status or --list: one JSON text (schema in\n"
    L"                    ConsoleAppController/README.md), same exit codes\n"
    L"  --list            every instance this user can see, in this session and in\n"
    L"                    Global\\: namespace, state, pids, run time, restarts (exit 0)\n"
    L"  --install NAME    register a Task Scheduler task that runs this controller for\n"
    L"                    NAME with the options given (no time limit, IgnoreNew,\n"
    L"                    started again every 5 minutes, so a controller that died comes\n"
    L"                    back, normal priority); --at-logon (default): when you log on;\n"
    L"                    --at-startup: at boot, as you, whether or not anyone logs on\n"
    L"                    (needs an elevated prompt); elevated, it also registers\n"
    L"                    the event source, so Event Viewer shows the events' texts\n"
    L"  --dry-run         with --install: print the task definition (XML), register nothing\n"
    L"  --uninstall NAME  remove that task\n"
    L"  --help, -h, /?    this text;  --version  the version\n"
    L"\n"
    L"--stop, --restart and --status without NAME mean SampleApp (or the NAME given beside them).\n"
    L"Given a plain NAME they also look for Global\\NAME when NAME is not found in\n"
    L"this session (a task running in session 0 creates it there).\n"
    L"\n"
    L"Each option may be given once. --log-max-bytes needs --log; --timeout needs\n"
    L"--stop or --restart; --force needs --stop; --json needs --status or --list;\n"
    L"--restart takes no supervision option; --dry-run, --at-startup\n"
    L"and --at-logon need --install; --start-limit-interval and --on-failure need\n"
    L"--start-limit; --event-log and --no-event-log exclude each other.\n"
    L"\n"
    L"A listener that ran at least 1 s is relaunched at once; one that exits sooner\n"
    L"is relaunched after a pause that doubles (0.5 s up to 32 s by default). When standard\n"
    L"input is not a console (Task Scheduler, scripts), stop it with --stop NAME.\n"
    L"\n"
    L"Exit codes:\n"
    L"  0  stopped gracefully (or --stop: the listener finished and exited, or none ran)\n"
    L"  1  a Windows call failed (the message names it)\n"
    L"  2  bad command line or instance name (the message names the option)\n"
    L"  3  --status, --restart: no listener is running for NAME (or it only waits\n"
    L"     for Enter)\n"
    L"  4  (ConsoleAppListener only) a listener for NAME is already running\n"
    L"  5  another controller already supervises NAME\n"
    L"  6  --stop: the listener did not exit within --timeout\n"
    L"  7  NAME is taken by an object that is not a listener's mapping\n"
    L"  8  the listener executable cannot be started (failures that pass are retried),\n"
    L"     or it rejected its command line\n"
    L"     (it exited with code 2 within 1 s: the arguments after -- are wrong)\n"
    L"  9  --stop --force: the listener did not exit in time and was terminated\n"
    L"  10 --install/--uninstall: Task Scheduler refused (not enough rights)\n"
    L"  11 another listener holds NAME (ours exited 4 at once) and cannot be adopted\n"
    L"  12 the listener exited with a code in --no-restart-exit-codes\n"
    L"  13 --start-limit reached: the listener exited too often within the interval\n"
    L"  14 --restart: no new listener published its pid within --timeout\n"
    L"  15 --restart: a listener runs, but no controller supervises NAME";

int wmain(int argc, wchar_t **argv)
{
    IpcControllerOptions opt;
    wchar_t err[IPC_ERROR_TEXT_MAX];

    switch (IpcParseControllerArgs(argc, argv, &opt, err, IPC_ERROR_TEXT_MAX)) {
    case IPC_PARSE_HELP:
        IpcPrint(L"%ls", kUsage);
        return IPC_EXIT_OK;
    case IPC_PARSE_VERSION:
        IpcPrint(L"ConsoleAppController %ls", IPC_VERSION_WIDE);
        return IPC_EXIT_OK;
    case IPC_PARSE_ERROR:
        return IpcFail(IPC_EXIT_USAGE, L"%ls. Run ConsoleAppController --help for usage.", err);
    case IPC_PARSE_OK:
        break;
    }
    switch (opt.mode) {
    case IPC_MODE_STOP:
        return RunStop(&opt);
    case IPC_MODE_STATUS:
        return RunStatus(&opt);
    case IPC_MODE_RESTART:
        return RunRestart(&opt);
    case IPC_MODE_INSTALL:
        return RunInstall(&opt, argc, argv);
    case IPC_MODE_LIST:
        return RunList(&opt);
    case IPC_MODE_UNINSTALL:
        return IpcTaskUninstall(opt.name);
    default:
        return RunSupervisor(&opt);
    }
}
