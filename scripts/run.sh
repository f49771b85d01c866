#!/usr/bin/env bash
# The main job: screen phone numbers with ringfence on an embedded SQLite database.
#
#   scripts/run.sh                  demo: import the real spam lists, add a few rules,
#                                   screen tests/fixtures/sample-calls.txt
#   scripts/run.sh ARGS...          run the ringfence command line with ARGS
#
# Builds the release binary first (cargo is the only requirement).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --quiet -p ringfence
bin=target/release/ringfence

# The demo always uses its own database; `scripts/run.sh ARGS...` uses it too unless
# RINGFENCE_DB names another, so that `scripts/run.sh history` after the demo shows it.
db=target/demo/ringfence.db
mkdir -p target/demo
if [ $# -gt 0 ]; then
  export RINGFENCE_DB=${RINGFENCE_DB:-$db} RINGFENCE_REGION=${RINGFENCE_REGION:-KR}
  exec "$bin" "$@"
fi
export RINGFENCE_DB=$db RINGFENCE_REGION=${RINGFENCE_REGION:-KR}

data=data
echo "== database: $db (home region $RINGFENCE_REGION)"
if [ ! -f "$db" ]; then
  echo "== importing the PhoneBlock community snapshot and the FTC complaints"
  "$bin" import --format phoneblock "$data/phoneblock-blocklist-snapshot.csv"
  "$bin" import --format ftc "$data/ftc-dnc-complaints-2021-07-08.csv"
  echo "== rules: block 070 internet phones, allow one of them, label 1588 numbers"
  "$bin" block add '070*' --label "Internet phone"
  "$bin" allow add 070-1234-5678 --label "My VoIP desk phone"
  "$bin" policy set category.representative warn
fi
echo "== screening tests/fixtures/sample-calls.txt"
"$bin" check --record --file tests/fixtures/sample-calls.txt
echo "== the same, as JSON (first three)"
"$bin" check --json --file tests/fixtures/sample-calls.txt | head -n 3
echo "== stats"
"$bin" stats
