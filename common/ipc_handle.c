/*
 * ipc_handle.c - release helpers that accept NULL and reset what they release.
 */
#include "ipc_handle.h"

#include <string.h>

void IpcHandleClose(HANDLE *h)
{
    if (*h != NULL && *h != INVALID_HANDLE_VALUE) {
        CloseHandle(*h);
    }
    *h = NULL;
}

/*
 * The variable is read and reset through memcpy: every object pointer has the
 * same representation on Windows, and memcpy reads it without breaking C's
 * rules on accessing a wchar_t * through a void *.
 */
static void *TakePointer(void *pointer)
{
    void *memory;
    void *none = NULL;
    memcpy(&memory, pointer, sizeof(memory));
    memcpy(pointer, &none, sizeof(none));
    return memory;
}

void IpcHeapFree(void *pointer)
{
    void *memory = TakePointer(pointer);
    if (memory != NULL) {
        HeapFree(GetProcessHeap(), 0, memory);
    }
}

void IpcLocalFree(void *pointer)
{
    void *memory = TakePointer(pointer);
    if (memory != NULL) {
        LocalFree(memory);
    }
}
