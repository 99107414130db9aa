/*
 * process.c - processes seen from outside: pids, creation times, parents,
 * children, and killing whole trees (Toolhelp snapshots).
 */
#include "harness.h"

#include <string.h>
#include <tlhelp32.h>

HANDLE TestPidHandle(DWORD pid)
{
    HANDLE h;

    if (pid == 0) {
        return NULL;
    }
    h = OpenProcess(SYNCHRONIZE | PROCESS_TERMINATE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
    if (h == NULL) {
        return NULL;
    }
    /* OpenProcess also succeeds on an exited process that someone still holds a handle to. */
    if (WaitForSingleObject(h, 0) != WAIT_TIMEOUT) {
        CloseHandle(h);
        h = NULL;
    }
    return h;
}

BOOL TestPidAlive(DWORD pid)
{
    HANDLE h = TestPidHandle(pid);

    if (h == NULL) {
        return FALSE;
    }
    CloseHandle(h);
    h = NULL;
    return TRUE;
}

BOOL TestKillPid(DWORD pid)
{
    HANDLE h = TestPidHandle(pid);
    BOOL killed = FALSE;

    if (h == NULL) {
        goto cleanup;
    }
    if (!TerminateProcess(h, TEST_KILL_EXIT_CODE)) {
        goto cleanup;
    }
    killed = WaitForSingleObject(h, 10000) == WAIT_OBJECT_0;

cleanup:
    if (h != NULL) {
        CloseHandle(h);
        h = NULL;
    }
    return killed;
}

BOOL TestWaitPidExit(DWORD pid, DWORD timeout_ms, DWORD *code)
{
    HANDLE h = OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
    BOOL exited = FALSE;
    DWORD exit_code = 0;

    if (h == NULL) {
        /* Gone already: its exit code is lost, which only matters to callers that ask. */
        exited = code == NULL;
        goto cleanup;
    }
    if (WaitForSingleObject(h, timeout_ms) != WAIT_OBJECT_0) {
        goto cleanup;
    }
    if (code != NULL) {
        if (!GetExitCodeProcess(h, &exit_code)) {
            goto cleanup;
        }
        *code = exit_code;
    }
    exited = TRUE;

cleanup:
    if (h != NULL) {
        CloseHandle(h);
        h = NULL;
    }
    return exited;
}

ULONGLONG TestPidCreated(DWORD pid)
{
    HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
    FILETIME created;
    FILETIME exited;
    FILETIME kernel;
    FILETIME user;
    ULONGLONG result = 0;

    if (h == NULL) {
        goto cleanup;
    }
    if (!GetProcessTimes(h, &created, &exited, &kernel, &user)) {
        goto cleanup;
    }
    result = ((ULONGLONG)created.dwHighDateTime << 32) | created.dwLowDateTime;

cleanup:
    if (h != NULL) {
        CloseHandle(h);
        h = NULL;
    }
    return result;
}

/*
 * Live processes whose parent pid is parent_pid, of image image (any when
 * NULL), and created at or after created_after when it is not 0. Wine hands
 * out the same small pids again at once, so a child of an earlier holder of
 * the parent's pid only stays out of the count when the parent's creation
 * time is given.
 */
static size_t CountChildren(DWORD parent_pid, const wchar_t *image, ULONGLONG created_after)
{
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    PROCESSENTRY32W entry;
    ULONGLONG created;
    size_t count = 0;
    BOOL more;

    if (snap == INVALID_HANDLE_VALUE) {
        TestFail(__FILE__, __LINE__, L"CreateToolhelp32Snapshot failed with error %lu", (unsigned long)GetLastError());
    }
    memset(&entry, 0, sizeof(entry));
    entry.dwSize = sizeof(entry);
    for (more = Process32FirstW(snap, &entry); more; more = Process32NextW(snap, &entry)) {
        if (entry.th32ParentProcessID != parent_pid || entry.th32ProcessID == parent_pid) {
            continue;
        }
        if (image != NULL && _wcsicmp(entry.szExeFile, image) != 0) {
            continue;
        }
        if (created_after != 0) {
            created = TestPidCreated(entry.th32ProcessID);
            if (created == 0 || created < created_after) {
                continue;
            }
        }
        if (TestPidAlive(entry.th32ProcessID)) {
            count++;
        }
    }
    CloseHandle(snap);
    snap = NULL;
    return count;
}

size_t TestCountChildren(DWORD parent_pid, const wchar_t *image)
{
    return CountChildren(parent_pid, image, 0);
}

DWORD TestParentPid(DWORD pid)
{
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    PROCESSENTRY32W entry;
    DWORD parent = 0;
    BOOL more;

    if (snap == INVALID_HANDLE_VALUE) {
        snap = NULL;
        goto cleanup;
    }
    memset(&entry, 0, sizeof(entry));
    entry.dwSize = sizeof(entry);
    for (more = Process32FirstW(snap, &entry); more; more = Process32NextW(snap, &entry)) {
        if (entry.th32ProcessID == pid) {
            parent = entry.th32ParentProcessID;
            break;
        }
    }

cleanup:
    if (snap != NULL) {
        CloseHandle(snap);
        snap = NULL;
    }
    return parent;
}

typedef struct TreeNode {
    DWORD pid;
    ULONGLONG created;
} TreeNode;

#define TEST_TREE_MAX 256

static BOOL TreeHas(const TreeNode *nodes, size_t n, DWORD pid, ULONGLONG *created)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (nodes[i].pid == pid) {
            *created = nodes[i].created;
            return TRUE;
        }
    }
    return FALSE;
}

/*
 * Kill a process tree by parent pids from Toolhelp. Parents go first, so a
 * controller cannot relaunch a listener we are about to kill; the tree seen so
 * far is remembered across rounds because a killed process's children still
 * name it as their parent while it no longer appears in a snapshot. A child
 * created before its supposed parent holds a recycled pid and is left alone.
 */
void TestKillTree(DWORD pid, BOOL only_descendants)
{
    TreeNode nodes[TEST_TREE_MAX];
    size_t count = 0;
    size_t round;
    size_t before;
    HANDLE snap = NULL;
    PROCESSENTRY32W entry;
    BOOL more;
    BOOL grew;
    ULONGLONG parent_created;
    ULONGLONG created;
    HANDLE h;
    size_t i;

    nodes[count].pid = pid;
    nodes[count].created = TestPidCreated(pid);
    count++;
    if (!only_descendants) {
        TestKillPid(pid);
    }
    for (round = 0; round < 5; round++) {
        before = count;
        snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
        if (snap == INVALID_HANDLE_VALUE) {
            snap = NULL;
            break;
        }
        /* Grow the tree to a fixed point within this snapshot. */
        do {
            grew = FALSE;
            memset(&entry, 0, sizeof(entry));
            entry.dwSize = sizeof(entry);
            for (more = Process32FirstW(snap, &entry); more; more = Process32NextW(snap, &entry)) {
                if (count >= TEST_TREE_MAX || TreeHas(nodes, count, entry.th32ProcessID, &created)) {
                    continue;
                }
                if (!TreeHas(nodes, count, entry.th32ParentProcessID, &parent_created)) {
                    continue;
                }
                created = TestPidCreated(entry.th32ProcessID);
                if (created == 0 || created < parent_created) {
                    continue;
                }
                nodes[count].pid = entry.th32ProcessID;
                nodes[count].created = created;
                count++;
                grew = TRUE;
            }
        } while (grew);
        CloseHandle(snap);
        snap = NULL;
        for (i = before; i < count; i++) {
            h = OpenProcess(PROCESS_TERMINATE | SYNCHRONIZE, FALSE, nodes[i].pid);
            if (h != NULL) {
                TerminateProcess(h, TEST_KILL_EXIT_CODE);
                WaitForSingleObject(h, 5000);
                CloseHandle(h);
                h = NULL;
            }
        }
        if (count == before) {
            break;
        }
    }
}

/*
 * Processes whose parent a test killed (a listener outliving its controller):
 * they are no longer anyone's descendant, so TestCleanup would not find them.
 * The creation time guards against killing a recycled pid.
 */
#define TEST_MAX_TRACKED 64
static TreeNode g_tracked[TEST_MAX_TRACKED];
static size_t g_tracked_count;

void TestTrackPid(DWORD pid)
{
    if (g_tracked_count < TEST_MAX_TRACKED) {
        g_tracked[g_tracked_count].pid = pid;
        g_tracked[g_tracked_count].created = TestPidCreated(pid);
        g_tracked_count++;
    }
}

void TestKillTracked(void)
{
    size_t i;

    for (i = 0; i < g_tracked_count; i++) {
        if (g_tracked[i].created != 0 && TestPidCreated(g_tracked[i].pid) == g_tracked[i].created) {
            TestKillTree(g_tracked[i].pid, FALSE);
        }
    }
}

size_t TestCountOwnChildren(TestProc *proc)
{
    return CountChildren(TestPid(proc), NULL, TestHandleCreated(TestHandle(proc)));
}

uint64_t TestHandleCreated(HANDLE process)
{
    FILETIME created;
    FILETIME exited;
    FILETIME kernel;
    FILETIME user;

    ASSERT(GetProcessTimes(process, &created, &exited, &kernel, &user));
    return ((uint64_t)created.dwHighDateTime << 32) | created.dwLowDateTime;
}
