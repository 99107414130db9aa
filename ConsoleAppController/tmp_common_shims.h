/*
 * tmp_common_shims.h - TEMPORARY stand-ins for four functions of common/ that
 * are being written in parallel (ipc_path.h, ipc_handle.h, ipc_security.h,
 * ipc_named.h), with the same signatures, so that the controller builds until
 * they arrive. Drop this file, tmp_common_shims.c and the two lines that
 * include it (controller.h, task.c) when merging with common/.
 */
#ifndef TMP_COMMON_SHIMS_H
#define TMP_COMMON_SHIMS_H

#include "ipc_win.h"

/*
 * IpcFullPath - GetFullPathNameW of path into out (cap characters).
 * ERROR_FILENAME_EXCED_RANGE when it does not fit; out untouched on failure.
 */
DWORD IpcFullPath(const wchar_t *path, wchar_t *out, DWORD cap);

/* IpcHandleClose - close *h unless it is NULL or INVALID_HANDLE_VALUE, and set it to NULL. */
void IpcHandleClose(HANDLE *h);

/* IpcTokenSidString - the current user's SID as text into *out; the caller LocalFrees it. */
DWORD IpcTokenSidString(wchar_t **out);

/*
 * IpcNamedEventCreate - create, or open when it exists, the event NAME+SUFFIX
 * with the private DACL of IpcPrivateAttributes; an existing one is used only
 * when its owner is trusted (ERROR_INVALID_OWNER otherwise). *out untouched on
 * failure.
 */
DWORD IpcNamedEventCreate(const wchar_t *name, const wchar_t *suffix, BOOL manual_reset, HANDLE *out);

#endif
