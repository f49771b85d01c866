#!/usr/bin/env bash
# Every test: Rust (unit, integration, property, doc; the end-to-end tests start the real
# server on 127.0.0.1), lint, number parsing against libphonenumber (Python phonenumbers),
# the server on PostgreSQL, the public page in a real browser, and the generated Kotlin and
# Swift bindings compiled and run.
# Installs what it needs when missing, reuses it when present. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }
started=$SECONDS

step "rust: formatting (cargo fmt --check; rustfmt.toml)"
cargo fmt --all --check
(cd fuzz && cargo fmt --check)

step "rust: clippy (warnings are errors)"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "rust: tests"
cargo test --workspace --quiet

step "library size: the phone's libringfence_ffi.so (mobile profile, stripped) at most 4.5 MB"
scripts/lib-size.sh --max-mb 4.5

step "numbers: cross-check against the reference (Python phonenumbers at the crate's metadata version)"
scripts/crosscheck.sh

step "server on PostgreSQL: storage tests and an end-to-end test on a throwaway cluster"
scripts/test-postgres.sh

step "public page: headless Chromium (Selenium) against the real server; screenshots in docs/img/"
scripts/test-browser.sh

step "bindings: generated Kotlin (JVM + JNA) and Swift (swiftc), compiled and run"
scripts/test-bindings.sh

step "all tests passed in $((SECONDS - started)) s"
