#!/usr/bin/env bash
# tests/log_volume.sh - a log on a volume that runs out of room, and comes back.
#
# A listener's log rotates onto a small tmpfs whose inodes are all taken just
# before its first rotation, so the rotation cannot create the new file (the
# rename needs no inode, the new file does). The listener must go on logging
# to the file it has open, say once why logging failed (its error lines reach
# the controller's log), and once the inodes are freed, create the log again
# and say that it works again. This is the real condition (ENOSPC from the
# file system, which Wine passes on as a Windows error), not a stub: it needs
# root for mount, which the test runner is; without it the test is skipped
# with the reason.
#
#   tests/log_volume.sh     needs wine, bin/*.exe built; root for mount
#
# Prints "ok N - name" / "not ok N - name: reason" and ends with the line
# "N passed, N failed"; exits 1 when a test failed.
set -u

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
export WINEDEBUG=${WINEDEBUG:--all}

CONTROLLER=bin/ConsoleAppController.exe
NAME="logvolume-$$"
MNT=$(mktemp -d)
CTL_PID=""
MOUNTED=0

cleanup() {
    if [ -n "$CTL_PID" ] && kill -0 "$CTL_PID" 2>/dev/null; then
        wine "$CONTROLLER" --stop "$NAME" --timeout 5000 --force </dev/null >/dev/null 2>&1
        kill "$CTL_PID" 2>/dev/null || true
    fi
    if [ "$MOUNTED" -eq 1 ]; then
        rm -f "$MNT"/fill.* 2>/dev/null
        umount "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null
    fi
    rmdir "$MNT" 2>/dev/null
    rm -f "$MNT.out"
}
trap cleanup EXIT

finish() { # finish STATUS REASON
    if [ "$1" = ok ]; then
        echo "ok 1 - log_volume_runs_out_and_comes_back${2:+ # $2}"
        echo "1 passed, 0 failed"
        exit 0
    fi
    echo "not ok 1 - log_volume_runs_out_and_comes_back: $2"
    [ -f "$MNT/ctl.log" ] && sed 's/^/# ctl.log: /' "$MNT/ctl.log" | tail -n 20
    ls -la "$MNT" 2>/dev/null | sed 's/^/# /' | grep -v ' fill\.' 
    echo "0 passed, 1 failed"
    exit 1
}

# wait_for SECONDS CMD...: true once CMD succeeds, polling every 0.1 s.
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    while [ "$SECONDS" -lt "$deadline" ]; do
        "$@" && return 0
        sleep 0.1
    done
    "$@"
}

[ -x "$(command -v wine)" ] || finish fail "wine not found"
[ -f "$CONTROLLER" ] || finish fail "$CONTROLLER not built"
# Room for bytes, few inodes: only the creation of a file can fail.
if ! mount -t tmpfs -o size=16m,nr_inodes=64 tmpfs "$MNT" 2>/dev/null; then
    echo "# mount -t tmpfs is not allowed here (not root, or a container without CAP_SYS_ADMIN)"
    echo "ok 1 - log_volume_runs_out_and_comes_back # SKIP no tmpfs"
    echo "1 passed, 0 failed"
    exit 0
fi
MOUNTED=1
WIN_DIR="Z:$(echo "$MNT" | tr / '\\')"

wine "$CONTROLLER" "$NAME" --console none --log "$WIN_DIR\\ctl.log" --log-max-bytes 1500 -- --work-ms 200 \
    </dev/null >"$MNT.out" 2>&1 &
CTL_PID=$!

has_lines() { [ -s "$MNT/ctl.listener.log" ]; }
wait_for 30 has_lines || finish fail "the listener's log did not appear"
[ -e "$MNT/ctl.listener.log.1" ] && finish fail "the log rotated before the volume could be filled"
# Take every inode left.
i=0
while touch "$MNT/fill.$i" 2>/dev/null; do
    i=$((i + 1))
done
[ "$i" -gt 0 ] || finish fail "no inode could be taken"

warned() { grep -q "Warning: the log '.*ctl.listener.log' cannot be created after its rotation" "$MNT/ctl.log"; }
wait_for 20 warned || finish fail "no warning in the controller's log that the rotation failed"
# Still logging, to the rotated file it has open; no relaunch.
size_a=$(stat -c %s "$MNT/ctl.listener.log.1")
sleep 1
size_b=$(stat -c %s "$MNT/ctl.listener.log.1")
[ "$size_b" -gt "$size_a" ] || finish fail "nothing was logged while the volume was full ($size_a, then $size_b bytes)"
[ -e "$MNT/ctl.listener.log" ] && finish fail "ctl.listener.log exists although no inode was free"

rm -f "$MNT"/fill.*
back() { grep -q "The log '.*ctl.listener.log' works again" "$MNT/ctl.log" && [ -s "$MNT/ctl.listener.log" ]; }
wait_for 20 back || finish fail "the log did not come back once inodes were free"
grep -q "Performing processing" "$MNT/ctl.listener.log" || wait_for 5 grep -q "Performing processing" "$MNT/ctl.listener.log" ||
    finish fail "no unit logged in the new ctl.listener.log"
[ "$(grep -c "Warning: the log" "$MNT/ctl.log")" -eq 1 ] || finish fail "the failure was reported more than once"
[ "$(grep -c "Launching executable" "$MNT/ctl.log")" -eq 1 ] || finish fail "the listener was relaunched"

wine "$CONTROLLER" --stop "$NAME" </dev/null >/dev/null 2>&1 || finish fail "--stop $NAME failed"
wait "$CTL_PID"
rc=$?
CTL_PID=""
[ "$rc" -eq 0 ] || finish fail "the controller exited with $rc"
finish ok ""
