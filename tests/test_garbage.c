/*
 * test_garbage.c - garbage in the shared mapping: random bytes and forged headers
 * written into a live listener's mapping, a supervised one, and one a new
 * controller finds; nothing crashes, nothing is adopted.
 */
#include "harness/harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Garbage rounds written into a live mapping, and the pause after each (a few 50 ms units in all). */
#define GARBAGE_ROUNDS 40u

#define GARBAGE_PAUSE_MS 20u

/* Rounds before this one keep stop_requests == stop_acked, so a listener has no reason to stop and keeps reading. */
#define GARBAGE_CALM_ROUNDS 30u

/*
 * Garbage for one round: random bytes from salt, offset 0 never -1 (that is
 * the real close message, not garbage). keep_magic: magic, version and size
 * valid, so a program that checks only those takes the rest as its header;
 * keep_counters: stop_requests == stop_acked, so no stop is asked for.
 */
static void MakeGarbage(unsigned char *b, uint32_t salt, BOOL keep_magic, BOOL keep_counters)
{
    TestFillRandom(b, HEADER_SIZE, salt);
    if (TestReadU32(b) == 0xFFFFFFFFu) {
        TestPutU32(b, 0x7A7A7A7Au);
    }
    if (keep_magic) {
        TestPutU32(b + OFF_MAGIC, HEADER_MAGIC);
        TestPutU16(b + OFF_VERSION, HEADER_VERSION);
        TestPutU16(b + OFF_SIZE, HEADER_SIZE);
    }
    if (keep_counters) {
        memcpy(b + OFF_STOP_ACKED, b + OFF_STOP_REQUESTS, 4);
    }
}

/* A read-write view of the mapping NAME, opened from outside like any other process of the user would. */
static volatile unsigned char *OpenView(const wchar_t *name, HANDLE *section)
{
    HANDLE h = OpenFileMappingW(FILE_MAP_READ | FILE_MAP_WRITE, FALSE, name);
    void *view;
    DWORD error;

    if (h == NULL) {
        error = GetLastError();
        TestFail(__FILE__, __LINE__, L"OpenFileMappingW(%ls) failed with error %lu", name, (unsigned long)error);
    }
    view = MapViewOfFile(h, FILE_MAP_READ | FILE_MAP_WRITE, 0, 0, 0);
    if (view == NULL) {
        error = GetLastError();
        CloseHandle(h);
        TestFail(__FILE__, __LINE__, L"MapViewOfFile(%ls) failed with error %lu", name, (unsigned long)error);
    }
    *section = h;
    return (volatile unsigned char *)view;
}

static void CloseView(volatile unsigned char *view, HANDLE section)
{
    if (view != NULL) {
        UnmapViewOfFile((const void *)view);
    }
    if (section != NULL) {
        CloseHandle(section);
    }
}

/* Byte by byte, as garbage from another program would arrive; the programs must cope with torn values too. */
static void WriteView(volatile unsigned char *view, const unsigned char *bytes, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        view[i] = bytes[i];
    }
}

/* Exit codes the controller reported for its listeners ("... exited with code N"): none may be an exception. */
static void AssertNoCrashReported(TestProc *controller)
{
    const wchar_t *out = TestOutputText(controller);
    const wchar_t *p;
    unsigned long code;

    for (p = wcsstr(out, L"exited with code "); p != NULL; p = wcsstr(p + 1, L"exited with code ")) {
        code = wcstoul(p + wcslen(L"exited with code "), NULL, 10);
        ASSERT_MSG(code < EXCEPTION_EXIT_CODES, L"a listener died of exception 0x%08lX:\n%ls", code, out);
    }
}

/*
 * Still running, or exited 0; never an exception. A controller may also end
 * with exit 7 once a listener it launched refused the garbled mapping at once
 * (exit 7): relaunching would only meet the same refusal. Returns TRUE while
 * it runs.
 */
static BOOL RunningOrClean(TestProc *proc, const wchar_t *what, unsigned round)
{
    DWORD code = 0;

    if (TestIsRunning(proc)) {
        return TRUE;
    }
    ASSERT(TestWaitExit(proc, 5000, &code));
    if (code == IPC_EXIT_NAME_IN_USE && wcscmp(what, L"controller") == 0 &&
        wcsstr(TestOutputText(proc), L"exited with code 7") != NULL) {
        return FALSE;
    }
    ASSERT_MSG(code == 0, L"the %ls exited with 0x%08lX after garbage round %u:\n%ls", what, (unsigned long)code,
               round, TestOutputText(proc));
    return FALSE;
}

/*
 * Random bytes written over a live listener's mapping, 40 rounds with fixed
 * salts: it keeps working (units go on) or stops, never crashes, and the C# sample's
 * close message still stops it afterwards.
 */
TEST_IMPL(security_garbage_live_listener)
{
    wchar_t name[TEST_TEXT_CAP];
    unsigned char bytes[HEADER_SIZE];
    volatile unsigned char *view;
    HANDLE section = NULL;
    TestProc *listener;
    unsigned round;
    size_t units;
    BOOL running = TRUE;

    TestUniqueName(L"garbagelistener", name, TEST_TEXT_CAP);
    listener = TestStartListener(name, 50);
    ASSERT_OUTPUT(listener, TEXT_PROCESSING, 5000);
    view = OpenView(name, &section);
    for (round = 0; round < GARBAGE_ROUNDS && running; round++) {
        MakeGarbage(bytes, 0xC0FFEEu + round * 7919u, round % 3 == 1 && round < GARBAGE_CALM_ROUNDS,
                    round < GARBAGE_CALM_ROUNDS);
        WriteView(view, bytes, sizeof(bytes));
        Sleep(GARBAGE_PAUSE_MS);
        running = RunningOrClean(listener, L"listener", round);
        if (running && round + 1 == GARBAGE_CALM_ROUNDS) {
            /* No stop was asked for: a listener still running must still be doing units, not be wedged. */
            units = TestCountOutput(listener, TEXT_PROCESSING);
            ASSERT_MSG(TestWaitOutputCount(listener, TEXT_PROCESSING, units + 2, 5000),
                       L"the listener stopped doing units after garbage:\n%ls", TestOutputText(listener));
        }
    }
    if (running) {
        InterlockedExchange((volatile LONG *)view, -1);
        ASSERT_EXIT(listener, 0, 5000);
    }
    CloseView(view, section);
}

/*
 * The same garbage while a controller supervises the listener: neither crashes
 * (the controller runs on, ends 0, or ends 7 when a relaunched listener refused
 * the garbage at once; every listener exit it reports is a plain exit code),
 * and the C# sample's close message still ends it all.
 */
TEST_IMPL(security_garbage_supervised)
{
    wchar_t name[TEST_TEXT_CAP];
    unsigned char bytes[HEADER_SIZE];
    volatile unsigned char *view;
    HANDLE section = NULL;
    TestProc *controller;
    unsigned round;
    BOOL running = TRUE;
    ULONGLONG deadline;

    TestUniqueName(L"garbagesupervised", name, TEST_TEXT_CAP);
    /* Short pauses: a listener refusing the garbled mapping is relaunched quickly, many times. */
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--restart-delay", L"100",
                                     L"--restart-delay-max", L"400", L"--", L"--work-ms", L"50",
                                     (const wchar_t *)NULL);
    ASSERT_OUTPUT(controller, TEXT_LAUNCHED, 10000);
    ASSERT(TestWaitPublished(name, 0, 10000) != 0);
    view = OpenView(name, &section);
    for (round = 0; round < GARBAGE_ROUNDS && running; round++) {
        MakeGarbage(bytes, 0xBADC0DEu + round * 104729u, round % 3 == 1 && round < GARBAGE_CALM_ROUNDS,
                    round < GARBAGE_CALM_ROUNDS);
        WriteView(view, bytes, sizeof(bytes));
        Sleep(GARBAGE_PAUSE_MS);
        running = RunningOrClean(controller, L"controller", round);
    }
    if (running) {
        InterlockedExchange((volatile LONG *)view, -1);
        ASSERT_EXIT(controller, 0, 10000);
    }
    AssertNoCrashReported(controller);
    /* Whatever it launched has gone too (a listener sees the -1, or refused the garbage and exited). */
    deadline = TestNowMs() + 5000;
    while (TestCountOwnChildren(controller) != 0 && TestNowMs() < deadline) {
        Sleep(50);
    }
    ASSERT_EQ_INT(TestCountOwnChildren(controller), 0);
    CloseView(view, section);
}

/*
 * A fresh controller (and --stop) against garbage that names a live listener of
 * ours, even with its true pid and creation time in an otherwise valid header:
 * exit 7, nothing adopted, nothing launched, and that listener left alone.
 */
TEST_IMPL(security_garbage_no_adoption)
{
    static const wchar_t *const mentions[] = { L"listener's data", L"magic", L"negative", NULL };
    wchar_t name[TEST_TEXT_CAP];
    wchar_t other[TEST_TEXT_CAP];
    unsigned char bytes[HEADER_SIZE];
    volatile unsigned char *view;
    TestProc *victim;
    HANDLE squat;
    DWORD pid;
    uint64_t created;
    uint32_t salt;
    LONG message = 0;

    TestUniqueName(L"garbagevictim", other, TEST_TEXT_CAP);
    victim = TestStartListener(other, 200);
    pid = TestPid(victim);
    created = TestHandleCreated(TestHandle(victim));
    TestUniqueName(L"garbageadopt", name, TEST_TEXT_CAP);
    memset(bytes, 0, sizeof(bytes));
    squat = TestSquatOrSkip(SQUAT_MAPPING, name, NULL, 0, bytes, sizeof(bytes));
    view = (volatile unsigned char *)MapViewOfFile(squat, FILE_MAP_READ | FILE_MAP_WRITE, 0, 0, 0);
    ASSERT(view != NULL);
    for (salt = 1; salt <= 6; salt++) {
        if (salt % 2 == 1) {
            MakeGarbage(bytes, salt * 0x2545F491u, FALSE, FALSE);
        } else {
            /* Right in every field but one random stray byte, state or size. */
            TestBuildHeader(bytes, pid, STATE_RUNNING, created);
            TestFillRandom(bytes + OFF_RESERVED, RESERVED_SIZE, salt);
            if (salt == 4) {
                memset(bytes + OFF_RESERVED, 0, RESERVED_SIZE);
                TestPutU32(bytes + OFF_STATE, 5u + salt * 1000u);
            } else if (salt == 6) {
                memset(bytes + OFF_RESERVED, 0, RESERVED_SIZE);
                TestPutU16(bytes + OFF_SIZE, 4096);
            }
        }
        TestPutU32(bytes, (uint32_t)pid); /* offset 0: a real listener's pid, the bait */
        WriteView(view, bytes, sizeof(bytes));
        TestExpectRefused(name, RUN_CONTROLLER | RUN_STOP, squat, mentions);
        ASSERT_MSG(TestIsRunning(victim), L"the listener whose pid was in the garbage has gone");
        ASSERT(TestReadMessage(other, &message));
        ASSERT_EQ_INT(message, pid);
    }
    UnmapViewOfFile((const void *)view);
    CloseHandle(squat);
    ASSERT_EQ_INT(TestStop(other, 15000, 20000, NULL), 0);
    ASSERT_EXIT(victim, 0, 5000);
}

/* (d) Garbage in the mapping: controller, listener and --stop all refuse with 7 and write nothing. */
TEST_IMPL(faults_garbage_mapping_refused)
{
    static const char kText[] = "This mapping belongs to another program; its bytes are not a listener's header.";
    wchar_t name[TEST_TEXT_CAP];
    wchar_t tag[64];
    wchar_t exe[TEST_PATH_CAP];
    wchar_t cmd[TEST_PATH_CAP * 2];
    unsigned char bytes[HEADER_SIZE];
    unsigned char after[HEADER_SIZE];
    TestProc *proc;
    HANDLE section;
    DWORD size;
    int variant;

    TestBinPath(TEST_LISTENER_EXE, exe, TEST_PATH_CAP);
    for (variant = 0; variant < 4; variant++) {
        memset(bytes, 0, sizeof(bytes));
        size = HEADER_SIZE;
        switch (variant) {
        case 0: /* text: wrong magic */
            memcpy(bytes, kText, sizeof(kText) < sizeof(bytes) ? sizeof(kText) : sizeof(bytes));
            break;
        case 1: /* a sample-sized mapping holding a negative number that is not -1 */
            TestPutU32(bytes, (uint32_t)-5);
            size = 4;
            break;
        case 2: /* our header with a state out of range */
            TestBuildHeader(bytes, 0, 77, 0);
            break;
        default: /* our magic, another version */
            TestBuildHeader(bytes, 0, STATE_RUNNING, 0);
            TestPutU16(bytes + OFF_VERSION, 2);
            break;
        }
        swprintf(tag, 64, L"garbage%d", variant);
        TestUniqueName(tag, name, TEST_TEXT_CAP);
        section = TestCreateMapping(name, size, bytes, size);

        proc = TestStartController(name, L"shared", L"300", TEST_SPAWN_DEFAULT);
        ASSERT_EXIT(proc, IPC_EXIT_NAME_IN_USE, 10000);
        ASSERT_CONTAINS(TestOutputText(proc), TEXT_NOT_LISTENER_DATA);
        ASSERT_NOT_CONTAINS(TestOutputText(proc), TEXT_LAUNCHING);
        ASSERT_NOT_CONTAINS(TestOutputText(proc), TEXT_ALREADY);
        ASSERT_EQ_INT(TestCountChildren(TestPid(proc), TEST_LISTENER_EXE), 0);

        TestCommandLine(cmd, TEST_PATH_CAP * 2, exe, name, L"--work-ms", L"300", (const wchar_t *)NULL);
        proc = TestSpawn(cmd);
        ASSERT_EXIT(proc, IPC_EXIT_NAME_IN_USE, 10000);
        ASSERT_CONTAINS(TestOutputText(proc), TEXT_NOT_LISTENER_DATA);
        ASSERT_NOT_CONTAINS(TestOutputText(proc), TEXT_PROCESSING);

        TestStopExpect(name, 1000, IPC_EXIT_NAME_IN_USE);

        ASSERT(TestReadBytes(name, after, sizeof(after)));
        ASSERT_MSG(memcmp(bytes, after, size) == 0, L"variant %d: the mapping was written to", variant);
        CloseHandle(section);
    }
}
