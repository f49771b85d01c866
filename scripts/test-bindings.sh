#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Tests the generated Kotlin and Swift bindings end to end on Linux:
#   1. builds libringfence_ffi.so (with the `test-hooks` and `builtin-http` features), the in-crate
#      uniffi-bindgen and ringfence-server, in one cargo invocation;
#   2. generates Kotlin and Swift from the built library (library mode) into
#      <target>/bindings/ (never committed);
#   3. compiles the generated Kotlin, the Android glue that has no android.* imports
#      (bindings/android/src/main/kotlin) and tests/kotlin with kotlinc + JNA and
#      kotlinx-coroutines (the suspend variants; kotlinc ships the jar), and runs the tests
#      on the JVM;
#   4. builds the generated Swift plus the hand-written module sources
#      (bindings/swift/Sources/Ringfence) as the Ringfence module, and tests/swift
#      against it, with swiftc (native or the Debian 13 chroot, see setup-swift.sh),
#      and runs them.
# Before the tests it starts the real ringfence-server on 127.0.0.1 (a free port, its own
# temp database and publish dir, a 0.2 s publish interval, 3 reporters to list a number,
# rate limits out of the way) and gives both test programs its URL and public key, a
# second valid key and the URL of a closed port (RINGFENCE_TEST_SERVER_URL,
# RINGFENCE_TEST_SERVER_KEY, RINGFENCE_TEST_OTHER_KEY, RINGFENCE_TEST_CLOSED_URL) for the
# sync and lookupOnline scenarios. The server is stopped by its PID when the script exits.
# The adversarial corpus (tests/fixtures/adversarial/inputs.txt) reaches both programs in
# the directory RINGFENCE_TEST_DATA (for Swift a copy, made by swift-run.sh --data).
# Each test program prints PASS/FAIL per scenario and "<lang>: N passed, N failed".
# Exits non-zero if either language fails. Installs missing tools first
# (setup-kotlin.sh, setup-swift.sh; both reuse ${RINGFENCE_TOOLS:-~/.cache/ringfence}).
#
#   scripts/test-bindings.sh [--release] [--kotlin-only | --swift-only]
set -euo pipefail

LOG_TAG=test-bindings
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"

profile=debug cargo_profile=() do_kotlin=1 do_swift=1
for a in "$@"; do
    case "$a" in
        --release) profile=release; cargo_profile=(--release) ;;
        --kotlin-only) do_swift=0 ;;
        --swift-only) do_kotlin=0 ;;
        -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
        *) die "unknown argument $a" ;;
    esac
done

target="${CARGO_TARGET_DIR:-$root/target}"
case "$(uname -s)" in Darwin) libfile=libringfence_ffi.dylib ;; *) libfile=libringfence_ffi.so ;; esac
lib="$target/$profile/$libfile"
bindgen="$target/$profile/uniffi-bindgen"
server_bin="$target/$profile/ringfence-server"
out="$target/bindings"
corpus_dir="$root/tests/fixtures/adversarial"
# The panic probes print Rust's panic message to stderr; a backtrace would only be noise.
export RUST_BACKTRACE=0

# Install tools before the (long) cargo build, so a missing tool fails fast.
t_start=$SECONDS
if [ "$do_kotlin" = 1 ]; then
    # shellcheck source=setup-kotlin.sh
    . "$here/setup-kotlin.sh"
fi
if [ "$do_swift" = 1 ]; then
    "$here/setup-swift.sh" >/dev/null
fi
LOG_TAG=test-bindings
log "tools ready in $((SECONDS - t_start)) s"

t0=$SECONDS
log "cargo build -p ringfence-ffi --features cli,test-hooks,builtin-http -p ringfence-server ($profile)"
(cd "$root" && cargo build -p ringfence-ffi -p ringfence-server \
    --features ringfence-ffi/cli,ringfence-ffi/test-hooks,ringfence-ffi/builtin-http ${cargo_profile[@]+"${cargo_profile[@]}"})
log "built in $((SECONDS - t0)) s"

# ---- the community server the sync scenarios talk to ----
server_dir="$(mktemp -d "${TMPDIR:-/tmp}/ringfence-test-server.XXXXXX")"
server_pid=''
# shellcheck disable=SC2317  # called by the trap
stop_server() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=''
    fi
    rm -rf "$server_dir"
}
trap stop_server EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

server_log() {
    log "ringfence-server's log ($server_dir/server.log):"
    tail -n 30 "$server_dir/server.log" >&2 || true
}

start_server() {
    local t=$SECONDS line
    # Every test phone shares 127.0.0.1, one origin network: count reporters by device
    # and lift the per-network budgets, or three phones would weigh as one reporter.
    RUST_LOG=warn "$server_bin" --db "$server_dir/server.db" --publish-dir "$server_dir/publish" \
        --listen 127.0.0.1:0 --publish-interval 0.2 --min-reporters 3 \
        --rate-burst 100000 --rate-per-minute 100000 \
        --origin-burst 100000 --origin-per-minute 100000 \
        --new-devices-burst 100000 --new-devices-per-hour 100000 \
        --count-reporters-by device \
        >"$server_dir/server.out" 2>"$server_dir/server.log" &
    server_pid=$!
    # It prints its address (port 0: the kernel picked a free one) and key once listening.
    while :; do
        line="$(grep -m1 '^ringfence-server listening on ' "$server_dir/server.out" 2>/dev/null || true)"
        [ -z "$line" ] || break
        if ! kill -0 "$server_pid" 2>/dev/null; then server_log; die "ringfence-server exited at start-up"; fi
        [ $((SECONDS - t)) -lt 30 ] || { server_log; die "ringfence-server did not start within 30 s"; }
        sleep 0.05
    done
    RINGFENCE_TEST_SERVER_URL="${line#ringfence-server listening on }"
    until curl -fsS -o /dev/null --max-time 2 "$RINGFENCE_TEST_SERVER_URL/health"; do
        [ $((SECONDS - t)) -lt 30 ] || { server_log; die "$RINGFENCE_TEST_SERVER_URL/health never answered"; }
        sleep 0.05
    done
    # Printed before it serves: there once /health answers.
    RINGFENCE_TEST_SERVER_KEY="$(sed -n 's/^public key: //p' "$server_dir/server.out" | head -n1)"
    [ ${#RINGFENCE_TEST_SERVER_KEY} = 64 ] || die "no public key in ringfence-server's output"
    # A second, valid key (another server's) for the key-changed scenario.
    RINGFENCE_TEST_OTHER_KEY="$("$server_bin" --db "$server_dir/other.db" pubkey)"
    RINGFENCE_TEST_CLOSED_URL="http://127.0.0.1:$(closed_port)"
    export RINGFENCE_TEST_SERVER_URL RINGFENCE_TEST_SERVER_KEY RINGFENCE_TEST_OTHER_KEY RINGFENCE_TEST_CLOSED_URL
    log "ringfence-server (pid $server_pid) at $RINGFENCE_TEST_SERVER_URL, key ${RINGFENCE_TEST_SERVER_KEY:0:16}..., ready in $((SECONDS - t)) s"
}

# A local port nothing listens on (a connection is refused at once).
closed_port() {
    local p i
    for i in $(seq 1 50); do
        p=$(( 20000 + (RANDOM * 32768 + RANDOM + i) % 40000 ))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return
        fi
    done
    die "no closed port found"
}

start_server

rm -rf "$out/kotlin" "$out/swift"
"$bindgen" generate --library "$lib" --language kotlin --out-dir "$out/kotlin" --no-format
"$bindgen" generate --library "$lib" --language swift --out-dir "$out/swift" --no-format

kotlin_rc=skipped swift_rc=skipped

run_kotlin() {
    local t=$SECONDS kotlin_lib jar stamp want cp coroutines
    kotlin_lib="$(cd "$(dirname "$RINGFENCE_KOTLINC")/../lib" && pwd)"
    # The generated suspend functions need kotlinx-coroutines, to compile and to run.
    coroutines="$kotlin_lib/kotlinx-coroutines-core-jvm.jar"
    [ -f "$coroutines" ] || { log "no $coroutines in the Kotlin compiler"; return 2; }
    jar="$out/kotlin-tests/tests.jar"
    stamp="$out/kotlin-tests/inputs.cksum"
    mkdir -p "$out/kotlin-tests"
    local sources=("$out/kotlin" "$root/bindings/android/src/main/kotlin" "$root/tests/kotlin")
    # kotlinc costs ~15 s a run: reuse the jar when the generated code and tests are unchanged.
    want="$( { echo "$RINGFENCE_KOTLINC"; find "${sources[@]}" -name '*.kt' -type f | LC_ALL=C sort | xargs cat; } | cksum)"
    if [ -f "$jar" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
        log "kotlin: generated code and tests unchanged, reusing $jar"
    else
        log "kotlin: compiling with $RINGFENCE_KOTLINC"
        rm -f "$jar" "$stamp"
        # shellcheck disable=SC2046
        "$RINGFENCE_KOTLINC" -cp "$RINGFENCE_JNA_JAR:$coroutines" -d "$jar" \
            $(find "${sources[@]}" -name '*.kt' -type f | LC_ALL=C sort) || return 2
        echo "$want" >"$stamp"
    fi
    cp="$jar:$RINGFENCE_JNA_JAR:$kotlin_lib/kotlin-stdlib.jar:$coroutines"
    local rc=0
    RINGFENCE_TEST_DATA="$corpus_dir" java -Djna.library.path="$(dirname "$lib")" -cp "$cp" dev.ringfence.tests.MainKt || rc=$?
    log "kotlin: exit $rc after $((SECONDS - t)) s"
    return "$rc"
}

run_swift() {
    local t=$SECONDS rc=0
    local extra=()
    # The hand-written sources of the Swift package's Ringfence target (its generated
    # Ringfence.swift, made by bindings/ios/build-xcframework.sh, sits in Generated/).
    for f in "$root"/bindings/swift/Sources/Ringfence/*.swift; do
        [ -f "$f" ] && extra+=(--module-source "$f")
    done
    for v in RINGFENCE_TEST_SERVER_URL RINGFENCE_TEST_SERVER_KEY RINGFENCE_TEST_OTHER_KEY RINGFENCE_TEST_CLOSED_URL; do
        extra+=(--env "$v=${!v}")
    done
    "$here/swift-run.sh" --bindings "$out/swift" --lib "$lib" --cache "$out/swift-tests" "${extra[@]}" \
        --data "$corpus_dir/inputs.txt" \
        "$root"/tests/swift/*.swift || rc=$?
    log "swift: exit $rc after $((SECONDS - t)) s"
    return "$rc"
}

if [ "$do_kotlin" = 1 ]; then
    kotlin_rc=0; run_kotlin || kotlin_rc=$?
fi
if [ "$do_swift" = 1 ]; then
    swift_rc=0; run_swift || swift_rc=$?
fi

log "kotlin: $kotlin_rc, swift: $swift_rc (exit codes); $((SECONDS - t_start)) s in all"
for rc in "$kotlin_rc" "$swift_rc"; do
    if [ "$rc" != 0 ] && [ "$rc" != skipped ]; then
        server_log
        exit 1
    fi
done
