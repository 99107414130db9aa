/*
 * mapping.c - the shared mapping seen from outside: reading it, waiting for
 * fields of its header, and forging one (the state a test presents to the
 * programs before they start).
 */
#include "harness.h"

#include <string.h>

static void *MapByName(const wchar_t *name, DWORD access, HANDLE *section, SIZE_T *size)
{
    HANDLE h = OpenFileMappingW(access, FALSE, name);
    void *view = NULL;
    MEMORY_BASIC_INFORMATION info;

    if (h == NULL) {
        goto cleanup;
    }
    view = MapViewOfFile(h, access, 0, 0, 0);
    if (view == NULL) {
        goto cleanup;
    }
    /* A 4-byte section (the C# sample's) still maps a whole page. */
    *size = VirtualQuery(view, &info, sizeof(info)) == sizeof(info) ? info.RegionSize : 4;
    *section = h;
    h = NULL;

cleanup:
    if (h != NULL) {
        CloseHandle(h);
        h = NULL;
    }
    return view;
}

static void Unmap(void *view, HANDLE section)
{
    if (view != NULL) {
        UnmapViewOfFile(view);
    }
    if (section != NULL) {
        CloseHandle(section);
    }
}

BOOL TestMappingExists(const wchar_t *name)
{
    HANDLE h = OpenFileMappingW(FILE_MAP_READ, FALSE, name);

    if (h == NULL) {
        return FALSE;
    }
    CloseHandle(h);
    h = NULL;
    return TRUE;
}

BOOL TestReadBytes(const wchar_t *name, unsigned char *out, size_t len)
{
    HANDLE section = NULL;
    SIZE_T size = 0;
    void *view = MapByName(name, FILE_MAP_READ, &section, &size);
    size_t n = len;

    if (view == NULL) {
        return FALSE;
    }
    if (n > size) {
        n = size;
    }
    memset(out, 0, len);
    memcpy(out, view, n);
    Unmap(view, section);
    return TRUE;
}

BOOL TestReadMessage(const wchar_t *name, LONG *out)
{
    HANDLE section = NULL;
    SIZE_T size = 0;
    void *view = MapByName(name, FILE_MAP_READ, &section, &size);

    if (view == NULL) {
        return FALSE;
    }
    *out = *(volatile LONG *)view;
    Unmap(view, section);
    return TRUE;
}

BOOL TestWriteMessage(const wchar_t *name, LONG value)
{
    HANDLE section = NULL;
    SIZE_T size = 0;
    void *view = MapByName(name, FILE_MAP_READ | FILE_MAP_WRITE, &section, &size);

    if (view == NULL) {
        return FALSE;
    }
    *(volatile LONG *)view = value;
    Unmap(view, section);
    return TRUE;
}

BOOL TestWriteHeaderU32(const wchar_t *name, size_t offset, uint32_t value)
{
    HANDLE section = NULL;
    SIZE_T size = 0;
    void *view = MapByName(name, FILE_MAP_READ | FILE_MAP_WRITE, &section, &size);

    if (view == NULL) {
        return FALSE;
    }
    if (offset + sizeof(LONG) > size) {
        Unmap(view, section);
        return FALSE;
    }
    InterlockedExchange((volatile LONG *)((unsigned char *)view + offset), (LONG)value);
    Unmap(view, section);
    return TRUE;
}

DWORD TestWaitPublished(const wchar_t *name, DWORD not_pid, DWORD timeout_ms)
{
    ULONGLONG deadline = TestNowMs() + timeout_ms;
    LONG message = 0;

    for (;;) {
        if (TestReadMessage(name, &message) && message > 0 && (DWORD)message != not_pid &&
            TestPidAlive((DWORD)message)) {
            return (DWORD)message;
        }
        if (TestNowMs() >= deadline) {
            return 0;
        }
        Sleep(TEST_POLL_MS);
    }
}

uint16_t TestReadU16(const unsigned char *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

uint32_t TestReadU32(const unsigned char *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

uint64_t TestReadU64(const unsigned char *p)
{
    return (uint64_t)TestReadU32(p) | ((uint64_t)TestReadU32(p + 4) << 32);
}

uint32_t TestHeaderU32(const wchar_t *name, size_t offset)
{
    unsigned char bytes[HEADER_SIZE];

    ASSERT_MSG(TestReadBytes(name, bytes, sizeof(bytes)), L"no mapping %ls", name);
    return TestReadU32(bytes + offset);
}

uint64_t TestHeaderU64(const wchar_t *name, size_t offset)
{
    unsigned char bytes[HEADER_SIZE];

    ASSERT_MSG(TestReadBytes(name, bytes, sizeof(bytes)), L"no mapping %ls", name);
    return TestReadU64(bytes + offset);
}

/* Poll until the 32-bit header field at offset equals value. */
BOOL TestWaitHeaderU32(const wchar_t *name, size_t offset, uint32_t value, DWORD timeout_ms)
{
    ULONGLONG deadline = TestNowMs() + timeout_ms;
    unsigned char bytes[HEADER_SIZE];

    for (;;) {
        if (TestReadBytes(name, bytes, sizeof(bytes)) && TestReadU32(bytes + offset) == value) {
            return TRUE;
        }
        if (TestNowMs() >= deadline) {
            return FALSE;
        }
        Sleep(10);
    }
}

/* Poll until the units counter of the header reaches at least min. */
BOOL TestWaitUnitsAtLeast(const wchar_t *name, uint64_t min, DWORD timeout_ms)
{
    ULONGLONG deadline = TestNowMs() + timeout_ms;
    unsigned char bytes[HEADER_SIZE];

    for (;;) {
        if (TestReadBytes(name, bytes, sizeof(bytes)) && TestReadU64(bytes + OFF_UNITS) >= min) {
            return TRUE;
        }
        if (TestNowMs() >= deadline) {
            return FALSE;
        }
        Sleep(20);
    }
}

void TestPutU16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)(v & 0xFFu);
    p[1] = (unsigned char)((v >> 8) & 0xFFu);
}

void TestPutU32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v & 0xFFu);
    p[1] = (unsigned char)((v >> 8) & 0xFFu);
    p[2] = (unsigned char)((v >> 16) & 0xFFu);
    p[3] = (unsigned char)((v >> 24) & 0xFFu);
}

void TestPutU64(unsigned char *p, uint64_t v)
{
    TestPutU32(p, (uint32_t)(v & 0xFFFFFFFFu));
    TestPutU32(p + 4, (uint32_t)(v >> 32));
}

/* A valid header of version 1 (message and listener_pid = pid), for forging. */
void TestBuildHeader(unsigned char *bytes, DWORD pid, uint32_t state, uint64_t created)
{
    memset(bytes, 0, HEADER_SIZE);
    TestPutU32(bytes + OFF_MESSAGE, pid);
    TestPutU32(bytes + OFF_MAGIC, HEADER_MAGIC);
    TestPutU16(bytes + OFF_VERSION, HEADER_VERSION);
    TestPutU16(bytes + OFF_SIZE, HEADER_SIZE);
    TestPutU32(bytes + OFF_STATE, state);
    TestPutU32(bytes + OFF_LISTENER_PID, pid);
    TestPutU64(bytes + OFF_LISTENER_CREATED, created);
}

/*
 * Create the mapping NAME before any program does, size bytes big, holding
 * bytes[0..len): the stale or forged state a test wants to present. The caller
 * keeps the handle, so the mapping lives while the programs look at it.
 */
HANDLE TestCreateMapping(const wchar_t *name, DWORD size, const unsigned char *bytes, size_t len)
{
    HANDLE section = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, size, name);
    DWORD error = GetLastError();
    void *view = NULL;

    ASSERT_MSG(section != NULL, L"CreateFileMappingW(%ls) failed with error %lu", name, (unsigned long)error);
    ASSERT_MSG(error != ERROR_ALREADY_EXISTS, L"mapping %ls exists already", name);
    view = MapViewOfFile(section, FILE_MAP_WRITE, 0, 0, 0);
    ASSERT_MSG(view != NULL, L"MapViewOfFile(%ls) failed with error %lu", name, (unsigned long)GetLastError());
    memcpy(view, bytes, len);
    UnmapViewOfFile(view);
    return section;
}
