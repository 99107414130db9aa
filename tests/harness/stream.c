/*
 * stream.c - the output of a spawned process: a reader thread per pipe that
 * decodes UTF-8 (split sequences included) into a growing wide string, and
 * the waits, counts and snapshots the tests make of it.
 */
#include "stream.h"

#include <stdlib.h>
#include <string.h>

#define TEST_READ_CHUNK 4096

static void StreamInit(TestStream *s)
{
    InitializeCriticalSection(&s->lock);
    InitializeConditionVariable(&s->changed);
    s->used = TRUE;
}

/* Length of the prefix of bytes[0..n) that ends on a complete UTF-8 sequence. */
static size_t CompleteUtf8(const unsigned char *bytes, size_t n)
{
    size_t back;
    size_t i;
    size_t need;
    unsigned char c;

    for (back = 1; back <= 3 && back <= n; back++) {
        i = n - back;
        c = bytes[i];
        if ((c & 0xC0) == 0x80) {
            continue; /* a continuation byte: look further back for its lead */
        }
        need = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
        return back < need ? i : n;
    }
    return n;
}

static void StreamAppend(TestStream *s, const unsigned char *bytes, size_t n)
{
    unsigned char *joined = NULL;
    wchar_t *wide = NULL;
    wchar_t *grown;
    size_t total = s->pending_len + n;
    size_t cut;
    int chars = 0;

    joined = (unsigned char *)malloc(total + 1);
    wide = (wchar_t *)malloc((total + 1) * sizeof(wchar_t));
    if (joined == NULL || wide == NULL) {
        goto cleanup;
    }
    memcpy(joined, s->pending, s->pending_len);
    memcpy(joined + s->pending_len, bytes, n);
    cut = CompleteUtf8(joined, total);
    if (cut > 0) {
        /* Invalid bytes become U+FFFD: a test then fails on the text, not in here. */
        chars = MultiByteToWideChar(CP_UTF8, 0, (const char *)joined, (int)cut, wide, (int)total + 1);
        if (chars < 0) {
            chars = 0;
        }
    }
    EnterCriticalSection(&s->lock);
    s->pending_len = total - cut;
    memcpy(s->pending, joined + cut, s->pending_len);
    if (s->len + (size_t)chars + 1 > s->cap) {
        size_t cap = s->cap == 0 ? 4096 : s->cap;
        while (s->len + (size_t)chars + 1 > cap) {
            cap *= 2;
        }
        grown = (wchar_t *)realloc(s->text, cap * sizeof(wchar_t));
        if (grown == NULL) {
            LeaveCriticalSection(&s->lock);
            goto cleanup;
        }
        s->text = grown;
        s->cap = cap;
    }
    memcpy(s->text + s->len, wide, (size_t)chars * sizeof(wchar_t));
    s->len += (size_t)chars;
    s->text[s->len] = L'\0';
    WakeAllConditionVariable(&s->changed);
    LeaveCriticalSection(&s->lock);

cleanup:
    free(joined);
    free(wide);
}

static DWORD WINAPI StreamReader(LPVOID param)
{
    TestStream *s = (TestStream *)param;
    unsigned char buf[TEST_READ_CHUNK];
    DWORD got = 0;

    /* ReadFile fails with ERROR_BROKEN_PIPE once every writer has closed its end. */
    while (ReadFile(s->read, buf, sizeof(buf), &got, NULL) && got > 0) {
        StreamAppend(s, buf, got);
    }
    CloseHandle(s->read);
    s->read = NULL;
    EnterCriticalSection(&s->lock);
    s->ended = TRUE;
    WakeAllConditionVariable(&s->changed);
    LeaveCriticalSection(&s->lock);
    return 0;
}

static size_t CountLocked(const TestStream *s, const wchar_t *text)
{
    size_t count = 0;
    size_t step = wcslen(text);
    const wchar_t *p;

    if (s->text == NULL || step == 0) {
        return 0;
    }
    for (p = wcsstr(s->text, text); p != NULL; p = wcsstr(p + step, text)) {
        count++;
    }
    return count;
}

BOOL TestStreamWait(TestStream *s, const wchar_t *text, size_t count, BOOL until_end, DWORD timeout_ms)
{
    ULONGLONG deadline = TestNowMs() + timeout_ms;
    ULONGLONG now;
    BOOL found = FALSE;

    if (!s->used) {
        return FALSE;
    }
    EnterCriticalSection(&s->lock);
    for (;;) {
        if (until_end ? s->ended : CountLocked(s, text) >= count) {
            found = TRUE;
            break;
        }
        now = TestNowMs();
        if (s->ended || now >= deadline) {
            break;
        }
        SleepConditionVariableCS(&s->changed, &s->lock, (DWORD)(deadline - now));
    }
    LeaveCriticalSection(&s->lock);
    return found;
}

const wchar_t *TestStreamSnapshot(TestStream *s)
{
    const wchar_t *result = L"";
    wchar_t *grown;

    if (!s->used) {
        return L"";
    }
    EnterCriticalSection(&s->lock);
    if (s->len + 1 > s->snapshot_cap) {
        grown = (wchar_t *)realloc(s->snapshot, (s->len + 1) * sizeof(wchar_t));
        if (grown == NULL) {
            goto cleanup;
        }
        s->snapshot = grown;
        s->snapshot_cap = s->len + 1;
    }
    if (s->len > 0) {
        memcpy(s->snapshot, s->text, s->len * sizeof(wchar_t));
    }
    s->snapshot[s->len] = L'\0';
    result = s->snapshot;

cleanup:
    LeaveCriticalSection(&s->lock);
    return result;
}

size_t TestStreamCount(TestStream *s, const wchar_t *text)
{
    size_t count;

    EnterCriticalSection(&s->lock);
    count = CountLocked(s, text);
    LeaveCriticalSection(&s->lock);
    return count;
}

BOOL TestStreamStart(TestStream *s, HANDLE read_end, DWORD *error)
{
    StreamInit(s);
    s->read = read_end;
    s->thread = CreateThread(NULL, 0, StreamReader, s, 0, NULL);
    if (s->thread == NULL) {
        *error = GetLastError();
        return FALSE;
    }
    return TRUE;
}
