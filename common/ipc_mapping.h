/*
 * ipc_mapping.h - the named mapping NAME: offset 0 carries the C# sample's
 * message (a pid, or -1 to close), our header follows (ipc_layout.h).
 */
#ifndef IPC_MAPPING_H
#define IPC_MAPPING_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include "ipc_layout.h"

typedef struct IpcMapping {
    HANDLE section;           /* the file-mapping object */
    volatile IpcHeader *view; /* its first IPC_MAPPING_SIZE bytes (a whole page is mapped) */
    IpcLayoutKind kind;       /* what it held when created or opened */
    BOOL created;             /* TRUE when this process created it */
} IpcMapping;

/*
 * IpcMappingCreate - CreateFileMappingW + MapViewOfFile of NAME, IPC_MAPPING_SIZE
 * bytes backed by the paging file. When this call created the section it writes
 * an empty header (magic, version, size; message 0) and sets created. When the
 * name already existed the section is opened as it is and classified (a
 * listener of the C# sample keeps its 4-byte section). ERROR_INVALID_HANDLE
 * means NAME is a kernel object of another type; ERROR_INVALID_OWNER that it
 * belongs to someone we do not trust (IpcCheckOwner). A new section gets the
 * private DACL of IpcPrivateAttributes. On failure *out is untouched.
 */
DWORD IpcMappingCreate(const wchar_t *name, IpcMapping *out);

/*
 * IpcMappingCreateOrFail - IpcMappingCreate for a listener: on failure it
 * reports the reason, naming the call that failed (IpcFailName), and a mapping
 * that holds something else than a listener's data is refused (IpcFailLayout).
 * Returns IPC_EXIT_OK with *out filled, or the exit code of the report
 * (IPC_EXIT_NAME_IN_USE, IPC_EXIT_FAILURE) with *out untouched.
 */
int IpcMappingCreateOrFail(const wchar_t *name, IpcMapping *out);

/*
 * IpcMappingOpen - OpenFileMappingW + MapViewOfFile of an existing NAME for
 * reading and writing, classified. ERROR_FILE_NOT_FOUND when there is none,
 * ERROR_INVALID_OWNER when its owner is not trusted. On failure *out is untouched.
 */
DWORD IpcMappingOpen(const wchar_t *name, IpcMapping *out);

/*
 * IpcSectionOpen - OpenFileMappingW of the existing section NAME for reading
 * and writing, used only when its owner is trusted (IpcCheckNamedOwner).
 * ERROR_SUCCESS with the handle in *out; ERROR_FILE_NOT_FOUND when there is
 * none, ERROR_INVALID_HANDLE when NAME is another type of object,
 * ERROR_INVALID_OWNER when its owner is not trusted; *out then untouched.
 */
DWORD IpcSectionOpen(const wchar_t *name, HANDLE *out);

/*
 * IpcSectionMap - map all of section (opened or created with FILE_MAP_READ and
 * FILE_MAP_WRITE) for reading and writing, and check what the view is before a
 * byte of it is read: committed read-write memory of at least min_size bytes,
 * so that a section someone else made first (SEC_RESERVE, read-only,
 * copy-on-write) cannot fault or fool the reader. ERROR_SUCCESS with the view
 * in *view (UnmapViewOfFile frees it); otherwise the error (an
 * IPC_ERROR_SECTION_* code naming the problem) with *view untouched.
 */
DWORD IpcSectionMap(HANDLE section, SIZE_T min_size, volatile void **view);

/* IpcMappingClose - unmap and close, resetting both; safe on a zeroed or already closed mapping. */
void IpcMappingClose(IpcMapping *m);

/*
 * IpcMappingClassify - copy the header bytes as they are now and say what they
 * hold (see IpcLayoutClassify); the decoded header goes to *out and the reason
 * for IPC_LAYOUT_INVALID to *why, each when not NULL.
 */
IpcLayoutKind IpcMappingClassify(const IpcMapping *m, IpcHeader *out, const wchar_t **why);

/* Offset 0, read and written atomically (the C# sample's wire format). */
LONG IpcMappingReadMessage(const IpcMapping *m);
LONG IpcMappingExchangeMessage(const IpcMapping *m, LONG value);
/* Returns the value found; the swap happened when it equals expected. */
LONG IpcMappingCompareExchangeMessage(const IpcMapping *m, LONG value, LONG expected);

/*
 * IpcMappingSendClose - ask the listener to close: count the request in the
 * header when the layout is ours, then write -1 at offset 0. Returns the value
 * offset 0 held before (a pid, 0, or -1 when a close was already pending).
 */
LONG IpcMappingSendClose(const IpcMapping *m);

/*
 * IpcHeaderRead64 / IpcHeaderWrite64 - a 64-bit field of the header
 * (listener_created, controller_created, units, last_progress,
 * last_progress_tick) read or written
 * whole, never half old and half new, also in a 32-bit process, where a plain
 * access is two 32-bit moves. Every access to these fields in the mapping goes
 * through them. The field must be 8-byte aligned, as every one is in a view.
 */
uint64_t IpcHeaderRead64(const volatile uint64_t *field);
void IpcHeaderWrite64(volatile uint64_t *field, uint64_t value);

/* IpcMappingHeader - the header when the mapping holds our layout, else NULL. */
volatile IpcHeader *IpcMappingHeader(const IpcMapping *m);

#endif
