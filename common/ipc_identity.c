/*
 * ipc_identity.c - proving that a pid is NAME's listener (see ipc_identity.h).
 */
#include "ipc_identity.h"

#include "ipc_handle.h"
#include "ipc_layout.h"
#include "ipc_name.h"
#include "ipc_named.h"
#include "ipc_process.h"
#include "ipc_text.h"

#include <string.h>
#include <winternl.h>

/* A command line longer than this cannot be one that names an instance after the program. */
#define IDENTITY_CMD_MAX 4096u

typedef NTSTATUS(NTAPI *QueryProcessFn)(HANDLE, PROCESSINFOCLASS, PVOID, ULONG, PULONG);

/* "Local\X" and "X" are the same object in a session; every other spelling is compared exactly (names are case-sensitive). */
static const wchar_t *WithoutLocal(const wchar_t *name)
{
    static const wchar_t kLocal[] = L"Local\\";
    return wcsncmp(name, kLocal, ARRAYSIZE(kLocal) - 1) == 0 ? name + ARRAYSIZE(kLocal) - 1 : name;
}

static BOOL SameInstance(const wchar_t *a, const wchar_t *b)
{
    return b != NULL && wcscmp(WithoutLocal(a), WithoutLocal(b)) == 0;
}

/*
 * Reads the command line of process pid from its PEB, the documented way:
 * NtQueryInformationProcess(ProcessBasicInformation) gives the PEB's address
 * (learn.microsoft.com/windows/win32/api/winternl/nf-winternl-ntqueryinformationprocess),
 * and winternl.h documents PEB.ProcessParameters and
 * RTL_USER_PROCESS_PARAMETERS.CommandLine, read with ReadProcessMemory, which
 * needs PROCESS_VM_READ (and the query PROCESS_QUERY_INFORMATION; the limited
 * right is not enough). A 32-bit process cannot read a 64-bit one's PEB this
 * way. ERROR_SUCCESS and the text in buf (cap characters, terminated, cut at
 * cap - 1); otherwise why says what stood in the way.
 */
static DWORD ReadCommandLine(DWORD pid, wchar_t *buf, size_t cap, size_t *len, wchar_t *why, size_t why_cap)
{
    HANDLE process = NULL;
    DWORD err = ERROR_SUCCESS;
    BOOL self_wow = FALSE;
    BOOL other_wow = FALSE;
    QueryProcessFn query;
    PROCESS_BASIC_INFORMATION pbi;
    PRTL_USER_PROCESS_PARAMETERS params = NULL;
    UNICODE_STRING cmd;
    SIZE_T got = 0;
    size_t bytes;
    NTSTATUS status;

    memset(&cmd, 0, sizeof(cmd));
    process = OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE, pid);
    if (process == NULL) {
        err = GetLastError();
        IpcFormat(why, why_cap, L"its command line cannot be read (OpenProcess: error %lu%ls)", (unsigned long)err,
                  err == ERROR_ACCESS_DENIED ? L", access denied" : L"");
        goto cleanup;
    }
    if (IsWow64Process(GetCurrentProcess(), &self_wow) && self_wow && IsWow64Process(process, &other_wow) &&
        !other_wow) {
        err = ERROR_NOT_SUPPORTED;
        IpcFormat(why, why_cap,
                  L"it is a 64-bit process, whose command line this 32-bit controller cannot read; use the 64-bit "
                  L"ConsoleAppController.exe");
        goto cleanup;
    }
    query = (QueryProcessFn)(void (*)(void))GetProcAddress(GetModuleHandleW(L"ntdll.dll"),
                                                           "NtQueryInformationProcess");
    if (query == NULL) {
        err = GetLastError();
        IpcFormat(why, why_cap, L"its command line cannot be read (no NtQueryInformationProcess)");
        goto cleanup;
    }
    memset(&pbi, 0, sizeof(pbi));
    status = query(process, ProcessBasicInformation, &pbi, sizeof(pbi), NULL);
    if (status < 0 || pbi.PebBaseAddress == NULL) {
        err = ERROR_INVALID_DATA;
        IpcFormat(why, why_cap, L"its command line cannot be read (NtQueryInformationProcess: 0x%08lX)",
                  (unsigned long)status);
        goto cleanup;
    }
    if (!ReadProcessMemory(process, (const char *)pbi.PebBaseAddress + offsetof(PEB, ProcessParameters), &params,
                           sizeof(params), &got) ||
        params == NULL ||
        !ReadProcessMemory(process, (const char *)params + offsetof(RTL_USER_PROCESS_PARAMETERS, CommandLine), &cmd,
                           sizeof(cmd), &got)) {
        err = GetLastError();
        IpcFormat(why, why_cap, L"its command line cannot be read (ReadProcessMemory: error %lu)", (unsigned long)err);
        if (err == ERROR_SUCCESS) {
            err = ERROR_INVALID_DATA;
        }
        goto cleanup;
    }
    bytes = cmd.Length;
    if (bytes > (cap - 1) * sizeof(wchar_t)) {
        bytes = (cap - 1) * sizeof(wchar_t);
    }
    if (bytes > 0 && !ReadProcessMemory(process, cmd.Buffer, buf, bytes, &got)) {
        err = GetLastError();
        IpcFormat(why, why_cap, L"its command line cannot be read (ReadProcessMemory: error %lu)", (unsigned long)err);
        goto cleanup;
    }
    *len = bytes / sizeof(wchar_t);
    buf[*len] = L'\0';

cleanup:
    IpcHandleClose(&process);
    return err;
}

/* The C# sample's check and ours for a listener that published only its pid: its image, then its first argument. */
static DWORD CheckLaunchedFor(const wchar_t *name, const wchar_t *alias, DWORD pid, const wchar_t *sample_image,
                              HANDLE *out, wchar_t *why, size_t why_cap)
{
    HANDLE process = NULL;
    wchar_t *cmd = NULL;
    wchar_t first[MAX_PATH];
    size_t len = 0;
    DWORD err = IpcProcessOpenVerified(pid, 0, sample_image, 0, &process, why, why_cap);

    if (err != ERROR_SUCCESS) {
        goto cleanup;
    }
    cmd = (wchar_t *)HeapAlloc(GetProcessHeap(), 0, IDENTITY_CMD_MAX * sizeof(wchar_t));
    if (cmd == NULL) {
        err = ERROR_NOT_ENOUGH_MEMORY;
        IpcFormat(why, why_cap, L"no memory to read the command line of process %lu", (unsigned long)pid);
        goto cleanup;
    }
    err = ReadCommandLine(pid, cmd, IDENTITY_CMD_MAX, &len, why, why_cap);
    if (err != ERROR_SUCCESS) {
        goto cleanup;
    }
    if (!IpcCommandLineArg(cmd, len, 1, first, ARRAYSIZE(first))) {
        err = ERROR_INVALID_PARAMETER;
        IpcFormat(why, why_cap, L"process %lu was not started with an instance name as its first argument",
                  (unsigned long)pid);
        goto cleanup;
    }
    if (!SameInstance(first, name) && !SameInstance(first, alias)) {
        err = ERROR_INVALID_PARAMETER;
        IpcFormat(why, why_cap, L"process %lu is the listener of another instance ('%ls', not '%ls')",
                  (unsigned long)pid, first, name);
        goto cleanup;
    }
    *out = process;
    process = NULL;

cleanup:
    if (cmd != NULL) {
        HeapFree(GetProcessHeap(), 0, cmd);
    }
    IpcHandleClose(&process);
    return err;
}

DWORD IpcIdentityOpenListener(const wchar_t *name, const wchar_t *alias, const IpcHeader *hdr, IpcLayoutKind kind,
                              DWORD pid, const wchar_t *sample_image, HANDLE *out, wchar_t *why, size_t why_cap)
{
    HANDLE process = NULL;
    BOOL held = FALSE;
    DWORD err;

    if (pid == GetCurrentProcessId()) {
        IpcFormat(why, why_cap, L"process %lu is this process itself", (unsigned long)pid);
        return ERROR_INVALID_PARAMETER;
    }
    if (kind == IPC_LAYOUT_OURS && hdr->listener_pid == pid && hdr->listener_created != 0) {
        err = IpcProcessOpenVerified(pid, hdr->listener_created, NULL, 0, &process, why, why_cap);
        if (err != ERROR_SUCCESS) {
            return err;
        }
        err = IpcNamedMutexHeld(name, IPC_SUFFIX_LISTENER_MUTEX, &held, NULL);
        if (err == ERROR_SUCCESS && held) {
            *out = process;
            return ERROR_SUCCESS;
        }
        IpcHandleClose(&process);
        /*
         * Started at the published time, yet no listener of ours holds NAME: a
         * listener of the C# sample in our header (our controller recorded its
         * start time), or any process whose identity was written there. Only
         * the checks for the sample's listeners can prove it now.
         */
    }
    return CheckLaunchedFor(name, alias, pid, sample_image, out, why, why_cap);
}

DWORD IpcIdentityOpenStandby(const wchar_t *name, const wchar_t *alias, const IpcHeader *hdr, DWORD pid,
                             const wchar_t *sample_image, HANDLE *out, wchar_t *why, size_t why_cap)
{
    HANDLE process = NULL;
    uint64_t created = 0;
    DWORD err;

    if (pid == GetCurrentProcessId()) {
        IpcFormat(why, why_cap, L"process %lu is this process itself", (unsigned long)pid);
        return ERROR_INVALID_PARAMETER;
    }
    if (hdr->standby_pid != pid || hdr->standby_created == 0) {
        IpcFormat(why, why_cap, L"the header records no start time for the standby pid %lu", (unsigned long)pid);
        return ERROR_INVALID_PARAMETER;
    }
    err = CheckLaunchedFor(name, alias, pid, sample_image, &process, why, why_cap);
    if (err != ERROR_SUCCESS) {
        return err;
    }
    /* Checked on the handle that is returned, so the pid cannot have been reused in between. */
    err = IpcProcessCreationTime(process, &created);
    if (err == ERROR_SUCCESS && created != hdr->standby_created) {
        err = ERROR_INVALID_PARAMETER;
        IpcFormat(why, why_cap, L"process %lu was started at another time than the standby recorded",
                  (unsigned long)pid);
    } else if (err != ERROR_SUCCESS) {
        IpcFormat(why, why_cap, L"the start time of process %lu cannot be read (error %lu)", (unsigned long)pid,
                  (unsigned long)err);
    }
    if (err != ERROR_SUCCESS) {
        IpcHandleClose(&process);
        return err;
    }
    *out = process;
    return ERROR_SUCCESS;
}
