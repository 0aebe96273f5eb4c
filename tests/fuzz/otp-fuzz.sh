#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs the OTP fuzzers for a bounded time each (default 60 s), for CI:
#   tests/fuzz/otp-fuzz.sh [SECONDS]
# Builds build-fuzz/ with clang + ASan/UBSan + libFuzzer (spec platform.md §6).
# New inputs go to a scratch copy of the corpus; crashes to build-fuzz/artifacts/.
set -eu
secs=${1:-60}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
if [ ! -d build-fuzz ]; then
  CC=clang meson setup build-fuzz -Dfuzzing=true -Dgui=false \
    -Db_sanitize=address,undefined -Db_lundef=false
fi
ninja -C build-fuzz -j2 tests/fuzz/fuzz-otp-secret tests/fuzz/fuzz-otp-list
mkdir -p build-fuzz/artifacts
for name in otp-secret otp-list; do
  work=build-fuzz/corpus-$name
  rm -rf "$work" && mkdir -p "$work" && cp tests/fuzz/corpus/$name/* "$work"/
  "build-fuzz/tests/fuzz/fuzz-$name" -max_total_time="$secs" -print_final_stats=1 \
    -artifact_prefix=build-fuzz/artifacts/ "$work"
done
