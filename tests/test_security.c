/*
 * test_security.c - private kernel objects and squatted names, through the real
 * programs.
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
 */
#include "harness/harness.h"

#include <aclapi.h>
#include <sddl.h>
#include <stdio.h>

#include "ipc_name.h"

/* An owner that is not the user (BUILTIN\Guests), with a DACL that lets the test itself in. */
#define FOREIGN_SDDL L"O:BGD:(A;;GA;;;WD)"

#define RUN_ALL (RUN_LISTENER | RUN_CONTROLLER | RUN_STOP)

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
    wchar_t problem[TEST_TEXT_CAP];
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
        swprintf(problem, TEST_TEXT_CAP, L"GetSecurityInfo failed with error %lu", (unsigned long)err);
        goto cleanup;
    }
    if (!ConvertSecurityDescriptorToStringSecurityDescriptorW(sd, SDDL_REVISION_1,
                                                              OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                                                              &sddl, NULL)) {
        sddl = NULL;
    }
    if (owner == NULL || !EqualSid(owner, (PSID)user)) {
        swprintf(problem, TEST_TEXT_CAP, L"the owner is not the user");
        goto cleanup;
    }
    if (!GetSecurityDescriptorControl(sd, &control, &revision) || (control & SE_DACL_PRESENT) == 0 || dacl == NULL) {
        swprintf(problem, TEST_TEXT_CAP, L"there is no DACL (everyone may open it)");
        goto cleanup;
    }
    if ((control & SE_DACL_PROTECTED) == 0) {
        swprintf(problem, TEST_TEXT_CAP, L"the DACL is not protected (it may inherit ACEs)");
        goto cleanup;
    }
    if (dacl->AceCount != 2) {
        swprintf(problem, TEST_TEXT_CAP, L"the DACL has %u ACEs, not 2", (unsigned)dacl->AceCount);
        goto cleanup;
    }
    for (i = 0; i < dacl->AceCount; i++) {
        if (!GetAce(dacl, i, &ace_ptr)) {
            swprintf(problem, TEST_TEXT_CAP, L"GetAce(%lu) failed", (unsigned long)i);
            goto cleanup;
        }
        ace = (ACCESS_ALLOWED_ACE *)ace_ptr;
        if (ace->Header.AceType != ACCESS_ALLOWED_ACE_TYPE) {
            swprintf(problem, TEST_TEXT_CAP, L"ACE %lu is of type %u, not an allow ACE", (unsigned long)i,
                     (unsigned)ace->Header.AceType);
            goto cleanup;
        }
        sid = (PSID)&ace->SidStart;
        if (IsWellKnown(sid, WinWorldSid) || IsWellKnown(sid, WinBuiltinUsersSid) ||
            IsWellKnown(sid, WinAuthenticatedUserSid)) {
            swprintf(problem, TEST_TEXT_CAP, L"ACE %lu grants Everyone, Users or Authenticated Users",
                     (unsigned long)i);
            goto cleanup;
        }
        if (ace->Mask != GENERIC_ALL && ace->Mask != all_access) {
            swprintf(problem, TEST_TEXT_CAP, L"ACE %lu grants 0x%08lX, not all access", (unsigned long)i,
                     (unsigned long)ace->Mask);
            goto cleanup;
        }
        if (EqualSid(sid, (PSID)user)) {
            users++;
        } else if (IsWellKnown(sid, WinLocalSystemSid)) {
            systems++;
        } else {
            swprintf(problem, TEST_TEXT_CAP, L"ACE %lu grants a SID that is neither the user nor SYSTEM",
                     (unsigned long)i);
            goto cleanup;
        }
    }
    if (users != 1 || systems != 1) {
        swprintf(problem, TEST_TEXT_CAP, L"the ACEs are not one for the user and one for SYSTEM");
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
    wchar_t full[TEST_TEXT_CAP];
    HANDLE h = NULL;
    DWORD error;
    ACCESS_MASK all_access = 0;

    swprintf(full, TEST_TEXT_CAP, L"%ls%ls", name, suffix);
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
TEST_IMPL(security_private_objects)
{
    wchar_t alone[TEST_TEXT_CAP];
    wchar_t supervised[TEST_TEXT_CAP];
    BYTE user[SECURITY_MAX_SID_SIZE];
    TestProc *listener;
    TestProc *controller;

    CurrentUserSid(user);

    /* A listener started alone creates the mapping and its lock. */
    TestUniqueName(L"privalone", alone, TEST_TEXT_CAP);
    listener = TestStartListener(alone, 200);
    CheckPrivateByName(alone, L"", OBJECT_MAPPING, user);
    CheckPrivateByName(alone, IPC_SUFFIX_LISTENER_MUTEX, OBJECT_MUTEX, user);

    /* A controller creates the mapping (before its listener), its lock and the stop event. */
    TestUniqueName(L"privsupervised", supervised, TEST_TEXT_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, supervised, L"--console", L"none", L"--", L"--work-ms",
                                     L"200", (const wchar_t *)NULL);
    ASSERT_OUTPUT(controller, TEXT_LAUNCHED, 10000);
    ASSERT(TestWaitPublished(supervised, 0, 10000) != 0);
    CheckPrivateByName(supervised, L"", OBJECT_MAPPING, user);
    CheckPrivateByName(supervised, IPC_SUFFIX_LISTENER_MUTEX, OBJECT_MUTEX, user);
    CheckPrivateByName(supervised, IPC_SUFFIX_CONTROLLER_MUTEX, OBJECT_MUTEX, user);
    CheckPrivateByName(supervised, IPC_SUFFIX_STOP_EVENT, OBJECT_EVENT, user);

    ASSERT_EQ_INT(TestStop(supervised, 15000, 20000, NULL), 0);
    ASSERT_EXIT(controller, 0, 10000);
    ASSERT_EQ_INT(TestStop(alone, 15000, 20000, NULL), 0);
    ASSERT_EXIT(listener, 0, 10000);
}

static const wchar_t *const kForeignOwner[] = { L"another user", L"owner", NULL };
static const wchar_t *const kOtherType[] = { L"not a file mapping", L"type", NULL };

/* NAME is a mapping owned by another SID, whose contents are a perfect empty header: the owner alone must refuse it. */
TEST_IMPL(security_squat_foreign_owner)
{
    wchar_t name[TEST_TEXT_CAP];
    unsigned char bytes[HEADER_SIZE];
    HANDLE squat;

    TestUniqueName(L"squatowner", name, TEST_TEXT_CAP);
    TestBuildHeader(bytes, 0, STATE_RUNNING, 0);
    TestPutU32(bytes + OFF_STATE, 0); /* state none: what a fresh listener's mapping holds */
    squat = TestSquatOrSkip(SQUAT_MAPPING, name, FOREIGN_SDDL, 0, bytes, sizeof(bytes));
    if (squat == NULL) {
        return;
    }
    TestExpectRefused(name, RUN_ALL, squat, kForeignOwner);
    CloseHandle(squat);
}

/* NAME is an event or a mutex: not a mapping at all. */
TEST_IMPL(security_squat_other_type)
{
    wchar_t name[TEST_TEXT_CAP];
    HANDLE squat;

    TestUniqueName(L"squatevent", name, TEST_TEXT_CAP);
    squat = TestSquatOrSkip(SQUAT_EVENT, name, NULL, 0, NULL, 0);
    TestExpectRefused(name, RUN_ALL, NULL, kOtherType);
    CloseHandle(squat);

    TestUniqueName(L"squatmutex", name, TEST_TEXT_CAP);
    squat = TestSquatOrSkip(SQUAT_MUTEX, name, NULL, 0, NULL, 0);
    TestExpectRefused(name, RUN_ALL, NULL, kOtherType);
    CloseHandle(squat);
}

/* NAME is a mapping of the right size (ours, so only its contents are wrong) full of random bytes. */
TEST_IMPL(security_squat_random_bytes)
{
    static const wchar_t *const mentions[] = { L"magic", L"negative", L"listener's data", NULL };
    wchar_t name[TEST_TEXT_CAP];
    unsigned char bytes[HEADER_SIZE];
    HANDLE squat;
    uint32_t salt;

    for (salt = 1; salt <= 3; salt++) {
        swprintf(name, TEST_TEXT_CAP, L"Tsquatrandom%lu-%lu", (unsigned long)salt,
                 (unsigned long)GetCurrentProcessId());
        TestFillRandom(bytes, sizeof(bytes), salt * 0x9E3779B9u);
        squat = TestSquatOrSkip(SQUAT_MAPPING, name, NULL, 0, bytes, sizeof(bytes));
        TestExpectRefused(name, RUN_ALL, squat, mentions);
        CloseHandle(squat);
    }
}

/* NAME is a mapping with a plausible header that is wrong in one field; the message names the field. */
TEST_IMPL(security_squat_bad_header)
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
        { L"state", 12, 4, 6, L"state" },
        { L"standby", OFF_STANDBY_STATE, 4, 3, L"standby state" },
        { L"reserved", OFF_RESERVED + 4, 1, 0x5A, L"reserved" },
    };
    wchar_t name[TEST_TEXT_CAP];
    unsigned char bytes[HEADER_SIZE];
    const wchar_t *mentions[2];
    HANDLE squat;
    size_t i;

    for (i = 0; i < ARRAYSIZE(cases); i++) {
        swprintf(name, TEST_TEXT_CAP, L"Tsquatheader-%ls-%lu", cases[i].tag, (unsigned long)GetCurrentProcessId());
        /* A listener pid that is not running: nothing must be adopted or waited for either way. */
        TestBuildHeader(bytes, 0x7FFFFFF0u, STATE_RUNNING, 0);
        if (cases[i].width == 4) {
            TestPutU32(bytes + cases[i].offset, cases[i].value);
        } else if (cases[i].width == 2) {
            TestPutU16(bytes + cases[i].offset, (uint16_t)cases[i].value);
        } else {
            bytes[cases[i].offset] = (unsigned char)cases[i].value;
        }
        squat = TestSquatOrSkip(SQUAT_MAPPING, name, NULL, 0, bytes, sizeof(bytes));
        mentions[0] = cases[i].mention;
        mentions[1] = NULL;
        TestExpectRefused(name, RUN_ALL, squat, mentions);
        CloseHandle(squat);
    }
}

/*
 * The companion names (IPC_SUFFIX_*): the listener lock as an event stops the
 * listener and the controller; the controller lock or the stop event of
 * another owner stop the controller.
 */
TEST_IMPL(security_squat_companions)
{
    static const wchar_t *const not_mutex[] = { L"not a mutex", L"type", NULL };
    wchar_t name[TEST_TEXT_CAP];
    wchar_t object[TEST_TEXT_CAP];
    HANDLE squat;

    TestUniqueName(L"squatlistenerlock", name, TEST_TEXT_CAP);
    swprintf(object, TEST_TEXT_CAP, L"%ls%ls", name, IPC_SUFFIX_LISTENER_MUTEX);
    squat = TestSquatOrSkip(SQUAT_EVENT, object, NULL, 0, NULL, 0);
    /* The controller checks it before launching: otherwise every listener it launched would exit 7. */
    TestExpectRefused(name, RUN_LISTENER | RUN_CONTROLLER, NULL, not_mutex);
    ASSERT_MSG(!TestMappingExists(name), L"the listener or the controller created %ls although it refused to run",
               name);
    CloseHandle(squat);

    TestUniqueName(L"squatlistenerowner", name, TEST_TEXT_CAP);
    swprintf(object, TEST_TEXT_CAP, L"%ls%ls", name, IPC_SUFFIX_LISTENER_MUTEX);
    squat = TestSquatOrSkip(SQUAT_MUTEX, object, FOREIGN_SDDL, 0, NULL, 0);
    if (squat != NULL) {
        TestExpectRefused(name, RUN_LISTENER | RUN_CONTROLLER, NULL, kForeignOwner);
        ASSERT_MSG(!TestMappingExists(name), L"the controller created %ls although it refused to run", name);
        CloseHandle(squat);
    }

    TestUniqueName(L"squatcontrollerlock", name, TEST_TEXT_CAP);
    swprintf(object, TEST_TEXT_CAP, L"%ls%ls", name, IPC_SUFFIX_CONTROLLER_MUTEX);
    squat = TestSquatOrSkip(SQUAT_MUTEX, object, FOREIGN_SDDL, 0, NULL, 0);
    if (squat == NULL) {
        return;
    }
    TestExpectRefused(name, RUN_CONTROLLER, NULL, kForeignOwner);
    ASSERT_MSG(!TestMappingExists(name), L"the controller created %ls although it refused to run", name);
    CloseHandle(squat);

    TestUniqueName(L"squatstopevent", name, TEST_TEXT_CAP);
    swprintf(object, TEST_TEXT_CAP, L"%ls%ls", name, IPC_SUFFIX_STOP_EVENT);
    squat = TestSquatOrSkip(SQUAT_EVENT, object, FOREIGN_SDDL, 0, NULL, 0);
    if (squat == NULL) {
        return;
    }
    TestExpectRefused(name, RUN_CONTROLLER, NULL, kForeignOwner);
    ASSERT_MSG(!TestMappingExists(name), L"the controller created %ls although it refused to run", name);
    CloseHandle(squat);
}

/*
 * Positive control: the C# sample's own 4-byte mapping is not squatting. Our
 * listener works in a 4-byte section that is already there (as the C# sample's
 * controller leaves one), and --stop stops a live sample listener.
 */
TEST_IMPL(security_sample_mapping_is_not_squatting)
{
    wchar_t name[TEST_TEXT_CAP];
    unsigned char zero[SAMPLE_MAPPING_SIZE] = { 0, 0, 0, 0 };
    HANDLE section;
    TestProc *listener;
    TestProc *sample;
    TestProc *stopper = NULL;
    DWORD code = 0;

    TestUniqueName(L"samplesection", name, TEST_TEXT_CAP);
    section = TestSquatOrSkip(SQUAT_MAPPING, name, NULL, SAMPLE_MAPPING_SIZE, zero, sizeof(zero));
    listener = TestStartListener(name, 200);
    ASSERT_OUTPUT(listener, TEXT_PROCESSING, 5000);
    ASSERT_EQ_INT(TestStop(name, 15000, 20000, &stopper), 0);
    ASSERT_CONTAINS(TestOutputText(stopper), TEXT_SENT);
    ASSERT_EXIT(listener, 0, 5000);
    CloseHandle(section);

    TestUniqueName(L"samplelive", name, TEST_TEXT_CAP);
    sample = TestSpawnSelf(TEST_SPAWN_DEFAULT, L"--helper", L"sample-listener", name, L"200", (const wchar_t *)NULL);
    ASSERT_EQ_INT(TestWaitPublished(name, 0, 10000), TestPid(sample));
    ASSERT_EQ_INT(TestStop(name, 15000, 20000, &stopper), 0);
    ASSERT_CONTAINS(TestOutputText(stopper), TEXT_SENT);
    ASSERT(TestWaitExit(sample, 5000, &code));
    ASSERT_EQ_INT(code, 0);
}

/*
 * TRUE when this platform maps section NAME for reading and writing and a write
 * through that view is seen through another view: then it is shared
 * read-write memory whatever protection it was created with (Wine 8 ignores
 * PAGE_READONLY and PAGE_WRITECOPY for paging-file sections; Windows refuses
 * such a view).
 */
static BOOL SharedReadWrite(HANDLE section, const wchar_t *name)
{
    /* Opened by name, as the programs do: Wine gives the creator's own handle only the access its protection allows. */
    HANDLE opened = OpenFileMappingW(FILE_MAP_READ | FILE_MAP_WRITE, FALSE, name);
    volatile LONG *rw =
        opened != NULL ? (volatile LONG *)MapViewOfFile(opened, FILE_MAP_READ | FILE_MAP_WRITE, 0, 0, 0) : NULL;
    volatile LONG *ro = (volatile LONG *)MapViewOfFile(section, FILE_MAP_READ, 0, 0, 0);
    MEMORY_BASIC_INFORMATION info;
    BOOL shared = FALSE;

    if (rw != NULL && ro != NULL && VirtualQuery((const void *)rw, &info, sizeof(info)) == sizeof(info) &&
        info.State == MEM_COMMIT && info.Protect == PAGE_READWRITE) {
        InterlockedExchange(rw, 0x5A5A5A5A);
        shared = *ro == 0x5A5A5A5A;
        InterlockedExchange(rw, 0);
    }
    if (rw != NULL) {
        UnmapViewOfFile((const void *)rw);
    }
    if (ro != NULL) {
        UnmapViewOfFile((const void *)ro);
    }
    if (opened != NULL) {
        CloseHandle(opened);
    }
    return shared;
}

/*
 * Sections NAME of this user that are not what they seem: reserved but not
 * committed (SEC_RESERVE: reading it would fault on Windows), read-only, and
 * copy-on-write (Windows refuses a read-write view of those two). The
 * listener, the controller, --stop and --status each refuse them with exit 7
 * and a message that names the section and what is wrong. Where the platform
 * makes a read-only or copy-on-write section shared read-write memory all the
 * same (Wine 8), nothing is wrong with it and nothing can tell: that case is
 * reported and skipped.
 */
TEST_IMPL(security_squat_odd_sections)
{
    typedef struct OddSection {
        const wchar_t *tag;
        DWORD protect;
        const wchar_t *mention;
    } OddSection;
    static const OddSection cases[] = {
        { L"reserve", PAGE_READWRITE | SEC_RESERVE, L"reserved" },
        { L"readonly", PAGE_READONLY, L"read-only" },
        { L"writecopy", PAGE_WRITECOPY, L"copy-on-write" },
    };
    static const wchar_t *const status_args[] = { L"--status", NULL, NULL };
    const wchar_t *args[3];
    const wchar_t *mentions[2];
    wchar_t name[TEST_TEXT_CAP];
    HANDLE squat;
    DWORD error = 0;
    TestProc *status;
    size_t i;

    for (i = 0; i < ARRAYSIZE(cases); i++) {
        swprintf(name, TEST_TEXT_CAP, L"Toddsection-%ls-%lu", cases[i].tag, (unsigned long)GetCurrentProcessId());
        squat = TestSquatSection(name, cases[i].protect, &error);
        if (squat == NULL) {
            TestPrint(L"SKIP: cannot create a %ls section: error %lu\n", cases[i].tag, (unsigned long)error);
            continue;
        }
        if ((cases[i].protect & SEC_RESERVE) == 0 && SharedReadWrite(squat, name)) {
            TestPrint(L"note: not checked here: this platform maps a %ls section as shared read-write memory "
                      L"(Wine does; Windows refuses the view)\n",
                      cases[i].tag);
            CloseHandle(squat);
            continue;
        }
        mentions[0] = cases[i].mention;
        mentions[1] = NULL;
        /* No section view for TestExpectRefused: the test itself must not read a reserved page. */
        TestExpectRefused(name, RUN_ALL, NULL, mentions);
        args[0] = status_args[0];
        args[1] = name;
        args[2] = NULL;
        status = TestSpawnArgs(TEST_CONTROLLER_EXE, args);
        TestExpectExitDoingNothing(status, L"--status", IPC_EXIT_NAME_IN_USE);
        ASSERT_CONTAINS(TestErrText(status), name);
        ASSERT_CONTAINS(TestErrText(status), cases[i].mention);
        CloseHandle(squat);
    }
}

/* Remove a privilege from this test process's token for good (its children inherit the token without it). */
static void RemovePrivilege(const wchar_t *privilege)
{
    HANDLE token = NULL;
    TOKEN_PRIVILEGES tp;

    ASSERT(OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY, &token));
    tp.PrivilegeCount = 1;
    tp.Privileges[0].Attributes = SE_PRIVILEGE_REMOVED;
    ASSERT(LookupPrivilegeValueW(NULL, privilege, &tp.Privileges[0].Luid));
    ASSERT_MSG(AdjustTokenPrivileges(token, FALSE, &tp, 0, NULL, NULL), L"AdjustTokenPrivileges failed with error %lu",
               (unsigned long)GetLastError());
    CloseHandle(token);
}

/*
 * Global\<tag> whose companion object suffix (of kind) exists with an empty
 * DACL, denying this user: the programs runs refuse the name (exit 7) saying
 * the object may not be opened.
 */
static void ExpectGlobalCompanionDenied(const wchar_t *tag, const wchar_t *suffix, SquatKind kind, unsigned runs)
{
    static const wchar_t *const denied[] = { L"exists but this user may not open it", NULL };
    wchar_t base[TEST_TEXT_CAP];
    wchar_t name[TEST_TEXT_CAP];
    wchar_t object[TEST_TEXT_CAP];
    HANDLE squat;

    TestUniqueName(tag, base, TEST_TEXT_CAP);
    swprintf(name, TEST_TEXT_CAP, L"Global\\%ls", base);
    swprintf(object, TEST_TEXT_CAP, L"%ls%ls", name, suffix);
    squat = TestSquatOrSkip(kind, object, L"D:", 0, NULL, 0);
    TestExpectRefused(name, runs, NULL, denied);
    CloseHandle(squat);
}

/*
 * A user without SeCreateGlobalPrivilege is told that a Global\ file mapping
 * needs it, but not for a mutex or an event: creating those in Global\ needs
 * no privilege ("Kernel Object Namespaces": only file mappings and symbolic
 * links do), so their "access denied" means that someone else's object denies
 * this user, a name in use (exit 7). The objects denying access are made by
 * this test with an empty DACL; the privilege is removed from its token,
 * which the programs it starts inherit.
 */
TEST_IMPL(security_global_privilege_only_for_mappings)
{
    wchar_t base[TEST_TEXT_CAP];
    wchar_t name[TEST_TEXT_CAP];
    const wchar_t *args[2];
    TestProc *proc;
    HANDLE squat;

    RemovePrivilege(L"SeCreateGlobalPrivilege");
    /* A mutex (the listener's lock for the listener, the controller's for the controller), the stop event. */
    ExpectGlobalCompanionDenied(L"globalmutex", IPC_SUFFIX_LISTENER_MUTEX, SQUAT_MUTEX, RUN_LISTENER);
    ExpectGlobalCompanionDenied(L"globallock", IPC_SUFFIX_CONTROLLER_MUTEX, SQUAT_MUTEX, RUN_CONTROLLER);
    ExpectGlobalCompanionDenied(L"globalevent", IPC_SUFFIX_STOP_EVENT, SQUAT_EVENT, RUN_CONTROLLER);

    /* The mapping: here the missing privilege is the likely cause, and the message says so (exit 1). */
    TestUniqueName(L"globalmapping", base, TEST_TEXT_CAP);
    swprintf(name, TEST_TEXT_CAP, L"Global\\%ls", base);
    squat = TestSquatOrSkip(SQUAT_MAPPING, name, L"D:", 0, NULL, 0);
    args[0] = name;
    args[1] = NULL;
    proc = TestSpawnArgs(TEST_LISTENER_EXE, args);
    ASSERT_EXIT(proc, IPC_EXIT_FAILURE, 15000);
    ASSERT_CONTAINS(TestErrText(proc), L"SeCreateGlobalPrivilege");
    ASSERT_CONTAINS(TestErrText(proc), name);
    CloseHandle(squat);
}
