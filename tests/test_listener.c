/*
 * test_listener.c - ConsoleAppListener.exe on its own: arguments, what it
 * publishes in the mapping, the loop and the graceful stop.
 */
#include "test_util.h"

#include <string.h>

#include "ipc_layout.h"

#define LISTENER_TEXT_CAP 512
#define LISTENER_PATH_CAP 1024

/* A bad command line and what the message on stderr must mention (NULL: anything). */
typedef struct BadArgsCase {
    const wchar_t *what; /* for the failure message */
    const wchar_t *args[3];
    const wchar_t *mention;
    const wchar_t *or_mention;
} BadArgsCase;

/* out = base, '-', then fill up to length characters (out holds LISTENER_TEXT_CAP). */
static void PadName(wchar_t *out, const wchar_t *base, size_t length, wchar_t fill)
{
    size_t n;

    swprintf(out, LISTENER_TEXT_CAP, L"%ls-", base);
    for (n = wcslen(out); n < length && n + 1 < LISTENER_TEXT_CAP; n++) {
        out[n] = fill;
    }
    out[n] = L'\0';
}

static TestProc *SpawnListener(unsigned flags, const wchar_t *const *args, size_t count)
{
    wchar_t exe[LISTENER_PATH_CAP];
    wchar_t cmd[LISTENER_TEXT_CAP * 2];
    size_t i;

    TestBinPath(TEST_LISTENER_EXE, exe, LISTENER_PATH_CAP);
    TestCommandLine(cmd, LISTENER_TEXT_CAP * 2, exe, (const wchar_t *)NULL);
    for (i = 0; i < count; i++) {
        TestAppendArg(cmd, LISTENER_TEXT_CAP * 2, args[i]);
    }
    return TestSpawnEx(cmd, flags);
}

static void WriteCloseMessage(const wchar_t *name)
{
    ASSERT_MSG(TestWriteMessage(name, IPC_CLOSE_MESSAGE), L"cannot open mapping %ls", name);
}

/* Ask a listener with short units to close and check it does so the seed's way. */
static void StopGracefully(TestProc *listener, const wchar_t *name)
{
    WriteCloseMessage(name);
    ASSERT_OUTPUT(listener, TEXT_RECEIVED, 10000);
    ASSERT_OUTPUT(listener, TEXT_HIT_ENTER_CLOSE, 5000);
    ASSERT_EXIT(listener, 0, 5000);
}

/* Without NAME: the seed's error line, and no wait for a key (stdin is not a console). */
static void ListenerNoName(void)
{
    TestProc *listener = SpawnListener(TEST_SPAWN_DEFAULT, NULL, 0);

    ASSERT_EXIT(listener, 2, 10000);
    ASSERT_CONTAINS(TestOutputText(listener), TEXT_NO_NAME);
}

static void ListenerBadArguments(void)
{
    wchar_t name[LISTENER_TEXT_CAP];
    wchar_t control_name[LISTENER_TEXT_CAP];
    wchar_t tab_name[LISTENER_TEXT_CAP];
    wchar_t long_name[LISTENER_TEXT_CAP];
    BadArgsCase cases[8];
    TestProc *listener;
    DWORD code = 0;
    const wchar_t *err;
    size_t count;
    size_t i;

    TestUniqueName(L"badargs", name, LISTENER_TEXT_CAP);
    swprintf(control_name, LISTENER_TEXT_CAP, L"%ls\x01x", name);
    swprintf(tab_name, LISTENER_TEXT_CAP, L"%ls\tx", name);
    /* 240 characters: one more than a name may have. */
    PadName(long_name, name, 240, L'x');
    memset(cases, 0, sizeof(cases));
    count = 0;
    cases[count].what = L"unknown option";
    cases[count].args[0] = name;
    cases[count].args[1] = L"--bogus";
    cases[count].mention = L"--bogus";
    count++;
    cases[count].what = L"--work-ms abc";
    cases[count].args[0] = name;
    cases[count].args[1] = L"--work-ms";
    cases[count].args[2] = L"abc";
    cases[count].mention = L"abc";
    cases[count].or_mention = L"--work-ms";
    count++;
    cases[count].what = L"--work-ms without a value";
    cases[count].args[0] = name;
    cases[count].args[1] = L"--work-ms";
    cases[count].mention = L"--work-ms";
    count++;
    cases[count].what = L"backslash in the name";
    cases[count].args[0] = L"a\\b";
    count++;
    cases[count].what = L"control character in the name";
    cases[count].args[0] = control_name;
    count++;
    cases[count].what = L"tab in the name";
    cases[count].args[0] = tab_name;
    count++;
    cases[count].what = L"name of 240 characters";
    cases[count].args[0] = long_name;
    count++;
    cases[count].what = L"Local\\ alone";
    cases[count].args[0] = L"Local\\";
    count++;

    for (i = 0; i < count; i++) {
        listener = SpawnListener(TEST_SPAWN_SPLIT_STDERR, cases[i].args,
                                 cases[i].args[2] != NULL ? 3 : cases[i].args[1] != NULL ? 2 : 1);
        ASSERT_MSG(TestWaitExit(listener, 10000, &code), L"%ls: the listener did not exit:\n%ls", cases[i].what,
                   TestOutputText(listener));
        ASSERT_MSG(code == 2, L"%ls: exit code %lu, expected 2:\n%ls%ls", cases[i].what, (unsigned long)code,
                   TestOutputText(listener), TestErrText(listener));
        err = TestErrText(listener);
        ASSERT_MSG(err[0] != L'\0', L"%ls: nothing on stderr; stdout:\n%ls", cases[i].what,
                   TestOutputText(listener));
        if (cases[i].mention != NULL) {
            ASSERT_MSG(wcsstr(err, cases[i].mention) != NULL ||
                           (cases[i].or_mention != NULL && wcsstr(err, cases[i].or_mention) != NULL),
                       L"%ls: stderr does not name \"%ls\":\n%ls", cases[i].what, cases[i].mention, err);
        }
        ASSERT_MSG(wcsstr(TestOutputText(listener), TEXT_PROCESSING) == NULL, L"%ls: the listener started work",
                   cases[i].what);
    }
}

/* The longest name (239 characters) and a Local\ prefix are accepted. */
static void ListenerNameLimits(void)
{
    wchar_t base[LISTENER_TEXT_CAP];
    wchar_t long_name[LISTENER_TEXT_CAP];
    wchar_t local_name[LISTENER_TEXT_CAP];
    TestProc *listener;

    TestUniqueName(L"limits", base, LISTENER_TEXT_CAP);
    PadName(long_name, base, 239, L'y');
    listener = TestStartListener(long_name, 200);
    StopGracefully(listener, long_name);

    swprintf(local_name, LISTENER_TEXT_CAP, L"Local\\%ls", base);
    listener = TestStartListener(local_name, 200);
    StopGracefully(listener, local_name);
}

/* Offset 0 holds the pid, the header after it describes the listener, and -1 stops it. */
static void ListenerPublishesPidAndHeader(void)
{
    wchar_t name[LISTENER_TEXT_CAP];
    unsigned char bytes[IPC_MAPPING_SIZE];
    IpcHeader header;
    const wchar_t *why = NULL;
    IpcLayoutKind kind;
    TestProc *listener;
    DWORD pid;
    FILETIME created;
    FILETIME exited;
    FILETIME kernel;
    FILETIME user;
    uint64_t created_u64;
    uint32_t state;
    ULONGLONG deadline;
    const wchar_t *out;
    const wchar_t *not_received;
    const wchar_t *processing;
    const wchar_t *received;
    const wchar_t *hit_enter;

    TestUniqueName(L"publish", name, LISTENER_TEXT_CAP);
    listener = TestStartListener(name, 300);
    pid = TestPid(listener);
    ASSERT_OUTPUT(listener, TEXT_PROCESSING, 5000);

    ASSERT(TestReadBytes(name, bytes, sizeof(bytes)));
    ASSERT_EQ_INT((int32_t)TestReadU32(bytes + 0), pid);
    ASSERT_EQ_INT(TestReadU32(bytes + 4), IPC_LAYOUT_MAGIC);
    ASSERT_EQ_INT(TestReadU16(bytes + 8), IPC_LAYOUT_VERSION);
    ASSERT_EQ_INT(TestReadU16(bytes + 10), IPC_MAPPING_SIZE);
    state = TestReadU32(bytes + 12);
    ASSERT_MSG(state == IPC_STATE_RUNNING || state == IPC_STATE_WORKING, L"state %lu", (unsigned long)state);
    ASSERT_EQ_INT(TestReadU32(bytes + 16), pid);
    ASSERT_EQ_INT(TestReadU32(bytes + 20), 0); /* no controller */
    ASSERT(GetProcessTimes(TestHandle(listener), &created, &exited, &kernel, &user));
    created_u64 = ((uint64_t)created.dwHighDateTime << 32) | created.dwLowDateTime;
    ASSERT_EQ_INT(TestReadU64(bytes + 24), created_u64);
    kind = IpcLayoutClassify(bytes, sizeof(bytes), &header, &why);
    ASSERT_MSG(kind == IPC_LAYOUT_OURS, L"IpcLayoutClassify gave %d: %ls", (int)kind, why != NULL ? why : L"");

    /* Units are counted as they end. */
    ASSERT(TestWaitOutputCount(listener, TEXT_PROCESSING, 2, 5000));
    deadline = TestNowMs() + 3000;
    do {
        ASSERT(TestReadBytes(name, bytes, sizeof(bytes)));
        if (TestReadU64(bytes + 48) >= 1) {
            break;
        }
        Sleep(20);
    } while (TestNowMs() < deadline);
    ASSERT_GE_INT(TestReadU64(bytes + 48), 1);

    StopGracefully(listener, name);

    /* The seed's order of lines. */
    out = TestOutputText(listener);
    not_received = wcsstr(out, TEXT_NOT_RECEIVED);
    processing = wcsstr(out, TEXT_PROCESSING);
    received = wcsstr(out, TEXT_RECEIVED);
    hit_enter = wcsstr(out, TEXT_HIT_ENTER_CLOSE);
    ASSERT(not_received != NULL && processing != NULL && received != NULL && hit_enter != NULL);
    ASSERT_MSG(not_received < processing && processing < received && received < hit_enter, L"lines out of order:\n%ls",
               out);
}

/* A unit that started finishes before the listener exits. */
static void ListenerFinishesUnit(void)
{
    wchar_t name[LISTENER_TEXT_CAP];
    TestProc *listener;
    ULONGLONG seen;
    ULONGLONG exited;

    TestUniqueName(L"finishunit", name, LISTENER_TEXT_CAP);
    listener = TestStartListener(name, 1500);
    ASSERT_OUTPUT(listener, TEXT_PROCESSING, 5000);
    /* The unit started at most a pipe's latency before we saw its line. */
    seen = TestNowMs();
    WriteCloseMessage(name);
    ASSERT_MSG(WaitForSingleObject(TestHandle(listener), 1200) == WAIT_TIMEOUT,
               L"the listener exited %llu ms into a 1500 ms unit:\n%ls", (unsigned long long)(TestNowMs() - seen),
               TestOutputText(listener));
    ASSERT_EXIT(listener, 0, 5000);
    exited = TestNowMs();
    ASSERT_GE_INT(exited - seen, 1300);
    ASSERT_OUTPUT(listener, TEXT_RECEIVED, 2000);
    ASSERT_EQ_INT(TestCountOutput(listener, TEXT_PROCESSING), 1);
}

/* Without --work-ms a unit lasts 6 s, as in the seed. */
static void ListenerDefaultWorkMs(void)
{
    wchar_t name[LISTENER_TEXT_CAP];
    wchar_t exe[LISTENER_PATH_CAP];
    wchar_t cmd[LISTENER_TEXT_CAP * 2];
    TestProc *listener;
    ULONGLONG seen;

    TestUniqueName(L"defaultwork", name, LISTENER_TEXT_CAP);
    TestBinPath(TEST_LISTENER_EXE, exe, LISTENER_PATH_CAP);
    TestCommandLine(cmd, LISTENER_TEXT_CAP * 2, exe, name, (const wchar_t *)NULL);
    listener = TestSpawn(cmd);
    ASSERT_OUTPUT(listener, TEXT_PROCESSING, 10000);
    seen = TestNowMs();
    WriteCloseMessage(name);
    ASSERT_MSG(WaitForSingleObject(TestHandle(listener), 5000) == WAIT_TIMEOUT,
               L"the listener exited %llu ms into its first unit (default 6000 ms)",
               (unsigned long long)(TestNowMs() - seen));
    ASSERT_EXIT(listener, 0, 5000);
    ASSERT_EQ_INT(TestCountOutput(listener, TEXT_PROCESSING), 1);
}

/* A second listener for a live NAME refuses (exit 4, naming the first's pid) and leaves offset 0 alone. */
static void ListenerSecondInstance(void)
{
    wchar_t name[LISTENER_TEXT_CAP];
    wchar_t pid_text[32];
    const wchar_t *args[3];
    TestProc *first;
    TestProc *second;
    LONG message = 0;

    TestUniqueName(L"second", name, LISTENER_TEXT_CAP);
    first = TestStartListener(name, 300);
    args[0] = name;
    args[1] = L"--work-ms";
    args[2] = L"300";
    second = SpawnListener(TEST_SPAWN_DEFAULT, args, 3);
    ASSERT_EXIT(second, 4, 10000);
    swprintf(pid_text, 32, L"%lu", (unsigned long)TestPid(first));
    ASSERT_CONTAINS(TestOutputText(second), pid_text);
    ASSERT_NOT_CONTAINS(TestOutputText(second), TEXT_PROCESSING);
    ASSERT(TestReadMessage(name, &message));
    ASSERT_EQ_INT(message, TestPid(first));
    ASSERT(TestIsRunning(first));
    StopGracefully(first, name);
}

const TestEntry TestListenerTable[] = {
    { L"listener_no_name", ListenerNoName, 15000 },
    { L"listener_bad_arguments", ListenerBadArguments, 60000 },
    { L"listener_name_limits", ListenerNameLimits, 30000 },
    { L"listener_publishes_pid_and_header", ListenerPublishesPidAndHeader, 30000 },
    { L"listener_finishes_unit", ListenerFinishesUnit, 30000 },
    { L"listener_default_work_ms", ListenerDefaultWorkMs, 30000 },
    { L"listener_second_instance", ListenerSecondInstance, 30000 },
};

const size_t TestListenerCount = sizeof(TestListenerTable) / sizeof(TestListenerTable[0]);
