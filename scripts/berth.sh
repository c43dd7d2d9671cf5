#!/usr/bin/env bash
# The README's start command: installs what berth needs (Debian packages,
# a release build under /usr/local/lib/berth, labs and lessons under
# /usr/local/share/berth), then opens the teaching shell. Run as root: the
# shell starts berthd on unix:///run/berth/berth.sock when none runs.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "scripts/berth.sh: run as root (it installs berth and starts its engine)" >&2; exit 1; }
./scripts/install.sh
exec /usr/local/bin/berth "$@"
