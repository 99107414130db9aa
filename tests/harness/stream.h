/*
 * stream.h - the captured output of a spawned process (stream.c), for
 * spawn.c; the tests reach it through harness.h's TestWaitOutput and friends.
 */
#ifndef TEST_STREAM_H
#define TEST_STREAM_H

#include "harness.h"

typedef struct TestStream {
    HANDLE read;  /* our end of the pipe; the reader thread owns it */
    HANDLE thread;
    CRITICAL_SECTION lock;
    CONDITION_VARIABLE changed; /* signalled on every append and at the end */
    wchar_t *text;              /* decoded output, always NUL-terminated */
    size_t len;
    size_t cap;
    unsigned char pending[4]; /* an incomplete UTF-8 sequence split across reads */
    size_t pending_len;
    BOOL ended;
    BOOL used;
    wchar_t *snapshot; /* what TestOutputText last returned */
    size_t snapshot_cap;
} TestStream;

/*
 * TestStreamStart - initialise s and start its reader thread on read_end, which
 * it then owns; FALSE and *error when the thread cannot be started.
 */
BOOL TestStreamStart(TestStream *s, HANDLE read_end, DWORD *error);
/*
 * TestStreamWait - wait until text occurs count times (until_end: until every
 * writer has closed the pipe); FALSE after timeout_ms or at the end without it.
 */
BOOL TestStreamWait(TestStream *s, const wchar_t *text, size_t count, BOOL until_end, DWORD timeout_ms);
/* TestStreamCount - how many times text occurs in s so far. */
size_t TestStreamCount(TestStream *s, const wchar_t *text);
/* TestStreamSnapshot - a copy of s so far, valid until the next snapshot of s. */
const wchar_t *TestStreamSnapshot(TestStream *s);

#endif
