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

#endif
