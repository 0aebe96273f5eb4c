#!/bin/bash
# project-build.sh — `openssp project build` of the MP25 example (5 steps)
# against the reference: the same five outputs made by five separate CLI
# runs (otp build, 2 × backup build, payload build, image sign), as a
# script without a project would. Also the no-op rebuild (all up to date).
#
# usage: bench/project-build.sh [build-dir] [runs]   (not run in CI)
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
runs=${2:-20}
cli=$build/src/cli/openssp
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/mp15" "$work/mp25"
cp "$src/docs/examples/mp15/product.openssp" "$work/mp15/"
cp "$src/docs/examples/mp25/product.openssp" "$work/mp25/"
OPENSSP=$cli "$src/docs/examples/make-inputs.sh" "$work" >/dev/null
cd "$work/mp25"
table=()
for i in 0 1 2 3 4 5 6 7; do table+=(--pubkey "keys/publicKey0$i.pem"); done

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc; }

t0=$(now)
for _ in $(seq "$runs"); do
  "$cli" -q project build product.openssp --force >/dev/null
done
t1=$(now)
for _ in $(seq "$runs"); do
  "$cli" -q project build product.openssp >/dev/null
done
t2=$(now)
for _ in $(seq "$runs"); do
  "$cli" -q otp build otp.json --out out/secret.bin --force >/dev/null
  "$cli" -q backup build bkpsram.json --out out/bkpsram.bin --force >/dev/null
  "$cli" -q backup build tamp.json --out out/tamp.bin --force >/dev/null
  "$cli" -q payload build --chip stm32mp25 --key enc_key.bin --nonce nonce.bin --secret out/secret.bin \
    --backup out/bkpsram.bin --base 0x42000000 --backup out/tamp.bin --base 0x46010100 \
    --out out/product.ssp --force >/dev/null
  "$cli" -q image sign --in tf-a-ssp.stm32 --out out/tf-a-ssp-signed.stm32 --chip stm32mp25 \
    --key keys/privateKey00.pem --password-file keys.pw --key-index 0 \
    "${table[@]}" --force >/dev/null
done
t3=$(now)

full=$(elapsed "$t0" "$t1"); noop=$(elapsed "$t1" "$t2"); ref=$(elapsed "$t2" "$t3")
printf 'runs: %s (MP25 example: secret file, 2 backup files, payload, signed image)\n' "$runs"
printf 'reference, 5 separate CLI runs:  %.1f ms per set-up\n' "$(echo "$ref * 1000 / $runs" | bc -l)"
printf 'project build --force:           %.1f ms  (ratio %.2f)\n' "$(echo "$full * 1000 / $runs" | bc -l)" "$(echo "$full / $ref" | bc -l)"
printf 'project build, all up to date:   %.1f ms  (ratio %.2f)\n' "$(echo "$noop * 1000 / $runs" | bc -l)" "$(echo "$noop / $ref" | bc -l)"
