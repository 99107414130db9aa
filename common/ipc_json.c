/*
 * ipc_json.c - the JSON writer. No <windows.h>: this file also builds natively.
 */
#include "ipc_json.h"

static void PutChar(IpcJson *j, wchar_t c)
{
    if (j->overflow || j->len + 1 >= j->cap) {
        j->overflow = true;
        return;
    }
    j->buf[j->len++] = c;
    j->buf[j->len] = L'\0';
}

static void PutText(IpcJson *j, const wchar_t *text)
{
    for (; *text != L'\0'; text++) {
        PutChar(j, *text);
    }
}

static void PutHex4(IpcJson *j, unsigned value)
{
    static const wchar_t digits[] = L"0123456789abcdef";
    PutText(j, L"\\u");
    PutChar(j, digits[(value >> 12) & 15]);
    PutChar(j, digits[(value >> 8) & 15]);
    PutChar(j, digits[(value >> 4) & 15]);
    PutChar(j, digits[value & 15]);
}

/*
 * A quoted, escaped string. On Windows wchar_t holds UTF-16 units: a high
 * surrogate followed by a low one is a character beyond U+FFFF and is kept;
 * either alone is escaped. Natively (32-bit wchar_t) there are no pairs.
 */
static void PutString(IpcJson *j, const wchar_t *s)
{
    size_t i;

    PutChar(j, L'"');
    for (i = 0; s[i] != L'\0'; i++) {
        unsigned c = (unsigned)s[i];
        if (c == L'"' || c == L'\\') {
            PutChar(j, L'\\');
            PutChar(j, s[i]);
        } else if (c == L'\n') {
            PutText(j, L"\\n");
        } else if (c == L'\r') {
            PutText(j, L"\\r");
        } else if (c == L'\t') {
            PutText(j, L"\\t");
        } else if (c < 0x20) {
            PutHex4(j, c);
        } else if (c >= 0xD800 && c <= 0xDBFF && (unsigned)s[i + 1] >= 0xDC00 && (unsigned)s[i + 1] <= 0xDFFF) {
            PutChar(j, s[i]);
            PutChar(j, s[i + 1]);
            i++;
        } else if (c >= 0xD800 && c <= 0xDFFF) {
            PutHex4(j, c);
        } else {
            PutChar(j, s[i]);
        }
    }
    PutChar(j, L'"');
}

/* The comma before every member but the first, and the key. */
static void PutKey(IpcJson *j, const wchar_t *key)
{
    if (j->depth > 0) {
        if (j->has_items[j->depth - 1]) {
            PutChar(j, L',');
        }
        j->has_items[j->depth - 1] = true;
    }
    if (key != NULL) {
        PutString(j, key);
        PutChar(j, L':');
    }
}

static void Begin(IpcJson *j, const wchar_t *key, wchar_t open)
{
    PutKey(j, key);
    PutChar(j, open);
    if (j->depth >= IPC_JSON_DEPTH_MAX) {
        j->overflow = true;
        return;
    }
    j->closers[j->depth] = open == L'{' ? L'}' : L']';
    j->has_items[j->depth++] = false;
}

void IpcJsonInit(IpcJson *j, wchar_t *buf, size_t cap)
{
    j->buf = buf;
    j->cap = cap;
    j->len = 0;
    j->overflow = buf == NULL || cap == 0;
    j->depth = 0;
    if (!j->overflow) {
        buf[0] = L'\0';
    }
}

void IpcJsonBeginObject(IpcJson *j, const wchar_t *key)
{
    Begin(j, key, L'{');
}

void IpcJsonBeginArray(IpcJson *j, const wchar_t *key)
{
    Begin(j, key, L'[');
}

void IpcJsonEnd(IpcJson *j)
{
    if (j->depth <= 0) {
        j->overflow = true;
        return;
    }
    j->depth--;
    PutChar(j, j->closers[j->depth]);
}

void IpcJsonString(IpcJson *j, const wchar_t *key, const wchar_t *value)
{
    PutKey(j, key);
    if (value == NULL) {
        PutText(j, L"null");
    } else {
        PutString(j, value);
    }
}

void IpcJsonUnsigned(IpcJson *j, const wchar_t *key, uint64_t value)
{
    wchar_t digits[24];
    int n = 0;

    PutKey(j, key);
    do {
        digits[n++] = (wchar_t)(L'0' + (int)(value % 10));
        value /= 10;
    } while (value != 0);
    while (n > 0) {
        PutChar(j, digits[--n]);
    }
}

void IpcJsonBool(IpcJson *j, const wchar_t *key, bool value)
{
    PutKey(j, key);
    PutText(j, value ? L"true" : L"false");
}

void IpcJsonNull(IpcJson *j, const wchar_t *key)
{
    PutKey(j, key);
    PutText(j, L"null");
}

bool IpcJsonOk(const IpcJson *j)
{
    return !j->overflow && j->depth == 0;
}
