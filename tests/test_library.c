/*
 * test_library.c - the README's library example, built by tests/run.sh, run under
 * a controller like any listener.
 */
#include "harness/harness.h"

#include <stdio.h>

TEST_IMPL(unattended_example_worker)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t worker_exe[TEST_PATH_CAP];
    wchar_t cmd[TEST_CMD_CAP];
    wchar_t text[TEST_TEXT_CAP];
    TestProc *worker;
    TestProc *status;
    TestProc *controller;
    unsigned long units;
    DWORD pid;

    TestBinPath(L"example\\worker.exe", worker_exe, TEST_PATH_CAP);
    ASSERT_MSG(TestFileExists(worker_exe),
               L"%ls is missing: tests/run.sh builds it from the C block after <!-- example: worker.c --> in README.md",
               worker_exe);
    TestUniqueName(L"example", name, TEST_TEXT_CAP);

    /* By hand. */
    TestCommandLine(cmd, TEST_CMD_CAP, worker_exe, name, (const wchar_t *)NULL);
    worker = TestSpawn(cmd);
    ASSERT_MSG(TestWaitPublished(name, 0, 10000) == TestPid(worker), L"the worker did not publish its pid:\n%ls",
               TestOutputText(worker));
    Sleep(500);
    status = TestExpectStatus(name, 0);
    swprintf(text, TEST_TEXT_CAP, L"Listener:   pid %lu, running", (unsigned long)TestPid(worker));
    ASSERT_CONTAINS(TestOutputText(status), text);
    units = TestStatusNumber(status, L"Units:");
    Sleep(700);
    status = TestExpectStatus(name, 0);
    ASSERT_MSG(TestStatusNumber(status, L"Units:") > units, L"the worker's units did not advance:\n%ls",
               TestOutputText(status));
    ASSERT_EQ_INT(TestStop(name, 15000, 20000, NULL), 0);
    ASSERT_EXIT(worker, 0, 5000);

    /* Supervised. */
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--listener", worker_exe, L"--console", L"none",
                                     (const wchar_t *)NULL);
    pid = TestWaitListener(controller, name, 0);
    ASSERT_EQ_INT(TestParentPid(pid), TestPid(controller));
    Sleep(500);
    status = TestExpectStatus(name, 0);
    swprintf(text, TEST_TEXT_CAP, L"Controller: pid %lu, running", (unsigned long)TestPid(controller));
    ASSERT_CONTAINS(TestOutputText(status), text);
    TestStopController(name, controller);
    ASSERT(!TestPidAlive(pid));
}

/*
 * The lock is a mutex, owned by the thread that opened the listener: a worker
 * that closes it on another thread cannot let go of it, and is told so
 * (ReleaseMutex, naming the rule) instead of leaving NAME held in silence.
 */
TEST_IMPL(library_close_on_another_thread_said)
{
    wchar_t name[TEST_TEXT_CAP];
    TestProc *worker;

    TestUniqueName(L"libthread", name, TEST_TEXT_CAP);
    worker = TestSpawnSelf(TEST_SPAWN_DEFAULT, L"--helper", L"close-elsewhere", name, (const wchar_t *)NULL);
    ASSERT_EXIT(worker, 0, 10000);
    ASSERT_CONTAINS(TestOutputText(worker), L"ReleaseMutex");
    ASSERT_CONTAINS(TestOutputText(worker), L"call IpcListenerClose on that thread");
}
