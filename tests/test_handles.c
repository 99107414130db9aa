/*
 * test_handles.c - children inherit exactly their three standard handles: the
 * listener the controller launches and the --run command the listener starts
 * never see another inheritable handle of their parent, and a listener with
 * --console none gets the NUL device as its standard handles, never its
 * parent's handle values.
 *
 * The inheritable handle is a file this test opens: every process it spawns
 * inherits it (the harness starts them with bInheritHandles), so the program
 * under test holds it under the same value, as it would hold any inheritable
 * handle of its own. A process holds it when that value, duplicated out of the
 * process, is the same file (same volume and file index): a check that
 * changes nothing in the process looked at.
 */
#include "harness/harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <winternl.h>

/* An inheritable handle on a fresh temporary file named after tag. */
static HANDLE InheritableFile(const wchar_t *tag, wchar_t *path, size_t cap)
{
    SECURITY_ATTRIBUTES inherit = {sizeof(inherit), NULL, TRUE};
    HANDLE file;

    TestTempFile(tag, L".inherit", path, cap);
    file = CreateFileW(path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                       &inherit, CREATE_ALWAYS, FILE_FLAG_DELETE_ON_CLOSE, NULL);
    ASSERT_MSG(file != INVALID_HANDLE_VALUE, L"cannot create %ls (error %lu)", path, (unsigned long)GetLastError());
    return file;
}

/* TRUE when a and b are handles of the same file. */
static BOOL SameFile(HANDLE a, HANDLE b)
{
    BY_HANDLE_FILE_INFORMATION ia;
    BY_HANDLE_FILE_INFORMATION ib;

    if (!GetFileInformationByHandle(a, &ia) || !GetFileInformationByHandle(b, &ib)) {
        return FALSE;
    }
    return ia.dwVolumeSerialNumber == ib.dwVolumeSerialNumber && ia.nFileIndexHigh == ib.nFileIndexHigh &&
           ia.nFileIndexLow == ib.nFileIndexLow;
}

/* The handle value in process, duplicated into this one; NULL when process has no such handle. */
static HANDLE CopyOut(HANDLE process, HANDLE value)
{
    HANDLE copy = NULL;

    if (value == NULL || !DuplicateHandle(process, value, GetCurrentProcess(), &copy, 0, FALSE, DUPLICATE_SAME_ACCESS)) {
        return NULL;
    }
    return copy;
}

/* TRUE when pid holds file under the value it has here (the value inheritance keeps). */
static BOOL HoldsFile(DWORD pid, HANDLE file)
{
    HANDLE process = OpenProcess(PROCESS_DUP_HANDLE, FALSE, pid);
    HANDLE copy;
    BOOL same;

    ASSERT_MSG(process != NULL, L"OpenProcess(PROCESS_DUP_HANDLE, %lu) failed with error %lu", (unsigned long)pid,
               (unsigned long)GetLastError());
    copy = CopyOut(process, file);
    same = copy != NULL && SameFile(copy, file);
    if (copy != NULL) {
        CloseHandle(copy);
    }
    CloseHandle(process);
    return same;
}

typedef NTSTATUS(NTAPI *QueryProcessFn)(HANDLE, PROCESSINFOCLASS, PVOID, ULONG, PULONG);

/*
 * The standard handle values of pid (input, output, error) as its process
 * parameters hold them, which is where GetStdHandle reads them: the PEB's
 * ProcessParameters (the fifth pointer of the PEB), whose StandardInput
 * follows four ULONGs, ConsoleHandle and ConsoleFlags (padded to a pointer).
 * The same layout for a process of this test's own bitness.
 */
static void StdHandlesOf(HANDLE process, HANDLE out[3])
{
    QueryProcessFn query = (QueryProcessFn)(void (*)(void))GetProcAddress(GetModuleHandleW(L"ntdll.dll"),
                                                                          "NtQueryInformationProcess");
    PROCESS_BASIC_INFORMATION basic;
    void *params = NULL;
    SIZE_T got = 0;

    ASSERT(query != NULL);
    ASSERT(query(process, ProcessBasicInformation, &basic, (ULONG)sizeof(basic), NULL) == 0);
    ASSERT(ReadProcessMemory(process, (const BYTE *)basic.PebBaseAddress + 4 * sizeof(void *), &params,
                             sizeof(params), &got) && got == sizeof(params));
    ASSERT(ReadProcessMemory(process, (const BYTE *)params + 16 + 2 * sizeof(void *), out, 3 * sizeof(HANDLE),
                             &got) && got == 3 * sizeof(HANDLE));
}

/*
 * The listener of a controller run with --console console inherits nothing of
 * the controller but its standard handles; with "none" those are the NUL
 * device, open in the listener.
 */
static void ListenerInheritsOnlyStd(const wchar_t *console)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t path[TEST_PATH_CAP];
    HANDLE file;
    HANDLE listener;
    HANDLE std[3];
    HANDLE copy;
    TestProc *controller;
    DWORD pid;
    DWORD mode;
    int i;

    TestUniqueName(console, name, TEST_TEXT_CAP);
    file = InheritableFile(name, path, TEST_PATH_CAP);
    controller = TestStartController(name, console, L"300", TEST_SPAWN_DEFAULT);
    pid = TestWaitLaunched(controller, name);
    /* The condition: the controller holds an inheritable handle besides its standard ones. */
    ASSERT_MSG(HoldsFile(TestPid(controller), file), L"the controller did not inherit the test's file handle %p",
               file);
    ASSERT_MSG(!HoldsFile(pid, file),
               L"--console %ls: the listener inherited the controller's handle %p (of %ls), not only its three "
               L"standard handles",
               console, file, path);
    if (wcscmp(console, L"none") == 0) {
        listener = OpenProcess(PROCESS_DUP_HANDLE | PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE, pid);
        ASSERT(listener != NULL);
        StdHandlesOf(listener, std);
        for (i = 0; i < 3; i++) {
            copy = CopyOut(listener, std[i]);
            ASSERT_MSG(copy != NULL, L"--console none: standard handle %d of the listener (%p) is no handle of it", i,
                       std[i]);
            /* The NUL device: a character device that is not a console (and not the controller's pipe). */
            ASSERT_MSG(GetFileType(copy) == FILE_TYPE_CHAR && !GetConsoleMode(copy, &mode),
                       L"--console none: standard handle %d of the listener is not the NUL device (file type %lu)", i,
                       (unsigned long)GetFileType(copy));
            CloseHandle(copy);
        }
        CloseHandle(listener);
    }
    TestStopAndExpectEnd(controller, name, 1);
    CloseHandle(file);
}

TEST_IMPL(launch_listener_inherits_only_std_handles)
{
    ListenerInheritsOnlyStd(L"none");
    ListenerInheritsOnlyStd(L"shared");
}

/* A --run command inherits nothing of the listener but its input and the pipe of its output and errors. */
TEST_IMPL(launch_run_command_inherits_only_std_handles)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t path[TEST_PATH_CAP];
    wchar_t pid_file[TEST_PATH_CAP];
    wchar_t self[TEST_PATH_CAP];
    wchar_t command[TEST_CMD_CAP];
    wchar_t exe[TEST_PATH_CAP];
    wchar_t cmd[TEST_CMD_CAP];
    HANDLE file;
    HANDLE process;
    HANDLE std[3];
    HANDLE copy;
    TestProc *listener;
    DWORD pid;
    int i;

    TestUniqueName(L"runhandles", name, TEST_TEXT_CAP);
    file = InheritableFile(name, path, TEST_PATH_CAP);
    TestTempFile(name, L".pid", pid_file, TEST_PATH_CAP);
    TestSelfPath(self, TEST_PATH_CAP);
    TestCommandLine(command, TEST_CMD_CAP, self, L"--helper", L"sleeper", L"3000", pid_file, (const wchar_t *)NULL);
    TestBinPath(TEST_LISTENER_EXE, exe, TEST_PATH_CAP);
    TestCommandLine(cmd, TEST_CMD_CAP, exe, name, L"--run", command, (const wchar_t *)NULL);
    listener = TestSpawn(cmd);
    pid = TestWaitPidFile(pid_file, 15000);
    ASSERT_MSG(pid != 0, L"the --run command wrote no pid to %ls:\n%ls", pid_file, TestOutputText(listener));
    ASSERT_MSG(HoldsFile(TestPid(listener), file), L"the listener did not inherit the test's file handle %p", file);
    ASSERT_MSG(!HoldsFile(pid, file),
               L"the --run command inherited the listener's handle %p (of %ls), not only its three standard handles",
               file, path);
    /* Its three: the listener's input (NUL here, from the harness), and one pipe for output and errors. */
    process = OpenProcess(PROCESS_DUP_HANDLE | PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE, pid);
    ASSERT(process != NULL);
    StdHandlesOf(process, std);
    for (i = 0; i < 3; i++) {
        copy = CopyOut(process, std[i]);
        ASSERT_MSG(copy != NULL, L"standard handle %d of the --run command (%p) is no handle of it", i, std[i]);
        ASSERT_EQ_INT(GetFileType(copy), i == 0 ? FILE_TYPE_CHAR : FILE_TYPE_PIPE);
        CloseHandle(copy);
    }
    CloseHandle(process);
    ASSERT_EQ_INT(TestStop(name, 15000, 20000, NULL), 0);
    ASSERT_EXIT(listener, 0, 10000);
    DeleteFileW(pid_file);
    CloseHandle(file);
}
