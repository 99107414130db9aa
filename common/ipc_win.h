/*
 * ipc_win.h - every header of common/ at once, for code written before they
 * were split. New code includes the headers it uses instead; this one goes
 * once no file includes it any more.
 */
#ifndef IPC_WIN_H
#define IPC_WIN_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include "ipc_args.h"
#include "ipc_console.h"
#include "ipc_env.h"
#include "ipc_error.h"
#include "ipc_exit.h"
#include "ipc_handle.h"
#include "ipc_layout.h"
#include "ipc_log.h"
#include "ipc_mapping.h"
#include "ipc_name.h"
#include "ipc_named.h"
#include "ipc_path.h"
#include "ipc_process.h"
#include "ipc_security.h"
#include "ipc_text.h"
#include "ipc_time.h"
#include "ipc_version.h"

#endif
