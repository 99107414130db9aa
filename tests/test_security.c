/*
 * test_security.c - issue 6 through the real programs: private kernel objects,
 * names squatted by someone else, garbage in the shared memory, instance-name
 * checks, usage errors, and the quoting of the listener's arguments.
 *
 * Under Wine there is only one user, so "another user cannot open our objects"
 * cannot be shown by trying it. It is proven from the objects' security
 * descriptors instead: owner the user, a protected DACL with exactly two
 * grants, the user and SYSTEM, and nothing for Everyone or Users. An object
 * "of another user" is made by giving it another owner SID (Guests) in its
 * security descriptor, which Wine allows; Windows allows it only with
 * SeRestorePrivilege, so those tests say SKIP where creating it is refused.
 *
 * The squatting objects are created by the test process itself and held
 * until it ends: a kernel object does not record which process made it, so a
 * helper process would prove nothing more.
 *
 * Exit codes and header fields are spelled out here rather than taken from
 * common/ (only the header's size comes from ipc_layout.h, for buffers): the
 * tests check the documented contract, not the code's constants.
 */
#include "test_util.h"

#include <sddl.h>
#include <aclapi.h>
#include <stdlib.h>
#include <string.h>
#include <tlhelp32.h>

#include "ipc_layout.h"

#define SEC_TEXT_CAP 512
#define SEC_PATH_CAP 1024
#define SEC_CMD_CAP 16384
#define SEC_EXIT_USAGE 2u
#define SEC_EXIT_NAME_IN_USE 7u
/* Exit codes from here up are NTSTATUS values: the process died of an exception (0xC0000005 and friends). */
#define SEC_EXCEPTION_CODES 0xC0000000u
/* The longest instance name README.md allows. */
#define SEC_NAME_MAX 239u
/* An owner that is not the user (BUILTIN\Guests), with a DACL that lets the test itself in. */
#define SEC_FOREIGN_SDDL L"O:BGD:(A;;GA;;;WD)"
/* IPC_TEST_HELPER=echo-args: ipc_tests.exe, launched as a listener, writes its argv to this file. */
#define SEC_HELPER_ECHO L"echo-args"
#define SEC_ENV_ECHO_FILE L"IPC_TEST_ECHO_FILE"
/* Garbage rounds written into a live mapping, and the pause after each (a few 50 ms units in all). */
#define SEC_GARBAGE_ROUNDS 40u
#define SEC_GARBAGE_PAUSE_MS 20u
/* Rounds before this one keep stop_requests == stop_acked, so a listener has no reason to stop and keeps reading. */
#define SEC_GARBAGE_CALM_ROUNDS 30u
/* The long argument of the quoting test, in characters. */
#define SEC_LONG_ARG 2000u

/* ---- bytes ---- */

/* xorshift32: fixed seeds give the same garbage on every run, so a failure can be replayed. */
static uint32_t NextRandom(uint32_t *state)
{
    uint32_t x = *state;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

static void FillRandom(unsigned char *out, size_t len, uint32_t seed)
{
    uint32_t state = seed != 0 ? seed : 1u;
    size_t i;

    for (i = 0; i < len; i++) {
        out[i] = (unsigned char)(NextRandom(&state) >> 24);
    }
}

static void PutU16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)(v & 0xFFu);
    p[1] = (unsigned char)(v >> 8);
}

static void PutU32(unsigned char *p, uint32_t v)
{
    PutU16(p, (uint16_t)(v & 0xFFFFu));
    PutU16(p + 2, (uint16_t)(v >> 16));
}

static void PutU64(unsigned char *p, uint64_t v)
{
    PutU32(p, (uint32_t)(v & 0xFFFFFFFFu));
    PutU32(p + 4, (uint32_t)(v >> 32));
}

/* The header a listener that has just published writes (README.md, "The mapping"). */
static void ValidHeader(unsigned char *b, DWORD pid, uint64_t created)
{
    memset(b, 0, IPC_MAPPING_SIZE);
    PutU32(b + 0, (uint32_t)pid);
    PutU32(b + 4, 0x4C435049u); /* "IPCL" */
    PutU16(b + 8, 1);           /* version */
    PutU16(b + 10, 128);        /* size */
    PutU32(b + 12, 1);          /* state: running */
    PutU32(b + 16, (uint32_t)pid);
    PutU64(b + 24, created);
}

/*
 * Garbage for one round: random bytes from seed, offset 0 never -1 (that is
 * the real close message, not garbage). keep_magic: magic, version and size
 * valid, so a program that checks only those takes the rest as its header;
 * keep_counters: stop_requests == stop_acked, so no stop is asked for.
 */
static void MakeGarbage(unsigned char *b, uint32_t seed, BOOL keep_magic, BOOL keep_counters)
{
    FillRandom(b, IPC_MAPPING_SIZE, seed);
    if (TestReadU32(b) == 0xFFFFFFFFu) {
        PutU32(b, 0x7A7A7A7Au);
    }
    if (keep_magic) {
        PutU32(b + 4, 0x4C435049u);
        PutU16(b + 8, 1);
        PutU16(b + 10, 128);
    }
    if (keep_counters) {
        memcpy(b + 44, b + 40, 4);
    }
}

static uint64_t ProcessCreated(HANDLE process)
{
    FILETIME created;
    FILETIME exited;
    FILETIME kernel;
    FILETIME user;

    ASSERT(GetProcessTimes(process, &created, &exited, &kernel, &user));
    return ((uint64_t)created.dwHighDateTime << 32) | created.dwLowDateTime;
}

/*
 * Live processes that proc started: their parent pid is proc's and they were
 * created after it. Wine hands out the same small pids again at once, so a
 * process of an earlier holder of proc's pid must not count (TestCountChildren
 * looks at the parent pid alone).
 */
static size_t CountOwnChildren(TestProc *proc)
{
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    PROCESSENTRY32W entry;
    uint64_t parent_created = ProcessCreated(TestHandle(proc));
    uint64_t created;
    size_t count = 0;
    BOOL more;

    if (snap == INVALID_HANDLE_VALUE) {
        TestFail(__FILE__, __LINE__, L"CreateToolhelp32Snapshot failed with error %lu", (unsigned long)GetLastError());
    }
    memset(&entry, 0, sizeof(entry));
    entry.dwSize = sizeof(entry);
    for (more = Process32FirstW(snap, &entry); more; more = Process32NextW(snap, &entry)) {
        if (entry.th32ParentProcessID != TestPid(proc) || entry.th32ProcessID == TestPid(proc)) {
            continue;
        }
        created = TestPidCreated(entry.th32ProcessID);
        if (created != 0 && created >= parent_created && TestPidAlive(entry.th32ProcessID)) {
            count++;
        }
    }
    CloseHandle(snap);
    return count;
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

static void ReadView(volatile const unsigned char *view, unsigned char *bytes, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        bytes[i] = view[i];
    }
}

/* ---- squatters ---- */

typedef enum SquatKind {
    SQUAT_MAPPING = 0,
    SQUAT_EVENT = 1,
    SQUAT_MUTEX = 2
} SquatKind;

/*
 * Creates the kernel object NAME of the given kind before our programs do, with
 * the security descriptor sddl (NULL: the default one, i.e. our own user's). A
 * mapping is IPC_MAPPING_SIZE bytes (size, when not 0) holding bytes. Returns
 * the handle, which keeps the object alive until the test process ends; NULL
 * with *error set when Windows refused (ERROR_INVALID_OWNER: no privilege to
 * give another owner). The name must be new.
 */
static HANDLE Squat(SquatKind kind, const wchar_t *name, const wchar_t *sddl, DWORD size, const unsigned char *bytes,
                    size_t len, DWORD *error)
{
    SECURITY_ATTRIBUTES sa;
    PSECURITY_DESCRIPTOR sd = NULL;
    HANDLE h = NULL;
    HANDLE result = NULL;
    void *view = NULL;
    DWORD err = ERROR_SUCCESS;

    memset(&sa, 0, sizeof(sa));
    sa.nLength = sizeof(sa);
    if (sddl != NULL) {
        if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl, SDDL_REVISION_1, &sd, NULL)) {
            err = GetLastError();
            goto cleanup;
        }
        sa.lpSecurityDescriptor = sd;
    }
    switch (kind) {
    case SQUAT_MAPPING:
        h = CreateFileMappingW(INVALID_HANDLE_VALUE, sddl != NULL ? &sa : NULL, PAGE_READWRITE, 0,
                               size != 0 ? size : IPC_MAPPING_SIZE, name);
        break;
    case SQUAT_EVENT:
        h = CreateEventW(sddl != NULL ? &sa : NULL, TRUE, FALSE, name);
        break;
    case SQUAT_MUTEX:
        h = CreateMutexW(sddl != NULL ? &sa : NULL, FALSE, name);
        break;
    }
    err = GetLastError();
    if (h == NULL) {
        goto cleanup;
    }
    if (err == ERROR_ALREADY_EXISTS) {
        goto cleanup; /* someone else's object: the test would not know what it squats */
    }
    err = ERROR_SUCCESS;
    if (kind == SQUAT_MAPPING && len > 0) {
        view = MapViewOfFile(h, FILE_MAP_READ | FILE_MAP_WRITE, 0, 0, 0);
        if (view == NULL) {
            err = GetLastError();
            goto cleanup;
        }
        memcpy(view, bytes, len);
    }
    result = h;
    h = NULL;

cleanup:
    if (view != NULL) {
        UnmapViewOfFile(view);
    }
    if (h != NULL) {
        CloseHandle(h);
    }
    if (sd != NULL) {
        LocalFree(sd);
    }
    *error = err;
    return result;
}

/* Squat, failing the test on any error but the missing privilege, which makes it a SKIP (returns NULL). */
static HANDLE SquatOrSkip(SquatKind kind, const wchar_t *name, const wchar_t *sddl, DWORD size,
                          const unsigned char *bytes, size_t len)
{
    DWORD error = ERROR_SUCCESS;
    HANDLE h = Squat(kind, name, sddl, size, bytes, len, &error);

    if (h == NULL && sddl != NULL && (error == ERROR_INVALID_OWNER || error == ERROR_PRIVILEGE_NOT_HELD)) {
        TestPrint(L"SKIP: this user may not create an object owned by another SID (error %lu)\n",
                  (unsigned long)error);
        return NULL;
    }
    ASSERT_MSG(h != NULL, L"cannot create the squatting object %ls: error %lu", name, (unsigned long)error);
    return h;
}

/* ---- running the programs ---- */

/* Which programs ExpectRefused runs. */
#define RUN_LISTENER 1u
#define RUN_CONTROLLER 2u
#define RUN_STOP 4u
#define RUN_ALL (RUN_LISTENER | RUN_CONTROLLER | RUN_STOP)

/* Spawn exe with a NULL-terminated array of arguments, stderr apart. */
static TestProc *SpawnArgs(const wchar_t *exe_file, const wchar_t *const *args)
{
    wchar_t exe[SEC_PATH_CAP];
    wchar_t *cmd = (wchar_t *)malloc(SEC_CMD_CAP * sizeof(wchar_t));
    TestProc *proc;
    size_t i;

    ASSERT(cmd != NULL);
    TestBinPath(exe_file, exe, SEC_PATH_CAP);
    cmd[0] = L'\0';
    TestAppendArg(cmd, SEC_CMD_CAP, exe);
    for (i = 0; args[i] != NULL; i++) {
        TestAppendArg(cmd, SEC_CMD_CAP, args[i]);
    }
    proc = TestSpawnEx(cmd, TEST_SPAWN_SPLIT_STDERR);
    free(cmd);
    return proc;
}

/* The program of a run, started for NAME with what it needs to do real work if it wrongly accepted NAME. */
static TestProc *SpawnRun(unsigned run, const wchar_t *name)
{
    const wchar_t *args[8];

    memset(args, 0, sizeof(args));
    switch (run) {
    case RUN_LISTENER:
        args[0] = name;
        args[1] = L"--work-ms";
        args[2] = L"100";
        return SpawnArgs(TEST_LISTENER_EXE, args);
    case RUN_CONTROLLER:
        args[0] = name;
        args[1] = L"--console";
        args[2] = L"none";
        args[3] = L"--";
        args[4] = L"--work-ms";
        args[5] = L"100";
        return SpawnArgs(TEST_CONTROLLER_EXE, args);
    default:
        args[0] = L"--stop";
        args[1] = name;
        args[2] = L"--timeout";
        args[3] = L"2000";
        return SpawnArgs(TEST_CONTROLLER_EXE, args);
    }
}

static const wchar_t *RunLabel(unsigned run)
{
    return run == RUN_LISTENER ? L"listener" : run == RUN_CONTROLLER ? L"controller" : L"--stop";
}

/* TRUE when text contains one of the NULL-terminated mentions (no mentions: always). */
static BOOL MentionsAny(const wchar_t *text, const wchar_t *const *mentions)
{
    size_t i;

    if (mentions == NULL || mentions[0] == NULL) {
        return TRUE;
    }
    for (i = 0; mentions[i] != NULL; i++) {
        if (wcsstr(text, mentions[i]) != NULL) {
            return TRUE;
        }
    }
    return FALSE;
}

/*
 * Wait for proc (one of `what`'s runs) to exit with expected, and check it did
 * nothing: no unit of work, no launch, no adoption, no close message sent, and
 * no process left behind that it started.
 */
static void ExpectExitDoingNothing(TestProc *proc, const wchar_t *what, DWORD expected)
{
    DWORD code = 0;
    const wchar_t *out;

    ASSERT_MSG(TestWaitExit(proc, 15000, &code), L"%ls did not exit within 15 s:\n%ls%ls", what,
               TestOutputText(proc), TestErrText(proc));
    ASSERT_MSG(code == expected, L"%ls exited with %lu, expected %lu:\n%ls%ls", what, (unsigned long)code,
               (unsigned long)expected, TestOutputText(proc), TestErrText(proc));
    out = TestOutputText(proc);
    ASSERT_MSG(wcsstr(out, TEXT_PROCESSING) == NULL, L"%ls started a unit of work:\n%ls", what, out);
    ASSERT_MSG(wcsstr(out, TEXT_LAUNCHING) == NULL, L"%ls launched a listener:\n%ls", what, out);
    ASSERT_MSG(wcsstr(out, TEXT_ALREADY) == NULL, L"%ls adopted a listener:\n%ls", what, out);
    ASSERT_MSG(wcsstr(out, TEXT_SENT) == NULL, L"%ls sent a close message:\n%ls", what, out);
    ASSERT_MSG(CountOwnChildren(proc) == 0, L"%ls left a child process running", what);
}

/*
 * Runs the chosen programs for NAME, one after the other, and requires each to
 * exit 7 (NAME is in use) with a message on stderr that names the object (it
 * contains NAME) and says what is wrong with it (one of mentions), having done
 * nothing. When section is not NULL (a squatted mapping), its bytes must be
 * the same afterwards: no pid published, no close message, no header written.
 */
static void ExpectRefused(const wchar_t *name, unsigned runs, HANDLE section, const wchar_t *const *mentions)
{
    unsigned char before[IPC_MAPPING_SIZE];
    unsigned char after[IPC_MAPPING_SIZE];
    void *view = NULL;
    unsigned run;
    TestProc *proc;
    const wchar_t *err;

    if (section != NULL) {
        view = MapViewOfFile(section, FILE_MAP_READ, 0, 0, 0);
        ASSERT(view != NULL);
        ReadView((volatile const unsigned char *)view, before, sizeof(before));
    }
    for (run = RUN_LISTENER; run <= RUN_STOP; run <<= 1) {
        if ((runs & run) == 0) {
            continue;
        }
        proc = SpawnRun(run, name);
        ExpectExitDoingNothing(proc, RunLabel(run), SEC_EXIT_NAME_IN_USE);
        err = TestErrText(proc);
        ASSERT_MSG(wcsstr(err, name) != NULL, L"the %ls's message does not name '%ls':\n%ls", RunLabel(run), name,
                   err);
        ASSERT_MSG(MentionsAny(err, mentions), L"the %ls's message does not say what is wrong (\"%ls\"...):\n%ls",
                   RunLabel(run), mentions[0], err);
        if (view != NULL) {
            ReadView((volatile const unsigned char *)view, after, sizeof(after));
            ASSERT_MSG(memcmp(before, after, sizeof(before)) == 0, L"the %ls changed the squatted mapping %ls",
                       RunLabel(run), name);
        }
    }
    if (view != NULL) {
        UnmapViewOfFile(view);
    }
}

/* ---- 1. private objects ---- */

/* The SID of the user the tests (and so the programs they start) run as. */
static void CurrentUserSid(BYTE *out)
{
    HANDLE token = NULL;
    BYTE info[sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE];
    DWORD size = 0;
    BOOL ok = FALSE;

    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) {
        token = NULL;
        goto cleanup;
    }
    if (!GetTokenInformation(token, TokenUser, info, (DWORD)sizeof(info), &size)) {
        goto cleanup;
    }
    ok = CopySid(SECURITY_MAX_SID_SIZE, out, ((TOKEN_USER *)info)->User.Sid);

cleanup:
    if (token != NULL) {
        CloseHandle(token);
    }
    ASSERT_MSG(ok, L"cannot read this process's user SID");
}

static BOOL IsWellKnown(PSID sid, WELL_KNOWN_SID_TYPE type)
{
    BYTE known[SECURITY_MAX_SID_SIZE];
    DWORD size = (DWORD)sizeof(known);

    return CreateWellKnownSid(type, NULL, known, &size) && EqualSid(sid, (PSID)known);
}

/*
 * The security of one of our named objects, opened by the test with
 * READ_CONTROL: owner the user; a protected DACL of exactly two allow ACEs,
 * GENERIC_ALL (or all_access, what it maps to for the type) for the user and
 * for SYSTEM; no ACE for Everyone, Users or Authenticated Users. Any other
 * user is then denied by the DACL itself.
 */
static void CheckPrivate(const wchar_t *object, HANDLE h, ACCESS_MASK all_access, const BYTE *user)
{
    PSID owner = NULL;
    PACL dacl = NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    wchar_t *sddl = NULL;
    wchar_t problem[SEC_TEXT_CAP];
    SECURITY_DESCRIPTOR_CONTROL control = 0;
    DWORD revision = 0;
    DWORD err;
    DWORD i;
    void *ace_ptr = NULL;
    ACCESS_ALLOWED_ACE *ace;
    PSID sid;
    int users = 0;
    int systems = 0;

    problem[0] = L'\0';
    err = GetSecurityInfo(h, SE_KERNEL_OBJECT, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, &owner, NULL,
                          &dacl, NULL, &sd);
    if (err != ERROR_SUCCESS) {
        swprintf(problem, SEC_TEXT_CAP, L"GetSecurityInfo failed with error %lu", (unsigned long)err);
        goto cleanup;
    }
    if (!ConvertSecurityDescriptorToStringSecurityDescriptorW(sd, SDDL_REVISION_1,
                                                              OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                                                              &sddl, NULL)) {
        sddl = NULL;
    }
    if (owner == NULL || !EqualSid(owner, (PSID)user)) {
        swprintf(problem, SEC_TEXT_CAP, L"the owner is not the user");
        goto cleanup;
    }
    if (!GetSecurityDescriptorControl(sd, &control, &revision) || (control & SE_DACL_PRESENT) == 0 || dacl == NULL) {
        swprintf(problem, SEC_TEXT_CAP, L"there is no DACL (everyone may open it)");
        goto cleanup;
    }
    if ((control & SE_DACL_PROTECTED) == 0) {
        swprintf(problem, SEC_TEXT_CAP, L"the DACL is not protected (it may inherit ACEs)");
        goto cleanup;
    }
    if (dacl->AceCount != 2) {
        swprintf(problem, SEC_TEXT_CAP, L"the DACL has %u ACEs, not 2", (unsigned)dacl->AceCount);
        goto cleanup;
    }
    for (i = 0; i < dacl->AceCount; i++) {
        if (!GetAce(dacl, i, &ace_ptr)) {
            swprintf(problem, SEC_TEXT_CAP, L"GetAce(%lu) failed", (unsigned long)i);
            goto cleanup;
        }
        ace = (ACCESS_ALLOWED_ACE *)ace_ptr;
        if (ace->Header.AceType != ACCESS_ALLOWED_ACE_TYPE) {
            swprintf(problem, SEC_TEXT_CAP, L"ACE %lu is of type %u, not an allow ACE", (unsigned long)i,
                     (unsigned)ace->Header.AceType);
            goto cleanup;
        }
        sid = (PSID)&ace->SidStart;
        if (IsWellKnown(sid, WinWorldSid) || IsWellKnown(sid, WinBuiltinUsersSid) ||
            IsWellKnown(sid, WinAuthenticatedUserSid)) {
            swprintf(problem, SEC_TEXT_CAP, L"ACE %lu grants Everyone, Users or Authenticated Users", (unsigned long)i);
            goto cleanup;
        }
        if (ace->Mask != GENERIC_ALL && ace->Mask != all_access) {
            swprintf(problem, SEC_TEXT_CAP, L"ACE %lu grants 0x%08lX, not all access", (unsigned long)i,
                     (unsigned long)ace->Mask);
            goto cleanup;
        }
        if (EqualSid(sid, (PSID)user)) {
            users++;
        } else if (IsWellKnown(sid, WinLocalSystemSid)) {
            systems++;
        } else {
            swprintf(problem, SEC_TEXT_CAP, L"ACE %lu grants a SID that is neither the user nor SYSTEM",
                     (unsigned long)i);
            goto cleanup;
        }
    }
    if (users != 1 || systems != 1) {
        swprintf(problem, SEC_TEXT_CAP, L"the ACEs are not one for the user and one for SYSTEM");
    }

cleanup:
    if (problem[0] != L'\0') {
        TestPrint(L"security descriptor of %ls: %ls\n", object, sddl != NULL ? sddl : L"(unreadable)");
    }
    if (sddl != NULL) {
        LocalFree(sddl);
    }
    if (sd != NULL) {
        LocalFree(sd);
    }
    ASSERT_MSG(problem[0] == L'\0', L"%ls: %ls", object, problem);
}

typedef enum ObjectType {
    OBJECT_MAPPING = 0,
    OBJECT_MUTEX = 1,
    OBJECT_EVENT = 2
} ObjectType;

/* Open NAME+suffix with READ_CONTROL only (what reading its security needs) and check it is private. */
static void CheckPrivateByName(const wchar_t *name, const wchar_t *suffix, ObjectType type, const BYTE *user)
{
    wchar_t full[SEC_TEXT_CAP];
    HANDLE h = NULL;
    DWORD error;
    ACCESS_MASK all_access = 0;

    swprintf(full, SEC_TEXT_CAP, L"%ls%ls", name, suffix);
    switch (type) {
    case OBJECT_MAPPING:
        h = OpenFileMappingW(READ_CONTROL, FALSE, full);
        all_access = SECTION_ALL_ACCESS;
        break;
    case OBJECT_MUTEX:
        h = OpenMutexW(READ_CONTROL, FALSE, full);
        all_access = MUTEX_ALL_ACCESS;
        break;
    case OBJECT_EVENT:
        h = OpenEventW(READ_CONTROL, FALSE, full);
        all_access = EVENT_ALL_ACCESS;
        break;
    }
    if (h == NULL) {
        error = GetLastError();
        TestFail(__FILE__, __LINE__, L"cannot open %ls for READ_CONTROL: error %lu", full, (unsigned long)error);
    }
    CheckPrivate(full, h, all_access, user);
    CloseHandle(h);
}

/*
 * The mapping, both mutexes and the stop event, as the listener alone and as a
 * controller with its listener create them, are private to the user.
 */
static void SecurityPrivateObjects(void)
{
    wchar_t alone[SEC_TEXT_CAP];
    wchar_t supervised[SEC_TEXT_CAP];
    BYTE user[SECURITY_MAX_SID_SIZE];
    TestProc *listener;
    TestProc *controller;

    CurrentUserSid(user);

    /* A listener started alone creates the mapping and its lock. */
    TestUniqueName(L"privalone", alone, SEC_TEXT_CAP);
    listener = TestStartListener(alone, 200);
    CheckPrivateByName(alone, L"", OBJECT_MAPPING, user);
    CheckPrivateByName(alone, L".listener", OBJECT_MUTEX, user);

    /* A controller creates the mapping (before its listener), its lock and the stop event. */
    TestUniqueName(L"privsupervised", supervised, SEC_TEXT_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, supervised, L"--console", L"none", L"--", L"--work-ms",
                                     L"200", (const wchar_t *)NULL);
    ASSERT_OUTPUT(controller, TEXT_LAUNCHED, 10000);
    ASSERT(TestWaitPublished(supervised, 0, 10000) != 0);
    CheckPrivateByName(supervised, L"", OBJECT_MAPPING, user);
    CheckPrivateByName(supervised, L".listener", OBJECT_MUTEX, user);
    CheckPrivateByName(supervised, L".controller", OBJECT_MUTEX, user);
    CheckPrivateByName(supervised, L".stop", OBJECT_EVENT, user);

    ASSERT_EQ_INT(TestStop(supervised, 15000, 20000, NULL), 0);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_EQ_INT(TestStop(alone, 15000, 20000, NULL), 0);
    ASSERT_EXIT(listener, 0, 10000);
}

/* ---- 2. squatting ---- */

static const wchar_t *const kForeignOwner[] = { L"another user", L"owner", NULL };
static const wchar_t *const kOtherType[] = { L"not a file mapping", L"type", NULL };

/* NAME is a mapping owned by another SID, whose contents are a perfect empty header: the owner alone must refuse it. */
static void SecuritySquatForeignOwner(void)
{
    wchar_t name[SEC_TEXT_CAP];
    unsigned char bytes[IPC_MAPPING_SIZE];
    HANDLE squat;

    TestUniqueName(L"squatowner", name, SEC_TEXT_CAP);
    ValidHeader(bytes, 0, 0);
    PutU32(bytes + 12, 0); /* state none: what a fresh listener's mapping holds */
    squat = SquatOrSkip(SQUAT_MAPPING, name, SEC_FOREIGN_SDDL, 0, bytes, sizeof(bytes));
    if (squat == NULL) {
        return;
    }
    ExpectRefused(name, RUN_ALL, squat, kForeignOwner);
    CloseHandle(squat);
}

/* NAME is an event or a mutex: not a mapping at all. */
static void SecuritySquatOtherType(void)
{
    wchar_t name[SEC_TEXT_CAP];
    HANDLE squat;

    TestUniqueName(L"squatevent", name, SEC_TEXT_CAP);
    squat = SquatOrSkip(SQUAT_EVENT, name, NULL, 0, NULL, 0);
    ExpectRefused(name, RUN_ALL, NULL, kOtherType);
    CloseHandle(squat);

    TestUniqueName(L"squatmutex", name, SEC_TEXT_CAP);
    squat = SquatOrSkip(SQUAT_MUTEX, name, NULL, 0, NULL, 0);
    ExpectRefused(name, RUN_ALL, NULL, kOtherType);
    CloseHandle(squat);
}

/* NAME is a mapping of the right size (ours, so only its contents are wrong) full of random bytes. */
static void SecuritySquatRandomBytes(void)
{
    static const wchar_t *const mentions[] = { L"magic", L"negative", L"listener's data", NULL };
    wchar_t name[SEC_TEXT_CAP];
    unsigned char bytes[IPC_MAPPING_SIZE];
    HANDLE squat;
    uint32_t seed;

    for (seed = 1; seed <= 3; seed++) {
        swprintf(name, SEC_TEXT_CAP, L"Tsquatrandom%lu-%lu", (unsigned long)seed,
                 (unsigned long)GetCurrentProcessId());
        FillRandom(bytes, sizeof(bytes), seed * 0x9E3779B9u);
        squat = SquatOrSkip(SQUAT_MAPPING, name, NULL, 0, bytes, sizeof(bytes));
        ExpectRefused(name, RUN_ALL, squat, mentions);
        CloseHandle(squat);
    }
}

/* NAME is a mapping with a plausible header that is wrong in one field; the message names the field. */
static void SecuritySquatBadHeader(void)
{
    typedef struct BadHeader {
        const wchar_t *tag;
        size_t offset;
        unsigned width;
        uint32_t value;
        const wchar_t *mention;
    } BadHeader;
    static const BadHeader cases[] = {
        { L"magic", 4, 4, 0x4C435050u, L"magic" },
        { L"version", 8, 2, 2, L"version" },
        { L"size", 10, 2, 64, L"size" },
        { L"state", 12, 4, 5, L"state" },
        { L"reserved", 100, 1, 0x5A, L"reserved" },
    };
    wchar_t name[SEC_TEXT_CAP];
    unsigned char bytes[IPC_MAPPING_SIZE];
    const wchar_t *mentions[2];
    HANDLE squat;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        swprintf(name, SEC_TEXT_CAP, L"Tsquatheader-%ls-%lu", cases[i].tag, (unsigned long)GetCurrentProcessId());
        /* A listener pid that is not running: nothing must be adopted or waited for either way. */
        ValidHeader(bytes, 0x7FFFFFF0u, 0);
        if (cases[i].width == 4) {
            PutU32(bytes + cases[i].offset, cases[i].value);
        } else if (cases[i].width == 2) {
            PutU16(bytes + cases[i].offset, (uint16_t)cases[i].value);
        } else {
            bytes[cases[i].offset] = (unsigned char)cases[i].value;
        }
        squat = SquatOrSkip(SQUAT_MAPPING, name, NULL, 0, bytes, sizeof(bytes));
        mentions[0] = cases[i].mention;
        mentions[1] = NULL;
        ExpectRefused(name, RUN_ALL, squat, mentions);
        CloseHandle(squat);
    }
}

/* The companion names: NAME.listener as an event stops the listener; NAME.controller or NAME.stop of another owner stop the controller. */
static void SecuritySquatCompanions(void)
{
    static const wchar_t *const not_mutex[] = { L"not a mutex", L"type", NULL };
    wchar_t name[SEC_TEXT_CAP];
    wchar_t object[SEC_TEXT_CAP];
    HANDLE squat;

    TestUniqueName(L"squatlistenerlock", name, SEC_TEXT_CAP);
    swprintf(object, SEC_TEXT_CAP, L"%ls.listener", name);
    squat = SquatOrSkip(SQUAT_EVENT, object, NULL, 0, NULL, 0);
    ExpectRefused(name, RUN_LISTENER, NULL, not_mutex);
    ASSERT_MSG(!TestMappingExists(name), L"the listener created %ls although it refused to run", name);
    CloseHandle(squat);

    TestUniqueName(L"squatcontrollerlock", name, SEC_TEXT_CAP);
    swprintf(object, SEC_TEXT_CAP, L"%ls.controller", name);
    squat = SquatOrSkip(SQUAT_MUTEX, object, SEC_FOREIGN_SDDL, 0, NULL, 0);
    if (squat == NULL) {
        return;
    }
    ExpectRefused(name, RUN_CONTROLLER, NULL, kForeignOwner);
    ASSERT_MSG(!TestMappingExists(name), L"the controller created %ls although it refused to run", name);
    CloseHandle(squat);

    TestUniqueName(L"squatstopevent", name, SEC_TEXT_CAP);
    swprintf(object, SEC_TEXT_CAP, L"%ls.stop", name);
    squat = SquatOrSkip(SQUAT_EVENT, object, SEC_FOREIGN_SDDL, 0, NULL, 0);
    if (squat == NULL) {
        return;
    }
    ExpectRefused(name, RUN_CONTROLLER, NULL, kForeignOwner);
    ASSERT_MSG(!TestMappingExists(name), L"the controller created %ls although it refused to run", name);
    CloseHandle(squat);
}

/*
 * Positive control: the seed's own 4-byte mapping is not squatting. Our
 * listener works in a 4-byte section that is already there (as the seed's
 * controller leaves one), and --stop stops a live seed listener.
 */
static void SecuritySeedMappingIsNotSquatting(void)
{
    wchar_t name[SEC_TEXT_CAP];
    unsigned char zero[4] = { 0, 0, 0, 0 };
    HANDLE section;
    TestProc *listener;
    TestProc *seed;
    TestProc *stopper = NULL;
    DWORD code = 0;

    TestUniqueName(L"seedsection", name, SEC_TEXT_CAP);
    section = SquatOrSkip(SQUAT_MAPPING, name, NULL, 4, zero, sizeof(zero));
    listener = TestStartListener(name, 200);
    ASSERT_OUTPUT(listener, TEXT_PROCESSING, 5000);
    ASSERT_EQ_INT(TestStop(name, 15000, 20000, &stopper), 0);
    ASSERT_CONTAINS(TestOutputText(stopper), TEXT_SENT);
    ASSERT_EXIT(listener, 0, 5000);
    CloseHandle(section);

    TestUniqueName(L"seedlive", name, SEC_TEXT_CAP);
    seed = TestSpawnSelf(TEST_SPAWN_DEFAULT, L"--helper", L"seed-listener", name, L"200", (const wchar_t *)NULL);
    ASSERT_EQ_INT(TestWaitPublished(name, 0, 10000), TestPid(seed));
    ASSERT_EQ_INT(TestStop(name, 15000, 20000, &stopper), 0);
    ASSERT_CONTAINS(TestOutputText(stopper), TEXT_SENT);
    ASSERT(TestWaitExit(seed, 5000, &code));
    ASSERT_EQ_INT(code, 0);
}

/* ---- 3. garbage in a live mapping ---- */

/* Exit codes the controller reported for its listeners ("... exited with code N"): none may be an exception. */
static void AssertNoCrashReported(TestProc *controller)
{
    const wchar_t *out = TestOutputText(controller);
    const wchar_t *p;
    unsigned long code;

    for (p = wcsstr(out, L"exited with code "); p != NULL; p = wcsstr(p + 1, L"exited with code ")) {
        code = wcstoul(p + wcslen(L"exited with code "), NULL, 10);
        ASSERT_MSG(code < SEC_EXCEPTION_CODES, L"a listener died of exception 0x%08lX:\n%ls", code, out);
    }
}

/* Still running, or exited 0; never an exception. Returns TRUE while it runs. */
static BOOL RunningOrClean(TestProc *proc, const wchar_t *what, unsigned round)
{
    DWORD code = 0;

    if (TestIsRunning(proc)) {
        return TRUE;
    }
    ASSERT(TestWaitExit(proc, 5000, &code));
    ASSERT_MSG(code == 0, L"the %ls exited with 0x%08lX after garbage round %u:\n%ls", what, (unsigned long)code,
               round, TestOutputText(proc));
    return FALSE;
}

/*
 * Random bytes written over a live listener's mapping, 40 rounds with fixed
 * seeds: it keeps working (units go on) or stops, never crashes, and the seed's
 * close message still stops it afterwards.
 */
static void SecurityGarbageLiveListener(void)
{
    wchar_t name[SEC_TEXT_CAP];
    unsigned char bytes[IPC_MAPPING_SIZE];
    volatile unsigned char *view;
    HANDLE section = NULL;
    TestProc *listener;
    unsigned round;
    size_t units;
    BOOL running = TRUE;

    TestUniqueName(L"garbagelistener", name, SEC_TEXT_CAP);
    listener = TestStartListener(name, 50);
    ASSERT_OUTPUT(listener, TEXT_PROCESSING, 5000);
    view = OpenView(name, &section);
    for (round = 0; round < SEC_GARBAGE_ROUNDS && running; round++) {
        MakeGarbage(bytes, 0xC0FFEEu + round * 7919u, round % 3 == 1 && round < SEC_GARBAGE_CALM_ROUNDS,
                    round < SEC_GARBAGE_CALM_ROUNDS);
        WriteView(view, bytes, sizeof(bytes));
        Sleep(SEC_GARBAGE_PAUSE_MS);
        running = RunningOrClean(listener, L"listener", round);
        if (running && round + 1 == SEC_GARBAGE_CALM_ROUNDS) {
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
 * (the controller runs on or ends 0, every listener exit it reports is a plain
 * exit code), and the seed's close message still ends it all.
 */
static void SecurityGarbageSupervised(void)
{
    wchar_t name[SEC_TEXT_CAP];
    unsigned char bytes[IPC_MAPPING_SIZE];
    volatile unsigned char *view;
    HANDLE section = NULL;
    TestProc *controller;
    unsigned round;
    BOOL running = TRUE;
    ULONGLONG deadline;

    TestUniqueName(L"garbagesupervised", name, SEC_TEXT_CAP);
    /* Short pauses: a listener refusing the garbled mapping is relaunched quickly, many times. */
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--restart-delay", L"100",
                                     L"--restart-delay-max", L"400", L"--", L"--work-ms", L"50",
                                     (const wchar_t *)NULL);
    ASSERT_OUTPUT(controller, TEXT_LAUNCHED, 10000);
    ASSERT(TestWaitPublished(name, 0, 10000) != 0);
    view = OpenView(name, &section);
    for (round = 0; round < SEC_GARBAGE_ROUNDS && running; round++) {
        MakeGarbage(bytes, 0xBADC0DEu + round * 104729u, round % 3 == 1 && round < SEC_GARBAGE_CALM_ROUNDS,
                    round < SEC_GARBAGE_CALM_ROUNDS);
        WriteView(view, bytes, sizeof(bytes));
        Sleep(SEC_GARBAGE_PAUSE_MS);
        running = RunningOrClean(controller, L"controller", round);
    }
    if (running) {
        InterlockedExchange((volatile LONG *)view, -1);
        ASSERT_EXIT(controller, 0, 10000);
    }
    AssertNoCrashReported(controller);
    /* Whatever it launched has gone too (a listener sees the -1, or refused the garbage and exited). */
    deadline = TestNowMs() + 5000;
    while (CountOwnChildren(controller) != 0 && TestNowMs() < deadline) {
        Sleep(50);
    }
    ASSERT_EQ_INT(CountOwnChildren(controller), 0);
    CloseView(view, section);
}

/*
 * A fresh controller (and --stop) against garbage that names a live listener of
 * ours, even with its true pid and creation time in an otherwise valid header:
 * exit 7, nothing adopted, nothing launched, and that listener left alone.
 */
static void SecurityGarbageNoAdoption(void)
{
    static const wchar_t *const mentions[] = { L"listener's data", L"magic", L"negative", NULL };
    wchar_t name[SEC_TEXT_CAP];
    wchar_t other[SEC_TEXT_CAP];
    unsigned char bytes[IPC_MAPPING_SIZE];
    volatile unsigned char *view;
    TestProc *victim;
    HANDLE squat;
    DWORD pid;
    uint64_t created;
    uint32_t seed;
    LONG message = 0;

    TestUniqueName(L"garbagevictim", other, SEC_TEXT_CAP);
    victim = TestStartListener(other, 200);
    pid = TestPid(victim);
    created = ProcessCreated(TestHandle(victim));
    TestUniqueName(L"garbageadopt", name, SEC_TEXT_CAP);
    memset(bytes, 0, sizeof(bytes));
    squat = SquatOrSkip(SQUAT_MAPPING, name, NULL, 0, bytes, sizeof(bytes));
    view = (volatile unsigned char *)MapViewOfFile(squat, FILE_MAP_READ | FILE_MAP_WRITE, 0, 0, 0);
    ASSERT(view != NULL);
    for (seed = 1; seed <= 6; seed++) {
        if (seed % 2 == 1) {
            MakeGarbage(bytes, seed * 0x2545F491u, FALSE, FALSE);
        } else {
            /* Right in every field but one random stray byte, state or size. */
            ValidHeader(bytes, pid, created);
            FillRandom(bytes + 72, 56, seed);
            if (seed == 4) {
                memset(bytes + 72, 0, 56);
                PutU32(bytes + 12, 5u + seed * 1000u);
            } else if (seed == 6) {
                memset(bytes + 72, 0, 56);
                PutU16(bytes + 10, 4096);
            }
        }
        PutU32(bytes, (uint32_t)pid); /* offset 0: a real listener's pid, the bait */
        WriteView(view, bytes, sizeof(bytes));
        ExpectRefused(name, RUN_CONTROLLER | RUN_STOP, squat, mentions);
        ASSERT_MSG(TestIsRunning(victim), L"the listener whose pid was in the garbage has gone");
        ASSERT(TestReadMessage(other, &message));
        ASSERT_EQ_INT(message, pid);
    }
    UnmapViewOfFile((const void *)view);
    CloseHandle(squat);
    ASSERT_EQ_INT(TestStop(other, 15000, 20000, NULL), 0);
    ASSERT_EXIT(victim, 0, 5000);
}

/* ---- 4. names and arguments ---- */

/* out = prefix, then fill up to exactly length characters. */
static void PadName(wchar_t *out, size_t cap, const wchar_t *prefix, size_t length, wchar_t fill)
{
    size_t n;

    swprintf(out, cap, L"%ls", prefix);
    for (n = wcslen(out); n < length && n + 1 < cap; n++) {
        out[n] = fill;
    }
    out[n] = L'\0';
}

/* Each refused name, by the listener, the controller and --stop: exit 2, and a message saying what is wrong. */
static void SecurityBadNames(void)
{
    typedef struct BadName {
        const wchar_t *what;
        const wchar_t *name;
        const wchar_t *mention;
    } BadName;
    wchar_t long_name[SEC_TEXT_CAP];
    BadName cases[8];
    size_t count = 0;
    size_t i;
    unsigned run;
    TestProc *proc;
    const wchar_t *shown;
    wchar_t what[SEC_TEXT_CAP];

    PadName(long_name, SEC_TEXT_CAP, L"Tlong-", 240, L'x');
    cases[count].what = L"empty";
    cases[count].name = L"";
    cases[count++].mention = L"empty";
    cases[count].what = L"240 characters";
    cases[count].name = long_name;
    cases[count++].mention = L"240";
    cases[count].what = L"a\\b";
    cases[count].name = L"a\\b";
    cases[count++].mention = L"backslash";
    cases[count].what = L"Local\\a\\b";
    cases[count].name = L"Local\\a\\b";
    cases[count++].mention = L"backslash";
    cases[count].what = L"U+0001";
    cases[count].name = L"ctl\x01" L"name";
    cases[count++].mention = L"control";
    cases[count].what = L"U+007F";
    cases[count].name = L"del\x7f" L"name";
    cases[count++].mention = L"control";
    cases[count].what = L"Local\\ alone";
    cases[count].name = L"Local\\";
    cases[count++].mention = L"prefix";
    cases[count].what = L"Global\\ alone";
    cases[count].name = L"Global\\";
    cases[count++].mention = L"prefix";

    for (i = 0; i < count; i++) {
        for (run = RUN_LISTENER; run <= RUN_STOP; run <<= 1) {
            swprintf(what, SEC_TEXT_CAP, L"%ls with the name %ls", RunLabel(run), cases[i].what);
            proc = SpawnRun(run, cases[i].name);
            ExpectExitDoingNothing(proc, what, SEC_EXIT_USAGE);
            if (run == RUN_LISTENER && cases[i].name[0] == L'\0') {
                /* The seed's own words for a listener without a name (README.md: exit 2). */
                shown = TestOutputText(proc);
                ASSERT_MSG(wcsstr(shown, TEXT_NO_NAME) != NULL, L"%ls: no \"%ls\":\n%ls", what, TEXT_NO_NAME, shown);
                continue;
            }
            shown = TestErrText(proc);
            ASSERT_MSG(wcsstr(shown, cases[i].mention) != NULL, L"%ls: stderr does not say \"%ls\":\n%ls", what,
                       cases[i].mention, shown);
        }
    }
}

/* The controller with its listener, end to end, under NAME; stopped by --stop NAME. Returns the listener's pid. */
static DWORD RunEndToEnd(const wchar_t *name, TestProc **out)
{
    wchar_t listener_exe[SEC_PATH_CAP];
    wchar_t args[SEC_TEXT_CAP];
    TestProc *controller;
    DWORD pid;

    TestBinPath(TEST_LISTENER_EXE, listener_exe, SEC_PATH_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"shared", L"--", L"--work-ms", L"200",
                                     (const wchar_t *)NULL);
    swprintf(args, SEC_TEXT_CAP, L"%ls --work-ms 200", name);
    /* The launch line is UTF-8 on our pipe: the name must come back exactly. */
    TEST_ASSERT_LAUNCH_LINE(controller, listener_exe, args, 10000);
    ASSERT_OUTPUT(controller, TEXT_LAUNCHED, 5000);
    /* OpenFileMappingW with exactly this name finds the listener's pid. */
    pid = TestWaitPublished(name, 0, 10000);
    ASSERT_MSG(pid != 0, L"no pid published in the mapping '%ls':\n%ls", name, TestOutputText(controller));
    ASSERT_EQ_INT(TestParentPid(pid), TestPid(controller));
    ASSERT_OUTPUT(controller, TEXT_PROCESSING, 5000);
    *out = controller;
    return pid;
}

static void StopEndToEnd(const wchar_t *name, TestProc *controller, DWORD pid)
{
    HANDLE listener = TestPidHandle(pid);
    DWORD code = 0;

    ASSERT(listener != NULL);
    ASSERT_EQ_INT(TestStop(name, 15000, 20000, NULL), 0);
    ASSERT(WaitForSingleObject(listener, 5000) == WAIT_OBJECT_0);
    ASSERT(GetExitCodeProcess(listener, &code));
    CloseHandle(listener);
    ASSERT_EQ_INT(code, 0);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_EQ_INT(TestCountOutput(controller, TEXT_LAUNCHING), 1);
}

/* A name of exactly 239 characters (the limit) works end to end. */
static void SecurityName239(void)
{
    wchar_t prefix[SEC_TEXT_CAP];
    wchar_t name[SEC_TEXT_CAP];
    TestProc *controller = NULL;
    DWORD pid;

    TestUniqueName(L"n239", prefix, SEC_TEXT_CAP);
    PadName(name, SEC_TEXT_CAP, prefix, SEC_NAME_MAX, L'z');
    ASSERT_EQ_INT(wcslen(name), SEC_NAME_MAX);
    pid = RunEndToEnd(name, &controller);
    StopEndToEnd(name, controller, pid);
}

/*
 * A non-ASCII name works end to end: the mapping has exactly that name (not a
 * code-page mangled one), and the controller's UTF-8 output spells it right.
 */
static void SecurityUnicodeName(void)
{
    wchar_t name[SEC_TEXT_CAP];
    wchar_t expected[SEC_TEXT_CAP];
    wchar_t mangled[SEC_TEXT_CAP];
    char narrow[SEC_TEXT_CAP * 4];
    TestProc *controller = NULL;
    DWORD pid;
    unsigned char bytes[IPC_MAPPING_SIZE];
    int n;

    /* "Überwachung-日本" */
    swprintf(name, SEC_TEXT_CAP, L"\u00DCberwachung-\u65E5\u672C-%lu", (unsigned long)GetCurrentProcessId());
    pid = RunEndToEnd(name, &controller);
    ASSERT(TestReadBytes(name, bytes, sizeof(bytes)));
    ASSERT_EQ_INT(TestReadU32(bytes + 16), pid);
    swprintf(expected, SEC_TEXT_CAP, L"--stop %ls", name);
    ASSERT_OUTPUT(controller, expected, 5000);
    /* What a program that went through the ANSI code page would have used instead. */
    n = WideCharToMultiByte(CP_ACP, 0, name, -1, narrow, (int)sizeof(narrow), NULL, NULL);
    if (n > 0 && MultiByteToWideChar(CP_ACP, 0, narrow, -1, mangled, SEC_TEXT_CAP) > 0 && wcscmp(mangled, name) != 0) {
        ASSERT_MSG(!TestMappingExists(mangled), L"a mapping with the mangled name %ls exists", mangled);
    }
    StopEndToEnd(name, controller, pid);
}

/* Usage errors: numbers out of range, unknown options, missing values: exit 2, the option named, nothing done. */
static void SecurityUsageErrors(void)
{
    typedef struct UsageCase {
        const wchar_t *exe;
        const wchar_t *args[6];
        const wchar_t *mention;
    } UsageCase;
    wchar_t name[SEC_TEXT_CAP];
    UsageCase cases[16];
    size_t count = 0;
    size_t i;
    size_t k;
    TestProc *proc;
    wchar_t what[SEC_TEXT_CAP];
    size_t len;

    TestUniqueName(L"usage", name, SEC_TEXT_CAP);
    memset(cases, 0, sizeof(cases));
#define USAGE_CASE(EXE, MENTION, A0, A1, A2, A3)                                                                      \
    do {                                                                                                               \
        cases[count].exe = (EXE);                                                                                      \
        cases[count].args[0] = (A0);                                                                                   \
        cases[count].args[1] = (A1);                                                                                   \
        cases[count].args[2] = (A2);                                                                                   \
        cases[count].args[3] = (A3);                                                                                   \
        cases[count].mention = (MENTION);                                                                              \
        count++;                                                                                                       \
    } while (0)
    USAGE_CASE(TEST_LISTENER_EXE, L"--work-ms", name, L"--work-ms", L"86400001", NULL);
    USAGE_CASE(TEST_LISTENER_EXE, L"--work-ms", name, L"--work-ms", NULL, NULL);
    USAGE_CASE(TEST_LISTENER_EXE, L"--work-ms", name, L"--work-ms", L"-5", NULL);
    USAGE_CASE(TEST_LISTENER_EXE, L"--frobnicate", name, L"--frobnicate", NULL, NULL);
    USAGE_CASE(TEST_CONTROLLER_EXE, L"--hang-timeout", name, L"--hang-timeout", L"0", NULL);
    USAGE_CASE(TEST_CONTROLLER_EXE, L"--hang-timeout", name, L"--hang-timeout", NULL, NULL);
    USAGE_CASE(TEST_CONTROLLER_EXE, L"--restart-delay", name, L"--restart-delay", L"86400001", NULL);
    USAGE_CASE(TEST_CONTROLLER_EXE, L"--console", name, L"--console", NULL, NULL);
    USAGE_CASE(TEST_CONTROLLER_EXE, L"--listener", name, L"--listener", NULL, NULL);
    USAGE_CASE(TEST_CONTROLLER_EXE, L"--frobnicate", name, L"--frobnicate", NULL, NULL);
    USAGE_CASE(TEST_CONTROLLER_EXE, L"--timeout", name, L"--timeout", L"5", NULL);
    USAGE_CASE(TEST_CONTROLLER_EXE, L"--timeout", L"--stop", name, L"--timeout", L"-1");
    USAGE_CASE(TEST_CONTROLLER_EXE, L"--timeout", L"--stop", name, L"--timeout", L"86400001");
    USAGE_CASE(TEST_CONTROLLER_EXE, L"--timeout", L"--stop", name, L"--timeout", NULL);
    USAGE_CASE(TEST_CONTROLLER_EXE, L"--stop", L"--stop", NULL, NULL, NULL);
    USAGE_CASE(TEST_CONTROLLER_EXE, L"--frobnicate", L"--stop", name, L"--frobnicate", NULL);
#undef USAGE_CASE

    for (i = 0; i < count; i++) {
        what[0] = L'\0';
        len = 0;
        for (k = 0; cases[i].args[k] != NULL && len + 1 < SEC_TEXT_CAP; k++) {
            swprintf(what + len, SEC_TEXT_CAP - len, L" %ls", cases[i].args[k]);
            len = wcslen(what);
        }
        proc = SpawnArgs(cases[i].exe, cases[i].args);
        ExpectExitDoingNothing(proc, what, SEC_EXIT_USAGE);
        ASSERT_MSG(wcsstr(TestErrText(proc), cases[i].mention) != NULL, L"%ls:%ls: stderr does not name %ls:\n%ls",
                   cases[i].exe, what, cases[i].mention, TestErrText(proc));
    }
    ASSERT_MSG(!TestMappingExists(name), L"a refused command line created the mapping %ls", name);
}

/*
 * An unknown option so long that the error text fills its buffer exactly, or
 * just under or over: the message must be cut cleanly. msvcrt's vswprintf
 * (what MinGW builds use) writes no terminating zero when the text is exactly
 * as long as the buffer, and the message then went on with whatever the stack
 * held after it (found in review). After the run of x's, the message must go
 * straight on with its own text.
 */
static void SecurityUsageErrorLongOption(void)
{
    static const wchar_t *const exes[2] = {TEST_CONTROLLER_EXE, TEST_LISTENER_EXE};
    wchar_t name[SEC_TEXT_CAP];
    wchar_t *option = (wchar_t *)malloc(600 * sizeof(wchar_t));
    const wchar_t *args[3];
    const wchar_t *err;
    const wchar_t *p;
    size_t len;
    size_t i;
    size_t e;
    TestProc *proc;

    ASSERT(option != NULL);
    TestUniqueName(L"usagelong", name, SEC_TEXT_CAP);
    /* "unknown option '" is 16 characters and "'" one more: 495 fills IPC_ERROR_TEXT_MAX (512) exactly. */
    for (len = 492; len <= 498; len++) {
        option[0] = L'-';
        option[1] = L'-';
        for (i = 2; i < len; i++) {
            option[i] = L'x';
        }
        option[len] = L'\0';
        for (e = 0; e < 2; e++) {
            args[0] = name;
            args[1] = option;
            args[2] = NULL;
            proc = SpawnArgs(exes[e], args);
            ExpectExitDoingNothing(proc, exes[e], SEC_EXIT_USAGE);
            err = TestErrText(proc);
            p = wcsstr(err, L"unknown option '--x");
            ASSERT_MSG(p != NULL, L"%ls with a %u-character option: no 'unknown option' message:\n%ls", exes[e],
                       (unsigned)len, err);
            p += wcslen(L"unknown option '--");
            while (*p == L'x') {
                p++;
            }
            ASSERT_MSG(wcsncmp(p, L"'. Run ", 7) == 0 || wcsncmp(p, L". Run ", 6) == 0,
                       L"%ls with a %u-character option: the message goes on with something else after the option: "
                       L"'%.40ls'",
                       exes[e], (unsigned)len, p);
        }
    }
    free(option);
}

/* ---- 5. quoting ---- */

/* The file the echo-args helper writes, in the temp folder, unique to this test process. */
static void EchoFilePath(wchar_t *out, size_t cap)
{
    wchar_t dir[SEC_PATH_CAP];
    DWORD n = GetTempPathW(SEC_PATH_CAP, dir);

    ASSERT(n > 0 && n < SEC_PATH_CAP);
    swprintf(out, cap, L"%lsipc_echo_args_%lu.bin", dir, (unsigned long)GetCurrentProcessId());
}

int TestSecurityLaunchMain(int argc, wchar_t **argv)
{
    wchar_t kind[64];
    wchar_t path[SEC_PATH_CAP];
    wchar_t temp[SEC_PATH_CAP + 8];
    HANDLE file = INVALID_HANDLE_VALUE;
    DWORD n;
    DWORD written = 0;
    int i;
    BOOL ok = TRUE;

    if (argc < 2 || argv[1][0] == L'-') {
        return -1;
    }
    n = GetEnvironmentVariableW(TEST_ENV_HELPER, kind, 64);
    if (n == 0 || n >= 64 || wcscmp(kind, SEC_HELPER_ECHO) != 0) {
        return -1;
    }
    n = GetEnvironmentVariableW(SEC_ENV_ECHO_FILE, path, SEC_PATH_CAP);
    if (n == 0 || n >= SEC_PATH_CAP) {
        TestPrint(L"echo-args: %ls is not set\n", SEC_ENV_ECHO_FILE);
        return 2;
    }
    /* Written aside and renamed, so the test never reads half a file. */
    swprintf(temp, SEC_PATH_CAP + 8, L"%ls.tmp", path);
    file = CreateFileW(temp, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (file == INVALID_HANDLE_VALUE) {
        TestPrint(L"echo-args: cannot create %ls: error %lu\n", temp, (unsigned long)GetLastError());
        return 1;
    }
    /* Each argument as received by wmain, with its terminating NUL, in UTF-16. */
    for (i = 1; i < argc && ok; i++) {
        ok = WriteFile(file, argv[i], (DWORD)((wcslen(argv[i]) + 1) * sizeof(wchar_t)), &written, NULL);
    }
    CloseHandle(file);
    if (!ok || !MoveFileExW(temp, path, MOVEFILE_REPLACE_EXISTING)) {
        TestPrint(L"echo-args: cannot write %ls: error %lu\n", path, (unsigned long)GetLastError());
        return 1;
    }
    /* Then a listener the controller can supervise and --stop can stop: the seed's. */
    return TestSeedListenerMain(argv[1], 0);
}

/* Reads the echo file once it is there: its UTF-16 contents (NUL-separated) in *out (malloc'd), length in *chars. */
static BOOL ReadEchoFile(const wchar_t *path, wchar_t **out, size_t *chars)
{
    HANDLE file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                              FILE_ATTRIBUTE_NORMAL, NULL);
    LARGE_INTEGER size;
    wchar_t *buf = NULL;
    DWORD got = 0;
    BOOL ok = FALSE;

    if (file == INVALID_HANDLE_VALUE) {
        file = NULL;
        goto cleanup;
    }
    if (!GetFileSizeEx(file, &size) || size.QuadPart > 1024 * 1024 || size.QuadPart % sizeof(wchar_t) != 0) {
        goto cleanup;
    }
    buf = (wchar_t *)malloc((size_t)size.QuadPart + sizeof(wchar_t));
    if (buf == NULL || !ReadFile(file, buf, (DWORD)size.QuadPart, &got, NULL) || got != (DWORD)size.QuadPart) {
        goto cleanup;
    }
    *chars = (size_t)size.QuadPart / sizeof(wchar_t);
    *out = buf;
    buf = NULL;
    ok = TRUE;

cleanup:
    free(buf);
    if (file != NULL) {
        CloseHandle(file);
    }
    return ok;
}

/*
 * Starts NAME's controller with ipc_tests.exe (echo-args) as its listener and
 * args after "--" (a command line of our own, longer than the harness's
 * shortcuts allow), with the echo file at echo_path.
 */
static TestProc *SpawnEchoController(const wchar_t *name, const wchar_t *const *args, size_t count,
                                     const wchar_t *echo_path)
{
    wchar_t self[SEC_PATH_CAP];
    wchar_t controller_exe[SEC_PATH_CAP];
    wchar_t *cmd = (wchar_t *)malloc(SEC_CMD_CAP * sizeof(wchar_t));
    TestProc *controller;
    size_t i;

    ASSERT(cmd != NULL);
    TestSelfPath(self, SEC_PATH_CAP);
    TestBinPath(TEST_CONTROLLER_EXE, controller_exe, SEC_PATH_CAP);
    DeleteFileW(echo_path);
    TestSetEnv(TEST_ENV_HELPER, SEC_HELPER_ECHO);
    TestSetEnv(SEC_ENV_ECHO_FILE, echo_path);
    TestSetEnv(TEST_ENV_SEED_WORK_MS, L"200");

    cmd[0] = L'\0';
    TestAppendArg(cmd, SEC_CMD_CAP, controller_exe);
    TestAppendArg(cmd, SEC_CMD_CAP, name);
    TestAppendArg(cmd, SEC_CMD_CAP, L"--listener");
    TestAppendArg(cmd, SEC_CMD_CAP, self);
    TestAppendArg(cmd, SEC_CMD_CAP, L"--console");
    TestAppendArg(cmd, SEC_CMD_CAP, L"none");
    TestAppendArg(cmd, SEC_CMD_CAP, L"--");
    for (i = 0; i < count; i++) {
        TestAppendArg(cmd, SEC_CMD_CAP, args[i]);
    }
    controller = TestSpawnEx(cmd, TEST_SPAWN_DEFAULT);
    free(cmd);
    return controller;
}

/* Stops NAME (its listener is the controller's child) and requires a clean end of both. */
static void StopEchoController(const wchar_t *name, TestProc *controller)
{
    DWORD pid = TestWaitPublished(name, 0, 10000);

    ASSERT_MSG(pid != 0, L"the echo-args listener published no pid in %ls", name);
    ASSERT_EQ_INT(TestParentPid(pid), TestPid(controller));
    ASSERT_EQ_INT(TestStop(name, 15000, 20000, NULL), 0);
    ASSERT_EXIT(controller, 0, 10000);
}

/* SEC_LONG_ARG (2000) characters of quotes, backslashes, spaces and tabs, ending on two backslashes (malloc'd). */
static wchar_t *MakeLongArg(void)
{
    static const wchar_t pattern[] = L"ab \"c\\d\\\" e\tf\\\\";
    wchar_t *arg = (wchar_t *)malloc((SEC_LONG_ARG + 1) * sizeof(wchar_t));
    size_t i;

    ASSERT(arg != NULL);
    for (i = 0; i < SEC_LONG_ARG; i++) {
        arg[i] = pattern[i % (sizeof(pattern) / sizeof(pattern[0]) - 1)];
    }
    arg[SEC_LONG_ARG - 2] = L'\\';
    arg[SEC_LONG_ARG - 1] = L'\\';
    arg[SEC_LONG_ARG] = L'\0';
    return arg;
}

/*
 * Arguments after "--" that need quoting reach the listener exactly as given
 * to the controller: what its wmain received (argv after NAME) is compared
 * with what we passed. The controller's own output is not looked at here.
 */
static void SecurityListenerArgsQuoting(void)
{
    /* A surrogate pair (U+1F600) spelled as UTF-16 units, which every compiler takes the same way. */
    static const wchar_t surrogate[] = { L'e', L'm', L'o', L'j', L'i', L' ', 0xD83D, 0xDE00, 0 };
    static const wchar_t *const fixed[] = {
        L"two words",
        L"tab\there",
        L"  leading and trailing spaces  ",
        L"embedded \"quotes\" inside",
        L"\"",
        L"\"\"",
        L"trailing backslash\\",
        L"trailing backslashes \\\\",
        L"C:\\Program Files\\dir\\",
        L"backslash before quote \\\"x",
        L"three backslashes then quote \\\\\\\"",
        L"\\\\server\\share\\",
        L"\\",
        L"",
        L"--",
        L"--stop",
        L"-- --work-ms 1",
        L"\u00DCberwachung \u65E5\u672C \u2713",
        L"%PATH% ^& | < > !x!",
        L"new\nline",
    };
    size_t fixed_count = sizeof(fixed) / sizeof(fixed[0]);
    const wchar_t *args[sizeof(fixed) / sizeof(fixed[0]) + 2];
    wchar_t *long_arg = MakeLongArg();
    wchar_t *echo = NULL;
    wchar_t name[SEC_TEXT_CAP];
    wchar_t echo_path[SEC_PATH_CAP];
    size_t arg_count = 0;
    size_t echo_chars = 0;
    size_t i;
    size_t pos;
    size_t len;
    TestProc *controller;
    ULONGLONG deadline;

    for (i = 0; i < fixed_count; i++) {
        args[arg_count++] = fixed[i];
    }
    args[arg_count++] = surrogate;
    args[arg_count++] = long_arg;

    TestUniqueName(L"quoting", name, SEC_TEXT_CAP);
    EchoFilePath(echo_path, SEC_PATH_CAP);
    controller = SpawnEchoController(name, args, arg_count, echo_path);
    deadline = TestNowMs() + 10000;
    while (!ReadEchoFile(echo_path, &echo, &echo_chars)) {
        ASSERT_MSG(TestNowMs() < deadline, L"the listener wrote no %ls:\n%ls", echo_path, TestOutputText(controller));
        Sleep(50);
    }

    /* NAME first, then every argument, each ended by a NUL, and nothing more. */
    pos = 0;
    for (i = 0; i <= arg_count; i++) {
        const wchar_t *want = i == 0 ? name : args[i - 1];
        ASSERT_MSG(pos < echo_chars, L"the listener received %lu arguments after NAME, %lu were passed",
                   (unsigned long)(i == 0 ? 0 : i - 1), (unsigned long)arg_count);
        len = wcslen(echo + pos);
        ASSERT_MSG(pos + len < echo_chars, L"argument %lu is not terminated", (unsigned long)i);
        ASSERT_MSG(wcscmp(echo + pos, want) == 0,
                   L"argument %lu differs:\n  got  [%ls] (%lu characters)\n  want [%ls] (%lu characters)",
                   (unsigned long)i, echo + pos, (unsigned long)len, want, (unsigned long)wcslen(want));
        pos += len + 1;
    }
    ASSERT_MSG(pos == echo_chars, L"the listener received more arguments than the %lu passed", (unsigned long)arg_count);

    StopEchoController(name, controller);
    DeleteFileW(echo_path);
    free(echo);
    free(long_arg);
}

/*
 * A long listener command line (the 2000-character argument) makes a long
 * "Launching executable" line: the controller's output must stay intact text,
 * the line complete (or cut short) and followed by "Process launched".
 */
static void SecurityLongLaunchLine(void)
{
    wchar_t *long_arg = MakeLongArg();
    wchar_t *want = (wchar_t *)malloc(SEC_CMD_CAP * sizeof(wchar_t));
    wchar_t *got = (wchar_t *)malloc(SEC_CMD_CAP * sizeof(wchar_t));
    wchar_t name[SEC_TEXT_CAP];
    wchar_t self[SEC_PATH_CAP];
    wchar_t echo_path[SEC_PATH_CAP];
    const wchar_t *args[1];
    TestProc *controller;
    size_t got_len;
    size_t prefix = wcslen(TEXT_LAUNCHING);
    size_t self_len;
    wchar_t *echo = NULL;
    size_t echo_chars = 0;
    ULONGLONG deadline;

    ASSERT(want != NULL && got != NULL);
    TestUniqueName(L"longline", name, SEC_TEXT_CAP);
    TestSelfPath(self, SEC_PATH_CAP);
    self_len = wcslen(self);
    EchoFilePath(echo_path, SEC_PATH_CAP);
    args[0] = long_arg;
    controller = SpawnEchoController(name, args, 1, echo_path);
    /* The seed's line: the program, then its arguments quoted as on the command line, then a space. */
    got[0] = L'\0';
    TestAppendArg(got, SEC_CMD_CAP, name);
    TestAppendArg(got, SEC_CMD_CAP, long_arg);
    swprintf(want, SEC_CMD_CAP, L"%ls%ls %ls ", TEXT_LAUNCHING, self, got);

    /* The listener records its argv once it runs: by then the controller has printed its launch lines. */
    deadline = TestNowMs() + 10000;
    while (!ReadEchoFile(echo_path, &echo, &echo_chars)) {
        ASSERT_MSG(TestNowMs() < deadline, L"the listener wrote no %ls:\n%ls", echo_path, TestOutputText(controller));
        Sleep(50);
    }
    ASSERT_MSG(TestWaitOutput(controller, TEXT_LAUNCHED, 3000),
               L"no \"%ls\" after a %lu-character launch line; the output (cut at its first NUL, if any) is:\n%ls",
               TEXT_LAUNCHED, (unsigned long)wcslen(want), TestOutputText(controller));
    ASSERT_MSG(TestOutputLine(controller, TEXT_LAUNCHING, got, SEC_CMD_CAP), L"the launch line did not end");
    got_len = wcslen(got);
    /* Whole, or cut short at a line-length limit; never other characters. The path's case is the file system's. */
    ASSERT_MSG(got_len > prefix + self_len && got_len <= wcslen(want) && wcsncmp(got, want, prefix) == 0 &&
                   _wcsnicmp(got + prefix, want + prefix, self_len) == 0 &&
                   wcsncmp(got + prefix + self_len, want + prefix + self_len, got_len - prefix - self_len) == 0,
               L"the launch line is not the command line (%lu characters):\n  got  \"%ls\"\n  want \"%ls\"",
               (unsigned long)got_len, got, want);
    StopEchoController(name, controller);
    DeleteFileW(echo_path);
    free(echo);
    free(got);
    free(want);
    free(long_arg);
}

const TestEntry TestSecurityTable[] = {
    { L"security_private_objects", SecurityPrivateObjects, 40000 },
    { L"security_squat_foreign_owner", SecuritySquatForeignOwner, 30000 },
    { L"security_squat_other_type", SecuritySquatOtherType, 40000 },
    { L"security_squat_random_bytes", SecuritySquatRandomBytes, 40000 },
    { L"security_squat_bad_header", SecuritySquatBadHeader, 60000 },
    { L"security_squat_companions", SecuritySquatCompanions, 30000 },
    { L"security_seed_mapping_is_not_squatting", SecuritySeedMappingIsNotSquatting, 30000 },
    { L"security_garbage_live_listener", SecurityGarbageLiveListener, 30000 },
    { L"security_garbage_supervised", SecurityGarbageSupervised, 40000 },
    { L"security_garbage_no_adoption", SecurityGarbageNoAdoption, 60000 },
    { L"security_bad_names", SecurityBadNames, 60000 },
    { L"security_name_239", SecurityName239, 30000 },
    { L"security_unicode_name", SecurityUnicodeName, 30000 },
    { L"security_usage_errors", SecurityUsageErrors, 40000 },
    { L"security_usage_error_long_option", SecurityUsageErrorLongOption, 60000 },
    { L"security_listener_args_quoting", SecurityListenerArgsQuoting, 30000 },
    { L"security_long_launch_line", SecurityLongLaunchLine, 30000 },
};

const size_t TestSecurityCount = sizeof(TestSecurityTable) / sizeof(TestSecurityTable[0]);
