/*
 * eventlog.c - the controller's reports to the Windows Application log: one
 * event per thing an administrator's monitoring watches for (started, a
 * listener launched or adopted, exited, killed as hung, the start limit
 * reached, stopped, failed), under the source IPC_EVENT_SOURCE, with the
 * message IDs of messages.mc.
 *
 * RegisterEventSourceW, ReportEventW and DeregisterEventSource are the classic
 * Event Logging API (advapi32). RegisterEventSourceW succeeds also for a source
 * that is not registered: the events then go to the Application log, and Event
 * Viewer shows "The description for Event ID N from source ConsoleAppController
 * cannot be found" with the insertion strings, because it has no message file
 * for the source. --install registers it (IpcEventLogInstallSource).
 *   https://learn.microsoft.com/en-us/windows/win32/api/winbase/nf-winbase-reporteventw
 *   https://learn.microsoft.com/en-us/windows/win32/eventlog/event-sources
 *   https://learn.microsoft.com/en-us/previous-versions/aa363634(v=vs.85)
 *     ("Adding an Event Source to the Registry")
 */
#include "eventlog.h"

#include "ipc_args.h"
#include "ipc_console.h"
#include "ipc_error.h"
#include "ipc_exit.h"
#include "ipc_text.h"
#include "ipc_version.h"

#include <wchar.h>

#define EVENT_SOURCE_KEY L"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\" IPC_EVENT_SOURCE

/* The open source and the instance name (%1 of every message); NULL while the Event Log is off. */
static HANDLE g_source;
static const wchar_t *g_name;

/*
 * Reports one event: %1 is the instance name, then the count strings of
 * rest. The event type (information, warning, error) is the one the message
 * ID's severity bits say, so Event Viewer's level and the text agree.
 * A report that fails is lost: nothing stops supervising for it.
 */
static void Report(DWORD id, WORD count, const wchar_t *const *rest)
{
    const wchar_t *strings[8];
    WORD type;
    WORD i;

    if (g_source == NULL || count + 1u > ARRAYSIZE(strings)) {
        return;
    }
    strings[0] = g_name;
    for (i = 0; i < count; i++) {
        strings[i + 1] = rest[i];
    }
    switch (id >> 30) {
    case 3:
        type = EVENTLOG_ERROR_TYPE;
        break;
    case 2:
        type = EVENTLOG_WARNING_TYPE;
        break;
    default:
        type = EVENTLOG_INFORMATION_TYPE;
        break;
    }
    ReportEventW(g_source, type, 0, id, NULL, (WORD)(count + 1u), 0, strings, NULL);
}

/* A DWORD as decimal text into buf (cap >= 16). */
static const wchar_t *Decimal(DWORD value, wchar_t *buf, size_t cap)
{
    IpcFormat(buf, cap, L"%lu", (unsigned long)value);
    return buf;
}

void IpcEventLogStart(const IpcControllerOptions *opt, BOOL interactive)
{
    wchar_t pid[16];
    const wchar_t *rest[2];
    DWORD code;

    if (opt->event_log == IPC_EVENT_LOG_OFF || (opt->event_log == IPC_EVENT_LOG_AUTO && interactive)) {
        return;
    }
    g_source = RegisterEventSourceW(NULL, IPC_EVENT_SOURCE);
    if (g_source == NULL) {
        code = GetLastError();
        IpcFailWin32(L"RegisterEventSourceW", code, L"cannot report to the Event Log (going on without it)");
        return;
    }
    g_name = opt->name;
    rest[0] = Decimal(GetCurrentProcessId(), pid, ARRAYSIZE(pid));
    rest[1] = IPC_VERSION_WIDE;
    Report(IPC_MSG_CONTROLLER_STARTED, 2, rest);
}

void IpcEventLogLaunched(DWORD pid, const wchar_t *arguments)
{
    wchar_t text[16];
    const wchar_t *rest[2];

    rest[0] = Decimal(pid, text, ARRAYSIZE(text));
    rest[1] = arguments;
    Report(IPC_MSG_LISTENER_LAUNCHED, 2, rest);
}

void IpcEventLogAdopted(DWORD pid)
{
    wchar_t text[16];
    const wchar_t *rest[1];

    rest[0] = Decimal(pid, text, ARRAYSIZE(text));
    Report(IPC_MSG_LISTENER_ADOPTED, 1, rest);
}

void IpcEventLogExited(DWORD pid, DWORD exit_code, DWORD ran_ms, DWORD pause_ms)
{
    wchar_t texts[4][16];
    const wchar_t *rest[5];

    rest[0] = Decimal(pid, texts[0], ARRAYSIZE(texts[0]));
    rest[1] = Decimal(exit_code, texts[1], ARRAYSIZE(texts[1]));
    rest[2] = IpcExitCodeMeaning(exit_code);
    rest[3] = Decimal(ran_ms, texts[2], ARRAYSIZE(texts[2]));
    rest[4] = Decimal(pause_ms, texts[3], ARRAYSIZE(texts[3]));
    Report(IPC_MSG_LISTENER_EXITED, 5, rest);
}

void IpcEventLogHung(DWORD pid, DWORD timeout_ms)
{
    wchar_t texts[2][16];
    const wchar_t *rest[2];

    rest[0] = Decimal(pid, texts[0], ARRAYSIZE(texts[0]));
    rest[1] = Decimal(timeout_ms, texts[1], ARRAYSIZE(texts[1]));
    Report(IPC_MSG_LISTENER_HUNG, 2, rest);
}

void IpcEventLogStartLimit(DWORD exits, DWORD interval_ms, DWORD last_exit_code)
{
    wchar_t texts[3][16];
    const wchar_t *rest[3];

    rest[0] = Decimal(exits, texts[0], ARRAYSIZE(texts[0]));
    rest[1] = Decimal(interval_ms, texts[1], ARRAYSIZE(texts[1]));
    rest[2] = Decimal(last_exit_code, texts[2], ARRAYSIZE(texts[2]));
    Report(IPC_MSG_START_LIMIT, 3, rest);
}

void IpcEventLogEnd(int rc)
{
    wchar_t texts[2][16];
    const wchar_t *rest[3];
    const wchar_t *why = IpcErrorLast();

    if (g_source == NULL) {
        return;
    }
    rest[0] = Decimal(GetCurrentProcessId(), texts[0], ARRAYSIZE(texts[0]));
    if (rc == IPC_EXIT_OK) {
        Report(IPC_MSG_CONTROLLER_STOPPED, 1, rest);
    } else {
        rest[1] = Decimal((DWORD)rc, texts[1], ARRAYSIZE(texts[1]));
        rest[2] = why[0] != L'\0' ? why : L"see its standard error or its --log file";
        Report(IPC_MSG_CONTROLLER_FAILED, 3, rest);
    }
    DeregisterEventSource(g_source);
    g_source = NULL;
}

void IpcEventLogInstallSource(const wchar_t *controller_path)
{
    HKEY key = NULL;
    DWORD types = EVENTLOG_ERROR_TYPE | EVENTLOG_WARNING_TYPE | EVENTLOG_INFORMATION_TYPE;
    DWORD bytes = (DWORD)((wcslen(controller_path) + 1) * sizeof(wchar_t));
    const wchar_t *api = L"RegCreateKeyExW";
    LSTATUS code;

    /* Under HKLM: only an elevated process (or one of the system's accounts) may create the key. */
    code = RegCreateKeyExW(HKEY_LOCAL_MACHINE, EVENT_SOURCE_KEY, 0, NULL, REG_OPTION_NON_VOLATILE,
                           KEY_SET_VALUE, NULL, &key, NULL);
    if (code == ERROR_SUCCESS) {
        api = L"RegSetValueExW";
        code = RegSetValueExW(key, L"EventMessageFile", 0, REG_EXPAND_SZ, (const BYTE *)controller_path, bytes);
    }
    if (code == ERROR_SUCCESS) {
        code = RegSetValueExW(key, L"TypesSupported", 0, REG_DWORD, (const BYTE *)&types, sizeof(types));
    }
    if (key != NULL) {
        RegCloseKey(key);
    }
    if (code == ERROR_SUCCESS) {
        IpcPrint(L"Registered the event source '%ls' (HKLM\\%ls, EventMessageFile %ls): Event Viewer shows the "
                 L"texts of its events in the Application log",
                 IPC_EVENT_SOURCE, EVENT_SOURCE_KEY, controller_path);
    } else if (code == ERROR_ACCESS_DENIED) {
        IpcPrint(L"The event source '%ls' is not registered (that needs an elevated prompt): Event Viewer shows its "
                 L"events with \"The description for Event ID ... cannot be found\". Run the same --install from "
                 L"an elevated prompt (\"Run as administrator\") to register it",
                 IPC_EVENT_SOURCE);
    } else {
        IpcFailWin32(api, (DWORD)code, L"cannot register the event source '%ls' (the task is registered)",
                     IPC_EVENT_SOURCE);
    }
}
