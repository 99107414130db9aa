/*
 * query.c - what --status, --stop and --restart share: opening NAME's mapping
 * from another process, in this session or in the global namespace, checking
 * that it holds a listener's data, and signalling NAME's controller.
 */
#include "controller.h"
#include "ipc_args.h"
#include "ipc_console.h"
#include "ipc_error.h"
#include "ipc_exit.h"
#include "ipc_identity.h"
#include "ipc_layout.h"
#include "ipc_mapping.h"
#include "ipc_name.h"
#include "ipc_named.h"
#include "ipc_process.h"
#include "ipc_text.h"

#include <string.h>

/*
 * A task that runs whether or not a user is logged on runs in session 0, whose
 * plain names live in the global namespace, while the same plain name typed in
 * a desktop session means that session's namespace. So a plain NAME not found
 * here is looked for as Global\NAME too, and it says where it was found.
 * resolved receives the name that was opened (cap >= MAX_PATH). On failure *m
 * and resolved are untouched and the error of the first lookup is returned.
 */
static DWORD OpenMapping(const wchar_t *name, BOOL announce, IpcMapping *m, wchar_t *resolved, size_t cap)
{
    DWORD code = IpcMappingOpen(name, m);
    wchar_t global[MAX_PATH];

    if (code == ERROR_SUCCESS) {
        IpcFormat(resolved, cap, L"%ls", name);
        return code;
    }
    if (code != ERROR_FILE_NOT_FOUND || wcschr(name, L'\\') != NULL) {
        return code;
    }
    if (!IpcDerivedName(L"Global\\", name, global, MAX_PATH)) {
        return code;
    }
    if (IpcMappingOpen(global, m) != ERROR_SUCCESS) {
        return code;
    }
    IpcFormat(resolved, cap, L"%ls", global);
    if (announce) {
        IpcPrint(L"'%ls' is not in this session; found '%ls' in the global namespace", name, global);
    }
    return ERROR_SUCCESS;
}

int OpenForQuery(const wchar_t *name, IpcMapping *m, IpcHeader *hdr, IpcLayoutKind *kind, wchar_t *resolved,
                 size_t cap)
{
    return OpenForQueryEx(name, TRUE, m, hdr, kind, resolved, cap);
}

int OpenForQueryEx(const wchar_t *name, BOOL announce, IpcMapping *m, IpcHeader *hdr, IpcLayoutKind *kind,
                   wchar_t *resolved, size_t cap)
{
    DWORD code = OpenMapping(name, announce, m, resolved, cap);
    const wchar_t *why = L"";

    if (code == ERROR_FILE_NOT_FOUND) {
        return IPC_EXIT_NOT_RUNNING;
    }
    if (code != ERROR_SUCCESS) {
        return IpcFailName(L"OpenFileMappingW", code, name, L"file mapping");
    }
    *kind = IpcMappingClassify(m, hdr, &why);
    if (*kind == IPC_LAYOUT_INVALID) {
        IpcMappingClose(m);
        return IpcFailLayout(resolved, why);
    }
    return IPC_EXIT_OK;
}

DWORD OpenQueriedListener(const IpcControllerOptions *opt, const wchar_t *resolved, const IpcHeader *hdr,
                          IpcLayoutKind kind, DWORD pid, HANDLE *out, wchar_t *why, size_t why_cap)
{
    wchar_t image[MAX_PATH * 2];

    /* The listener was launched with NAME as typed; its lock lives under the name that was found. */
    return IpcIdentityOpenListener(resolved, opt->name, hdr, kind, pid,
                                   SampleListenerImage(opt, image, (DWORD)ARRAYSIZE(image)), out, why, why_cap);
}

int SignalCompanionEvent(const wchar_t *name, const wchar_t *suffix, BOOL manual_reset, HANDLE *event)
{
    wchar_t event_name[MAX_PATH];
    DWORD code = IpcNamedEventCreate(name, suffix, manual_reset, event);

    if (code != ERROR_SUCCESS) {
        IpcDerivedName(name, suffix, event_name, MAX_PATH);
        return IpcFailName(L"CreateEventW", code, event_name, L"event");
    }
    SetEvent(*event);
    return IPC_EXIT_OK;
}

DWORD OpenQueriedStandby(const IpcControllerOptions *opt, const wchar_t *resolved, const IpcHeader *hdr, HANDLE *out,
                         wchar_t *why, size_t why_cap)
{
    wchar_t image[MAX_PATH * 2];

    return IpcIdentityOpenStandby(resolved, opt->name, hdr, hdr->standby_pid,
                                  SampleListenerImage(opt, image, (DWORD)ARRAYSIZE(image)), out, why, why_cap);
}

BOOL OpenQueriedController(const IpcHeader *hdr, IpcLayoutKind kind, HANDLE *out)
{
    return kind == IPC_LAYOUT_OURS && hdr->controller_pid != 0 &&
           IpcProcessOpenVerified(hdr->controller_pid, hdr->controller_created, NULL, 0, out, NULL, 0) ==
               ERROR_SUCCESS;
}
