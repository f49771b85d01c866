# Shared helpers for ringfence's scripts. Source it; do not run it.
# shellcheck source-path=SCRIPTDIR
# shellcheck shell=bash

# Where installed tools live: outside the repo, so every clone on this machine reuses them.
RINGFENCE_TOOLS="${RINGFENCE_TOOLS:-$HOME/.cache/ringfence}"
export RINGFENCE_TOOLS

log() { printf '[%s] %s\n' "${LOG_TAG:-ringfence}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# apt-get update once per script run, and only when something must be installed.
_RF_APT_UPDATED=0
apt_install() {
    [ "$(id -u)" = 0 ] || die "need root to apt-get install $*"
    if [ "$_RF_APT_UPDATED" = 0 ]; then
        log "apt-get update"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
        _RF_APT_UPDATED=1
    fi
    log "apt-get install $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

# Take an exclusive lock (until release_lock or the script's exit), so two setups racing
# on one cache wait for each other instead of corrupting it.
take_lock() {
    local name="$1"
    mkdir -p "$RINGFENCE_TOOLS"
    command -v flock >/dev/null || return 0   # macOS has no flock(1): no locking there
    exec {_RF_LOCK_FD}>"$RINGFENCE_TOOLS/.$name.lock"
    if ! flock -n "$_RF_LOCK_FD"; then
        log "waiting for another $name setup to finish"
        flock "$_RF_LOCK_FD"
    fi
}

release_lock() {
    if [ -n "${_RF_LOCK_FD:-}" ]; then
        exec {_RF_LOCK_FD}>&-
        _RF_LOCK_FD=
    fi
}
