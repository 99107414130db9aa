#!/usr/bin/env bash
# tests/fuzz/run_fuzz.sh [SECONDS] - the native fuzz runs.
#
# Builds each target in this folder with clang's libFuzzer, AddressSanitizer
# and UndefinedBehaviorSanitizer (the parsing and validation code in common/
# needs no <windows.h>, so it builds on Linux), replays the checked-in corpus
# (inputs that once found bugs, plus starting inputs) as regression tests, then fuzzes
# each target for SECONDS (default 10). A crash is saved in bin/fuzz/ and
# fails the run; add it to corpus/TARGET/ once the bug is fixed.
# Prints one ok/not ok line per run and ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
seconds=${1:-10}
out=bin/fuzz
mkdir -p "$out"
cc=$(command -v clang-14 || command -v clang || true)
passed=0
failed=0
report() { # report OK|FAIL text
    if [ "$1" = OK ]; then passed=$((passed + 1)); echo "ok - $2"; else failed=$((failed + 1)); echo "not ok - $2"; fi
}
if [ -z "$cc" ]; then
    report FAIL "clang not found (install clang-14 and libclang-rt-14-dev)"
    echo "$passed passed, $failed failed"
    exit 1
fi
for src in tests/fuzz/fuzz_*.c; do
    target=$(basename "$src" .c)
    name=${target#fuzz_}
    bin="$out/$target"
    if ! "$cc" -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
        -Wall -Wextra -Werror "$src" common/ipc_layout.c common/ipc_args.c common/ipc_options.c common/ipc_name.c common/ipc_text.c -o "$bin" 2>"$out/$target.build.log"; then
        cat "$out/$target.build.log"
        report FAIL "$target builds"
        continue
    fi
    corpus=tests/fuzz/corpus/$name
    if [ -d "$corpus" ] && ls "$corpus"/* >/dev/null 2>&1; then
        if "$bin" -runs=0 "$corpus"/* >"$out/$target.replay.log" 2>&1; then
            report OK "$target corpus replay ($(ls "$corpus" | wc -l) inputs)"
        else
            tail -20 "$out/$target.replay.log"
            report FAIL "$target corpus replay"
        fi
    fi
    work=$(mktemp -d)
    [ -d "$corpus" ] && cp "$corpus"/* "$work"/ 2>/dev/null
    if (cd "$out" && timeout $((seconds + 60)) "./$target" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=1024 \
        "$work" >"$target.fuzz.log" 2>&1); then
        report OK "$target fuzzed for ${seconds}s ($(grep -o 'Done [0-9]* runs' "$out/$target.fuzz.log" | head -1))"
    else
        grep -A3 "check failed\|ERROR:\|runtime error" "$out/$target.fuzz.log" | head -20
        report FAIL "$target fuzzing found a crash (input saved in $out/)"
    fi
    rm -rf "$work"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
