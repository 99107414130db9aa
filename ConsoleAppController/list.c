/*
 * list.c - ConsoleAppController --list [--json]: every instance this user can
 * see, in this session and in Global\, found by reading the kernel's object
 * directories. It never writes anything.
 *
 * Named objects live in object directories: a session's plain names in
 * \Sessions\<id>\BaseNamedObjects, Global\ names in \BaseNamedObjects (in
 * session 0 the two are one). NtOpenDirectoryObject and NtQueryDirectoryObject
 * enumerate them; they have no import library and are loaded from ntdll.dll at
 * run time, as their documentation says ("This function has no associated
 * import library or header file; you must call it using the LoadLibrary and
 * GetProcAddress functions", learn.microsoft.com/windows/win32/devnotes/
 * ntquerydirectoryobject and .../ntopendirectoryobject). An instance is a
 * section whose companion listener lock (NAME|listener) exists, or one that
 * holds our header; a section of another program is left alone.
 */
#include "controller.h"
#include "ipc_console.h"
#include "ipc_error.h"
#include "ipc_exit.h"
#include "ipc_handle.h"
#include "ipc_json.h"
#include "ipc_mapping.h"
#include "ipc_name.h"
#include "ipc_text.h"

#include <string.h>

#define LIST_DIRECTORY_QUERY 0x0001u   /* DIRECTORY_QUERY (wdm.h) */
#define LIST_OBJ_CASE_INSENSITIVE 0x40u /* OBJ_CASE_INSENSITIVE (ntdef.h) */
#define LIST_STATUS_NO_MORE_ENTRIES ((LONG)0x8000001A)
#define LIST_JSON_CAP 8192

/* UNICODE_STRING, OBJECT_ATTRIBUTES and OBJECT_DIRECTORY_INFORMATION as winternl.h and the page above define them. */
typedef struct ListUnicodeString {
    USHORT Length;
    USHORT MaximumLength;
    PWSTR Buffer;
} ListUnicodeString;

typedef struct ListObjectAttributes {
    ULONG Length;
    HANDLE RootDirectory;
    ListUnicodeString *ObjectName;
    ULONG Attributes;
    PVOID SecurityDescriptor;
    PVOID SecurityQualityOfService;
} ListObjectAttributes;

typedef struct ListDirectoryEntry {
    ListUnicodeString Name;
    ListUnicodeString TypeName;
} ListDirectoryEntry;

typedef LONG(NTAPI *NtOpenDirectoryObjectFn)(HANDLE *, ACCESS_MASK, ListObjectAttributes *);
typedef LONG(NTAPI *NtQueryDirectoryObjectFn)(HANDLE, PVOID, ULONG, BOOLEAN, BOOLEAN, PULONG, PULONG);

typedef struct ListState {
    const IpcControllerOptions *opt;
    NtOpenDirectoryObjectFn open_dir;
    NtQueryDirectoryObjectFn query_dir;
    size_t count;
    wchar_t *json; /* LIST_JSON_CAP characters for one instance's object */
    StatusInfo info;
} ListState;

/* NAME's listener lock exists (whoever holds it, if anyone): the section is an instance's. */
static BOOL HasListenerLock(const wchar_t *name)
{
    wchar_t lock[MAX_PATH];
    HANDLE mutex;

    if (!IpcDerivedName(name, IPC_SUFFIX_LISTENER_MUTEX, lock, ARRAYSIZE(lock))) {
        return FALSE;
    }
    mutex = OpenMutexW(SYNCHRONIZE, FALSE, lock);
    if (mutex == NULL) {
        return FALSE;
    }
    CloseHandle(mutex);
    return TRUE;
}

/* The section holds our header (a quiet look: nothing is printed for another program's section). */
static BOOL HoldsOurHeader(const wchar_t *name)
{
    IpcMapping m = {0};
    BOOL ours;

    if (IpcMappingOpen(name, &m) != ERROR_SUCCESS) {
        return FALSE;
    }
    ours = m.kind == IPC_LAYOUT_OURS;
    IpcMappingClose(&m);
    return ours;
}

static void FormatRunTime(const StatusInfo *info, wchar_t *buf, size_t cap)
{
    uint64_t ms;
    if (!info->listener_running || info->started == 0) {
        IpcFormat(buf, cap, L"-");
        return;
    }
    ms = info->now > info->started ? (info->now - info->started) / 10000 : 0;
    IpcFormat(buf, cap, L"%lu s", (unsigned long)(ms / 1000));
}

/* One instance: a JSON object, or a line of the table. */
static void ReportInstance(ListState *s, const wchar_t *name)
{
    StatusInfo *info = &s->info;
    wchar_t listener[16];
    wchar_t controller[16];
    wchar_t standby[16];
    wchar_t run_time[32];
    wchar_t restarts[16];

    StatusCollect(s->opt, name, FALSE, info);
    if (s->opt->json) {
        IpcJson j;
        IpcJsonInit(&j, s->json, LIST_JSON_CAP);
        StatusWriteJson(&j, name, info);
        if (IpcJsonOk(&j)) {
            IpcPrint(L"%ls%ls", s->count == 0 ? L"" : L",", s->json);
            s->count++;
        }
        return;
    }
    if (s->count == 0) {
        IpcPrint(L"%-32ls %-8ls %-12ls %9ls %10ls %8ls %10ls %8ls", L"NAME", L"SCOPE", L"STATE", L"LISTENER",
                 L"CONTROLLER", L"STANDBY", L"RUN TIME", L"RESTARTS");
    }
    IpcFormat(listener, ARRAYSIZE(listener), info->listener_running ? L"%lu" : L"-", (unsigned long)info->pid);
    IpcFormat(controller, ARRAYSIZE(controller), info->controller_running ? L"%lu" : L"-",
              (unsigned long)info->hdr.controller_pid);
    IpcFormat(standby, ARRAYSIZE(standby), info->standby_running ? L"%lu" : L"-", (unsigned long)info->hdr.standby_pid);
    FormatRunTime(info, run_time, ARRAYSIZE(run_time));
    IpcFormat(restarts, ARRAYSIZE(restarts), info->kind == IPC_LAYOUT_OURS ? L"%lu" : L"-",
              (unsigned long)info->hdr.restarts);
    IpcPrint(L"%-32ls %-8ls %-12ls %9ls %10ls %8ls %10ls %8ls", info->found ? info->name : name,
             wcsncmp(name, L"Global\\", 7) == 0 ? L"global" : L"session",
             !info->listener_running ? L"not running"
                                     : (info->kind == IPC_LAYOUT_OURS ? IpcLayoutStateName(info->hdr.state)
                                                                      : L"running"),
             listener, controller, standby, run_time, restarts);
    s->count++;
}

/*
 * Reports every instance in the object directory path; prefix ("" or
 * "Global\") turns an entry's name into the name a program opens it by.
 * A directory that cannot be opened (none for this session, access denied)
 * holds nothing this user can see.
 */
static void ListDirectory(ListState *s, const wchar_t *path, const wchar_t *prefix)
{
    ListUnicodeString dir_name;
    ListObjectAttributes attrs;
    HANDLE dir = NULL;
    ULONG context = 0;
    ULONG returned = 0;
    BOOLEAN restart = TRUE;
    union {
        ListDirectoryEntry entry;
        unsigned char bytes[4096];
    } buf;

    dir_name.Buffer = (PWSTR)path;
    dir_name.Length = (USHORT)(wcslen(path) * sizeof(wchar_t));
    dir_name.MaximumLength = dir_name.Length;
    memset(&attrs, 0, sizeof(attrs));
    attrs.Length = sizeof(attrs);
    attrs.ObjectName = &dir_name;
    attrs.Attributes = LIST_OBJ_CASE_INSENSITIVE;
    if (s->open_dir(&dir, LIST_DIRECTORY_QUERY, &attrs) < 0) {
        return;
    }
    /* One entry at a time: the entry and its strings always fit, and the context counts entries. */
    while (s->query_dir(dir, &buf, (ULONG)sizeof(buf), TRUE, restart, &context, &returned) >= 0) {
        const ListDirectoryEntry *e = &buf.entry;
        wchar_t type[32];
        wchar_t name[MAX_PATH];
        size_t name_len = e->Name.Length / sizeof(wchar_t);
        size_t type_len = e->TypeName.Length / sizeof(wchar_t);

        restart = FALSE;
        if (e->Name.Buffer == NULL || e->TypeName.Buffer == NULL || type_len >= ARRAYSIZE(type) ||
            name_len + wcslen(prefix) >= ARRAYSIZE(name)) {
            continue;
        }
        memcpy(type, e->TypeName.Buffer, type_len * sizeof(wchar_t));
        type[type_len] = L'\0';
        if (wcscmp(type, L"Section") != 0) {
            continue;
        }
        IpcFormat(name, ARRAYSIZE(name), L"%ls%.*ls", prefix, (int)name_len, e->Name.Buffer);
        if (!IpcCheckName(name, NULL, 0)) {
            continue;
        }
        if (HasListenerLock(name) || HoldsOurHeader(name)) {
            ReportInstance(s, name);
        }
    }
    CloseHandle(dir);
}

int RunList(const IpcControllerOptions *opt)
{
    int rc = IPC_EXIT_OK;
    ListState *s = NULL;
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    DWORD session = 0;
    wchar_t session_dir[64];

    s = (ListState *)HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(*s));
    if (s != NULL) {
        s->json = (wchar_t *)HeapAlloc(GetProcessHeap(), 0, LIST_JSON_CAP * sizeof(wchar_t));
    }
    if (s == NULL || s->json == NULL) {
        rc = IpcFailWin32(L"HeapAlloc", ERROR_NOT_ENOUGH_MEMORY, L"the list of instances");
        goto cleanup;
    }
    s->opt = opt;
    if (ntdll != NULL) {
        s->open_dir = (NtOpenDirectoryObjectFn)(void (*)(void))GetProcAddress(ntdll, "NtOpenDirectoryObject");
        s->query_dir = (NtQueryDirectoryObjectFn)(void (*)(void))GetProcAddress(ntdll, "NtQueryDirectoryObject");
    }
    if (s->open_dir == NULL || s->query_dir == NULL) {
        rc = IpcFailWin32(L"GetProcAddress", ERROR_PROC_NOT_FOUND, L"NtQueryDirectoryObject in ntdll.dll");
        goto cleanup;
    }
    if (opt->json) {
        IpcPrint(L"{\"instances\":[");
    }
    /* In session 0 plain names are global ones: listing \BaseNamedObjects once covers both. */
    if (ProcessIdToSessionId(GetCurrentProcessId(), &session) && session != 0) {
        IpcFormat(session_dir, ARRAYSIZE(session_dir), L"\\Sessions\\%lu\\BaseNamedObjects", (unsigned long)session);
        ListDirectory(s, session_dir, L"");
    }
    ListDirectory(s, L"\\BaseNamedObjects", L"Global\\");
    if (opt->json) {
        IpcPrint(L"]}");
    } else if (s->count == 0) {
        IpcPrint(L"No instances in this session or in Global\\.");
    }

cleanup:
    if (s != NULL) {
        IpcHeapFree(&s->json);
    }
    IpcHeapFree(&s);
    return rc;
}
