#!/usr/bin/env bash
# Baseline: Google's libphonenumber (C++, Debian package) and the Python `phonenumbers`
# port, run on the same REGION<TAB>RAW input file as ringfence's normaliser.
#
#   scripts/baseline.sh INPUT_FILE [REPS]      JSON lines: C++ then Python, for the whole
#                                              file ("all") and for each home region in it
#   scripts/baseline.sh make-inputs OUT_FILE   build the standard mixed input set
#   scripts/baseline.sh dump INPUT_FILE        C++:    raw<TAB>E164|ERROR<TAB>TYPE|ERROR_KIND
#   scripts/baseline.sh dump-py INPUT_FILE     Python: same format
#   scripts/baseline.sh setup                  install and build only; prints versions
#
# Idempotent: installs only what is missing (apt libphonenumber-dev; the pip package into
# a venv), rebuilds the C++ harness only when its source, flags or the library changed.
#
# Environment:
#   RINGFENCE_TOOLS        tools cache (default ~/.cache/ringfence); the venv lives in $RINGFENCE_TOOLS/venv
#   RINGFENCE_DATA         data folder for make-inputs (default <repo>/data)
#   PHONENUMBERS_VERSION   PyPI phonenumbers version (default 9.0.33, the metadata release
#                          the Rust `phonenumber` crate 0.3.10+9.0.33 bundles)
#   BASELINE_PY=0          skip the Python baseline
#   BASELINE_SPLIT=0       only the whole file, no per-region runs
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/bench/baseline"
OUT="$ROOT/target/baseline"
TOOLS="${RINGFENCE_TOOLS:-$HOME/.cache/ringfence}"
VENV="$TOOLS/venv"
PN_VERSION="${PHONENUMBERS_VERSION:-9.0.33}"
CXX="${CXX:-g++}"
CXXFLAGS_BASE="-O2 -std=c++17 -DNDEBUG"
BIN="$OUT/libphonenumber_bench"

log() { echo "baseline: $*" >&2; }
die() { echo "baseline: error: $*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root to run: $*"; fi
}

ensure_apt() {
  if dpkg-query -W -f='${Status}' libphonenumber-dev 2>/dev/null | grep -q 'install ok installed'; then
    return
  fi
  log "installing libphonenumber-dev (apt)"
  as_root apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libphonenumber-dev >&2
}

lpn_version() { dpkg-query -W -f='${Version}' libphonenumber-dev; }

build_cpp() {
  ensure_apt
  command -v "$CXX" >/dev/null || die "$CXX not found"
  mkdir -p "$OUT"
  local ver stamp want
  ver="$(lpn_version)"
  want="$CXX $CXXFLAGS_BASE libphonenumber-dev=$ver"
  stamp="$OUT/libphonenumber_bench.stamp"
  if [ -x "$BIN" ] && [ "$BIN" -nt "$SRC/libphonenumber_bench.cpp" ] \
     && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return
  fi
  log "building $BIN (libphonenumber $ver)"
  # libphonenumber.so itself pulls in ICU and abseil; the program needs protobuf for the
  # PhoneNumber message. Headers: libphonenumber-dev depends on libprotobuf-dev and libabsl-dev.
  # shellcheck disable=SC2086
  "$CXX" $CXXFLAGS_BASE -DRF_LPN_VERSION="\"$ver\"" "$SRC/libphonenumber_bench.cpp" \
    -o "$BIN.tmp" -lphonenumber -lprotobuf
  mv "$BIN.tmp" "$BIN"
  echo "$want" > "$stamp"
}

ensure_venv() {
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating venv $VENV"
    mkdir -p "$TOOLS"
    python3 -m venv "$VENV" >&2
  fi
  local have
  have="$("$VENV/bin/python" -c 'import phonenumbers; print(phonenumbers.__version__)' 2>/dev/null || true)"
  if [ "$have" != "$PN_VERSION" ]; then
    log "installing phonenumbers==$PN_VERSION into $VENV (had: ${have:-none})"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check "phonenumbers==$PN_VERSION" >&2
  fi
}

# Regions of an input file, in order of first appearance (comments/blank lines skipped).
regions_of() { awk -F'\t' '!/^#/ && NF >= 2 && !seen[$1]++ { print $1 }' "$1"; }

run_all() {
  local input="$1" reps="${2:-5}"
  [ -f "$input" ] || die "no such input file: $input"
  build_cpp
  [ "${BASELINE_PY:-1}" = 0 ] || ensure_venv
  TMP_DIR="$(mktemp -d)"
  trap 'rm -rf "$TMP_DIR"' EXIT
  local tmp="$TMP_DIR"
  local -a labels=(all) files=("$input")
  if [ "${BASELINE_SPLIT:-1}" != 0 ]; then
    local regions
    mapfile -t regions < <(regions_of "$input")
    if [ "${#regions[@]}" -gt 1 ]; then
      local r
      for r in "${regions[@]}"; do
        awk -F'\t' -v r="$r" '$1 == r' "$input" > "$tmp/$r.tsv"
        labels+=("$r"); files+=("$tmp/$r.tsv")
      done
    fi
  fi
  local i
  for i in "${!files[@]}"; do
    "$BIN" --label "${labels[$i]}" "${files[$i]}" "$reps"
  done
  if [ "${BASELINE_PY:-1}" != 0 ]; then
    for i in "${!files[@]}"; do
      "$VENV/bin/python" "$SRC/phonenumbers_bench.py" --label "${labels[$i]}" "${files[$i]}" "$reps"
    done
  fi
}

usage() { sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

case "${1:-}" in
  ""|-h|--help) usage ;;
  make-inputs)
    [ $# -eq 2 ] || usage
    python3 "$SRC/make_inputs.py" "${RINGFENCE_DATA:-$ROOT/data}" "$2" ;;
  dump)
    [ $# -eq 2 ] || usage
    build_cpp; "$BIN" --dump "$2" ;;
  dump-py)
    [ $# -eq 2 ] || usage
    ensure_venv; "$VENV/bin/python" "$SRC/phonenumbers_bench.py" --dump "$2" ;;
  setup)
    build_cpp; ensure_venv
    echo "libphonenumber-dev $(lpn_version) -> $BIN"
    echo "phonenumbers $("$VENV/bin/python" -c 'import phonenumbers; print(phonenumbers.__version__)') in $VENV" ;;
  *)
    [ $# -le 2 ] || usage
    run_all "$@" ;;
esac
