/*
 * ipc_version.h - the version, in one place, for the programs' --version and
 * their version resources. Plain macros only: resource compilers read it too.
 */
#ifndef IPC_VERSION_H
#define IPC_VERSION_H

#define IPC_VERSION_MAJOR 1
#define IPC_VERSION_MINOR 1
#define IPC_VERSION_PATCH 0
#define IPC_VERSION_STRING "1.1.0"
#define IPC_VERSION_WIDE L"1.1.0"

#endif
