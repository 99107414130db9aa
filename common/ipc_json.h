/*
 * ipc_json.h - a small writer of JSON text into a wide-character buffer, for
 * output a script can parse (--status --json, --list --json).
 *
 * Pure functions that call nothing of Windows, so they also build natively.
 * The text stays UTF-16 here; the console output (IpcPrint) turns it into
 * UTF-8 for a pipe or a file, as RFC 8259 requires of JSON exchanged between
 * programs. Strings are escaped per RFC 8259 section 7: the quote, the
 * backslash and every control character below U+0020, and a lone UTF-16
 * surrogate (which UTF-8 cannot carry) as \uXXXX.
 */
#ifndef IPC_JSON_H
#define IPC_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#define IPC_JSON_DEPTH_MAX 8

/* A JSON text being written into buf; overflow is set (and stays) once something did not fit. */
typedef struct IpcJson {
    wchar_t *buf;
    size_t cap;
    size_t len;
    bool overflow;
    int depth;
    bool has_items[IPC_JSON_DEPTH_MAX]; /* whether the open object or array at each depth has a member yet */
    wchar_t closers[IPC_JSON_DEPTH_MAX]; /* the bracket that closes it */
} IpcJson;

/* IpcJsonInit - start an empty text in buf of cap characters (always kept terminated). */
void IpcJsonInit(IpcJson *j, wchar_t *buf, size_t cap);

/*
 * IpcJsonBeginObject / IpcJsonBeginArray - open an object or array as the
 * member key of the enclosing object (key NULL: a top-level value or an array
 * element). IpcJsonEnd closes the innermost one.
 */
void IpcJsonBeginObject(IpcJson *j, const wchar_t *key);
void IpcJsonBeginArray(IpcJson *j, const wchar_t *key);
void IpcJsonEnd(IpcJson *j);

/* Members (key NULL: an array element). IpcJsonString writes null for a NULL value. */
void IpcJsonString(IpcJson *j, const wchar_t *key, const wchar_t *value);
void IpcJsonUnsigned(IpcJson *j, const wchar_t *key, uint64_t value);
void IpcJsonBool(IpcJson *j, const wchar_t *key, bool value);
void IpcJsonNull(IpcJson *j, const wchar_t *key);

/* IpcJsonOk - true when the whole text fitted and every object and array is closed. */
bool IpcJsonOk(const IpcJson *j);

#endif
