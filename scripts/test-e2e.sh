#!/usr/bin/env bash
# End-to-end tests of the community service: builds the real binaries, then runs
# tests/e2e, which starts ringfence-server on 127.0.0.1 (ephemeral ports, temp dirs) and
# drives phones through the core API and the ringfence command line.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet -p ringfence-server -p ringfence
cargo test --quiet -p ringfence-e2e
