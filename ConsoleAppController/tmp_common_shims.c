/*
 * tmp_common_shims.c - TEMPORARY definitions of four functions of common/
 * (see tmp_common_shims.h); dropped when merging with common/.
 */
#include "tmp_common_shims.h"

#include <sddl.h>

DWORD IpcFullPath(const wchar_t *path, wchar_t *out, DWORD cap)
{
    DWORD n = GetFullPathNameW(path, cap, out, NULL);
    if (n == 0) {
        return GetLastError();
    }
    return n >= cap ? ERROR_FILENAME_EXCED_RANGE : ERROR_SUCCESS;
}

void IpcHandleClose(HANDLE *h)
{
    if (*h != NULL && *h != INVALID_HANDLE_VALUE) {
        CloseHandle(*h);
    }
    *h = NULL;
}

DWORD IpcTokenSidString(wchar_t **out)
{
    HANDLE token = NULL;
    /* Aligned for the TOKEN_USER it receives, which a bare BYTE array need not be. */
    union {
        TOKEN_USER user;
        BYTE bytes[sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE];
    } info;
    DWORD size = 0;
    DWORD code = ERROR_SUCCESS;

    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) {
        return GetLastError();
    }
    if (!GetTokenInformation(token, TokenUser, &info, (DWORD)sizeof(info), &size)) {
        code = GetLastError();
    } else if (!ConvertSidToStringSidW(info.user.User.Sid, out)) {
        code = GetLastError();
    }
    IpcHandleClose(&token);
    return code;
}

DWORD IpcNamedEventCreate(const wchar_t *name, const wchar_t *suffix, BOOL manual_reset, HANDLE *out)
{
    wchar_t full[MAX_PATH];
    SECURITY_ATTRIBUTES *sa = NULL;
    HANDLE event;
    DWORD code;

    if (!IpcDerivedName(name, suffix, full, MAX_PATH)) {
        return ERROR_FILENAME_EXCED_RANGE;
    }
    code = IpcPrivateAttributes(&sa);
    if (code != ERROR_SUCCESS) {
        return code;
    }
    event = CreateEventW(sa, manual_reset, FALSE, full);
    code = GetLastError();
    if (event == NULL) {
        return code;
    }
    if (code == ERROR_ALREADY_EXISTS) {
        code = IpcCheckNamedOwner(OpenEventW, full);
        if (code != ERROR_SUCCESS) {
            IpcHandleClose(&event);
            return code;
        }
    }
    *out = event;
    return ERROR_SUCCESS;
}
