/*
 * ipc_identity.h - is this pid NAME's listener? A pid read from a mapping is
 * trusted (adopted, waited for, reported as running, terminated) only once
 * the process is proven to be the listener serving NAME: one check for the
 * controller's adoption, --stop, --status and the hang kill.
 */
#ifndef IPC_IDENTITY_H
#define IPC_IDENTITY_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
/*
 * IpcIdentityOpenStandby - open pid, named in our header hdr as NAME's standby
 * listener, only when it is proven to be that standby. A standby waits for
 * NAME's listener lock, so the lock proves nothing about it; instead the
 * process must have started at the header's standby_created, run the image
 * sample_image (its file name) and name NAME (or alias) as its first
 * argument, the checks IpcIdentityOpenListener makes for a listener that does
 * not hold the lock. The same return, rights, *out and why.
 */
DWORD IpcIdentityOpenStandby(const wchar_t *name, const wchar_t *alias, const IpcHeader *hdr, DWORD pid,
                             const wchar_t *sample_image, HANDLE *out, wchar_t *why, size_t why_cap);

#endif
#include <windows.h>

#include <stddef.h>

#include "ipc_layout.h"

/*
 * IpcIdentityOpenListener - open pid, found in NAME's mapping (header hdr of
 * layout kind), only when it is proven to be NAME's listener:
 *   - never this process itself;
 *   - our header naming that pid with its creation time: the process started
 *     at that time and NAME's listener lock (NAME + IPC_SUFFIX_LISTENER_MUTEX)
 *     is held by a live process, as every listener of ours holds it;
 *   - otherwise (the C# sample's 4-byte format, a header without the pid, or a
 *     lock nobody holds, as for a sample listener in our header): the image's
 *     file name is that of sample_image and the process's command line names
 *     NAME (or alias, when not NULL: the same instance spelled another way) as
 *     its first argument, which is how the C# sample's controller and ours
 *     launch it.
 * Returns ERROR_SUCCESS with a handle holding SYNCHRONIZE and
 * PROCESS_QUERY_LIMITED_INFORMATION only (ask for more at the moment it is
 * needed: IpcProcessTerminateVerified). Otherwise *out is untouched and why
 * holds a sentence saying why the pid is not trusted.
 */
DWORD IpcIdentityOpenListener(const wchar_t *name, const wchar_t *alias, const IpcHeader *hdr, IpcLayoutKind kind,
                              DWORD pid, const wchar_t *sample_image, HANDLE *out, wchar_t *why, size_t why_cap);

/*
 * IpcIdentityOpenStandby - open pid, named in our header hdr as NAME's standby
 * listener, only when it is proven to be that standby. A standby waits for
 * NAME's listener lock, so the lock proves nothing about it; instead the
 * process must have started at the header's standby_created, run the image
 * sample_image (its file name) and name NAME (or alias) as its first
 * argument, the checks IpcIdentityOpenListener makes for a listener that does
 * not hold the lock. The same return, rights, *out and why.
 */
DWORD IpcIdentityOpenStandby(const wchar_t *name, const wchar_t *alias, const IpcHeader *hdr, DWORD pid,
                             const wchar_t *sample_image, HANDLE *out, wchar_t *why, size_t why_cap);

#endif
