/*
 * test_list.h - the one registry of the tests of ipc_tests.exe, after libuv's
 * test/test-list.h: every test is declared here, grouped by the file that
 * holds it, and listed once in the table below with its timeout. A test is
 * defined in its file with TEST_IMPL(name); the runner (harness/runner.c) is
 * the only includer of this header.
 */
#ifndef TEST_LIST_H
#define TEST_LIST_H

#include "harness/harness.h"

#define TEST_DECLARE(name) void test_##name(void);
#define TEST_WIDEN_(text) L##text
#define TEST_WIDEN(text) TEST_WIDEN_(text)
#define TEST_ENTRY(name, timeout_ms) { TEST_WIDEN(#name), test_##name, timeout_ms },

/* test_listener.c: the listener on its own: what it publishes, its loop, its graceful stop */
TEST_DECLARE(listener_publishes_pid_and_header)
TEST_DECLARE(listener_finishes_unit)
TEST_DECLARE(listener_default_work_ms)

/* test_usage.c: bad command lines and names: exit 2, a message, nothing started */
TEST_DECLARE(listener_no_name)
TEST_DECLARE(listener_bad_arguments)
TEST_DECLARE(controller_bad_arguments)
TEST_DECLARE(security_bad_names)
TEST_DECLARE(security_usage_errors)
TEST_DECLARE(security_usage_error_long_option)
TEST_DECLARE(unattended_usage_errors)
TEST_DECLARE(usage_one_rule_for_options)
TEST_DECLARE(usage_status_and_stop_default_name)

/* test_names.c: instance names that are accepted: the longest, Local\ and Global\, Unicode */
TEST_DECLARE(listener_name_limits)
TEST_DECLARE(security_name_239)
TEST_DECLARE(security_unicode_name)
TEST_DECLARE(unattended_global_and_local_names)
TEST_DECLARE(security_pasted_stop_command)
TEST_DECLARE(names_companion_lookalikes)

/* test_instance.c: one listener and one controller per name */
TEST_DECLARE(listener_second_instance)
TEST_DECLARE(controller_second_controller)
TEST_DECLARE(faults_one_controller_per_name)
TEST_DECLARE(faults_one_listener_per_name)
TEST_DECLARE(faults_simultaneous_start_adopts_winner)

/* test_launch.c: the controller launching its listener: the launch line, consoles, stdin */
TEST_DECLARE(controller_launches_listener)
TEST_DECLARE(controller_default_name)
TEST_DECLARE(controller_stdin_nul)
TEST_DECLARE(controller_stdin_closed_pipe)
TEST_DECLARE(controller_missing_listener)
TEST_DECLARE(controller_bad_listener_arguments)
TEST_DECLARE(controller_passes_listener_args)
TEST_DECLARE(controller_console_default)
TEST_DECLARE(controller_console_new)
TEST_DECLARE(controller_console_none)
TEST_DECLARE(controller_name_held_not_adoptable)
TEST_DECLARE(controller_listener_name_in_use)
TEST_DECLARE(controller_first_launch_retried)

/* test_handles.c: children inherit exactly their three standard handles */
TEST_DECLARE(launch_listener_inherits_only_std_handles)
TEST_DECLARE(launch_run_command_inherits_only_std_handles)

/* test_quoting.c: the listener's arguments quoted on the way through the controller */
TEST_DECLARE(security_listener_args_quoting)
TEST_DECLARE(security_long_launch_line)

/* test_adopt.c: adopting a running listener, and refusing what is not one */
TEST_DECLARE(controller_adopts_listener)
TEST_DECLARE(faults_not_adopting_dead_pid)
TEST_DECLARE(faults_not_adopting_foreign_pid)
TEST_DECLARE(faults_not_adopting_wrong_start_time)
TEST_DECLARE(faults_new_controller_waits_for_finishing_listener)
TEST_DECLARE(faults_stale_close_does_not_block_start)
TEST_DECLARE(faults_controller_killed_listener_lives)
TEST_DECLARE(faults_not_adopting_other_instance)
TEST_DECLARE(faults_not_trusting_forged_header)

/* test_stop.c: --stop: waiting, timeouts, --force, concurrent stops */
TEST_DECLARE(controller_stop_nothing_running)
TEST_DECLARE(controller_stop_waits_for_unit)
TEST_DECLARE(controller_stop_timeout)
TEST_DECLARE(faults_stop_mid_unit)
TEST_DECLARE(faults_concurrent_stops)
TEST_DECLARE(faults_stop_timeout_kills_nothing)
TEST_DECLARE(faults_stop_force)
TEST_DECLARE(faults_stop_while_controller_frozen_at_start)
TEST_DECLARE(faults_stop_right_after_controller_start)
TEST_DECLARE(faults_stop_event_held_signalled)

/* test_restart.c: relaunching: killed listeners, back-off, crash loops */
TEST_DECLARE(controller_relaunches_killed_listener)
TEST_DECLARE(controller_relaunches_after_quick_death)
TEST_DECLARE(faults_crash_loop_backoff_and_stop)
TEST_DECLARE(faults_healthy_run_resets_backoff)
TEST_DECLARE(faults_twenty_kills)

/* test_restart_command.c: --restart NAME: a new listener without back-off, its exit codes, the C# sample's format */
TEST_DECLARE(restart_command_supervised)
TEST_DECLARE(restart_command_new_listener_exe)
TEST_DECLARE(restart_command_timeout)
TEST_DECLARE(restart_command_nothing_running)
TEST_DECLARE(restart_command_not_supervised)
TEST_DECLARE(restart_command_sample_format)
TEST_DECLARE(restart_command_while_backing_off)
TEST_DECLARE(restart_command_usage_errors)
TEST_DECLARE(restart_command_standby_gapless)

/* test_policy.c: restart policy: --no-restart-exit-codes, --start-limit, --on-failure */
TEST_DECLARE(policy_no_restart_exit_code)
TEST_DECLARE(policy_unlisted_exit_code_relaunches)
TEST_DECLARE(policy_start_limit_runs_on_failure)
TEST_DECLARE(policy_usage_errors)
TEST_DECLARE(policy_install_carries_options)

/* test_hang.c: --hang-timeout: a listener that stops making progress */
TEST_DECLARE(faults_hang_detected)
TEST_DECLARE(faults_hang_not_triggered_by_progress)
TEST_DECLARE(faults_hang_spares_stopping_listener)
TEST_DECLARE(faults_hang_shorter_than_unit)
TEST_DECLARE(faults_hang_shorter_than_default_unit)
TEST_DECLARE(faults_hang_kill_access_denied)
TEST_DECLARE(faults_hang_clock_set_back)
TEST_DECLARE(faults_hang_clock_set_forward)
TEST_DECLARE(faults_hang_listener_without_tick)

/* test_journal.c: the listener's journal: no unit lost across kills */
TEST_DECLARE(faults_journal_no_unit_lost)

/* test_standby.c: the standby listener (IPC_STANDBY=1) without a controller */
TEST_DECLARE(standby_waits_while_active_works)
TEST_DECLARE(standby_takes_over_killed_active)
TEST_DECLARE(standby_stop_reaches_both)
TEST_DECLARE(standby_retired)
TEST_DECLARE(standby_takes_over_restart)
TEST_DECLARE(standby_second_refused)
TEST_DECLARE(standby_sample_mapping_refused)
TEST_DECLARE(standby_restart_pid_alone)
TEST_DECLARE(standby_stop_wins_over_restart)

/* test_status.c: --status in every state */
TEST_DECLARE(unattended_status_not_running_and_garbage)
TEST_DECLARE(unattended_status_supervised)
TEST_DECLARE(unattended_status_unit_and_stopping)
TEST_DECLARE(unattended_status_sample_format)
/* test_json.c: --status --json and --list */
TEST_DECLARE(unattended_json_status)
TEST_DECLARE(unattended_json_exit_code_names)
TEST_DECLARE(unattended_json_list)
TEST_DECLARE(unattended_json_next_relaunch)
TEST_DECLARE(unattended_json_logs)
TEST_DECLARE(unattended_json_logs_untrusted)
TEST_DECLARE(usage_json_and_list)

/* test_header.c: the header's 64-bit fields are read and written whole (also from the 32-bit build) */
TEST_DECLARE(header_64bit_fields_whole)

/* test_log.c: --log: lines, time stamps, the listener's log, rotation */
TEST_DECLARE(unattended_log_lines)
TEST_DECLARE(unattended_log_kill_and_adopt)
TEST_DECLARE(unattended_log_rotation)
TEST_DECLARE(unattended_log_cannot_open)
TEST_DECLARE(unattended_log_rotation_reader)
TEST_DECLARE(unattended_log_held)
TEST_DECLARE(unattended_log_device)
TEST_DECLARE(unattended_log_listener_reason)

/* test_run_command.c: --run: a command as the listener's work */
TEST_DECLARE(unattended_run_background_child_logged)
TEST_DECLARE(unattended_run_exit_codes)
TEST_DECLARE(unattended_run_stop_waits_for_command)
TEST_DECLARE(unattended_run_output_logged)
TEST_DECLARE(unattended_run_output_oem)
TEST_DECLARE(unattended_run_kill_takes_command)
TEST_DECLARE(unattended_run_failing_command_backs_off)
TEST_DECLARE(unattended_run_work_ms_paces)
TEST_DECLARE(unattended_run_cannot_start_is_no_unit)
TEST_DECLARE(unattended_run_stop_during_pause)

/* test_install.c: --install and --uninstall: the Task Scheduler task */
TEST_DECLARE(unattended_task_dry_run)
TEST_DECLARE(unattended_task_install)
TEST_DECLARE(unattended_task_xml_file)
TEST_DECLARE(unattended_task_install_twice)
TEST_DECLARE(unattended_task_action_again)
TEST_DECLARE(unattended_task_priority)
TEST_DECLARE(unattended_task_percent_refused)
TEST_DECLARE(unattended_task_startup_network_paths)

/* test_sample.c: the C# sample's programs and ours driving each other */
TEST_DECLARE(sample_locate_finds_listener)
TEST_DECLARE(sample_stop_stops_listener)
TEST_DECLARE(sample_stop_ends_controller)
TEST_DECLARE(sample_listener_adopted)
TEST_DECLARE(sample_listener_supervised)
TEST_DECLARE(sample_stale_mapping_close_message)
TEST_DECLARE(sample_pending_close_reaches_sample_listener)
TEST_DECLARE(sample_stale_mapping_dead_pid)
TEST_DECLARE(faults_sample_stop_while_listener_down)

/* test_security.c: private objects and squatted names */
TEST_DECLARE(security_private_objects)
TEST_DECLARE(security_squat_foreign_owner)
TEST_DECLARE(security_squat_other_type)
TEST_DECLARE(security_squat_random_bytes)
TEST_DECLARE(security_squat_bad_header)
TEST_DECLARE(security_squat_companions)
TEST_DECLARE(security_global_privilege_only_for_mappings)
TEST_DECLARE(security_sample_mapping_is_not_squatting)
TEST_DECLARE(security_squat_odd_sections)

/* test_garbage.c: garbage in the shared mapping */
TEST_DECLARE(security_garbage_live_listener)
TEST_DECLARE(security_garbage_supervised)
TEST_DECLARE(security_garbage_no_adoption)
TEST_DECLARE(faults_garbage_mapping_refused)

/* test_eventlog.c: the Event Log's message table, its options, its source registered by --install */
TEST_DECLARE(eventlog_message_table)
TEST_DECLARE(eventlog_options)
TEST_DECLARE(eventlog_install_registers_source)

/* test_version.c: --help, --version and the version resources */
TEST_DECLARE(unattended_help_and_version)
TEST_DECLARE(unattended_version_resources)

/* test_standby_supervise.c: --standby: the controller's standby listener, failover, stop, adoption, back-off */
TEST_DECLARE(standby_two_listeners_and_stop)
TEST_DECLARE(standby_failover_on_kills)
TEST_DECLARE(standby_refill_after_startup_window)
TEST_DECLARE(standby_sample_stop_ends_both)
TEST_DECLARE(standby_adopt_both)
TEST_DECLARE(standby_adopt_without_standby_retires)
TEST_DECLARE(standby_quick_deaths_back_off)
/* test_standby_init.c: a standby with a slow initialisation (stopped, retired while starting), its environment */
TEST_DECLARE(standby_stop_while_initialising)
TEST_DECLARE(standby_retired_while_initialising)
TEST_DECLARE(standby_env_not_inherited)
TEST_DECLARE(standby_slow_init_failures_back_off)
TEST_DECLARE(standby_unverified_alive_no_second)

/* test_library.c: the README's library example */
TEST_DECLARE(unattended_example_worker)
TEST_DECLARE(library_close_on_another_thread_said)

static const TestEntry kTests[] = {
    /* test_listener.c */
    TEST_ENTRY(listener_publishes_pid_and_header, 30000)
    TEST_ENTRY(listener_finishes_unit, 30000)
    TEST_ENTRY(listener_default_work_ms, 30000)
    /* test_usage.c */
    TEST_ENTRY(listener_no_name, 15000)
    TEST_ENTRY(listener_bad_arguments, 60000)
    TEST_ENTRY(controller_bad_arguments, 30000)
    TEST_ENTRY(security_bad_names, 60000)
    TEST_ENTRY(security_usage_errors, 40000)
    TEST_ENTRY(security_usage_error_long_option, 60000)
    TEST_ENTRY(unattended_usage_errors, 30000)
    TEST_ENTRY(usage_one_rule_for_options, 120000)
    TEST_ENTRY(usage_status_and_stop_default_name, 45000)
    /* test_names.c */
    TEST_ENTRY(listener_name_limits, 30000)
    TEST_ENTRY(security_name_239, 30000)
    TEST_ENTRY(security_unicode_name, 30000)
    TEST_ENTRY(unattended_global_and_local_names, 45000)
    TEST_ENTRY(security_pasted_stop_command, 45000)
    TEST_ENTRY(names_companion_lookalikes, 60000)
    /* test_instance.c */
    TEST_ENTRY(listener_second_instance, 30000)
    TEST_ENTRY(controller_second_controller, 40000)
    TEST_ENTRY(faults_one_controller_per_name, 45000)
    TEST_ENTRY(faults_one_listener_per_name, 30000)
    TEST_ENTRY(faults_simultaneous_start_adopts_winner, 150000)
    /* test_launch.c */
    TEST_ENTRY(controller_launches_listener, 40000)
    TEST_ENTRY(controller_default_name, 40000)
    TEST_ENTRY(controller_stdin_nul, 40000)
    TEST_ENTRY(controller_stdin_closed_pipe, 40000)
    TEST_ENTRY(controller_missing_listener, 30000)
    TEST_ENTRY(controller_bad_listener_arguments, 30000)
    TEST_ENTRY(controller_passes_listener_args, 40000)
    TEST_ENTRY(controller_console_default, 40000)
    TEST_ENTRY(controller_console_new, 40000)
    TEST_ENTRY(controller_console_none, 40000)
    TEST_ENTRY(controller_name_held_not_adoptable, 30000)
    TEST_ENTRY(controller_listener_name_in_use, 30000)
    TEST_ENTRY(controller_first_launch_retried, 40000)
    /* test_handles.c */
    TEST_ENTRY(launch_listener_inherits_only_std_handles, 60000)
    TEST_ENTRY(launch_run_command_inherits_only_std_handles, 40000)
    /* test_quoting.c */
    TEST_ENTRY(security_listener_args_quoting, 30000)
    TEST_ENTRY(security_long_launch_line, 30000)
    /* test_adopt.c */
    TEST_ENTRY(controller_adopts_listener, 40000)
    TEST_ENTRY(faults_not_adopting_dead_pid, 30000)
    TEST_ENTRY(faults_not_adopting_foreign_pid, 30000)
    TEST_ENTRY(faults_not_adopting_wrong_start_time, 30000)
    TEST_ENTRY(faults_new_controller_waits_for_finishing_listener, 45000)
    TEST_ENTRY(faults_stale_close_does_not_block_start, 60000)
    TEST_ENTRY(faults_controller_killed_listener_lives, 45000)
    TEST_ENTRY(faults_not_adopting_other_instance, 90000)
    TEST_ENTRY(faults_not_trusting_forged_header, 60000)
    /* test_header.c */
    TEST_ENTRY(header_64bit_fields_whole, 20000)
    /* test_stop.c */
    TEST_ENTRY(controller_stop_nothing_running, 20000)
    TEST_ENTRY(controller_stop_waits_for_unit, 30000)
    TEST_ENTRY(controller_stop_timeout, 30000)
    TEST_ENTRY(faults_stop_mid_unit, 40000)
    TEST_ENTRY(faults_concurrent_stops, 40000)
    TEST_ENTRY(faults_stop_timeout_kills_nothing, 40000)
    TEST_ENTRY(faults_stop_force, 40000)
    TEST_ENTRY(faults_stop_while_controller_frozen_at_start, 60000)
    TEST_ENTRY(faults_stop_right_after_controller_start, 60000)
    TEST_ENTRY(faults_stop_event_held_signalled, 45000)
    /* test_restart.c */
    TEST_ENTRY(controller_relaunches_killed_listener, 40000)
    TEST_ENTRY(controller_relaunches_after_quick_death, 45000)
    TEST_ENTRY(faults_crash_loop_backoff_and_stop, 45000)
    TEST_ENTRY(faults_healthy_run_resets_backoff, 45000)
    TEST_ENTRY(faults_twenty_kills, 90000)
    /* test_restart_command.c */
    TEST_ENTRY(restart_command_supervised, 60000)
    TEST_ENTRY(restart_command_new_listener_exe, 60000)
    TEST_ENTRY(restart_command_timeout, 60000)
    TEST_ENTRY(restart_command_nothing_running, 20000)
    TEST_ENTRY(restart_command_not_supervised, 60000)
    TEST_ENTRY(restart_command_sample_format, 60000)
    TEST_ENTRY(restart_command_while_backing_off, 60000)
    TEST_ENTRY(restart_command_usage_errors, 60000)
    TEST_ENTRY(restart_command_standby_gapless, 60000)
    /* test_policy.c */
    TEST_ENTRY(policy_no_restart_exit_code, 40000)
    TEST_ENTRY(policy_unlisted_exit_code_relaunches, 45000)
    TEST_ENTRY(policy_start_limit_runs_on_failure, 60000)
    TEST_ENTRY(policy_usage_errors, 120000)
    TEST_ENTRY(policy_install_carries_options, 30000)
    /* test_hang.c */
    TEST_ENTRY(faults_hang_detected, 40000)
    TEST_ENTRY(faults_hang_not_triggered_by_progress, 40000)
    TEST_ENTRY(faults_hang_spares_stopping_listener, 40000)
    TEST_ENTRY(faults_hang_shorter_than_unit, 60000)
    TEST_ENTRY(faults_hang_shorter_than_default_unit, 60000)
    TEST_ENTRY(faults_hang_kill_access_denied, 40000)
    TEST_ENTRY(faults_hang_clock_set_back, 40000)
    TEST_ENTRY(faults_hang_clock_set_forward, 40000)
    TEST_ENTRY(faults_hang_listener_without_tick, 40000)
    /* test_journal.c */
    TEST_ENTRY(faults_journal_no_unit_lost, 60000)
    /* test_standby.c */
    TEST_ENTRY(standby_waits_while_active_works, 40000)
    TEST_ENTRY(standby_takes_over_killed_active, 45000)
    TEST_ENTRY(standby_stop_reaches_both, 40000)
    TEST_ENTRY(standby_retired, 40000)
    TEST_ENTRY(standby_takes_over_restart, 45000)
    TEST_ENTRY(standby_second_refused, 40000)
    TEST_ENTRY(standby_sample_mapping_refused, 40000)
    TEST_ENTRY(standby_restart_pid_alone, 40000)
    TEST_ENTRY(standby_stop_wins_over_restart, 40000)
    /* test_status.c */
    TEST_ENTRY(unattended_status_not_running_and_garbage, 30000)
    TEST_ENTRY(unattended_status_supervised, 45000)
    TEST_ENTRY(unattended_status_unit_and_stopping, 30000)
    TEST_ENTRY(unattended_status_sample_format, 40000)
    /* test_json.c */
    TEST_ENTRY(unattended_json_status, 45000)
    TEST_ENTRY(unattended_json_exit_code_names, 30000)
    TEST_ENTRY(unattended_json_list, 60000)
    TEST_ENTRY(unattended_json_next_relaunch, 45000)
    TEST_ENTRY(unattended_json_logs, 60000)
    TEST_ENTRY(unattended_json_logs_untrusted, 60000)
    TEST_ENTRY(usage_json_and_list, 45000)
    /* test_log.c */
    TEST_ENTRY(unattended_log_lines, 40000)
    TEST_ENTRY(unattended_log_kill_and_adopt, 45000)
    TEST_ENTRY(unattended_log_rotation, 45000)
    TEST_ENTRY(unattended_log_cannot_open, 30000)
    TEST_ENTRY(unattended_log_rotation_reader, 45000)
    TEST_ENTRY(unattended_log_held, 40000)
    TEST_ENTRY(unattended_log_device, 30000)
    TEST_ENTRY(unattended_log_listener_reason, 30000)
    /* test_run_command.c */
    TEST_ENTRY(unattended_run_background_child_logged, 60000)
    TEST_ENTRY(unattended_run_exit_codes, 60000)
    TEST_ENTRY(unattended_run_stop_waits_for_command, 40000)
    TEST_ENTRY(unattended_run_output_logged, 40000)
    TEST_ENTRY(unattended_run_output_oem, 40000)
    TEST_ENTRY(unattended_run_kill_takes_command, 40000)
    TEST_ENTRY(unattended_run_failing_command_backs_off, 40000)
    TEST_ENTRY(unattended_run_work_ms_paces, 40000)
    TEST_ENTRY(unattended_run_cannot_start_is_no_unit, 40000)
    TEST_ENTRY(unattended_run_stop_during_pause, 40000)
    /* test_install.c */
    TEST_ENTRY(unattended_task_dry_run, 30000)
    TEST_ENTRY(unattended_task_install, 60000)
    TEST_ENTRY(unattended_task_xml_file, 60000)
    TEST_ENTRY(unattended_task_install_twice, 60000)
    TEST_ENTRY(unattended_task_action_again, 60000)
    TEST_ENTRY(unattended_task_priority, 60000)
    TEST_ENTRY(unattended_task_percent_refused, 30000)
    TEST_ENTRY(unattended_task_startup_network_paths, 30000)
    /* test_sample.c */
    TEST_ENTRY(sample_locate_finds_listener, 30000)
    TEST_ENTRY(sample_stop_stops_listener, 30000)
    TEST_ENTRY(sample_stop_ends_controller, 30000)
    TEST_ENTRY(sample_listener_adopted, 40000)
    TEST_ENTRY(sample_listener_supervised, 45000)
    TEST_ENTRY(sample_stale_mapping_close_message, 40000)
    TEST_ENTRY(sample_pending_close_reaches_sample_listener, 60000)
    TEST_ENTRY(sample_stale_mapping_dead_pid, 40000)
    TEST_ENTRY(faults_sample_stop_while_listener_down, 40000)
    /* test_security.c */
    TEST_ENTRY(security_private_objects, 40000)
    TEST_ENTRY(security_squat_foreign_owner, 30000)
    TEST_ENTRY(security_squat_other_type, 40000)
    TEST_ENTRY(security_squat_random_bytes, 40000)
    TEST_ENTRY(security_squat_bad_header, 60000)
    TEST_ENTRY(security_squat_companions, 30000)
    TEST_ENTRY(security_global_privilege_only_for_mappings, 40000)
    TEST_ENTRY(security_sample_mapping_is_not_squatting, 30000)
    TEST_ENTRY(security_squat_odd_sections, 60000)
    /* test_garbage.c */
    TEST_ENTRY(security_garbage_live_listener, 30000)
    TEST_ENTRY(security_garbage_supervised, 40000)
    TEST_ENTRY(security_garbage_no_adoption, 60000)
    TEST_ENTRY(faults_garbage_mapping_refused, 60000)
    /* test_eventlog.c */
    TEST_ENTRY(eventlog_message_table, 20000)
    TEST_ENTRY(eventlog_options, 30000)
    TEST_ENTRY(eventlog_install_registers_source, 60000)
    /* test_version.c */
    TEST_ENTRY(unattended_help_and_version, 30000)
    TEST_ENTRY(unattended_version_resources, 20000)
    /* test_standby_supervise.c */
    TEST_ENTRY(standby_two_listeners_and_stop, 60000)
    TEST_ENTRY(standby_failover_on_kills, 90000)
    TEST_ENTRY(standby_refill_after_startup_window, 60000)
    TEST_ENTRY(standby_sample_stop_ends_both, 45000)
    TEST_ENTRY(standby_adopt_both, 60000)
    TEST_ENTRY(standby_adopt_without_standby_retires, 45000)
    TEST_ENTRY(standby_quick_deaths_back_off, 60000)
    /* test_standby_init.c */
    TEST_ENTRY(standby_stop_while_initialising, 60000)
    TEST_ENTRY(standby_retired_while_initialising, 60000)
    TEST_ENTRY(standby_env_not_inherited, 60000)
    TEST_ENTRY(standby_slow_init_failures_back_off, 60000)
    TEST_ENTRY(standby_unverified_alive_no_second, 60000)
    /* test_library.c */
    TEST_ENTRY(unattended_example_worker, 45000)
    TEST_ENTRY(library_close_on_another_thread_said, 20000)
};

#endif
