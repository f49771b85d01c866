#!/usr/bin/env bash
# Fuzz every target (cargo fuzz / libFuzzer) for a set time, one after the other.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 60 s, every target)
#
# Installs cargo-fuzz into ${RINGFENCE_TOOLS:-~/.cache/ringfence} when it is missing. On a
# stable toolchain it sets RUSTC_BOOTSTRAP=1 so rustc accepts libFuzzer's flags (cargo fuzz
# needs nightly otherwise). One fuzzing process at a time: the machine is shared.
#
# The corpus grows in fuzz/corpus/<target>/ (not committed), seeded from fuzz/seeds/<target>/
# and from the real data files in data/. A crash input found is copied to
# tests/fixtures/fuzz-regressions/<target>/, where `cargo test` replays it from then on
# (core/tests/fuzz_regressions.rs); the script then exits 1. Executions per target are
# printed at the end and kept in fuzz/last-run.tsv.
#
# Environment: FUZZ_SANITIZER (default none: the core has no unsafe code and SQLite is not
# instrumented either way; `address` for ASan), FUZZ_ARGS (more libFuzzer flags).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
export LOG_TAG=fuzz

secs="${1:-60}"
[ $# -gt 0 ] && shift
case "$secs" in '' | *[!0-9]*) die "usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]" ;; esac

# cargo-fuzz, pinned; installed once per machine.
CARGO_FUZZ_VERSION=0.13.2
export PATH="$RINGFENCE_TOOLS/bin:$PATH"
if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
    take_lock cargo-fuzz
    if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
        log "installing cargo-fuzz $CARGO_FUZZ_VERSION into $RINGFENCE_TOOLS"
        cargo install --locked --root "$RINGFENCE_TOOLS" cargo-fuzz --version "$CARGO_FUZZ_VERSION" -j 1 >&2
    fi
    release_lock
fi
# libFuzzer needs -Z flags: accepted by a nightly rustc, or by a stable one told to.
if ! rustc --version | grep -q nightly; then
    export RUSTC_BOOTSTRAP=1
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cd fuzz && cargo fuzz list)
fi

sanitizer="${FUZZ_SANITIZER:-none}"
# Release build with debug assertions (and so overflow checks) on: an overflow is a bug.
build_flags=(--release --debug-assertions --sanitizer "$sanitizer")
log "building ${#targets[@]} targets (sanitizer: $sanitizer)"
(cd fuzz && CARGO_BUILD_JOBS=1 cargo fuzz build "${build_flags[@]}" >&2)

data=data
seed_from_data() {
    local t="$1" dir="fuzz/corpus/$1"
    mkdir -p "$dir"
    [ -n "$(ls -A "$dir")" ] && return 0
    [ -d "$data" ] || return 0
    # One caller ID per file from the real lists (every 40th row), with the home region
    # byte the targets read first (0 = KR, 1 = US, 2 = CN, 3 = DE); for the row and import
    # targets, blocks of 25 rows.
    local ftc="$data/ftc-dnc-complaints-2021-07-08.csv" pb="$data/phoneblock-blocklist-snapshot.csv"
    case "$t" in
        number_parse | number_pattern)
            awk -F, -v d="$dir" 'NR > 1 && NR % 40 == 0 { f = d "/ftc-" NR; printf "\001%s", $1 > f; close(f) }' "$ftc"
            awk -F, -v d="$dir" 'NR > 1 && NR % 40 == 0 { f = d "/pb-" NR; printf "\003%s", $1 > f; close(f) }' "$pb" ;;
        screen)
            awk -F, -v d="$dir" 'NR > 1 && NR % 80 == 0 { f = d "/ftc-" NR; printf "\001%c%s", NR % 16, $1 > f; close(f) }' "$ftc" ;;
        row_ftc | import_ftc)
            awk -v d="$dir" 'NR % 25 == 1 { if (f) close(f); f = ""; if (NR % 250 == 1) { f = d "/ftc-" NR; printf "\001" > f } } f { print > f }' "$ftc" ;;
        row_phoneblock | import_phoneblock)
            awk -v d="$dir" 'NR % 25 == 1 { if (f) close(f); f = ""; if (NR % 250 == 1) { f = d "/pb-" NR; printf "\003" > f } } f { print > f }' "$pb" ;;
    esac
}

max_len() {
    case "$1" in
        import_* | row_* | server_reports) echo 65536 ;;
        wire_*) echo 16384 ;;
        server_headers) echo 1024 ;;
        *) echo 512 ;;
    esac
}

summary=fuzz/last-run.tsv
printf 'target\tseconds\texecs\tcorpus\tcrashes\n' >"$summary"
found=0
for t in "${targets[@]}"; do
    seed_from_data "$t"
    mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
    marker=$(mktemp)
    log "$t: ${secs} s"
    out=$(mktemp)
    # shellcheck disable=SC2086
    if ! (cd fuzz && cargo fuzz run "${build_flags[@]}" "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -max_len="$(max_len "$t")" -print_final_stats=1 ${FUZZ_ARGS:-}) >"$out" 2>&1; then
        tail -n 40 "$out" >&2
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out" | tail -n 1)
    new_crashes=0
    while IFS= read -r -d '' f; do
        mkdir -p "tests/fixtures/fuzz-regressions/$t"
        name=$(basename "$f")
        if [ ! -e "tests/fixtures/fuzz-regressions/$t/$name" ]; then
            cp "$f" "tests/fixtures/fuzz-regressions/$t/$name"
            new_crashes=$((new_crashes + 1))
            log "$t: NEW CRASH INPUT tests/fixtures/fuzz-regressions/$t/$name"
        fi
    done < <(find "fuzz/artifacts/$t" -type f -newer "$marker" \( -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' \) -print0)
    rm -f "$marker"
    [ "$new_crashes" -gt 0 ] && found=1
    [ -z "$execs" ] && found=1 && log "$t: did not run (see above)"
    corpus=$(find "fuzz/corpus/$t" -type f | wc -l)
    printf '%s\t%s\t%s\t%s\t%s\n' "$t" "$secs" "${execs:-?}" "$corpus" "$new_crashes" >>"$summary"
    rm -f "$out"
done

column -t -s $'\t' "$summary" >&2 2>/dev/null || cat "$summary" >&2
total=$(awk -F'\t' 'NR > 1 && $3 ~ /^[0-9]+$/ { s += $3 } END { print s + 0 }' "$summary")
log "total executions: $total"
if [ "$found" = 1 ]; then
    log "crash inputs were found: they are in tests/fixtures/fuzz-regressions/ (cargo test replays them)"
    exit 1
fi
