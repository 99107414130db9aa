/*
 * ipc_time.c - clock readings and their local ISO 8601 text.
 */
#include "ipc_time.h"

#include "ipc_text.h"

uint64_t IpcFileTimeToU64(FILETIME ft)
{
    return ((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
}

uint64_t IpcNowU64(void)
{
    FILETIME ft;
    GetSystemTimeAsFileTime(&ft);
    return IpcFileTimeToU64(ft);
}

/*
 * QueryUnbiasedInterruptTime (Windows 7 and later) "does not include time the
 * system spends in sleep or hibernation" and "is not subject to adjustments by
 * users or the Windows time service"; it counts from zero at boot
 * (learn.microsoft.com, "QueryUnbiasedInterruptTime function" and "Interrupt
 * Time"). GetSystemTimeAsFileTime jumps when the clock is set and runs on
 * through sleep: a timeout measured on it fires at every resume and a clock
 * set back hides a hang. The call fails only for a NULL pointer.
 *
 * The Windows SDK and MinGW declare it through <windows.h> (realtimeapiset.h);
 * Wine's headers, which the build's clang-cl check compiles against, do not.
 * This declaration is the SDK's own, and C accepts a matching one twice.
 */
WINBASEAPI BOOL WINAPI QueryUnbiasedInterruptTime(PULONGLONG UnbiasedTime);

uint64_t IpcTickNowU64(void)
{
    ULONGLONG tick = 0;
    QueryUnbiasedInterruptTime(&tick);
    return (uint64_t)tick;
}

/*
 * QueryPerformanceCounter is "the best method to use to time-stamp events and
 * measure small time intervals that occur on the same system or virtual
 * machine", across processes and processors (learn.microsoft.com/windows/win32/
 * sysinfo/acquiring-high-resolution-time-stamps); QueryUnbiasedInterruptTime
 * "is accurate within a system clock tick", 0.5 to 15.625 ms (its page, and
 * QueryUnbiasedInterruptTimePrecise's, which needs Windows 10). Under Wine the
 * interrupt time is the wineserver's last look at the clock, stale by as long
 * as nothing called it. Both calls succeed on every Windows since XP; the
 * count is split so that multiplying by 10^7 cannot overflow.
 */
uint64_t IpcPreciseTickNowU64(void)
{
    LARGE_INTEGER frequency;
    LARGE_INTEGER counter;
    uint64_t f;
    uint64_t c;

    if (!QueryPerformanceFrequency(&frequency) || frequency.QuadPart <= 0 || !QueryPerformanceCounter(&counter)) {
        return IpcTickNowU64();
    }
    f = (uint64_t)frequency.QuadPart;
    c = (uint64_t)counter.QuadPart;
    return c / f * 10000000u + c % f * 10000000u / f;
}

void IpcFormatTime(uint64_t utc, wchar_t *buf, size_t cap)
{
    FILETIME ft_utc;
    FILETIME ft_local;
    SYSTEMTIME st_utc;
    SYSTEMTIME st_local;
    LONGLONG offset_min;

    ft_utc.dwLowDateTime = (DWORD)utc;
    ft_utc.dwHighDateTime = (DWORD)(utc >> 32);
    /* SystemTimeToTzSpecificLocalTime applies the daylight rule of that date, not of today. */
    if (!FileTimeToSystemTime(&ft_utc, &st_utc) || !SystemTimeToTzSpecificLocalTime(NULL, &st_utc, &st_local) ||
        !SystemTimeToFileTime(&st_local, &ft_local)) {
        IpcFormat(buf, cap, L"?");
        return;
    }
    offset_min = ((LONGLONG)IpcFileTimeToU64(ft_local) - (LONGLONG)utc) / (10000000LL * 60);
    IpcFormat(buf, cap, L"%04u-%02u-%02uT%02u:%02u:%02u.%03u%lc%02d:%02d", st_local.wYear, st_local.wMonth,
              st_local.wDay, st_local.wHour, st_local.wMinute, st_local.wSecond, st_local.wMilliseconds,
              offset_min < 0 ? L'-' : L'+', (int)((offset_min < 0 ? -offset_min : offset_min) / 60),
              (int)((offset_min < 0 ? -offset_min : offset_min) % 60));
}
