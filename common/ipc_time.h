/*
 * ipc_time.h - clock readings as 64-bit FILETIME counts, and their local text.
 */
#ifndef IPC_TIME_H
#define IPC_TIME_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <stddef.h>
#include <stdint.h>

/* IpcFileTimeToU64 / IpcNowU64 - FILETIME as a 64-bit count of 100 ns units (UTC). */
uint64_t IpcFileTimeToU64(FILETIME ft);
uint64_t IpcNowU64(void);

/*
 * IpcTickNowU64 - the unbiased interrupt time: 100 ns units since the system
 * started, without the time spent asleep or hibernating, and never set by a
 * user or the time service; the same count in every process of the machine.
 * The intervals of seconds between two processes (the hang timeout, "the last
 * unit ended N s ago") are measured on it; wall-clock time (IpcNowU64) is only
 * shown. It advances only at each system clock tick: shorter intervals are
 * timed on IpcPreciseTickNowU64.
 */
uint64_t IpcTickNowU64(void);

/*
 * IpcPreciseTickNowU64 - the performance counter (QueryPerformanceCounter) in
 * 100 ns units: the same count in every process of the machine, precise to
 * well under a microsecond. For the intervals of a handover between two
 * listeners (the journal's tick=), which last a millisecond or less: the
 * unbiased interrupt time only advances at each system clock tick, 0.5 to
 * 15.625 ms apart, so it cannot time them. Should the performance counter
 * fail (Microsoft documents that it never does on Windows XP and later), the
 * unbiased interrupt time is returned, in the same units.
 */
uint64_t IpcPreciseTickNowU64(void);

/*
 * IpcFormatTime - a FILETIME (UTC) as local ISO 8601 with the UTC offset,
 * e.g. 2026-11-24T03:15:24.595+01:00, into buf (at least 32 characters).
 * Writes "?" when the time cannot be converted.
 */
void IpcFormatTime(uint64_t utc, wchar_t *buf, size_t cap);

#endif
