/*
 * contract.h - what the tests hold the programs to: the mapping's header as
 * README.md documents it, the exit codes, the names of the executables and
 * the console lines of the C# sample (and the controller's own lines that
 * tests look for).
 *
 * The offsets and values are written out here, from the documentation, rather
 * than taken from the code: a test must fail when the code moves a field. The
 * static assertions at the end tie the two together at compile time, so the
 * documented layout and common/ipc_layout.h cannot drift apart unnoticed.
 * The exit codes are the ones of common/ipc_exit.h, pinned the same way.
 */
#ifndef TEST_CONTRACT_H
#define TEST_CONTRACT_H

#include <stddef.h>

#include "ipc_exit.h"
#include "ipc_layout.h"
#include "ipc_log_record.h"

/* ---- the mapping ---- */

/* The C# sample's mapping: 4 bytes, a pid or the close message at offset 0. */
#define SAMPLE_MAPPING_SIZE 4
#define CLOSE_MESSAGE (-1)

/* Our header after those 4 bytes (README.md, "The mapping"). */
#define HEADER_SIZE 128
#define HEADER_MAGIC 0x4C435049u /* "IPCL" */
#define HEADER_VERSION 1u

#define OFF_MESSAGE 0
#define OFF_MAGIC 4
#define OFF_VERSION 8
#define OFF_SIZE 10
#define OFF_STATE 12
#define OFF_LISTENER_PID 16
#define OFF_CONTROLLER_PID 20
#define OFF_LISTENER_CREATED 24
#define OFF_CONTROLLER_CREATED 32
#define OFF_STOP_REQUESTS 40
#define OFF_STOP_ACKED 44
#define OFF_UNITS 48
#define OFF_LAST_PROGRESS 56
#define OFF_RESTARTS 64
#define OFF_LAST_EXIT_CODE 68
#define OFF_LAST_PROGRESS_TICK 72
#define OFF_NEXT_RELAUNCH 80
#define OFF_STANDBY_PID 88
#define OFF_STANDBY_STATE 92
#define OFF_STANDBY_CREATED 96
#define OFF_RESTART_PID 104
#define OFF_FAILOVERS 108
#define OFF_RESERVED 112
#define RESERVED_SIZE 16

/* Values of the standby_state field. */
#define STANDBY_NONE 0u
#define STANDBY_STARTING 1u
#define STANDBY_WAITING 2u

/* Values of the state field. */
#define STATE_RUNNING 1u
#define STATE_WORKING 2u
#define STATE_STOPPED 4u
#define STATE_WAITING_FOR_ENTER 5u

/* ---- processes ---- */

#define TEST_LISTENER_EXE L"ConsoleAppListener.exe"
#define TEST_CONTROLLER_EXE L"ConsoleAppController.exe"

/* The C# sample's ClientAppInstanceName: the instance name when none is given. */
#define DEFAULT_INSTANCE_NAME L"SampleApp"

/* The exit code the controller gives a listener it terminates (hang, --force): ERROR_TIMEOUT. */
#define TERMINATED_EXIT_CODE 1460u
/* Exit codes from here up are NTSTATUS values: the process died of an exception (0xC0000005 and friends). */
#define EXCEPTION_EXIT_CODES 0xC0000000u

/* ---- the C# sample's console lines ---- */

#define TEXT_NO_NAME L"Error: Expected a unique name for the application from the command line."
#define TEXT_NOT_RECEIVED L"Close message not received, beginning to process"
#define TEXT_PROCESSING L"Performing processing"
#define TEXT_RECEIVED L"Received shutdown message"
#define TEXT_HIT_ENTER_CLOSE L"Close message received. Hit Enter to close"
#define TEXT_LAUNCHING L"Launching executable: "
#define TEXT_LAUNCHED L"Process launched"
#define TEXT_ALREADY L"Process already running"
#define TEXT_EXITED L"Process exited"
#define TEXT_SENT L"Sent message to shut down"

/* ---- the controller's own lines ---- */

#define TEXT_NOT_ADOPTING L"Not adopting pid "
#define TEXT_FINISHING L"is finishing its last unit"
#define TEXT_NOT_LISTENER_DATA L"does not hold a listener's data"
#define TEXT_TERMINATING L"(--hang-timeout); terminating it"
#define TEXT_RELAUNCH_MARK L"; relaunching "
/* Over a pending close message in the C# sample's format, the controller waits for a sample unit to end. */
#define TEXT_WAITING_SAMPLE_UNIT L"finishing its unit"
/* --status on a mapping in the C# sample's format (the text is the controller's). */
#define TEXT_STATUS_SAMPLE_FORMAT L"C# sample's format"

/* NAME|log, where a controller started with --log publishes its logs' paths (common/README.md). */
#define LOG_SUFFIX L"|log"
#define LOG_RECORD_SIZE 4096
#define LOG_RECORD_MAGIC 0x474F4C49u /* "ILOG" */
#define OFF_LOG_MAGIC 0
#define OFF_LOG_SIZE 4
#define OFF_LOG_SEQUENCE 8
#define OFF_LOG_CONTROLLER_PID 12
#define OFF_LOG_CONTROLLER_CREATED 16
#define OFF_LOG_CONTROLLER_LENGTH 24
#define OFF_LOG_LISTENER_LENGTH 26
#define OFF_LOG_CONTROLLER_PATH 32
#define OFF_LOG_LISTENER_PATH 2064

/* ---- the documentation and the code agree ---- */

_Static_assert(HEADER_SIZE == IPC_MAPPING_SIZE, "header size");
_Static_assert(HEADER_SIZE == sizeof(IpcHeader), "header struct size");
_Static_assert(HEADER_MAGIC == IPC_LAYOUT_MAGIC, "header magic");
_Static_assert(HEADER_VERSION == IPC_LAYOUT_VERSION, "header version");
_Static_assert(CLOSE_MESSAGE == IPC_CLOSE_MESSAGE, "close message");
_Static_assert(OFF_MESSAGE == offsetof(IpcHeader, message), "offset of message");
_Static_assert(OFF_MAGIC == offsetof(IpcHeader, magic), "offset of magic");
_Static_assert(OFF_VERSION == offsetof(IpcHeader, version), "offset of version");
_Static_assert(OFF_SIZE == offsetof(IpcHeader, size), "offset of size");
_Static_assert(OFF_STATE == offsetof(IpcHeader, state), "offset of state");
_Static_assert(OFF_LISTENER_PID == offsetof(IpcHeader, listener_pid), "offset of listener_pid");
_Static_assert(OFF_CONTROLLER_PID == offsetof(IpcHeader, controller_pid), "offset of controller_pid");
_Static_assert(OFF_LISTENER_CREATED == offsetof(IpcHeader, listener_created), "offset of listener_created");
_Static_assert(OFF_CONTROLLER_CREATED == offsetof(IpcHeader, controller_created), "offset of controller_created");
_Static_assert(OFF_STOP_REQUESTS == offsetof(IpcHeader, stop_requests), "offset of stop_requests");
_Static_assert(OFF_STOP_ACKED == offsetof(IpcHeader, stop_acked), "offset of stop_acked");
_Static_assert(OFF_UNITS == offsetof(IpcHeader, units), "offset of units");
_Static_assert(OFF_LAST_PROGRESS == offsetof(IpcHeader, last_progress), "offset of last_progress");
_Static_assert(OFF_RESTARTS == offsetof(IpcHeader, restarts), "offset of restarts");
_Static_assert(OFF_LAST_EXIT_CODE == offsetof(IpcHeader, last_exit_code), "offset of last_exit_code");
_Static_assert(OFF_LAST_PROGRESS_TICK == offsetof(IpcHeader, last_progress_tick), "offset of last_progress_tick");
_Static_assert(OFF_NEXT_RELAUNCH == offsetof(IpcHeader, next_relaunch), "offset of next_relaunch");
_Static_assert(OFF_STANDBY_PID == offsetof(IpcHeader, standby_pid), "offset of standby_pid");
_Static_assert(OFF_STANDBY_STATE == offsetof(IpcHeader, standby_state), "offset of standby_state");
_Static_assert(OFF_STANDBY_CREATED == offsetof(IpcHeader, standby_created), "offset of standby_created");
_Static_assert(OFF_RESTART_PID == offsetof(IpcHeader, restart_pid), "offset of restart_pid");
_Static_assert(OFF_FAILOVERS == offsetof(IpcHeader, failovers), "offset of failovers");
_Static_assert(OFF_RESERVED == offsetof(IpcHeader, reserved), "offset of reserved");
_Static_assert(RESERVED_SIZE == sizeof(((IpcHeader *)0)->reserved), "size of reserved");
_Static_assert(LOG_RECORD_SIZE == IPC_LOG_RECORD_SIZE && LOG_RECORD_SIZE == sizeof(IpcLogRecord), "log record size");
_Static_assert(LOG_RECORD_MAGIC == IPC_LOG_RECORD_MAGIC, "log record magic");
_Static_assert(OFF_LOG_SEQUENCE == offsetof(IpcLogRecord, sequence), "offset of the log record's sequence");
_Static_assert(OFF_LOG_CONTROLLER_PID == offsetof(IpcLogRecord, controller_pid), "offset of controller_pid");
_Static_assert(OFF_LOG_CONTROLLER_CREATED == offsetof(IpcLogRecord, controller_created), "offset of controller_created");
_Static_assert(OFF_LOG_CONTROLLER_LENGTH == offsetof(IpcLogRecord, controller_length), "offset of controller_length");
_Static_assert(OFF_LOG_LISTENER_LENGTH == offsetof(IpcLogRecord, listener_length), "offset of listener_length");
_Static_assert(OFF_LOG_CONTROLLER_PATH == offsetof(IpcLogRecord, controller_log), "offset of controller_log");
_Static_assert(OFF_LOG_LISTENER_PATH == offsetof(IpcLogRecord, listener_log), "offset of listener_log");
_Static_assert(STATE_RUNNING == IPC_STATE_RUNNING, "state running");
_Static_assert(STATE_WORKING == IPC_STATE_WORKING, "state working");
_Static_assert(STATE_STOPPED == IPC_STATE_STOPPED, "state stopped");
_Static_assert(STATE_WAITING_FOR_ENTER == IPC_STATE_WAITING_FOR_ENTER, "state waiting for Enter");

_Static_assert(IPC_EXIT_OK == 0, "exit code");
_Static_assert(IPC_EXIT_FAILURE == 1, "exit code");
_Static_assert(IPC_EXIT_USAGE == 2, "exit code");
_Static_assert(IPC_EXIT_NOT_RUNNING == 3, "exit code");
_Static_assert(IPC_EXIT_LISTENER_RUNNING == 4, "exit code");
_Static_assert(IPC_EXIT_CONTROLLER_RUNNING == 5, "exit code");
_Static_assert(IPC_EXIT_STOP_TIMEOUT == 6, "exit code");
_Static_assert(IPC_EXIT_NAME_IN_USE == 7, "exit code");
_Static_assert(IPC_EXIT_LAUNCH_FAILED == 8, "exit code");
_Static_assert(IPC_EXIT_STOP_FORCED == 9, "exit code");
_Static_assert(IPC_EXIT_TASK_DENIED == 10, "exit code");
_Static_assert(IPC_EXIT_NAME_HELD == 11, "exit code");
_Static_assert(IPC_EXIT_NO_RESTART == 12, "exit code");
_Static_assert(IPC_EXIT_START_LIMIT == 13, "exit code");
_Static_assert(IPC_EXIT_RESTART_TIMEOUT == 14, "exit code");
_Static_assert(IPC_EXIT_NOT_SUPERVISED == 15, "exit code");

/*
 * The controller's Event Log message IDs (ConsoleAppController/messages.mc), severity bits
 * included; Event Viewer shows the low 16 bits (100-107) as the event ID. Monitoring filters
 * on them: they never change.
 */
#define EVENT_CONTROLLER_STARTED 0x40000064u
#define EVENT_LISTENER_LAUNCHED 0x40000065u
#define EVENT_LISTENER_ADOPTED 0x40000066u
#define EVENT_LISTENER_EXITED 0x80000067u
#define EVENT_LISTENER_HUNG 0x80000068u
#define EVENT_START_LIMIT 0xC0000069u
#define EVENT_CONTROLLER_STOPPED 0x4000006Au
#define EVENT_CONTROLLER_FAILED 0xC000006Bu

#endif
