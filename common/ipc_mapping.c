/*
 * ipc_mapping.c - the named mapping that carries the C# sample's message and our header.
 */
#include "ipc_mapping.h"

#include <stddef.h>
#include <string.h>

#include "ipc_error.h"
#include "ipc_exit.h"
#include "ipc_handle.h"
#include "ipc_layout.h"
#include "ipc_named.h"
#include "ipc_security.h"

/*
 * Offset 0 and the 32-bit counters are changed with Interlocked operations: the
 * mapping is page-aligned, so every field is naturally aligned, and the Win32
 * LONG is the same 32 bits as the int32 the C# sample writes.
 */
static volatile LONG *MessageField(const IpcMapping *m)
{
    return (volatile LONG *)&m->view->message;
}

/*
 * Both are built on InterlockedCompareExchange64 alone: it is atomic for an
 * 8-byte aligned value on every target, x86 included (lock cmpxchg8b), as the
 * function and the _InterlockedCompareExchange64 intrinsic it maps to are
 * documented for x86, ARM and x64:
 * https://learn.microsoft.com/windows/win32/api/winnt/nf-winnt-interlockedcompareexchange64,
 * https://learn.microsoft.com/cpp/intrinsics/interlockedcompareexchange-intrinsic-functions).
 * InterlockedExchange64 is not used: on x86 winnt.h builds it from the same
 * compare-exchange, and some headers (Wine's) do not declare it for x86. A read
 * is a compare-exchange of 0 with 0, which writes back the value it found: the
 * views are always mapped for writing.
 */
uint64_t IpcHeaderRead64(const volatile uint64_t *field)
{
    return (uint64_t)InterlockedCompareExchange64((volatile LONG64 *)field, 0, 0);
}

void IpcHeaderWrite64(volatile uint64_t *field, uint64_t value)
{
    volatile LONG64 *target = (volatile LONG64 *)field;
    LONG64 seen = *target; /* only a first guess: a torn value just fails the compare */
    LONG64 found;

    for (;;) {
        found = InterlockedCompareExchange64(target, (LONG64)value, seen);
        if (found == seen) {
            return;
        }
        seen = found;
    }
}

/* The byte offsets of the header's 64-bit fields, copied whole into a snapshot. */
static const size_t kWideFields[] = {offsetof(IpcHeader, listener_created), offsetof(IpcHeader, controller_created),
                                     offsetof(IpcHeader, units), offsetof(IpcHeader, last_progress),
                                     offsetof(IpcHeader, last_progress_tick), offsetof(IpcHeader, next_relaunch)};

/*
 * What the view really is, before a byte of it is read: committed, read-write
 * memory at least min_size bytes long (IPC_MAPPING_SIZE for NAME, which
 * IpcMappingClassify reads; a view of the C# sample's 4-byte section spans a
 * whole page, so it passes). Anyone of this user can create the section NAME first, and these
 * are the ways one that is not what it seems would hurt us:
 * - SEC_RESERVE (CreateFileMappingW): the view's pages are only reserved
 *   until the creator commits them with VirtualAlloc, and touching a reserved
 *   page is an access violation (learn.microsoft.com, "CreateFileMappingW
 *   function"; VirtualQuery reports MEM_RESERVE: "MEMORY_BASIC_INFORMATION
 *   structure").
 * - PAGE_READONLY or PAGE_WRITECOPY: MapViewOfFile with FILE_MAP_WRITE needs
 *   a PAGE_READWRITE (or PAGE_EXECUTE_READWRITE) section, so Windows refuses
 *   the view ("MapViewOfFile function"); Wine 8 maps it anyway, read-only or
 *   copy-on-write, which this check catches (a copy-on-write view would keep
 *   our writes private: no listener would ever see a close message).
 * Returns ERROR_SUCCESS or the IPC_ERROR_SECTION_* code naming the problem.
 */
static DWORD CheckView(const void *view, SIZE_T min_size)
{
    MEMORY_BASIC_INFORMATION info;

    if (VirtualQuery(view, &info, sizeof(info)) < sizeof(info)) {
        return GetLastError();
    }
    if (info.State != MEM_COMMIT) {
        return IPC_ERROR_SECTION_RESERVED;
    }
    if (info.Protect != PAGE_READWRITE) {
        return IPC_ERROR_SECTION_NOT_WRITABLE;
    }
    if (info.RegionSize < min_size) {
        return IPC_ERROR_SECTION_TOO_SMALL;
    }
    return ERROR_SUCCESS;
}

DWORD IpcSectionMap(HANDLE section, SIZE_T min_size, volatile void **view)
{
    DWORD err;
    void *p = MapViewOfFile(section, FILE_MAP_READ | FILE_MAP_WRITE, 0, 0, 0);

    if (p == NULL) {
        err = GetLastError();
        /* Our handle has FILE_MAP_WRITE: a refusal here is the section's own protection (see CheckView). */
        return err == ERROR_ACCESS_DENIED ? IPC_ERROR_SECTION_NOT_WRITABLE : err;
    }
    err = CheckView(p, min_size);
    if (err != ERROR_SUCCESS) {
        UnmapViewOfFile(p);
        return err;
    }
    *view = p;
    return ERROR_SUCCESS;
}

/* Maps the whole section (size 0): the C# sample's section is only 4 bytes, yet its view spans a page. */
static DWORD MapAll(HANDLE section, volatile IpcHeader **view)
{
    volatile void *p = NULL;
    DWORD err = IpcSectionMap(section, IPC_MAPPING_SIZE, &p);

    if (err == ERROR_SUCCESS) {
        *view = (volatile IpcHeader *)p;
    }
    return err;
}

IpcLayoutKind IpcMappingClassify(const IpcMapping *m, IpcHeader *out, const wchar_t **why)
{
    unsigned char bytes[IPC_MAPPING_SIZE];
    const volatile unsigned char *src = (const volatile unsigned char *)m->view;
    size_t i;
    IpcHeader decoded;
    IpcLayoutKind kind;

    /*
     * Another process may be writing; a torn copy of the small fields is caught
     * by the checks or the next read. The 64-bit fields are read whole, and
     * stored little-endian as the layout has them.
     */
    for (i = 0; i < ARRAYSIZE(bytes); i++) {
        bytes[i] = src[i];
    }
    for (i = 0; i < ARRAYSIZE(kWideFields); i++) {
        uint64_t v = IpcHeaderRead64((const volatile uint64_t *)(const volatile void *)(src + kWideFields[i]));
        size_t b;
        for (b = 0; b < 8; b++) {
            bytes[kWideFields[i] + b] = (unsigned char)((v >> (8 * b)) & 0xFFu);
        }
    }
    memset(&decoded, 0, sizeof(decoded));
    kind = IpcLayoutClassify(bytes, sizeof(bytes), &decoded, why);
    if (out != NULL) {
        *out = decoded;
    }
    return kind;
}

/*
 * The common end of IpcMappingCreate and IpcMappingOpen: map the section, write
 * the empty header if we created it, classify. Takes the section on success
 * (*out filled); on failure the caller still owns it and *out is untouched.
 */
static DWORD MapAndClassify(HANDLE section, BOOL created, IpcMapping *out)
{
    volatile IpcHeader *view = NULL;
    IpcMapping m;
    DWORD err = MapAll(section, &view);

    if (err != ERROR_SUCCESS) {
        return err;
    }
    if (created) {
        /* Only the creator writes the header, so the C# sample's section opened here is never grown or changed. */
        view->version = IPC_LAYOUT_VERSION;
        view->size = IPC_MAPPING_SIZE;
        InterlockedExchange((volatile LONG *)&view->magic, (LONG)IPC_LAYOUT_MAGIC);
    }
    m.section = section;
    m.view = view;
    m.created = created;
    m.kind = IPC_LAYOUT_INVALID;
    m.kind = IpcMappingClassify(&m, NULL, NULL);
    *out = m;
    return ERROR_SUCCESS;
}

static HANDLE CreateSection(SECURITY_ATTRIBUTES *sa, const wchar_t *name, const void *context)
{
    (void)context;
    return CreateFileMappingW(INVALID_HANDLE_VALUE, sa, PAGE_READWRITE, 0, IPC_MAPPING_SIZE, name);
}

static const IpcNamedType kSectionType = {CreateSection, L"CreateFileMappingW", OpenFileMappingW,
                                          L"OpenFileMappingW"};

/* IpcMappingCreate, saying which call failed (*failed_api) when it fails. */
static DWORD CreateMapping(const wchar_t *name, IpcMapping *out, const wchar_t **failed_api)
{
    HANDLE section = NULL;
    BOOL existed = FALSE;
    DWORD err = IpcNamedObjectCreate(&kSectionType, NULL, name, &section, &existed, failed_api);

    if (err != ERROR_SUCCESS) {
        goto cleanup;
    }
    err = MapAndClassify(section, !existed, out);
    if (err != ERROR_SUCCESS) {
        *failed_api = L"MapViewOfFile";
        goto cleanup;
    }
    section = NULL;

cleanup:
    IpcHandleClose(&section);
    return err;
}

DWORD IpcMappingCreate(const wchar_t *name, IpcMapping *out)
{
    const wchar_t *api = NULL;
    return CreateMapping(name, out, &api);
}

int IpcMappingCreateOrFail(const wchar_t *name, IpcMapping *out)
{
    IpcMapping m = {0};
    const wchar_t *api = NULL;
    const wchar_t *why = L"";
    DWORD code = CreateMapping(name, &m, &api);

    if (code != ERROR_SUCCESS) {
        return IpcFailName(api, code, name, L"file mapping");
    }
    if (m.kind == IPC_LAYOUT_INVALID) {
        IpcMappingClassify(&m, NULL, &why);
        IpcMappingClose(&m);
        return IpcFailLayout(name, why);
    }
    *out = m;
    return IPC_EXIT_OK;
}

DWORD IpcSectionOpen(const wchar_t *name, HANDLE *out)
{
    DWORD err;
    HANDLE section = OpenFileMappingW(FILE_MAP_READ | FILE_MAP_WRITE, FALSE, name);

    if (section == NULL) {
        return GetLastError();
    }
    err = IpcCheckNamedOwner(OpenFileMappingW, name);
    if (err != ERROR_SUCCESS) {
        CloseHandle(section);
        return err;
    }
    *out = section;
    return ERROR_SUCCESS;
}

DWORD IpcMappingOpen(const wchar_t *name, IpcMapping *out)
{
    HANDLE section = NULL;
    DWORD err = IpcSectionOpen(name, &section);

    if (err != ERROR_SUCCESS) {
        goto cleanup;
    }
    err = MapAndClassify(section, FALSE, out);
    if (err == ERROR_SUCCESS) {
        section = NULL;
    }

cleanup:
    IpcHandleClose(&section);
    return err;
}

void IpcMappingClose(IpcMapping *m)
{
    if (m->view != NULL) {
        UnmapViewOfFile((const void *)m->view);
        m->view = NULL;
    }
    IpcHandleClose(&m->section);
}

LONG IpcMappingReadMessage(const IpcMapping *m)
{
    return InterlockedCompareExchange(MessageField(m), 0, 0);
}

LONG IpcMappingExchangeMessage(const IpcMapping *m, LONG value)
{
    return InterlockedExchange(MessageField(m), value);
}

LONG IpcMappingCompareExchangeMessage(const IpcMapping *m, LONG value, LONG expected)
{
    return InterlockedCompareExchange(MessageField(m), value, expected);
}

volatile IpcHeader *IpcMappingHeader(const IpcMapping *m)
{
    /* Checked live, not from m->kind: the header may have been written after we opened the mapping. */
    if (m->view == NULL || m->view->magic != IPC_LAYOUT_MAGIC || m->view->version != IPC_LAYOUT_VERSION ||
        m->view->size != IPC_MAPPING_SIZE) {
        return NULL;
    }
    return m->view;
}

LONG IpcMappingSendClose(const IpcMapping *m)
{
    volatile IpcHeader *h = IpcMappingHeader(m);
    /*
     * The request is counted before -1 is written: a listener that is just
     * publishing its pid may legally overwrite a stale -1, but it compares the
     * counters after its swap and so still sees this request.
     */
    if (h != NULL) {
        InterlockedIncrement((volatile LONG *)&h->stop_requests);
    }
    return IpcMappingExchangeMessage(m, IPC_CLOSE_MESSAGE);
}
