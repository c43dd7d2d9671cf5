#!/usr/bin/env bash
# Benchmark (README): `docker run --rm busybox true` through the real docker
# CLI against a private berthd, alternating with a bare `runc run` of the
# same busybox rootfs, PAIRS pairs; prints the median of the per-pair
# ratios, then the VmRSS of berth-shim processes and of berthd with 10
# containers running. Run as root. PAIRS defaults to 21.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
./scripts/deps.sh --with-test-tools
./scripts/build-release.sh
PAIRS=${PAIRS:-21}
work=$(mktemp -d /tmp/berth-bench-XXXXXX)
sock="$work/berth.sock"
export DOCKER_HOST="unix://$sock" DOCKER_CONFIG="$work/docker-config"
mkdir -p "$DOCKER_CONFIG"
unshare --net sh -c "ip link set lo up 2>/dev/null; exec $PWD/target/release/berthd --data-root $work/data --exec-root $work/exec -H unix://$sock --cgroup-parent berth-bench-$$" >"$work/berthd.log" 2>&1 &
daemon=$!
cleanup() {
  docker rm -f $(docker ps -aq) >/dev/null 2>&1 || true
  kill "$daemon" 2>/dev/null || true
  wait "$daemon" 2>/dev/null || true
  runc --root "$work/runc-root" delete -f bench >/dev/null 2>&1 || true
  grep " $work" /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  for d in /sys/fs/cgroup/*/berth-bench-$$; do [ -d "$d" ] && rmdir "$d" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 100); do docker version >/dev/null 2>&1 && break; sleep 0.1; done

# The same busybox rootfs for runc: the catalog image's unpacked layer.
layer=$(ls -d "$work"/data/snapshots/layers/*/fs | while read -r d; do [ -x "$d/bin/busybox" ] && echo "$d" && break; done)
mkdir -p "$work/bundle"
cp -a "$layer" "$work/bundle/rootfs"
(cd "$work/bundle" && runc spec)
python3 - "$work/bundle/config.json" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["terminal"] = False
c["process"]["args"] = ["true"]
json.dump(c, open(p, "w"))
PY

now() { date +%s%N; }
docker run --rm busybox true >/dev/null   # warm caches once
ratios=()
for i in $(seq "$PAIRS"); do
  t0=$(now); docker run --rm busybox true; t1=$(now)
  runc --root "$work/runc-root" run -b "$work/bundle" bench </dev/null; t2=$(now)
  ratios+=("$(( t1 - t0 )) $(( t2 - t1 ))")
done
printf '%s\n' "${ratios[@]}" | python3 -c '
import sys, statistics
pairs = [tuple(map(int, l.split())) for l in sys.stdin if l.strip()]
b = [p[0] / 1e6 for p in pairs]; r = [p[1] / 1e6 for p in pairs]
ratios = [x / y for x, y in pairs]
print(f"pairs: {len(pairs)}")
print(f"docker run --rm busybox true via berthd: median {statistics.median(b):.1f} ms (min {min(b):.1f}, max {max(b):.1f})")
print(f"runc run of the same rootfs:             median {statistics.median(r):.1f} ms (min {min(r):.1f}, max {max(r):.1f})")
print(f"median of per-pair ratios berth/runc:    {statistics.median(ratios):.2f}")
'

for i in $(seq 10); do docker run -d busybox sleep 1000 >/dev/null; done
sleep 0.5
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
shims=$(pgrep -x berth-shim | while read -r p; do if grep -q "$work" "/proc/$p/cmdline" 2>/dev/null; then echo "$p"; fi; done)
echo "berth-shim VmRSS (KiB), 10 containers: $(for p in $shims; do rss "$p"; done | sort -n | tr '\n' ' ')"
echo "berthd VmRSS with 10 containers: $(rss "$daemon") KiB"

# The teaching shell's latency: the run lab played through `berth
# --timings` (stdin is not a terminal, so rustyline reads plain lines):
# per step `hint` and `step`, then the solution lines.
docker rm -f $(docker ps -aq) >/dev/null
python3 - labs/catalog/run.toml >"$work/lines" <<'PY'
import sys, tomllib
lab = tomllib.load(open(sys.argv[1], "rb"))
print("lab start run")
for step in lab["steps"]:
    print("hint"); print("step")
    for line in step["solution"]:
        print(line)
print("exit")
PY
BERTH_STATE_DIR="$work/state" BERTH_HOST="$DOCKER_HOST" NO_COLOR=1 \
  target/release/berth --timings <"$work/lines" >"$work/shell.out" 2>"$work/shell.timings"
python3 - "$work/shell.timings" <<'PY'
import sys, statistics
cmd, judge = [], []
for line in open(sys.argv[1]):
    w = line.split()
    if line.startswith("berth-timing shell-command"):
        cmd.append(float(w[2]))
    elif line.startswith("berth-timing line"):
        judge.append(float(w[5]))
print(f"shell commands (hint, step, lab start): {len(cmd)}, median {statistics.median(cmd):.2f} ms, max {max(cmd):.2f} ms")
print(f"judgement after a docker line: {len(judge)}, median {statistics.median(judge):.2f} ms, max {max(judge):.2f} ms (max includes waits on within/stable_for)")
PY
grep -c "passed:" "$work/shell.out" | sed 's/^/steps passed in the timed run: /'
