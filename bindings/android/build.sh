#!/usr/bin/env bash
# Builds the native half of the ringfence AAR (needs the Android NDK; not run on Linux
# CI, where scripts/test-bindings.sh tests the same bindings on the JVM):
#   1. libringfence_ffi.so for arm64-v8a, armeabi-v7a and x86_64 with cargo-ndk, into
#      <out>/jniLibs/<abi>/, linked for 16 KB pages (Android 15+ devices; Google Play
#      requires it for new apps and updates);
#   2. the Kotlin bindings with android = true (bindings/uniffi-android.toml), generated
#      by the in-repo uniffi-bindgen from the arm64 library just built, into
#      <out>/kotlin/dev/ringfence/ringfence_ffi.kt.
# The Gradle module (build.gradle.kts) runs this before each build and packages <out>.
#
#   bindings/android/build.sh [--out DIR] [--debug] [--abi ABI]...
#
# Needs: rustup, cargo-ndk (`cargo install cargo-ndk`), and the NDK in ANDROID_NDK_HOME
# (or ANDROID_NDK_ROOT, or ANDROID_HOME/ndk/<version>; r27 or newer recommended).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
log() { printf '[android-build] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

out="$here/build/generated/uniffi"
profile=release
abis=()
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out="$2"; shift 2 ;;
        --debug) profile=debug; shift ;;
        --abi) abis+=("$2"); shift 2 ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        *) die "unknown argument $1" ;;
    esac
done
[ ${#abis[@]} -gt 0 ] || abis=(arm64-v8a armeabi-v7a x86_64)
# The minimum API level the libraries are linked against (the AAR's minSdk).
min_api=24

command -v cargo >/dev/null || die "cargo not found (https://rustup.rs)"
cargo ndk --version >/dev/null 2>&1 || die "cargo-ndk not found: cargo install cargo-ndk"
if [ -z "${ANDROID_NDK_HOME:-}" ] && [ -z "${ANDROID_NDK_ROOT:-}" ]; then
    sdk="${ANDROID_HOME:-${ANDROID_SDK_ROOT:-/nonexistent}}"
    latest="$(find "$sdk/ndk" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | sort -V | tail -n 1 || true)"
    [ -n "$latest" ] || die "no NDK: set ANDROID_NDK_HOME, or install one with the SDK manager (ndk;27.x)"
    export ANDROID_NDK_HOME="$latest"
fi

if command -v rustup >/dev/null; then
    triples=()
    for abi in "${abis[@]}"; do
        case "$abi" in
            arm64-v8a) triples+=(aarch64-linux-android) ;;
            armeabi-v7a) triples+=(armv7-linux-androideabi) ;;
            x86_64) triples+=(x86_64-linux-android) ;;
            x86) triples+=(i686-linux-android) ;;
            *) die "unknown ABI $abi" ;;
        esac
    done
    rustup target add "${triples[@]}" >&2
fi

# Release builds use the `mobile` profile (Cargo.toml: fat LTO, one codegen unit) and the
# phone's SQLite options (bindings/mobile-build.env): the library scripts/lib-size.sh
# measures. (cargo-ndk 3 or newer passes --profile on.)
profile_flag=(--profile mobile)
[ "$profile" = release ] || profile_flag=()
# shellcheck source=../mobile-build.env
[ "$profile" = debug ] || . "$here/../mobile-build.env"
targets=()
for abi in "${abis[@]}"; do targets+=(-t "$abi"); done

rm -rf "$out/jniLibs" "$out/kotlin"
mkdir -p "$out/jniLibs" "$out/kotlin"
log "cargo ndk ${targets[*]} build -p ringfence-ffi ($profile)"
# 16 KB page alignment: the default from NDK r28 on; explicit for older NDKs. (RUSTFLAGS
# reaches only the Android targets here: with a --target, cargo keeps it away from
# build scripts and proc macros.)
(cd "$root" && RUSTFLAGS="${RUSTFLAGS:-} -C link-arg=-Wl,-z,max-page-size=16384" \
    cargo ndk --platform "$min_api" "${targets[@]}" -o "$out/jniLibs" \
    build -p ringfence-ffi --lib "${profile_flag[@]}")

log "generating the Kotlin bindings (android = true)"
(cd "$root" && cargo build -p ringfence-ffi --features cli --bin uniffi-bindgen)
target_dir="${CARGO_TARGET_DIR:-$root/target}"
"$target_dir/debug/uniffi-bindgen" generate \
    --library "$out/jniLibs/${abis[0]}/libringfence_ffi.so" \
    --language kotlin --config "$root/bindings/uniffi-android.toml" \
    --out-dir "$out/kotlin" --no-format

log "done: $out"
find "$out" -type f >&2
