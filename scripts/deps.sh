#!/usr/bin/env bash
# Installs what berth needs to build and run on Debian 12 (as root):
# busybox-static (the catalog's busybox image), libseccomp-dev and
# pkg-config (libcontainer's seccomp support), curl and less (the shell).
# Tests: the real docker CLI as a client (the machines come with docker
# 28 in /usr/local/bin, ahead of docker.io's 20.10 client on PATH), and
# Debian's docker.io for its dockerd, which a test starts privately to
# grade a real engine (the system docker service is disabled).
set -euo pipefail
need=()
dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)
dpkg -s libseccomp-dev >/dev/null 2>&1 || need+=(libseccomp-dev)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v unshare >/dev/null || need+=(util-linux)
command -v ps >/dev/null || need+=(procps)   # docker top uses the host's ps
command -v curl >/dev/null || need+=(curl)   # the course calls the Engine API with curl
command -v less >/dev/null || need+=(less)   # the shell pages lessons
if [ "${1:-}" = "--with-test-tools" ]; then
  command -v dockerd >/dev/null || need+=(docker.io)
  command -v runc >/dev/null || need+=(runc)
  command -v python3 >/dev/null || need+=(python3)
fi
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${need[@]}"
fi
if [ "${1:-}" = "--with-test-tools" ] && command -v dockerd >/dev/null; then
  # docker.io's package enables a daemon unit; berth never uses it.
  systemctl disable --now docker.service docker.socket >/dev/null 2>&1 || true
fi
