#!/usr/bin/env bash
# The size of the phone's library: builds libringfence_ffi (the cdylib, default features,
# as an app ships it) with the `mobile` profile (Cargo.toml: fat LTO, one codegen unit)
# and the phone's SQLite options (bindings/mobile-build.env),
# strips a copy with `strip` and prints its size, and the ten largest contributors by
# crate, summed from the symbol table (`nm --size-sort`, demangled; a symbol counts for
# the crate its path starts with, so generic code instantiated for ringfence types counts
# for the crate that defines the generic, as cargo-bloat does; a C symbol counts for the
# -sys crate whose static library defines it: libsqlite3-sys, zstd-sys).
#
#   scripts/lib-size.sh                 the figures, as text
#   scripts/lib-size.sh --markdown      the "Library size" section of docs/benchmarks.md
#   scripts/lib-size.sh --max-mb 4.5    also fails (exit 1) when the stripped library is
#                                       larger than 4.5 MB (10^6 bytes): CI (scripts/test.sh)
#
# Linux hosts (x86_64 is the measured figure; an ELF .so). Reuses the build when nothing
# changed; a fresh build takes minutes (fat LTO).
set -euo pipefail
LOG_TAG=lib-size
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"

markdown=0 max_mb=''
while [ $# -gt 0 ]; do
    case "$1" in
        --markdown) markdown=1; shift ;;
        --max-mb) max_mb="$2"; shift 2 ;;
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
        *) die "unknown argument $1" ;;
    esac
done
[ "$(uname -s)" = Linux ] || die "measures the Linux .so; run it on a Linux host"

# The phone's SQLite options (and anything else the mobile build sets).
# shellcheck source=../bindings/mobile-build.env
. "$root/bindings/mobile-build.env"
target="${CARGO_TARGET_DIR:-$root/target}"
lib="$target/mobile/libringfence_ffi.so"
log "cargo rustc -p ringfence-ffi --profile mobile --crate-type cdylib"
(cd "$root" && cargo rustc --quiet -p ringfence-ffi --profile mobile --lib --crate-type cdylib)
[ -f "$lib" ] || die "no $lib after the build"

work="$(mktemp -d "${TMPDIR:-/tmp}/ringfence-size.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cp "$lib" "$work/lib.so"
strip --strip-all -o "$work/stripped.so" "$work/lib.so"
bytes=$(stat -c %s "$work/stripped.so")
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.2f", b / 1e6 }')

# C symbols (SQLite's static functions have no common prefix) are named by the static
# library that defines them: the -sys crates' build outputs, e.g. libsqlite3-sys.
for a in "$target"/mobile/build/*/out/*.a; do
    [ -f "$a" ] || continue
    crate="$(basename "$(dirname "$(dirname "$a")")")"
    nm --defined-only "$a" 2>/dev/null | awk -v c="${crate%-*} (C)" 'NF == 3 { print $3 "\t" c }'
done | sort -u >"$work/c-symbols.tsv"

# Sizes by crate: "size name" from nm, summed per crate, largest first.
nm --radix=d --print-size --size-sort --defined-only -C "$work/lib.so" >"$work/symbols.txt"
awk -F'\t' 'NR == FNR { c_crate[$1] = $2; next }
    {
        split($0, f, " ")
        size = f[2] + 0
        name = $0
        sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", name)
        if (name in c_crate) { total[c_crate[name]] += size; next }
        n = name
        sub(/^[<&*( \[]+/, "", n)
        sub(/^(mut |dyn |const )+/, "", n)
        sub(/^[A-Z][A-Za-z0-9_]* as /, "", n)
        sub(/^[<&*( \[]+/, "", n)
        if (n ~ /^(uniffi|ffi)_ringfence_ffi_/) {
            crate = "ringfence_ffi"
        } else if (index(n, "::") > 0) {
            crate = substr(n, 1, index(n, "::") - 1)
            if (crate ~ /^(std|core|alloc)$/) crate = "std (core, alloc, std)"
        } else {
            crate = "other symbols (runtime, linker, unnamed)"
        }
        total[crate] += size
    }
    END { for (c in total) printf "%d\t%s\n", total[c], c }' "$work/c-symbols.tsv" "$work/symbols.txt" | sort -rn >"$work/crates.tsv"

if [ "$markdown" = 1 ]; then
    echo "## Library size"
    echo
    echo "\`libringfence_ffi.so\` for x86_64 Linux, profile \`mobile\` (fat LTO, one codegen unit, opt-level 3;"
    echo "SQLite at -O2 without the features the engine does not use, \`bindings/mobile-build.env\`; zstd"
    echo "decoding at -Os), default features (no \`builtin-http\`: apps bring their own HTTP stack), after \`strip\`:"
    echo "**$mb MB** ($bytes bytes). CI (\`scripts/test.sh\`) fails above 4.5 MB. Measured by \`scripts/lib-size.sh\`."
    echo
    echo "The ten largest contributors, by crate, from the symbol table (sizes of the symbols"
    echo "each crate's paths name; generic code counts for the crate that defines the generic):"
    echo
    echo "| crate | KB | share of the stripped file |"
    echo "|---|---:|---:|"
    head -n 10 "$work/crates.tsv" | awk -F'\t' -v b="$bytes" '{ printf "| %s | %.0f | %.1f%% |\n", $2, $1 / 1e3, 100 * $1 / b }'
    echo
else
    echo "libringfence_ffi.so (mobile profile, stripped): $mb MB ($bytes bytes)"
    echo "largest contributors by crate (symbol sizes):"
    head -n 10 "$work/crates.tsv" | awk -F'\t' -v b="$bytes" '{ printf "  %8.0f KB  %5.1f%%  %s\n", $1 / 1e3, 100 * $1 / b, $2 }'
fi

if [ -n "$max_mb" ]; then
    if awk -v b="$bytes" -v m="$max_mb" 'BEGIN { exit !(b > m * 1e6) }'; then
        log "the stripped library is $mb MB, above the $max_mb MB limit"
        exit 1
    fi
    log "$mb MB, within the $max_mb MB limit"
fi
