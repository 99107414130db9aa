/*
 * fuzz_util.h - shared by the native (Linux) fuzz targets: turns fuzzer bytes
 * into the UTF-16 strings the Windows programs would see. Built with clang
 * -fsanitize=fuzzer,address,undefined; never part of a Windows project.
 */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <wchar.h>

#define FUZZ_MAX_ARGS 12

/* Aborts with a message: libFuzzer records the input as a crash. */
#define FUZZ_CHECK(cond)                                                                                   \
    do {                                                                                                   \
        if (!(cond)) {                                                                                     \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                        \
            abort();                                                                                       \
        }                                                                                                  \
    } while (0)

/*
 * Splits data into up to FUZZ_MAX_ARGS strings of 16-bit units (little-endian
 * pairs, as UTF-16 on Windows), a zero unit ending each. Returns how many; the
 * strings live in *storage, which the caller frees.
 */
static inline int FuzzSplitWide(const uint8_t *data, size_t size, wchar_t **storage, wchar_t **args)
{
    size_t units = size / 2;
    size_t i;
    int count = 0;
    wchar_t *buf = (wchar_t *)calloc(units + 1, sizeof(wchar_t));

    *storage = buf;
    if (buf == NULL) {
        return 0;
    }
    for (i = 0; i < units; i++) {
        buf[i] = (wchar_t)(data[2 * i] | (data[2 * i + 1] << 8));
    }
    buf[units] = 0;
    args[count++] = buf;
    for (i = 0; i < units && count < FUZZ_MAX_ARGS; i++) {
        if (buf[i] == 0) {
            args[count++] = buf + i + 1;
        }
    }
    return count;
}

#endif
