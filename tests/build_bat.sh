#!/usr/bin/env bash
# tests/build_bat.sh - build.bat under Wine's cmd.exe, with a stand-in gcc.exe on
# PATH that answers -dumpmachine as a 64-bit or a 32-bit MinGW-w64 would and fails
# any compilation: build.bat must say which architecture it builds, refuse a
# 32-bit build unless --x86 asks for it, and otherwise go on to compile. It runs
# on a copy of build.bat and common/mingw.flags, so bin/ is not touched.
#
#   tests/build_bat.sh     needs wine and x86_64-w64-mingw32-gcc
#
# Prints "ok N - name" / "not ok N - name: reason" and ends with the line
# "N passed, N failed"; exits 1 when a test failed.
set -u

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
PASSED=0
FAILED=0
N=0

result() { # result NAME REASON (empty: passed) OUTPUT
    N=$((N + 1))
    if [ -z "$2" ]; then
        echo "ok $N - $1"
        PASSED=$((PASSED + 1))
    else
        echo "not ok $N - $1: $2"
        echo "$3" | sed 's/^/# /'
        FAILED=$((FAILED + 1))
    fi
}

mkdir -p "$TMP/tree/common" "$TMP/fake"
cp build.bat "$TMP/tree/"
cp common/mingw.flags "$TMP/tree/common/"
echo 'int placeholder;' >"$TMP/tree/common/placeholder.c"
cat >"$TMP/fake.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* gcc -dumpmachine prints $FAKE_GCC_MACHINE; anything else fails, as a compiler error would. */
int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "-dumpmachine") == 0 && getenv("FAKE_GCC_MACHINE") != NULL) {
        printf("%s\n", getenv("FAKE_GCC_MACHINE"));
        return 0;
    }
    fprintf(stderr, "fake gcc: not compiling\n");
    return 1;
}
C
x86_64-w64-mingw32-gcc -O1 -o "$TMP/fake/gcc.exe" "$TMP/fake.c" || {
    result "build_bat_setup" "cannot build the stand-in gcc.exe" ""
    echo "$PASSED passed, $FAILED failed"
    exit 1
}
FAKE_DIR=$(winepath -w "$TMP/fake" 2>/dev/null)
BAT=$(winepath -w "$TMP/tree/build.bat" 2>/dev/null)

# bat MACHINE ARGS...: build.bat ARGS with the stand-in gcc for MACHINE; output in OUT, exit code in RC.
bat() {
    local machine=$1
    shift
    (cd "$TMP" && FAKE_GCC_MACHINE=$machine WINEPATH="$FAKE_DIR" WINEDEBUG=-all \
        timeout 120 wine cmd /c "$BAT" "$@" </dev/null >"$TMP/out" 2>&1)
    RC=$?
    OUT=$(tr -d '\r' <"$TMP/out")
}

bat i686-w64-mingw32
reason=""
echo "$OUT" | grep -qF "build.bat: compiler gcc, architecture x86" || reason="it did not say it builds x86"
[ -z "$reason" ] && { echo "$OUT" | grep -qF "builds 32-bit (x86) programs" || reason="no refusal of the 32-bit build"; }
[ -z "$reason" ] && { echo "$OUT" | grep -qF "build.bat --x86" || reason="the refusal does not say how to ask for 32-bit"; }
[ -z "$reason" ] && { echo "$OUT" | grep -qF "fake gcc: not compiling" && reason="it compiled after refusing"; }
[ -z "$reason" ] && [ "$RC" -eq 0 ] && reason="exit code 0 after refusing"
result "build_bat_refuses_x86" "$reason" "$OUT"

bat i686-w64-mingw32 --x86
reason=""
echo "$OUT" | grep -qF "architecture x86" || reason="it did not say it builds x86"
[ -z "$reason" ] && { echo "$OUT" | grep -qF "builds 32-bit (x86) programs" && reason="--x86 was refused"; }
[ -z "$reason" ] && { echo "$OUT" | grep -qF "fake gcc: not compiling" || reason="it did not go on to compile"; }
result "build_bat_x86_when_asked" "$reason" "$OUT"

bat x86_64-w64-mingw32
reason=""
echo "$OUT" | grep -qF "build.bat: compiler gcc, architecture x64" || reason="it did not say it builds x64"
[ -z "$reason" ] && { echo "$OUT" | grep -qF "fake gcc: not compiling" || reason="it did not go on to compile"; }
result "build_bat_says_x64" "$reason" "$OUT"

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
