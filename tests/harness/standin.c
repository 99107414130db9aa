/*
 * standin.c - a Task Scheduler stand-in for tests/interactive.sh.
 *
 * "--helper task-standin JOB PRIORITY COMMAND [ARGUMENTS]" starts COMMAND with
 * ARGUMENTS (a task's <Command> and <Arguments>, as read back from
 * --install --dry-run) the way Task Scheduler starts an action: in the console
 * this helper runs in (a tmux pane: a real console, as a task's new console
 * is), inside a job object named JOB, at the priority class of the task's
 * <Priority> (0-10, "Priority (settingsType) Element"). The job allows no
 * breakaway, as a task's job does not ("Process Creation Flags":
 * CREATE_BREAKAWAY_FROM_JOB fails unless the job has
 * JOB_OBJECT_LIMIT_BREAKAWAY_OK). It waits for the action and exits with its
 * exit code.
 *
 * "--helper task-end JOB" does what Task Scheduler's End does: it terminates
 * the job (TerminateJobObject), every process in it, at once.
 */
#include "harness.h"

#include <string.h>

/* The priority class of a task's <Priority> ("Priority (settingsType) Element"). */
static DWORD TaskPriorityClass(unsigned long priority)
{
    if (priority == 0) {
        return REALTIME_PRIORITY_CLASS;
    }
    if (priority == 1) {
        return HIGH_PRIORITY_CLASS;
    }
    if (priority <= 3) {
        return ABOVE_NORMAL_PRIORITY_CLASS;
    }
    if (priority <= 6) {
        return NORMAL_PRIORITY_CLASS;
    }
    if (priority <= 8) {
        return BELOW_NORMAL_PRIORITY_CLASS;
    }
    return IDLE_PRIORITY_CLASS;
}

static int StandIn(const wchar_t *job_name, const wchar_t *priority_text, const wchar_t *command,
                   const wchar_t *arguments)
{
    static wchar_t line[32768];
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    HANDLE job = NULL;
    DWORD exit_code = 1;
    unsigned long priority;
    wchar_t *end = NULL;
    size_t nc;
    size_t na;
    int rc = 1;

    ZeroMemory(&pi, sizeof(pi));
    priority = wcstoul(priority_text, &end, 10);
    if (end == priority_text || *end != L'\0' || priority > 10) {
        TestPrint(L"task-standin: bad priority %ls\n", priority_text);
        return 2;
    }
    /* The command line Task Scheduler makes of an Exec action: "<Command>" <Arguments>. */
    nc = wcslen(command);
    na = wcslen(arguments);
    if (nc + na + 4 > ARRAYSIZE(line)) {
        TestPrint(L"task-standin: command line too long\n");
        return 2;
    }
    line[0] = L'"';
    memcpy(line + 1, command, nc * sizeof(wchar_t));
    line[nc + 1] = L'"';
    line[nc + 2] = L' ';
    memcpy(line + nc + 3, arguments, (na + 1) * sizeof(wchar_t));
    job = CreateJobObjectW(NULL, job_name);
    if (job == NULL) {
        TestPrint(L"task-standin: CreateJobObjectW failed with error %lu\n", (unsigned long)GetLastError());
        goto cleanup;
    }
    ZeroMemory(&si, sizeof(si));
    si.cb = sizeof(si);
    /* Suspended until it is in the job, so that everything it starts is in the job too. */
    if (!CreateProcessW(NULL, line, NULL, NULL, FALSE, CREATE_SUSPENDED | TaskPriorityClass(priority), NULL, NULL,
                        &si, &pi)) {
        TestPrint(L"task-standin: CreateProcessW failed with error %lu\n", (unsigned long)GetLastError());
        goto cleanup;
    }
    /* Wine ignores the priority class given to CreateProcessW; SetPriorityClass it honours (Windows both). */
    if (!SetPriorityClass(pi.hProcess, TaskPriorityClass(priority))) {
        TestPrint(L"task-standin: SetPriorityClass failed with error %lu\n", (unsigned long)GetLastError());
        TerminateProcess(pi.hProcess, 1);
        goto cleanup;
    }
    if (!AssignProcessToJobObject(job, pi.hProcess)) {
        TestPrint(L"task-standin: AssignProcessToJobObject failed with error %lu\n", (unsigned long)GetLastError());
        TerminateProcess(pi.hProcess, 1);
        goto cleanup;
    }
    ResumeThread(pi.hThread);
    WaitForSingleObject(pi.hProcess, INFINITE);
    if (GetExitCodeProcess(pi.hProcess, &exit_code)) {
        rc = (int)exit_code;
    }

cleanup:
    if (pi.hThread != NULL) {
        CloseHandle(pi.hThread);
    }
    if (pi.hProcess != NULL) {
        CloseHandle(pi.hProcess);
    }
    if (job != NULL) {
        CloseHandle(job);
    }
    return rc;
}

static int EndTask(const wchar_t *job_name)
{
    HANDLE job = OpenJobObjectW(JOB_OBJECT_TERMINATE, FALSE, job_name);

    if (job == NULL) {
        TestPrint(L"task-end: OpenJobObjectW failed with error %lu\n", (unsigned long)GetLastError());
        return 1;
    }
    if (!TerminateJobObject(job, 1)) {
        TestPrint(L"task-end: TerminateJobObject failed with error %lu\n", (unsigned long)GetLastError());
        CloseHandle(job);
        return 1;
    }
    CloseHandle(job);
    return 0;
}

int TestTaskHelperMain(int argc, wchar_t **argv)
{
    if (argc >= 4 && wcscmp(argv[0], L"task-standin") == 0) {
        return StandIn(argv[1], argv[2], argv[3], argc >= 5 ? argv[4] : L"");
    }
    if (argc == 2 && wcscmp(argv[0], L"task-end") == 0) {
        return EndTask(argv[1]);
    }
    return -1;
}
