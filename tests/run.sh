#!/usr/bin/env bash
# tests/run.sh - build everything and run the tests, on Debian 12 with Wine.
#
#   tests/run.sh          install what is missing, build, check, run all tests
#   tests/run.sh build    install what is missing, build and check; no tests
#   tests/run.sh bench    build and run bin/ipc_bench.exe (needs tests/bench/)
#
# Steps:
#   a. install missing Debian packages (apt-get; sudo when not root)
#   b. build bin/*.exe and bin/libipc.a (common/) with x86_64-w64-mingw32-gcc, check
#      the exes' DLL imports
#   c. build the same sources with i686-w64-mingw32-gcc into bin/i686/
#   d. MSVC check: clang-cl /Zs /W4 /WX of every <ClCompile> of every .vcxproj
#      with that project's defines and include dirs (common/ipc.props), against Wine's headers;
#      clang-cl in C89 mode for the aggregate initializers MSVC's C mode warns on (C4204, C4221)
#  d2. README.md's library example (the C block after <!-- example: worker.c -->)
#      extracted to bin/example/worker.c and built with README.md's own MinGW command
#      line (the block after <!-- build: worker.c -->) against bin/libipc.a; its MSVC
#      line's compile options checked with clang-cl
#   e. tests/check_projects.sh: ipc.sln and the .vcxproj files match the tree
#   f. wine bin/ipc_tests.exe (and its 64-bit header test from bin/i686/ where Wine
#      runs 32-bit programs), then tests/interactive.sh if it exists, then
#      tests/log_volume.sh (a log on a tmpfs out of inodes), then tests/eventlog.sh
#      (the Event Log's events, from Wine's eventlog debug channel), then tests/build_bat.sh
#      (build.bat's architecture line and 32-bit refusal, under Wine's cmd), then the native
#      fuzz runs (tests/fuzz/run_fuzz.sh, IPC_FUZZ_SECONDS each, default 10)
# The last line of a full run is "N passed, N failed" (all suites together).
# Source lists come from the file system: every .c of a program's folder plus
# every .c of common/ (and of tests/harness/ for the tests); tests/fuzz/ and
# tests/bench/ are not part of the tests.
#
# Environment: IPC_TEST_TIMEOUT (seconds, default 1200) bounds all Wine runs of
# step f together.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)

export WINEDEBUG=-all
export DEBIAN_FRONTEND=noninteractive
# No Mono/Gecko install prompts when Wine creates its prefix; console programs need neither.
export WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree,mshtml=}"

usage() {
    echo "usage: tests/run.sh [build|bench]" >&2
    echo "  (no argument)  build, check and run all tests" >&2
    echo "  build          build and check only (steps a-e)" >&2
    echo "  bench          build and run bin/ipc_bench.exe (needs tests/bench/)" >&2
}

MODE=all
if [ "$#" -gt 1 ]; then
    usage
    exit 2
fi
if [ "$#" -eq 1 ]; then
    case "$1" in
    build | bench) MODE=$1 ;;
    *)
        usage
        exit 2
        ;;
    esac
fi

STEP="start"
DONE=0
on_exit() {
    local rc=$?
    if [ "$rc" -ne 0 ] && [ "$DONE" -eq 0 ]; then
        echo "run.sh: FAILED in step $STEP (exit code $rc)" >&2
    fi
}
trap on_exit EXIT

step() {
    STEP=$1
    echo
    echo "==== $1"
}

die() {
    echo "run.sh: $*" >&2
    exit 1
}

if [ "$MODE" = bench ] && [ ! -d tests/bench ]; then
    echo "run.sh: tests/bench/ is not there yet; no benchmark to build or run." >&2
    DONE=1
    exit 1
fi

# Compiler flags. The MinGW-w64 ones come from common/mingw.flags, which build.bat reads
# too: "cflags FLAG", "ldflags FLAG" or "libs FLAG" a line, # for comments.
CFLAGS=()
LDFLAGS=()
LIBS=()
while read -r kind flag rest; do
    case "$kind" in '' | '#'*) continue ;; esac
    [ -n "$flag" ] && [ -z "$rest" ] || die "common/mingw.flags: expected 'KIND FLAG', found: $kind $flag $rest"
    case "$kind" in
    cflags) CFLAGS+=("$flag") ;;
    ldflags) LDFLAGS+=("$flag") ;;
    libs) LIBS+=("$flag") ;;
    *) die "common/mingw.flags: '$kind' is not cflags, ldflags or libs" ;;
    esac
done < <(tr -d '\r' <common/mingw.flags)
[ "${#CFLAGS[@]}" -gt 0 ] && [ "${#LDFLAGS[@]}" -gt 0 ] || die "common/mingw.flags: no cflags or no ldflags"

# The MSVC settings come from common/ipc.props, which every .vcxproj imports.
# strip_xml FILE: without BOM and carriage returns.
strip_xml() {
    sed -e '1s/^\xEF\xBB\xBF//' -e 's/\r$//' -- "$1"
}

# msvc_settings FILE CONFIG PLATFORM PROJDIR: appends to the array MSVC_ARGS the /D and /I
# options of the <ClCompile> settings in FILE's ItemDefinitionGroups that apply to
# CONFIG|PLATFORM, with those of the .props files FILE imports in their place, as MSBuild
# reads them. PROJDIR is the folder of the project being built (relative include
# directories are relative to it); FILE is that project or a .props file it imports.
msvc_settings() {
    local file=$1 config=$2 platform=$3 projdir=$4
    local filedir kind value item parts
    filedir=$(dirname "$file")
    while IFS=$'\t' read -r kind value; do
        case "$kind" in
        '?') die "$file: run.sh cannot evaluate the condition $value" ;;
        M)
            # Relative to the importing file, as is $(MSBuildThisFileDirectory).
            item=${value//\\//}
            item=${item//\$(MSBuildThisFileDirectory)/}
            case "$item" in *'$('*) die "$file: import '$value' uses an MSBuild macro run.sh does not know" ;; esac
            item=$(realpath -m --relative-to=. "$filedir/$item")
            [ -f "$item" ] || die "$file imports $item, which does not exist"
            msvc_settings "$item" "$config" "$platform" "$projdir"
            ;;
        D | I)
            IFS=';' read -r -a parts <<<"$value"
            for item in "${parts[@]}"; do
                item=$(echo "$item" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//')
                case "$item" in '' | '%('*) continue ;; esac
                if [ "$kind" = D ]; then
                    MSVC_ARGS+=("/D$item")
                    continue
                fi
                item=${item//\$(SolutionDir)/$ROOT/}
                item=${item//\$(ProjectDir)/$ROOT/$projdir/}
                item=${item//\$(MSBuildThisFileDirectory)/$ROOT/$filedir/}
                item=${item//\\//}
                case "$item" in *'$('*) die "$file: include directory '$item' uses an MSBuild macro run.sh does not know" ;; esac
                case "$item" in /*) ;; *) item=$ROOT/$projdir/$item ;; esac
                MSVC_ARGS+=("/I$(realpath -m "$item")")
            done
            ;;
        esac
    done < <(strip_xml "$file" | awk -v cfg="$config" -v plat="$platform" -v q="'" '
        # applies(LINE): 1 when the element on LINE has no Condition or one that holds for
        # cfg|plat; prints "?" and the condition when it is none of the forms known here.
        function applies(line, c, k, lhs, rhs) {
            if (line !~ /Condition="/) return 1
            c = line; sub(/.*Condition="/, "", c); sub(/".*/, "", c); gsub(/[[:space:]]/, "", c)
            k = index(c, "=="); lhs = substr(c, 1, k - 1); rhs = substr(c, k + 2)
            gsub(q, "", lhs); gsub(q, "", rhs)
            if (k > 0 && rhs !~ /[$()=]/) {
                if (lhs == "$(Configuration)|$(Platform)") return rhs == cfg "|" plat
                if (lhs == "$(Configuration)") return rhs == cfg
                if (lhs == "$(Platform)") return rhs == plat
            }
            print "?\t" c
            return 0
        }
        /<ImportGroup[[:space:]>]/ { group = applies($0); next }
        /<\/ImportGroup>/ { group = 1; next }
        /<Import[[:space:]]/ {
            p = $0; sub(/.*Project="/, "", p); sub(/".*/, "", p)
            # The toolset and the user property sheets: nothing of ours.
            if (p ~ /^\$\((VCTargetsPath|UserRootDir)\)/) next
            if (group && applies($0)) print "M\t" p
            next
        }
        /<ItemDefinitionGroup/ { inside = applies($0); next }
        /<\/ItemDefinitionGroup>/ { inside = 0; next }
        inside && /<ClCompile>/ { cl = 1; next }
        /<\/ClCompile>/ { cl = 0; next }
        inside && cl && /<PreprocessorDefinitions>/ {
            v = $0; gsub(/.*<PreprocessorDefinitions>|<\/PreprocessorDefinitions>.*/, "", v); print "D\t" v
        }
        inside && cl && /<AdditionalIncludeDirectories>/ {
            v = $0; gsub(/.*<AdditionalIncludeDirectories>|<\/AdditionalIncludeDirectories>.*/, "", v); print "I\t" v
        }
        BEGIN { group = 1 }')
}

PROGRAMS=(ConsoleAppListener ConsoleAppController)

# ---------------------------------------------------------------------------
step "a. Debian packages"

find_clang_cl() {
    local c
    for c in clang-cl-14 /usr/lib/llvm-14/bin/clang-cl clang-cl; do
        if command -v "$c" >/dev/null 2>&1; then
            command -v "$c"
            return 0
        fi
    done
    return 1
}

pkg_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=()
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || missing+=(gcc-mingw-w64-x86-64)
command -v i686-w64-mingw32-gcc >/dev/null 2>&1 || missing+=(gcc-mingw-w64-i686)
{ command -v wine64 >/dev/null 2>&1 || [ -x /usr/lib/wine/wine64 ] || pkg_installed wine64; } || missing+=(wine64)
command -v wine >/dev/null 2>&1 || missing+=(wine)
[ -f /usr/include/wine/wine/windows/windows.h ] || pkg_installed libwine-dev || missing+=(libwine-dev)
find_clang_cl >/dev/null || missing+=(clang-14 clang-tools-14) # clang-cl-14 is in clang-tools-14
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
# libFuzzer and the sanitizer runtimes for the native fuzz runs (tests/fuzz/run_fuzz.sh).
{ command -v clang-14 >/dev/null 2>&1 || command -v clang >/dev/null 2>&1; } || missing+=(clang-14)
pkg_installed libclang-rt-14-dev || missing+=(libclang-rt-14-dev)

if [ "${#missing[@]}" -eq 0 ]; then
    echo "all present"
else
    echo "missing: ${missing[*]}"
    command -v apt-get >/dev/null 2>&1 ||
        die "apt-get not found; install these packages by hand: ${missing[*]}"
    SUDO=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 ||
            die "not root and no sudo; as root run: apt-get install ${missing[*]}"
        SUDO=(sudo)
    fi
    "${SUDO[@]}" apt-get update
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" </dev/null
fi
CLANG_CL=$(find_clang_cl) || die "clang-cl not found after installing clang-14 and clang-tools-14"

# ---------------------------------------------------------------------------
# build_arch TRIPLET OUTDIR: compile common/ once, then link each program.
build_arch() {
    local triplet=$1 out=$2
    local cc=$triplet-gcc windres=$triplet-windres
    local obj=bin/obj/$triplet
    command -v "$cc" >/dev/null 2>&1 || die "$cc not found"
    rm -rf "$obj"
    mkdir -p "$obj" "$out"

    # compile_dir DIR: objects for the .c and .rc files directly in DIR,
    # their names appended to the array OBJS. A message text file (.mc) in DIR
    # is compiled first (windmc) into DIR's object folder, on the .rc's include
    # path: its messages.rc and .bin files become the exe's message table.
    compile_dir() {
        local dir=$1 f o
        OBJS=()
        mkdir -p "$obj/$dir"
        for f in "$dir"/*.c; do
            [ -e "$f" ] || continue
            o=$obj/$dir/$(basename "${f%.c}").o
            echo "  $cc -c $f"
            "$cc" "${CFLAGS[@]}" -c "$f" -o "$o"
            OBJS+=("$o")
        done
        for f in "$dir"/*.mc; do
            [ -e "$f" ] || continue
            echo "  $triplet-windmc $f"
            "$triplet-windmc" -U -h "$obj/$dir" -r "$obj/$dir" "$f"
        done
        for f in "$dir"/*.rc; do
            [ -e "$f" ] || continue
            o=$obj/$dir/$(basename "${f%.rc}").res.o
            echo "  $windres $f"
            "$windres" -DUNICODE -D_UNICODE -Icommon -I"$dir" -I"$obj/$dir" -O coff -i "$f" -o "$o"
            OBJS+=("$o")
        done
    }

    compile_dir common
    local common_objs=("${OBJS[@]}")
    [ "${#common_objs[@]}" -gt 0 ] || die "no sources in common/"
    # common/ as the static library a worker of one's own links (README.md: the listener as a library).
    echo "  $triplet-ar $out/libipc.a"
    rm -f "$out/libipc.a"
    "$triplet-ar" rcs "$out/libipc.a" "${common_objs[@]}"
    local prog
    for prog in "${PROGRAMS[@]}" tests; do
        compile_dir "$prog"
        [ "${#OBJS[@]}" -gt 0 ] || die "no sources in $prog/"
        if [ "$prog" = tests ]; then
            # The tests' shared harness (runner, spawning, helpers) lives in tests/harness/.
            local test_objs=("${OBJS[@]}")
            compile_dir tests/harness
            [ "${#OBJS[@]}" -gt 0 ] || die "no sources in tests/harness/"
            OBJS=("${test_objs[@]}" "${OBJS[@]}")
        fi
        local exe=$prog.exe
        [ "$prog" = tests ] && exe=ipc_tests.exe
        echo "  link $out/$exe"
        "$cc" "${LDFLAGS[@]}" -o "$out/$exe" "${OBJS[@]}" "${common_objs[@]}" "${LIBS[@]}"
    done
}

# check_imports EXE...: only Windows system DLLs may be imported (no libgcc_s,
# libwinpthread or other MinGW runtime DLLs: the exes must run on a bare Windows).
check_imports() {
    local exe dll bad=0
    for exe in "$@"; do
        while IFS= read -r dll; do
            case "$(echo "$dll" | tr 'A-Z' 'a-z')" in
            kernel32.dll | advapi32.dll | msvcrt.dll | ucrtbase.dll | ntdll.dll | user32.dll | \
                shell32.dll | ole32.dll | oleaut32.dll | api-ms-win-*.dll) ;;
            *)
                echo "run.sh: $exe imports $dll, which is not a Windows system DLL" >&2
                bad=1
                ;;
            esac
        done < <(x86_64-w64-mingw32-objdump -p "$exe" | sed -n 's/^[[:space:]]*DLL Name:[[:space:]]*//p')
        echo "  $exe imports: $(x86_64-w64-mingw32-objdump -p "$exe" | sed -n 's/^[[:space:]]*DLL Name:[[:space:]]*//p' | tr '\n' ' ')"
    done
    [ "$bad" -eq 0 ] || die "an executable depends on a non-system DLL"
}

step "b. build bin/ (x86_64-w64-mingw32-gcc)"
# One build at a time in this tree: two runs at once (two terminals, or several
# developers' sessions) would delete each other's objects. The lock is released
# when this script exits.
mkdir -p bin
exec 9>bin/.build.lock
if command -v flock >/dev/null 2>&1; then
    flock 9
fi
build_arch x86_64-w64-mingw32 bin
check_imports bin/ConsoleAppListener.exe bin/ConsoleAppController.exe bin/ipc_tests.exe

if [ "$MODE" = bench ]; then
    step "bench: build and run bin/ipc_bench.exe"
    OBJS=()
    for f in tests/bench/*.c; do
        [ -e "$f" ] || continue
        o=bin/obj/x86_64-w64-mingw32/bench_$(basename "${f%.c}").o
        echo "  x86_64-w64-mingw32-gcc -c $f"
        x86_64-w64-mingw32-gcc "${CFLAGS[@]}" -Itests -c "$f" -o "$o"
        OBJS+=("$o")
    done
    [ "${#OBJS[@]}" -gt 0 ] || die "no .c files in tests/bench/"
    mapfile -t common_objs < <(ls bin/obj/x86_64-w64-mingw32/common/*.o)
    x86_64-w64-mingw32-gcc "${LDFLAGS[@]}" -o bin/ipc_bench.exe "${OBJS[@]}" "${common_objs[@]}" "${LIBS[@]}"
    check_imports bin/ipc_bench.exe
    # The bench is in no .vcxproj, so steps c and d do not see it: the same checks here.
    echo "  i686-w64-mingw32-gcc -fsyntax-only tests/bench/*.c"
    i686-w64-mingw32-gcc "${CFLAGS[@]}" -Itests -fsyntax-only tests/bench/*.c
    BENCH_INC=$(dpkg -L libwine-dev 2>/dev/null | sed -n 's#/msvcrt$##p' | head -n 1)
    [ -n "$BENCH_INC" ] || BENCH_INC=/usr/include/wine/wine
    for target in x86_64-pc-windows-msvc:x64 i686-pc-windows-msvc:Win32; do
        MSVC_ARGS=()
        msvc_settings common/ipc.props Release "${target#*:}" tests/bench
        echo "  clang-cl /Zs /W4 /WX --target=${target%:*} tests/bench/*.c"
        "$CLANG_CL" /Zs /W4 /WX /std:c11 /utf-8 --target="${target%:*}" -Wshorten-64-to-32 -Wimplicit-int-conversion \
            -imsvc "$BENCH_INC/msvcrt" -imsvc "$BENCH_INC/windows" "${MSVC_ARGS[@]}" /Itests -- tests/bench/*.c
    done
    # It measures a copy of the programs, so that another build of bin/ during the
    # run (the lock is released below) cannot change them under it.
    BENCH_DIR=$(mktemp -d)
    cp bin/ConsoleAppController.exe bin/ConsoleAppListener.exe bin/ipc_bench.exe "$BENCH_DIR/"
    exec 9>&- # the build lock; wineserver must not inherit it
    timeout 300 wine cmd /c exit </dev/null >/dev/null 2>&1 || true
    # IPC_BENCH_ARGS: more arguments for the bench, e.g. --quick (see ipc_bench.exe --help).
    read -r -a BENCH_ARGS <<<"${IPC_BENCH_ARGS:-}"
    DONE=1
    set +e
    timeout -k 10 "${IPC_TEST_TIMEOUT:-1200}" wine "$BENCH_DIR/ipc_bench.exe" "${BENCH_ARGS[@]}" </dev/null
    rc=$?
    set -e
    if [ -f "$BENCH_DIR/ipc_bench_results.md" ]; then
        cp "$BENCH_DIR/ipc_bench_results.md" bin/ipc_bench_results.md
        echo "run.sh: the table is in bin/ipc_bench_results.md" >&2
    fi
    rm -rf "$BENCH_DIR"
    exit "$rc"
fi

step "c. build bin/i686/ (i686-w64-mingw32-gcc, compile and link only)"
build_arch i686-w64-mingw32 bin/i686

# ---------------------------------------------------------------------------
step "d. MSVC check (clang-cl /Zs /W4 /WX against Wine's headers)"

WINE_INC=$(dpkg -L libwine-dev 2>/dev/null | sed -n 's#/msvcrt$##p' | head -n 1)
[ -n "$WINE_INC" ] || WINE_INC=/usr/include/wine/wine
[ -f "$WINE_INC/msvcrt/stdio.h" ] && [ -f "$WINE_INC/windows/windows.h" ] ||
    die "Wine's headers not found under $WINE_INC (package libwine-dev)"
echo "  clang-cl: $CLANG_CL; headers: $WINE_INC/msvcrt, $WINE_INC/windows"

# What MSVC /W4 reports and clang's /W4 (= -Wall -Wextra) does not, approximated:
#   C4267/C4244 (64-to-32 and other narrowing conversions) -> -Wshorten-64-to-32,
#   -Wimplicit-int-conversion. These only add warnings; nothing is turned off.
MSVC_EXTRA=(-Wshorten-64-to-32 -Wimplicit-int-conversion)

# c89_initializer_check TARGET FILE...: MSVC in C mode warns, at /W4 and so as errors with
# /WX, on aggregate initializers that are not compile-time constants (C4204: {x, y} of
# variables) or that hold addresses of locals (C4221: {&local}), and some versions do so
# also with /std:c11, where clang-cl stays silent. Clang reports exactly that, as
# "initializer for aggregate is not a compile-time constant", only in C89 mode: one
# pass in gnu89 mode with every other warning off finds both. Uses MSVC_ARGS.
c89_initializer_check() {
    local target=$1 out found
    shift
    out=$("$CLANG_CL" /Zs /utf-8 --target="$target" /clang:-std=gnu89 -Wno-everything -Wc99-extensions \
        -ferror-limit=0 -imsvc "$WINE_INC/msvcrt" -imsvc "$WINE_INC/windows" "${MSVC_ARGS[@]}" -- "$@" 2>&1) || {
        echo "$out" >&2
        die "clang-cl in C89 mode (the check for MSVC's C4204/C4221) could not compile: $*"
    }
    found=$(grep -F 'initializer for aggregate is not a compile-time constant' <<<"$out" || true)
    if [ -n "$found" ]; then
        echo "$found" >&2
        die "MSVC in C mode warns on these initializers (C4204 non-constant, C4221 address of a local; errors with /WX): assign the fields instead"
    fi
}

# msvc_check VCXPROJ CONFIG PLATFORM TARGET
msvc_check() {
    local proj=$1 config=$2 platform=$3 target=$4
    local dir
    dir=$(dirname "$proj")
    local files=() item
    MSVC_ARGS=()
    msvc_settings "$proj" "$config" "$platform" "$dir"
    while IFS= read -r item; do
        [ -n "$item" ] && files+=("$(realpath -m --relative-to=. "$dir/$item")")
    done < <(strip_xml "$proj" | grep -o '<ClCompile[[:space:]][^>]*Include="[^"]*"' |
        sed -e 's/.*Include="\([^"]*\)"/\1/' -e 's#\\#/#g')
    [ "${#files[@]}" -gt 0 ] || return 0
    echo "  $proj $config|$platform ($target): ${#files[@]} files"
    # /I of the project's own folder: MSVC looks there for "..." includes anyway.
    "$CLANG_CL" /Zs /W4 /WX /std:c11 /utf-8 --target="$target" "${MSVC_EXTRA[@]}" \
        -imsvc "$WINE_INC/msvcrt" -imsvc "$WINE_INC/windows" \
        "${MSVC_ARGS[@]}" -- "${files[@]}"
    # The settings do not change the initializers: once per platform is enough.
    if [ "$config" = Release ]; then
        c89_initializer_check "$target" "${files[@]}"
    fi
}

mapfile -t PROJECTS < <(find . -name '*.vcxproj' -not -path './.git/*' -not -path './bin/*' -printf '%P\n' | LC_ALL=C sort)
[ "${#PROJECTS[@]}" -gt 0 ] || die "no .vcxproj found"
for proj in "${PROJECTS[@]}"; do
    msvc_check "$proj" Release x64 x86_64-pc-windows-msvc
    msvc_check "$proj" Debug x64 x86_64-pc-windows-msvc
    msvc_check "$proj" Release Win32 i686-pc-windows-msvc
    msvc_check "$proj" Debug Win32 i686-pc-windows-msvc
done

# MSVC warns (C4996, an error under /WX) about CRT functions it deprecates in
# favour of the _s versions or of ISO names; Wine's headers do not mark them, so
# look for calls in the code (comments removed by the preprocessor).
DEPRECATED='strcpy|strcat|strncpy|strncat|sprintf|vsprintf|_snprintf|_vsnprintf|wcscpy|wcscat|wcsncpy|wcsncat|_swprintf|_snwprintf|_vsnwprintf|wcstok|strtok|_wcstok|sscanf|swscanf|scanf|wscanf|fscanf|fwscanf|fopen|_wfopen|freopen|_wfreopen|getenv|_wgetenv|_wdupenv|strerror|_wcserror|_strerror|mbstowcs|wcstombs|wctomb|mbtowc|localtime|gmtime|ctime|_wctime|asctime|_itow|_ltow|_ultow|_i64tow|_ui64tow|_itoa|_ltoa|_ultoa|itoa|ltoa|_wsplitpath|_wmakepath|_splitpath|_makepath|tmpnam|_wtmpnam|_wcslwr|_wcsupr|_strlwr|_strupr|wcsdup|strdup|wcsicmp|wcsnicmp|stricmp|strnicmp|wcslwr|wcsupr|getch|kbhit|fileno|_getws|gets|GetVersionExW|GetVersionExA|GetVersionEx'
DEPRECATED_RE="(^|[^A-Za-z0-9_.>])($DEPRECATED)[[:space:]]*\\("
deprecated_found=0
for proj in "${PROJECTS[@]}"; do
    dir=$(dirname "$proj")
    while IFS= read -r item; do
        [ -n "$item" ] || continue
        f=$(realpath -m --relative-to=. "$dir/$item")
        if x86_64-w64-mingw32-gcc -fpreprocessed -dD -E -P -x c "$f" 2>/dev/null |
            grep -qE "$DEPRECATED_RE"; then
            echo "run.sh: $f calls a CRT function MSVC deprecates (C4996, an error with /WX); use the _s or Win32 version:" >&2
            grep -nE "$DEPRECATED_RE" "$f" | sed "s#^#    $f:#" >&2 || true
            deprecated_found=1
        fi
    done < <(strip_xml "$proj" | grep -o '<ClCompile[[:space:]][^>]*Include="[^"]*"' |
        sed -e 's/.*Include="\([^"]*\)"/\1/' -e 's#\\#/#g')
done
[ "$deprecated_found" -eq 0 ] || die "MSVC would reject deprecated CRT calls (C4996)"
echo "  no MSVC-deprecated CRT calls"

# ---------------------------------------------------------------------------
step "d2. README example (bin/example/worker.c)"
# The documented example is built and checked like the programs, so it cannot rot.
mkdir -p bin/example
awk '/<!-- example: worker\.c -->/ { marker = 1; next }
    marker && !inside { if ($0 !~ /^```c/) exit 1; inside = 1; next }
    inside && /^```/ { done = 1; exit }
    inside { print }
    END { if (!done) exit 1 }' README.md | tr -d '\r' >bin/example/worker.c ||
    die "README.md: no \`\`\`c block right after the line <!-- example: worker.c -->"
# README.md's one-line builds of it, as a user types them in the clone's root: run
# exactly as written, in a folder that has worker.c and the clone's common/ and bin/.
BUILD_LINES=$(awk '/<!-- build: worker\.c -->/ { marker = 1; next }
    marker && !inside { if ($0 !~ /^```/) exit 1; inside = 1; next }
    inside && /^```/ { done = 1; exit }
    inside { print }
    END { if (!done) exit 1 }' README.md | tr -d '\r') ||
    die "README.md: no \`\`\` block right after the line <!-- build: worker.c -->"
MINGW_LINE=$(grep -m 1 '^x86_64-w64-mingw32-gcc ' <<<"$BUILD_LINES") ||
    die "README.md: the block after <!-- build: worker.c --> has no line starting x86_64-w64-mingw32-gcc"
MSVC_LINE=$(grep -m 1 '^cl ' <<<"$BUILD_LINES") ||
    die "README.md: the block after <!-- build: worker.c --> has no line starting cl"
EXAMPLE_DIR=$(mktemp -d)
cp bin/example/worker.c "$EXAMPLE_DIR/"
ln -s "$ROOT/common" "$EXAMPLE_DIR/common"
ln -s "$ROOT/bin" "$EXAMPLE_DIR/bin"
echo "  (README.md) $MINGW_LINE"
(cd "$EXAMPLE_DIR" && eval "$MINGW_LINE") || die "README.md's MinGW build of the example failed: $MINGW_LINE"
[ -f "$EXAMPLE_DIR/worker.exe" ] || die "README.md's MinGW build line made no worker.exe: $MINGW_LINE"
mv "$EXAMPLE_DIR/worker.exe" bin/example/worker.exe
# The cl line: its compile options as written (the .lib files go to the linker, which
# cannot run here) with clang-cl and /WX, in both targets; it must link build.bat's bin\ipc.lib.
case " $MSVC_LINE " in *' bin\ipc.lib '*) ;; *) die "README.md's cl line does not link bin\\ipc.lib: $MSVC_LINE" ;; esac
read -r -a MSVC_WORDS <<<"${MSVC_LINE#cl }"
MSVC_COMPILE=()
for word in "${MSVC_WORDS[@]}"; do
    case "$word" in *.lib) ;; *) MSVC_COMPILE+=("$word") ;; esac
done
for target in x86_64-pc-windows-msvc i686-pc-windows-msvc; do
    echo "  (README.md) $MSVC_LINE: clang-cl /Zs /WX ${MSVC_COMPILE[*]} ($target)"
    (cd "$EXAMPLE_DIR" && "$CLANG_CL" /Zs /WX --target="$target" "${MSVC_EXTRA[@]}" \
        -imsvc "$WINE_INC/msvcrt" -imsvc "$WINE_INC/windows" "${MSVC_COMPILE[@]}") ||
        die "README.md's cl line does not compile cleanly: $MSVC_LINE"
done
rm -rf "$EXAMPLE_DIR"
check_imports bin/example/worker.exe
# With the settings every project has (common/ipc.props), as a project of the user's would.
for target in x86_64-pc-windows-msvc:x64 i686-pc-windows-msvc:Win32; do
    MSVC_ARGS=()
    msvc_settings common/ipc.props Release "${target#*:}" bin/example
    echo "  clang-cl /Zs /W4 /WX bin/example/worker.c (${target%:*})"
    "$CLANG_CL" /Zs /W4 /WX /std:c11 /utf-8 --target="${target%:*}" "${MSVC_EXTRA[@]}" \
        -imsvc "$WINE_INC/msvcrt" -imsvc "$WINE_INC/windows" "${MSVC_ARGS[@]}" -- bin/example/worker.c
    c89_initializer_check "${target%:*}" bin/example/worker.c
done
example_pre=$(x86_64-w64-mingw32-gcc -fpreprocessed -dD -E -P -x c bin/example/worker.c)
! grep -qE "$DEPRECATED_RE" <<<"$example_pre" ||
    die "bin/example/worker.c (README.md) calls a CRT function MSVC deprecates (C4996)"

# ---------------------------------------------------------------------------
step "e. project consistency (tests/check_projects.sh)"
bash tests/check_projects.sh

# Release the build lock before anything runs under Wine: the wineserver that
# the first wine call starts would inherit the descriptor and hold it for ever.
exec 9>&-

if [ "$MODE" = build ]; then
    DONE=1
    echo
    echo "build OK: bin/ConsoleAppListener.exe bin/ConsoleAppController.exe bin/ipc_tests.exe (+ bin/i686/)"
    exit 0
fi

# ---------------------------------------------------------------------------
step "f. tests under Wine"

TOTAL_TIMEOUT=${IPC_TEST_TIMEOUT:-1200}
START=$SECONDS
remaining() {
    local r=$((TOTAL_TIMEOUT - (SECONDS - START)))
    [ "$r" -gt 0 ] || r=1
    echo "$r"
}

echo "  preparing the Wine prefix (${WINEPREFIX:-$HOME/.wine})"
if ! timeout 300 wine cmd /c exit </dev/null >/dev/null 2>&1; then
    timeout 300 wineboot -i </dev/null >/dev/null 2>&1 || die "could not create the Wine prefix (wine cmd /c exit and wineboot -i failed)"
fi

LOG_DIR=$(mktemp -d)
PASSED=0
FAILED=0
STEP_FAILURES=()

# run_suite NAME LOG CMD...: runs CMD with its output shown and logged, then
# adds the last "N passed, N failed" line of the log to the totals. A suite
# that exits non-zero without reporting a failure counts as one failure.
run_suite() {
    local name=$1 log=$2
    shift 2
    local rc=0
    echo "  --- $name: $*"
    set +e
    "$@" </dev/null 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    set -e
    local line p=0 f=0
    line=$(tr -d '\r' <"$log" | grep -E '[0-9]+ passed, [0-9]+ failed' | tail -n 1 || true)
    if [ -n "$line" ]; then
        read -r p f < <(echo "$line" | grep -oE '[0-9]+ passed, [0-9]+ failed' | tail -n 1 |
            sed -E 's/([0-9]+) passed, ([0-9]+) failed/\1 \2/')
    fi
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        echo "run.sh: $name timed out (IPC_TEST_TIMEOUT=${TOTAL_TIMEOUT}s for all of step f)" >&2
    fi
    if [ -z "$line" ]; then
        echo "run.sh: $name printed no 'N passed, N failed' line (exit code $rc); counted as 1 failure" >&2
        f=$((f + 1))
    elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "run.sh: $name exited with code $rc but reported no failure; counted as 1 failure" >&2
        f=1
    fi
    if [ "$rc" -ne 0 ] || [ "$f" -ne 0 ]; then
        STEP_FAILURES+=("$name (exit code $rc, $f failed)")
    fi
    PASSED=$((PASSED + p))
    FAILED=$((FAILED + f))
}

run_suite "bin/ipc_tests.exe" "$LOG_DIR/ipc_tests.log" \
    timeout -k 10 "$(remaining)" wine bin/ipc_tests.exe
# The header's 64-bit fields can tear only in a 32-bit process: that test once more from
# the 32-bit build, where this Wine runs 32-bit programs (Debian: the wine32:i386 package).
if timeout 120 wine bin/i686/ipc_tests.exe --list </dev/null 2>/dev/null | tr -d '\r' | grep -q '^header_64bit_fields_whole '; then
    run_suite "bin/i686/ipc_tests.exe" "$LOG_DIR/ipc_tests_i686.log" \
        timeout -k 10 "$(remaining)" wine bin/i686/ipc_tests.exe header_64bit_fields_whole
else
    echo "  (bin/i686/ipc_tests.exe header_64bit_fields_whole skipped: this Wine runs no 32-bit programs;"
    echo "   as root: dpkg --add-architecture i386 && apt-get update && apt-get install wine32:i386)"
fi
if [ -f tests/interactive.sh ]; then
    run_suite "tests/interactive.sh" "$LOG_DIR/interactive.log" \
        timeout -k 10 "$(remaining)" bash tests/interactive.sh
else
    echo "  (tests/interactive.sh not there; skipped)"
fi
# A log on a volume that runs out of inodes (a tmpfs; needs root for mount).
run_suite "tests/log_volume.sh" "$LOG_DIR/log_volume.log" \
    timeout -k 10 "$(remaining)" bash tests/log_volume.sh
# The Event Log: what ReportEventW receives, read from Wine's eventlog debug channel.
run_suite "tests/eventlog.sh" "$LOG_DIR/eventlog.log" \
    timeout -k 10 "$(remaining)" bash tests/eventlog.sh
# build.bat under Wine's cmd.exe with a stand-in gcc: the architecture it says, the 32-bit refusal.
run_suite "tests/build_bat.sh" "$LOG_DIR/build_bat.log" \
    timeout -k 10 "$(remaining)" bash tests/build_bat.sh
# The parsers and the mapping check fuzzed natively (no Wine), a bounded time each.
run_suite "tests/fuzz/run_fuzz.sh" "$LOG_DIR/fuzz.log" \
    timeout -k 10 "$(remaining)" bash tests/fuzz/run_fuzz.sh "${IPC_FUZZ_SECONDS:-10}"
rm -rf "$LOG_DIR"

DONE=1
echo
if [ "${#STEP_FAILURES[@]}" -gt 0 ]; then
    echo "run.sh: step f (tests) failed: ${STEP_FAILURES[*]}" >&2
fi
echo "$PASSED passed, $FAILED failed"
if [ "$FAILED" -ne 0 ] || [ "${#STEP_FAILURES[@]}" -gt 0 ]; then
    exit 1
fi
exit 0
