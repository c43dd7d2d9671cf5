#!/usr/bin/env bash
# The test command (README; .ci/run calls it). Must run as root: the
# integration tests start real containers through private berthd daemons.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "scripts/test.sh: run as root (the tests start real containers)" >&2; exit 1; }
./scripts/deps.sh --with-test-tools
# The integration tests run the workspace's binaries: build them first.
cargo build --workspace --bins
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace
else
  cargo test --workspace
fi
