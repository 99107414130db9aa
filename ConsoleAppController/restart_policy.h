/*
 * restart_policy.h - what the controller does instead of relaunching:
 * --no-restart-exit-codes and --start-limit (with --start-limit-interval and
 * --on-failure), systemd's RestartPreventExitStatus and StartLimitBurst.
 */
#ifndef RESTART_POLICY_H
#define RESTART_POLICY_H

#include "controller.h"

/* The environment variables an --on-failure command finds. */
#define IPC_ENV_FAILURE_NAME L"IPC_FAILURE_NAME"           /* the instance name */
#define IPC_ENV_FAILURE_EXIT_CODE L"IPC_FAILURE_EXIT_CODE" /* the last listener's exit code, in decimal */
#define IPC_ENV_FAILURE_RESTARTS L"IPC_FAILURE_RESTARTS"   /* the relaunches done by this controller */

/*
 * RestartPolicyAllows - called for every listener exit that would otherwise be
 * relaunched (pid, exit_code, ran_ms describe it). Returns TRUE when the
 * relaunch may go ahead; FALSE with *exit_rc set to the controller's exit code
 * (IPC_EXIT_NO_RESTART or IPC_EXIT_START_LIMIT) after it printed and logged
 * why, and, at the start limit, ran --on-failure.
 */
BOOL RestartPolicyAllows(Controller *c, DWORD pid, DWORD exit_code, DWORD ran_ms, int *exit_rc);

#endif
