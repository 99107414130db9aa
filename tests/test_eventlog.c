/*
 * test_eventlog.c - the controller's Event Log: the message table compiled into
 * the exe (what Event Viewer reads once the source is registered), the options
 * that choose it, and --install registering the source. The events themselves,
 * as ReportEventW receives them, are checked by tests/eventlog.sh through Wine's
 * eventlog debug channel.
 */
#include "harness/harness.h"

#include <string.h>
#include <wchar.h>

/* One message of the table, formatted with the insertion strings of kInserts. */
typedef struct ExpectedMessage {
    DWORD id;
    const wchar_t *text;
} ExpectedMessage;

static const wchar_t *const kInserts[] = { L"Inst", L"22", L"33", L"44", L"55", L"66" };

/*
 * Every event ID has its text in the exe's message table, in English, with its
 * insertion strings where Event Viewer puts them: FormatMessageW on the exe
 * loaded as a data file is what Event Viewer does with an EventMessageFile.
 */
TEST_IMPL(eventlog_message_table)
{
    static const ExpectedMessage kMessages[] = {
        { EVENT_CONTROLLER_STARTED, L"ConsoleAppController 33 (pid 22) started supervising 'Inst'." },
        { EVENT_LISTENER_LAUNCHED, L"The listener of 'Inst' was launched (pid 22): 33" },
        { EVENT_LISTENER_ADOPTED, L"The listener of 'Inst' that was already running (pid 22) was adopted." },
        { EVENT_LISTENER_EXITED, L"The listener of 'Inst' (pid 22) exited with code 3344 after 55 ms; it is "
                                 L"relaunched in 66 ms." },
        { EVENT_LISTENER_HUNG, L"The listener of 'Inst' (pid 22) completed no unit of work for 33 ms "
                               L"(--hang-timeout) and was terminated as hung" },
        { EVENT_START_LIMIT, L"The listener of 'Inst' exited quickly 22 times within 33 ms (--start-limit); it is "
                             L"not relaunched. Its last exit code was 44." },
        { EVENT_CONTROLLER_STOPPED, L"ConsoleAppController (pid 22) stopped supervising 'Inst' gracefully" },
        { EVENT_CONTROLLER_FAILED, L"ConsoleAppController (pid 22) supervising 'Inst' ended with exit code 33: 44" },
    };
    wchar_t exe[TEST_PATH_CAP];
    wchar_t text[1024];
    DWORD_PTR args[ARRAYSIZE(kInserts)];
    HMODULE module;
    DWORD n;
    size_t i;

    for (i = 0; i < ARRAYSIZE(kInserts); i++) {
        args[i] = (DWORD_PTR)kInserts[i];
    }
    TestBinPath(TEST_CONTROLLER_EXE, exe, TEST_PATH_CAP);
    module = LoadLibraryExW(exe, NULL, LOAD_LIBRARY_AS_DATAFILE);
    ASSERT_MSG(module != NULL, L"LoadLibraryExW(%ls, LOAD_LIBRARY_AS_DATAFILE) failed with error %lu", exe,
               (unsigned long)GetLastError());
    for (i = 0; i < ARRAYSIZE(kMessages); i++) {
        n = FormatMessageW(FORMAT_MESSAGE_FROM_HMODULE | FORMAT_MESSAGE_ARGUMENT_ARRAY, module, kMessages[i].id,
                           MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US), text, ARRAYSIZE(text), (va_list *)args);
        if (n == 0) {
            DWORD code = GetLastError();
            FreeLibrary(module);
            ASSERT_MSG(FALSE, L"event 0x%08lX (ID %lu) has no text in %ls's message table (FormatMessageW error %lu)",
                       (unsigned long)kMessages[i].id, (unsigned long)(kMessages[i].id & 0xFFFFu), exe,
                       (unsigned long)code);
        }
        if (wcsstr(text, kMessages[i].text) == NULL) {
            FreeLibrary(module);
            ASSERT_MSG(FALSE, L"event ID %lu reads \"%ls\", expected it to contain \"%ls\"",
                       (unsigned long)(kMessages[i].id & 0xFFFFu), text, kMessages[i].text);
        }
    }
    FreeLibrary(module);
}

/* --event-log and --no-event-log: one of them, once, and only where a controller supervises. */
TEST_IMPL(eventlog_options)
{
    TestProc *proc;

    proc = TestSpawnController(TEST_SPAWN_DEFAULT, L"--event-log", L"--no-event-log", (const wchar_t *)NULL);
    ASSERT_EXIT(proc, 2, 30000);
    ASSERT_CONTAINS(TestOutputText(proc), L"--event-log and --no-event-log cannot be used together");
    proc = TestSpawnController(TEST_SPAWN_DEFAULT, L"--event-log", L"--event-log", (const wchar_t *)NULL);
    ASSERT_EXIT(proc, 2, 30000);
    ASSERT_CONTAINS(TestOutputText(proc), L"--event-log is given twice");
    proc = TestSpawnController(TEST_SPAWN_DEFAULT, L"--stop", L"EvOpt", L"--no-event-log", (const wchar_t *)NULL);
    ASSERT_EXIT(proc, 2, 30000);
    ASSERT_CONTAINS(TestOutputText(proc), L"--no-event-log cannot be used with --stop");
}

/*
 * --install, run elevated (Wine's user is an administrator), registers the
 * source with the controller as its EventMessageFile and says so.
 */
TEST_IMPL(eventlog_install_registers_source)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t exe[TEST_PATH_CAP];
    wchar_t value[TEST_PATH_CAP];
    DWORD bytes = sizeof(value);
    DWORD types = 0;
    DWORD types_bytes = sizeof(types);
    DWORD type = 0;
    HKEY key = NULL;
    LSTATUS code;
    TestProc *proc;

    TestUniqueName(L"evinst", name, TEST_TEXT_CAP);
    proc = TestSpawnController(TEST_SPAWN_DEFAULT, L"--install", name, (const wchar_t *)NULL);
    ASSERT_EXIT(proc, 0, 30000);
    ASSERT_CONTAINS(TestOutputText(proc), L"Registered the event source 'ConsoleAppController'");
    proc = TestSpawnController(TEST_SPAWN_DEFAULT, L"--uninstall", name, (const wchar_t *)NULL);
    ASSERT_EXIT(proc, 0, 30000);

    code = RegOpenKeyExW(HKEY_LOCAL_MACHINE,
                         L"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\ConsoleAppController", 0,
                         KEY_QUERY_VALUE, &key);
    ASSERT_MSG(code == ERROR_SUCCESS, L"the event source's key is missing after --install (error %ld)", (long)code);
    code = RegQueryValueExW(key, L"EventMessageFile", NULL, &type, (BYTE *)value, &bytes);
    if (code == ERROR_SUCCESS) {
        code = RegQueryValueExW(key, L"TypesSupported", NULL, NULL, (BYTE *)&types, &types_bytes);
    }
    RegCloseKey(key);
    ASSERT_MSG(code == ERROR_SUCCESS, L"EventMessageFile or TypesSupported is missing (error %ld)", (long)code);
    ASSERT_MSG(type == REG_EXPAND_SZ || type == REG_SZ, L"EventMessageFile has type %lu", (unsigned long)type);
    value[ARRAYSIZE(value) - 1] = L'\0';
    TestBinPath(TEST_CONTROLLER_EXE, exe, TEST_PATH_CAP);
    ASSERT_MSG(CompareStringOrdinal(value, -1, exe, -1, TRUE) == CSTR_EQUAL,
               L"EventMessageFile is '%ls', not the controller '%ls'", value, exe);
    ASSERT_MSG(types == (EVENTLOG_ERROR_TYPE | EVENTLOG_WARNING_TYPE | EVENTLOG_INFORMATION_TYPE),
               L"TypesSupported is 0x%lX", (unsigned long)types);
}
