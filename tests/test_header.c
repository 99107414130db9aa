/*
 * test_header.c - the header's 64-bit fields as another process sees them.
 *
 * In a 32-bit process a plain 64-bit store or load is two 32-bit moves, so a
 * reader can see one half old and one half new. tests/run.sh runs this test
 * from the 32-bit build (bin/i686/ipc_tests.exe) too, where that can happen;
 * in the 64-bit build every aligned access is whole anyway.
 */
#include "harness/harness.h"

#include "ipc_mapping.h"

/* Two values whose halves differ: a torn read of one over the other is neither. */
#define WIDE_A 0x00000000FFFFFFFFull
#define WIDE_B 0xFFFFFFFF00000000ull
#define HAMMER_MS 1500u

typedef struct Hammer {
    volatile IpcHeader *view; /* the writer's own view of the mapping */
    volatile LONG stop;
    volatile LONG writes;
} Hammer;

/* Writes A and B in turn into units and last_progress until told to stop. */
static DWORD WINAPI HammerWriter(LPVOID param)
{
    Hammer *hammer = (Hammer *)param;
    uint64_t value = WIDE_A;

    while (InterlockedCompareExchange(&hammer->stop, 0, 0) == 0) {
        IpcHeaderWrite64(&hammer->view->units, value);
        IpcHeaderWrite64(&hammer->view->last_progress, value);
        value = value == WIDE_A ? WIDE_B : WIDE_A;
        InterlockedIncrement(&hammer->writes);
    }
    return 0;
}

static BOOL IsWhole(uint64_t v)
{
    return v == WIDE_A || v == WIDE_B;
}

TEST_IMPL(header_64bit_fields_whole)
{
    wchar_t name[TEST_TEXT_CAP];
    IpcMapping writer = {0};
    IpcMapping reader = {0};
    IpcHeader snapshot;
    Hammer hammer;
    HANDLE thread;
    ULONGLONG deadline;
    unsigned long reads = 0;
    unsigned long snapshots = 0;
    uint64_t v;
    int bits = (int)(sizeof(void *) * 8);

    TestUniqueName(L"wide", name, TEST_TEXT_CAP);
    ASSERT_EQ_INT(IpcMappingCreate(name, &writer), ERROR_SUCCESS);
    /* A second view of the same section, as another process has. */
    ASSERT_EQ_INT(IpcMappingOpen(name, &reader), ERROR_SUCCESS);
    ASSERT(reader.view != writer.view);
    IpcHeaderWrite64(&writer.view->units, WIDE_A);
    IpcHeaderWrite64(&writer.view->last_progress, WIDE_A);

    hammer.view = writer.view;
    hammer.stop = 0;
    hammer.writes = 0;
    thread = CreateThread(NULL, 0, HammerWriter, &hammer, 0, NULL);
    ASSERT(thread != NULL);
    deadline = TestNowMs() + HAMMER_MS;
    while (TestNowMs() < deadline) {
        v = IpcHeaderRead64(&reader.view->units);
        if (!IsWhole(v)) {
            InterlockedExchange(&hammer.stop, 1);
            TestFail(__FILE__, __LINE__, L"%d-bit build: units read as 0x%016llX, half of each written value",
                     bits, (unsigned long long)v);
        }
        reads++;
        /* The snapshot --status, --stop and the controller decode. */
        if (IpcMappingClassify(&reader, &snapshot, NULL) == IPC_LAYOUT_OURS) {
            if (!IsWhole(snapshot.units) || !IsWhole(snapshot.last_progress)) {
                InterlockedExchange(&hammer.stop, 1);
                TestFail(__FILE__, __LINE__,
                         L"%d-bit build: a snapshot holds units 0x%016llX, last_progress 0x%016llX: torn", bits,
                         (unsigned long long)snapshot.units, (unsigned long long)snapshot.last_progress);
            }
            snapshots++;
        }
    }
    InterlockedExchange(&hammer.stop, 1);
    WaitForSingleObject(thread, INFINITE);
    CloseHandle(thread);
    TestPrint(L"%d-bit build: %ld writes, %lu reads, %lu snapshots, none torn", bits, (long)hammer.writes, reads,
            snapshots);
    /* Enough of each to have had every chance to overlap. */
    ASSERT_MSG(hammer.writes > 1000 && reads > 1000 && snapshots > 1000,
               L"too few accesses to show anything: %ld writes, %lu reads, %lu snapshots", (long)hammer.writes, reads,
               snapshots);
    IpcMappingClose(&reader);
    IpcMappingClose(&writer);
}
