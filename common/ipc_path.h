/*
 * ipc_path.h - file paths: the file name part, full paths, and files beside
 * this program.
 */
#ifndef IPC_PATH_H
#define IPC_PATH_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

/* IpcPathFileName - the part of a path after its last '\' or '/'. */
const wchar_t *IpcPathFileName(const wchar_t *path);

/*
 * IpcFullPath - GetFullPathNameW of path into out (cap characters).
 * ERROR_SUCCESS; ERROR_FILENAME_EXCED_RANGE when the full path does not fit;
 * otherwise the error GetFullPathNameW gave. out is untouched on failure.
 */
DWORD IpcFullPath(const wchar_t *path, wchar_t *out, DWORD cap);

/*
 * IpcSelfDirectoryFile - the full path of FILE in the folder of this process's
 * own executable (GetModuleFileNameW), written to out. ERROR_INSUFFICIENT_BUFFER
 * when it does not fit; out is untouched on failure.
 */
DWORD IpcSelfDirectoryFile(const wchar_t *file, wchar_t *out, DWORD cap);

#endif
