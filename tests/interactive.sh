#!/usr/bin/env bash
# tests/interactive.sh - the key paths of both programs, which need a console.
#
# bin/ipc_tests.exe runs the programs with stdin from NUL or a pipe, where they
# must never wait for a key. Here each program runs in a detached tmux session
# instead, which gives Wine a real console: we read the screen
# (tmux capture-pane) and type (tmux send-keys) like a user would.
#
#   tests/interactive.sh     run from anywhere; needs tmux, wine, bin/*.exe built
#
# Prints "ok N - name" / "not ok N - name: reason" per test and ends with the
# line "N passed, N failed"; exits 1 when a test failed. Uses a private tmux
# server (-L ipc-tests-PID) and kills only that server and the processes its
# sessions started.
set -u

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

export WINEDEBUG=${WINEDEBUG:--all}
unset TMUX # we never attach; a surrounding tmux must not be the one we talk to

SOCKET=ipc-tests-$$
WORK=$(mktemp -d)
PASSED=0
FAILED=0
NUMBER=0
REASON=""
SESSIONS=()  # tmux sessions started, for the cleanup
WIN_PIDS=()  # Windows pids of listeners we learned, for the cleanup
NAMES=()     # instance names used, whose listeners the cleanup looks up
STOP_JOBS=() # background --stop runs, by their bash pid

LISTENER=bin/ConsoleAppListener.exe
CONTROLLER=bin/ConsoleAppController.exe
TESTS_EXE=bin/ipc_tests.exe

# Wine's first start in a new console can take a while; later checks are short.
FIRST_SCREEN_S=60

tmx() {
    tmux -L "$SOCKET" -f /dev/null "$@"
}

cleanup() {
    local pane child pid job name out
    for job in "${STOP_JOBS[@]}"; do
        kill "$job" 2>/dev/null || true
    done
    # The wine process of each pane still open (a pane that ended is gone from
    # the list, so a recycled Linux pid is never touched); the listener a
    # controller launched is not its Linux child: it goes by its Windows pid below.
    for pane in $(tmx list-panes -a -F '#{pane_pid}' 2>/dev/null); do
        for child in $(ps -o pid= --ppid "$pane" 2>/dev/null); do
            kill -KILL "$child" 2>/dev/null || true
        done
    done
    # A listener whose pid a failed test never learned is found through its mapping.
    for name in "${NAMES[@]}"; do
        if out=$(wine "$TESTS_EXE" --helper seed-locate "$name" </dev/null 2>/dev/null); then
            pid=$(echo "$out" | tr -d '\r' | sed -n "s/^Broadcast '\([0-9][0-9]*\)' received$/\1/p")
            [ -n "$pid" ] && WIN_PIDS+=("$pid")
        fi
    done
    for pid in "${WIN_PIDS[@]}"; do
        if pid_alive "$pid"; then
            wine "$TESTS_EXE" --helper kill "$pid" </dev/null >/dev/null 2>&1 || true
        fi
    done
    tmx kill-server >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# start SESSION CMD...: run CMD in a new detached session of a wide window (no
# wrapped lines), recording its exit code in $WORK/SESSION.exit when it ends.
start() {
    local s=$1
    shift
    local cmd
    cmd=$(printf '%q ' "$@")
    SESSIONS+=("$s")
    rm -f "$WORK/$s.exit"
    tmx new-session -d -s "$s" -x 250 -y 50 "$cmd; echo \$? > '$WORK/$s.exit'"
}

# screen SESSION: what the console shows, wrapped lines joined.
screen() {
    tmx capture-pane -p -J -S -500 -t "$1" 2>/dev/null || cat "$WORK/$1.last" 2>/dev/null
}

# expect_screen SESSION TEXT SECONDS: poll the screen every 0.2 s for TEXT.
expect_screen() {
    local s=$1 text=$2 secs=$3 i
    for ((i = 0; i < secs * 5; i++)); do
        screen "$s" >"$WORK/$s.last.tmp" && mv "$WORK/$s.last.tmp" "$WORK/$s.last"
        if grep -qF -- "$text" "$WORK/$s.last"; then
            return 0
        fi
        sleep 0.2
    done
    REASON="\"$text\" not on the screen of $s within ${secs} s"
    return 1
}

# count_screen SESSION TEXT: how many lines of the screen hold TEXT.
count_screen() {
    screen "$1" | grep -cF -- "$2" || true
}

# exited SESSION: true once the session's command has ended.
exited() {
    [ -s "$WORK/$1.exit" ]
}

# expect_exit SESSION CODE SECONDS
expect_exit() {
    local s=$1 want=$2 secs=$3 i got
    for ((i = 0; i < secs * 5; i++)); do
        if exited "$s"; then
            got=$(tr -d '[:space:]' <"$WORK/$s.exit")
            if [ "$got" = "$want" ]; then
                return 0
            fi
            REASON="$s exited with $got, expected $want"
            return 1
        fi
        sleep 0.2
    done
    REASON="$s did not exit within ${secs} s"
    return 1
}

# expect_still_running SESSION WHY: the command must not have ended yet.
expect_still_running() {
    if exited "$1"; then
        REASON="$1 exited ($(cat "$WORK/$1.exit")) but should $2"
        return 1
    fi
}

# listener_pid NAME: the live pid at offset 0 of mapping NAME, read the seed
# controller's way (LocateClient); prints it, fails after 15 s without one.
listener_pid() {
    local name=$1 i out pid
    for ((i = 0; i < 30; i++)); do
        if out=$(wine "$TESTS_EXE" --helper seed-locate "$name" </dev/null 2>/dev/null); then
            pid=$(echo "$out" | tr -d '\r' | sed -n "s/^Broadcast '\([0-9][0-9]*\)' received$/\1/p")
            if [ -n "$pid" ]; then
                echo "$pid"
                return 0
            fi
        fi
        sleep 0.5
    done
    return 1
}

# pid_alive PID: exit 0 while the Windows process PID runs, 1 once it is gone,
# anything else when the question could not be asked (wine failed).
pid_alive() {
    wine "$TESTS_EXE" --helper pid-alive "$1" </dev/null >/dev/null 2>&1
}

# expect_pid_gone PID SECONDS
expect_pid_gone() {
    local pid=$1 secs=$2 i rc
    for ((i = 0; i < secs * 2; i++)); do
        rc=0
        pid_alive "$pid" || rc=$?
        if [ "$rc" -eq 1 ]; then
            return 0
        fi
        sleep 0.5
    done
    REASON="listener $pid still running after ${secs} s (last check: exit code $rc)"
    return 1
}

# expect_no_listener NAME: no live listener holds NAME (the mapping is gone or holds no live pid).
expect_no_listener() {
    local name=$1 out rc=0
    out=$(wine "$TESTS_EXE" --helper seed-locate "$name" </dev/null 2>/dev/null) || rc=$?
    if [ "$rc" -eq 0 ]; then
        REASON="a listener still runs for $name: $(echo "$out" | tr -d '\r')"
        return 1
    fi
}

# run_test NAME FUNCTION: number, run and report one test; on failure show the screens.
run_test() {
    local name=$1 fn=$2 s
    local before=${#SESSIONS[@]}
    NUMBER=$((NUMBER + 1))
    REASON=""
    if "$fn"; then
        PASSED=$((PASSED + 1))
        echo "ok $NUMBER - $name"
    else
        FAILED=$((FAILED + 1))
        echo "not ok $NUMBER - $name: ${REASON:-failed}"
        for s in "${SESSIONS[@]:before}"; do
            echo "# --- screen of $s:"
            { screen "$s" || true; } | sed -e '/^[[:space:]]*$/d' -e 's/^/# /'
        done
    fi
}

# ---------------------------------------------------------------------------

# The seed's controller session: launch, any key sends the close message, the
# listener finishes its unit and exits, Enter closes the controller (exit 0).
test_controller_any_key() {
    local name=Ikey-$$ s=controller_key pid
    NAMES+=("$name")
    start "$s" wine "$CONTROLLER" "$name" -- --work-ms 500 || {
        REASON="tmux new-session failed"
        return 1
    }
    expect_screen "$s" "Hit any key to send shutdown message (at any time)" "$FIRST_SCREEN_S" || return 1
    expect_screen "$s" "Launching executable: " 1 || return 1
    # (tmux drops the trailing space of a line, so the seed's one cannot be checked here.)
    expect_screen "$s" "ConsoleAppListener.exe $name --work-ms 500" 1 || return 1
    expect_screen "$s" "Process launched" 1 || return 1
    pid=$(listener_pid "$name") || {
        REASON="no live listener pid in mapping $name"
        return 1
    }
    WIN_PIDS+=("$pid")
    expect_still_running "$s" "wait for a key" || return 1

    tmx send-keys -t "$s" x
    expect_screen "$s" "Sent message to shut down" 10 || return 1
    expect_screen "$s" "Hit Enter to close" 10 || return 1
    expect_pid_gone "$pid" 15 || return 1
    expect_screen "$s" "Process exited" 5 || return 1
    sleep 1
    if [ "$(count_screen "$s" "Launching executable: ")" -ne 1 ]; then
        REASON="the listener was relaunched after the close message"
        return 1
    fi
    expect_still_running "$s" "wait for Enter" || return 1

    tmx send-keys -t "$s" Enter
    expect_exit "$s" 0 15 || return 1
    expect_no_listener "$name"
}

# A listener started by hand is stopped from outside: it says so, then waits
# for Enter like the seed's Console.Read(), and exits 0; --stop waits for that.
test_listener_stopped_from_outside() {
    local name=Ihand-$$ s=listener_hand pid i job
    NAMES+=("$name")
    start "$s" wine "$LISTENER" "$name" --work-ms 300 || {
        REASON="tmux new-session failed"
        return 1
    }
    expect_screen "$s" "Performing processing" "$FIRST_SCREEN_S" || return 1
    pid=$(listener_pid "$name") || {
        REASON="no live listener pid in mapping $name"
        return 1
    }
    WIN_PIDS+=("$pid")

    (
        wine "$CONTROLLER" --stop "$name" --timeout 30000 </dev/null >"$WORK/stop.out" 2>&1
        echo $? >"$WORK/stop.rc"
    ) &
    job=$!
    STOP_JOBS+=("$job")
    expect_screen "$s" "Received shutdown message" 15 || return 1
    expect_screen "$s" "Close message received. Hit Enter to close" 5 || return 1
    sleep 1
    expect_still_running "$s" "wait for Enter" || return 1

    tmx send-keys -t "$s" Enter
    expect_exit "$s" 0 15 || return 1
    expect_pid_gone "$pid" 5 || return 1
    for ((i = 0; i < 75; i++)); do
        [ -s "$WORK/stop.rc" ] && break
        sleep 0.2
    done
    if [ ! -s "$WORK/stop.rc" ]; then
        REASON="--stop did not return within 15 s of the listener's exit"
        return 1
    fi
    if [ "$(tr -d '[:space:]' <"$WORK/stop.rc")" != 0 ]; then
        REASON="--stop exited with $(cat "$WORK/stop.rc"): $(tr -d '\r' <"$WORK/stop.out")"
        return 1
    fi
    if ! grep -qF "Sent message to shut down" "$WORK/stop.out"; then
        REASON="--stop did not print 'Sent message to shut down': $(tr -d '\r' <"$WORK/stop.out")"
        return 1
    fi
}

# The listener without NAME: the seed's error line, a wait for Enter, exit 2.
test_listener_no_name() {
    local s=listener_noname
    start "$s" wine "$LISTENER" || {
        REASON="tmux new-session failed"
        return 1
    }
    expect_screen "$s" "Error: Expected a unique name for the application from the command line." \
        "$FIRST_SCREEN_S" || return 1
    sleep 1
    expect_still_running "$s" "wait for Enter" || return 1
    tmx send-keys -t "$s" Enter
    expect_exit "$s" 2 15
}

# ---------------------------------------------------------------------------

for tool in tmux wine; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "not ok 1 - setup: $tool not found"
        echo "0 passed, 1 failed"
        exit 1
    fi
done
for exe in "$LISTENER" "$CONTROLLER" "$TESTS_EXE"; do
    if [ ! -f "$exe" ]; then
        echo "not ok 1 - setup: $exe not built"
        echo "0 passed, 1 failed"
        exit 1
    fi
done

run_test interactive_controller_any_key test_controller_any_key
run_test interactive_listener_stopped_from_outside test_listener_stopped_from_outside
run_test interactive_listener_no_name test_listener_no_name

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
