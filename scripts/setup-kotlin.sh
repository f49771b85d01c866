#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Installs what the Kotlin binding tests need, reusing whatever is already there:
#   - JNA (Debian's libjna-java: /usr/share/java/jna.jar)
#   - a JDK (java + javac), Debian's default-jdk-headless if missing
#   - the Kotlin compiler, npm package kotlin-compiler (pinned), in the tools cache
#     ${RINGFENCE_TOOLS:-$HOME/.cache/ringfence}/kotlin/<version>/
# Prints the kotlinc path on stdout (logs go to stderr), so callers can do
#   KOTLINC=$(scripts/setup-kotlin.sh)
# Sourcing it instead exports RINGFENCE_KOTLINC and RINGFENCE_JNA_JAR.
set -euo pipefail

KOTLIN_VERSION="${RINGFENCE_KOTLIN_VERSION:-2.4.20}"
LOG_TAG=setup-kotlin
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RINGFENCE_JNA_JAR=/usr/share/java/jna.jar

setup_kotlin_main() {
    if [ ! -f "$RINGFENCE_JNA_JAR" ]; then
        apt_install libjna-java
    fi
    [ -f "$RINGFENCE_JNA_JAR" ] || die "libjna-java did not provide $RINGFENCE_JNA_JAR"

    if ! command -v java >/dev/null || ! command -v javac >/dev/null; then
        apt_install default-jdk-headless
    fi

    local dir="$RINGFENCE_TOOLS/kotlin/$KOTLIN_VERSION"
    local kotlinc="$dir/node_modules/kotlin-compiler/bin/kotlinc"
    take_lock kotlin
    if [ ! -f "$dir/.complete" ]; then
        command -v npm >/dev/null || apt_install npm
        log "installing npm kotlin-compiler@$KOTLIN_VERSION into $dir"
        local tmp="$dir.tmp.$$"
        rm -rf "$tmp"
        mkdir -p "$tmp"
        (cd "$tmp" && npm install --no-audit --no-fund --no-save --loglevel=error \
            "kotlin-compiler@$KOTLIN_VERSION" >&2)
        # The package's launchers are not always executable as shipped.
        chmod +x "$tmp"/node_modules/kotlin-compiler/bin/*
        rm -rf "$dir"
        mv "$tmp" "$dir"
        touch "$dir/.complete"
    fi
    release_lock
    [ -x "$kotlinc" ] || die "no kotlinc at $kotlinc"
    RINGFENCE_KOTLINC="$kotlinc"
    export RINGFENCE_KOTLINC RINGFENCE_JNA_JAR
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    setup_kotlin_main
    log "kotlinc $KOTLIN_VERSION: $RINGFENCE_KOTLINC; jna: $RINGFENCE_JNA_JAR"
    printf '%s\n' "$RINGFENCE_KOTLINC"
else
    setup_kotlin_main
fi
