#!/bin/sh
# Long fuzzing (not in CI): each harness for FUZZ_SECONDS (default 600),
# printing executions, coverage and crashes. Crash reproducers land in
# bench/out/fuzz-artifacts/; copy each into tests/fuzz/corpus/<name>/ so the
# replay test keeps it as a regression.
set -eu
cd "$(dirname "$0")/.."
SECONDS_EACH=${FUZZ_SECONDS:-600}
# a GLib critical reached from an input is a bug as well: make it a crash
export G_DEBUG=fatal-criticals
B=build-fuzz
if [ ! -f "$B/build.ninja" ]; then
  CC=clang meson setup "$B" -Dfuzzing=true -Dgui=false -Db_sanitize=address,undefined -Db_lundef=false
fi
ninja -C "$B"
mkdir -p bench/out/fuzz-artifacts
printf '%-14s %12s %8s %8s %s\n' harness execs cov ft crashes
for f in "$B"/tests/fuzz/fuzz-*; do
  # only the harness executables (not meson's fuzz-*.p object folders)
  [ -f "$f" ] && [ -x "$f" ] || continue
  name=${f##*/fuzz-}
  work=bench/out/fuzz-corpus/$name
  mkdir -p "$work"
  cp tests/fuzz/corpus/"$name"/* "$work"/ 2>/dev/null || true
  log=bench/out/fuzz-$name.log
  "$f" -max_total_time="$SECONDS_EACH" -timeout=10 -print_final_stats=1 -artifact_prefix=bench/out/fuzz-artifacts/"$name"- "$work" >"$log" 2>&1 || true
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  crashes=$(ls bench/out/fuzz-artifacts/"$name"-* 2>/dev/null | wc -l)
  printf '%-14s %12s %8s %8s %s\n' "$name" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$crashes"
done
