/*
 * test_version.c - the conventions every console program owes its users: --help,
 * --version, and the version and manifest resources.
 */
#include "harness/harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc_version.h"

static const wchar_t *const kControllerOptions[] = {
    L"--listener", L"--console", L"--hang-timeout", L"--restart-delay", L"--restart-delay-max", L"--log",
    L"--log-max-bytes", L"-- ", L"--stop", L"--timeout", L"--force", L"--status", L"--install", L"--at-startup",
    L"--at-logon", L"--dry-run", L"--uninstall", L"--help", L"-h", L"/?", L"--version", L"--no-restart-exit-codes",
    L"--start-limit", L"--start-limit-interval", L"--on-failure", L"--event-log", L"--no-event-log", L"--restart [NAME]",
    NULL,
};
static const int kControllerCodes[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, -1 };
static const wchar_t *const kListenerOptions[] = {
    L"--work-ms", L"--run", L"--journal", L"--log", L"--log-max-bytes", L"--help", L"-h", L"/?", L"--version", NULL,
};
static const int kListenerCodes[] = { 0, 1, 2, 4, 7, -1 };

static void CheckUsage(const wchar_t *exe_file, const wchar_t *const *options, const int *codes)
{
    static const wchar_t *const kHelp[] = { L"/?", L"-h", L"--help" };
    wchar_t line[32];
    TestProc *proc;
    const wchar_t *out;
    size_t i;
    size_t k;

    for (i = 0; i < ARRAYSIZE(kHelp); i++) {
        proc = TestRunExe(exe_file, kHelp[i], NULL, 0);
        out = TestOutputText(proc);
        ASSERT_MSG(wcsstr(out, L"Usage:") != NULL, L"%ls %ls printed no usage:\n\"%ls\"", exe_file, kHelp[i], out);
        for (k = 0; options[k] != NULL; k++) {
            ASSERT_MSG(wcsstr(out, options[k]) != NULL, L"%ls %ls does not mention %ls:\n%ls", exe_file, kHelp[i],
                       options[k], out);
        }
        ASSERT_CONTAINS(out, L"Exit codes:");
        for (k = 0; codes[k] >= 0; k++) {
            /* One line per code: two spaces, the number, a space. */
            swprintf(line, 32, L"\n  %d ", codes[k]);
            ASSERT_MSG(wcsstr(out, line) != NULL, L"%ls %ls does not document exit code %d:\n%ls", exe_file, kHelp[i],
                       codes[k], out);
        }
    }
    proc = TestRunExe(exe_file, L"--version", NULL, 0);
    ASSERT_CONTAINS(TestOutputText(proc), IPC_VERSION_WIDE);
}

/* /?, -h, --help: usage with every option and exit code, exit 0; --version: the header's version. */
TEST_IMPL(unattended_help_and_version)
{
    CheckUsage(TEST_LISTENER_EXE, kListenerOptions, kListenerCodes);
    CheckUsage(TEST_CONTROLLER_EXE, kControllerOptions, kControllerCodes);
}

typedef DWORD(WINAPI *VersionSizeFn)(LPCWSTR, LPDWORD);
typedef BOOL(WINAPI *VersionInfoFn)(LPCWSTR, DWORD, DWORD, LPVOID);
typedef BOOL(WINAPI *VersionQueryFn)(LPCVOID, LPCWSTR, LPVOID *, PUINT);

/* The version resource's FileVersion and OriginalFilename, and the manifest resource. */
static void CheckResources(const wchar_t *exe_file, HMODULE version)
{
    wchar_t exe[TEST_PATH_CAP];
    wchar_t key[128];
    /* Through void (*)(void): a cast between function pointer types compilers accept without a warning. */
    VersionSizeFn size_fn = (VersionSizeFn)(void (*)(void))GetProcAddress(version, "GetFileVersionInfoSizeW");
    VersionInfoFn info_fn = (VersionInfoFn)(void (*)(void))GetProcAddress(version, "GetFileVersionInfoW");
    VersionQueryFn query_fn = (VersionQueryFn)(void (*)(void))GetProcAddress(version, "VerQueryValueW");
    DWORD handle = 0;
    DWORD size;
    void *block = NULL;
    WORD *translation = NULL;
    wchar_t *value = NULL;
    UINT value_len = 0;
    HMODULE module = NULL;
    HRSRC resource;
    HGLOBAL loaded;
    const char *manifest;
    DWORD manifest_len;
    DWORD i;
    BOOL invoker = FALSE;

    ASSERT(size_fn != NULL && info_fn != NULL && query_fn != NULL);
    TestBinPath(exe_file, exe, TEST_PATH_CAP);
    size = size_fn(exe, &handle);
    ASSERT_MSG(size > 0, L"%ls has no version resource (GetFileVersionInfoSizeW error %lu)", exe,
               (unsigned long)GetLastError());
    block = malloc(size);
    ASSERT(block != NULL);
    ASSERT(info_fn(exe, 0, size, block));
    ASSERT_MSG(query_fn(block, L"\\VarFileInfo\\Translation", (LPVOID *)&translation, &value_len) &&
                   value_len >= 4,
               L"%ls: no translation in the version resource", exe);
    swprintf(key, 128, L"\\StringFileInfo\\%04x%04x\\FileVersion", translation[0], translation[1]);
    ASSERT_MSG(query_fn(block, key, (LPVOID *)&value, &value_len) && value != NULL, L"%ls: no %ls", exe, key);
    ASSERT_EQ_WSTR(value, IPC_VERSION_WIDE);
    swprintf(key, 128, L"\\StringFileInfo\\%04x%04x\\OriginalFilename", translation[0], translation[1]);
    ASSERT_MSG(query_fn(block, key, (LPVOID *)&value, &value_len) && value != NULL, L"%ls: no %ls", exe, key);
    ASSERT_EQ_WSTR(value, exe_file);
    free(block);
    block = NULL;

    module = LoadLibraryExW(exe, NULL, LOAD_LIBRARY_AS_DATAFILE);
    ASSERT_MSG(module != NULL, L"LoadLibraryExW(%ls) failed with error %lu", exe, (unsigned long)GetLastError());
    resource = FindResourceW(module, MAKEINTRESOURCEW(1), RT_MANIFEST);
    ASSERT_MSG(resource != NULL, L"%ls has no RT_MANIFEST resource 1", exe);
    loaded = LoadResource(module, resource);
    manifest = loaded != NULL ? (const char *)LockResource(loaded) : NULL;
    manifest_len = SizeofResource(module, resource);
    ASSERT(manifest != NULL && manifest_len > 9);
    for (i = 0; i + 9 <= manifest_len && !invoker; i++) {
        invoker = memcmp(manifest + i, "asInvoker", 9) == 0;
    }
    FreeLibrary(module);
    module = NULL;
    ASSERT_MSG(invoker, L"the manifest of %ls does not ask for asInvoker", exe);
}

TEST_IMPL(unattended_version_resources)
{
    /* Loaded at run time: linking version.lib would add a DLL to the test's imports for this one test. */
    HMODULE version = LoadLibraryW(L"version.dll");

    ASSERT_MSG(version != NULL, L"LoadLibraryW(version.dll) failed with error %lu", (unsigned long)GetLastError());
    CheckResources(TEST_CONTROLLER_EXE, version);
    CheckResources(TEST_LISTENER_EXE, version);
    FreeLibrary(version);
}
