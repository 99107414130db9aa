/*
 * ipc_process.c - process identity, paths and the single-owner mutexes.
 */
#include "ipc_win.h"

#include <stdio.h>
#include <string.h>

uint64_t IpcFileTimeToU64(FILETIME ft)
{
    return ((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
}

uint64_t IpcNowU64(void)
{
    FILETIME ft;
    GetSystemTimeAsFileTime(&ft);
    return IpcFileTimeToU64(ft);
}

DWORD IpcProcessCreationTime(HANDLE process, uint64_t *out)
{
    FILETIME created, exited, kernel, user;
    if (!GetProcessTimes(process, &created, &exited, &kernel, &user)) {
        return GetLastError();
    }
    *out = IpcFileTimeToU64(created);
    return ERROR_SUCCESS;
}

BOOL IpcProcessIsAlive(HANDLE process)
{
    return WaitForSingleObject(process, 0) == WAIT_TIMEOUT;
}

const wchar_t *IpcPathFileName(const wchar_t *path)
{
    const wchar_t *name = path;
    const wchar_t *p;
    for (p = path; *p != L'\0'; p++) {
        if (*p == L'\\' || *p == L'/') {
            name = p + 1;
        }
    }
    return name;
}

DWORD IpcProcessOpenVerified(DWORD pid, uint64_t expected_created, const wchar_t *expected_image, DWORD access,
                             HANDLE *out, wchar_t *why, size_t why_cap)
{
    DWORD err = ERROR_SUCCESS;
    HANDLE process = NULL;
    uint64_t created = 0;
    wchar_t image[MAX_PATH * 2];
    DWORD image_len = (DWORD)(sizeof(image) / sizeof(image[0]));

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
    if (process != NULL) {
        CloseHandle(process);
        process = NULL;
    }
    return err;
}

DWORD IpcSelfDirectoryFile(const wchar_t *file, wchar_t *out, DWORD cap)
{
    wchar_t self[MAX_PATH * 4];
    DWORD cap_self = (DWORD)(sizeof(self) / sizeof(self[0]));
    DWORD n = GetModuleFileNameW(NULL, self, cap_self);
    size_t dir_len;
    size_t file_len = wcslen(file);

    if (n == 0) {
        return GetLastError();
    }
    if (n >= cap_self) {
        return ERROR_INSUFFICIENT_BUFFER;
    }
    dir_len = (size_t)(IpcPathFileName(self) - self);
    if (dir_len + file_len + 1 > cap) {
        return ERROR_INSUFFICIENT_BUFFER;
    }
    memcpy(out, self, dir_len * sizeof(wchar_t));
    memcpy(out + dir_len, file, (file_len + 1) * sizeof(wchar_t));
    return ERROR_SUCCESS;
}

DWORD IpcNamedMutexTryAcquire(const wchar_t *name, const wchar_t *suffix, HANDLE *out)
{
    DWORD err = ERROR_SUCCESS;
    HANDLE mutex = NULL;
    wchar_t full[MAX_PATH];
    SECURITY_ATTRIBUTES *sa = NULL;

    if (!IpcDerivedName(name, suffix, full, MAX_PATH)) {
        err = ERROR_FILENAME_EXCED_RANGE;
        goto cleanup;
    }
    err = IpcPrivateAttributes(&sa);
    if (err != ERROR_SUCCESS) {
        goto cleanup;
    }
    mutex = CreateMutexW(sa, FALSE, full);
    err = GetLastError();
    if (mutex == NULL) {
        goto cleanup;
    }
    if (err == ERROR_ALREADY_EXISTS) {
        /* A lock someone else created first could keep us out for ever: use it only if it is ours. */
        err = IpcCheckNamedOwner(OpenMutexW, full);
        if (err != ERROR_SUCCESS) {
            goto cleanup;
        }
    }
    switch (WaitForSingleObject(mutex, 0)) {
    case WAIT_OBJECT_0:
    case WAIT_ABANDONED: /* its owner died without releasing it: it is ours now */
        *out = mutex;
        mutex = NULL;
        err = ERROR_SUCCESS;
        break;
    case WAIT_TIMEOUT:
        err = ERROR_ALREADY_EXISTS;
        break;
    default:
        err = GetLastError();
        break;
    }

cleanup:
    if (mutex != NULL) {
        CloseHandle(mutex);
        mutex = NULL;
    }
    return err;
}
