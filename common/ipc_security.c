/*
 * ipc_security.c - private kernel objects and the check of who owns an existing
 * one (see ipc_security.h for why).
 */
#include "ipc_security.h"

#include <aclapi.h>
#include <sddl.h>

#include "ipc_handle.h"
#include "ipc_text.h"

static INIT_ONCE g_once = INIT_ONCE_STATIC_INIT;
static SECURITY_ATTRIBUTES g_attributes;
static DWORD g_init_error = ERROR_SUCCESS;
/* Token user, token default owner (Administrators when elevated) and SYSTEM: the trusted owners. */
static BYTE g_user_sid[SECURITY_MAX_SID_SIZE];
static BYTE g_owner_sid[SECURITY_MAX_SID_SIZE];

/*
 * GetTokenInformation's buffer, aligned for the TOKEN_USER / TOKEN_OWNER it
 * receives (a bare BYTE array need not be, and Windows may refuse it with
 * ERROR_NOACCESS).
 */
typedef union TokenSidBuffer {
    TOKEN_USER user;
    TOKEN_OWNER owner;
    BYTE bytes[sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE];
} TokenSidBuffer;

/* Reads one SID-bearing token class into out; *api names the call that failed. */
static DWORD CopyTokenSid(HANDLE token, TOKEN_INFORMATION_CLASS cls, BYTE *out, const wchar_t **api)
{
    TokenSidBuffer info;
    DWORD size = 0;
    PSID sid;

    if (!GetTokenInformation(token, cls, &info, (DWORD)sizeof(info), &size)) {
        *api = L"GetTokenInformation";
        return GetLastError();
    }
    sid = cls == TokenUser ? info.user.User.Sid : info.owner.Owner;
    if (!CopySid(SECURITY_MAX_SID_SIZE, out, sid)) {
        *api = L"CopySid";
        return GetLastError();
    }
    return ERROR_SUCCESS;
}

/*
 * The process token's user and, when owner is not NULL, its default owner;
 * *api names the call that failed.
 */
static DWORD CopyProcessSids(BYTE *user, BYTE *owner, const wchar_t **api)
{
    HANDLE token = NULL;
    DWORD err = ERROR_SUCCESS;

    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) {
        err = GetLastError();
        *api = L"OpenProcessToken";
        goto cleanup;
    }
    err = CopyTokenSid(token, TokenUser, user, api);
    if (err != ERROR_SUCCESS || owner == NULL) {
        goto cleanup;
    }
    err = CopyTokenSid(token, TokenOwner, owner, api);

cleanup:
    IpcHandleClose(&token);
    return err;
}

/* A SID as text (LocalFree'd by the caller); *out untouched on failure. */
static DWORD SidText(BYTE *sid, wchar_t **out)
{
    return ConvertSidToStringSidW((PSID)sid, out) ? ERROR_SUCCESS : GetLastError();
}

DWORD IpcTokenSidString(wchar_t **out, const wchar_t **failed_api)
{
    BYTE user[SECURITY_MAX_SID_SIZE];
    const wchar_t *api = L"ConvertSidToStringSidW";
    DWORD err = CopyProcessSids(user, NULL, &api);

    if (err == ERROR_SUCCESS) {
        err = SidText(user, out);
    }
    if (err != ERROR_SUCCESS && failed_api != NULL) {
        *failed_api = api;
    }
    return err;
}

static BOOL CALLBACK InitOnce(PINIT_ONCE once, PVOID param, PVOID *context)
{
    wchar_t *user = NULL;
    wchar_t sddl[256];
    PSECURITY_DESCRIPTOR sd = NULL;
    DWORD err = ERROR_SUCCESS;
    const wchar_t *api = NULL; /* which call failed is not kept: IpcPrivateAttributes returns the code alone */
    int n;

    (void)once;
    (void)param;
    (void)context;
    err = CopyProcessSids(g_user_sid, g_owner_sid, &api);
    (void)api;
    if (err != ERROR_SUCCESS) {
        goto cleanup;
    }
    err = SidText(g_user_sid, &user);
    if (err != ERROR_SUCCESS) {
        goto cleanup;
    }
    /*
     * O: makes the user the owner even when elevated (whose default owner is
     * Administrators); D:P is a protected DACL, so nothing is inherited, with
     * GENERIC_ALL for the user and SYSTEM only. The user's SID is spelled out
     * because Wine does not honour the OW (owner rights) SID.
     */
    n = IpcFormat(sddl, ARRAYSIZE(sddl), L"O:%lsD:P(A;;GA;;;%ls)(A;;GA;;;SY)", user, user);
    if (n < 0) {
        err = ERROR_INSUFFICIENT_BUFFER;
        goto cleanup;
    }
    if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl, SDDL_REVISION_1, &sd, NULL)) {
        err = GetLastError();
        goto cleanup;
    }
    /* Kept for the life of the process: every object we create uses it. */
    g_attributes.nLength = sizeof(g_attributes);
    g_attributes.lpSecurityDescriptor = sd;
    g_attributes.bInheritHandle = FALSE;
    sd = NULL;

cleanup:
    IpcLocalFree(&sd);
    IpcLocalFree(&user);
    g_init_error = err;
    return TRUE;
}

DWORD IpcPrivateAttributes(SECURITY_ATTRIBUTES **out)
{
    InitOnceExecuteOnce(&g_once, InitOnce, NULL, NULL);
    if (g_init_error != ERROR_SUCCESS) {
        return g_init_error;
    }
    *out = &g_attributes;
    return ERROR_SUCCESS;
}

DWORD IpcCheckNamedOwner(IpcOpenNamedFn open, const wchar_t *name)
{
    DWORD err;
    HANDLE h = open(READ_CONTROL, FALSE, name);
    if (h == NULL) {
        err = GetLastError();
        return err == ERROR_ACCESS_DENIED ? ERROR_INVALID_OWNER : err;
    }
    err = IpcCheckOwner(h, NULL, 0);
    IpcHandleClose(&h);
    return err;
}

DWORD IpcCheckOwner(HANDLE object, wchar_t *owner_text, size_t cap)
{
    DWORD err;
    PSID owner = NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    SECURITY_ATTRIBUTES *sa = NULL;
    wchar_t *text = NULL;
    BYTE system_sid[SECURITY_MAX_SID_SIZE];
    DWORD system_size = (DWORD)sizeof(system_sid);

    err = IpcPrivateAttributes(&sa);
    if (err != ERROR_SUCCESS) {
        goto cleanup;
    }
    err = GetSecurityInfo(object, SE_KERNEL_OBJECT, OWNER_SECURITY_INFORMATION, &owner, NULL, NULL, NULL, &sd);
    if (err != ERROR_SUCCESS) {
        goto cleanup;
    }
    if (owner == NULL) {
        /* Wine leaves the owner empty on objects created without a security descriptor; Windows never does. */
        goto cleanup;
    }
    if (!CreateWellKnownSid(WinLocalSystemSid, NULL, system_sid, &system_size)) {
        err = GetLastError();
        goto cleanup;
    }
    if (EqualSid(owner, (PSID)g_user_sid) || EqualSid(owner, (PSID)g_owner_sid) || EqualSid(owner, (PSID)system_sid)) {
        goto cleanup;
    }
    err = ERROR_INVALID_OWNER;
    if (owner_text != NULL && cap > 0) {
        if (ConvertSidToStringSidW(owner, &text)) {
            IpcFormat(owner_text, cap, L"%ls", text);
        } else {
            IpcFormat(owner_text, cap, L"an unknown owner");
        }
    }

cleanup:
    IpcLocalFree(&text);
    IpcLocalFree(&sd);
    return err;
}

BOOL IpcHasPrivilege(const wchar_t *privilege)
{
    HANDLE token = NULL;
    TOKEN_PRIVILEGES *privileges = NULL;
    DWORD size = 0;
    DWORD i;
    LUID luid;
    BOOL held = FALSE;

    if (!LookupPrivilegeValueW(NULL, privilege, &luid) || !OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) {
        goto cleanup;
    }
    /* The first call asks for the size: the list of privileges has no fixed length. */
    if (GetTokenInformation(token, TokenPrivileges, NULL, 0, &size) || GetLastError() != ERROR_INSUFFICIENT_BUFFER) {
        goto cleanup;
    }
    privileges = (TOKEN_PRIVILEGES *)HeapAlloc(GetProcessHeap(), 0, size);
    if (privileges == NULL || !GetTokenInformation(token, TokenPrivileges, privileges, size, &size)) {
        goto cleanup;
    }
    for (i = 0; i < privileges->PrivilegeCount; i++) {
        if (privileges->Privileges[i].Luid.LowPart == luid.LowPart &&
            privileges->Privileges[i].Luid.HighPart == luid.HighPart) {
            held = TRUE;
            break;
        }
    }

cleanup:
    IpcHeapFree(&privileges);
    IpcHandleClose(&token);
    return held;
}
