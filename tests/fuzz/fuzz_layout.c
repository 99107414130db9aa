/*
 * fuzz_layout.c - IpcLayoutClassify on arbitrary mapping contents: it must never
 * read out of bounds, and whatever it accepts as ours must pass every check the
 * programs rely on before they act on a field.
 */
#include <stdio.h>
#include <string.h>

#include "../../common/ipc_layout.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    IpcHeader h;
    const wchar_t *why = NULL;
    unsigned char *copy;
    IpcLayoutKind kind;
    IpcLayoutKind again;

    /* An exact-size heap copy, so AddressSanitizer sees any read past the end. */
    copy = (unsigned char *)malloc(size ? size : 1);
    FUZZ_CHECK(copy != NULL);
    memcpy(copy, data, size);
    memset(&h, 0x5A, sizeof(h));
    kind = IpcLayoutClassify(copy, size, &h, &why);
    FUZZ_CHECK(why != NULL);
    FUZZ_CHECK(kind >= IPC_LAYOUT_EMPTY && kind <= IPC_LAYOUT_INVALID);
    if (size < IPC_MAPPING_SIZE) {
        FUZZ_CHECK(kind == IPC_LAYOUT_INVALID);
    }
    if (kind == IPC_LAYOUT_INVALID) {
        FUZZ_CHECK(why[0] != 0);
    } else {
        FUZZ_CHECK(why[0] == 0);
        FUZZ_CHECK(h.message == -1 || h.message >= 0);
    }
    if (kind == IPC_LAYOUT_EMPTY) {
        FUZZ_CHECK(h.message == 0);
    }
    if (kind == IPC_LAYOUT_SAMPLE) {
        FUZZ_CHECK(h.message != 0);
        FUZZ_CHECK(h.magic == 0 && h.listener_pid == 0);
    }
    if (kind == IPC_LAYOUT_OURS) {
        FUZZ_CHECK(h.magic == IPC_LAYOUT_MAGIC);
        FUZZ_CHECK(h.version == IPC_LAYOUT_VERSION);
        FUZZ_CHECK(h.size == IPC_MAPPING_SIZE);
        FUZZ_CHECK(h.state <= IPC_STATE_MAX);
        FUZZ_CHECK(h.listener_pid <= 0x7FFFFFFFu);
        FUZZ_CHECK(h.controller_pid <= 0x7FFFFFFFu);
        FUZZ_CHECK(wcscmp(IpcLayoutStateName(h.state), L"unknown") != 0);
        /* The decoded header is the bytes, field by field (little-endian). */
        FUZZ_CHECK(copy[4] == 'I' && copy[5] == 'P' && copy[6] == 'C' && copy[7] == 'L');
        FUZZ_CHECK(h.last_progress_tick == ((uint64_t)copy[72] | ((uint64_t)copy[73] << 8) |
                                            ((uint64_t)copy[74] << 16) | ((uint64_t)copy[75] << 24) |
                                            ((uint64_t)copy[76] << 32) | ((uint64_t)copy[77] << 40) |
                                            ((uint64_t)copy[78] << 48) | ((uint64_t)copy[79] << 56)));
    }
    /* Deterministic: the same bytes give the same answer. */
    again = IpcLayoutClassify(copy, size, &h, NULL);
    FUZZ_CHECK(again == kind);
    free(copy);
    return 0;
}
