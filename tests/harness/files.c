/*
 * files.c - files the programs write: temporary paths, whole-file reads,
 * waiting for text in a log, log lines and their time stamps, and the
 * listener's journal.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A file in the temporary folder named after the test's instance name; any old copy is removed. */
void TestTempFile(const wchar_t *name, const wchar_t *suffix, wchar_t *out, size_t cap)
{
    wchar_t dir[TEST_PATH_CAP];
    DWORD n = GetTempPathW(TEST_PATH_CAP, dir);

    ASSERT_MSG(n > 0 && n < TEST_PATH_CAP, L"GetTempPathW failed with error %lu", (unsigned long)GetLastError());
    swprintf(out, cap, L"%lsipc-%ls%ls", dir, name, suffix);
    (void)DeleteFileW(out);
}

BOOL TestFileExists(const wchar_t *path)
{
    return GetFileAttributesW(path) != INVALID_FILE_ATTRIBUTES;
}

/*
 * The whole file, NUL-terminated (two zero bytes), in *len bytes; NULL when it
 * cannot be opened (its error in *error). Shared for writing and deleting: the
 * programs append and rotate while the test reads.
 */
unsigned char *TestReadAll(const wchar_t *path, size_t *len, DWORD *error)
{
    HANDLE h;
    LARGE_INTEGER size;
    unsigned char *bytes = NULL;
    DWORD got = 0;
    size_t total = 0;

    *error = ERROR_SUCCESS;
    h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                    FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        *error = GetLastError();
        h = NULL;
        goto cleanup;
    }
    if (!GetFileSizeEx(h, &size) || size.QuadPart > (1 << 26)) {
        *error = ERROR_FILE_TOO_LARGE;
        goto cleanup;
    }
    bytes = (unsigned char *)malloc((size_t)size.QuadPart + 2);
    if (bytes == NULL) {
        *error = ERROR_NOT_ENOUGH_MEMORY;
        goto cleanup;
    }
    /* The file may grow while we read: take what was there when we looked. */
    while (total < (size_t)size.QuadPart &&
           ReadFile(h, bytes + total, (DWORD)((size_t)size.QuadPart - total), &got, NULL) && got > 0) {
        total += got;
    }
    bytes[total] = 0;
    bytes[total + 1] = 0;
    *len = total;

cleanup:
    if (h != NULL) {
        CloseHandle(h);
        h = NULL;
    }
    return bytes;
}

/*
 * The text of a file (free it): UTF-16 LE after a BOM FF FE, else UTF-8 with
 * or without a BOM. NULL when the file cannot be opened (*error says why).
 */
wchar_t *TestReadTextEx(const wchar_t *path, DWORD *error)
{
    size_t len = 0;
    unsigned char *bytes = TestReadAll(path, &len, error);
    wchar_t *text = NULL;
    size_t skip = 0;
    int chars;

    if (bytes == NULL) {
        goto cleanup;
    }
    if (len >= 2 && bytes[0] == 0xFF && bytes[1] == 0xFE) {
        text = (wchar_t *)malloc(len); /* (len - 2) / 2 characters and a NUL */
        if (text == NULL) {
            goto cleanup;
        }
        memcpy(text, bytes + 2, (len - 2) & ~(size_t)1);
        text[(len - 2) / 2] = L'\0';
        goto cleanup;
    }
    if (len >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF) {
        skip = 3;
    }
    text = (wchar_t *)malloc((len + 1) * sizeof(wchar_t));
    if (text == NULL) {
        goto cleanup;
    }
    chars = len > skip ? MultiByteToWideChar(CP_UTF8, 0, (const char *)bytes + skip, (int)(len - skip), text, (int)len)
                       : 0;
    text[chars > 0 ? chars : 0] = L'\0';

cleanup:
    free(bytes);
    return text;
}

/* TestReadTextEx for a file that must exist. */
wchar_t *TestReadText(const wchar_t *path)
{
    DWORD error = ERROR_SUCCESS;
    wchar_t *text = TestReadTextEx(path, &error);

    ASSERT_MSG(text != NULL, L"cannot read %ls (error %lu)", path, (unsigned long)error);
    return text;
}

/* Occurrences of needle in path's text; 0 when the file is not there (yet). */
size_t TestCountInFile(const wchar_t *path, const wchar_t *needle)
{
    DWORD error = ERROR_SUCCESS;
    wchar_t *text = TestReadTextEx(path, &error);
    size_t count = 0;
    size_t step = wcslen(needle);
    const wchar_t *p;

    if (text != NULL) {
        for (p = wcsstr(text, needle); p != NULL; p = wcsstr(p + step, needle)) {
            count++;
        }
    }
    free(text);
    return count;
}

/* Wait until needle occurs at least count times in path; fail with the file's text after timeout_ms. */
void TestWaitInFile(const wchar_t *path, const wchar_t *needle, size_t count, DWORD timeout_ms)
{
    ULONGLONG deadline = TestNowMs() + timeout_ms;
    DWORD error = ERROR_SUCCESS;
    wchar_t *text;

    while (TestCountInFile(path, needle) < count) {
        if (TestNowMs() >= deadline) {
            text = TestReadTextEx(path, &error);
            TestFail(__FILE__, __LINE__, L"\"%ls\" did not appear %lu times in %ls within %lu ms:\n%ls", needle,
                     (unsigned long)count, path, (unsigned long)timeout_ms,
                     text != NULL ? text : L"(the file does not exist)");
        }
        Sleep(TEST_FILE_POLL_MS);
    }
}

/* The next line of *cursor, without its line break, in *line and *len; FALSE at the end. */
BOOL TestNextLine(const wchar_t **cursor, const wchar_t **line, size_t *len)
{
    const wchar_t *p = *cursor;
    size_t n;

    if (*p == L'\0') {
        return FALSE;
    }
    n = wcscspn(p, L"\n");
    *line = p;
    *len = n > 0 && p[n - 1] == L'\r' ? n - 1 : n;
    *cursor = p[n] == L'\n' ? p + n + 1 : p + n;
    return TRUE;
}

/* A line that starts with the local time in ISO 8601 with its offset, then a space. */
BOOL TestHasStamp(const wchar_t *line, size_t len)
{
    static const wchar_t pattern[] = L"dddd-dd-ddTdd:dd:dd.ddd+dd:dd ";
    size_t i;

    if (len < TEST_STAMP_LEN) {
        return FALSE;
    }
    for (i = 0; i < TEST_STAMP_LEN; i++) {
        if (pattern[i] == L'd') {
            if (line[i] < L'0' || line[i] > L'9') {
                return FALSE;
            }
        } else if (pattern[i] == L'+') {
            if (line[i] != L'+' && line[i] != L'-') {
                return FALSE;
            }
        } else if (line[i] != pattern[i]) {
            return FALSE;
        }
    }
    return TRUE;
}

/* Every line of a log is stamped. */
void TestAssertStamped(const wchar_t *log, const wchar_t *path)
{
    const wchar_t *cursor = log;
    const wchar_t *line;
    size_t len;
    size_t lines = 0;

    while (TestNextLine(&cursor, &line, &len)) {
        ASSERT_MSG(TestHasStamp(line, len), L"line %lu of %ls has no ISO 8601 stamp with offset:\n  \"%.*ls\"",
                   (unsigned long)(lines + 1), path, (int)len, line);
        lines++;
    }
    ASSERT_MSG(lines > 0, L"%ls is empty", path);
}

/* The log FILE's .listener sibling for a log named ipc-NAME.log. */
void TestLogPaths(const wchar_t *name, wchar_t *log, wchar_t *sibling, size_t cap)
{
    TestTempFile(name, L".log", log, cap);
    TestTempFile(name, L".listener.log", sibling, cap);
}

/* Remove a log and its rotated copies (temporary files of a passed test). */
void TestRemoveLogs(const wchar_t *path)
{
    wchar_t file[TEST_PATH_CAP];
    unsigned long i;

    (void)DeleteFileW(path);
    for (i = 1; i <= 4; i++) {
        swprintf(file, TEST_PATH_CAP, L"%ls.%lu", path, i);
        (void)DeleteFileW(file);
    }
}

/* The whole file as a NUL-terminated string (free it), or NULL when it cannot be read. */
static char *ReadWholeFile(const wchar_t *path)
{
    HANDLE file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                              OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    char *text = NULL;
    char *result = NULL;
    DWORD got = 0;

    if (file == INVALID_HANDLE_VALUE) {
        file = NULL;
        goto cleanup;
    }
    text = (char *)malloc(JOURNAL_MAX_BYTES + 1);
    if (text == NULL || !ReadFile(file, text, JOURNAL_MAX_BYTES, &got, NULL)) {
        goto cleanup;
    }
    text[got] = '\0';
    result = text;
    text = NULL;

cleanup:
    free(text);
    if (file != NULL) {
        CloseHandle(file);
        file = NULL;
    }
    return result;
}

/*
 * Read the journal the listener writes with --journal ("<time> pid=P unit=N
 * start|end tick=T" per line) and pair every start with its end. FALSE when the file
 * cannot be read.
 */
static BOOL ReadJournal(const wchar_t *path, JournalSummary *out)
{
    char *text = NULL;
    JournalEntry *entries = NULL;
    size_t count = 0;
    char *line;
    char *next;
    size_t i;
    size_t j;
    BOOL seen;
    BOOL ok = FALSE;

    memset(out, 0, sizeof(*out));
    text = ReadWholeFile(path);
    entries = (JournalEntry *)malloc(JOURNAL_MAX_ENTRIES * sizeof(JournalEntry));
    if (text == NULL || entries == NULL) {
        goto cleanup;
    }
    for (line = text; *line != '\0' && count < JOURNAL_MAX_ENTRIES; line = next) {
        char *pid = strstr(line, " pid=");
        char *unit = strstr(line, " unit=");
        char *eol = strchr(line, '\n');

        next = eol != NULL ? eol + 1 : line + strlen(line);
        if (eol != NULL) {
            *eol = '\0';
        }
        if (pid == NULL || unit == NULL || (eol != NULL && (pid > eol || unit > eol))) {
            out->malformed++;
            continue;
        }
        entries[count].pid = strtoul(pid + 5, NULL, 10);
        entries[count].unit = strtoul(unit + 6, NULL, 10);
        if (strstr(unit, " start") != NULL) {
            entries[count].end = FALSE;
            out->starts++;
        } else if (strstr(unit, " end") != NULL) {
            entries[count].end = TRUE;
            out->ends++;
        } else {
            out->malformed++;
            continue;
        }
        count++;
    }
    for (i = 0; i < count; i++) {
        seen = FALSE;
        for (j = 0; j < i; j++) {
            if (entries[j].pid == entries[i].pid) {
                seen = TRUE;
            }
        }
        if (!seen) {
            out->pids++;
        }
        seen = FALSE;
        for (j = 0; j < count; j++) {
            if (j != i && entries[j].pid == entries[i].pid && entries[j].unit == entries[i].unit &&
                entries[j].end != entries[i].end && (entries[i].end ? j < i : j > i)) {
                seen = TRUE;
            }
        }
        if (!seen) {
            if (out->unmatched == 0) {
                out->first_pid = entries[i].pid;
                out->first_unit = entries[i].unit;
            }
            out->unmatched++;
        }
    }
    ok = TRUE;

cleanup:
    free(text);
    free(entries);
    return ok;
}

/* One journal line with its tick (0 when the line has none). */
typedef struct TickedEntry {
    unsigned long pid;
    unsigned long unit;
    BOOL end;
    uint64_t tick;
} TickedEntry;

/* The journal's start and end lines in file order, into a malloc'ed array (free it); fails the test when unreadable. */
static TickedEntry *ReadTicked(const wchar_t *path, size_t *count)
{
    char *text = ReadWholeFile(path);
    TickedEntry *entries = (TickedEntry *)malloc(JOURNAL_MAX_ENTRIES * sizeof(TickedEntry));
    char *line;
    char *next;
    size_t n = 0;

    ASSERT_MSG(text != NULL && entries != NULL, L"cannot read the journal %ls", path);
    for (line = text; *line != '\0' && n < JOURNAL_MAX_ENTRIES; line = next) {
        char *eol = strchr(line, '\n');
        char *pid;
        char *unit;
        char *event;
        char *tick;

        next = eol != NULL ? eol + 1 : line + strlen(line);
        if (eol != NULL) {
            *eol = '\0';
        }
        pid = strstr(line, " pid=");
        unit = strstr(line, " unit=");
        if (pid == NULL || unit == NULL) {
            continue;
        }
        event = strchr(unit + 1, ' ');
        if (event == NULL || (strncmp(event, " start", 6) != 0 && strncmp(event, " end", 4) != 0)) {
            continue;
        }
        tick = strstr(event, " tick=");
        entries[n].pid = strtoul(pid + 5, NULL, 10);
        entries[n].unit = strtoul(unit + 6, NULL, 10);
        entries[n].end = strncmp(event, " end", 4) == 0;
        entries[n].tick = tick != NULL ? _strtoui64(tick + 6, NULL, 10) : 0;
        ASSERT_MSG(entries[n].tick != 0, L"a journal line without its tick in %ls: %hs", path, line);
        n++;
    }
    free(text);
    *count = n;
    return entries;
}

/* The index of the end of entries[i]'s unit after it, or count when that unit never ended. */
static size_t EndOf(const TickedEntry *entries, size_t count, size_t i)
{
    size_t j;

    for (j = i + 1; j < count; j++) {
        if (entries[j].end && entries[j].pid == entries[i].pid && entries[j].unit == entries[i].unit) {
            return j;
        }
    }
    return count;
}

void TestAssertJournalOneAtATime(const wchar_t *path, size_t *starts)
{
    size_t count = 0;
    TickedEntry *entries = ReadTicked(path, &count);
    size_t i;
    size_t j;
    size_t n = 0;

    for (i = 0; i < count; i++) {
        ASSERT_MSG(i == 0 || entries[i].tick >= entries[i - 1].tick,
                   L"journal %ls: the tick goes back at line %lu (pid %lu unit %lu)", path, (unsigned long)i + 1,
                   entries[i].pid, entries[i].unit);
        if (entries[i].end) {
            continue;
        }
        n++;
        for (j = 0; j < i; j++) {
            size_t end = EndOf(entries, count, j);
            ASSERT_MSG(entries[j].end || entries[j].pid == entries[i].pid || end < i || end == count,
                       L"journal %ls: pid %lu started unit %lu while pid %lu was inside unit %lu", path,
                       entries[i].pid, entries[i].unit, entries[j].pid, entries[j].unit);
        }
    }
    free(entries);
    if (starts != NULL) {
        *starts = n;
    }
}

uint64_t TestJournalTick(const wchar_t *path, DWORD pid, const char *event, BOOL first)
{
    size_t count = 0;
    TickedEntry *entries = ReadTicked(path, &count);
    BOOL end = strcmp(event, "end") == 0;
    uint64_t tick = 0;
    size_t i;

    for (i = 0; i < count; i++) {
        if (entries[i].pid == pid && entries[i].end == end && (tick == 0 || !first)) {
            tick = entries[i].tick;
        }
    }
    free(entries);
    ASSERT_MSG(tick != 0, L"journal %ls: no %hs line of pid %lu", path, event, (unsigned long)pid);
    return tick;
}

/* Wait until the journal holds text. */
BOOL TestWaitJournal(const wchar_t *path, const char *text, DWORD timeout_ms)
{
    ULONGLONG deadline = TestNowMs() + timeout_ms;
    char *content;
    BOOL found;

    for (;;) {
        content = ReadWholeFile(path);
        found = content != NULL && strstr(content, text) != NULL;
        free(content);
        if (found || TestNowMs() >= deadline) {
            return found;
        }
        Sleep(20);
    }
}

/* Every unit that started in the journal ended: the check after a run. */
void TestAssertJournalComplete(const wchar_t *path, JournalSummary *summary)
{
    ASSERT_MSG(ReadJournal(path, summary), L"cannot read the journal %ls", path);
    ASSERT_EQ_INT(summary->malformed, 0);
    ASSERT_MSG(summary->unmatched == 0, L"%lu unmatched journal lines; the first: pid %lu unit %lu",
               (unsigned long)summary->unmatched, summary->first_pid, summary->first_unit);
    ASSERT_EQ_INT(summary->starts, summary->ends);
}

DWORD TestWaitPidFile(const wchar_t *path, DWORD timeout_ms)
{
    ULONGLONG deadline = TestNowMs() + timeout_ms;
    DWORD error = ERROR_SUCCESS;
    DWORD pid = 0;
    wchar_t *text;

    for (;;) {
        text = TestReadTextEx(path, &error);
        if (text != NULL) {
            pid = (DWORD)wcstoul(text, NULL, 10);
            free(text);
        }
        if (pid != 0 || TestNowMs() >= deadline) {
            return pid;
        }
        Sleep(TEST_FILE_POLL_MS);
    }
}

BOOL TestFileHasText(const wchar_t *path, const char *text)
{
    size_t len = 0;
    DWORD error = 0;
    unsigned char *bytes = TestReadAll(path, &len, &error);
    BOOL found;

    if (bytes == NULL) {
        return FALSE;
    }
    found = strstr((const char *)bytes, text) != NULL;
    free(bytes);
    return found;
}
