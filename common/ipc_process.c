/*
 * ipc_process.c - process identity: creation time, alive, verified opening.
 */
#include "ipc_process.h"

#include "ipc_handle.h"
#include "ipc_path.h"
#include "ipc_text.h"
#include "ipc_time.h"

DWORD IpcProcessCreationTime(HANDLE process, uint64_t *out)
{
    FILETIME created, exited, kernel, user;
    if (!GetProcessTimes(process, &created, &exited, &kernel, &user)) {
        return GetLastError();
    }
    *out = IpcFileTimeToU64(created);
    return ERROR_SUCCESS;
}

/* 0 until read; every thread that reads it writes the same value, so a race between two is harmless. */
static volatile LONG64 g_self_created = 0;

DWORD IpcProcessSelfCreationTime(uint64_t *out)
{
    uint64_t created = (uint64_t)InterlockedCompareExchange64(&g_self_created, 0, 0);
    DWORD err;

    if (created == 0) {
        err = IpcProcessCreationTime(GetCurrentProcess(), &created);
        if (err != ERROR_SUCCESS) {
            return err;
        }
        InterlockedCompareExchange64(&g_self_created, (LONG64)created, 0);
    }
    *out = created;
    return ERROR_SUCCESS;
}

BOOL IpcProcessIsAlive(HANDLE process)
{
    return WaitForSingleObject(process, 0) == WAIT_TIMEOUT;
}

DWORD IpcProcessOpenVerified(DWORD pid, uint64_t expected_created, const wchar_t *expected_image, DWORD access,
                             HANDLE *out, wchar_t *why, size_t why_cap)
{
    DWORD err = ERROR_SUCCESS;
    HANDLE process = NULL;
    uint64_t created = 0;
    wchar_t image[MAX_PATH * 2];
    DWORD image_len = ARRAYSIZE(image);

    if (pid == 0 || pid > 0x7FFFFFFFu) {
        err = ERROR_INVALID_PARAMETER;
        IpcFormat(why, why_cap, L"%lu is not a valid process id", (unsigned long)pid);
        goto cleanup;
    }
    process = OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION | access, FALSE, pid);
    if (process == NULL) {
        err = GetLastError();
        /* ERROR_INVALID_PARAMETER is how OpenProcess says that no process has this id. */
        if (err == ERROR_INVALID_PARAMETER) {
            IpcFormat(why, why_cap, L"no process with id %lu is running", (unsigned long)pid);
        } else {
            IpcFormat(why, why_cap, L"process %lu cannot be opened (error %lu)", (unsigned long)pid,
                   (unsigned long)err);
        }
        goto cleanup;
    }
    if (!IpcProcessIsAlive(process)) {
        err = ERROR_INVALID_PARAMETER;
        IpcFormat(why, why_cap, L"process %lu has already exited", (unsigned long)pid);
        goto cleanup;
    }
    if (expected_created != 0) {
        err = IpcProcessCreationTime(process, &created);
        if (err != ERROR_SUCCESS) {
            IpcFormat(why, why_cap, L"the start time of process %lu cannot be read (error %lu)", (unsigned long)pid,
                   (unsigned long)err);
            goto cleanup;
        }
        if (created != expected_created) {
            /* Windows reuses process ids: same id, different start time, different process. */
            err = ERROR_INVALID_PARAMETER;
            IpcFormat(why, why_cap, L"process %lu was started at another time than the one that published it",
                   (unsigned long)pid);
            goto cleanup;
        }
    }
    if (expected_image != NULL) {
        if (!QueryFullProcessImageNameW(process, 0, image, &image_len)) {
            err = GetLastError();
            IpcFormat(why, why_cap, L"the image of process %lu cannot be read (error %lu)", (unsigned long)pid,
                   (unsigned long)err);
            goto cleanup;
        }
        if (CompareStringOrdinal(IpcPathFileName(image), -1, IpcPathFileName(expected_image), -1, TRUE) != CSTR_EQUAL) {
            err = ERROR_INVALID_PARAMETER;
            IpcFormat(why, why_cap, L"process %lu is %ls, not %ls", (unsigned long)pid, IpcPathFileName(image),
                   IpcPathFileName(expected_image));
            goto cleanup;
        }
    }
    *out = process;
    process = NULL;
    err = ERROR_SUCCESS;

cleanup:
    IpcHandleClose(&process);
    return err;
}

DWORD IpcProcessTerminateVerified(HANDLE process, UINT exit_code, wchar_t *why, size_t why_cap)
{
    DWORD pid = GetProcessId(process);
    DWORD err;
    HANDLE strong = NULL;
    uint64_t created = 0;

    err = IpcProcessCreationTime(process, &created);
    if (err != ERROR_SUCCESS) {
        IpcFormat(why, why_cap, L"the start time of process %lu cannot be read (error %lu)", (unsigned long)pid,
                  (unsigned long)err);
        goto cleanup;
    }
    /* The same check as on opening, with the right to terminate asked for at the moment it is used. */
    err = IpcProcessOpenVerified(pid, created, NULL, PROCESS_TERMINATE, &strong, why, why_cap);
    if (err == ERROR_ACCESS_DENIED) {
        IpcFormat(why, why_cap,
                  L"access denied: this user may not terminate process %lu (it belongs to another user, is elevated, "
                  L"or denies termination)",
                  (unsigned long)pid);
    }
    if (err != ERROR_SUCCESS) {
        goto cleanup;
    }
    if (!TerminateProcess(strong, exit_code)) {
        err = GetLastError();
        IpcFormat(why, why_cap, L"TerminateProcess failed for process %lu (error %lu%ls)", (unsigned long)pid,
                  (unsigned long)err, err == ERROR_ACCESS_DENIED ? L", access denied" : L"");
    }

cleanup:
    IpcHandleClose(&strong);
    return err;
}

/*
 * An inheritable copy of one standard handle for a child, or the NUL device
 * when there is none. Console handles of Windows 7 are pseudo-handles (low two
 * bits set) that the handle list refuses; they reach a child through the
 * console itself, so they are handed over as they are and not listed.
 */
static DWORD ChildHandle(HANDLE source, BOOL write, HANDLE *copy, HANDLE *listed)
{
    SECURITY_ATTRIBUTES inherit = {sizeof(inherit), NULL, TRUE};
    HANDLE self = GetCurrentProcess();

    if (source != NULL && source != INVALID_HANDLE_VALUE) {
        if (((ULONG_PTR)source & 3) == 3 && GetFileType(source) == FILE_TYPE_CHAR) {
            *listed = NULL;
            *copy = NULL;
            return ERROR_SUCCESS;
        }
        if (DuplicateHandle(self, source, self, copy, 0, TRUE, DUPLICATE_SAME_ACCESS)) {
            *listed = *copy;
            return ERROR_SUCCESS;
        }
    }
    *copy = CreateFileW(L"NUL", write ? GENERIC_WRITE : GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE,
                        &inherit, OPEN_EXISTING, 0, NULL);
    if (*copy == INVALID_HANDLE_VALUE) {
        *copy = NULL;
        return GetLastError();
    }
    *listed = *copy;
    return ERROR_SUCCESS;
}

DWORD IpcChildStdioInit(IpcChildStdio *c, HANDLE in, HANDLE out, HANDLE err)
{
    HANDLE sources[3];
    SIZE_T size = 0;
    DWORD code = ERROR_SUCCESS;
    DWORD listed = 0;
    int i;

    sources[0] = in;
    sources[1] = out;
    sources[2] = err;
    ZeroMemory(c, sizeof(*c));
    c->si.StartupInfo.cb = sizeof(c->si);
    c->si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
    for (i = 0; i < 3 && code == ERROR_SUCCESS; i++) {
        HANDLE named = NULL;
        code = ChildHandle(sources[i], i > 0, &c->copies[i], &named);
        if (named != NULL) {
            c->list[listed++] = named;
        }
    }
    if (code != ERROR_SUCCESS) {
        goto cleanup;
    }
    c->si.StartupInfo.hStdInput = c->copies[0] != NULL ? c->copies[0] : in;
    c->si.StartupInfo.hStdOutput = c->copies[1] != NULL ? c->copies[1] : out;
    c->si.StartupInfo.hStdError = c->copies[2] != NULL ? c->copies[2] : err;
    if (listed == 0) {
        /* Nothing to inherit but console pseudo-handles: no list needed (CreateProcessW then inherits all). */
        goto cleanup;
    }
    /*
     * PROC_THREAD_ATTRIBUTE_HANDLE_LIST: the child inherits these handles and
     * no other, whatever else this process holds as inheritable
     * (learn.microsoft.com/windows/win32/api/processthreadsapi/nf-processthreadsapi-updateprocthreadattribute:
     * the handles must themselves be inheritable). The first call only sizes the list.
     */
    InitializeProcThreadAttributeList(NULL, 1, 0, &size);
    c->si.lpAttributeList = (LPPROC_THREAD_ATTRIBUTE_LIST)HeapAlloc(GetProcessHeap(), 0, size);
    if (c->si.lpAttributeList == NULL) {
        code = ERROR_NOT_ENOUGH_MEMORY;
        goto cleanup;
    }
    if (!InitializeProcThreadAttributeList(c->si.lpAttributeList, 1, 0, &size)) {
        code = GetLastError();
        HeapFree(GetProcessHeap(), 0, c->si.lpAttributeList);
        c->si.lpAttributeList = NULL;
        goto cleanup;
    }
    if (!UpdateProcThreadAttribute(c->si.lpAttributeList, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, c->list,
                                   listed * sizeof(HANDLE), NULL, NULL)) {
        code = GetLastError();
        goto cleanup;
    }

cleanup:
    if (code != ERROR_SUCCESS) {
        IpcChildStdioRelease(c);
    }
    return code;
}

void IpcChildStdioRelease(IpcChildStdio *c)
{
    int i;

    if (c->si.lpAttributeList != NULL) {
        DeleteProcThreadAttributeList(c->si.lpAttributeList);
        HeapFree(GetProcessHeap(), 0, c->si.lpAttributeList);
        c->si.lpAttributeList = NULL;
    }
    for (i = 0; i < 3; i++) {
        IpcHandleClose(&c->copies[i]);
    }
}

BOOL IpcProcessAliveSince(DWORD pid, uint64_t created)
{
    HANDLE process = NULL;
    BOOL alive;

    if (created == 0 || IpcProcessOpenVerified(pid, created, NULL, 0, &process, NULL, 0) != ERROR_SUCCESS) {
        return FALSE;
    }
    alive = IpcProcessIsAlive(process);
    IpcHandleClose(&process);
    return alive;
}
