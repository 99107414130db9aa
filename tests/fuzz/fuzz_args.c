/*
 * fuzz_args.c - both programs' command-line parsers and the instance-name check
 * on arbitrary argument vectors: no crash, no read past a string, and whatever
 * they accept is within the documented limits.
 */
#include <stdio.h>
#include <string.h>

#include "../../common/ipc_args.h"
#include "../../common/ipc_options.h"
#include "fuzz_util.h"

static void CheckName(const wchar_t *name)
{
    wchar_t why[IPC_ERROR_TEXT_MAX];
    wchar_t derived[260];
    size_t i;
    size_t len = wcslen(name);

    why[0] = L'\0';
    if (IpcCheckName(name, why, IPC_ERROR_TEXT_MAX)) {
        FUZZ_CHECK(len >= 1 && len <= IPC_NAME_MAX);
        for (i = 0; i < len; i++) {
            FUZZ_CHECK(name[i] >= 0x20 && !(name[i] >= 0x7F && name[i] <= 0x9F));
            /* No instance name can meet another's companion names. */
            FUZZ_CHECK(name[i] != IPC_NAME_SEPARATOR);
        }
        /* Every companion object's name fits in MAX_PATH. */
        FUZZ_CHECK(IpcDerivedName(name, IPC_SUFFIX_CONTROLLER_MUTEX, derived, 260));
        FUZZ_CHECK(IpcDerivedName(name, L"12345678901234567890", derived, 260));
    } else {
        FUZZ_CHECK(why[0] != L'\0');
        FUZZ_CHECK(wcslen(why) < IPC_ERROR_TEXT_MAX);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wchar_t *storage = NULL;
    wchar_t *words[FUZZ_MAX_ARGS];
    wchar_t *argv[FUZZ_MAX_ARGS + 1];
    wchar_t err[64]; /* small on purpose: messages must be truncated safely */
    int n = FuzzSplitWide(data, size, &storage, words);
    int i;
    IpcListenerOptions lo;
    IpcControllerOptions co;
    unsigned long ms = 12345;

    argv[0] = L"prog";
    for (i = 0; i < n; i++) {
        argv[i + 1] = words[i];
        CheckName(words[i]);
    }
    if (n > 0) {
        if (IpcParseUnsigned(words[0], 0, IPC_MAX_MS, &ms)) {
            FUZZ_CHECK(ms <= IPC_MAX_MS);
            FUZZ_CHECK(words[0][0] >= L'0' && words[0][0] <= L'9');
        } else {
            FUZZ_CHECK(ms == 12345);
        }
    }
    err[0] = L'\0';
    switch (IpcParseListenerArgs(n + 1, argv, &lo, err, ARRAYSIZE(err))) {
    case IPC_PARSE_OK:
        FUZZ_CHECK(lo.work_ms <= IPC_MAX_MS);
        FUZZ_CHECK(lo.log != NULL || lo.log_max_bytes == IPC_DEFAULT_LOG_MAX_BYTES);
        FUZZ_CHECK(lo.run == NULL || lo.run[0] != L'\0');
        if (lo.name != NULL) {
            FUZZ_CHECK(IpcCheckName(lo.name, NULL, 0));
        }
        break;
    case IPC_PARSE_ERROR:
        FUZZ_CHECK(err[0] != L'\0' && wcslen(err) < ARRAYSIZE(err));
        break;
    default:
        break;
    }
    err[0] = L'\0';
    switch (IpcParseControllerArgs(n + 1, argv, &co, err, ARRAYSIZE(err))) {
    case IPC_PARSE_OK:
        FUZZ_CHECK(co.name != NULL && IpcCheckName(co.name, NULL, 0));
        FUZZ_CHECK(co.timeout_ms <= IPC_MAX_MS && co.hang_timeout_ms <= IPC_MAX_MS);
        FUZZ_CHECK(co.restart_delay_ms >= 1 && co.restart_delay_ms <= co.restart_delay_max_ms);
        FUZZ_CHECK(co.listener_argc >= 0 && co.listener_argc <= n);
        FUZZ_CHECK(co.mode >= IPC_MODE_SUPERVISE && co.mode <= IPC_MODE_RESTART);
        if (co.mode == IPC_MODE_STOP || co.mode == IPC_MODE_STATUS || co.mode == IPC_MODE_RESTART) {
            FUZZ_CHECK(co.listener_argc == 0 && co.listener_path == NULL && co.log == NULL && !co.standby);
        }
        if (co.mode != IPC_MODE_STOP) {
            FUZZ_CHECK(!co.force);
        }
        if (co.mode != IPC_MODE_STOP && co.mode != IPC_MODE_RESTART) {
            FUZZ_CHECK(co.timeout_ms == IPC_DEFAULT_STOP_TIMEOUT_MS);
        }
        if (co.mode != IPC_MODE_INSTALL) {
            FUZZ_CHECK(!co.dry_run && !co.at_startup);
        }
        /* The restart policy: codes within the table, --start-limit's companions only with it. */
        FUZZ_CHECK(co.no_restart_count <= IPC_MAX_NO_RESTART_CODES);
        FUZZ_CHECK(co.start_limit <= IPC_MAX_START_LIMIT);
        if (co.start_limit == 0) {
            FUZZ_CHECK(co.on_failure == NULL && co.start_limit_interval_ms == IPC_DEFAULT_START_LIMIT_INTERVAL_MS);
        }
        FUZZ_CHECK(co.on_failure == NULL || co.on_failure[0] != L'\0');
        if (co.mode == IPC_MODE_STOP || co.mode == IPC_MODE_STATUS || co.mode == IPC_MODE_RESTART) {
            FUZZ_CHECK(co.no_restart_count == 0 && co.start_limit == 0);
        }
        /* --log-max-bytes only with --log. */
        FUZZ_CHECK(co.log != NULL || co.log_max_bytes == IPC_DEFAULT_LOG_MAX_BYTES);
        break;
    case IPC_PARSE_ERROR:
        FUZZ_CHECK(err[0] != L'\0' && wcslen(err) < ARRAYSIZE(err));
        break;
    default:
        break;
    }
    free(storage);
    return 0;
}
