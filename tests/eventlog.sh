#!/usr/bin/env bash
# tests/eventlog.sh - what the controller reports to the Event Log, as
# ReportEventW receives it.
#
# Wine has no Event Log service to read back, but it prints every ReportEventW
# call on its debug channels: the event ID on "fixme:advapi:ReportEventW (...)"
# (the fourth argument) and each insertion string on the "eventlog" channel
# (WINEDEBUG=+eventlog). Real controllers run here with a real listener, which
# is killed, relaunched, hung, adopted, driven into --start-limit and
# stopped; the events are checked in order, with their strings.
#
#   tests/eventlog.sh     needs wine, bin/*.exe built
#
# Prints "ok N - name" / "not ok N - name: reason" and ends with the line
# "N passed, N failed"; exits 1 when a test failed.
set -u

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

CONTROLLER=bin/ConsoleAppController.exe
TMP=$(mktemp -d)
PASSED=0
FAILED=0
N=0
CTL_PID=""

cleanup() {
    if [ -n "$CTL_PID" ] && kill -0 "$CTL_PID" 2>/dev/null; then
        WINEDEBUG=-all wine "$CONTROLLER" --stop "$NAME" --timeout 5000 --force </dev/null >/dev/null 2>&1
        kill "$CTL_PID" 2>/dev/null || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT

result() { # result NAME REASON (empty: passed) OUTPUT
    N=$((N + 1))
    if [ -z "$2" ]; then
        echo "ok $N - $1"
        PASSED=$((PASSED + 1))
    else
        echo "not ok $N - $1: $2"
        [ -f "$3" ] && tr -d '\r' <"$3" | grep -v 'err:\|fixme:actctx\|wine32\|multiarch\|apt-get\|i386' |
            tail -n 30 | sed 's/^/# /'
        FAILED=$((FAILED + 1))
    fi
}

# events FILE: one line per ReportEventW call, "ID|string1|string2|...", in order.
events() {
    tr -d '\r' <"$1" | awk '
        /:advapi:ReportEventW \(/ {
            if (rec != "") print rec
            s = $0; sub(/.*ReportEventW \(/, "", s); split(s, f, ","); rec = tolower(f[4]); next
        }
        /:eventlog:ReportEventW L"/ {
            s = $0; sub(/.*ReportEventW L"/, "", s); sub(/"$/, "", s); rec = rec "|" s; next
        }
        END { if (rec != "") print rec }'
}

# wait_for SECONDS CMD...: true once CMD succeeds, polling every 0.2 s.
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    while [ "$SECONDS" -lt "$deadline" ]; do
        "$@" && return 0
        sleep 0.2
    done
    "$@"
}

count_events() { # count_events FILE ID
    events "$1" | grep -c "^$2|" || true
}
at_least() { # at_least FILE ID COUNT
    [ "$(count_events "$1" "$2")" -ge "$3" ]
}

WINEDEBUG=-all timeout 300 wine cmd /c exit </dev/null >/dev/null 2>&1

# 1. Started, launched, exited (the listener killed), launched again, stopped.
NAME="evlife-$$"
OUT=$TMP/life.out
WINEDEBUG=+eventlog wine "$CONTROLLER" "$NAME" --event-log --console none -- --work-ms 300 </dev/null >"$OUT" 2>&1 &
CTL_PID=$!
reason=""
if ! wait_for 60 at_least "$OUT" 0x40000065 1; then
    reason="no 'listener launched' event (0x40000065) within 60 s"
else
    LPID=$(events "$OUT" | grep '^0x40000065|' | head -n 1 | cut -d'|' -f3)
    WINEDEBUG=-all wine taskkill /f /pid "$LPID" </dev/null >/dev/null 2>&1
    if ! wait_for 60 at_least "$OUT" 0x40000065 2; then
        reason="the killed listener (pid $LPID) was not reported relaunched"
    fi
    WINEDEBUG=-all timeout 60 wine "$CONTROLLER" --stop "$NAME" </dev/null >/dev/null 2>&1
    wait "$CTL_PID"
    CTL_PID=""
fi
if [ -z "$reason" ]; then
    mapfile -t ev < <(events "$OUT")
    ids=$(printf '%s\n' "${ev[@]}" | cut -d'|' -f1 | tr '\n' ' ')
    if [ "$ids" != "0x40000064 0x40000065 0x80000067 0x40000065 0x4000006a " ]; then
        reason="events $ids; expected started, launched, exited, launched, stopped (0x40000064 0x40000065 0x80000067 0x40000065 0x4000006a)"
    else
        case "${ev[0]}" in "0x40000064|$NAME|"[0-9]*"|"[0-9]*.[0-9]*) ;; *) reason="started: '${ev[0]}'" ;; esac
        [ "${ev[1]}" = "0x40000065|$NAME|$LPID|$NAME --work-ms 300" ] || reason="launched: '${ev[1]}'"
        # Exited: NAME, pid, exit code, its meaning (may be empty), run time, pause.
        case "${ev[2]}" in "0x80000067|$NAME|$LPID|"[0-9]*) ;; *) reason="exited: '${ev[2]}'" ;; esac
        case "${ev[4]}" in "0x4000006a|$NAME|"[0-9]*) ;; *) reason="stopped: '${ev[4]}'" ;; esac
    fi
fi
result eventlog_started_launched_exited_stopped "$reason" "$OUT"

# 2. Killed as hung: a unit (10 s) longer than --hang-timeout (1500 ms).
NAME="evhang-$$"
OUT=$TMP/hang.out
WINEDEBUG=+eventlog wine "$CONTROLLER" "$NAME" --event-log --console none --hang-timeout 1500 -- --work-ms 10000 \
    </dev/null >"$OUT" 2>&1 &
CTL_PID=$!
reason=""
if ! wait_for 60 at_least "$OUT" 0x80000068 1; then
    reason="no 'killed as hung' event (0x80000068) within 60 s"
else
    LPID=$(events "$OUT" | grep '^0x40000065|' | head -n 1 | cut -d'|' -f3)
    line=$(events "$OUT" | grep '^0x80000068|' | head -n 1)
    [ "$line" = "0x80000068|$NAME|$LPID|1500" ] || reason="hung: '$line', expected '0x80000068|$NAME|$LPID|1500'"
fi
WINEDEBUG=-all timeout 60 wine "$CONTROLLER" --stop "$NAME" --timeout 20000 --force </dev/null >/dev/null 2>&1
wait "$CTL_PID"
CTL_PID=""
result eventlog_killed_as_hung "$reason" "$OUT"

# 3. Failed, with the reason; on by default without a console (stdin is /dev/null here).
NAME="evfail-$$"
OUT=$TMP/fail.out
WINEDEBUG=+eventlog timeout 60 wine "$CONTROLLER" "$NAME" --listener missing-listener.exe </dev/null >"$OUT" 2>&1
rc=$?
reason=""
line=$(events "$OUT" | grep '^0xc000006b|' | head -n 1)
if [ "$rc" -ne 8 ]; then
    reason="exit code $rc, expected 8"
fi
case "$line" in
"0xc000006b|$NAME|"[0-9]*"|8|"*missing-listener.exe*) ;;
*) reason="${reason:+$reason; }failed: '$line', expected '0xc000006b|$NAME|PID|8|...missing-listener.exe...'" ;;
esac
result eventlog_failed_on_by_default "$reason" "$OUT"

# 4. --no-event-log: nothing reported.
OUT=$TMP/off.out
WINEDEBUG=+eventlog timeout 60 wine "$CONTROLLER" "$NAME" --no-event-log --listener missing-listener.exe \
    </dev/null >"$OUT" 2>&1
reason=""
if grep -q 'ReportEventW\|RegisterEventSourceW' "$OUT"; then
    reason="--no-event-log still reported: $(events "$OUT" | tr '\n' ' ')"
fi
result eventlog_off_with_no_event_log "$reason" "$OUT"

# 5. Adopted: a listener started by hand is running; the controller adopts it and launches none.
NAME="evadopt-$$"
OUT=$TMP/adopt.out
LST_OUT=$TMP/adopt-listener.out
WINEDEBUG=-all wine bin/ConsoleAppListener.exe "$NAME" --work-ms 300 </dev/null >"$LST_OUT" 2>&1 &
LST_SH_PID=$!
reason=""
LPID=""
listener_pid() { # the listener pid --status NAME --json reports, once it is running
    WINEDEBUG=-all wine "$CONTROLLER" --status "$NAME" --json </dev/null 2>/dev/null | tr -d '\r' |
        sed -n 's/.*"listener":{"running":true,"pid":\([0-9]*\).*/\1/p'
}
has_listener_pid() {
    LPID=$(listener_pid)
    [ -n "$LPID" ]
}
if ! wait_for 60 has_listener_pid; then
    reason="the listener started by hand did not publish its pid within 60 s"
else
    WINEDEBUG=+eventlog wine "$CONTROLLER" "$NAME" --event-log --console none </dev/null >"$OUT" 2>&1 &
    CTL_PID=$!
    if ! wait_for 60 at_least "$OUT" 0x40000066 1; then
        reason="no 'listener adopted' event (0x40000066) within 60 s"
    else
        line=$(events "$OUT" | grep '^0x40000066|' | head -n 1)
        [ "$line" = "0x40000066|$NAME|$LPID" ] || reason="adopted: '$line', expected '0x40000066|$NAME|$LPID'"
        if [ "$(count_events "$OUT" 0x40000065)" -ne 0 ]; then
            reason="${reason:+$reason; }a listener was launched beside the adopted one"
        fi
    fi
    WINEDEBUG=-all timeout 60 wine "$CONTROLLER" --stop "$NAME" </dev/null >/dev/null 2>&1
    wait "$CTL_PID"
    CTL_PID=""
    if [ -z "$reason" ]; then
        ids=$(events "$OUT" | cut -d'|' -f1 | tr '\n' ' ')
        [ "$ids" = "0x40000064 0x40000066 0x4000006a " ] ||
            reason="events $ids; expected started, adopted, stopped (0x40000064 0x40000066 0x4000006a)"
    fi
fi
# Started by hand, it may wait for Enter after the close message; standard input is /dev/null, so it ends.
if [ -n "$LPID" ]; then
    WINEDEBUG=-all timeout 30 wine taskkill /f /pid "$LPID" </dev/null >/dev/null 2>&1
fi
wait "$LST_SH_PID" 2>/dev/null
result eventlog_listener_adopted "$reason" "$OUT"

# 6. Start limit reached: every listener exits at once (the crash helper of ipc_tests.exe, code 3).
NAME="evlimit-$$"
OUT=$TMP/limit.out
reason=""
IPC_TEST_HELPER=crash WINEDEBUG=+eventlog timeout 120 wine "$CONTROLLER" "$NAME" --event-log --console none \
    --listener bin/ipc_tests.exe --restart-delay 100 --start-limit 2 --start-limit-interval 60000 \
    -- 0 "Z:$TMP/limit.count" 3 </dev/null >"$OUT" 2>&1
rc=$?
if [ "$rc" -ne 13 ]; then
    reason="exit code $rc, expected 13 (IPC_EXIT_START_LIMIT)"
fi
line=$(events "$OUT" | grep '^0xc0000069|' | head -n 1)
# NAME, the exits counted (start limit + 1), the interval, the last exit code.
[ "$line" = "0xc0000069|$NAME|3|60000|3" ] ||
    reason="${reason:+$reason; }start limit: '$line', expected '0xc0000069|$NAME|3|60000|3'"
# Three launches, the first two exits relaunched, the third over the limit: reported as the limit, then failed (13).
ids=$(events "$OUT" | cut -d'|' -f1 | tr '\n' ' ')
expected="0x40000064 0x40000065 0x80000067 0x40000065 0x80000067 0x40000065 0xc0000069 0xc000006b "
[ "$ids" = "$expected" ] || reason="${reason:+$reason; }events $ids; expected $expected"
case "$(events "$OUT" | tail -n 1)" in
"0xc000006b|$NAME|"[0-9]*"|13|start limit reached"*) ;;
*) reason="${reason:+$reason; }failed: '$(events "$OUT" | tail -n 1)', expected '0xc000006b|$NAME|PID|13|start limit reached...'" ;;
esac
result eventlog_start_limit_reached "$reason" "$OUT"

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
