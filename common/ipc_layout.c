/*
 * ipc_layout.c - classification of the shared mapping's bytes.
 *
 * Reads every field byte by byte in little-endian order, so the result does
 * not depend on the host (this file is also fuzzed natively on Linux) and no
 * input can make it read out of bounds.
 */
#include "ipc_layout.h"

#include <stdbool.h>
#include <string.h>

/* The header must be exactly the documented 128 bytes at the documented offsets. */
_Static_assert(sizeof(IpcHeader) == IPC_MAPPING_SIZE, "header size");
_Static_assert(offsetof(IpcHeader, magic) == 4, "magic offset");
_Static_assert(offsetof(IpcHeader, state) == 12, "state offset");
_Static_assert(offsetof(IpcHeader, listener_created) == 24, "listener_created offset");
_Static_assert(offsetof(IpcHeader, stop_requests) == 40, "stop_requests offset");
_Static_assert(offsetof(IpcHeader, units) == 48, "units offset");
_Static_assert(offsetof(IpcHeader, restarts) == 64, "restarts offset");
_Static_assert(offsetof(IpcHeader, last_progress_tick) == 72, "last_progress_tick offset");
_Static_assert(offsetof(IpcHeader, next_relaunch) == 80, "next_relaunch offset");
_Static_assert(offsetof(IpcHeader, standby_pid) == 88, "standby_pid offset");
_Static_assert(offsetof(IpcHeader, standby_created) == 96, "standby_created offset");
_Static_assert(offsetof(IpcHeader, restart_pid) == 104, "restart_pid offset");
_Static_assert(offsetof(IpcHeader, failovers) == 108, "failovers offset");
_Static_assert(offsetof(IpcHeader, reserved) == 112, "reserved offset");

static uint16_t Read16(const unsigned char *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t Read32(const unsigned char *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint64_t Read64(const unsigned char *p)
{
    return (uint64_t)Read32(p) | ((uint64_t)Read32(p + 4) << 32);
}

/* A process id as the kernel hands them out: positive as an int32 (the wire field is signed). */
static bool PidInRange(uint32_t pid)
{
    return pid != 0 && pid <= 0x7FFFFFFFu;
}

static bool AllZero(const unsigned char *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (p[i] != 0) {
            return false;
        }
    }
    return true;
}

/* The states a listener writes; every other value is refused, so each accepted state has a name. */
static bool StateIsKnown(uint32_t state)
{
    switch (state) {
    case IPC_STATE_NONE:
    case IPC_STATE_RUNNING:
    case IPC_STATE_WORKING:
    case IPC_STATE_STOPPING:
    case IPC_STATE_STOPPED:
    case IPC_STATE_WAITING_FOR_ENTER:
        return true;
    default:
        return false;
    }
}

IpcLayoutKind IpcLayoutClassify(const unsigned char *bytes, size_t len, IpcHeader *out, const wchar_t **why)
{
    IpcHeader h;
    IpcLayoutKind kind = IPC_LAYOUT_INVALID;
    const wchar_t *reason = L"";
    uint32_t raw_message;

    if (bytes == NULL || len < IPC_MAPPING_SIZE) {
        reason = L"the mapping is smaller than a header";
        goto cleanup;
    }
    memset(&h, 0, sizeof(h));
    raw_message = Read32(bytes);
    h.message = (int32_t)raw_message;
    if (h.message != IPC_CLOSE_MESSAGE && h.message < 0) {
        reason = L"offset 0 holds a negative number that is neither a process id nor the close message";
        goto cleanup;
    }

    if (AllZero(bytes + 4, IPC_MAPPING_SIZE - 4)) {
        /* Nothing after offset 0: the C# sample's format, or ours before anyone published. */
        kind = h.message == 0 ? IPC_LAYOUT_EMPTY : IPC_LAYOUT_SAMPLE;
        *out = h;
        goto cleanup;
    }

    h.magic = Read32(bytes + 4);
    h.version = Read16(bytes + 8);
    h.size = Read16(bytes + 10);
    h.state = Read32(bytes + 12);
    h.listener_pid = Read32(bytes + 16);
    h.controller_pid = Read32(bytes + 20);
    h.listener_created = Read64(bytes + 24);
    h.controller_created = Read64(bytes + 32);
    h.stop_requests = Read32(bytes + 40);
    h.stop_acked = Read32(bytes + 44);
    h.units = Read64(bytes + 48);
    h.last_progress = Read64(bytes + 56);
    h.restarts = Read32(bytes + 64);
    h.last_exit_code = Read32(bytes + 68);
    /* Once reserved: a header written before this field holds 0 there, "no unit yet", and stays valid. */
    h.last_progress_tick = Read64(bytes + 72);
    /* Also once reserved: 0, "no relaunch pending", in an older header. */
    h.next_relaunch = Read64(bytes + 80);
    /* The standby and restart fields were reserved too: zero, "none", in an older header. */
    h.standby_pid = Read32(bytes + 88);
    h.standby_state = Read32(bytes + 92);
    h.standby_created = Read64(bytes + 96);
    h.restart_pid = Read32(bytes + 104);
    h.failovers = Read32(bytes + 108);

    if (h.magic != IPC_LAYOUT_MAGIC) {
        reason = L"the bytes after offset 0 are not a listener header (wrong magic number)";
        goto cleanup;
    }
    if (h.version != IPC_LAYOUT_VERSION) {
        reason = L"the header has an unsupported version";
        goto cleanup;
    }
    if (h.size != IPC_MAPPING_SIZE) {
        reason = L"the header has the wrong size";
        goto cleanup;
    }
    if (!StateIsKnown(h.state)) {
        reason = L"the header's state field is out of range";
        goto cleanup;
    }
    if (h.listener_pid != 0 && !PidInRange(h.listener_pid)) {
        reason = L"the header's listener pid is out of range";
        goto cleanup;
    }
    if (h.controller_pid != 0 && !PidInRange(h.controller_pid)) {
        reason = L"the header's controller pid is out of range";
        goto cleanup;
    }
    if (h.standby_pid != 0 && !PidInRange(h.standby_pid)) {
        reason = L"the header's standby pid is out of range";
        goto cleanup;
    }
    if (h.standby_state > IPC_STANDBY_MAX) {
        reason = L"the header's standby state is out of range";
        goto cleanup;
    }
    if (h.restart_pid != 0 && !PidInRange(h.restart_pid)) {
        reason = L"the header's restart pid is out of range";
        goto cleanup;
    }
    /*
     * No check ties a pid to its creation time: they are two writes, and a reader
     * may see one without the other. Each pid is verified against its process anyway.
     */
    if (!AllZero(bytes + 112, IPC_MAPPING_SIZE - 112)) {
        reason = L"the header's reserved bytes are not zero";
        goto cleanup;
    }
    kind = IPC_LAYOUT_OURS;
    *out = h;

cleanup:
    if (why != NULL) {
        *why = reason;
    }
    return kind;
}

const wchar_t *IpcLayoutStateName(uint32_t state)
{
    switch (state) {
    case IPC_STATE_NONE:
        return L"none";
    case IPC_STATE_RUNNING:
        return L"running";
    case IPC_STATE_WORKING:
        return L"working";
    case IPC_STATE_STOPPING:
        return L"stopping";
    case IPC_STATE_STOPPED:
        return L"stopped";
    case IPC_STATE_WAITING_FOR_ENTER:
        return L"waiting for Enter";
    default:
        return L"unknown";
    }
}

const wchar_t *IpcLayoutStandbyStateName(uint32_t state)
{
    switch (state) {
    case IPC_STANDBY_NONE:
        return L"none";
    case IPC_STANDBY_STARTING:
        return L"starting";
    case IPC_STANDBY_WAITING:
        return L"waiting";
    default:
        return L"unknown";
    }
}
