/*
 * ipc_path.c - file paths: the file name part, full paths, files beside this program.
 */
#include "ipc_path.h"

#include <string.h>

#include "ipc_text.h"

/* The longest full path IpcFullPath resolves, in characters: what the kernel's UNICODE_STRING can hold. */
#define IPC_FULL_PATH_MAX 32767

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

DWORD IpcFullPath(const wchar_t *path, wchar_t *out, DWORD cap)
{
    wchar_t small[MAX_PATH * 2];
    wchar_t *full = small;
    DWORD full_cap = ARRAYSIZE(small);
    DWORD err = ERROR_SUCCESS;
    DWORD n;

    /* Resolved into a buffer of our own, so that out stays untouched when the result does not fit. */
    n = GetFullPathNameW(path, full_cap, full, NULL);
    if (n >= full_cap && n <= IPC_FULL_PATH_MAX) {
        full_cap = n;
        full = (wchar_t *)HeapAlloc(GetProcessHeap(), 0, (SIZE_T)full_cap * sizeof(wchar_t));
        if (full == NULL) {
            err = ERROR_NOT_ENOUGH_MEMORY;
            goto cleanup;
        }
        n = GetFullPathNameW(path, full_cap, full, NULL);
    }
    if (n == 0) {
        err = GetLastError();
        goto cleanup;
    }
    if (n >= full_cap || n >= cap) {
        err = ERROR_FILENAME_EXCED_RANGE;
        goto cleanup;
    }
    memcpy(out, full, ((size_t)n + 1) * sizeof(wchar_t));

cleanup:
    if (full != small) {
        HeapFree(GetProcessHeap(), 0, full);
    }
    return err;
}

DWORD IpcSelfDirectoryFile(const wchar_t *file, wchar_t *out, DWORD cap)
{
    wchar_t self[MAX_PATH * 4];
    DWORD cap_self = ARRAYSIZE(self);
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
