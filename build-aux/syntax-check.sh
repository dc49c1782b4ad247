#!/bin/sh
# syntax-check.sh: the house rules that a compiler does not check: layering of #includes,
# file headers, banned calls, translatable messages and a complete zh_CN catalogue, format.
# Usage: syntax-check.sh SRCDIR. Prints each violation as file:line: rule, exits 1 if any.

srcdir=${1:-.}
cd "$srcdir" || exit 2
fail=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/qvsyntax.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

bad() {
    printf '%s\n' "$1" >&2
    fail=1
}

c_files=$(find src tools daemon tests include -name '*.[ch]' 2>/dev/null | sort)
lib_files=$(find src -name '*.[ch]' | sort)

# ---- 1. layering: a lower layer never includes a higher one ----
# rank of each layer; a file may include headers of its own rank or below
rank_of_dir() {
    case "$1" in
    src/util | src/rpc) echo 0 ;;
    src/conf) echo 1 ;;
    src/driver) echo 2 ;;
    src/qemu | src/remote) echo 3 ;;
    src/libqvirt) echo 4 ;;
    tools | daemon) echo 5 ;;
    tests | tests/*) echo 9 ;;
    *) echo 9 ;;
    esac
}
find src tools daemon -name '*.h' 2>/dev/null | while read -r h; do
    printf '%s %s\n' "$(basename "$h")" "$(dirname "$h")"
done > "$tmp/headers"
for f in $c_files; do
    dir=$(dirname "$f")
    mine=$(rank_of_dir "$dir")
    grep -n '^#include "' "$f" | while IFS=: read -r line inc; do
        name=$(printf '%s' "$inc" | sed 's/^#include "\(.*\)".*/\1/')
        hdir=$(awk -v n="$name" '$1 == n { print $2 }' "$tmp/headers")
        [ -n "$hdir" ] || continue
        theirs=$(rank_of_dir "$hdir")
        # tools and the daemon use the public API and util, never the internal layers
        if [ "$mine" = 5 ] && [ "$theirs" -ge 1 ] && [ "$theirs" -le 4 ]; then
            echo "$f:$line: layering: $dir must not include $hdir/$name (use the public API)"
        elif [ "$theirs" -gt "$mine" ] && [ "$mine" != 9 ]; then
            echo "$f:$line: layering: $dir must not include higher layer $hdir/$name"
        fi
    done
done > "$tmp/layering"
[ -s "$tmp/layering" ] && bad "$(cat "$tmp/layering")"

# ---- 2. every source file says what it is for, and .c files include config.h first ----
for f in $c_files; do
    first=$(head -n 1 "$f")
    case "$first" in
    "/* "*) ;;
    *) bad "$f:1: header: the first line must be a comment saying what the file is for" ;;
    esac
    case "$f" in
    tests/*data/*.c) ;; # programs built against other projects' headers (libvirt-dev)
    *.c)
        inc=$(grep -m 1 '^#include' "$f")
        [ "$inc" = "#include <config.h>" ] || bad "$f: '#include <config.h>' must be the first include"
        ;;
    esac
done
for f in $(find tests .ci -name '*.sh' 2>/dev/null) build-aux/syntax-check.sh .ci/run quickstart; do
    [ -f "$f" ] || continue
    sed -n '2p' "$f" | grep -q '^# ' || bad "$f:2: header: the second line must be a comment saying what the script is for"
done

# ---- 3. banned calls and habits ----
grep -nE '\b(sprintf|vsprintf|strcpy|strcat|gets|strtok|atoi|atol|atof)[[:space:]]*\(' $lib_files tools/*.c \
    | grep -v 'g_strdup_vprintf\|g_vsprintf' > "$tmp/banned"
[ -s "$tmp/banned" ] && bad "$(sed 's/$/  <- banned: use GLib or bounded functions/' "$tmp/banned")"
# library code never prints; the caller decides what the user sees (qvlog writes logs).
# Helper programs under src/ (their main() is a program's) may tell their caller how
# they were misused.
helper_programs='src/qemu/qemu_supervisor.c'
grep -nE '\b(printf|fprintf|puts|perror|g_print|g_printerr)[[:space:]]*\(' $lib_files \
    | grep -v '^src/util/qvlog.c:' | grep -vF "$helper_programs:" > "$tmp/print"
[ -s "$tmp/print" ] && bad "$(sed 's/$/  <- library code must not print/' "$tmp/print")"
grep -nP '\t' $c_files > "$tmp/tabs"
[ -s "$tmp/tabs" ] && bad "$(sed 's/$/  <- tab in C source/' "$tmp/tabs")"
grep -nE '[[:space:]]+$' $c_files docs/*.rst docs/schemas/*.rng README.md ChangeLog > "$tmp/trailing"
[ -s "$tmp/trailing" ] && bad "$(sed 's/$/  <- trailing whitespace/' "$tmp/trailing")"

# ---- 4. user-visible messages are translatable ----
# the format of each report must be _("...") or N_(...), or a literal made only of
# conversions and punctuation (e.g. "%s: %s"); node lookups inside the call are skipped
grep -nE '(qvReportError|qvReportSystemError|qvshError|qvXMLReportNodeError)\(' $lib_files tools/*.c \
    | sed -E 's/qvXMLChild\([^)]*\)//g' \
    | grep -E '(qvReportError|qvReportSystemError|qvshError|qvXMLReportNodeError)\([^"]*"[^"]' \
    | grep -vE '(qvReportError|qvReportSystemError|qvshError|qvXMLReportNodeError)\([^"]*(_\(|N_\()' \
    | grep -vE '(qvReportError|qvReportSystemError|qvshError|qvXMLReportNodeError)\([^"]*"(%[a-z]+|[^A-Za-z"])*"' \
    > "$tmp/untranslated"
[ -s "$tmp/untranslated" ] && bad "$(sed 's/$/  <- message not marked with _()/' "$tmp/untranslated")"

# every file with _() is in po/POTFILES.in, and every listed file exists
grep -lE '\b_\(|\bN_\(' $lib_files tools/*.c daemon/*.c 2>/dev/null | sort > "$tmp/with-msgs"
grep -v '^#' po/POTFILES.in | sed '/^$/d' | sort > "$tmp/potfiles"
comm -23 "$tmp/with-msgs" "$tmp/potfiles" | sed 's/$/: has messages but is missing from po\/POTFILES.in/' > "$tmp/pot-missing"
comm -13 "$tmp/with-msgs" "$tmp/potfiles" | sed 's/$/: listed in po\/POTFILES.in but has no messages/' >> "$tmp/pot-missing"
[ -s "$tmp/pot-missing" ] && bad "$(cat "$tmp/pot-missing")"

# the zh_CN catalogue translates every current message
if command -v xgettext >/dev/null 2>&1; then
    xgettext --keyword=_ --keyword=N_ --keyword=g_dngettext:2,3 --from-code=UTF-8 -o "$tmp/qvirt.pot" \
        --files-from="$tmp/potfiles" 2>"$tmp/xgettext.err" || bad "xgettext failed: $(cat "$tmp/xgettext.err")"
    for po in po/*.po; do
        msgmerge --quiet --no-fuzzy-matching -o "$tmp/merged.po" "$po" "$tmp/qvirt.pot" 2>/dev/null
        stats=$(LC_ALL=C msgfmt --statistics -o /dev/null "$tmp/merged.po" 2>&1)
        case "$stats" in
        *untranslated* | *fuzzy*) bad "$po: incomplete: $stats (run: msgmerge -U $po with the current messages, then translate)" ;;
        esac
        msgfmt -c -o /dev/null "$po" 2>"$tmp/msgfmt.err" || bad "$po: $(cat "$tmp/msgfmt.err")"
    done
else
    bad "xgettext not found (apt-get install gettext)"
fi

# ---- 5. golden data: each test domain has its expected result ----
for x in tests/qemuxml2argvdata/*.xml; do
    b=${x%.xml}
    [ -f "$b.args" ] || [ -f "$b.err" ] || bad "$x: neither $(basename "$b").args nor .err exists"
done

# ---- 6. layout follows .clang-format ----
if command -v clang-format >/dev/null 2>&1; then
    # shellcheck disable=SC2086
    clang-format --dry-run --Werror $c_files 2>"$tmp/format" || bad "$(grep -E '^[^ ].*: (error|warning)' "$tmp/format" | head -20)
(run 'make format')"
else
    bad "clang-format not found (apt-get install clang-format)"
fi

if [ "$fail" = 0 ]; then
    echo "syntax-check: OK"
fi
exit $fail
