#!/usr/bin/env bash
# Every test: Rust (unit, integration, property, doc), lint, and — as they land — the
# generated Kotlin and Swift bindings and the end-to-end tests against a real server.
# Installs what it needs when missing, reuses it when present. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }
started=$SECONDS

step "rust: clippy (warnings are errors)"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "rust: tests"
cargo test --workspace --quiet

step "bindings: generated Kotlin (JVM + JNA) and Swift (swiftc), compiled and run"
scripts/test-bindings.sh

step "all tests passed in $((SECONDS - started)) s"
