#!/usr/bin/env bash
# Release build of berthd, berth-shim and berth-runtime-helper into
# target/release. The shim (one process per container) is rebuilt with a
# statically linked C runtime: that halves its resident size, since it no
# longer maps the shared libc and loader. crt-static needs an explicit
# --target, so that build scripts and proc-macros stay dynamic.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --bins
host=$(rustc -vV | sed -n 's/^host: //p')
RUSTFLAGS="-C target-feature=+crt-static" cargo build --release -p berth-shim --target "$host"
install -m 0755 "target/$host/release/berth-shim" target/release/berth-shim
