/*
 * squat.c - objects someone else holds under a name: bytes and headers that
 * are not a listener's, kernel objects made first by the test itself, and
 * the check that the programs refuse them and do nothing.
 */
#include "harness.h"

#include <sddl.h>
#include <stdlib.h>
#include <string.h>

/* xorshift32: fixed salts give the same garbage on every run, so a failure can be replayed. */
static uint32_t NextRandom(uint32_t *state)
{
    uint32_t x = *state;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

void TestFillRandom(unsigned char *out, size_t len, uint32_t salt)
{
    uint32_t state = salt != 0 ? salt : 1u;
    size_t i;

    for (i = 0; i < len; i++) {
        out[i] = (unsigned char)(NextRandom(&state) >> 24);
    }
}

static void ReadView(volatile const unsigned char *view, unsigned char *bytes, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        bytes[i] = view[i];
    }
}

/*
 * Creates the kernel object NAME of the given kind before our programs do, with
 * the security descriptor sddl (NULL: the default one, i.e. our own user's). A
 * mapping is HEADER_SIZE bytes (size, when not 0) holding bytes. Returns
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
                               size != 0 ? size : HEADER_SIZE, name);
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

/*
 * A section NAME of this user backed by the paging file, created with
 * protect (page protection and SEC_* flags) and HEADER_SIZE bytes, held by
 * the test process. NULL, *error set, when Windows refuses those flags.
 */
HANDLE TestSquatSection(const wchar_t *name, DWORD protect, DWORD *error)
{
    HANDLE h = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, protect, 0, HEADER_SIZE, name);
    DWORD err = GetLastError();

    if (h != NULL && err == ERROR_ALREADY_EXISTS) {
        CloseHandle(h);
        h = NULL;
    }
    *error = err;
    return h;
}

/* Squat, failing the test on any error but the missing privilege, which makes it a SKIP (returns NULL). */
HANDLE TestSquatOrSkip(SquatKind kind, const wchar_t *name, const wchar_t *sddl, DWORD size,
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
 * Runs the chosen programs for NAME, one after the other, and requires each to
 * exit 7 (NAME is in use) with a message on stderr that names the object (it
 * contains NAME) and says what is wrong with it (one of mentions), having done
 * nothing. When section is not NULL (a squatted mapping), its bytes must be
 * the same afterwards: no pid published, no close message, no header written.
 */
void TestExpectRefused(const wchar_t *name, unsigned runs, HANDLE section, const wchar_t *const *mentions)
{
    unsigned char before[HEADER_SIZE];
    unsigned char after[HEADER_SIZE];
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
        proc = TestSpawnRun(run, name);
        TestExpectExitDoingNothing(proc, TestRunLabel(run), IPC_EXIT_NAME_IN_USE);
        err = TestErrText(proc);
        ASSERT_MSG(wcsstr(err, name) != NULL, L"the %ls's message does not name '%ls':\n%ls", TestRunLabel(run), name,
                   err);
        ASSERT_MSG(MentionsAny(err, mentions), L"the %ls's message does not say what is wrong (\"%ls\"...):\n%ls",
                   TestRunLabel(run), mentions[0], err);
        if (view != NULL) {
            ReadView((volatile const unsigned char *)view, after, sizeof(after));
            ASSERT_MSG(memcmp(before, after, sizeof(before)) == 0, L"the %ls changed the squatted mapping %ls",
                       TestRunLabel(run), name);
        }
    }
    if (view != NULL) {
        UnmapViewOfFile(view);
    }
}
