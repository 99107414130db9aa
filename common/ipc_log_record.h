/*
 * ipc_log_record.h - NAME|log: the small section in which the supervising
 * controller publishes the full paths of its log and of its listeners' log,
 * so that --status can show them (the 128-byte header has no room for a path).
 *
 * Layout, little-endian, IPC_LOG_RECORD_SIZE (one page) in all:
 *   0  4  magic             IPC_LOG_RECORD_MAGIC ("ILOG")
 *   4  4  size              IPC_LOG_RECORD_SIZE
 *   8  4  sequence          odd while the writer rewrites the record, even when it is whole
 *  12  4  controller_pid    the controller that wrote it
 *  16  8  controller_created that controller's creation time (FILETIME, UTC), to verify the pid
 *  24  2  controller_length characters of controller_log, 0 for none
 *  26  2  listener_length   characters of listener_log, 0 for none
 *  28  4  reserved          zero
 *  32     controller_log    UTF-16, IPC_LOG_RECORD_PATH_CAP characters (no terminating NUL needed)
 *  2064   listener_log      the same
 */
#ifndef IPC_LOG_RECORD_H
#define IPC_LOG_RECORD_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <stddef.h>
#include <stdint.h>

#define IPC_LOG_RECORD_MAGIC 0x474F4C49u /* "ILOG" */
#define IPC_LOG_RECORD_SIZE 4096u
#define IPC_LOG_RECORD_PATH_CAP 1016u /* characters of each path, at most */

typedef struct IpcLogRecord {
    uint32_t magic;
    uint32_t size;
    uint32_t sequence;
    uint32_t controller_pid;
    uint64_t controller_created;
    uint16_t controller_length;
    uint16_t listener_length;
    uint32_t reserved;
    wchar_t controller_log[IPC_LOG_RECORD_PATH_CAP];
    wchar_t listener_log[IPC_LOG_RECORD_PATH_CAP];
} IpcLogRecord;

/* The paths as read back, NUL-terminated; "" for none. */
typedef struct IpcLogPaths {
    DWORD controller_pid;        /* who published them */
    uint64_t controller_created; /* and its creation time */
    wchar_t controller_log[IPC_LOG_RECORD_PATH_CAP + 1];
    wchar_t listener_log[IPC_LOG_RECORD_PATH_CAP + 1];
} IpcLogPaths;

/*
 * IpcLogRecordPublish - create NAME|log (the private DACL; an existing one is
 * used only when its owner is trusted and it maps as committed read-write
 * memory of IPC_LOG_RECORD_SIZE bytes) and write into it this process's pid
 * and creation time and the two full paths (listener_log may be NULL). The
 * section lives as long as the handle returned in *out: the caller keeps it
 * for as long as the paths are true. ERROR_SUCCESS; otherwise the error (a
 * path longer than IPC_LOG_RECORD_PATH_CAP: ERROR_FILENAME_EXCED_RANGE), *out
 * untouched and *failed_api (if not NULL) naming the call that failed.
 */
DWORD IpcLogRecordPublish(const wchar_t *name, const wchar_t *controller_log, const wchar_t *listener_log,
                          HANDLE *out, const wchar_t **failed_api);

/*
 * IpcLogRecordRead - read NAME|log without creating it, into *out.
 * ERROR_SUCCESS when it is there, of a trusted owner, and whole and valid (the
 * magic, the size, a stable even sequence, lengths within the capacity, no NUL
 * or control character in a path, the reserved bytes zero); the caller still
 * compares the pid and creation time with the controller it verified.
 * ERROR_FILE_NOT_FOUND when there is none; ERROR_INVALID_DATA when it is not
 * a valid record (*why then says what is wrong, when not NULL); another error
 * (another type of object, another owner: ERROR_INVALID_OWNER) as the calls
 * report it. On failure *out is untouched.
 */
DWORD IpcLogRecordRead(const wchar_t *name, IpcLogPaths *out, const wchar_t **why);

#endif
