/*
 * ipc_error.c - error reports that return the exit code they report.
 */
#include "ipc_error.h"

#include <stdarg.h>
#include <string.h>
#include <wchar.h>

#include "ipc_console.h"
#include "ipc_exit.h"
#include "ipc_security.h"
#include "ipc_text.h"

/* The context part of a message; the whole line is printed by IpcPrintErr. */
#define IPC_ERROR_CONTEXT_MAX 1024

/* The text of the last error line (IpcErrorLast); written on the thread that reports, read at the end. */
static wchar_t g_last_error[IPC_ERROR_CONTEXT_MAX + IPC_ERROR_TEXT_MAX];

const wchar_t *IpcErrorLast(void)
{
    return g_last_error;
}

/*
 * Task Scheduler's own HRESULTs, SCHED_S_* and SCHED_E_* (0x00041300 and
 * 0x80041300 onwards, FACILITY_ITF: "Task Scheduler Error and Success
 * Constants", learn.microsoft.com/windows/win32/taskschd/task-scheduler-error-and-success-constants),
 * are not in the system's message table but in taskschd.dll's, loaded from
 * System32 as data only (FormatMessageW with FORMAT_MESSAGE_FROM_HMODULE).
 * Returns the length of the text in buf, 0 when there is none (Wine's
 * taskschd.dll has no message table).
 */
static DWORD TaskSchedulerText(DWORD code, wchar_t *buf, size_t cap)
{
    static const wchar_t kFile[] = L"\\taskschd.dll";
    wchar_t path[MAX_PATH];
    UINT len;
    HMODULE module;
    DWORD n = 0;

    if ((code & 0x7FFFFF00u) != 0x00041300u) {
        return 0;
    }
    len = GetSystemDirectoryW(path, MAX_PATH);
    if (len == 0 || len + ARRAYSIZE(kFile) > MAX_PATH) {
        return 0;
    }
    memcpy(path + len, kFile, sizeof(kFile));
    module = LoadLibraryExW(path, NULL, LOAD_LIBRARY_AS_DATAFILE);
    if (module != NULL) {
        n = FormatMessageW(FORMAT_MESSAGE_FROM_HMODULE | FORMAT_MESSAGE_IGNORE_INSERTS | FORMAT_MESSAGE_MAX_WIDTH_MASK,
                           module, code, 0, buf, (DWORD)cap, NULL);
        FreeLibrary(module);
    }
    return n;
}

const wchar_t *IpcErrorText(DWORD code, wchar_t *buf, size_t cap)
{
    DWORD n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS | FORMAT_MESSAGE_MAX_WIDTH_MASK,
                             NULL, code, 0, buf, (DWORD)cap, NULL);
    if (n == 0) {
        n = TaskSchedulerText(code, buf, cap);
    }
    /* FORMAT_MESSAGE_MAX_WIDTH_MASK leaves a trailing space where the line break was. */
    while (n > 0 && (buf[n - 1] == L' ' || buf[n - 1] == L'.')) {
        n--;
    }
    if (n == 0) {
        IpcFormat(buf, cap, L"(no description)");
    } else {
        buf[n] = L'\0';
    }
    return buf;
}

int IpcFail(int exit_code, const wchar_t *fmt, ...)
{
    wchar_t text[IPC_ERROR_CONTEXT_MAX];
    va_list ap;

    va_start(ap, fmt);
    IpcFormatV(text, ARRAYSIZE(text), fmt, ap);
    va_end(ap);
    IpcFormat(g_last_error, ARRAYSIZE(g_last_error), L"%ls", text);
    IpcPrintErr(L"Error: %ls", g_last_error);
    return exit_code;
}

/*
 * The common part of IpcFailWin32 and IpcFailHresult; result is how the call
 * said it failed ("error 5", "0x80070005").
 */
static int FailCall(int exit_code, const wchar_t *api, const wchar_t *result, DWORD code, const wchar_t *what,
                    va_list ap)
{
    wchar_t context[IPC_ERROR_CONTEXT_MAX];
    wchar_t text[IPC_ERROR_TEXT_MAX];

    IpcFormatV(context, ARRAYSIZE(context), what, ap);
    IpcFormat(g_last_error, ARRAYSIZE(g_last_error), L"%ls: %ls failed with %ls: %ls", context, api, result,
              IpcErrorText(code, text, ARRAYSIZE(text)));
    IpcPrintErr(L"Error: %ls", g_last_error);
    return exit_code;
}

/* FailCall for a Win32 error code: the one spelling of "error N" for both IpcFailWin32 variants. */
static int FailWin32V(int exit_code, const wchar_t *api, DWORD code, const wchar_t *what, va_list ap)
{
    wchar_t result[32];

    IpcFormat(result, ARRAYSIZE(result), L"error %lu", (unsigned long)code);
    return FailCall(exit_code, api, result, code, what, ap);
}

int IpcFailWin32(const wchar_t *api, DWORD code, const wchar_t *what, ...)
{
    va_list ap;
    int rc;

    va_start(ap, what);
    rc = FailWin32V(IPC_EXIT_FAILURE, api, code, what, ap);
    va_end(ap);
    return rc;
}

int IpcFailWin32Exit(int exit_code, const wchar_t *api, DWORD code, const wchar_t *what, ...)
{
    va_list ap;
    int rc;

    va_start(ap, what);
    rc = FailWin32V(exit_code, api, code, what, ap);
    va_end(ap);
    return rc;
}

int IpcFailHresult(const wchar_t *api, HRESULT hr, const wchar_t *what, ...)
{
    wchar_t result[32];
    va_list ap;
    int rc;

    IpcFormat(result, ARRAYSIZE(result), L"0x%08lX", (unsigned long)hr);
    va_start(ap, what);
    rc = FailCall(IPC_EXIT_FAILURE, api, result, (DWORD)hr, what, ap);
    va_end(ap);
    return rc;
}

int IpcFailName(const wchar_t *api, DWORD code, const wchar_t *object_name, const wchar_t *kind)
{
    switch (code) {
    case IPC_ERROR_SECTION_RESERVED:
        return IpcFailLayout(object_name, L"its pages are reserved, not committed (a SEC_RESERVE section): reading "
                                          L"them would be an access violation");
    case IPC_ERROR_SECTION_NOT_WRITABLE:
        return IpcFailLayout(object_name, L"it cannot be mapped for reading and writing (a read-only or copy-on-write "
                                          L"section)");
    case IPC_ERROR_SECTION_TOO_SMALL:
        return IpcFailLayout(object_name, L"its view is smaller than the listener's header");
    case ERROR_INVALID_HANDLE:
        /* What CreateFileMappingW, CreateMutexW and CreateEventW say when the name has another type. */
        return IpcFail(IPC_EXIT_NAME_IN_USE, L"the name '%ls' is taken by a kernel object that is not a %ls.",
                       object_name, kind);
    case ERROR_INVALID_OWNER:
        return IpcFail(IPC_EXIT_NAME_IN_USE, L"the %ls '%ls' exists but belongs to another user; refusing to use it.",
                       kind, object_name);
    case ERROR_ACCESS_DENIED:
        /*
         * Creating a file mapping in Global\ from another session than 0
         * needs SeCreateGlobalPrivilege (administrators, services and SYSTEM
         * have it), and without it Windows says "access denied" whether or
         * not the name exists: not a sign that someone holds it. Only file
         * mappings and symbolic links need it; a mutex or an event in
         * Global\ does not ("Kernel Object Namespaces",
         * learn.microsoft.com/windows/win32/termserv/kernel-object-namespaces),
         * so for those "access denied" means what it says.
         */
        if (wcsncmp(object_name, L"Global\\", 7) == 0 && wcscmp(api, L"CreateFileMappingW") == 0 &&
            !IpcHasPrivilege(L"SeCreateGlobalPrivilege")) {
            return IpcFail(IPC_EXIT_FAILURE,
                           L"cannot create the %ls '%ls': a Global\\ name needs the 'Create global objects' "
                           L"privilege (SeCreateGlobalPrivilege), which this user does not hold. Run it elevated or "
                           L"as a service, or use a name without Global\\.",
                           kind, object_name);
        }
        return IpcFail(IPC_EXIT_NAME_IN_USE, L"the %ls '%ls' exists but this user may not open it.", kind,
                       object_name);
    default:
        return IpcFailWin32(api, code, L"cannot open the %ls '%ls'", kind, object_name);
    }
}

int IpcFailLayout(const wchar_t *name, const wchar_t *why)
{
    return IpcFail(IPC_EXIT_NAME_IN_USE, L"the mapping '%ls' exists but does not hold a listener's data: %ls.", name,
                   why);
}

const wchar_t *IpcExitCodeMeaning(DWORD code)
{
    switch (code) {
    case IPC_EXIT_OK:
        return L" (stopped gracefully)";
    case IPC_EXIT_FAILURE:
        return L" (a Windows call failed; the listener's error line says which)";
    case IPC_EXIT_USAGE:
        return L" (bad command line or instance name)";
    case IPC_EXIT_LISTENER_RUNNING:
        return L" (another listener already serves the name)";
    case IPC_EXIT_NAME_IN_USE:
        return L" (the name is taken by an object that is not a listener's mapping)";
    case 1460: /* ERROR_TIMEOUT: what --hang-timeout and --stop --force terminate with */
        return L" (terminated)";
    default:
        return L"";
    }
}
