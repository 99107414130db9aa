/*
 * log_paths.h - the paths of the controller's log and its listeners' log,
 * published by the supervisor in NAME|log (common/ipc_log_record.h) and shown
 * by --status, as a "Log:" line and as the JSON member "logs".
 */
#ifndef LOG_PATHS_H
#define LOG_PATHS_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include "controller.h"
#include "ipc_args.h"
#include "ipc_layout.h"

/*
 * LogPathsPublish - with --log, publish the full paths of this controller's
 * log and of its listeners' (those the log set-up gave the listeners through
 * the environment) in NAME|log, kept until LogPathsWithdraw. Called once the
 * controller holds NAME's lock, so no other controller of NAME writes there.
 * Returns IPC_EXIT_OK (also without --log: nothing to publish), or the exit
 * code of the problem it reported (NAME|log squatted: IPC_EXIT_NAME_IN_USE).
 */
int LogPathsPublish(const IpcControllerOptions *opt);

/* LogPathsWithdraw - close NAME|log; it goes when no reader holds it any more. Safe when nothing was published. */
void LogPathsWithdraw(void);

/*
 * LogPathsPrint - --status's "Log:" line for the mapping resolved with header
 * hdr: the paths NAME|log holds when the controller the header names runs,
 * was verified and wrote them; "none" when that controller has no log;
 * "unknown", with the reason, when no controller supervises NAME or NAME|log
 * cannot be trusted.
 */
void LogPathsPrint(const wchar_t *resolved, const IpcHeader *hdr, IpcLayoutKind kind);

/*
 * LogPathsWriteJson - the member "logs": {"controller": PATH, "listener": PATH}
 * of info's JSON object, each null when none is known (no verified controller,
 * no --log, or a NAME|log that cannot be trusted).
 */
void LogPathsWriteJson(struct IpcJson *j, const StatusInfo *info);

#endif
