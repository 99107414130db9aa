/*
 * ipc_name.c - instance-name checks and companion names. No <windows.h>: this
 * file is also built natively for fuzzing.
 */
#include "ipc_name.h"

#include <string.h>

#include "ipc_text.h"

/* Case-insensitive ASCII comparison of a prefix: to recognise a namespace prefix spelled in another case. */
static bool HasPrefixNoCase(const wchar_t *s, const wchar_t *prefix)
{
    for (; *prefix != L'\0'; s++, prefix++) {
        wchar_t a = *s;
        wchar_t b = *prefix;
        if (a >= L'A' && a <= L'Z') {
            a = (wchar_t)(a - L'A' + L'a');
        }
        if (b >= L'A' && b <= L'Z') {
            b = (wchar_t)(b - L'A' + L'a');
        }
        if (a != b) {
            return false;
        }
    }
    return true;
}

/*
 * The length of a namespace prefix NAME starts with, spelled exactly: "These
 * keywords are case-sensitive" (Kernel Object Namespaces, Microsoft Learn),
 * so global\X is not the global namespace but a path the kernel cannot find.
 */
static size_t PrefixLength(const wchar_t *name)
{
    if (wcsncmp(name, L"Local\\", 6) == 0) {
        return 6;
    }
    if (wcsncmp(name, L"Global\\", 7) == 0) {
        return 7;
    }
    return 0;
}

bool IpcCheckName(const wchar_t *name, wchar_t *why, size_t why_cap)
{
    size_t len;
    size_t prefix;
    size_t i;
    const wchar_t separator[2] = {IPC_NAME_SEPARATOR, L'\0'};

    if (name == NULL || name[0] == L'\0') {
        IpcFormat(why, why_cap, L"the instance name is empty");
        return false;
    }
    len = wcslen(name);
    if (len > IPC_NAME_MAX) {
        IpcFormat(why, why_cap, L"the instance name is %lu characters long; the limit is %d", (unsigned long)len,
                  IPC_NAME_MAX);
        return false;
    }
    prefix = PrefixLength(name);
    if (prefix == 0 && (HasPrefixNoCase(name, L"Local\\") || HasPrefixNoCase(name, L"Global\\"))) {
        IpcFormat(why, why_cap,
                  L"the instance name '%ls' starts with a namespace prefix in another case; the kernel's "
                  L"prefixes are case-sensitive: write Local\\ or Global\\ exactly so",
                  name);
        return false;
    }
    if (prefix == len) {
        IpcFormat(why, why_cap, L"the instance name '%ls' is only a namespace prefix; add a name after it", name);
        return false;
    }
    for (i = 0; i < len; i++) {
        wchar_t c = name[i];
        if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) {
            IpcFormat(why, why_cap, L"the instance name holds a control character (U+%04X) at position %lu",
                      (unsigned)c, (unsigned long)(i + 1));
            return false;
        }
        if (c == IPC_NAME_SEPARATOR) {
            IpcFormat(why, why_cap,
                      L"the instance name '%ls' holds '%ls' at position %lu; that character is reserved for the "
                      L"names of its companion objects",
                      name, separator, (unsigned long)(i + 1));
            return false;
        }
        if (c == L'\\' && i >= prefix) {
            IpcFormat(why, why_cap,
                      L"the instance name '%ls' holds a backslash; only a leading Local\\ or Global\\ may have one",
                      name);
            return false;
        }
    }
    return true;
}

bool IpcDerivedName(const wchar_t *name, const wchar_t *suffix, wchar_t *out, size_t cap)
{
    size_t a = wcslen(name);
    size_t b = wcslen(suffix);
    if (a + b + 1 > cap) {
        return false;
    }
    memcpy(out, name, a * sizeof(wchar_t));
    memcpy(out + a, suffix, (b + 1) * sizeof(wchar_t));
    return true;
}
