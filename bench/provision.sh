#!/bin/sh
# Live provisioning over the simulated UART at 115200 baud (issue 10).
#
# 1. One chip: total time / wire-time lower bound, the bound being every
#    byte that crossed the line x 11 bits / 115200 (all boots, firmware
#    downloads included; the CLI reports the byte counts).  Goal <= 1.2.
#    Measured with and without the 4th "check" boot (--no-verify).  A second
#    reference, the same bytes pushed through a pty whose reader paces like
#    the simulator (bench/ossp-bench-pace.c), separates the simulator's own
#    per-byte pacing cost from the host's overhead.
# 2. Batches of N = 1, 2, 4, 8 simulated chips at once: throughput
#    (chips/s) / throughput of N = 1.  Goal >= 0.9 x N.
#
# Figures only, no assertions; not run in CI.
# Usage: bench/provision.sh [BUILD_DIR] [RUNS]
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu
cd "$(dirname "$0")/.."
B=${1:-build}
RUNS=${2:-3}
CLI="$B/src/cli/openssp"
[ -x "$CLI" ] || { echo "build first: ninja -C $B" >&2; exit 1; }
command -v python3 >/dev/null || { echo "needs python3" >&2; exit 1; }

W=bench/out/provision
rm -rf "$W"
mkdir -p "$W"
# the example set-up once (keys, payload, signed stand-in firmware, soft-HSM)
"$CLI" -q --yes provision --demo --demo-dir "$W/demo" --preflight-only --sim-baud 0 >/dev/null

# one chip: prints "duration_ms tx rx"
one () {
  "$CLI" --json --yes provision --demo --demo-dir "$W/demo" --sim-baud 115200 "$@" > "$W/one.jsonl"
  python3 - "$W/one.jsonl" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("event") == "result":
        assert e["result"] == "provisioned", e
        print(e["record"]["duration_ms"], e["wire_bytes"]["tx"], e["wire_bytes"]["rx"])
EOF
}

best () {  # best of RUNS runs of one "$@"
  b=""
  i=0
  while [ $i -lt "$RUNS" ]; do
    r=$(one "$@")
    if [ -z "$b" ] || [ "${r%% *}" -lt "${b%% *}" ]; then b=$r; fi
    i=$((i + 1))
  done
  echo "$b"
}

ratio () {  # duration_ms tx rx label
  python3 - "$@" <<'EOF'
import sys
ms, tx, rx, label = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
bound = (tx + rx) * 11 / 115200 * 1000
print(f"{label:34s} {ms/1000:7.2f} s   wire {tx+rx:6d} B = {bound/1000:6.2f} s   ratio {ms/bound:5.2f}  (goal <= 1.2)")
EOF
}

echo "One chip over the simulated UART at 115200 baud (best of $RUNS)"
with=$(best)
without=$(best --no-verify)
ratio $with "with the check boot (default)"
ratio $without "three boots only (--no-verify)"

# references for the same bytes: the theoretical wire time (above) and
# the time a host with no overhead at all needs against this simulator,
# whose pacing sleeps per byte (measured by ossp-bench-pace on a pty)
bytes=$(echo "$without" | awk '{print $2 + $3}')
ref_ms=$("$B/bench/ossp-bench-pace" "$bytes" 115200)
python3 - "$without" "$ref_ms" "$bytes" <<'EOF'
import sys
ms = int(sys.argv[1].split()[0]); ref = int(sys.argv[2]); n = int(sys.argv[3])
bound = n * 11 / 115200 * 1000
print(f"{'paced pty, same bytes, no protocol':34s} {ref/1000:7.2f} s   wire {n:6d} B = {bound/1000:6.2f} s   ratio {ref/bound:5.2f}  (the simulator's own pacing)")
print(f"{'three boots / paced-pty reference':34s} {ms/ref:7.2f}     (host and protocol overhead)")
EOF

echo
echo "Batches of simulated chips at 115200 baud (wall time of one CLI run)"
t1=""
for n in 1 2 4 8; do
  start=$(date +%s%N)
  "$CLI" --json --yes provision --demo --demo-dir "$W/demo" --port sim --sim-boards $n \
    --sim-baud 115200 > "$W/batch-$n.jsonl" || { echo "batch $n failed" >&2; exit 1; }
  end=$(date +%s%N)
  ms=$(( (end - start) / 1000000 ))
  [ -n "$t1" ] || t1=$ms
  python3 - "$n" "$ms" "$t1" "$W/batch-$n.jsonl" <<'EOF'
import json, sys
n, ms, t1, path = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
ok = [json.loads(l) for l in open(path) if '"summary"' in l][-1]["provisioned"]
thr = n / (ms / 1000); thr1 = 1 / (t1 / 1000)
print(f"N={n}:  {ms/1000:6.2f} s   {ok}/{n} provisioned   {thr:5.3f} chips/s   scaling {thr/thr1:4.2f} x (goal >= {0.9*n:.1f})")
EOF
done
