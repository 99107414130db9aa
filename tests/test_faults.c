/*
 * test_faults.c - fault injection: second instances, stale or forged mappings,
 * stops that race units, crash loops, hangs, killed controllers and killed
 * listeners, all through the real executables.
 *
 * Every check is made from outside: the processes' output, their exit codes,
 * Toolhelp's parent pids and the mapping read with the harness's own code. The
 * header offsets are spelled out here from README.md (the contract), not taken
 * from common/.
 *
 * A crash-looping listener is ipc_tests.exe itself: with IPC_TEST_HELPER=crash a
 * controller that launches "ipc_tests.exe NAME PLAN COUNTER CODE" gets a process
 * that lives for the PLAN entry of its launch number and exits with CODE (see
 * TestFaultsHelperLaunch).
 */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAULT_TEXT_CAP 512
#define FAULT_PATH_CAP 1024
#define FAULT_HEADER_SIZE 128

/* The header's fields, as README.md documents them. */
#define OFF_MESSAGE 0
#define OFF_MAGIC 4
#define OFF_VERSION 8
#define OFF_SIZE 10
#define OFF_STATE 12
#define OFF_LISTENER_PID 16
#define OFF_CONTROLLER_PID 20
#define OFF_LISTENER_CREATED 24
#define OFF_STOP_REQUESTS 40
#define OFF_STOP_ACKED 44
#define OFF_UNITS 48
#define OFF_LAST_EXIT_CODE 68
#define HEADER_MAGIC 0x4C435049u /* "IPCL" */
#define STATE_RUNNING 1u
#define STATE_WORKING 2u

/* The exit code the controller gives a listener it terminates (hang, --force): ERROR_TIMEOUT. */
#define TERMINATED_EXIT_CODE 1460u
#define EXIT_LISTENER_RUNNING 4u
#define EXIT_CONTROLLER_RUNNING 5u
#define EXIT_STOP_TIMEOUT 6u
#define EXIT_NAME_IN_USE 7u
#define EXIT_STOP_FORCED 9u

#define CRASH_HELPER_KIND L"crash"
#define CRASH_EXIT_CODE 3u
#define CRASH_EXIT_TEXT L"3"

#define TEXT_NOT_ADOPTING L"Not adopting pid "
#define TEXT_FINISHING L"is finishing its last unit"
#define TEXT_NOT_LISTENER_DATA L"does not hold a listener's data"
#define TEXT_TERMINATING L"(--hang-timeout); terminating it"
#define TEXT_RELAUNCH_MARK L"; relaunching "

/* One FILETIME second. */
#define FILETIME_SECOND 10000000ull

/* ---- the crash helper ---- */

/*
 * The launch number of this crash helper: the size of the counter file, which
 * every launch grows by one byte. Launches of one controller never overlap (what
 * the tests prove), so no two helpers read the same size.
 */
static DWORD CrashRunNumber(const wchar_t *counter)
{
    HANDLE file = CreateFileW(counter, FILE_READ_ATTRIBUTES | FILE_APPEND_DATA,
                              FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_ALWAYS,
                              FILE_ATTRIBUTE_NORMAL, NULL);
    LARGE_INTEGER size;
    DWORD written = 0;
    DWORD run = 0;

    if (file == INVALID_HANDLE_VALUE) {
        file = NULL;
        goto cleanup;
    }
    if (GetFileSizeEx(file, &size)) {
        run = (DWORD)size.QuadPart;
    }
    (void)WriteFile(file, "x", 1, &written, NULL);

cleanup:
    if (file != NULL) {
        CloseHandle(file);
        file = NULL;
    }
    return run;
}

/* Entry run of a comma-separated list of milliseconds; the last entry repeats. */
static DWORD CrashPlanEntry(const wchar_t *plan, DWORD run)
{
    const wchar_t *p = plan;
    wchar_t *end = NULL;
    unsigned long value = 0;
    DWORD i = 0;

    for (;;) {
        value = wcstoul(p, &end, 10);
        if (end == p || i == run || *end != L',') {
            break;
        }
        p = end + 1;
        i++;
    }
    return (DWORD)value;
}

int TestFaultsHelperLaunch(int argc, wchar_t **argv)
{
    wchar_t kind[32];
    DWORD n;
    DWORD run;
    DWORD ms;
    unsigned long code;

    if (argc < 2 || argv[1][0] == L'-') {
        return -1;
    }
    n = GetEnvironmentVariableW(TEST_ENV_HELPER, kind, 32);
    if (n == 0 || n >= 32 || wcscmp(kind, CRASH_HELPER_KIND) != 0) {
        return -1;
    }
    if (argc < 5) {
        TestPrint(L"usage: ipc_tests.exe NAME PLAN COUNTER CODE (with %ls=%ls)\r\n", TEST_ENV_HELPER,
                  CRASH_HELPER_KIND);
        return 2;
    }
    run = CrashRunNumber(argv[3]);
    ms = CrashPlanEntry(argv[2], run);
    code = wcstoul(argv[4], NULL, 10);
    TestPrint(L"crash helper (pid %lu): launch %lu, exits with code %lu after %lu ms\r\n",
              (unsigned long)GetCurrentProcessId(), (unsigned long)run, code, (unsigned long)ms);
    Sleep(ms);
    return (int)code;
}

/* ---- shortcuts ---- */

static uint32_t HeaderU32(const wchar_t *name, size_t offset)
{
    unsigned char bytes[FAULT_HEADER_SIZE];

    ASSERT_MSG(TestReadBytes(name, bytes, sizeof(bytes)), L"no mapping %ls", name);
    return TestReadU32(bytes + offset);
}

static uint64_t HeaderU64(const wchar_t *name, size_t offset)
{
    unsigned char bytes[FAULT_HEADER_SIZE];

    ASSERT_MSG(TestReadBytes(name, bytes, sizeof(bytes)), L"no mapping %ls", name);
    return TestReadU64(bytes + offset);
}

/* Poll until the 32-bit header field at offset equals value. */
static BOOL WaitHeaderU32(const wchar_t *name, size_t offset, uint32_t value, DWORD timeout_ms)
{
    ULONGLONG deadline = TestNowMs() + timeout_ms;
    unsigned char bytes[FAULT_HEADER_SIZE];

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
static BOOL WaitUnitsAtLeast(const wchar_t *name, uint64_t min, DWORD timeout_ms)
{
    ULONGLONG deadline = TestNowMs() + timeout_ms;
    unsigned char bytes[FAULT_HEADER_SIZE];

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

/* Wait for a listener other than not_pid at offset 0 and check that controller launched it. */
static DWORD WaitOwnListener(TestProc *controller, const wchar_t *name, DWORD not_pid)
{
    DWORD pid = TestWaitPublished(name, not_pid, 10000);

    ASSERT_MSG(pid != 0, L"no new listener pid at offset 0 of %ls:\n%ls", name, TestOutputText(controller));
    ASSERT_EQ_INT(TestParentPid(pid), TestPid(controller));
    return pid;
}

/* Open a listener by pid to read its exit code later; it must be running now. */
static HANDLE OpenListener(DWORD pid)
{
    HANDLE h = TestPidHandle(pid);

    ASSERT_MSG(h != NULL, L"listener %lu is not running", (unsigned long)pid);
    return h;
}

/* Wait for a process handle to be signalled and return its exit code. */
static DWORD ExitCodeOf(HANDLE process, DWORD timeout_ms)
{
    DWORD code = 0;

    ASSERT_MSG(WaitForSingleObject(process, timeout_ms) == WAIT_OBJECT_0, L"process did not exit within %lu ms",
               (unsigned long)timeout_ms);
    ASSERT(GetExitCodeProcess(process, &code));
    return code;
}

/*
 * Create the mapping NAME before any program does, size bytes big, holding
 * bytes[0..len): the stale or forged state a test wants to present. The caller
 * keeps the handle, so the mapping lives while the programs look at it.
 */
static HANDLE CreateMappingWith(const wchar_t *name, DWORD size, const unsigned char *bytes, size_t len)
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

static void PutU32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v & 0xFFu);
    p[1] = (unsigned char)((v >> 8) & 0xFFu);
    p[2] = (unsigned char)((v >> 16) & 0xFFu);
    p[3] = (unsigned char)((v >> 24) & 0xFFu);
}

static void PutU16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)(v & 0xFFu);
    p[1] = (unsigned char)((v >> 8) & 0xFFu);
}

static void PutU64(unsigned char *p, uint64_t v)
{
    PutU32(p, (uint32_t)(v & 0xFFFFFFFFu));
    PutU32(p + 4, (uint32_t)(v >> 32));
}

/* A valid header of version 1 (message and listener_pid = pid), for forging. */
static void BuildHeader(unsigned char *bytes, DWORD pid, uint32_t state, uint64_t created)
{
    memset(bytes, 0, FAULT_HEADER_SIZE);
    PutU32(bytes + OFF_MESSAGE, pid);
    PutU32(bytes + OFF_MAGIC, HEADER_MAGIC);
    PutU16(bytes + OFF_VERSION, 1);
    PutU16(bytes + OFF_SIZE, FAULT_HEADER_SIZE);
    PutU32(bytes + OFF_STATE, state);
    PutU32(bytes + OFF_LISTENER_PID, pid);
    PutU64(bytes + OFF_LISTENER_CREATED, created);
}

/* A file in the temporary folder named after the test's instance name. */
static void TempFile(const wchar_t *name, const wchar_t *suffix, wchar_t *out, size_t cap)
{
    wchar_t dir[FAULT_PATH_CAP];
    DWORD n = GetTempPathW(FAULT_PATH_CAP, dir);

    ASSERT_MSG(n > 0 && n < FAULT_PATH_CAP, L"GetTempPathW failed with error %lu", (unsigned long)GetLastError());
    swprintf(out, cap, L"%lsipc-%ls%ls", dir, name, suffix);
    (void)DeleteFileW(out);
}

/*
 * A controller whose listener is the crash helper: launch k lives for the k-th
 * entry of plan (ms), then exits with CRASH_EXIT_CODE. Output is shared.
 */
static TestProc *StartCrashController(const wchar_t *name, const wchar_t *plan, const wchar_t *restart_delay,
                                      wchar_t *counter, size_t counter_cap)
{
    wchar_t self[FAULT_PATH_CAP];

    TestSelfPath(self, FAULT_PATH_CAP);
    TempFile(name, L".count", counter, counter_cap);
    TestSetEnv(TEST_ENV_HELPER, CRASH_HELPER_KIND);
    return TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--listener", self, L"--console", L"shared",
                               L"--restart-delay", restart_delay, L"--", plan, counter, CRASH_EXIT_TEXT,
                               (const wchar_t *)NULL);
}

/* The pauses the controller announced, in order: N of "relaunching in N ms", 0 for "relaunching now". */
static size_t ReadPauses(TestProc *controller, DWORD *out, size_t cap)
{
    const wchar_t *p = TestOutputText(controller);
    size_t n = 0;
    wchar_t *end = NULL;

    while (n < cap && (p = wcsstr(p, TEXT_RELAUNCH_MARK)) != NULL) {
        p += wcslen(TEXT_RELAUNCH_MARK);
        if (wcsncmp(p, L"now", 3) == 0) {
            out[n++] = 0;
        } else if (wcsncmp(p, L"in ", 3) == 0) {
            out[n++] = (DWORD)wcstoul(p + 3, &end, 10);
        }
    }
    return n;
}

/* Run --stop NAME --timeout timeout_ms, fail unless it exits with expected; returns the stopper. */
static TestProc *StopExpect(const wchar_t *name, DWORD timeout_ms, DWORD expected)
{
    TestProc *stopper = NULL;
    DWORD code = TestStop(name, timeout_ms, timeout_ms + 15000, &stopper);

    ASSERT_MSG(code == expected, L"--stop %ls exited with %lu, expected %lu:\n%ls", name, (unsigned long)code,
               (unsigned long)expected, TestOutputText(stopper));
    return stopper;
}

/* ---- journal ---- */

#define JOURNAL_MAX_ENTRIES 4096
#define JOURNAL_MAX_BYTES (1024 * 1024)

typedef struct JournalEntry {
    unsigned long pid;
    unsigned long unit;
    BOOL end; /* FALSE: a "start" line */
} JournalEntry;

typedef struct JournalSummary {
    size_t starts;
    size_t ends;
    size_t malformed;        /* lines that are not "<time> pid=P unit=N start|end" */
    size_t pids;             /* distinct listener pids */
    size_t unmatched;        /* starts without a later end, ends without an earlier start */
    unsigned long first_pid; /* of the first unmatched entry */
    unsigned long first_unit;
} JournalSummary;

/* The whole file as a NUL-terminated string (free it), or NULL when it cannot be read. */
static char *ReadWholeFile(const wchar_t *path)
{
    HANDLE file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                              OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    char *text = NULL;
    char *result = NULL;
    DWORD got = 0;

    if (file == INVALID_HANDLE_VALUE) {
        file = NULL;
        goto cleanup;
    }
    text = (char *)malloc(JOURNAL_MAX_BYTES + 1);
    if (text == NULL || !ReadFile(file, text, JOURNAL_MAX_BYTES, &got, NULL)) {
        goto cleanup;
    }
    text[got] = '\0';
    result = text;
    text = NULL;

cleanup:
    free(text);
    if (file != NULL) {
        CloseHandle(file);
        file = NULL;
    }
    return result;
}

/*
 * Read the journal the listener writes with --journal ("<time> pid=P unit=N
 * start|end" per line) and pair every start with its end. FALSE when the file
 * cannot be read.
 */
static BOOL ReadJournal(const wchar_t *path, JournalSummary *out)
{
    char *text = NULL;
    JournalEntry *entries = NULL;
    size_t count = 0;
    char *line;
    char *next;
    size_t i;
    size_t j;
    BOOL seen;
    BOOL ok = FALSE;

    memset(out, 0, sizeof(*out));
    text = ReadWholeFile(path);
    entries = (JournalEntry *)malloc(JOURNAL_MAX_ENTRIES * sizeof(JournalEntry));
    if (text == NULL || entries == NULL) {
        goto cleanup;
    }
    for (line = text; *line != '\0' && count < JOURNAL_MAX_ENTRIES; line = next) {
        char *pid = strstr(line, " pid=");
        char *unit = strstr(line, " unit=");
        char *eol = strchr(line, '\n');

        next = eol != NULL ? eol + 1 : line + strlen(line);
        if (eol != NULL) {
            *eol = '\0';
        }
        if (pid == NULL || unit == NULL || (eol != NULL && (pid > eol || unit > eol))) {
            out->malformed++;
            continue;
        }
        entries[count].pid = strtoul(pid + 5, NULL, 10);
        entries[count].unit = strtoul(unit + 6, NULL, 10);
        if (strstr(unit, " start") != NULL) {
            entries[count].end = FALSE;
            out->starts++;
        } else if (strstr(unit, " end") != NULL) {
            entries[count].end = TRUE;
            out->ends++;
        } else {
            out->malformed++;
            continue;
        }
        count++;
    }
    for (i = 0; i < count; i++) {
        seen = FALSE;
        for (j = 0; j < i; j++) {
            if (entries[j].pid == entries[i].pid) {
                seen = TRUE;
            }
        }
        if (!seen) {
            out->pids++;
        }
        seen = FALSE;
        for (j = 0; j < count; j++) {
            if (j != i && entries[j].pid == entries[i].pid && entries[j].unit == entries[i].unit &&
                entries[j].end != entries[i].end && (entries[i].end ? j < i : j > i)) {
                seen = TRUE;
            }
        }
        if (!seen) {
            if (out->unmatched == 0) {
                out->first_pid = entries[i].pid;
                out->first_unit = entries[i].unit;
            }
            out->unmatched++;
        }
    }
    ok = TRUE;

cleanup:
    free(text);
    free(entries);
    return ok;
}

/* Wait until the journal holds text. */
static BOOL WaitJournal(const wchar_t *path, const char *text, DWORD timeout_ms)
{
    ULONGLONG deadline = TestNowMs() + timeout_ms;
    char *content;
    BOOL found;

    for (;;) {
        content = ReadWholeFile(path);
        found = content != NULL && strstr(content, text) != NULL;
        free(content);
        if (found || TestNowMs() >= deadline) {
            return found;
        }
        Sleep(20);
    }
}

/* Every unit that started in the journal ended: the check after a run. */
static void AssertJournalComplete(const wchar_t *path, JournalSummary *summary)
{
    ASSERT_MSG(ReadJournal(path, summary), L"cannot read the journal %ls", path);
    ASSERT_EQ_INT(summary->malformed, 0);
    ASSERT_MSG(summary->unmatched == 0, L"%lu unmatched journal lines; the first: pid %lu unit %lu",
               (unsigned long)summary->unmatched, summary->first_pid, summary->first_unit);
    ASSERT_EQ_INT(summary->starts, summary->ends);
}

/* ---- 1. one controller per NAME ---- */

/*
 * A second controller exits 5 naming the first one's pid; the first keeps
 * supervising (relaunches after a kill); once the first is killed the next one
 * adopts the listener instead of launching another.
 */
static void FaultsOneControllerPerName(void)
{
    wchar_t name[FAULT_TEXT_CAP];
    wchar_t expected[FAULT_TEXT_CAP];
    TestProc *first;
    TestProc *second;
    TestProc *third;
    DWORD pid;
    DWORD relaunched;

    TestUniqueName(L"onectl", name, FAULT_TEXT_CAP);
    first = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--", L"--work-ms", L"300",
                                (const wchar_t *)NULL);
    pid = WaitOwnListener(first, name, 0);

    second = TestSpawnController(TEST_SPAWN_SPLIT_STDERR, name, L"--console", L"none", L"--", L"--work-ms",
                                 L"300", (const wchar_t *)NULL);
    ASSERT_EXIT(second, EXIT_CONTROLLER_RUNNING, 10000);
    swprintf(expected, FAULT_TEXT_CAP, L"another controller (pid %lu)", (unsigned long)TestPid(first));
    ASSERT_CONTAINS(TestErrText(second), expected);
    ASSERT_NOT_CONTAINS(TestOutputText(second), TEXT_LAUNCHING);
    ASSERT(TestIsRunning(first));
    ASSERT(TestPidAlive(pid));
    ASSERT_EQ_INT(HeaderU32(name, OFF_CONTROLLER_PID), TestPid(first));

    /* The refused controller changed nothing: the first still relaunches a killed listener. */
    ASSERT(TestKillPid(pid));
    ASSERT(TestWaitOutputCount(first, TEXT_LAUNCHING, 2, 10000));
    relaunched = WaitOwnListener(first, name, pid);
    ASSERT_EQ_INT(TestCountChildren(TestPid(first), TEST_LISTENER_EXE), 1);

    /* A killed controller leaves its lock abandoned: the next one takes it and adopts. */
    TestTrackPid(relaunched);
    ASSERT(TestKillPid(TestPid(first)));
    third = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--", L"--work-ms", L"300",
                                (const wchar_t *)NULL);
    ASSERT_OUTPUT(third, TEXT_ALREADY, 10000);
    ASSERT_NOT_CONTAINS(TestOutputText(third), TEXT_LAUNCHING);
    ASSERT_EQ_INT(TestCountChildren(TestPid(third), TEST_LISTENER_EXE), 0);
    ASSERT_EQ_INT(TestWaitPublished(name, 0, 1000), relaunched);
    ASSERT(WaitHeaderU32(name, OFF_CONTROLLER_PID, TestPid(third), 5000));
    StopExpect(name, 15000, 0);
    ASSERT_EXIT(third, 0, 10000);
    ASSERT_EQ_INT(TestCountOutput(third, TEXT_LAUNCHING), 0);
}

/* ---- 2. one listener per NAME ---- */

/* A second listener exits 4 and leaves offset 0 and the header byte for byte as they were. */
static void FaultsOneListenerPerName(void)
{
    wchar_t name[FAULT_TEXT_CAP];
    wchar_t expected[FAULT_TEXT_CAP];
    wchar_t exe[FAULT_PATH_CAP];
    wchar_t cmd[FAULT_PATH_CAP * 2];
    unsigned char before[FAULT_HEADER_SIZE];
    unsigned char after[FAULT_HEADER_SIZE];
    TestProc *first;
    TestProc *second;

    TestUniqueName(L"onelistener", name, FAULT_TEXT_CAP);
    /* A unit far longer than the check, so that nothing in the header moves meanwhile. */
    first = TestStartListener(name, 20000);
    ASSERT(WaitHeaderU32(name, OFF_STATE, STATE_WORKING, 5000));
    ASSERT(TestReadBytes(name, before, sizeof(before)));

    TestBinPath(TEST_LISTENER_EXE, exe, FAULT_PATH_CAP);
    TestCommandLine(cmd, FAULT_PATH_CAP * 2, exe, name, L"--work-ms", L"300", (const wchar_t *)NULL);
    second = TestSpawnEx(cmd, TEST_SPAWN_SPLIT_STDERR);
    ASSERT_EXIT(second, EXIT_LISTENER_RUNNING, 10000);
    swprintf(expected, FAULT_TEXT_CAP, L"already running (pid %lu)", (unsigned long)TestPid(first));
    ASSERT_CONTAINS(TestErrText(second), expected);
    ASSERT_NOT_CONTAINS(TestOutputText(second), TEXT_PROCESSING);

    ASSERT(TestReadBytes(name, after, sizeof(after)));
    ASSERT_MSG(memcmp(before, after, sizeof(before)) == 0, L"the second listener changed the mapping");
    ASSERT_EQ_INT(TestReadU32(after + OFF_MESSAGE), TestPid(first));
    ASSERT(TestIsRunning(first));
}

/* ---- 3. adopt only the real listener ---- */

/*
 * The controller over a mapping whose pid must not be adopted: it says why,
 * launches a listener of its own (its child, published at offset 0) and stops
 * like any other.
 */
static void ExpectNotAdopted(const wchar_t *name, DWORD bogus_pid, const wchar_t *reason)
{
    wchar_t expected[FAULT_TEXT_CAP];
    wchar_t line[FAULT_TEXT_CAP];
    TestProc *controller;
    DWORD pid;

    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"shared", L"--", L"--work-ms", L"300",
                                     (const wchar_t *)NULL);
    swprintf(expected, FAULT_TEXT_CAP, L"Broadcast '%lu' received", (unsigned long)bogus_pid);
    ASSERT_OUTPUT(controller, expected, 10000);
    swprintf(expected, FAULT_TEXT_CAP, L"%ls%lu: ", TEXT_NOT_ADOPTING, (unsigned long)bogus_pid);
    ASSERT_OUTPUT(controller, expected, 10000);
    ASSERT(TestOutputLine(controller, expected, line, FAULT_TEXT_CAP));
    ASSERT_MSG(wcsstr(line, reason) != NULL, L"\"%ls\" does not say \"%ls\"", line, reason);
    ASSERT_OUTPUT(controller, TEXT_LAUNCHED, 10000);
    pid = WaitOwnListener(controller, name, bogus_pid);
    ASSERT_OUTPUT(controller, TEXT_PROCESSING, 5000);
    ASSERT_NOT_CONTAINS(TestOutputText(controller), TEXT_ALREADY);
    StopExpect(name, 15000, 0);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    ASSERT(!TestPidAlive(pid));
}

/* (a) A seed-format (4-byte) mapping holding the pid of a process that has exited. */
static void FaultsNotAdoptingDeadPid(void)
{
    wchar_t name[FAULT_TEXT_CAP];
    unsigned char bytes[4];
    TestProc *gone;
    HANDLE section;
    DWORD dead_pid;

    TestUniqueName(L"adoptdead", name, FAULT_TEXT_CAP);
    /* Our TestProc keeps its handle, so the dead pid is not handed out again meanwhile. */
    gone = TestSpawnSelf(TEST_SPAWN_DEFAULT, L"--helper", L"pid-alive", L"1", (const wchar_t *)NULL);
    ASSERT(TestWaitExit(gone, 10000, NULL));
    dead_pid = TestPid(gone);
    PutU32(bytes, dead_pid);
    section = CreateMappingWith(name, 4, bytes, sizeof(bytes));
    ExpectNotAdopted(name, dead_pid, L"");
    CloseHandle(section);
}

/* (b) A seed-format mapping holding the pid of a live process that is not a listener. */
static void FaultsNotAdoptingForeignPid(void)
{
    wchar_t name[FAULT_TEXT_CAP];
    wchar_t other[FAULT_TEXT_CAP];
    unsigned char bytes[4];
    TestProc *foreign;
    HANDLE section;

    TestUniqueName(L"adoptforeign", name, FAULT_TEXT_CAP);
    TestUniqueName(L"adoptforeign-other", other, FAULT_TEXT_CAP);
    /* A live ipc_tests.exe (the seed listener helper, serving another name). */
    foreign = TestSpawnSelf(TEST_SPAWN_DEFAULT, L"--helper", L"seed-listener", other, L"300", (const wchar_t *)NULL);
    ASSERT_EQ_INT(TestWaitPublished(other, 0, 10000), TestPid(foreign));
    PutU32(bytes, TestPid(foreign));
    section = CreateMappingWith(name, 4, bytes, sizeof(bytes));
    ExpectNotAdopted(name, TestPid(foreign), L"ipc_tests.exe");
    /* Only verified: the foreign process was never touched. */
    ASSERT(TestIsRunning(foreign));
    CloseHandle(section);
}

/*
 * (c) Our header naming a live ConsoleAppListener.exe (serving another name) with
 * a creation time that is not its own: same image, so only the time gives it away.
 */
static void FaultsNotAdoptingWrongStartTime(void)
{
    wchar_t name[FAULT_TEXT_CAP];
    wchar_t other[FAULT_TEXT_CAP];
    unsigned char bytes[FAULT_HEADER_SIZE];
    TestProc *foreign;
    HANDLE section;
    uint64_t created;

    TestUniqueName(L"adopttime", name, FAULT_TEXT_CAP);
    TestUniqueName(L"adopttime-other", other, FAULT_TEXT_CAP);
    foreign = TestStartListener(other, 300);
    created = HeaderU64(other, OFF_LISTENER_CREATED);
    ASSERT(created != 0);
    BuildHeader(bytes, TestPid(foreign), STATE_RUNNING, created + FILETIME_SECOND);
    section = CreateMappingWith(name, FAULT_HEADER_SIZE, bytes, sizeof(bytes));
    ExpectNotAdopted(name, TestPid(foreign), L"another time");
    ASSERT(TestIsRunning(foreign));
    ASSERT_EQ_INT(TestWaitPublished(other, 0, 1000), TestPid(foreign));
    CloseHandle(section);
}

/* (d) Garbage in the mapping: controller, listener and --stop all refuse with 7 and write nothing. */
static void FaultsGarbageMappingRefused(void)
{
    static const char kText[] = "This mapping belongs to another program; its bytes are not a listener's header.";
    wchar_t name[FAULT_TEXT_CAP];
    wchar_t tag[64];
    wchar_t exe[FAULT_PATH_CAP];
    wchar_t cmd[FAULT_PATH_CAP * 2];
    unsigned char bytes[FAULT_HEADER_SIZE];
    unsigned char after[FAULT_HEADER_SIZE];
    TestProc *proc;
    HANDLE section;
    DWORD size;
    int variant;

    TestBinPath(TEST_LISTENER_EXE, exe, FAULT_PATH_CAP);
    for (variant = 0; variant < 4; variant++) {
        memset(bytes, 0, sizeof(bytes));
        size = FAULT_HEADER_SIZE;
        switch (variant) {
        case 0: /* text: wrong magic */
            memcpy(bytes, kText, sizeof(kText) < sizeof(bytes) ? sizeof(kText) : sizeof(bytes));
            break;
        case 1: /* a seed-sized mapping holding a negative number that is not -1 */
            PutU32(bytes, (uint32_t)-5);
            size = 4;
            break;
        case 2: /* our header with a state out of range */
            BuildHeader(bytes, 0, 77, 0);
            break;
        default: /* our magic, another version */
            BuildHeader(bytes, 0, STATE_RUNNING, 0);
            PutU16(bytes + OFF_VERSION, 2);
            break;
        }
        swprintf(tag, 64, L"garbage%d", variant);
        TestUniqueName(tag, name, FAULT_TEXT_CAP);
        section = CreateMappingWith(name, size, bytes, size);

        proc = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"shared", L"--", L"--work-ms", L"300",
                                   (const wchar_t *)NULL);
        ASSERT_EXIT(proc, EXIT_NAME_IN_USE, 10000);
        ASSERT_CONTAINS(TestOutputText(proc), TEXT_NOT_LISTENER_DATA);
        ASSERT_NOT_CONTAINS(TestOutputText(proc), TEXT_LAUNCHING);
        ASSERT_NOT_CONTAINS(TestOutputText(proc), TEXT_ALREADY);
        ASSERT_EQ_INT(TestCountChildren(TestPid(proc), TEST_LISTENER_EXE), 0);

        TestCommandLine(cmd, FAULT_PATH_CAP * 2, exe, name, L"--work-ms", L"300", (const wchar_t *)NULL);
        proc = TestSpawn(cmd);
        ASSERT_EXIT(proc, EXIT_NAME_IN_USE, 10000);
        ASSERT_CONTAINS(TestOutputText(proc), TEXT_NOT_LISTENER_DATA);
        ASSERT_NOT_CONTAINS(TestOutputText(proc), TEXT_PROCESSING);

        StopExpect(name, 1000, EXIT_NAME_IN_USE);

        ASSERT(TestReadBytes(name, after, sizeof(after)));
        ASSERT_MSG(memcmp(bytes, after, size) == 0, L"variant %d: the mapping was written to", variant);
        CloseHandle(section);
    }
}

/* ---- 4. a stop is never lost ---- */

/* --stop during a unit waits for it: exit 0, and the journal shows the unit's end. */
static void FaultsStopMidUnit(void)
{
    wchar_t name[FAULT_TEXT_CAP];
    wchar_t journal[FAULT_PATH_CAP];
    char unit_end[64];
    JournalSummary summary;
    TestProc *controller;
    HANDLE listener;
    DWORD pid;
    ULONGLONG sent;

    TestUniqueName(L"stopmidunit", name, FAULT_TEXT_CAP);
    TempFile(name, L".journal", journal, FAULT_PATH_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--", L"--journal", journal,
                                     L"--work-ms", L"1500", (const wchar_t *)NULL);
    pid = WaitOwnListener(controller, name, 0);
    listener = OpenListener(pid);
    ASSERT(WaitJournal(journal, " unit=1 start", 10000));
    ASSERT_EQ_INT(HeaderU32(name, OFF_STATE), STATE_WORKING);
    sent = TestNowMs();
    StopExpect(name, 15000, 0);
    /* --stop returned because the listener exited, after the rest of its unit. */
    ASSERT(WaitForSingleObject(listener, 0) == WAIT_OBJECT_0);
    ASSERT_EQ_INT(ExitCodeOf(listener, 0), 0);
    ASSERT_GE_INT(TestNowMs() - sent, 300);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    snprintf(unit_end, sizeof(unit_end), "pid=%lu unit=1 end", (unsigned long)pid);
    ASSERT_MSG(WaitJournal(journal, unit_end, 0), L"no \"%hs\" line in %ls", unit_end, journal);
    AssertJournalComplete(journal, &summary);
    CloseHandle(listener);
    (void)DeleteFileW(journal);
}

/*
 * A crash loop with --restart-delay 100: the pauses double (100, 200, 400, ...),
 * and a --stop during a long pause ends the controller at once, with no further launch.
 */
static void FaultsCrashLoopBackoffAndStop(void)
{
    wchar_t name[FAULT_TEXT_CAP];
    wchar_t counter[FAULT_PATH_CAP];
    wchar_t expected[FAULT_TEXT_CAP];
    DWORD pauses[16];
    size_t n;
    size_t i;
    size_t launches;
    TestProc *controller;
    ULONGLONG seen;

    TestUniqueName(L"crashloop", name, FAULT_TEXT_CAP);
    controller = StartCrashController(name, L"0", L"100", counter, FAULT_PATH_CAP);
    /* 100 + 200 + 400 + 800 + 1600 ms of pauses, then a pause of 3200 ms begins. */
    ASSERT_OUTPUT(controller, L"; relaunching in 3200 ms", 15000);
    seen = TestNowMs();
    launches = TestCountOutput(controller, TEXT_LAUNCHING);
    StopExpect(name, 10000, 0);
    ASSERT_EXIT(controller, 0, 10000);
    /* At once: well within the 3200 ms pause, however slow the machine. */
    ASSERT_LE_INT(TestNowMs() - seen, 2000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), launches);
    ASSERT_EQ_INT(launches, 6);

    n = ReadPauses(controller, pauses, 16);
    ASSERT_EQ_INT(n, 6);
    ASSERT_EQ_INT(pauses[0], 100);
    for (i = 1; i < n; i++) {
        ASSERT_EQ_INT(pauses[i], pauses[i - 1] * 2);
    }
    swprintf(expected, FAULT_TEXT_CAP, L"exited with code %lu after ", (unsigned long)CRASH_EXIT_CODE);
    ASSERT_EQ_INT(TestCountOutput(controller, expected), 6);
    (void)DeleteFileW(counter);
}

/*
 * The seed's stop (a bare -1, no wake-up event) while the listener is down and
 * the controller waits to relaunch: when the pause ends it does not relaunch.
 */
static void FaultsSeedStopWhileListenerDown(void)
{
    wchar_t name[FAULT_TEXT_CAP];
    wchar_t counter[FAULT_PATH_CAP];
    TestProc *controller;
    TestProc *stopper;
    ULONGLONG seen;

    TestUniqueName(L"stopdown", name, FAULT_TEXT_CAP);
    controller = StartCrashController(name, L"0", L"2000", counter, FAULT_PATH_CAP);
    ASSERT_OUTPUT(controller, L"; relaunching in 2000 ms", 10000);
    seen = TestNowMs();
    stopper = TestSpawnSelf(TEST_SPAWN_DEFAULT, L"--helper", L"seed-stop", name, (const wchar_t *)NULL);
    ASSERT_EXIT(stopper, 0, 10000);
    ASSERT_OUTPUT(controller, L"A close message arrived while the listener was down; not relaunching", 10000);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    /* It waited out the pause: the bare -1 was seen when the relaunch came due. */
    ASSERT_GE_INT(TestNowMs() - seen, 1000);
    (void)DeleteFileW(counter);
}

/* Two --stops at once: both return 0, the listener exits once, nothing is relaunched. */
static void FaultsConcurrentStops(void)
{
    wchar_t name[FAULT_TEXT_CAP];
    TestProc *controller;
    TestProc *stop1;
    TestProc *stop2;
    HANDLE listener;
    DWORD pid;

    TestUniqueName(L"twostops", name, FAULT_TEXT_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"shared", L"--", L"--work-ms", L"1000",
                                     (const wchar_t *)NULL);
    pid = WaitOwnListener(controller, name, 0);
    listener = OpenListener(pid);
    ASSERT_OUTPUT(controller, TEXT_PROCESSING, 5000);
    stop1 = TestSpawnController(TEST_SPAWN_DEFAULT, L"--stop", name, L"--timeout", L"15000", (const wchar_t *)NULL);
    stop2 = TestSpawnController(TEST_SPAWN_DEFAULT, L"--stop", name, L"--timeout", L"15000", (const wchar_t *)NULL);
    ASSERT_EXIT(stop1, 0, 20000);
    ASSERT_EXIT(stop2, 0, 20000);
    ASSERT_EQ_INT(ExitCodeOf(listener, 5000), 0);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_EXITED), 1);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_RECEIVED), 1);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    CloseHandle(listener);
}

/*
 * A controller started while a listener finishes its last unit after a close
 * message waits for it: the fresh listener is launched only after the old one
 * has exited, so two never run at once.
 */
static void FaultsNewControllerWaitsForFinishingListener(void)
{
    wchar_t name[FAULT_TEXT_CAP];
    TestProc *first;
    TestProc *second;
    HANDLE old;
    DWORD old_pid;
    DWORD new_pid;
    ULONGLONG deadline;
    BOOL launched;
    BOOL old_gone;

    TestUniqueName(L"finishing", name, FAULT_TEXT_CAP);
    first = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--", L"--work-ms", L"4000",
                                (const wchar_t *)NULL);
    old_pid = WaitOwnListener(first, name, 0);
    old = OpenListener(old_pid);
    TestTrackPid(old_pid);
    ASSERT(WaitHeaderU32(name, OFF_STATE, STATE_WORKING, 5000));
    ASSERT(TestKillPid(TestPid(first)));
    /* The close message is posted; the listener is still inside its 4 s unit. */
    StopExpect(name, 300, EXIT_STOP_TIMEOUT);
    ASSERT(TestPidAlive(old_pid));

    second = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"shared", L"--", L"--work-ms", L"300",
                                 (const wchar_t *)NULL);
    ASSERT_OUTPUT(second, TEXT_FINISHING, 10000);
    ASSERT(TestPidAlive(old_pid));
    deadline = TestNowMs() + 15000;
    for (;;) {
        /* Look for the new listener first: if the old one is alive after that, both ran at once. */
        launched = TestCountOutput(second, TEXT_LAUNCHING) > 0 ||
                   TestCountChildren(TestPid(second), TEST_LISTENER_EXE) > 0;
        old_gone = WaitForSingleObject(old, 0) == WAIT_OBJECT_0;
        if (launched) {
            ASSERT_MSG(old_gone, L"a new listener was launched while %lu still ran:\n%ls", (unsigned long)old_pid,
                       TestOutputText(second));
            break;
        }
        ASSERT_MSG(TestNowMs() < deadline, L"no launch within 15 s:\n%ls", TestOutputText(second));
        Sleep(5);
    }
    ASSERT_EQ_INT(ExitCodeOf(old, 0), 0);
    new_pid = WaitOwnListener(second, name, old_pid);
    ASSERT(new_pid != old_pid);
    ASSERT_OUTPUT(second, TEXT_PROCESSING, 5000);
    StopExpect(name, 15000, 0);
    ASSERT_EXIT(second, 0, 10000);
    ASSERT_EQ_INT(TestCountOutput(second, TEXT_LAUNCHING), 1);
    CloseHandle(old);
}

/*
 * A close message nobody will consume does not block a start: a 4-byte mapping
 * holding -1 kept open by the seed's stop, and our header with an unacknowledged
 * stop left by a listener that was killed.
 */
static void FaultsStaleCloseDoesNotBlockStart(void)
{
    wchar_t name[FAULT_TEXT_CAP];
    unsigned char zero[4] = { 0, 0, 0, 0 };
    TestProc *stopper;
    TestProc *controller;
    TestProc *listener;
    HANDLE section;
    LONG message = 0;

    /* The seed's layout: the seed controller never disposes its mapping. */
    TestUniqueName(L"staleseed", name, FAULT_TEXT_CAP);
    section = CreateMappingWith(name, 4, zero, sizeof(zero));
    stopper = TestSpawnSelf(TEST_SPAWN_DEFAULT, L"--helper", L"seed-stop", name, L"60000", (const wchar_t *)NULL);
    ASSERT_OUTPUT(stopper, TEXT_SENT, 10000);
    CloseHandle(section);
    ASSERT(TestReadMessage(name, &message));
    ASSERT_EQ_INT(message, -1);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"shared", L"--", L"--work-ms", L"300",
                                     (const wchar_t *)NULL);
    /* After waiting out a seed unit (7 s): the -1 names no listener that could be finishing one. */
    ASSERT_OUTPUT(controller, TEXT_LAUNCHED, 20000);
    (void)WaitOwnListener(controller, name, 0);
    ASSERT_OUTPUT(controller, TEXT_PROCESSING, 5000);
    StopExpect(name, 15000, 0);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT(TestIsRunning(stopper));

    /* Our layout: a stop was requested, then the listener was killed inside its unit. */
    TestUniqueName(L"staleours", name, FAULT_TEXT_CAP);
    listener = TestStartListener(name, 20000);
    ASSERT(WaitHeaderU32(name, OFF_STATE, STATE_WORKING, 5000));
    section = OpenFileMappingW(FILE_MAP_READ, FALSE, name);
    ASSERT(section != NULL);
    StopExpect(name, 200, EXIT_STOP_TIMEOUT);
    ASSERT(TestKillPid(TestPid(listener)));
    ASSERT(TestReadMessage(name, &message));
    ASSERT_EQ_INT(message, -1);
    ASSERT_NE_INT(HeaderU32(name, OFF_STOP_REQUESTS), HeaderU32(name, OFF_STOP_ACKED));
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"shared", L"--", L"--work-ms", L"300",
                                     (const wchar_t *)NULL);
    ASSERT_OUTPUT(controller, TEXT_LAUNCHED, 10000);
    (void)WaitOwnListener(controller, name, TestPid(listener));
    ASSERT_OUTPUT(controller, TEXT_PROCESSING, 5000);
    ASSERT_NOT_CONTAINS(TestOutputText(controller), TEXT_RECEIVED);
    StopExpect(name, 15000, 0);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    CloseHandle(section);
}

/* ---- 5. restart policy ---- */

/*
 * A listener that ran at least 1 s is relaunched at once, and the back-off
 * starts again from the first pause after such a healthy run.
 */
static void FaultsHealthyRunResetsBackoff(void)
{
    wchar_t name[FAULT_TEXT_CAP];
    wchar_t counter[FAULT_PATH_CAP];
    DWORD pauses[16];
    size_t n;
    TestProc *controller;
    ULONGLONG now_seen;

    TestUniqueName(L"backoffreset", name, FAULT_TEXT_CAP);
    /* Launches 1 and 2 die at once, 3 lives 1.5 s, 4 and later die at once. */
    controller = StartCrashController(name, L"0,0,1500,0", L"100", counter, FAULT_PATH_CAP);
    ASSERT_OUTPUT(controller, L"; relaunching now", 15000);
    now_seen = TestNowMs();
    ASSERT(TestWaitOutputCount(controller, TEXT_LAUNCHING, 4, 5000));
    /* "At once": far sooner than any pause the back-off had reached. */
    ASSERT_LE_INT(TestNowMs() - now_seen, 1000);
    ASSERT(TestWaitOutputCount(controller, TEXT_RELAUNCH_MARK, 4, 10000));
    StopExpect(name, 10000, 0);
    ASSERT_EXIT(controller, 0, 10000);
    n = ReadPauses(controller, pauses, 16);
    ASSERT_GE_INT(n, 4);
    ASSERT_EQ_INT(pauses[0], 100);
    ASSERT_EQ_INT(pauses[1], 200);
    ASSERT_EQ_INT(pauses[2], 0);
    ASSERT_EQ_INT(pauses[3], 100);
    (void)DeleteFileW(counter);
}

/* ---- 6. hang detection ---- */

/* A listener inside a 3 s unit with --hang-timeout 800 is terminated (exit 1460) and replaced. */
static void FaultsHangDetected(void)
{
    wchar_t name[FAULT_TEXT_CAP];
    wchar_t expected[FAULT_TEXT_CAP];
    TestProc *controller;
    HANDLE first;
    DWORD first_pid;
    DWORD second_pid;

    TestUniqueName(L"hang", name, FAULT_TEXT_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"shared", L"--hang-timeout", L"800",
                                     L"--restart-delay", L"100", L"--", L"--work-ms", L"3000", (const wchar_t *)NULL);
    first_pid = WaitOwnListener(controller, name, 0);
    first = OpenListener(first_pid);
    swprintf(expected, FAULT_TEXT_CAP,
             L"Listener (pid %lu) completed no unit of work for 800 ms (--hang-timeout); terminating it",
             (unsigned long)first_pid);
    ASSERT_OUTPUT(controller, expected, 5000);
    ASSERT_EQ_INT(ExitCodeOf(first, 5000), TERMINATED_EXIT_CODE);
    swprintf(expected, FAULT_TEXT_CAP, L"Listener (pid %lu) exited with code %lu", (unsigned long)first_pid,
             (unsigned long)TERMINATED_EXIT_CODE);
    ASSERT_OUTPUT(controller, expected, 5000);
    ASSERT(TestWaitOutputCount(controller, TEXT_LAUNCHING, 2, 5000));
    second_pid = WaitOwnListener(controller, name, first_pid);
    ASSERT(second_pid != first_pid);
    ASSERT(WaitHeaderU32(name, OFF_LAST_EXIT_CODE, TERMINATED_EXIT_CODE, 2000));
    CloseHandle(first);
}

/* Units of 200 ms under --hang-timeout 800: nothing is terminated in 3 s. */
static void FaultsHangNotTriggeredByProgress(void)
{
    wchar_t name[FAULT_TEXT_CAP];
    TestProc *controller;
    HANDLE listener;
    DWORD pid;

    TestUniqueName(L"nohang", name, FAULT_TEXT_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"shared", L"--hang-timeout", L"800",
                                     L"--", L"--work-ms", L"200", (const wchar_t *)NULL);
    pid = WaitOwnListener(controller, name, 0);
    listener = OpenListener(pid);
    Sleep(3000);
    ASSERT_NOT_CONTAINS(TestOutputText(controller), TEXT_TERMINATING);
    ASSERT(WaitForSingleObject(listener, 0) == WAIT_TIMEOUT);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    ASSERT_GE_INT(HeaderU64(name, OFF_UNITS), 8);
    StopExpect(name, 15000, 0);
    ASSERT_EQ_INT(ExitCodeOf(listener, 5000), 0);
    ASSERT_EXIT(controller, 0, 10000);
    CloseHandle(listener);
}

/*
 * A listener finishing a long last unit after a close message is not hung:
 * --hang-timeout does not terminate it, however long past the timeout it runs.
 */
static void FaultsHangSparesStoppingListener(void)
{
    wchar_t name[FAULT_TEXT_CAP];
    TestProc *controller;
    HANDLE listener;
    DWORD pid;

    TestUniqueName(L"hangstop", name, FAULT_TEXT_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"shared", L"--hang-timeout", L"2000",
                                     L"--", L"--work-ms", L"4000", (const wchar_t *)NULL);
    pid = WaitOwnListener(controller, name, 0);
    listener = OpenListener(pid);
    ASSERT(WaitHeaderU32(name, OFF_STATE, STATE_WORKING, 5000));
    StopExpect(name, 15000, 0);
    ASSERT_EQ_INT(ExitCodeOf(listener, 0), 0);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_NOT_CONTAINS(TestOutputText(controller), TEXT_TERMINATING);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    CloseHandle(listener);
}

/* ---- 7. stopping with a timeout ---- */

/* --stop --timeout 300 during a 3 s unit: exit 6, nothing killed; the listener exits 0 after its unit. */
static void FaultsStopTimeoutKillsNothing(void)
{
    wchar_t name[FAULT_TEXT_CAP];
    TestProc *controller;
    HANDLE listener;
    DWORD pid;
    ULONGLONG started;

    TestUniqueName(L"stoptimeout", name, FAULT_TEXT_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"shared", L"--", L"--work-ms", L"3000",
                                     (const wchar_t *)NULL);
    pid = WaitOwnListener(controller, name, 0);
    listener = OpenListener(pid);
    ASSERT(WaitHeaderU32(name, OFF_STATE, STATE_WORKING, 5000));
    started = TestNowMs();
    StopExpect(name, 300, EXIT_STOP_TIMEOUT);
    ASSERT_LE_INT(TestNowMs() - started, 2500);
    ASSERT(WaitForSingleObject(listener, 0) == WAIT_TIMEOUT);
    ASSERT_EQ_INT(ExitCodeOf(listener, 6000), 0);
    ASSERT_OUTPUT(controller, TEXT_RECEIVED, 2000);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    CloseHandle(listener);
}

/* --stop --timeout 300 --force: exit 9, the listener ends with 1460, the controller ends without relaunching. */
static void FaultsStopForce(void)
{
    wchar_t name[FAULT_TEXT_CAP];
    TestProc *controller;
    TestProc *stopper;
    HANDLE listener;
    DWORD pid;

    TestUniqueName(L"stopforce", name, FAULT_TEXT_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"shared", L"--", L"--work-ms", L"3000",
                                     (const wchar_t *)NULL);
    pid = WaitOwnListener(controller, name, 0);
    listener = OpenListener(pid);
    ASSERT(WaitHeaderU32(name, OFF_STATE, STATE_WORKING, 5000));
    stopper = TestSpawnController(TEST_SPAWN_DEFAULT, L"--stop", name, L"--timeout", L"300", L"--force",
                                  (const wchar_t *)NULL);
    ASSERT_EXIT(stopper, EXIT_STOP_FORCED, 15000);
    ASSERT_CONTAINS(TestOutputText(stopper), L"(--force)");
    ASSERT_EQ_INT(ExitCodeOf(listener, 0), TERMINATED_EXIT_CODE);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_CONTAINS(TestOutputText(controller), L"not relaunching");
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
    ASSERT_NOT_CONTAINS(TestOutputText(controller), TEXT_RECEIVED);
    CloseHandle(listener);
}

/* ---- 8. the controller dies, the listener lives on ---- */

static void FaultsControllerKilledListenerLives(void)
{
    wchar_t name[FAULT_TEXT_CAP];
    TestProc *first;
    TestProc *second;
    HANDLE listener;
    DWORD pid;
    uint64_t units;

    TestUniqueName(L"ctlkilled", name, FAULT_TEXT_CAP);
    first = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--", L"--work-ms", L"300",
                                (const wchar_t *)NULL);
    pid = WaitOwnListener(first, name, 0);
    listener = OpenListener(pid);
    TestTrackPid(pid);
    ASSERT(WaitUnitsAtLeast(name, 1, 5000));
    ASSERT(TestKillPid(TestPid(first)));

    /* Unsupervised, it goes on working. */
    units = HeaderU64(name, OFF_UNITS);
    ASSERT_MSG(WaitUnitsAtLeast(name, units + 3, 5000), L"the listener stopped working when its controller died");
    ASSERT(WaitForSingleObject(listener, 0) == WAIT_TIMEOUT);

    second = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--", L"--work-ms", L"300",
                                 (const wchar_t *)NULL);
    ASSERT_OUTPUT(second, TEXT_ALREADY, 10000);
    ASSERT(WaitHeaderU32(name, OFF_CONTROLLER_PID, TestPid(second), 5000));
    units = HeaderU64(name, OFF_UNITS);
    ASSERT(WaitUnitsAtLeast(name, units + 2, 5000));
    ASSERT_EQ_INT(TestCountOutput(second, TEXT_LAUNCHING), 0);
    ASSERT_EQ_INT(TestCountChildren(TestPid(second), TEST_LISTENER_EXE), 0);
    ASSERT_EQ_INT(TestWaitPublished(name, 0, 1000), pid);
    StopExpect(name, 15000, 0);
    ASSERT_EQ_INT(ExitCodeOf(listener, 0), 0);
    ASSERT_EXIT(second, 0, 10000);
    ASSERT_EQ_INT(TestCountOutput(second, TEXT_LAUNCHING), 0);
    CloseHandle(listener);
}

/* ---- 9. nothing is lost ---- */

/*
 * Kill the controller twice (each time a new one adopts), stop gracefully,
 * start again, stop again: every unit that started in the journal also ended.
 */
static void FaultsJournalNoUnitLost(void)
{
    wchar_t name[FAULT_TEXT_CAP];
    wchar_t journal[FAULT_PATH_CAP];
    JournalSummary summary;
    TestProc *controller;
    DWORD first_pid;
    DWORD second_pid;
    int round;

    TestUniqueName(L"journal", name, FAULT_TEXT_CAP);
    TempFile(name, L".journal", journal, FAULT_PATH_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--", L"--journal", journal,
                                     L"--work-ms", L"300", (const wchar_t *)NULL);
    first_pid = WaitOwnListener(controller, name, 0);
    TestTrackPid(first_pid);
    for (round = 0; round < 2; round++) {
        ASSERT(WaitJournal(journal, round == 0 ? " unit=2 end" : " unit=4 end", 5000));
        ASSERT(TestKillPid(TestPid(controller)));
        controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--", L"--journal",
                                         journal, L"--work-ms", L"300", (const wchar_t *)NULL);
        ASSERT_OUTPUT(controller, TEXT_ALREADY, 10000);
        ASSERT_EQ_INT(TestWaitPublished(name, 0, 1000), first_pid);
    }
    ASSERT(WaitJournal(journal, " unit=6 end", 5000));
    StopExpect(name, 15000, 0);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT(!TestPidAlive(first_pid));

    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--", L"--journal", journal,
                                     L"--work-ms", L"300", (const wchar_t *)NULL);
    ASSERT_OUTPUT(controller, TEXT_LAUNCHED, 10000);
    second_pid = WaitOwnListener(controller, name, first_pid);
    ASSERT(WaitUnitsAtLeast(name, 2, 5000));
    StopExpect(name, 15000, 0);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT(!TestPidAlive(second_pid));

    AssertJournalComplete(journal, &summary);
    ASSERT_EQ_INT(summary.pids, 2);
    ASSERT_GE_INT(summary.starts, 8);
    (void)DeleteFileW(journal);
}

/* ---- 10. twenty kills ---- */

/*
 * Kill the listener 20 times in a row (quick deaths, with a 1 ms back-off so
 * the test stays fast): after each relaunch exactly one listener runs for NAME.
 */
static void FaultsTwentyKills(void)
{
    wchar_t name[FAULT_TEXT_CAP];
    TestProc *controller;
    DWORD pid;
    DWORD next;
    int kill;

    TestUniqueName(L"twentykills", name, FAULT_TEXT_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--restart-delay", L"1",
                                     L"--restart-delay-max", L"1", L"--", L"--work-ms", L"300", (const wchar_t *)NULL);
    pid = WaitOwnListener(controller, name, 0);
    for (kill = 0; kill < 20; kill++) {
        ASSERT_MSG(TestKillPid(pid), L"kill %d: could not kill %lu", kill + 1, (unsigned long)pid);
        next = WaitOwnListener(controller, name, pid);
        ASSERT_MSG(TestCountChildren(TestPid(controller), TEST_LISTENER_EXE) == 1,
                   L"kill %d: %lu listeners run for %ls", kill + 1,
                   (unsigned long)TestCountChildren(TestPid(controller), TEST_LISTENER_EXE), name);
        /* The line comes through a pipe: wait for it, then require exactly one launch per kill. */
        (void)TestWaitOutputCount(controller, TEXT_LAUNCHING, (size_t)kill + 2, 5000);
        ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), kill + 2);
        pid = next;
    }
    StopExpect(name, 15000, 0);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 21);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_EXITED), 21);
    ASSERT_EQ_INT(TestCountChildren(TestPid(controller), TEST_LISTENER_EXE), 0);
}

const TestEntry TestFaultsTable[] = {
    { L"faults_one_controller_per_name", FaultsOneControllerPerName, 45000 },
    { L"faults_one_listener_per_name", FaultsOneListenerPerName, 30000 },
    { L"faults_not_adopting_dead_pid", FaultsNotAdoptingDeadPid, 30000 },
    { L"faults_not_adopting_foreign_pid", FaultsNotAdoptingForeignPid, 30000 },
    { L"faults_not_adopting_wrong_start_time", FaultsNotAdoptingWrongStartTime, 30000 },
    { L"faults_garbage_mapping_refused", FaultsGarbageMappingRefused, 60000 },
    { L"faults_stop_mid_unit", FaultsStopMidUnit, 40000 },
    { L"faults_crash_loop_backoff_and_stop", FaultsCrashLoopBackoffAndStop, 45000 },
    { L"faults_seed_stop_while_listener_down", FaultsSeedStopWhileListenerDown, 40000 },
    { L"faults_concurrent_stops", FaultsConcurrentStops, 40000 },
    { L"faults_new_controller_waits_for_finishing_listener", FaultsNewControllerWaitsForFinishingListener, 45000 },
    { L"faults_stale_close_does_not_block_start", FaultsStaleCloseDoesNotBlockStart, 60000 },
    { L"faults_healthy_run_resets_backoff", FaultsHealthyRunResetsBackoff, 45000 },
    { L"faults_hang_detected", FaultsHangDetected, 40000 },
    { L"faults_hang_not_triggered_by_progress", FaultsHangNotTriggeredByProgress, 40000 },
    { L"faults_hang_spares_stopping_listener", FaultsHangSparesStoppingListener, 40000 },
    { L"faults_stop_timeout_kills_nothing", FaultsStopTimeoutKillsNothing, 40000 },
    { L"faults_stop_force", FaultsStopForce, 40000 },
    { L"faults_controller_killed_listener_lives", FaultsControllerKilledListenerLives, 45000 },
    { L"faults_journal_no_unit_lost", FaultsJournalNoUnitLost, 60000 },
    { L"faults_twenty_kills", FaultsTwentyKills, 90000 },
};

const size_t TestFaultsCount = sizeof(TestFaultsTable) / sizeof(TestFaultsTable[0]);
