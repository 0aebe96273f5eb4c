#!/bin/sh
# Sign and verify a 64 MiB STM32 image; print time and peak RSS as ratios
# against references run on the same bytes in the same run:
#   openssl dgst -sha256 -sign / -verify  (the issue's goal: time <= 1.1x)
#   sha256sum (hash only), cp (the copy that signing also does)
# Peak RSS goal (issue 6): signing < image size + a few MiB, verifying a few MiB.
# Figures only, no assertions; not run in CI.
#
# Usage: bench/image-sign.sh [BUILD_DIR] [SIZE_MIB] [RUNS]
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu
cd "$(dirname "$0")/.."
B=${1:-build}
MIB=${2:-64}
RUNS=${3:-7}
CLI="$B/src/cli/openssp"
[ -x "$CLI" ] || { echo "build first: ninja -C $B" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian package time)" >&2; exit 1; }

W=bench/out/image-sign
rm -rf "$W"
mkdir -p "$W"
head -c $((MIB * 1024 * 1024)) /dev/urandom > "$W/payload.bin"
openssl ecparam -name prime256v1 -genkey -noout -out "$W/key.pem" 2>/dev/null
openssl ec -in "$W/key.pem" -pubout -out "$W/pub.pem" 2>/dev/null
# the image the verifiers read: header + the same payload
"$CLI" -q image sign --chip stm32mp15 --in "$W/payload.bin" --entry-point 0x2ffc2500 \
  --key "$W/key.pem" --out "$W/ref.stm32"
openssl dgst -sha256 -sign "$W/key.pem" -out "$W/ref.der" "$W/payload.bin"
sync

# best of RUNS: prints "milliseconds max_rss_kib" (wall time from date +%s%N,
# /usr/bin/time only reports 10 ms steps; RSS from /usr/bin/time)
measure () {
  best_ms=""
  rss=0
  i=0
  while [ $i -lt "$RUNS" ]; do
    rm -f "$W/out.stm32" "$W/copy.bin"
    start=$(date +%s%N)
    /usr/bin/time -f "%M" -o "$W/time.txt" "$@" >/dev/null 2>"$W/err.txt" || {
      echo "failed: $*" >&2; cat "$W/err.txt" >&2; exit 1; }
    end=$(date +%s%N)
    ms=$(( (end - start) / 1000000 ))
    if [ -z "$best_ms" ] || [ "$ms" -lt "$best_ms" ]; then best_ms=$ms; fi
    r=$(tail -1 "$W/time.txt")
    if [ "$r" -gt "$rss" ]; then rss=$r; fi
    i=$((i + 1))
  done
  echo "$best_ms $rss"
}

t_sign=$(measure "$CLI" -q image sign --chip stm32mp15 --in "$W/payload.bin" --entry-point 0x2ffc2500 \
  --key "$W/key.pem" --out "$W/out.stm32")
t_resign=$(measure "$CLI" -q image sign --in "$W/ref.stm32" --key "$W/key.pem" --out "$W/out.stm32")
t_verify=$(measure "$CLI" -q image verify "$W/ref.stm32" --pubkey "$W/pub.pem")
t_osign=$(measure openssl dgst -sha256 -sign "$W/key.pem" -out "$W/sig.der" "$W/payload.bin")
t_overify=$(measure openssl dgst -sha256 -verify "$W/pub.pem" -signature "$W/ref.der" "$W/payload.bin")
t_sha=$(measure sha256sum "$W/payload.bin")
t_cp=$(measure cp "$W/payload.bin" "$W/copy.bin")

echo "STM32 image signing, ${MIB} MiB payload, best of $RUNS runs ($(nproc) CPUs)"
printf '%-34s %9s %12s\n' "run" "ms" "peak RSS KiB"
for row in "openssp image sign (raw binary):$t_sign" "openssp image sign (.stm32 in):$t_resign" \
           "openssp image verify:$t_verify" "openssl dgst -sha256 -sign:$t_osign" \
           "openssl dgst -sha256 -verify:$t_overify" "sha256sum:$t_sha" "cp:$t_cp"; do
  name=${row%%:*}; vals=${row#*:}
  printf '%-34s %9s %12s\n' "$name" ${vals% *} ${vals#* }
done
echo
awk -v s="$t_sign" -v r="$t_resign" -v v="$t_verify" -v os="$t_osign" -v ov="$t_overify" \
    -v sh="$t_sha" -v cp="$t_cp" -v mib="$MIB" 'BEGIN {
  split(s, S, " "); split(r, R, " "); split(v, V, " "); split(os, OS, " "); split(ov, OV, " ");
  split(sh, SH, " "); split(cp, CP, " ");
  printf "time  sign   / openssl sign      %.2fx  (goal <= 1.1x; sign also writes %d MiB)\n", S[1] / (OS[1] ? OS[1] : 0.001), mib
  printf "time  sign   / (openssl sign+cp) %.2fx\n", S[1] / ((OS[1] + CP[1]) ? (OS[1] + CP[1]) : 0.001)
  printf "time  verify / openssl verify    %.2fx  (goal <= 1.1x)\n", V[1] / (OV[1] ? OV[1] : 0.001)
  printf "time  verify / sha256sum         %.2fx\n", V[1] / (SH[1] ? SH[1] : 0.001)
  printf "RSS   sign   / openssl sign      %.2fx  (%.1f MiB; image is %d MiB)\n", S[2] / OS[2], S[2] / 1024, mib
  printf "RSS   verify / openssl verify    %.2fx  (%.1f MiB)\n", V[2] / OV[2], V[2] / 1024
  printf "RSS   sign   / image size        %.3fx (failure at >= 2x)\n", S[2] / (mib * 1024)
}'
rm -rf "$W"
