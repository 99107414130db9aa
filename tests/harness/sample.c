/*
 * sample.c - the C# sample's programs, reproduced: its listener, its stop
 * (the controller's key press) and its locate step, as ipc_tests.exe
 * --helper KIND, so that ours can be tested against them.
 *
 * They do what the sample's Program.cs files do to the mapping, call for
 * call: the listener's MemoryMappedFile.CreateOrOpen(name, 4) and plain int32
 * writes/reads at offset 0, the controller's LocateClient and
 * WantProcessToShutDown (which never disposes its MemoryMappedFile, so the
 * mapping outlives the listener).
 */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

static DWORD SampleWorkMsFromEnv(void)
{
    wchar_t text[32];
    DWORD n = GetEnvironmentVariableW(TEST_ENV_SAMPLE_WORK_MS, text, 32);
    unsigned long value;
    wchar_t *end = NULL;

    if (n == 0 || n >= 32) {
        return TEST_SAMPLE_DEFAULT_WORK_MS;
    }
    value = wcstoul(text, &end, 10);
    if (end == text || *end != L'\0' || value == 0) {
        return TEST_SAMPLE_DEFAULT_WORK_MS;
    }
    return (DWORD)value;
}

/*
 * Console.Read(): at the end of standard input (NUL, a closed pipe) it returns
 * at once. On a console it would wait for Enter; nobody can press it under the
 * runner, so the helper does not wait there (the one liberty it takes).
 */
static void SampleConsoleRead(void)
{
    HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
    DWORD mode = 0;
    char c = 0;
    DWORD got = 0;

    if (in == NULL || in == INVALID_HANDLE_VALUE || GetConsoleMode(in, &mode)) {
        return;
    }
    (void)ReadFile(in, &c, 1, &got, NULL);
}

/* ShouldClose(): a fresh view each time, read offset 0, compare with -1. */
static BOOL SampleShouldClose(HANDLE section)
{
    void *view = MapViewOfFile(section, FILE_MAP_READ, 0, 0, 0);
    LONG message;

    if (view == NULL) {
        return FALSE;
    }
    message = *(volatile LONG *)view;
    UnmapViewOfFile(view);
    if (message == CLOSE_MESSAGE) {
        TestPrint(L"%ls\r\n", TEXT_RECEIVED);
        return TRUE;
    }
    return FALSE;
}

/*
 * accessor.Write(0, value): a view of the 4 bytes and one plain int32 write;
 * FALSE, after the sample's message, when the view cannot be mapped.
 */
static BOOL SampleWrite(HANDLE section, LONG value)
{
    void *view = MapViewOfFile(section, FILE_MAP_WRITE, 0, 0, SAMPLE_MAPPING_SIZE);

    if (view == NULL) {
        TestPrint(L"Unhandled exception: MapViewOfFile failed with error %lu\r\n", (unsigned long)GetLastError());
        return FALSE;
    }
    *(volatile LONG *)view = value;
    UnmapViewOfFile(view);
    return TRUE;
}

int TestSampleListenerMain(const wchar_t *name, DWORD work_ms)
{
    HANDLE section = NULL;
    DWORD error;
    int code = 0;

    if (work_ms == 0) {
        work_ms = SampleWorkMsFromEnv();
    }
    if (name == NULL || name[0] == L'\0') {
        TestPrint(L"%ls\r\n", TEXT_NO_NAME);
        SampleConsoleRead();
        goto cleanup;
    }
    /* CreateOrOpen(name, 4): an existing section of any size is opened as it is. */
    section = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, SAMPLE_MAPPING_SIZE, name);
    if (section == NULL) {
        error = GetLastError();
        TestPrint(L"Unhandled exception: CreateFileMappingW(%ls) failed with error %lu\r\n", name,
                  (unsigned long)error);
        code = 1;
        goto cleanup;
    }
    if (!SampleWrite(section, (LONG)GetCurrentProcessId())) { /* accessor.Write(0, processId) */
        code = 1;
        goto cleanup;
    }

    while (!SampleShouldClose(section)) {
        TestPrint(L"%ls\r\n", TEXT_NOT_RECEIVED);
        TestPrint(L"%ls\r\n", TEXT_PROCESSING);
        Sleep(work_ms);
    }
    TestPrint(L"%ls\r\n", TEXT_HIT_ENTER_CLOSE);
    SampleConsoleRead();

cleanup:
    if (section != NULL) {
        CloseHandle(section);
    }
    return code;
}

/* sample-stop NAME [HOLD_MS]: WantProcessToShutDown, then (optionally) sit on the mapping like the C# sample does. */
static int SampleStopMain(int argc, wchar_t **argv)
{
    HANDLE section = NULL;
    DWORD error;
    DWORD hold_ms = 0;
    int code = 0;

    if (argc < 2) {
        TestPrint(L"usage: --helper sample-stop NAME [HOLD_MS]\r\n");
        return 2;
    }
    if (argc >= 3) {
        hold_ms = (DWORD)wcstoul(argv[2], NULL, 10);
    }
    section = OpenFileMappingW(FILE_MAP_READ | FILE_MAP_WRITE, FALSE, argv[1]);
    if (section == NULL) {
        error = GetLastError();
        TestPrint(L"Unhandled exception: FileNotFoundException (OpenFileMappingW(%ls) failed with error %lu)\r\n",
                  argv[1], (unsigned long)error);
        code = 1;
        goto cleanup;
    }
    if (!SampleWrite(section, CLOSE_MESSAGE)) { /* accessor.Write(0, CloseMessage) */
        code = 1;
        goto cleanup;
    }
    TestPrint(L"%ls\r\n", TEXT_SENT);
    TestPrint(L"Hit Enter to close\r\n");
    /* The C# sample's memoryMappedFile is never disposed: the section stays open until the process ends. */
    if (hold_ms > 0) {
        Sleep(hold_ms);
    }

cleanup:
    if (section != NULL) {
        CloseHandle(section);
    }
    return code;
}

/* sample-locate NAME: LocateClient; exit 0 when it would report a running client. */
static int SampleLocateMain(int argc, wchar_t **argv)
{
    HANDLE section = NULL;
    HANDLE process = NULL;
    void *view = NULL;
    LONG message;
    int code = 1;

    if (argc < 2) {
        TestPrint(L"usage: --helper sample-locate NAME\r\n");
        return 2;
    }
    section = OpenFileMappingW(FILE_MAP_READ | FILE_MAP_WRITE, FALSE, argv[1]);
    if (section == NULL) {
        TestPrint(L"Client not found (no mapping)\r\n");
        goto cleanup;
    }
    view = MapViewOfFile(section, FILE_MAP_READ, 0, 0, 0);
    if (view == NULL) {
        TestPrint(L"Unhandled exception: MapViewOfFile failed with error %lu\r\n", (unsigned long)GetLastError());
        goto cleanup;
    }
    message = *(volatile LONG *)view;
    TestPrint(L"Broadcast '%ld' received\r\n", (long)message);
    if (message == CLOSE_MESSAGE) {
        goto cleanup;
    }
    /* Process.GetProcessById throws for a pid that is not running. */
    process = OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)message);
    if (process == NULL || WaitForSingleObject(process, 0) != WAIT_TIMEOUT) {
        TestPrint(L"Unhandled exception: ArgumentException: Process with an Id of %ld is not running.\r\n",
                  (long)message);
        goto cleanup;
    }
    code = 0;

cleanup:
    if (process != NULL) {
        CloseHandle(process);
        process = NULL;
    }
    if (view != NULL) {
        UnmapViewOfFile(view);
    }
    if (section != NULL) {
        CloseHandle(section);
    }
    return code;
}

int TestSampleHelperMain(int argc, wchar_t **argv)
{
    if (argc < 1) {
        return -1;
    }
    if (wcscmp(argv[0], TEST_HELPER_SAMPLE_LISTENER) == 0) {
        return TestSampleListenerMain(argc >= 2 ? argv[1] : NULL,
                                      argc >= 3 ? (DWORD)wcstoul(argv[2], NULL, 10) : 0);
    }
    if (wcscmp(argv[0], L"sample-stop") == 0) {
        return SampleStopMain(argc, argv);
    }
    if (wcscmp(argv[0], L"sample-locate") == 0) {
        return SampleLocateMain(argc, argv);
    }
    return -1;
}
