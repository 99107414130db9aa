/*
 * ipc_layout.h - the layout of the shared mapping, and its validation.
 *
 * Offset 0 holds the C# sample's wire format: a little-endian int32 that is the
 *  listener's process id, or -1 (IPC_CLOSE_MESSAGE) to ask it to close. The
 * C# sample's programs read and write only those 4 bytes, so everything we add
 * lives after them, behind a magic number and a version:
 *
 *   off size field
 *     0  4   message            int32: listener pid, 0 (none yet) or -1 (close)
 *     4  4   magic              'I','P','C','L' (0x4C435049)
 *     8  2   version            1
 *    10  2   size               header size in bytes (128)
 *    12  4   state              IpcListenerState of the listener
 *    16  4   listener_pid       pid the listener published (copy of offset 0)
 *    20  4   controller_pid     pid of the supervising controller, 0 if none
 *    24  8   listener_created   listener's creation time (FILETIME, UTC)
 *    32  8   controller_created controller's creation time (FILETIME, UTC)
 *    40  4   stop_requests      incremented by every stop sender that knows this layout
 *    44  4   stop_acked         stop_requests value the last listener consumed
 *    48  8   units              units of work completed by the current listener
 *    56  8   last_progress      FILETIME (UTC) at which the last unit ended (shown only)
 *    64  4   restarts           relaunches done by the supervising controller
 *    68  4   last_exit_code     exit code of the previous listener
 *    72  8   last_progress_tick the same moment on the unbiased interrupt time
 *                               (IpcTickNowU64), 0 before the first unit
 *    80  8   next_relaunch      FILETIME (UTC) of the controller's next relaunch while it
 *                                backs off; 0 when none is pending
 *    88  4   standby_pid        pid of the standby listener (--standby), 0 if none
 *    92  4   standby_state      IpcStandbyState of that standby
 *    96  8   standby_created    the standby's creation time (FILETIME, UTC)
 *   104  4   restart_pid        the active listener asked by --restart to finish its unit
 *                                and exit (it alone, not a standby); 0 when none is
 *   108  4   failovers          times a standby took over from the active listener
 *   112 16   reserved           zero
 *
 * All multi-byte fields are little-endian (every Windows target is). This file
 * needs no <windows.h>, so the validation also builds natively for fuzzing.
 */
#ifndef IPC_LAYOUT_H
#define IPC_LAYOUT_H

#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#define IPC_CLOSE_MESSAGE (-1)
#define IPC_LAYOUT_MAGIC 0x4C435049u
#define IPC_LAYOUT_VERSION 1u
#define IPC_MAPPING_SIZE 128u

typedef enum IpcListenerState {
    IPC_STATE_NONE = 0,     /* no listener has published yet */
    IPC_STATE_RUNNING = 1,  /* between units of work */
    IPC_STATE_WORKING = 2,  /* inside a unit of work */
    IPC_STATE_STOPPING = 3, /* the close message was seen; finishing up before the exit */
    IPC_STATE_STOPPED = 4,  /* exited after a close message (or never started) */
    IPC_STATE_WAITING_FOR_ENTER = 5 /* stopped after a close message; its process waits for Enter in its console */
} IpcListenerState;

#define IPC_STATE_MAX IPC_STATE_WAITING_FOR_ENTER

/*
 * A standby listener (ConsoleAppController --standby) is a second listener that
 * waits for the lock NAME|listener, fully initialised, and takes over the moment
 * the active listener lets go of it or dies (Windows hands an abandoned mutex to
 * a waiter at once). The controller records it as starting when it launches it;
 * the standby itself records that it waits once it is ready.
 */
typedef enum IpcStandbyState {
    IPC_STANDBY_NONE = 0,     /* no standby */
    IPC_STANDBY_STARTING = 1, /* launched, still initialising; not yet waiting for the lock */
    IPC_STANDBY_WAITING = 2   /* ready: waits for the lock and its retire event NAME|retire<pid> */
} IpcStandbyState;

#define IPC_STANDBY_MAX IPC_STANDBY_WAITING

/* The header as it sits in the mapping; natural alignment gives the offsets above. */
typedef struct IpcHeader {
    int32_t message;
    uint32_t magic;
    uint16_t version;
    uint16_t size;
    uint32_t state;
    uint32_t listener_pid;
    uint32_t controller_pid;
    uint64_t listener_created;
    uint64_t controller_created;
    uint32_t stop_requests;
    uint32_t stop_acked;
    uint64_t units;
    uint64_t last_progress;
    uint32_t restarts;
    uint32_t last_exit_code;
    uint64_t last_progress_tick;
    uint64_t next_relaunch;
    uint32_t standby_pid;
    uint32_t standby_state;
    uint64_t standby_created;
    uint32_t restart_pid;
    uint32_t failovers;
    uint8_t reserved[16];
} IpcHeader;

typedef enum IpcLayoutKind {
    IPC_LAYOUT_EMPTY = 0, /* all zero: created, nothing published yet */
    IPC_LAYOUT_SAMPLE = 1, /* the C# sample's 4-byte format: pid or -1 at offset 0, zeros after */
    IPC_LAYOUT_OURS = 2,  /* a valid header of this version */
    IPC_LAYOUT_INVALID = 3 /* anything else: garbage, another program's data */
} IpcLayoutKind;

/*
 * IpcLayoutClassify - decide what a mapping holds, from a copy of its bytes.
 *
 * bytes/len: a snapshot of the start of the mapping; len must be at least
 * IPC_MAPPING_SIZE for anything but IPC_LAYOUT_INVALID to be returned (a view of
 * a 4-byte section still spans a whole page, so callers can always read that much).
 * On return *out holds the decoded header (all zero except message for
 * IPC_LAYOUT_SAMPLE; untouched for IPC_LAYOUT_INVALID), and *why, if why is not
 * NULL, points to a static English phrase naming the first check that failed
 * (or L"" when none did). Every field is range-checked; no input can crash it.
 */
IpcLayoutKind IpcLayoutClassify(const unsigned char *bytes, size_t len, IpcHeader *out, const wchar_t **why);

/* IpcLayoutStateName - a lower-case word for a state value ("running", ...), "unknown" when out of range. */
const wchar_t *IpcLayoutStateName(uint32_t state);

/* IpcLayoutStandbyStateName - "none", "starting" or "waiting"; "unknown" when out of range. */
const wchar_t *IpcLayoutStandbyStateName(uint32_t state);

#endif
