#!/bin/sh
# Makes sure the Debian packages a chore needs are installed, before it starts.
#
#   sh scripts/system_packages.sh SET...     SET: test (make test), postgres (.ci/run)
#
# Installs what is missing when run as root (apt-get update, then apt-get install
# --no-install-recommends); otherwise stops at once, printing the one command that installs it.
# Only Debian's packages: no browser or font is ever downloaded from anywhere else.
set -eu

packages=""
for set_name in "$@"; do
    case "$set_name" in
        # tests/web drive Debian's Chromium through Playwright; the CJK fonts make the pages
        # render Chinese as a person would see them; the openssl command is the independent
        # implementation tests/sync_protocol/test_national_suite.py checks SM2/SM3/SM4 against.
        test) packages="$packages chromium fonts-noto-cjk openssl" ;;
        # the throwaway server .ci/run starts for `make test-postgres`.
        postgres) packages="$packages postgresql" ;;
        *)
            echo "system_packages.sh: unknown set '$set_name' (known: test, postgres)" >&2
            exit 2
            ;;
    esac
done
[ -n "$packages" ] || { echo "usage: sh scripts/system_packages.sh test|postgres..." >&2; exit 2; }

if ! command -v dpkg-query >/dev/null 2>&1; then
    # Not Debian: nothing here can check or install them; the tests that need them say so.
    echo "system_packages.sh: no dpkg-query, cannot check for:$packages" >&2
    exit 0
fi

missing=""
for package in $packages; do
    # A Chromium of one's own, named by CHROMIUM_PATH, serves the browser tests as well.
    if [ "$package" = chromium ] && [ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ]; then
        continue
    fi
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing="$missing $package"
done
[ -n "$missing" ] || exit 0

if [ "$(id -u)" != 0 ]; then
    echo "Debian packages are missing:$missing" >&2
    echo "Install them, then run the same command again:" >&2
    echo "    sudo apt-get update && sudo apt-get install -y --no-install-recommends$missing" >&2
    exit 1
fi
echo "installing Debian packages:$missing"
apt-get update
# shellcheck disable=SC2086  # one word per package
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
