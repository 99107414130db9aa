/*
 * command_line.c - names, paths and command lines: unique instance names,
 * the files next to ipc_tests.exe, quoting as the C runtime unquotes, the
 * environment and the clock.
 */
#include "harness.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void TestUniqueName(const wchar_t *tag, wchar_t *out, size_t cap)
{
    swprintf(out, cap, L"T%ls-%lu", tag, (unsigned long)GetCurrentProcessId());
}

void TestSelfPath(wchar_t *out, size_t cap)
{
    DWORD n = GetModuleFileNameW(NULL, out, (DWORD)cap);
    DWORD error = GetLastError();

    if (n == 0 || n >= cap) {
        TestFail(__FILE__, __LINE__, L"GetModuleFileNameW failed (error %lu)", (unsigned long)error);
    }
}

void TestBinPath(const wchar_t *file, wchar_t *out, size_t cap)
{
    wchar_t *slash;
    size_t dir_len;
    size_t file_len;

    TestSelfPath(out, cap);
    slash = wcsrchr(out, L'\\');
    if (slash == NULL) {
        TestFail(__FILE__, __LINE__, L"no folder in %ls", out);
    }
    slash[1] = L'\0';
    dir_len = wcslen(out);
    file_len = wcslen(file);
    if (dir_len + file_len + 1 > cap) {
        TestFail(__FILE__, __LINE__, L"path too long for %ls", file);
    }
    memcpy(out + dir_len, file, (file_len + 1) * sizeof(wchar_t));
}

void TestAppendArg(wchar_t *buf, size_t cap, const wchar_t *arg)
{
    size_t len = wcslen(buf);
    size_t need = len + 3 + 2 * wcslen(arg) + 1; /* worst case: every char escaped, quotes, space */
    size_t backslashes;
    const wchar_t *p;
    BOOL quote = arg[0] == L'\0' || wcspbrk(arg, L" \t\n\v\"") != NULL;

    if (need > cap) {
        TestFail(__FILE__, __LINE__, L"command line too long");
    }
    if (len > 0) {
        buf[len++] = L' ';
    }
    if (!quote) {
        memcpy(buf + len, arg, (wcslen(arg) + 1) * sizeof(wchar_t));
        return;
    }
    /* The C runtime's rules: backslashes are literal unless they precede a quote. */
    buf[len++] = L'"';
    for (p = arg;; p++) {
        backslashes = 0;
        while (*p == L'\\') {
            backslashes++;
            p++;
        }
        if (*p == L'\0') {
            while (backslashes-- > 0) {
                buf[len++] = L'\\';
                buf[len++] = L'\\';
            }
            break;
        }
        if (*p == L'"') {
            while (backslashes-- > 0) {
                buf[len++] = L'\\';
                buf[len++] = L'\\';
            }
            buf[len++] = L'\\';
        } else {
            while (backslashes-- > 0) {
                buf[len++] = L'\\';
            }
        }
        buf[len++] = *p;
    }
    buf[len++] = L'"';
    buf[len] = L'\0';
}

void TestCommandLine(wchar_t *out, size_t cap, const wchar_t *exe, ...)
{
    va_list ap;
    const wchar_t *arg;

    if (cap == 0) {
        return;
    }
    out[0] = L'\0';
    TestAppendArg(out, cap, exe);
    va_start(ap, exe);
    for (arg = va_arg(ap, const wchar_t *); arg != NULL; arg = va_arg(ap, const wchar_t *)) {
        TestAppendArg(out, cap, arg);
    }
    va_end(ap);
}

void TestSetEnv(const wchar_t *name, const wchar_t *value)
{
    DWORD error;

    if (!SetEnvironmentVariableW(name, value)) {
        error = GetLastError();
        TestFail(__FILE__, __LINE__, L"SetEnvironmentVariableW(%ls) failed with error %lu", name,
                 (unsigned long)error);
    }
}

ULONGLONG TestNowMs(void)
{
    return GetTickCount64();
}

/* out = prefix, then fill up to exactly length characters. */
void TestPadName(wchar_t *out, size_t cap, const wchar_t *prefix, size_t length, wchar_t fill)
{
    size_t n;

    swprintf(out, cap, L"%ls", prefix);
    for (n = wcslen(out); n < length && n + 1 < cap; n++) {
        out[n] = fill;
    }
    out[n] = L'\0';
}

/* The program a suggested command starts with, as the programs print it. */
#define TEST_CONTROLLER_NAME L"ConsoleAppController"

typedef LPWSTR *(WINAPI *CommandLineToArgvWFn)(LPCWSTR, int *);

TestProc *TestRunPrinted(TestProc *proc, const wchar_t *before, unsigned flags)
{
    wchar_t line[TEST_CMD_CAP];
    wchar_t exe[TEST_PATH_CAP];
    wchar_t *cmd = (wchar_t *)malloc(TEST_CMD_CAP * sizeof(wchar_t));
    const wchar_t *command;
    HMODULE shell32 = LoadLibraryW(L"shell32.dll");
    CommandLineToArgvWFn split = NULL;
    wchar_t **argv;
    int argc = 0;
    int i;
    TestProc *run;

    ASSERT(cmd != NULL);
    ASSERT_MSG(TestOutputLine(proc, before, line, TEST_CMD_CAP), L"no line with \"%ls\":\n%ls", before,
               TestOutputText(proc));
    command = wcsstr(line, before) + wcslen(before);
    if (shell32 != NULL) {
        split = (CommandLineToArgvWFn)(void (*)(void))GetProcAddress(shell32, "CommandLineToArgvW");
    }
    ASSERT_MSG(split != NULL, L"CommandLineToArgvW is not available (error %lu)", (unsigned long)GetLastError());
    argv = split(command, &argc);
    ASSERT_MSG(argv != NULL && argc >= 1 && wcscmp(argv[0], TEST_CONTROLLER_NAME) == 0,
               L"the printed command \"%ls\" does not start with %ls", command, TEST_CONTROLLER_NAME);
    TestBinPath(TEST_CONTROLLER_EXE, exe, TEST_PATH_CAP);
    cmd[0] = L'\0';
    TestAppendArg(cmd, TEST_CMD_CAP, exe);
    for (i = 1; i < argc; i++) {
        TestAppendArg(cmd, TEST_CMD_CAP, argv[i]);
    }
    LocalFree(argv);
    FreeLibrary(shell32);
    run = TestSpawnEx(cmd, flags);
    free(cmd);
    return run;
}
