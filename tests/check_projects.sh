#!/usr/bin/env bash
# tests/check_projects.sh - do ipc.sln and the .vcxproj files match the tree?
#
# Checks, from the file system (no file list is written down here):
#   - every .c under common/, ConsoleAppListener/, ConsoleAppController/ and
#     tests/, subfolders such as tests/harness/ included (except tests/fuzz/
#     and tests/bench/, which are native Linux or separate tools), is named by
#     exactly one <ClCompile> of one .vcxproj;
#   - every .h there is named by a <ClInclude> of the project of its folder
#     (the .vcxproj in it or in the nearest folder above);
#   - every <ClCompile>, <ClInclude>, <ResourceCompile>, <None> and
#     <ProjectReference> names a file that exists, and a reference's <Project>
#     GUID is the referenced project's <ProjectGuid>;
#   - project GUIDs are unique, every .vcxproj is in ipc.sln, the solution names no missing project, each
#     GUID in the solution is that project's <ProjectGuid>, and each project has
#     configuration entries in the solution.
# Prints every problem found and exits 1 if there was any, 0 otherwise.
# Needs only bash, coreutils, grep, sed and awk.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

SOURCE_DIRS=(common ConsoleAppListener ConsoleAppController tests)
EXCLUDED=(tests/fuzz tests/bench)
SLN=ipc.sln

problems=0
problem() {
    echo "check_projects: $*" >&2
    problems=$((problems + 1))
}

# norm PATH: PATH relative to the repository root, with '/' separators.
norm() {
    realpath -m --relative-to=. -- "$1"
}

# strip FILE: the file without a UTF-8 BOM and without carriage returns.
strip() {
    sed -e '1s/^\xEF\xBB\xBF//' -e 's/\r$//' -- "$1"
}

# items KIND FILE: the Include="..." values of <KIND Include="..."> in FILE,
# one per line, with '/' separators. Entities other than &amp; are not expected.
items() {
    strip "$2" | grep -o "<$1[[:space:]][^>]*Include=\"[^\"]*\"" |
        sed -e 's/.*Include="\([^"]*\)"/\1/' -e 's/&amp;/\&/g' -e 's#\\#/#g' || true
}

# guid_of FILE: the <ProjectGuid> of a .vcxproj, upper case, without braces.
guid_of() {
    strip "$1" | grep -o '<ProjectGuid>[^<]*</ProjectGuid>' | head -n 1 |
        sed -e 's/<[^>]*>//g' -e 's/[{}]//g' | tr 'a-f' 'A-F' || true
}

is_excluded() {
    local p=$1 e
    for e in "${EXCLUDED[@]}"; do
        case "$p" in "$e"/*) return 0 ;; esac
    done
    return 1
}

mapfile -t projects < <(find . -name '*.vcxproj' -not -path './.git/*' -not -path './bin/*' \
    -not -path './.vs/*' -printf '%P\n' | LC_ALL=C sort)
if [ "${#projects[@]}" -eq 0 ]; then
    problem "no .vcxproj found"
fi

declare -A compiled_by=()   # source path -> projects naming it (space separated)
declare -A included_by=()   # header path -> projects naming it
declare -A guid_of_project=()

for proj in "${projects[@]}"; do
    dir=$(dirname "$proj")
    guid=$(guid_of "$proj")
    if [ -z "$guid" ]; then
        problem "$proj: no <ProjectGuid>"
    fi
    guid_of_project[$proj]=$guid

    while IFS= read -r inc; do
        [ -n "$inc" ] || continue
        p=$(norm "$dir/$inc")
        [ -f "$p" ] || problem "$proj: <ClCompile Include=\"$inc\"> names $p, which does not exist"
        compiled_by[$p]="${compiled_by[$p]:-}${compiled_by[$p]:+ }$proj"
    done < <(items ClCompile "$proj")

    while IFS= read -r inc; do
        [ -n "$inc" ] || continue
        p=$(norm "$dir/$inc")
        [ -f "$p" ] || problem "$proj: <ClInclude Include=\"$inc\"> names $p, which does not exist"
        included_by[$p]="${included_by[$p]:-}${included_by[$p]:+ }$proj"
    done < <(items ClInclude "$proj")

    for kind in ResourceCompile None Image Manifest; do
        while IFS= read -r inc; do
            [ -n "$inc" ] || continue
            p=$(norm "$dir/$inc")
            [ -e "$p" ] || problem "$proj: <$kind Include=\"$inc\"> names $p, which does not exist"
        done < <(items "$kind" "$proj")
    done
done

# Project GUIDs are unique.
declare -A project_with_guid=()
for proj in "${projects[@]}"; do
    g=${guid_of_project[$proj]}
    [ -n "$g" ] || continue
    if [ -n "${project_with_guid[$g]:-}" ]; then
        problem "$proj has the same <ProjectGuid> {$g} as ${project_with_guid[$g]}"
    else
        project_with_guid[$g]=$proj
    fi
done

# Project references: the file exists and the GUID given is its ProjectGuid.
for proj in "${projects[@]}"; do
    dir=$(dirname "$proj")
    while IFS=$'\t' read -r inc ref_guid; do
        [ -n "$inc" ] || continue
        p=$(norm "$dir/${inc//\\//}")
        if [ ! -f "$p" ]; then
            problem "$proj: <ProjectReference Include=\"$inc\"> names $p, which does not exist"
            continue
        fi
        want=${guid_of_project[$p]:-$(guid_of "$p")}
        if [ -n "$ref_guid" ] && [ "$ref_guid" != "$want" ]; then
            problem "$proj: <ProjectReference Include=\"$inc\"> gives GUID {$ref_guid} but $p has {$want}"
        fi
    done < <(strip "$proj" | awk '
        /<ProjectReference[[:space:]]/ {
            inc = $0; sub(/.*Include="/, "", inc); sub(/".*/, "", inc); g = ""
            if ($0 ~ /\/>/) { print inc "\t"; inc = "" }
            next
        }
        inc != "" && /<Project>/ { g = $0; gsub(/.*<Project>[{]?|[}]?<\/Project>.*/, "", g); g = toupper(g) }
        inc != "" && /<\/ProjectReference>/ { print inc "\t" g; inc = "" }
    ')
done

# Every source file is compiled by exactly one project; every header is listed
# by the project of its folder (the .vcxproj in it or in the nearest parent).
project_of_dir() {
    local d=$1 f
    while :; do
        for f in "${projects[@]}"; do
            [ "$(dirname "$f")" = "$d" ] && { echo "$f"; return 0; }
        done
        [ "$d" = "." ] && return 1
        d=$(dirname "$d")
    done
}

for top in "${SOURCE_DIRS[@]}"; do
    [ -d "$top" ] || { problem "folder $top/ is missing"; continue; }
    while IFS= read -r f; do
        is_excluded "$f" && continue
        case "$f" in
        *.c)
            owners=${compiled_by[$f]:-}
            set -- $owners
            if [ "$#" -eq 0 ]; then
                problem "$f is not in any .vcxproj (add <ClCompile Include=\"...\" /> to $(project_of_dir "$(dirname "$f")" || echo 'its project'))"
            elif [ "$#" -gt 1 ]; then
                problem "$f is compiled $# times: by $owners"
            fi
            ;;
        *.h)
            own=$(project_of_dir "$(dirname "$f")" || true)
            if [ -z "$own" ]; then
                problem "$f: no .vcxproj in its folder or above"
            else
                case " ${included_by[$f]:-} " in
                *" $own "*) ;;
                *) problem "$f is not a <ClInclude> of $own" ;;
                esac
            fi
            ;;
        esac
    done < <(find "$top" -type f \( -name '*.c' -o -name '*.h' \) | LC_ALL=C sort)
done

# The solution.
if [ ! -f "$SLN" ]; then
    problem "$SLN is missing"
else
    declare -A in_sln=()
    while IFS=$'\t' read -r name path guid; do
        p=$(norm "${path//\\//}")
        guid=$(echo "$guid" | tr 'a-f' 'A-F')
        in_sln[$p]=1
        if [ ! -f "$p" ]; then
            problem "$SLN: project \"$name\" names $p, which does not exist"
            continue
        fi
        want=${guid_of_project[$p]:-$(guid_of "$p")}
        if [ "$guid" != "$want" ]; then
            problem "$SLN: project \"$name\" has GUID {$guid} but $p has <ProjectGuid>{$want}</ProjectGuid>"
        fi
        if ! strip "$SLN" | grep -qi "^[[:space:]]*{$guid}\.[^.]*\.Build\.0 = "; then
            problem "$SLN: project \"$name\" {$guid} is not built by any solution configuration"
        fi
    done < <(strip "$SLN" | sed -n 's/^Project("{[^}]*}") = "\([^"]*\)", "\([^"]*\)", "{\([^}]*\)}".*/\1\t\2\t\3/p')
    for proj in "${projects[@]}"; do
        [ -n "${in_sln[$proj]:-}" ] || problem "$proj is not in $SLN"
    done
fi

if [ "$problems" -ne 0 ]; then
    echo "check_projects: $problems problem(s) found" >&2
    exit 1
fi
echo "check_projects: ${#projects[@]} projects consistent with the tree and $SLN"
