#!/usr/bin/env bash
# Load test of the community server on loopback (bounded: 7 phases of SECONDS each, at
# most 2 million requests per phase). Builds the server and the load generator in release
# mode, then runs tests/e2e/examples/loadtest.rs, which starts the server, lists 200,000
# numbers and drives each endpoint from 8 keep-alive connections.
#
#   scripts/loadtest.sh [--seconds 5] [--connections 8] [--listed 200000] [--max-requests N]
#
# Prints a Markdown table (requests/s, reports/s or MB/s, p50/p99 latency, throughput
# relative to /health in the same run) and the server's memory; docs/reliability.md keeps
# the last figures. Exits 1 if any request got an answer other than 200.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --release -p ringfence-server
cargo build --quiet --release -p ringfence-e2e --example loadtest
target/release/examples/loadtest "$@"
