/*
 * ipc_security.h - private kernel objects and the check of who owns an existing one.
 *
 * Named objects live in a namespace every process of the session (or, with
 * Global\, of the machine) can use: anyone can create a name first or write
 * into it. So everything we create gets a protected DACL that grants access to
 * the creating user and SYSTEM only, and an object we find already there is
 * used only when its owner is one we trust.
 */
#ifndef IPC_SECURITY_H
#define IPC_SECURITY_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <stddef.h>

/*
 * IpcPrivateAttributes - security attributes for every named object we create:
 * owner the current user, a protected DACL granting GENERIC_ALL to that user and
 * to SYSTEM only. Built once per process and never freed. On failure (the token
 * cannot be read) returns the Windows error and leaves *out untouched.
 */
DWORD IpcPrivateAttributes(SECURITY_ATTRIBUTES **out);

/*
 * IpcCheckOwner - is an existing object ours to use? object must have been
 * opened with READ_CONTROL. ERROR_SUCCESS when its owner is the current user,
 * the token's default owner (Administrators when elevated) or SYSTEM;
 * ERROR_INVALID_OWNER when it is anyone else, with the owner's SID written to
 * owner_text (if not NULL); another code when the owner cannot be read.
 */
DWORD IpcCheckOwner(HANDLE object, wchar_t *owner_text, size_t cap);

/* How a named object of one type is opened: OpenFileMappingW, OpenMutexW and OpenEventW all fit. */
typedef HANDLE(WINAPI *IpcOpenNamedFn)(DWORD access, BOOL inherit, LPCWSTR name);

/*
 * IpcCheckNamedOwner - IpcCheckOwner for the existing object NAME, opened with
 * open for READ_CONTROL only (the handle that found it may lack that right).
 * ERROR_INVALID_OWNER also when even READ_CONTROL is refused: whoever created
 * it shut us out.
 */
DWORD IpcCheckNamedOwner(IpcOpenNamedFn open, const wchar_t *name);

/*
 * IpcHasPrivilege - TRUE when this process's token holds the privilege named
 * (enabled or not, e.g. L"SeCreateGlobalPrivilege"); FALSE when it does not,
 * or when the token cannot be read.
 */
BOOL IpcHasPrivilege(const wchar_t *privilege);

/*
 * IpcTokenSidString - the current user's SID (the process token's user) as
 * text, e.g. S-1-5-21-...-1001, in *out, which the caller frees with
 * LocalFree (or IpcLocalFree). ERROR_SUCCESS, or the error of the call that
 * failed with *out untouched and *failed_api (if not NULL) naming that call
 * (OpenProcessToken, GetTokenInformation, CopySid, ConvertSidToStringSidW).
 */
DWORD IpcTokenSidString(wchar_t **out, const wchar_t **failed_api);

#endif
