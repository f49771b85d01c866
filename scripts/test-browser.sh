#!/usr/bin/env bash
# The public page in a real browser: headless Chromium (Debian's chromium and
# chromium-driver, installed with apt-get when missing) driven by Selenium (pip, in a venv
# under ${RINGFENCE_TOOLS:-~/.cache/ringfence}) against the real ringfence-server on
# 127.0.0.1. tests/browser/page_test.py looks a number up, submits a dispute through the
# form, reads its state back, checks the keyboard path and the labels, and saves a
# screenshot of each page in docs/img/ (shown in docs/community.md).
#
#   scripts/test-browser.sh [--no-screenshots]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOG_TAG=browser
# shellcheck source=lib.sh
source "$ROOT/scripts/lib.sh"
cd "$ROOT"

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    log "installing Chromium and its WebDriver (Debian packages chromium, chromium-driver)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi

selenium_version=4.27.1
venv="$RINGFENCE_TOOLS/venv-selenium-$selenium_version"
have_selenium() { [ "$("$venv/bin/python" -c 'import selenium; print(selenium.__version__)' 2>/dev/null)" = "$selenium_version" ]; }
if ! have_selenium; then
    take_lock "venv-selenium-$selenium_version"
    if ! have_selenium; then
        [ -x "$venv/bin/python" ] || python3 -m venv "$venv" >&2
        log "pip install selenium==$selenium_version"
        "$venv/bin/python" -m pip install -q --disable-pip-version-check "selenium==$selenium_version" >&2
        have_selenium || die "selenium did not install into $venv"
    fi
    release_lock
fi

cargo build --quiet -p ringfence-server
"$venv/bin/python" tests/browser/page_test.py --server "$ROOT/target/debug/ringfence-server" \
    --chromedriver "$(command -v chromedriver)" --screenshots "$ROOT/docs/img" "$@"
