#!/bin/sh
# backup-import.sh — how long importing a backup list that fills all of
# BKPSRAM (8192 bytes as 2048 four-byte entries) takes, against a reference
# run of the same CLI on a one-entry list (process start, chip map, JSON
# parse of a tiny file). Prints ratios; not run in CI.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: bench/backup-import.sh [BUILD-DIR] [RUNS]
set -eu
BUILD=${1:-build}
RUNS=${2:-20}
CLI="$BUILD/src/cli/openssp"
[ -x "$CLI" ] || { echo "no $CLI: build first (meson setup $BUILD && ninja -C $BUILD)" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# the full list: every word of the 8 KiB backup SRAM is one entry
python3 - "$TMP" <<'PY'
import json, sys
d = sys.argv[1]
def write(name, n):
    entries = [{"offset": "0x%X" % (4 * i), "hex": "%08x" % i} for i in range(n)]
    with open(f"{d}/{name}", "w") as f:
        json.dump({"format": "openssp-backup-list", "version": 1, "chip": "stm32mp25",
                   "memory": "bkpsram", "base": "0x42000000", "entries": entries}, f, indent=1)
write("full.json", 2048)
write("one.json", 1)
# the same 8 KiB as one entry: the cost of the entry count, not the bytes
with open(f"{d}/big.json", "w") as f:
    json.dump({"version": 1, "chip": "stm32mp25", "memory": "bkpsram", "base": "0x42000000",
               "entries": [{"offset": 0, "hex": "ab" * 8192}]}, f)
PY

now_ns () { date +%s%N; }

# median of RUNS runs of "$@", in microseconds
measure () {
  i=0
  : > "$TMP/times"
  while [ $i -lt "$RUNS" ]; do
    t0=$(now_ns)
    "$@" > /dev/null
    t1=$(now_ns)
    echo $(( (t1 - t0) / 1000 )) >> "$TMP/times"
    i=$((i + 1))
  done
  sort -n "$TMP/times" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

"$CLI" backup check "$TMP/full.json" > /dev/null   # warm the page cache
ref=$(measure "$CLI" backup check "$TMP/one.json")
full=$(measure "$CLI" backup check "$TMP/full.json")
big=$(measure "$CLI" backup check "$TMP/big.json")
build=$(measure sh -c "'$CLI' backup build '$TMP/full.json' --out '$TMP/out.bin' --force -q")

echo "median of $RUNS runs (microseconds, whole CLI process):"
printf '  %-46s %8s us\n' "reference: check a 1-entry list" "$ref"
printf '  %-46s %8s us  (%s x reference, +%s us)\n' "import+check 2048 entries (all of BKPSRAM)" "$full" \
  "$(awk -v a="$full" -v b="$ref" 'BEGIN { printf "%.2f", a / b }')" $((full - ref))
printf '  %-46s %8s us  (%s x reference)\n' "import+check 1 entry of 8192 bytes" "$big" \
  "$(awk -v a="$big" -v b="$ref" 'BEGIN { printf "%.2f", a / b }')"
printf '  %-46s %8s us  (%s x reference)\n' "import+build backup-out.bin (2048 entries)" "$build" \
  "$(awk -v a="$build" -v b="$ref" 'BEGIN { printf "%.2f", a / b }')"
echo "  backup-out.bin: $(wc -c < "$TMP/out.bin") bytes (16 + 2048 x (16 + 4) = 40976 expected)"
