/*
 * ipc_options.h - the option-table machinery the command-line parsers of
 * ipc_args.c are built on: how one option's value is read and checked, and
 * the number and exit-code lists options take.
 *
 * Pure functions over wide strings that call nothing of Windows, so they
 * also build natively (where wchar_t is 32 bits) for fuzzing.
 */
#ifndef IPC_OPTIONS_H
#define IPC_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

/*
 * IpcParseUnsigned - parse a decimal count (milliseconds, bytes) in [min, max].
 * Returns true and sets *out; returns false, *out untouched, for anything else
 * (empty, signs, spaces, non-digits, overflow, out of range).
 */
bool IpcParseUnsigned(const wchar_t *text, unsigned long min, unsigned long max, unsigned long *out);

/*
 * IpcParseExitCodes - parse a comma-separated list of exit codes, each decimal
 * (0 to 4294967295) or hexadecimal with 0x (0xC0000005), at most cap of them.
 * Returns true and fills out[0..*count); returns false, outputs untouched, for
 * an empty list or item, anything else in an item, a value beyond 32 bits or
 * more than cap codes.
 */
bool IpcParseExitCodes(const wchar_t *text, unsigned long *out, size_t cap, size_t *count);

/* How an option's value is read. */
typedef enum IpcOptionKind {
    IPC_OPTION_TEXT,  /* any non-empty text */
    IPC_OPTION_COMMAND, /* a command line: non-empty, and said so when it is empty */
    IPC_OPTION_NAME,  /* an instance name: may be empty here (IpcCheckName says why it is bad) */
    IPC_OPTION_NAME_OPTIONAL, /* the same, or none when the next word is an option or there is none: text stays NULL */
    IPC_OPTION_MS,    /* milliseconds in [min, IPC_MAX_MS] */
    IPC_OPTION_BYTES, /* bytes in [min, IPC_MAX_LOG_BYTES] */
    IPC_OPTION_COUNT, /* a count in [min, IPC_MAX_START_LIMIT] */
    IPC_OPTION_FLAG   /* no value: only *given is set */
} IpcOptionKind;

/* One "--opt VALUE" option of a command line, and where its value goes. */
typedef struct IpcOptionSpec {
    const wchar_t *name;
    IpcOptionKind kind;
    unsigned long min;
    const wchar_t **text;  /* IPC_OPTION_TEXT, IPC_OPTION_NAME */
    unsigned long *number; /* IPC_OPTION_MS, IPC_OPTION_BYTES, IPC_OPTION_COUNT */
    bool supervise_only;   /* makes no sense with --stop, --status or --uninstall */
    bool *given;           /* set to true when the option appears; may be NULL */
} IpcOptionSpec;

/* What IpcOptionMatch found. */
typedef enum IpcOptionMatchResult {
    IPC_MATCH_NONE,  /* argv[*i] is none of the options */
    IPC_MATCH_TAKEN, /* it was one, and its value is stored */
    IPC_MATCH_ERROR  /* it was one, with a missing or bad value: err holds the message */
} IpcOptionMatchResult;

/* IpcOptionIsHelp - is arg one of the ways to ask for help: /?, -?, -h, --help? */
bool IpcOptionIsHelp(const wchar_t *arg);

/*
 * IpcOptionMatchValue - matches "--opt VALUE" and "--opt=VALUE". Returns true
 * and sets *value (NULL when the value is missing), advancing *i past a
 * separate value; false, outputs untouched, when argv[*i] is another option.
 */
bool IpcOptionMatchValue(int argc, wchar_t **argv, int *i, const wchar_t *opt, const wchar_t **value);

/*
 * IpcOptionTakeName - a word that matched no option is the instance name:
 * stored in *name and true, unless it looks like an option or the name was
 * given already: then false, *name untouched, with err (cap characters)
 * saying so.
 */
bool IpcOptionTakeName(const wchar_t *arg, const wchar_t **name, wchar_t *err, size_t cap);

/* IpcOptionMissingValue - writes to err (cap characters) that option opt needs a value. */
void IpcOptionMissingValue(wchar_t *err, size_t cap, const wchar_t *opt);

/*
 * IpcOptionAdd - appends one option to a table of cap entries (*count of them
 * filled); a full table is left as it is. The tables are filled by
 * assignment, not by an initializer list: MSVC in C mode warns on aggregate
 * initializers that are not constants (C4204) or that hold addresses of
 * locals (C4221), and these entries point at the parser's locals.
 */
void IpcOptionAdd(IpcOptionSpec *specs, size_t cap, size_t *count, const wchar_t *name, IpcOptionKind kind,
                  unsigned long min, const wchar_t **text, unsigned long *number, bool supervise_only, bool *given);

/*
 * IpcOptionMatch - matches argv[*i] against the value options in specs
 * (count of them) and stores the value. seen[k] records that specs[k] was
 * given, so a second time is an error (one rule for every option: a repeated
 * option is a mistake, never "the last one wins"). The first
 * supervision-only option seen is remembered in *supervise_only, for the
 * mode checks after the loop. IPC_MATCH_ERROR leaves the message in err (cap
 * characters).
 */
IpcOptionMatchResult IpcOptionMatch(int argc, wchar_t **argv, int *i, const IpcOptionSpec *specs, bool *seen,
                                    size_t count, const wchar_t **supervise_only, wchar_t *err, size_t cap);

#endif
