#!/usr/bin/env bash
# Builds and installs berthd with its shim and runtime helper under
# /usr/local/lib/berth (symlinked from /usr/local/bin), then runs the engine
# in the foreground on unix:///run/berth/berth.sock. Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "scripts/start-engine.sh: run as root (berthd needs root, as dockerd does)" >&2; exit 1; }
./scripts/deps.sh
./scripts/build-release.sh
install -d /usr/local/lib/berth
for bin in berthd berth-shim berth-runtime-helper; do
  install -m 0755 "target/release/$bin" "/usr/local/lib/berth/$bin"
done
ln -sf /usr/local/lib/berth/berthd /usr/local/bin/berthd
echo "berthd: try it with  DOCKER_HOST=unix:///run/berth/berth.sock docker run hello-world" >&2
exec /usr/local/lib/berth/berthd "$@"
