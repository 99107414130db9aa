/*
 * ipc_console.h - console output (also copied to the log) and key input.
 */
#ifndef IPC_CONSOLE_H
#define IPC_CONSOLE_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

/*
 * IpcPrint / IpcPrintErr - format one line like swprintf (use %ls for strings),
 * add the line ending (CRLF, as .NET's Console.WriteLine) and write it to standard
 * output / standard error at once, without buffering: WriteConsoleW when the
 * handle is a console, UTF-8 through WriteFile otherwise (a pipe, a file). Output
 * that cannot be written (no console, closed handle) is dropped silently. When
 * a log is open (IpcLogOpen) the line goes there too.
 */
void IpcPrint(const wchar_t *fmt, ...);
void IpcPrintErr(const wchar_t *fmt, ...);

/* IpcStdinIsConsole - TRUE when standard input is an interactive console (GetConsoleMode succeeds). */
BOOL IpcStdinIsConsole(void);

/*
 * IpcConsoleTakeKey - read, without blocking, the input records waiting on the
 * console handle `in` and return TRUE when one of them is a key press: any key
 * that types something or is a function key (the C# sample's Console.ReadKey;
 * lone Shift, Ctrl, Alt and lock keys do not count), or only Enter when
 * enter_only. Mouse, focus and resize records are consumed and ignored.
 */
BOOL IpcConsoleTakeKey(HANDLE in, BOOL enter_only);

/*
 * IpcWaitForEnter - read console input until Enter is pressed, as the C#
 * sample's Console.Read()/ReadLine() did. Returns at once (FALSE) when standard
 * input is not a console, so it can never block a process that nobody can see.
 */
BOOL IpcWaitForEnter(void);

#endif
