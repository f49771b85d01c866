#!/usr/bin/env bash
# The benchmark suite, one command: builds in release mode, measures ringfence and its
# baselines in the same run, prints a table and writes docs/benchmarks.md, with the size
# of the phone's library (scripts/lib-size.sh) at its end.
#
#   scripts/bench.sh            full sizes (1M community entries, 2M export; ~several minutes)
#   scripts/bench.sh --quick    reduced sizes, a smoke run (does not touch docs/)
set -euo pipefail
cd "$(dirname "$0")/.."

quick=()
out=(--out docs/benchmarks.md)
if [ "${1:-}" = "--quick" ]; then quick=(--quick); out=(); fi

inputs=target/baseline/inputs.tsv
mkdir -p target/baseline
[ -f "$inputs" ] || scripts/baseline.sh make-inputs "$inputs"
reps=7; [ ${#quick[@]} -gt 0 ] && reps=3
echo "bench: libphonenumber baselines on $inputs" >&2
BASELINE_SPLIT=0 scripts/baseline.sh "$inputs" "$reps" > target/baseline/results.jsonl

if [ ${#quick[@]} -eq 0 ]; then
  echo "bench: criterion micro-benchmarks of the core" >&2
  rm -rf target/criterion
  cargo bench --quiet -p ringfence-core --bench normalise --bench screen -- --noplot >&2
fi

cargo build --release --quiet -p ringfence-bench
target/release/ringfence-bench "${quick[@]}" "${out[@]}" --inputs "$inputs" --baseline-json target/baseline/results.jsonl

# The phone's library: its stripped size and largest crates (a fat-LTO build: minutes).
echo "bench: size of the mobile library (scripts/lib-size.sh)" >&2
if [ ${#quick[@]} -eq 0 ]; then
  { echo; scripts/lib-size.sh --markdown; } >> docs/benchmarks.md
else
  scripts/lib-size.sh >&2
fi
