#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Builds generated Swift bindings plus test sources and runs the test program, natively
# (swiftc on PATH) or in the Debian 13 chroot made by setup-swift.sh.
#
#   scripts/swift-run.sh --bindings DIR --lib LIBFILE [--module NAME]
#                        [--module-source FILE]... [--swift-version N] [--cache DIR]
#                        [--env NAME=VALUE]... [--data FILE]... [--keep] TEST.swift...
#
# DIR holds the generated <Module>.swift, <Module>FFI.h and <Module>FFI.modulemap; LIBFILE
# is the Rust library (libringfence_ffi.so). The bindings, plus any hand-written
# --module-source files, are compiled as their own Swift module (lib<Module>.so), and the
# tests `import <Module>` like an app would, so they see only its public API. One of the
# tests must be main.swift. The module is compiled in Swift 6 language mode by default
# (strict concurrency checking of the generated code, as an app in Swift 6 mode would);
# the tests in the compiler's default mode.
# --cache DIR keeps the built module and test program there, keyed on every Swift input
# (generated bindings, module sources, tests, compiler mode), and reuses them when none
# changed: the Rust library is linked dynamically, so a change that leaves the exported
# interface (and so the generated Swift) alone needs no Swift rebuild.
# --env NAME=VALUE sets a variable for the test program (the chroot starts from an empty
# environment, so this is the way to pass one in either mode).
# --data FILE copies a file the program reads at run time into a directory of the run's
# (inside the chroot in chroot mode), named in RINGFENCE_TEST_DATA; not part of the cache
# key, as it is not compiled.
# Exits with the test program's exit code (2 if the build fails).
#
# Chroot mode: every run gets its own work dir inside the chroot (concurrent runs do not
# collide) and /proc is mounted only for the run, in a private mount namespace, so it is
# gone when the run ends, even if the run is killed (see in_swift_chroot in
# setup-swift.sh for the fallback without namespaces).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=setup-swift.sh
. "$here/setup-swift.sh"
LOG_TAG=swift-run

bindings='' lib='' module=Ringfence keep=0 swift_version=6 cache=
tests=() extra=() envs=() data=()
while [ $# -gt 0 ]; do
    case "$1" in
        --bindings) bindings="$2"; shift 2 ;;
        --lib) lib="$2"; shift 2 ;;
        --module) module="$2"; shift 2 ;;
        --module-source) extra+=("$2"); shift 2 ;;
        --swift-version) swift_version="$2"; shift 2 ;;
        --cache) cache="$2"; shift 2 ;;
        --env) case "$2" in [A-Za-z_]*=*) envs+=("$2") ;; *) die "--env wants NAME=VALUE, got $2" ;; esac; shift 2 ;;
        --data) data+=("$2"); shift 2 ;;
        --keep) keep=1; shift ;;
        -h|--help) sed -n '2,31p' "$0"; exit 0 ;;
        -*) die "unknown option $1" ;;
        *) tests+=("$1"); shift ;;
    esac
done
if [ -z "$bindings" ] || [ -z "$lib" ] || [ ${#tests[@]} -eq 0 ]; then
    die "usage: swift-run.sh --bindings DIR --lib LIBFILE [--module NAME] [--module-source FILE]... [--keep] TEST.swift..."
fi
ffi="${module}FFI"
for f in "$bindings/$module.swift" "$bindings/$ffi.h" "$bindings/$ffi.modulemap" "$lib" ${extra[@]+"${extra[@]}"} ${data[@]+"${data[@]}"} "${tests[@]}"; do
    [ -f "$f" ] || die "missing $f"
done

swift_setup

if [ "$RINGFENCE_SWIFT_MODE" = chroot ]; then
    mkdir -p "$RINGFENCE_SWIFT_ROOT/work"
    # Work dirs of runs that were killed (a live run is minutes old at most).
    find "$RINGFENCE_SWIFT_ROOT/work" -mindepth 1 -maxdepth 1 -name 'run.*' -mmin +120 \
        -exec rm -rf {} + 2>/dev/null || true
    work="$(mktemp -d "$RINGFENCE_SWIFT_ROOT/work/run.XXXXXX")"
    inner="/work/$(basename "$work")"
else
    work="$(mktemp -d "${TMPDIR:-/tmp}/ringfence-swift.XXXXXX")"
    inner="$work"
fi
# shellcheck disable=SC2317  # called by the trap
cleanup() {
    if [ "$keep" = 1 ]; then
        log "kept the work dir $work"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

mkdir -p "$work/gen" "$work/src" "$work/lib" "$work/mod" "$work/tests" "$work/data"
cp "$bindings/$module.swift" "$bindings/$ffi.h" "$bindings/$ffi.modulemap" "$work/gen/"
[ ${#extra[@]} -eq 0 ] || cp "${extra[@]}" "$work/src/"
cp "$lib" "$work/lib/"
cp "${tests[@]}" "$work/tests/"
if [ ${#data[@]} -gt 0 ]; then
    cp "${data[@]}" "$work/data/"
    envs+=("RINGFENCE_TEST_DATA=$inner/data")
fi
libname="$(basename "$lib")"
libname="${libname#lib}"
libname="${libname%.*}"
if [ "$RINGFENCE_SWIFT_MODE" = chroot ]; then
    ext=.so
else
    case "$(uname -s)" in Darwin) ext=.dylib ;; *) ext=.so ;; esac
fi

prebuilt='' stamp=''
if [ -n "$cache" ]; then
    stamp="$( { echo "$module $swift_version $RINGFENCE_SWIFT_MODE $RINGFENCE_SWIFTC"
                find "$work/gen" "$work/src" "$work/tests" -type f | LC_ALL=C sort | xargs cat; } | cksum)"
    if [ "$(cat "$cache/stamp" 2>/dev/null)" = "$stamp" ] && [ -f "$cache/tests.bin" ] && [ -f "$cache/lib$module$ext" ]; then
        cp "$cache/tests.bin" "$work/"
        cp "$cache/lib$module$ext" "$work/lib/"
        prebuilt=1
    fi
fi

# The build-and-run script, the same inside the chroot and natively.
cat >"$work/run.sh" <<SCRIPT
set -e
cd "$inner"
SWIFTC="\${SWIFTC:-swiftc}"
ffimap="-Xcc -fmodule-map-file=gen/$ffi.modulemap"
if [ -z "$prebuilt" ]; then
if ! "\$SWIFTC" -swift-version "$swift_version" -emit-library -emit-module -parse-as-library -module-name "$module" \\
        -I gen \$ffimap -emit-module-path "mod/$module.swiftmodule" \\
        -L lib -l"$libname" gen/"$module".swift \$(ls src/*.swift 2>/dev/null) \\
        -o lib/lib"$module"\$LIBEXT; then
    echo "swift-run: building module $module failed" >&2; exit 2
fi
if ! "\$SWIFTC" -I mod \$ffimap -L lib -l"$module" -l"$libname" tests/*.swift -o tests.bin; then
    echo "swift-run: building the tests failed" >&2; exit 2
fi
fi
LD_LIBRARY_PATH="$inner/lib" DYLD_LIBRARY_PATH="$inner/lib" ./tests.bin
SCRIPT

if [ -n "$prebuilt" ]; then
    log "Swift sources unchanged: reusing the test program from $cache ($RINGFENCE_SWIFT_MODE)"
else
    log "building and running ${#tests[@]} test file(s) against $module ($RINGFENCE_SWIFT_MODE)"
fi
rc=0
if [ "$RINGFENCE_SWIFT_MODE" = chroot ]; then
    in_swift_chroot /usr/bin/env LIBEXT="$ext" RUST_BACKTRACE="${RUST_BACKTRACE:-0}" ${envs[@]+"${envs[@]}"} sh "$inner/run.sh" || rc=$?
else
    env SWIFTC="$RINGFENCE_SWIFTC" LIBEXT="$ext" ${envs[@]+"${envs[@]}"} sh "$work/run.sh" || rc=$?
fi
# Keep what built (whether or not the tests passed) for the next run.
if [ -n "$cache" ] && [ -z "$prebuilt" ] && [ -f "$work/tests.bin" ] && [ -f "$work/lib/lib$module$ext" ]; then
    mkdir -p "$cache"
    rm -f "$cache/stamp"
    cp "$work/tests.bin" "$cache/tests.bin"
    cp "$work/lib/lib$module$ext" "$cache/lib$module$ext"
    echo "$stamp" >"$cache/stamp"
fi
exit "$rc"
