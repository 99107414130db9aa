/*
 * ipc_text.h - bounded formatting and command-line quoting of wide strings.
 *
 * Pure functions that call nothing of Windows, so they also build natively (where wchar_t
 * is 32 bits) for fuzzing. Lengths are counted in wchar_t units, which on
 * Windows are the UTF-16 units the kernel counts.
 */
#ifndef IPC_TEXT_H
#define IPC_TEXT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

/*
 * ARRAYSIZE - the number of elements of an array. On Windows it comes from
 * <windows.h> (winnt.h defines it without asking whether it exists, so a
 * definition of ours first would clash); the native fuzz builds get this one.
 */
#if defined(_WIN32)
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#elif !defined(ARRAYSIZE)
#define ARRAYSIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#define IPC_MAX_COMMAND_LINE 32767 /* CreateProcessW's limit, in characters */
#define IPC_ERROR_TEXT_MAX 512     /* room for one sentence saying what is wrong */

/*
 * IpcFormat / IpcFormatV - swprintf into buf of cap characters that always
 * leaves buf terminated, whichever C runtime does the formatting. Returns the
 * length written, or -1 when the text did not fit: buf then holds as much as
 * fit (cap - 1 characters at most). With buf NULL or cap 0, returns -1 and
 * writes nothing. The runtimes disagree on truncation: the UCRT's vswprintf
 * returns -1, C99's (MinGW's own stdio) the length it needed, and msvcrt.dll's
 * (MinGW's default, _vsnwprintf underneath) returns cap for a text of exactly
 * cap characters and writes no terminating zero at all.
 */
int IpcFormatV(wchar_t *buf, size_t cap, const wchar_t *fmt, va_list ap);
int IpcFormat(wchar_t *buf, size_t cap, const wchar_t *fmt, ...);

/*
 * IpcAppendQuotedArg - append ARG to the command line in buf so that
 * CommandLineToArgvW (and the C runtime's argv) give ARG back unchanged.
 * A space is put before it unless *len is 0. Returns true and advances *len,
 * or returns false with *len untouched when the result (with its terminating
 * NUL) would not fit in cap characters (the string in buf then still ends at
 * *len).
 */
bool IpcAppendQuotedArg(wchar_t *buf, size_t cap, size_t *len, const wchar_t *arg);

/* IPC_PASTE_CAP(n) - room for IpcPasteArg's spelling of an argument of n characters, with its NUL. */
#define IPC_PASTE_CAP(n) (2 * (n) + 3)

/*
 * IpcPasteArg - ARG as a suggested command prints it, so that it can be
 * pasted into cmd.exe or PowerShell as it is: in double quotes when it is
 * empty or holds a space or a character either shell treats specially, and
 * with CommandLineToArgvW's escapes inside them, so the program receives ARG.
 * Writes into buf (cap >= IPC_PASTE_CAP(wcslen(arg))) and returns buf; when
 * it does not fit, returns arg itself.
 */
const wchar_t *IpcPasteArg(const wchar_t *arg, wchar_t *buf, size_t cap);
/*
 * IpcCommandLineArg - argument number index of the command line cmd (len
 * characters, not necessarily terminated), split as CommandLineToArgvW splits
 * it: argument 0, the program, ends at the first space or tab, or is quoted
 * without escapes; the others follow the quoting rules IpcAppendQuotedArg
 * writes for. Returns true with the argument in out; false, out empty, when
 * there is no such argument or it does not fit in cap characters.
 */
bool IpcCommandLineArg(const wchar_t *cmd, size_t len, unsigned index, wchar_t *out, size_t cap);

#endif
