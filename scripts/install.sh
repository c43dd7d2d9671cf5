#!/usr/bin/env bash
# Builds berth (the teaching shell and its docker CLI) and its engine
# (berthd, berth-shim, berth-runtime-helper) and installs them under
# /usr/local/lib/berth, with /usr/local/bin/berth and /usr/local/bin/berthd
# links. No `docker` name is installed: a real docker CLI is never
# shadowed. Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "scripts/install.sh: run as root (berthd needs root, as dockerd does)" >&2; exit 1; }
./scripts/deps.sh
./scripts/build-release.sh
install -d /usr/local/lib/berth
for bin in berth berthd berth-shim berth-runtime-helper; do
  install -m 0755 "target/release/$bin" "/usr/local/lib/berth/$bin.new"
  mv -f "/usr/local/lib/berth/$bin.new" "/usr/local/lib/berth/$bin"
done
ln -sf /usr/local/lib/berth/berthd /usr/local/bin/berthd
ln -sf /usr/local/lib/berth/berth /usr/local/bin/berth
# the labs and their lessons, where an installed berth looks for them
install -d /usr/local/share/berth/labs /usr/local/share/berth/lessons
install -m 0644 labs/catalog/*.toml /usr/local/share/berth/labs/
install -m 0644 courseware/lessons/*.md /usr/local/share/berth/lessons/
