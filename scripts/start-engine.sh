#!/usr/bin/env bash
# Installs berth and its engine (scripts/install.sh), then runs berthd in
# the foreground on unix:///run/berth/berth.sock. Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install.sh
echo "berthd: try it with  berth docker run hello-world  (or DOCKER_HOST=unix:///run/berth/berth.sock docker ...)" >&2
exec /usr/local/lib/berth/berthd "$@"
