/*
 * ipc_handle.h - release helpers for cleanup blocks. Each accepts what holds
 * nothing (NULL, INVALID_HANDLE_VALUE) and resets what it released, so a
 * cleanup block calls them unconditionally and twice is harmless.
 */
#ifndef IPC_HANDLE_H
#define IPC_HANDLE_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

/* IpcHandleClose - CloseHandle(*h) unless it is NULL or INVALID_HANDLE_VALUE; *h becomes NULL. */
void IpcHandleClose(HANDLE *h);

/*
 * IpcHeapFree - HeapFree (process heap) the memory a pointer variable points
 * to, unless it is NULL, and set the variable to NULL. pointer is the address
 * of that variable, of any object pointer type (e.g. IpcHeapFree(&buf) for a
 * wchar_t *buf).
 */
void IpcHeapFree(void *pointer);

/* IpcLocalFree - the same for memory the system allocated with LocalAlloc (SIDs as text, descriptors). */
void IpcLocalFree(void *pointer);

#endif
