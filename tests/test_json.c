/*
 * test_json.c - --status NAME --json and --list [--json], read back with a
 * small JSON parser: typed fields, escaping (a path's backslashes), exit codes,
 * the decoded exit code name, the logs' paths (and a NAME|log not to be trusted), two running
 * instances listed and then none.
 */
#include "harness/harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a minimal strict JSON reader: finds the value at a dotted path ("listener.pid", "instances.1.name") ---- */

typedef struct JsonReader {
    const wchar_t *p;
    BOOL bad;
    const wchar_t *want; /* the path looked for */
    wchar_t path[256];
    wchar_t found[TEST_TEXT_CAP]; /* the decoded string, or the literal text of a number, true, false, null */
    BOOL hit;
} JsonReader;

static void SkipSpace(JsonReader *r)
{
    while (*r->p == L' ' || *r->p == L'\t' || *r->p == L'\r' || *r->p == L'\n') {
        r->p++;
    }
}

static int HexDigit(wchar_t c)
{
    if (c >= L'0' && c <= L'9') return c - L'0';
    if (c >= L'a' && c <= L'f') return c - L'a' + 10;
    if (c >= L'A' && c <= L'F') return c - L'A' + 10;
    return -1;
}

/* A string: every escape of RFC 8259 decoded; a raw control character or a bad escape makes the text bad. */
static void ReadString(JsonReader *r, wchar_t *out, size_t cap)
{
    size_t n = 0;
    if (*r->p != L'"') {
        r->bad = TRUE;
        return;
    }
    r->p++;
    while (*r->p != L'"') {
        wchar_t c = *r->p++;
        if (c == L'\0' || c < 0x20) {
            r->bad = TRUE;
            return;
        }
        if (c == L'\\') {
            wchar_t e = *r->p++;
            switch (e) {
            case L'"': c = L'"'; break;
            case L'\\': c = L'\\'; break;
            case L'/': c = L'/'; break;
            case L'b': c = L'\b'; break;
            case L'f': c = L'\f'; break;
            case L'n': c = L'\n'; break;
            case L'r': c = L'\r'; break;
            case L't': c = L'\t'; break;
            case L'u': {
                int k, v = 0;
                for (k = 0; k < 4; k++) {
                    int d = HexDigit(*r->p++);
                    if (d < 0) {
                        r->bad = TRUE;
                        return;
                    }
                    v = v * 16 + d;
                }
                c = (wchar_t)v;
                break;
            }
            default:
                r->bad = TRUE;
                return;
            }
        }
        if (n + 1 < cap) {
            out[n++] = c;
        }
    }
    r->p++;
    out[n] = L'\0';
}

static void ReadValue(JsonReader *r);

/* Appends ".key" (or the key) to the path for the duration of one member. */
static size_t PushPath(JsonReader *r, const wchar_t *key)
{
    size_t len = wcslen(r->path);
    swprintf(r->path + len, ARRAYSIZE(r->path) - len, len == 0 ? L"%ls" : L".%ls", key);
    return len;
}

static void ReadValue(JsonReader *r)
{
    const wchar_t *start;
    BOOL here = wcscmp(r->path, r->want) == 0;

    SkipSpace(r);
    if (*r->p == L'{' || *r->p == L'[') {
        BOOL object = *r->p == L'{';
        wchar_t close = object ? L'}' : L']';
        unsigned index = 0;
        if (here) {
            swprintf(r->found, ARRAYSIZE(r->found), object ? L"{object}" : L"[array]");
            r->hit = TRUE;
        }
        r->p++;
        SkipSpace(r);
        if (*r->p == close) {
            r->p++;
            return;
        }
        for (;;) {
            wchar_t key[128];
            size_t len;
            SkipSpace(r);
            if (object) {
                ReadString(r, key, ARRAYSIZE(key));
                SkipSpace(r);
                if (r->bad || *r->p != L':') {
                    r->bad = TRUE;
                    return;
                }
                r->p++;
            } else {
                swprintf(key, ARRAYSIZE(key), L"%u", index++);
            }
            len = PushPath(r, key);
            ReadValue(r);
            r->path[len] = L'\0';
            if (r->bad) {
                return;
            }
            SkipSpace(r);
            if (*r->p == L',') {
                r->p++;
                continue;
            }
            if (*r->p == close) {
                r->p++;
                return;
            }
            r->bad = TRUE;
            return;
        }
    }
    if (*r->p == L'"') {
        wchar_t text[TEST_TEXT_CAP];
        ReadString(r, text, ARRAYSIZE(text));
        if (here && !r->bad) {
            swprintf(r->found, ARRAYSIZE(r->found), L"%ls", text);
            r->hit = TRUE;
        }
        return;
    }
    start = r->p;
    if (wcsncmp(r->p, L"true", 4) == 0 || wcsncmp(r->p, L"null", 4) == 0) {
        r->p += 4;
    } else if (wcsncmp(r->p, L"false", 5) == 0) {
        r->p += 5;
    } else if (*r->p >= L'0' && *r->p <= L'9') {
        while (*r->p >= L'0' && *r->p <= L'9') {
            r->p++;
        }
    } else {
        r->bad = TRUE;
        return;
    }
    if (here) {
        swprintf(r->found, ARRAYSIZE(r->found), L"%.*ls", (int)(r->p - start), start);
        r->hit = TRUE;
    }
}

/* The value at path in text (strings decoded); the test fails when text is not one well-formed JSON value. */
static const wchar_t *JsonAt(const wchar_t *text, const wchar_t *path, JsonReader *r)
{
    memset(r, 0, sizeof(*r));
    r->p = text;
    r->want = path;
    ReadValue(r);
    SkipSpace(r);
    ASSERT_MSG(!r->bad && *r->p == L'\0', L"not one well-formed JSON value (at '%.40ls'):\n%ls", r->p, text);
    ASSERT_MSG(r->hit, L"no %ls in:\n%ls", path, text);
    return r->found;
}

static unsigned long JsonNumber(const wchar_t *text, const wchar_t *path)
{
    JsonReader r;
    const wchar_t *v = JsonAt(text, path, &r);
    ASSERT_MSG(*v >= L'0' && *v <= L'9', L"%ls is not a number: %ls", path, v);
    return wcstoul(v, NULL, 10);
}

static void AssertJson(const wchar_t *text, const wchar_t *path, const wchar_t *expected)
{
    JsonReader r;
    const wchar_t *v = JsonAt(text, path, &r);
    ASSERT_MSG(wcscmp(v, expected) == 0, L"%ls is '%ls', expected '%ls' in:\n%ls", path, v, expected, text);
}

/*
 * Runs the controller with these arguments and checks its exit code; the process is returned for its
 * output. Standard error is kept apart, so standard output must be the JSON text alone.
 */
static TestProc *RunController(DWORD expected, const wchar_t *a, const wchar_t *b, const wchar_t *c)
{
    TestProc *proc = TestSpawnController(TEST_SPAWN_SPLIT_STDERR, a, b, c, (const wchar_t *)NULL);
    DWORD code = 0;
    ASSERT_MSG(TestWaitExit(proc, 20000, &code), L"%ls %ls did not exit within 20 s", a, b != NULL ? b : L"");
    ASSERT_MSG(code == expected, L"%ls %ls %ls exited with %lu, expected %lu:\n%ls%ls", a, b != NULL ? b : L"",
               c != NULL ? c : L"", (unsigned long)code, (unsigned long)expected, TestOutputText(proc),
               TestErrText(proc));
    return proc;
}

/*
 * A controller backing off after a quick exit shows when its next launch is
 * due, as JSON and as text; once it relaunched (or stopped) there is none.
 */
TEST_IMPL(unattended_json_next_relaunch)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t counter[TEST_PATH_CAP];
    TestProc *controller;
    TestProc *status;
    JsonReader r;
    const wchar_t *out;
    const wchar_t *v;

    TestUniqueName(L"jsonnext", name, TEST_TEXT_CAP);
    /* The first launch dies at once; the relaunch is then 20 s away. */
    controller = TestStartCrashController(name, L"0", L"20000", counter, TEST_PATH_CAP);
    ASSERT_OUTPUT(controller, L"; relaunching in 20000 ms", 15000);
    status = RunController(IPC_EXIT_NOT_RUNNING, L"--status", name, L"--json");
    out = TestOutputText(status);
    AssertJson(out, L"controller.running", L"true");
    v = JsonAt(out, L"next_relaunch", &r);
    ASSERT_MSG(wcslen(v) >= 23 && v[4] == L'-' && v[10] == L'T', L"next_relaunch is '%ls', not a time:\n%ls", v, out);
    status = TestExpectStatus(name, IPC_EXIT_NOT_RUNNING);
    ASSERT_CONTAINS(TestOutputText(status), L"Relaunch:   backing off; the next launch is due at ");
    TestStopExpect(name, 10000, 0);
    ASSERT_EXIT(controller, 0, 10000);
    status = RunController(IPC_EXIT_NOT_RUNNING, L"--status", name, L"--json");
    AssertJson(TestOutputText(status), L"next_relaunch", L"null");
}

/* A supervised listener as JSON: typed pids, state, times, the image path's backslashes decoded back; then none. */
TEST_IMPL(unattended_json_status)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t text[TEST_TEXT_CAP];
    TestProc *controller;
    TestProc *status;
    JsonReader r;
    const wchar_t *out;
    const wchar_t *v;
    DWORD pid;

    TestUniqueName(L"jsonstatus", name, TEST_TEXT_CAP);
    status = RunController(IPC_EXIT_NOT_RUNNING, L"--status", name, L"--json");
    out = TestOutputText(status);
    AssertJson(out, L"instance", name);
    AssertJson(out, L"found", L"false");
    AssertJson(out, L"exit_code", L"3");
    AssertJson(out, L"listener.running", L"false");

    controller = TestStartController(name, L"none", L"200", TEST_SPAWN_DEFAULT);
    pid = TestWaitListener(controller, name, 0);
    Sleep(700);
    status = RunController(0, L"--status", name, L"--json");
    out = TestOutputText(status);
    AssertJson(out, L"instance", name);
    AssertJson(out, L"name", name);
    AssertJson(out, L"namespace", L"session");
    AssertJson(out, L"layout", L"header");
    AssertJson(out, L"exit_code", L"0");
    AssertJson(out, L"listener.running", L"true");
    ASSERT_EQ_INT(JsonNumber(out, L"listener.pid"), pid);
    ASSERT_EQ_INT(JsonNumber(out, L"controller.pid"), TestPid(controller));
    ASSERT_GE_INT(JsonNumber(out, L"units"), 1);
    ASSERT_GE_INT(JsonNumber(out, L"listener.run_time_ms"), 500);
    (void)JsonNumber(out, L"ms_since_last_unit");
    AssertJson(out, L"restarts", L"0");
    AssertJson(out, L"last_exit_code_name", L"null");
    /* The image is a path: decoded, it holds single backslashes and ends with the listener's file name. */
    v = JsonAt(out, L"listener.image", &r);
    ASSERT_MSG(wcschr(v, L'\\') != NULL && wcsstr(v, L"\\\\") == NULL, L"image path badly escaped: %ls", v);
    swprintf(text, TEST_TEXT_CAP, L"\\%ls", TEST_LISTENER_EXE);
    ASSERT_MSG(_wcsicmp(v + wcslen(v) - wcslen(text), text) == 0, L"image '%ls' is not the listener", v);
    /* ISO 8601 with the offset: 2026-11-24T03:15:24.595+01:00. */
    v = JsonAt(out, L"listener.started", &r);
    ASSERT_MSG(wcslen(v) == 29 && v[10] == L'T' && (v[23] == L'+' || v[23] == L'-') && v[26] == L':',
               L"started is not ISO 8601 with an offset: %ls", v);
    TestStopController(name, controller);
    status = RunController(IPC_EXIT_NOT_RUNNING, L"--status", name, L"--json");
    AssertJson(TestOutputText(status), L"listener.running", L"false");
}

/* A header whose last listener crashed: JSON and text both name STATUS_ACCESS_VIOLATION; a hang kill is ERROR_TIMEOUT. */
TEST_IMPL(unattended_json_exit_code_names)
{
    wchar_t name[TEST_TEXT_CAP];
    unsigned char bytes[128];
    HANDLE section;
    TestProc *status;
    const wchar_t *out;

    TestUniqueName(L"jsonexit", name, TEST_TEXT_CAP);
    TestBuildHeader(bytes, 0, STATE_STOPPED, 0);
    TestPutU32(bytes + OFF_RESTARTS, 3);
    TestPutU32(bytes + OFF_LAST_EXIT_CODE, 0xC0000005u);
    section = TestCreateMapping(name, 128, bytes, sizeof(bytes));
    status = RunController(IPC_EXIT_NOT_RUNNING, L"--status", name, L"--json");
    out = TestOutputText(status);
    AssertJson(out, L"found", L"true");
    AssertJson(out, L"restarts", L"3");
    AssertJson(out, L"last_exit_code", L"3221225477");
    AssertJson(out, L"last_exit_code_name", L"STATUS_ACCESS_VIOLATION");
    AssertJson(out, L"controller.running", L"false");
    status = TestExpectStatus(name, IPC_EXIT_NOT_RUNNING);
    ASSERT_CONTAINS(TestOutputText(status), L"Restarts:   3 (last exit code 3221225477 = 0xC0000005, STATUS_ACCESS_VIOLATION)");
    CloseHandle(section);

    TestUniqueName(L"jsonhang", name, TEST_TEXT_CAP);
    TestPutU32(bytes + OFF_LAST_EXIT_CODE, 1460);
    section = TestCreateMapping(name, 128, bytes, sizeof(bytes));
    status = RunController(IPC_EXIT_NOT_RUNNING, L"--status", name, L"--json");
    AssertJson(TestOutputText(status), L"last_exit_code_name", L"ERROR_TIMEOUT");
    status = TestExpectStatus(name, IPC_EXIT_NOT_RUNNING);
    ASSERT_CONTAINS(TestOutputText(status), L"ERROR_TIMEOUT");
    CloseHandle(section);
}

/* --list finds a supervised instance in the session and a listener in Global\, as text and JSON; then neither. */
TEST_IMPL(unattended_json_list)
{
    wchar_t local[TEST_TEXT_CAP];
    wchar_t global[TEST_TEXT_CAP];
    wchar_t path[64];
    TestProc *controller;
    TestProc *listener;
    TestProc *list;
    const wchar_t *out;
    DWORD local_pid;
    BOOL seen_local = FALSE;
    BOOL seen_global = FALSE;
    unsigned i;

    TestUniqueName(L"jsonlistA", local, TEST_TEXT_CAP);
    TestUniqueName(L"jsonlistB", global + 7, TEST_TEXT_CAP - 7);
    memcpy(global, L"Global\\", 7 * sizeof(wchar_t));
    controller = TestStartController(local, L"none", L"200", TEST_SPAWN_DEFAULT);
    local_pid = TestWaitListener(controller, local, 0);
    listener = TestStartListener(global, 200);
    ASSERT_OUTPUT(listener, TEXT_PROCESSING, 10000);

    list = RunController(0, L"--list", NULL, NULL);
    out = TestOutputText(list);
    ASSERT_CONTAINS(out, local);
    ASSERT_CONTAINS(out, global);
    list = RunController(0, L"--list", L"--json", NULL);
    out = TestOutputText(list);
    for (i = 0; i < 64; i++) {
        JsonReader r;
        const wchar_t *v;
        swprintf(path, ARRAYSIZE(path), L"instances.%u.name", i);
        memset(&r, 0, sizeof(r));
        r.p = out;
        r.want = path;
        ReadValue(&r);
        if (!r.hit) {
            break;
        }
        v = r.found;
        if (wcscmp(v, local) == 0) {
            seen_local = TRUE;
            swprintf(path, ARRAYSIZE(path), L"instances.%u.listener.pid", i);
            ASSERT_EQ_INT(JsonNumber(out, path), local_pid);
            swprintf(path, ARRAYSIZE(path), L"instances.%u.controller.pid", i);
            ASSERT_EQ_INT(JsonNumber(out, path), TestPid(controller));
            swprintf(path, ARRAYSIZE(path), L"instances.%u.namespace", i);
            AssertJson(out, path, L"session");
        } else if (wcscmp(v, global) == 0) {
            seen_global = TRUE;
            swprintf(path, ARRAYSIZE(path), L"instances.%u.listener.pid", i);
            ASSERT_EQ_INT(JsonNumber(out, path), TestPid(listener));
            swprintf(path, ARRAYSIZE(path), L"instances.%u.namespace", i);
            AssertJson(out, path, L"global");
            swprintf(path, ARRAYSIZE(path), L"instances.%u.controller.running", i);
            AssertJson(out, path, L"false");
        }
    }
    ASSERT_MSG(seen_local && seen_global, L"--list --json lacks %ls or %ls:\n%ls", local, global, out);

    TestStopController(local, controller);
    TestStopGracefully(listener, global);
    list = RunController(0, L"--list", NULL, NULL);
    ASSERT_MSG(wcsstr(TestOutputText(list), local) == NULL && wcsstr(TestOutputText(list), global) == NULL,
               L"stopped instances still listed:\n%ls", TestOutputText(list));
    list = RunController(0, L"--list", L"--json", NULL);
    out = TestOutputText(list);
    ASSERT(wcsstr(out, local) == NULL);
    {
        JsonReader r;
        (void)JsonAt(out, L"instances", &r);
    }
}

/* One rule for options: --json without --status or --list, either given twice, --list with a NAME. */
TEST_IMPL(usage_json_and_list)
{
    TestProc *proc;
    proc = RunController(IPC_EXIT_USAGE, L"--json", NULL, NULL);
    ASSERT_CONTAINS(TestErrText(proc), L"--json goes with --status or --list");
    proc = RunController(IPC_EXIT_USAGE, L"--status", L"--json", L"--json");
    ASSERT_CONTAINS(TestErrText(proc), L"--json is given twice");
    proc = RunController(IPC_EXIT_USAGE, L"--list", L"--list", NULL);
    ASSERT_CONTAINS(TestErrText(proc), L"--list is given twice");
    proc = RunController(IPC_EXIT_USAGE, L"--list", L"SomeName", NULL);
    ASSERT_CONTAINS(TestErrText(proc), L"cannot be used with --list");
    proc = RunController(IPC_EXIT_USAGE, L"--list", L"--stop", NULL);
    ASSERT_CONTAINS(TestErrText(proc), L"use only one of");
}

/* JSON's value at path equals a path, compared as Windows compares paths: ignoring case. */
static void AssertJsonPath(const wchar_t *text, const wchar_t *path, const wchar_t *expected)
{
    JsonReader r;
    const wchar_t *v = JsonAt(text, path, &r);
    ASSERT_MSG(_wcsicmp(v, expected) == 0, L"%ls is '%ls', expected '%ls' in:\n%ls", path, v, expected, text);
}

/*
 * With --log, --status names the full paths of the controller's log and its
 * listeners' log, as JSON (logs.controller, logs.listener) and as the text's
 * Log: line; without --log, or once the controller is gone, both are null.
 */
TEST_IMPL(unattended_json_logs)
{
    wchar_t name[TEST_TEXT_CAP];
    wchar_t log[TEST_PATH_CAP];
    wchar_t sibling[TEST_PATH_CAP];
    wchar_t line[TEST_TEXT_CAP];
    TestProc *controller;
    TestProc *status;
    const wchar_t *out;

    TestUniqueName(L"jsonlogs", name, TEST_TEXT_CAP);
    TestLogPaths(name, log, sibling, TEST_PATH_CAP);
    controller = TestSpawnController(TEST_SPAWN_DEFAULT, name, L"--console", L"none", L"--log", log, L"--",
                                     L"--work-ms", L"200", (const wchar_t *)NULL);
    (void)TestWaitListener(controller, name, 0);
    status = RunController(0, L"--status", name, L"--json");
    out = TestOutputText(status);
    AssertJsonPath(out, L"logs.controller", log);
    AssertJsonPath(out, L"logs.listener", sibling);
    status = TestExpectStatus(name, 0);
    ASSERT_MSG(TestOutputLine(status, L"Log:", line, ARRAYSIZE(line)), L"no Log: line:\n%ls", TestOutputText(status));
    ASSERT_MSG(_wcsnicmp(line + 12, log, wcslen(log)) == 0 && wcsstr(line, L"(its listeners log to ") != NULL,
               L"the Log: line does not name %ls and %ls: %ls", log, sibling, line);
    TestStopController(name, controller);
    status = RunController(IPC_EXIT_NOT_RUNNING, L"--status", name, L"--json");
    AssertJson(TestOutputText(status), L"logs.controller", L"null");

    TestUniqueName(L"jsonnolog", name, TEST_TEXT_CAP);
    controller = TestStartController(name, L"none", L"200", TEST_SPAWN_DEFAULT);
    (void)TestWaitListener(controller, name, 0);
    status = RunController(0, L"--status", name, L"--json");
    out = TestOutputText(status);
    AssertJson(out, L"logs.controller", L"null");
    AssertJson(out, L"logs.listener", L"null");
    status = TestExpectStatus(name, 0);
    ASSERT_CONTAINS(TestOutputText(status), L"Log:        none (the controller runs without --log)");
    TestStopController(name, controller);
    TestRemoveLogs(log);
    TestRemoveLogs(sibling);
}

/* A record of NAME|log in the documented layout naming pid (created then) and a controller log path. */
static void BuildLogRecord(unsigned char *bytes, DWORD pid, uint64_t created, const wchar_t *path)
{
    size_t i;
    size_t len = wcslen(path);

    memset(bytes, 0, LOG_RECORD_SIZE);
    TestPutU32(bytes + OFF_LOG_MAGIC, LOG_RECORD_MAGIC);
    TestPutU32(bytes + OFF_LOG_SIZE, LOG_RECORD_SIZE);
    TestPutU32(bytes + OFF_LOG_CONTROLLER_PID, pid);
    TestPutU64(bytes + OFF_LOG_CONTROLLER_CREATED, created);
    TestPutU16(bytes + OFF_LOG_CONTROLLER_LENGTH, (uint16_t)len);
    for (i = 0; i < len; i++) {
        TestPutU16(bytes + OFF_LOG_CONTROLLER_PATH + 2 * i, (uint16_t)path[i]);
    }
}

/* --status NAME against the NAME|log planted by the test: exit 0, logs null, and the Log: line says why. */
static void ExpectLogUntrusted(const wchar_t *name, const wchar_t *because)
{
    TestProc *status = RunController(0, L"--status", name, L"--json");
    AssertJson(TestOutputText(status), L"logs.controller", L"null");
    AssertJson(TestOutputText(status), L"logs.listener", L"null");
    status = TestExpectStatus(name, 0);
    ASSERT_CONTAINS(TestOutputText(status), L"Log:        unknown (");
    ASSERT_CONTAINS(TestOutputText(status), because);
    ASSERT_NOT_CONTAINS(TestOutputText(status), L"C:\\forged.log");
}

/*
 * NAME|log that the controller did not write is never shown: random bytes, a
 * well-formed record of another process, one with a control character in its
 * path; and a controller with --log refuses (exit 7) a NAME|log that is a mutex.
 */
TEST_IMPL(unattended_json_logs_untrusted)
{
    static unsigned char bytes[LOG_RECORD_SIZE];
    wchar_t name[TEST_TEXT_CAP];
    wchar_t record[TEST_TEXT_CAP];
    wchar_t log[TEST_PATH_CAP];
    wchar_t sibling[TEST_PATH_CAP];
    TestProc *controller;
    HANDLE squat;
    DWORD cpid;

    TestUniqueName(L"jsonlogbad", name, TEST_TEXT_CAP);
    swprintf(record, TEST_TEXT_CAP, L"%ls%ls", name, LOG_SUFFIX);
    controller = TestStartController(name, L"none", L"200", TEST_SPAWN_DEFAULT);
    (void)TestWaitListener(controller, name, 0);
    cpid = TestPid(controller);

    TestFillRandom(bytes, sizeof(bytes), 0x51u);
    squat = TestCreateMapping(record, LOG_RECORD_SIZE, bytes, sizeof(bytes));
    ExpectLogUntrusted(name, L"is not a valid record of the logs: its magic is wrong");
    CloseHandle(squat);

    BuildLogRecord(bytes, GetCurrentProcessId(), TestPidCreated(GetCurrentProcessId()), L"C:\\forged.log");
    squat = TestCreateMapping(record, LOG_RECORD_SIZE, bytes, sizeof(bytes));
    ExpectLogUntrusted(name, L"not by the controller");
    CloseHandle(squat);

    BuildLogRecord(bytes, cpid, TestPidCreated(cpid), L"C:\\forged.log\n");
    squat = TestCreateMapping(record, LOG_RECORD_SIZE, bytes, sizeof(bytes));
    ExpectLogUntrusted(name, L"control character");
    CloseHandle(squat);
    TestStopController(name, controller);

    TestUniqueName(L"jsonlogmutex", name, TEST_TEXT_CAP);
    swprintf(record, TEST_TEXT_CAP, L"%ls%ls", name, LOG_SUFFIX);
    TestLogPaths(name, log, sibling, TEST_PATH_CAP);
    squat = TestSquatOrSkip(SQUAT_MUTEX, record, NULL, 0, NULL, 0);
    controller = TestSpawnController(TEST_SPAWN_SPLIT_STDERR, name, L"--console", L"none", L"--log", log,
                                     (const wchar_t *)NULL);
    ASSERT_EXIT(controller, IPC_EXIT_NAME_IN_USE, 15000);
    ASSERT_CONTAINS(TestErrText(controller), record);
    ASSERT_EQ_INT(TestCountOwnChildren(controller), 0);
    ASSERT_NOT_CONTAINS(TestOutputText(controller), L"Launching executable");
    CloseHandle(squat);
    TestRemoveLogs(log);
    TestRemoveLogs(sibling);
}
