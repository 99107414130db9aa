/*
 * bench_sys.c - clocks, samples and per-process figures for ipc_bench.exe.
 */
#include "bench.h"

#include "ipc_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* ---- clocks ---- */

typedef LONG(NTAPI *NtSetTimerResolutionFn)(ULONG desired, BOOLEAN set, PULONG actual);
typedef VOID(WINAPI *PreciseTimeFn)(LPFILETIME);

static double g_qpc_ms = 0.0;
static PreciseTimeFn g_precise = NULL;
static double g_timer_ms = 0.0;

/* GetProcAddress as a plain function pointer, cast without a function-type warning. */
static void (*Proc(const wchar_t *module, const char *name))(void)
{
    HMODULE m = GetModuleHandleW(module);
    if (m == NULL) {
        return NULL;
    }
    return (void (*)(void))GetProcAddress(m, name);
}

void BenchInitClocks(void)
{
    LARGE_INTEGER f;
    NtSetTimerResolutionFn set_res;
    ULONG actual = 0;

    QueryPerformanceFrequency(&f);
    g_qpc_ms = 1000.0 / (double)f.QuadPart;
    g_precise = (PreciseTimeFn)Proc(L"kernel32.dll", "GetSystemTimePreciseAsFileTime");
    /*
     * The bench polls the mapping with Sleep(1); Windows' default tick is
     * 15.6 ms, so ask for the finest resolution (what timeBeginPeriod does,
     * without importing winmm). Wine sleeps to the microsecond anyway.
     */
    set_res = (NtSetTimerResolutionFn)Proc(L"ntdll.dll", "NtSetTimerResolution");
    if (set_res != NULL && set_res(5000, TRUE, &actual) >= 0) {
        g_timer_ms = (double)actual / 10000.0;
    }
}

double BenchNowMs(void)
{
    LARGE_INTEGER c;
    QueryPerformanceCounter(&c);
    return (double)c.QuadPart * g_qpc_ms;
}

uint64_t BenchSystemTime(void)
{
    FILETIME ft;
    if (g_precise != NULL) {
        g_precise(&ft);
    } else {
        GetSystemTimeAsFileTime(&ft);
    }
    return IpcFileTimeToU64(ft);
}

double BenchTimerResolutionMs(void)
{
    return g_timer_ms;
}

/* ---- samples ---- */

void SamplesAdd(Samples *s, double value)
{
    if (s->n == s->cap) {
        int cap = s->cap == 0 ? 64 : s->cap * 2;
        double *v = (double *)realloc(s->v, (size_t)cap * sizeof(double));
        if (v == NULL) {
            return;
        }
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = value;
}

void SamplesFree(Samples *s)
{
    free(s->v);
    s->v = NULL;
    s->n = 0;
    s->cap = 0;
}

static int CompareDouble(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return x < y ? -1 : (x > y ? 1 : 0);
}

double SamplesQuantile(const Samples *s, double q)
{
    double *v;
    double r;
    int k;

    if (s->n == 0) {
        return -1.0;
    }
    v = (double *)malloc((size_t)s->n * sizeof(double));
    if (v == NULL) {
        return -1.0;
    }
    memcpy(v, s->v, (size_t)s->n * sizeof(double));
    qsort(v, (size_t)s->n, sizeof(double), CompareDouble);
    if (q == 0.5) {
        r = s->n % 2 == 1 ? v[s->n / 2] : (v[s->n / 2 - 1] + v[s->n / 2]) / 2.0;
    } else {
        /* Nearest rank: the smallest value with at least q of the samples at or below it. */
        double rank = q * (double)s->n;
        k = (int)rank;
        if ((double)k < rank) {
            k++;
        }
        if (k < 1) {
            k = 1;
        }
        if (k > s->n) {
            k = s->n;
        }
        r = v[k - 1];
    }
    free(v);
    return r;
}

double SamplesMax(const Samples *s)
{
    double m = -1.0;
    int i;
    for (i = 0; i < s->n; i++) {
        if (s->v[i] > m) {
            m = s->v[i];
        }
    }
    return m;
}

/* ---- Wine and the Linux side ---- */

typedef const char *(CDECL *WineVersionFn)(void);
typedef void(CDECL *WineHostFn)(const char **sysname, const char **release);

BOOL BenchIsWine(char *version, size_t version_cap, char *host, size_t host_cap)
{
    WineVersionFn ver = (WineVersionFn)Proc(L"ntdll.dll", "wine_get_version");
    WineHostFn hostfn = (WineHostFn)Proc(L"ntdll.dll", "wine_get_host_version");
    if (ver == NULL) {
        return FALSE;
    }
    if (version != NULL && version_cap > 0) {
        snprintf(version, version_cap, "%s", ver());
    }
    if (host != NULL && host_cap > 0) {
        const char *sys = "?";
        const char *rel = "?";
        if (hostfn != NULL) {
            hostfn(&sys, &rel);
        }
        snprintf(host, host_cap, "%s %s", sys, rel);
    }
    return TRUE;
}

/*
 * A Linux path as a Windows one: Wine's \\?\unix\ prefix reaches any Unix file
 * (Z: may have been removed from a prefix). Falls back to Z: when that fails.
 */
static void UnixPath(const char *path, BOOL use_z, wchar_t *out, size_t cap)
{
    size_t i;
    size_t n = (size_t)swprintf(out, cap, use_z ? L"Z:" : L"\\\\?\\unix");
    for (i = 0; path[i] != '\0' && n + 1 < cap; i++) {
        out[n++] = path[i] == '/' ? L'\\' : (wchar_t)(unsigned char)path[i];
    }
    out[n] = L'\0';
}

int BenchReadUnixFile(const char *path, char *buf, size_t cap)
{
    wchar_t wpath[MAX_PATH];
    HANDLE f = INVALID_HANDLE_VALUE;
    DWORD got = 0;
    size_t used = 0;
    int attempt;

    for (attempt = 0; attempt < 2 && f == INVALID_HANDLE_VALUE; attempt++) {
        UnixPath(path, attempt == 1, wpath, MAX_PATH);
        f = CreateFileW(wpath, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                        0, NULL);
    }
    if (f == INVALID_HANDLE_VALUE) {
        return -1;
    }
    /* /proc files have no size: read until the end. */
    while (used + 1 < cap && ReadFile(f, buf + used, (DWORD)(cap - 1 - used), &got, NULL) && got > 0) {
        used += got;
    }
    CloseHandle(f);
    buf[used] = '\0';
    return (int)used;
}

/* Calls fn for every entry of a Linux directory (names only, no . and ..). */
static void ForEachUnixEntry(const char *dir, void (*fn)(const wchar_t *name, void *ctx), void *ctx)
{
    wchar_t pattern[MAX_PATH];
    WIN32_FIND_DATAW fd;
    HANDLE h = INVALID_HANDLE_VALUE;
    char glob[MAX_PATH];
    int attempt;

    snprintf(glob, sizeof(glob), "%s/*", dir);
    for (attempt = 0; attempt < 2 && h == INVALID_HANDLE_VALUE; attempt++) {
        UnixPath(glob, attempt == 1, pattern, MAX_PATH);
        h = FindFirstFileW(pattern, &fd);
    }
    if (h == INVALID_HANDLE_VALUE) {
        return;
    }
    do {
        if (wcscmp(fd.cFileName, L".") != 0 && wcscmp(fd.cFileName, L"..") != 0) {
            fn(fd.cFileName, ctx);
        }
    } while (FindNextFileW(h, &fd));
    FindClose(h);
}

/* A decimal name (a pid or tid) as a number; 0 when it is not one. */
static DWORD NumericName(const wchar_t *name)
{
    DWORD v = 0;
    if (*name == L'\0') {
        return 0;
    }
    for (; *name != L'\0'; name++) {
        if (*name < L'0' || *name > L'9' || v > 400000000u) {
            return 0;
        }
        v = v * 10u + (DWORD)(*name - L'0');
    }
    return v;
}

/* The fields after "PID (comm) " of /proc/PID/stat: field k of proc(5) is fields[k - 3]. */
typedef struct StatLine {
    char comm[32];
    char state;
    unsigned long long field[50];
    int count;
} StatLine;

static BOOL ReadStat(const char *path, StatLine *st)
{
    char buf[1024];
    char *open;
    char *close;
    char *p;
    size_t n;

    memset(st, 0, sizeof(*st));
    if (BenchReadUnixFile(path, buf, sizeof(buf)) <= 0) {
        return FALSE;
    }
    open = strchr(buf, '(');
    close = strrchr(buf, ')');
    if (open == NULL || close == NULL || close < open || close[1] == '\0') {
        return FALSE;
    }
    n = (size_t)(close - open - 1);
    if (n >= sizeof(st->comm)) {
        n = sizeof(st->comm) - 1;
    }
    memcpy(st->comm, open + 1, n);
    st->comm[n] = '\0';
    p = close + 2;
    st->state = *p;
    p++;
    /* fields[0] is the state (field 3); numbers start at field 4. */
    st->count = 1;
    while (*p != '\0' && st->count < 50) {
        char *end;
        while (*p == ' ') {
            p++;
        }
        if (*p == '\0') {
            break;
        }
        st->field[st->count] = strtoull(p, &end, 10);
        if (end == p) {
            /* A negative number (priority): skip it as text. */
            while (*p != '\0' && *p != ' ') {
                p++;
            }
        } else {
            p = end;
        }
        st->count++;
    }
    return TRUE;
}

/* The number after "key:" in a /proc status text; -1 when the key is missing. */
static double StatusValue(const char *text, const char *key)
{
    size_t klen = strlen(key);
    const char *p = text;
    while ((p = strstr(p, key)) != NULL) {
        if ((p == text || p[-1] == '\n') && p[klen] == ':') {
            return strtod(p + klen + 1, NULL);
        }
        p += klen;
    }
    return -1.0;
}

typedef struct FindCtx {
    char exe[16];      /* the first 15 characters of the image name: what Wine sets as comm */
    wchar_t tag[128];
    DWORD best;
    unsigned long long best_start;
} FindCtx;

/* TRUE when tag appears in text as a whole word (bounded by start, end, NUL, space or a quote). */
static BOOL HasWord(const wchar_t *text, size_t len, const wchar_t *tag)
{
    size_t tlen = wcslen(tag);
    size_t i;
    if (tlen == 0 || tlen > len) {
        return FALSE;
    }
    for (i = 0; i + tlen <= len; i++) {
        if (wmemcmp(text + i, tag, tlen) == 0) {
            wchar_t before = i == 0 ? L' ' : text[i - 1];
            wchar_t after = i + tlen == len ? L' ' : text[i + tlen];
            if ((before == L' ' || before == L'"' || before == L'\0') &&
                (after == L' ' || after == L'"' || after == L'\0')) {
                return TRUE;
            }
        }
    }
    return FALSE;
}

static void FindOne(const wchar_t *name, void *ctx_)
{
    FindCtx *ctx = (FindCtx *)ctx_;
    DWORD pid = NumericName(name);
    char path[64];
    char cmd[4096];
    wchar_t wcmd[4096];
    StatLine st;
    int n;
    int wn;
    int i;

    if (pid == 0) {
        return;
    }
    snprintf(path, sizeof(path), "/proc/%lu/stat", (unsigned long)pid);
    if (!ReadStat(path, &st) || st.state == 'Z' || st.state == 'X') {
        return;
    }
    if (_strnicmp(st.comm, ctx->exe, strlen(ctx->exe)) != 0 || strlen(st.comm) != strlen(ctx->exe)) {
        return;
    }
    snprintf(path, sizeof(path), "/proc/%lu/cmdline", (unsigned long)pid);
    n = BenchReadUnixFile(path, cmd, sizeof(cmd));
    if (n <= 0) {
        return;
    }
    for (i = 0; i < n; i++) {
        if (cmd[i] == '\0') {
            cmd[i] = ' ';
        }
    }
    wn = MultiByteToWideChar(CP_UTF8, 0, cmd, n, wcmd, 4095);
    if (wn <= 0 || !HasWord(wcmd, (size_t)wn, ctx->tag)) {
        return;
    }
    /* Field 22, starttime: the newest wins should two ever match. */
    if (ctx->best == 0 || st.field[19] > ctx->best_start) {
        ctx->best = pid;
        ctx->best_start = st.field[19];
    }
}

DWORD BenchLinuxPid(const wchar_t *exe_name, const wchar_t *tag)
{
    FindCtx ctx;
    size_t i;

    memset(&ctx, 0, sizeof(ctx));
    for (i = 0; i < 15 && exe_name[i] != L'\0'; i++) {
        ctx.exe[i] = (char)(exe_name[i] < 128 ? exe_name[i] : L'?');
    }
    ctx.exe[i] = '\0';
    swprintf(ctx.tag, ARRAYSIZE(ctx.tag), L"%ls", tag);
    ForEachUnixEntry("/proc", FindOne, &ctx);
    return ctx.best;
}

BOOL BenchHostCpu(double *busy_ms, double *total_ms)
{
    char text[512];
    const char *p = text;
    double v[8];
    int i;

    if (BenchReadUnixFile("/proc/stat", text, sizeof(text)) <= 0 || strncmp(text, "cpu ", 4) != 0) {
        return FALSE;
    }
    p += 4;
    for (i = 0; i < 8; i++) {
        char *end;
        v[i] = strtod(p, &end);
        if (end == p) {
            return FALSE;
        }
        p = end;
    }
    /* user nice system idle iowait irq softirq steal, in USER_HZ ticks (10 ms) */
    *busy_ms = (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) * 10.0;
    *total_ms = *busy_ms + (v[3] + v[4]) * 10.0;
    return TRUE;
}

static void FindServer(const wchar_t *name, void *ctx_)
{
    DWORD *out = (DWORD *)ctx_;
    DWORD pid = NumericName(name);
    char path[64];
    StatLine st;
    if (pid == 0 || *out != 0) {
        return;
    }
    snprintf(path, sizeof(path), "/proc/%lu/stat", (unsigned long)pid);
    if (ReadStat(path, &st) && st.state != 'Z' && strncmp(st.comm, "wineserver", 10) == 0) {
        *out = pid;
    }
}

DWORD BenchWineserverPid(void)
{
    DWORD pid = 0;
    ForEachUnixEntry("/proc", FindServer, &pid);
    return pid;
}

typedef struct TaskCtx {
    DWORD pid;
    ProcFigures *out;
    BOOL have_sched;
} TaskCtx;

static void AddTask(const wchar_t *name, void *ctx_)
{
    TaskCtx *ctx = (TaskCtx *)ctx_;
    DWORD tid = NumericName(name);
    char path[96];
    char text[2048];
    double v;
    double nv;

    if (tid == 0) {
        return;
    }
    snprintf(path, sizeof(path), "/proc/%lu/task/%lu/status", (unsigned long)ctx->pid, (unsigned long)tid);
    if (BenchReadUnixFile(path, text, sizeof(text)) > 0) {
        v = StatusValue(text, "voluntary_ctxt_switches");
        nv = StatusValue(text, "nonvoluntary_ctxt_switches");
        if (v >= 0) {
            ctx->out->vol_switches += v;
            ctx->out->switches += v;
        }
        if (nv >= 0) {
            ctx->out->switches += nv;
        }
    }
    snprintf(path, sizeof(path), "/proc/%lu/task/%lu/schedstat", (unsigned long)ctx->pid, (unsigned long)tid);
    if (BenchReadUnixFile(path, text, sizeof(text)) > 0) {
        ctx->out->run_ms += strtod(text, NULL) / 1e6;
        ctx->have_sched = TRUE;
    }
}

void BenchFiguresLinux(DWORD linux_pid, ProcFigures *out)
{
    char path[64];
    char text[4096];
    StatLine st;
    TaskCtx ctx;
    double ticks = 100.0; /* USER_HZ: 100 on every Linux architecture Wine runs on */

    memset(out, 0, sizeof(*out));
    out->cpu_ms = out->run_ms = out->switches = out->vol_switches = out->rss_kib = out->private_kib = -1.0;
    if (linux_pid == 0) {
        return;
    }
    snprintf(path, sizeof(path), "/proc/%lu/stat", (unsigned long)linux_pid);
    if (!ReadStat(path, &st) || st.count < 16) {
        return;
    }
    /* utime, stime: fields 14 and 15, in clock ticks (getconf CLK_TCK = 100). */
    out->cpu_ms = (double)(st.field[11] + st.field[12]) * 1000.0 / ticks;
    snprintf(path, sizeof(path), "/proc/%lu/status", (unsigned long)linux_pid);
    if (BenchReadUnixFile(path, text, sizeof(text)) > 0) {
        out->rss_kib = StatusValue(text, "VmRSS");
        out->private_kib = StatusValue(text, "RssAnon");
        out->threads = (int)StatusValue(text, "Threads");
    }
    out->run_ms = 0.0;
    out->switches = 0.0;
    out->vol_switches = 0.0;
    ctx.pid = linux_pid;
    ctx.out = out;
    ctx.have_sched = FALSE;
    snprintf(path, sizeof(path), "/proc/%lu/task", (unsigned long)linux_pid);
    ForEachUnixEntry(path, AddTask, &ctx);
    if (!ctx.have_sched) {
        out->run_ms = -1.0;
    }
    out->ok = TRUE;
}

/* ---- the Windows way ---- */

/*
 * SYSTEM_PROCESS_INFORMATION and SYSTEM_THREAD_INFORMATION as NtQuerySystemInformation
 * returns them (winternl.h declares only part of them): 0x100 and 0x50 bytes on x64,
 * 0xB8 and 0x40 on x86.
 */
typedef struct BenchThreadInfo {
    LARGE_INTEGER KernelTime;
    LARGE_INTEGER UserTime;
    LARGE_INTEGER CreateTime;
    ULONG WaitTime;
    PVOID StartAddress;
    HANDLE UniqueProcess;
    HANDLE UniqueThread;
    LONG Priority;
    LONG BasePriority;
    ULONG ContextSwitches;
    ULONG ThreadState;
    ULONG WaitReason;
} BenchThreadInfo;

typedef struct BenchProcessInfo {
    ULONG NextEntryOffset;
    ULONG NumberOfThreads;
    LARGE_INTEGER WorkingSetPrivateSize;
    ULONG HardFaultCount;
    ULONG NumberOfThreadsHighWatermark;
    ULONGLONG CycleTime;
    LARGE_INTEGER CreateTime;
    LARGE_INTEGER UserTime;
    LARGE_INTEGER KernelTime;
    USHORT ImageNameLength;
    USHORT ImageNameMaximumLength;
    PWSTR ImageNameBuffer;
    LONG BasePriority;
    HANDLE UniqueProcessId;
    HANDLE InheritedFromUniqueProcessId;
    ULONG HandleCount;
    ULONG SessionId;
    ULONG_PTR UniqueProcessKey;
    SIZE_T PeakVirtualSize;
    SIZE_T VirtualSize;
    ULONG PageFaultCount;
    SIZE_T PeakWorkingSetSize;
    SIZE_T WorkingSetSize;
    SIZE_T QuotaPeakPagedPoolUsage;
    SIZE_T QuotaPagedPoolUsage;
    SIZE_T QuotaPeakNonPagedPoolUsage;
    SIZE_T QuotaNonPagedPoolUsage;
    SIZE_T PagefileUsage;
    SIZE_T PeakPagefileUsage;
    SIZE_T PrivatePageCount;
    LARGE_INTEGER ReadOperationCount;
    LARGE_INTEGER WriteOperationCount;
    LARGE_INTEGER OtherOperationCount;
    LARGE_INTEGER ReadTransferCount;
    LARGE_INTEGER WriteTransferCount;
    LARGE_INTEGER OtherTransferCount;
} BenchProcessInfo;

_Static_assert(sizeof(BenchProcessInfo) == (sizeof(void *) == 8 ? 0x100 : 0xB8), "SYSTEM_PROCESS_INFORMATION size");
_Static_assert(sizeof(BenchThreadInfo) == (sizeof(void *) == 8 ? 0x50 : 0x40), "SYSTEM_THREAD_INFORMATION size");

typedef LONG(NTAPI *NtQuerySystemInformationFn)(ULONG cls, PVOID buf, ULONG len, PULONG ret);
/* PROCESS_MEMORY_COUNTERS_EX (psapi.h; Wine's headers lack the _EX form). */
typedef struct BenchMemCounters {
    DWORD cb;
    DWORD PageFaultCount;
    SIZE_T PeakWorkingSetSize;
    SIZE_T WorkingSetSize;
    SIZE_T QuotaPeakPagedPoolUsage;
    SIZE_T QuotaPagedPoolUsage;
    SIZE_T QuotaPeakNonPagedPoolUsage;
    SIZE_T QuotaNonPagedPoolUsage;
    SIZE_T PagefileUsage;
    SIZE_T PeakPagefileUsage;
    SIZE_T PrivateUsage;
} BenchMemCounters;

typedef BOOL(WINAPI *GetProcessMemoryInfoFn)(HANDLE, BenchMemCounters *, DWORD);

/* Sum of the context switches of the threads of pid, -1 when unavailable; *threads their number. */
static double ContextSwitches(DWORD pid, int *threads)
{
    static BYTE *buf = NULL;
    static ULONG cap = 0;
    NtQuerySystemInformationFn query =
        (NtQuerySystemInformationFn)Proc(L"ntdll.dll", "NtQuerySystemInformation");
    ULONG need = 0;
    LONG status;
    ULONG off = 0;

    if (query == NULL) {
        return -1.0;
    }
    for (;;) {
        if (buf != NULL) {
            status = query(5 /* SystemProcessInformation */, buf, cap, &need);
            if (status >= 0) {
                break;
            }
            if (status != (LONG)0xC0000004L /* STATUS_INFO_LENGTH_MISMATCH */) {
                return -1.0;
            }
        }
        free(buf);
        cap = (need > cap ? need : cap) + 256u * 1024u;
        buf = (BYTE *)malloc(cap);
        if (buf == NULL) {
            cap = 0;
            return -1.0;
        }
    }
    for (;;) {
        const BenchProcessInfo *p = (const BenchProcessInfo *)(buf + off);
        if ((DWORD)(ULONG_PTR)p->UniqueProcessId == pid) {
            const BenchThreadInfo *t = (const BenchThreadInfo *)(p + 1);
            double sum = 0.0;
            ULONG i;
            for (i = 0; i < p->NumberOfThreads; i++) {
                sum += (double)t[i].ContextSwitches;
            }
            *threads = (int)p->NumberOfThreads;
            return sum;
        }
        if (p->NextEntryOffset == 0) {
            return -1.0;
        }
        off += p->NextEntryOffset;
    }
}

void BenchFiguresApi(HANDLE process, DWORD pid, ProcFigures *out)
{
    FILETIME created, exited, kernel, user;
    BenchMemCounters pm;
    GetProcessMemoryInfoFn meminfo = (GetProcessMemoryInfoFn)Proc(L"kernel32.dll", "K32GetProcessMemoryInfo");

    memset(out, 0, sizeof(*out));
    out->cpu_ms = out->run_ms = out->switches = out->vol_switches = out->rss_kib = out->private_kib = -1.0;
    if (GetProcessTimes(process, &created, &exited, &kernel, &user)) {
        out->cpu_ms = (double)(IpcFileTimeToU64(kernel) + IpcFileTimeToU64(user)) / 10000.0;
        out->ok = TRUE;
    }
    memset(&pm, 0, sizeof(pm));
    pm.cb = sizeof(pm);
    if (meminfo != NULL && meminfo(process, &pm, (DWORD)sizeof(pm))) {
        out->rss_kib = (double)pm.WorkingSetSize / 1024.0;
        out->private_kib = (double)pm.PrivateUsage / 1024.0;
    }
    out->switches = ContextSwitches(pid, &out->threads);
}

/* ---- the machine ---- */

typedef LONG(NTAPI *RtlGetVersionFn)(PRTL_OSVERSIONINFOW);

void BenchMachine(char *out, size_t cap)
{
    wchar_t cpu[128] = L"?";
    DWORD size = (DWORD)sizeof(cpu);
    MEMORYSTATUSEX mem;
    RTL_OSVERSIONINFOW os;
    RtlGetVersionFn getver = (RtlGetVersionFn)Proc(L"ntdll.dll", "RtlGetVersion");
    char wine[64] = "";
    char host[128] = "";
    char cpu8[256];
    char *p;
    int n;

    if (RegGetValueW(HKEY_LOCAL_MACHINE, L"HARDWARE\\DESCRIPTION\\System\\CentralProcessor\\0", L"ProcessorNameString",
                     RRF_RT_REG_SZ, NULL, cpu, &size) != ERROR_SUCCESS) {
        swprintf(cpu, ARRAYSIZE(cpu), L"?");
    }
    WideCharToMultiByte(CP_UTF8, 0, cpu, -1, cpu8, (int)sizeof(cpu8), NULL, NULL);
    for (p = cpu8; *p == ' '; p++) {
    }
    memset(&mem, 0, sizeof(mem));
    mem.dwLength = sizeof(mem);
    GlobalMemoryStatusEx(&mem);
    memset(&os, 0, sizeof(os));
    os.dwOSVersionInfoSize = sizeof(os);
    if (getver != NULL) {
        getver(&os);
    }
    n = snprintf(out, cap, "%s, %lu logical processors, %.1f GiB RAM, Windows %lu.%lu.%lu", p,
                 (unsigned long)GetActiveProcessorCount(ALL_PROCESSOR_GROUPS),
                 (double)mem.ullTotalPhys / (1024.0 * 1024.0 * 1024.0), (unsigned long)os.dwMajorVersion,
                 (unsigned long)os.dwMinorVersion, (unsigned long)os.dwBuildNumber);
    if (n > 0 && (size_t)n < cap && BenchIsWine(wine, sizeof(wine), host, sizeof(host))) {
        snprintf(out + n, cap - (size_t)n, " as reported by Wine %s on %s", wine, host);
    }
}
