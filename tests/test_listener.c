/*
 * test_listener.c - ConsoleAppListener.exe on its own: what it publishes in the
 * mapping, its loop of units, and that a unit it started finishes.
 */
#include "harness/harness.h"


#include "ipc_layout.h"

/* Offset 0 holds the pid, the header after it describes the listener, and -1 stops it. */
TEST_IMPL(listener_publishes_pid_and_header)
{
    wchar_t name[TEST_TEXT_CAP];
    unsigned char bytes[HEADER_SIZE];
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

    TestUniqueName(L"publish", name, TEST_TEXT_CAP);
    listener = TestStartListener(name, 300);
    pid = TestPid(listener);
    ASSERT_OUTPUT(listener, TEXT_PROCESSING, 5000);

    ASSERT(TestReadBytes(name, bytes, sizeof(bytes)));
    ASSERT_EQ_INT((int32_t)TestReadU32(bytes + OFF_MESSAGE), pid);
    ASSERT_EQ_INT(TestReadU32(bytes + OFF_MAGIC), HEADER_MAGIC);
    ASSERT_EQ_INT(TestReadU16(bytes + OFF_VERSION), HEADER_VERSION);
    ASSERT_EQ_INT(TestReadU16(bytes + OFF_SIZE), HEADER_SIZE);
    state = TestReadU32(bytes + OFF_STATE);
    ASSERT_MSG(state == STATE_RUNNING || state == STATE_WORKING, L"state %lu", (unsigned long)state);
    ASSERT_EQ_INT(TestReadU32(bytes + OFF_LISTENER_PID), pid);
    ASSERT_EQ_INT(TestReadU32(bytes + OFF_CONTROLLER_PID), 0); /* no controller */
    ASSERT(GetProcessTimes(TestHandle(listener), &created, &exited, &kernel, &user));
    created_u64 = ((uint64_t)created.dwHighDateTime << 32) | created.dwLowDateTime;
    ASSERT_EQ_INT(TestReadU64(bytes + OFF_LISTENER_CREATED), created_u64);
    kind = IpcLayoutClassify(bytes, sizeof(bytes), &header, &why);
    ASSERT_MSG(kind == IPC_LAYOUT_OURS, L"IpcLayoutClassify gave %d: %ls", (int)kind, why != NULL ? why : L"");

    /* Units are counted as they end. */
    ASSERT(TestWaitOutputCount(listener, TEXT_PROCESSING, 2, 5000));
    deadline = TestNowMs() + 3000;
    do {
        ASSERT(TestReadBytes(name, bytes, sizeof(bytes)));
        if (TestReadU64(bytes + OFF_UNITS) >= 1) {
            break;
        }
        Sleep(20);
    } while (TestNowMs() < deadline);
    ASSERT_GE_INT(TestReadU64(bytes + OFF_UNITS), 1);

    TestStopGracefully(listener, name);

    /* The C# sample's order of lines. */
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
TEST_IMPL(listener_finishes_unit)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *listener;
    ULONGLONG seen;
    ULONGLONG exited;

    TestUniqueName(L"finishunit", name, TEST_TEXT_CAP);
    listener = TestStartListener(name, 1500);
    ASSERT_OUTPUT(listener, TEXT_PROCESSING, 5000);
    /* The unit started at most a pipe's latency before we saw its line. */
    seen = TestNowMs();
    TestWriteCloseMessage(name);
    ASSERT_MSG(WaitForSingleObject(TestHandle(listener), 1200) == WAIT_TIMEOUT,
               L"the listener exited %llu ms into a 1500 ms unit:\n%ls", (unsigned long long)(TestNowMs() - seen),
               TestOutputText(listener));
    ASSERT_EXIT(listener, 0, 5000);
    exited = TestNowMs();
    ASSERT_GE_INT(exited - seen, 1300);
    ASSERT_OUTPUT(listener, TEXT_RECEIVED, 2000);
    ASSERT_EQ_INT(TestCountOutput(listener, TEXT_PROCESSING), 1);
}

/* Without --work-ms a unit lasts 6 s, as in the C# sample. */
TEST_IMPL(listener_default_work_ms)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t exe[TEST_PATH_CAP];
    wchar_t cmd[TEST_TEXT_CAP * 2];
    TestProc *listener;
    ULONGLONG seen;

    TestUniqueName(L"defaultwork", name, TEST_TEXT_CAP);
    TestBinPath(TEST_LISTENER_EXE, exe, TEST_PATH_CAP);
    TestCommandLine(cmd, TEST_TEXT_CAP * 2, exe, name, (const wchar_t *)NULL);
    listener = TestSpawn(cmd);
    ASSERT_OUTPUT(listener, TEXT_PROCESSING, 10000);
    seen = TestNowMs();
    TestWriteCloseMessage(name);
    ASSERT_MSG(WaitForSingleObject(TestHandle(listener), 5000) == WAIT_TIMEOUT,
               L"the listener exited %llu ms into its first unit (default 6000 ms)",
               (unsigned long long)(TestNowMs() - seen));
    ASSERT_EXIT(listener, 0, 5000);
    ASSERT_EQ_INT(TestCountOutput(listener, TEXT_PROCESSING), 1);
}
