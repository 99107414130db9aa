/*
 * bench.h - shared parts of ipc_bench.exe (tests/bench/): clocks, samples,
 * processes and the figures taken from them.
 *
 * The bench is a Windows program. On Windows it reads other processes through
 * GetProcessTimes, GetProcessMemoryInfo and NtQuerySystemInformation; under
 * Wine, where the first two return zeros for another process, it reads the Linux
 * side of the Wine process instead (/proc/PID/stat, status and task/TID/...,
 * opened through Wine's \\?\unix\ namespace), and says which way it went.
 */
#ifndef IPC_BENCH_H
#define IPC_BENCH_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <stdint.h>

#include "ipc_mapping.h"

/* ---- clocks (bench_sys.c) ---- */

/* BenchInitClocks - QueryPerformanceFrequency, the finest timer resolution, the precise system clock. */
void BenchInitClocks(void);
/* BenchNowMs - a monotonic clock in milliseconds (QueryPerformanceCounter). */
double BenchNowMs(void);
/* BenchSystemTime - the system time as a FILETIME count (the precise one where Windows has it). */
uint64_t BenchSystemTime(void);
/* BenchTimerResolutionMs - the timer resolution obtained by BenchInitClocks, in ms (0 when unknown). */
double BenchTimerResolutionMs(void);

/* ---- samples ---- */

typedef struct Samples {
    double *v;
    int n;
    int cap;
} Samples;

void SamplesAdd(Samples *s, double value);
void SamplesFree(Samples *s);
/* SamplesQuantile - q in [0, 1]; q = 0.5 is the median (mean of the two middle values), else nearest rank. -1 when empty. */
double SamplesQuantile(const Samples *s, double q);
double SamplesMax(const Samples *s);

/* ---- processes ---- */

/* What a process costs, read one way or the other; a field the way could not read is negative. */
typedef struct ProcFigures {
    BOOL ok;
    double cpu_ms;        /* user + kernel CPU: GetProcessTimes, or utime + stime from /proc/PID/stat (10 ms ticks) */
    double run_ms;        /* Linux only: sum of /proc/PID/task/TID/schedstat run times (ns precision, live threads) */
    double switches;      /* context switches of all threads (voluntary + involuntary): wake-ups */
    double vol_switches;  /* Linux: voluntary ones only (a thread that blocked and was woken) */
    double rss_kib;       /* VmRSS, or the working set */
    double private_kib;   /* RssAnon, or the private commit (PrivateUsage) */
    int threads;
} ProcFigures;

/* BenchIsWine - TRUE under Wine (ntdll exports wine_get_version); version and host filled in when not NULL. */
BOOL BenchIsWine(char *version, size_t version_cap, char *host, size_t host_cap);

/*
 * BenchLinuxPid - under Wine, the Linux pid of the live Wine process whose
 * command line names exe_name (its file name, e.g. L"ConsoleAppListener.exe")
 * and holds tag as a whole word (the instance name). 0 when none is found.
 */
DWORD BenchLinuxPid(const wchar_t *exe_name, const wchar_t *tag);

/*
 * BenchFiguresApi - the Windows way: GetProcessTimes, GetProcessMemoryInfo
 * (working set, private commit) and the threads' context switches from
 * NtQuerySystemInformation(SystemProcessInformation). process needs
 * PROCESS_QUERY_LIMITED_INFORMATION; pid is its Windows pid.
 */
void BenchFiguresApi(HANDLE process, DWORD pid, ProcFigures *out);
/* BenchFiguresLinux - the Wine way: /proc/linux_pid/stat, status and task/TID/{status,schedstat}. */
void BenchFiguresLinux(DWORD linux_pid, ProcFigures *out);

/* BenchReadUnixFile - under Wine, read up to cap-1 bytes of a Linux file (NUL-terminated). Returns the length or -1. */
int BenchReadUnixFile(const char *path, char *buf, size_t cap);

/*
 * BenchHostCpu - under Wine, the host's CPU time from /proc/stat, in ms summed
 * over all CPUs: busy (user+nice+system+irq+softirq+steal) and total (with idle
 * and iowait). FALSE when it cannot be read.
 */
BOOL BenchHostCpu(double *busy_ms, double *total_ms);

/* BenchWineserverPid - under Wine, the Linux pid of the wineserver (0 when not found). */
DWORD BenchWineserverPid(void);

/* BenchMachine - one line describing the machine (CPU, cores, memory, OS, Wine and host). */
void BenchMachine(char *out, size_t cap);

/* ---- the sections' shared parts (bench_common.c) ---- */

#define HEALTHY_WAIT_MS 1200.0   /* the controller relaunches at once after 1000 ms; a margin */
#define LONG_WORK_MS 600000ul    /* units that never end during a measurement */
#define PUBLISH_TIMEOUT_MS 60000.0
#define MAX_PAIRS 64

/*
 * How the controller starts a --console none listener (CREATE_NO_WINDOW or
 * DETACHED_PROCESS): bare starts, the limit for that mode, use the same flags.
 */
extern DWORD g_none_flags;
/* FlagName - the name of one CreateProcessW flag of the three the bench uses ("?" for others). */
const char *FlagName(DWORD flags);

typedef struct Row {
    char figure[128];
    char result[160];
    char reference[128];
    char ratio[40];
    char target[64];
    char verdict[16];
    char method[200];
} Row;

typedef struct Bench {
    wchar_t bin[MAX_PATH];
    wchar_t controller[MAX_PATH];
    wchar_t listener[MAX_PATH];
    wchar_t self[MAX_PATH];
    wchar_t tmp[MAX_PATH];
    wchar_t out_path[MAX_PATH];
    BOOL wine;
    BOOL api;      /* --api: read processes the Windows way even under Wine (wrong figures there; a test of that code) */
    BOOL quick;
    BOOL keep;
    int kills;
    int kills_new;
    unsigned sections; /* bit k: section k (1-9) runs */
    unsigned seq;
    HANDLE nul;
    HANDLE job;
    Row rows[96];
    int nrows;
    char notes[16384];
    size_t notes_len;
    double started;
} Bench;

/* Fmt - snprintf that always ends the text (msvcrt's leaves a truncated one open). */
void Fmt(char *out, size_t cap, const char *fmt, ...);
/* AddRow - a new row of the table, figure set and the rest empty (the last row is reused when full). */
Row *AddRow(Bench *b, const char *figure);
/* Note - one line in the notes after the table (left out when they are full). */
void Note(Bench *b, const char *fmt, ...);
/* Progress - one line on standard error, so that standard output is the table alone. */
void Progress(const char *fmt, ...);
/* Verdict - "met" or "MISSED". */
const char *Verdict(BOOL met);

/*
 * Spawn - starts exe with args in the bin folder. std: give it standard handles
 * (input NUL, output and errors to the log named log in b->tmp, or NUL), as a
 * script or Task Scheduler would; without, it gets none, as the controller's
 * listeners do. *t0 (if not NULL) is the time just before CreateProcessW.
 * The thread handle is closed; pi->hProcess is the caller's.
 */
BOOL Spawn(Bench *b, const wchar_t *exe, const wchar_t *args, DWORD flags, BOOL std, const wchar_t *log,
           PROCESS_INFORMATION *pi, double *t0);
/* CloseProcess - closes pi->hProcess (if any) and clears it. */
void CloseProcess(PROCESS_INFORMATION *pi);
/* KillAndWait - terminates a process the bench started (or one its controllers started) and waits for it. */
void KillAndWait(HANDLE h);

/* A publication awaited: offset 0 of a mapping holds a pid > 0 other than old (and equal to want when set). */
typedef struct Pub {
    const wchar_t *name; /* opened when map has no view yet (the controller creates it) */
    IpcMapping *map;
    LONG old;
    LONG want;
    double t;            /* when it was seen; 0 while not */
    uint64_t tick_kill;  /* PairsKillAtOnce: the journal's clock (IpcPreciseTickNowU64) just before the kill */
    LONG pid;
} Pub;

/* WaitPublished - polls every 1 ms until all n are published or timeout_ms passes; returns how many were. */
int WaitPublished(Pub *p, int n, double timeout_ms);
/* WaitPublishedSpin - the same, reading in a loop that only yields (SwitchToThread) for the first spin_ms. */
int WaitPublishedSpin(Pub *p, int n, double timeout_ms, double spin_ms);

/* A controller and its listener. */
typedef struct Pair {
    wchar_t name[64];
    PROCESS_INFORMATION ctl;
    IpcMapping map;
    LONG pid;        /* the listener last seen published */
    double t_pub;    /* when */
} Pair;

/* NewName - a fresh instance name, ipcbench<pid>-<what><n>. */
void NewName(Bench *b, const wchar_t *what, wchar_t *out, size_t cap);
/* PairStart - starts ConsoleAppController NAME --console MODE [-- --work-ms N], hidden, output to its log. */
BOOL PairStart(Bench *b, Pair *p, const wchar_t *what, const wchar_t *console, unsigned long work_ms);
/*
 * PairStartArgs - starts ConsoleAppController NAME options [-- listener_args]
 * (listener_args NULL or empty: none), hidden, output to its log.
 */
BOOL PairStartArgs(Bench *b, Pair *p, const wchar_t *what, const wchar_t *options, const wchar_t *listener_args);
/* PairsStart - n pairs started one after the other (PairStartArgs); returns how many started. */
int PairsStart(Bench *b, Pair *pairs, int n, const wchar_t *what, const wchar_t *options, const wchar_t *listener_args);
/* PairsPublished - waits for the pairs' first listeners; FALSE when one did not publish in time. */
BOOL PairsPublished(Pair *pairs, int n, double *t_last);
/* OpenListener - a handle to wait for, terminate and query a listener by pid (NULL when it cannot be opened). */
HANDLE OpenListener(LONG pid);
/* PairStopDirect - what ConsoleAppController --stop NAME writes: the request counted, -1 at offset 0, NAME.stop signalled. */
void PairStopDirect(Pair *p);
/*
 * PairFinish - stops the pair (if still running), waits for the controller, and
 * kills what is left. timeout_ms 0: no graceful stop (a listener in a long unit), kill both.
 */
void PairFinish(Pair *p, DWORD timeout_ms);

/* Under Wine: the host's CPU and the wineserver's, sampled around a burst of starts. */
typedef struct CpuMark {
    double busy;   /* host CPU busy, ms over all CPUs */
    double total;  /* host CPU time, ms over all CPUs */
    double server; /* wineserver on-CPU ms */
    double t;      /* BenchNowMs */
} CpuMark;

typedef struct CpuUse {
    double busy;
    double total;
    double server;
    double wall;
} CpuUse;

/*
 * PairsKillAtOnce - every pair's listener past the start-up window, then all
 * terminated one right after the other: pub[i] awaits pair i's next pid,
 * t_kill[i] is its kill, *m0 the CPU just before. spin_ms < 0: returns 0 and
 * the caller polls; else a thread polls during the kills (WaitPublishedSpin)
 * and the count published is returned. t_gone (or NULL): when each killed
 * process was seen gone.
 */
int PairsKillAtOnce(Bench *b, Pair *pairs, int n, Pub *pub, double *t_kill, double *t_gone, DWORD server, CpuMark *m0,
                    double spin_ms);
/* MarkCpu - under Wine, the host's CPU (/proc/stat) and the wineserver's (server: its Linux pid, or 0) now. */
void MarkCpu(Bench *b, DWORD server, CpuMark *m);
/* AddUse - adds what was used between a and z to u. */
void AddUse(CpuUse *u, const CpuMark *a, const CpuMark *z);
/* FormatUse - "host CPUs N% busy, wineserver N% of one CPU", or "n/a". */
void FormatUse(char *out, size_t cap, const CpuUse *u);

/* A listener the bench starts itself: the limit of a relaunch. */
typedef struct Bare {
    wchar_t name[64];
    IpcMapping map; /* created and held by the bench, as the controller holds its own */
    PROCESS_INFORMATION pi;
    double t0;
    uint64_t sys0; /* the system time at t0, to set against the listener's creation time */
} Bare;

/* BareInit - a fresh name and its mapping, created and held by the bench as a controller holds its own. */
BOOL BareInit(Bench *b, Bare *x, const wchar_t *what);
/* BareStart - CreateProcessW of the listener as the controller does it (same flags, folder, no handles inherited). */
BOOL BareStart(Bench *b, Bare *x, DWORD flags);
/* BareStop - kills the bare listener and waits for it. */
void BareStop(Bare *x);
/*
 * BarePublished - BareStart, then a wait of up to 20 s for its pid at offset 0;
 * *ms is the time from CreateProcessW. The listener runs on (BareStop ends
 * it); when it does not publish it is stopped and FALSE returned.
 */
BOOL BarePublished(Bench *b, Bare *x, DWORD flags, double *ms);

/* FormatMedP95 - "median / p95 ms (n=N)". */
void FormatMedP95(char *out, size_t cap, const Samples *s);
/* FormatBareStart - "median / p95 ms (n=N) bare start (FLAG)": the limit of a relaunch. */
void FormatBareStart(char *out, size_t cap, const Samples *s, DWORD flags);
/* TurnByTurnRatio - the median of a->v[k] / b->v[k] over the turns both have (-1 when none). */
double TurnByTurnRatio(const Samples *a, const Samples *b);
/* NoteSamples - every sample of s in one line of the notes. */
void NoteSamples(Bench *b, const char *what, const Samples *s);

/* A process whose figures are read before and after a window, against a reference process. */
typedef struct Watched {
    const char *label;
    HANDLE process;
    DWORD pid;
    DWORD linux_pid;
    ProcFigures before;
    ProcFigures after;
} Watched;

/* WatchedRead - the figures of w, the /proc way under Wine (unless --api), else the Windows way. */
void WatchedRead(Bench *b, Watched *w, ProcFigures *f);
/* Delta - after - before, or -1 when either could not be read. */
double Delta(double after, double before);
/* MemoryRow - a memory row: x against the reference process ref (its label names it), within 1 MiB. */
void MemoryRow(Bench *b, const char *figure, const Watched *x, const Watched *ref, const char *method);
/*
 * IdleRows - "N. idle CPU of the LABEL in W s" and "N. wake-ups of the LABEL",
 * x against the sleeping child s over window ms; cpu_note NULL: judged, else
 * info with cpu_note and wake_note as the targets.
 */
void IdleRows(Bench *b, int section, const Watched *x, const Watched *s, DWORD window, const char *cpu_note,
              const char *wake_note);

/* ---- the standby's sections (bench_standby.c) ---- */

/* FailoverSection - 6. a standby takes over from a killed listener, against bare starts in turn. */
void FailoverSection(Bench *b);
/* RestartGapSection - 7. the gap in the journal on ConsoleAppController --restart with a standby. */
void RestartGapSection(Bench *b);
/* StandbyScaleSection - 8. 1, 8, 32 and 64 pairs with standbys, all active listeners killed at once. */
void StandbyScaleSection(Bench *b);
/* StandbyCostSection - 9. the standby's memory, idle CPU and wake-ups against the sleeping child. */
void StandbyCostSection(Bench *b);

#endif
