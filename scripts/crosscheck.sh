#!/usr/bin/env bash
# Number parsing cross-checked against the reference: Google's libphonenumber as the
# Python `phonenumbers` package, at the metadata version of the Rust `phonenumber` crate
# (read from Cargo.lock: `phonenumber 0.3.10+9.0.33` means phonenumbers==9.0.33).
#
#   scripts/crosscheck.sh
#
# 1. creates (or reuses) a venv with that phonenumbers in
#    ${RINGFENCE_TOOLS:-~/.cache/ringfence}/venv-phonenumbers-<version>;
# 2. generates the world corpus into target/crosscheck/ (tests/reference/world_corpus.py:
#    corpus.tsv, forms.txt, emergency.tsv, stats.txt);
# 3. runs the ignored test core/tests/world_crosscheck.rs on it, which prints its summary
#    and writes it to target/crosscheck/summary.txt.
# Exits non-zero when any step fails, the figures included.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOG_TAG=crosscheck
# shellcheck source=lib.sh
source "$ROOT/scripts/lib.sh"
cd "$ROOT"

# The metadata version: what follows `+` in the phonenumber crate's version in Cargo.lock.
crate_version="$(awk '/^name = "phonenumber"$/ { getline; gsub(/^version = "|"$/, ""); print; exit }' Cargo.lock)"
[ -n "$crate_version" ] || die "no phonenumber crate in Cargo.lock"
version="${crate_version#*+}"
[ "$version" != "$crate_version" ] && [[ "$version" =~ ^[0-9]+(\.[0-9]+)+$ ]] \
    || die "cannot read the metadata version from phonenumber $crate_version (want <crate>+<metadata>)"

venv="$RINGFENCE_TOOLS/venv-phonenumbers-$version"
have_phonenumbers() {
    [ "$("$venv/bin/python" -c 'import phonenumbers; print(phonenumbers.__version__)' 2>/dev/null)" = "$version" ]
}
if ! have_phonenumbers; then
    take_lock "venv-phonenumbers-$version"
    if ! have_phonenumbers; then
        command -v python3 >/dev/null || die "python3 not found"
        if [ ! -x "$venv/bin/python" ]; then
            log "creating $venv"
            python3 -m venv "$venv" >&2
        fi
        log "pip install phonenumbers==$version"
        "$venv/bin/python" -m pip install -q --disable-pip-version-check "phonenumbers==$version" >&2
        have_phonenumbers || die "phonenumbers $version did not install into $venv"
    fi
    release_lock
fi

out="$ROOT/target/crosscheck"
log "generating the world corpus into $out (phonenumbers $version)"
"$venv/bin/python" tests/reference/world_corpus.py "$out" --expect-version "$version"

log "cargo test -p ringfence-core --test world_crosscheck"
RINGFENCE_WORLD_CORPUS="$out" cargo test -p ringfence-core --test world_crosscheck -- --ignored --nocapture

log "held-out check: every emergency number of every region rings through the CLI (cargo test -p ringfence --test cli)"
RINGFENCE_WORLD_CORPUS="$out" cargo test -p ringfence --test cli every_emergency_number_of_every_region_rings -- --ignored --nocapture
