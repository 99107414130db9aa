/*
 * test_status.c - --status in every state: nothing running, garbage, a supervised
 * listener, one inside a unit or stopping, and the C# sample's format.
 */
#include "harness/harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* No mapping: exit 3, "not running". A mapping holding garbage: exit 7. */
TEST_IMPL(unattended_status_not_running_and_garbage)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *status;
    HANDLE section = NULL;
    unsigned char *view;

    TestUniqueName(L"statusnone", name, TEST_TEXT_CAP);
    status = TestExpectStatus(name, IPC_EXIT_NOT_RUNNING);
    ASSERT_CONTAINS(TestOutputText(status), L"not running");
    ASSERT(!TestMappingExists(name)); /* --status only reads */

    /* 128 bytes whose header has the wrong magic number: not a listener's mapping. */
    section = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 128, name);
    ASSERT_MSG(section != NULL, L"CreateFileMappingW failed with error %lu", (unsigned long)GetLastError());
    view = (unsigned char *)MapViewOfFile(section, FILE_MAP_WRITE, 0, 0, 128);
    ASSERT(view != NULL);
    memcpy(view, "\x10\x00\x00\x00JUNKJUNKJUNK", 16);
    UnmapViewOfFile(view);
    status = TestExpectStatus(name, IPC_EXIT_NAME_IN_USE);
    ASSERT_CONTAINS(TestOutputText(status), name);
    CloseHandle(section);
    section = NULL;
}

/* A supervised listener: pid, running, run time, units that advance, controller, restarts; then a kill. */
TEST_IMPL(unattended_status_supervised)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t text[TEST_TEXT_CAP];
    unsigned char bytes[128];
    TestProc *controller;
    TestProc *status;
    DWORD pid;
    DWORD second;
    unsigned long units_first;
    unsigned long units_second;
    ULONGLONG deadline;
    const wchar_t *out;

    TestUniqueName(L"statusrun", name, TEST_TEXT_CAP);
    controller = TestStartController(name, L"none", L"200", TEST_SPAWN_DEFAULT);
    pid = TestWaitListener(controller, name, 0);
    Sleep(700);
    status = TestExpectStatus(name, 0);
    out = TestOutputText(status);
    swprintf(text, TEST_TEXT_CAP, L"Listener:   pid %lu, running", (unsigned long)pid);
    ASSERT_CONTAINS(out, text);
    ASSERT_CONTAINS(out, L"(running for ");
    ASSERT_CONTAINS(out, L"; the last one ended ");
    swprintf(text, TEST_TEXT_CAP, L"Controller: pid %lu, running", (unsigned long)TestPid(controller));
    ASSERT_CONTAINS(out, text);
    ASSERT_CONTAINS(out, L"Restarts:   0");
    units_first = TestStatusNumber(status, L"Units:");
    ASSERT_GE_INT(units_first, 1);

    Sleep(800);
    status = TestExpectStatus(name, 0);
    units_second = TestStatusNumber(status, L"Units:");
    ASSERT_MSG(units_second > units_first, L"units did not advance in 0.8 s of 200 ms units: %lu then %lu",
               units_first, units_second);

    /* A kill: the controller relaunches, and --status counts it with the killed one's exit code. */
    ASSERT(TestKillPid(pid));
    second = TestWaitPublished(name, pid, 10000);
    ASSERT(second != 0);
    deadline = TestNowMs() + 5000;
    do {
        ASSERT(TestReadBytes(name, bytes, sizeof(bytes)));
        if (TestReadU32(bytes + OFF_RESTARTS) >= 1) {
            break;
        }
        Sleep(TEST_FILE_POLL_MS);
    } while (TestNowMs() < deadline);
    status = TestExpectStatus(name, 0);
    out = TestOutputText(status);
    swprintf(text, TEST_TEXT_CAP, L"Listener:   pid %lu, running", (unsigned long)second);
    ASSERT_CONTAINS(out, text);
    swprintf(text, TEST_TEXT_CAP, L"Restarts:   1 (last exit code %lu)", (unsigned long)TEST_KILL_EXIT_CODE);
    ASSERT_CONTAINS(out, text);
    TestStopController(name, controller);
    status = TestExpectStatus(name, IPC_EXIT_NOT_RUNNING);
}

/* Inside a long unit, then stopping once the C# sample's controller has written -1. */
TEST_IMPL(unattended_status_unit_and_stopping)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t text[TEST_TEXT_CAP];
    unsigned char bytes[128];
    TestProc *listener;
    TestProc *status;
    TestProc *stopper;
    ULONGLONG deadline;

    TestUniqueName(L"statusunit", name, TEST_TEXT_CAP);
    listener = TestStartListener(name, 30000);
    ASSERT_OUTPUT(listener, TEXT_PROCESSING, 5000);
    /* The header's state (offset 12) turns to 2, working, just after that line is printed. */
    deadline = TestNowMs() + 5000;
    do {
        ASSERT(TestReadBytes(name, bytes, sizeof(bytes)));
        if (TestReadU32(bytes + OFF_STATE) == STATE_WORKING) {
            break;
        }
        Sleep(TEST_FILE_POLL_MS);
    } while (TestNowMs() < deadline);
    status = TestExpectStatus(name, 0);
    swprintf(text, TEST_TEXT_CAP, L"Listener:   pid %lu, running (inside a unit of work)",
             (unsigned long)TestPid(listener));
    ASSERT_CONTAINS(TestOutputText(status), text);
    ASSERT_CONTAINS(TestOutputText(status), L"Controller: none");

    stopper = TestSpawnSelf(TEST_SPAWN_DEFAULT, L"--helper", L"sample-stop", name, (const wchar_t *)NULL);
    ASSERT_EXIT(stopper, 0, 10000);
    status = TestExpectStatus(name, 0);
    swprintf(text, TEST_TEXT_CAP, L"Listener:   pid %lu, stopping", (unsigned long)TestPid(listener));
    ASSERT_CONTAINS(TestOutputText(status), text);
    ASSERT(TestIsRunning(listener)); /* still finishing its unit */
}

/*
 * A sample listener whose image is ConsoleAppListener.exe, as the C# sample's own is:
 * a copy of ipc_tests.exe under that name in a folder of its own, started as
 * a controller starts a listener ("ConsoleAppListener.exe NAME"). Its path is
 * left in copy for the caller to delete once the process is gone.
 */
static TestProc *StartSampleListenerNamedAsOurs(const wchar_t *name, wchar_t *copy, size_t cap)
{
    wchar_t self[TEST_PATH_CAP];
    wchar_t dir[TEST_PATH_CAP];

    TestSelfPath(self, TEST_PATH_CAP);
    TestTempFile(name, L".dir", dir, TEST_PATH_CAP);
    ASSERT(CreateDirectoryW(dir, NULL) || GetLastError() == ERROR_ALREADY_EXISTS);
    swprintf(copy, cap, L"%ls\\%ls", dir, TEST_LISTENER_EXE);
    ASSERT_MSG(CopyFileW(self, copy, FALSE), L"cannot copy ipc_tests.exe to %ls (error %lu)", copy,
               (unsigned long)GetLastError());
    return TestStartSampleListenerAt(copy, name);
}

/* Deletes the copy and its folder (best effort: the process that ran it has exited). */
static void RemoveCopy(const wchar_t *copy)
{
    wchar_t dir[TEST_PATH_CAP];
    wchar_t *slash;

    (void)DeleteFileW(copy);
    swprintf(dir, TEST_PATH_CAP, L"%ls", copy);
    slash = wcsrchr(dir, L'\\');
    if (slash != NULL) {
        *slash = L'\0';
        (void)RemoveDirectoryW(dir);
    }
}

/*
 * The C# sample's 4-byte format: only a pid, no creation time, so --status checks
 * the image as --stop does. A live sample listener (ConsoleAppListener.exe) is
 * running; a pid that belongs to another program (here ipc_tests.exe speaking
 * the C# sample's protocol, as a recycled pid would) is not a listener: exit 3 and
 * the reason (it was reported running, found in review); a dead pid while the
 * mapping is held is not running either.
 */
TEST_IMPL(unattended_status_sample_format)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t text[TEST_TEXT_CAP];
    wchar_t copy[TEST_PATH_CAP];
    TestProc *sample;
    TestProc *status;
    TestProc *stopper;
    HANDLE keep = NULL;
    const wchar_t *out;

    TestUniqueName(L"statussample", name, TEST_TEXT_CAP);
    sample = StartSampleListenerNamedAsOurs(name, copy, TEST_PATH_CAP);
    status = TestExpectStatus(name, 0);
    out = TestOutputText(status);
    ASSERT_CONTAINS(out, TEXT_STATUS_SAMPLE_FORMAT);
    swprintf(text, TEST_TEXT_CAP, L"pid %lu", (unsigned long)TestPid(sample));
    ASSERT_CONTAINS(out, text);
    /* Only the pid is known: no units, controller or restarts are made up. */
    ASSERT_NOT_CONTAINS(out, L"Units:");
    ASSERT_NOT_CONTAINS(out, L"Restarts:");

    /* The listener dies while someone (this test) still holds its mapping: a dead pid. */
    keep = OpenFileMappingW(FILE_MAP_READ, FALSE, name);
    ASSERT(keep != NULL);
    ASSERT(TestKillPid(TestPid(sample)));
    ASSERT(TestWaitExit(sample, 10000, NULL));
    status = TestExpectStatus(name, IPC_EXIT_NOT_RUNNING);
    ASSERT_CONTAINS(TestOutputText(status), L"not running");
    CloseHandle(keep);
    keep = NULL;
    RemoveCopy(copy);

    /* A live process that is not ConsoleAppListener.exe: not taken for the listener. */
    TestUniqueName(L"statusforeign", name, TEST_TEXT_CAP);
    sample = TestSpawnSelf(TEST_SPAWN_DEFAULT, L"--helper", L"sample-listener", name, L"300", (const wchar_t *)NULL);
    ASSERT_OUTPUT(sample, TEXT_PROCESSING, 10000);
    ASSERT_EQ_INT(TestWaitPublished(name, 0, 5000), TestPid(sample));
    status = TestExpectStatus(name, IPC_EXIT_NOT_RUNNING);
    out = TestOutputText(status);
    ASSERT_CONTAINS(out, L"not running");
    ASSERT_CONTAINS(out, L"ipc_tests.exe, not " TEST_LISTENER_EXE);
    ASSERT(TestIsRunning(sample));

    /* The C# sample's controller after a stop: it keeps a 4-byte mapping holding -1 open, no listener behind it. */
    TestUniqueName(L"statussamplestop", name, TEST_TEXT_CAP);
    sample = TestSpawnSelf(TEST_SPAWN_DEFAULT, L"--helper", L"sample-listener", name, L"300", (const wchar_t *)NULL);
    ASSERT_OUTPUT(sample, TEXT_PROCESSING, 10000);
    stopper = TestSpawnSelf(TEST_SPAWN_DEFAULT, L"--helper", L"sample-stop", name, L"60000", (const wchar_t *)NULL);
    ASSERT_OUTPUT(stopper, TEXT_SENT, 10000);
    ASSERT_EXIT(sample, 0, 5000);
    status = TestExpectStatus(name, IPC_EXIT_NOT_RUNNING);
    ASSERT_CONTAINS(TestOutputText(status), L"not running");
}
