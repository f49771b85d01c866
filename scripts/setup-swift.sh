#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Makes a Swift compiler available for the binding tests, reusing whatever is there:
#   - `swiftc` on PATH (macOS, a Swift image): used as it is ("native" mode);
#   - otherwise a Debian 13 (trixie) chroot with Debian's swiftlang + libc6-dev in the
#     tools cache, ${RINGFENCE_TOOLS:-$HOME/.cache/ringfence}/swift/trixie/ ("chroot"
#     mode), made with debootstrap --variant=minbase. Needs root. Reused when present
#     and `swiftc --version` works inside it.
# Prints "native <swiftc path>" or "chroot <root dir>" on stdout (logs go to stderr).
# Sourcing it defines swift_setup (sets RINGFENCE_SWIFT_MODE, RINGFENCE_SWIFT_ROOT,
# RINGFENCE_SWIFTC) and in_swift_chroot (runs a command in the chroot with /proc
# mounted), which scripts/swift-run.sh uses.
set -euo pipefail

# The suite and mirror are Debian's own; swiftlang is in trixie (6.x), not in bookworm.
SWIFT_SUITE="${RINGFENCE_SWIFT_SUITE:-trixie}"
SWIFT_MIRROR="${RINGFENCE_SWIFT_MIRROR:-http://deb.debian.org/debian}"
LOG_TAG=setup-swift
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Fail if anything is mounted at or below $1 (so we never rm -rf through a live /proc).
assert_no_mounts() {
    local dir
    dir="$(realpath -m "$1")"
    if awk -v d="$dir" '$2 == d || index($2, d "/") == 1 { found = 1 } END { exit !found }' /proc/mounts; then
        die "something is still mounted under $dir; unmount it first (see /proc/mounts)"
    fi
}

# Runs "$@" inside the chroot at $RINGFENCE_SWIFT_ROOT with /proc mounted (swift finds
# its runtime libraries through /proc/self/exe), then unmounts /proc, whatever happens.
# Preferred: a private mount namespace (unshare), whose /proc mount vanishes with the
# process even on SIGKILL, so no run can leave a stale mount and concurrent runs never
# see each other's mounts. Fallback, where unshare is refused: a host mount, serialised
# by a lock so concurrent runs cannot unmount each other, with a trap to unmount, and a
# stale mount left by a killed run is replaced. RINGFENCE_SWIFT_NO_UNSHARE=1 forces the
# fallback (to test it).
in_swift_chroot() {
    local root="$RINGFENCE_SWIFT_ROOT"
    if [ -z "${RINGFENCE_SWIFT_NO_UNSHARE:-}" ] \
        && unshare --mount --propagation private -- true 2>/dev/null; then
        # shellcheck disable=SC2016
        unshare --mount --propagation private -- sh -c '
            root="$1"; shift
            mount -t proc proc "$root/proc" || exit 125
            rc=0
            chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 "$@" || rc=$?
            umount "$root/proc" || true
            exit "$rc"' sh "$root" "$@"
        return
    fi
    (
        exec {lock}>"$RINGFENCE_TOOLS/.swift-proc.lock"
        flock "$lock"
        if mountpoint -q "$root/proc"; then
            log "unmounting a stale $root/proc"
            umount "$root/proc" || umount -l "$root/proc"
        fi
        mount -t proc proc "$root/proc"
        trap 'umount "$root/proc" 2>/dev/null || umount -l "$root/proc"' EXIT
        chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 "$@"
    )
}

swift_setup() {
    _swift_setup
    release_lock
}

_swift_setup() {
    if command -v swiftc >/dev/null && swiftc --version >/dev/null 2>&1; then
        RINGFENCE_SWIFT_MODE=native
        RINGFENCE_SWIFTC="$(command -v swiftc)"
        RINGFENCE_SWIFT_ROOT=
        export RINGFENCE_SWIFT_MODE RINGFENCE_SWIFTC RINGFENCE_SWIFT_ROOT
        return
    fi
    [ "$(id -u)" = 0 ] || die "no swiftc on PATH, and making the Swift chroot needs root"
    RINGFENCE_SWIFT_MODE=chroot
    RINGFENCE_SWIFT_ROOT="$RINGFENCE_TOOLS/swift/$SWIFT_SUITE"
    RINGFENCE_SWIFTC=/usr/bin/swiftc
    export RINGFENCE_SWIFT_MODE RINGFENCE_SWIFTC RINGFENCE_SWIFT_ROOT
    local root="$RINGFENCE_SWIFT_ROOT"

    take_lock swift
    if [ -f "$root/.complete" ]; then
        if in_swift_chroot sh -c 'swiftc --version >/dev/null 2>&1'; then
            return
        fi
        log "the chroot at $root is broken (swiftc --version fails); rebuilding it"
        assert_no_mounts "$root"
        rm -rf "$root"
    fi

    command -v debootstrap >/dev/null || apt_install debootstrap
    local tmp="$root.tmp"
    if [ -d "$tmp" ]; then
        log "removing a half-made chroot $tmp"
        assert_no_mounts "$tmp"
        rm -rf "$tmp"
    fi
    mkdir -p "$(dirname "$root")"
    log "debootstrap --variant=minbase $SWIFT_SUITE $tmp"
    debootstrap --variant=minbase "$SWIFT_SUITE" "$tmp" "$SWIFT_MIRROR" >&2
    # Name resolution for apt inside the chroot.
    cp -L /etc/resolv.conf "$tmp/etc/resolv.conf" 2>/dev/null || true
    log "installing swiftlang libc6-dev in the chroot"
    RINGFENCE_SWIFT_ROOT="$tmp" in_swift_chroot sh -c '
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq &&
        apt-get install -y -qq --no-install-recommends swiftlang libc6-dev &&
        apt-get clean' >&2
    RINGFENCE_SWIFT_ROOT="$tmp" in_swift_chroot swiftc --version >&2 \
        || die "swiftc does not run in the new chroot $tmp"
    mkdir -p "$tmp/work"
    assert_no_mounts "$tmp"
    [ ! -e "$root" ] || { assert_no_mounts "$root"; rm -rf "$root"; }
    mv "$tmp" "$root"
    touch "$root/.complete"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    swift_setup
    if [ "$RINGFENCE_SWIFT_MODE" = native ]; then
        log "using native $RINGFENCE_SWIFTC"
        printf 'native %s\n' "$RINGFENCE_SWIFTC"
    else
        log "using the chroot at $RINGFENCE_SWIFT_ROOT"
        printf 'chroot %s\n' "$RINGFENCE_SWIFT_ROOT"
    fi
fi
