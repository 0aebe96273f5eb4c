#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# One bounded libFuzzer run (meson suite "fuzz-run", fuzz builds only; .ci/run):
#   fuzz-run.sh FUZZER SEED_DIR WORK_DIR
# Runs for $OSSP_FUZZ_SECONDS (default 20). New inputs go to WORK_DIR/corpus, never
# into the checked-in seeds; a crash, leak, OOM or slow input (> 10 s) fails, and
# its reproducer is kept in WORK_DIR/artifacts/ (copy it into the seed corpus as a
# regression once fixed).
set -u
fuzzer=$1 seeds=$2 work=$3
secs=${OSSP_FUZZ_SECONDS:-20}
# a GLib critical reached from an input is a bug as well: make it a crash
export G_DEBUG=fatal-criticals
rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
"$fuzzer" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1536 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" "$seeds" >"$work/log" 2>&1
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -1 | cut -d' ' -f2)
ft=$(grep -o 'ft: [0-9]*' "$work/log" | tail -1 | cut -d' ' -f2)
crashes=$(find "$work/artifacts" -type f | wc -l)
echo "$(basename "$fuzzer"): ${secs}s execs=${execs:-?} cov=${cov:-?} ft=${ft:-?} corpus=$(find "$work/corpus" -type f | wc -l) crashes=$crashes exit=$rc"
if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
  tail -n 60 "$work/log"
  ls -l "$work/artifacts"
  exit 1
fi
exit 0
