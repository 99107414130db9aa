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
