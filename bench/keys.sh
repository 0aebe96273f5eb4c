#!/bin/sh
# Time to generate 8 prime256v1 key pairs (an STM32MP13/MP25 set), as ratios
# against openssl doing the same work in the same run. Medians of RUNS runs;
# no assertions. Not run in CI.
#   ours     openssp keys generate --chip stm32mp13 (8 encrypted private keys,
#            8 public keys, 8 PKH files, the PKHTH; every file fsync'ed)
#   ref-gen  8 x openssl ecparam -genkey -noout (bare key generation)
#   ref-set  8 x (openssl genpkey -aes256 + openssl pkey -pubout + openssl
#            dgst over the raw key): what a shell script would do instead
#   BUILD=build RUNS=7 bench/keys.sh
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
RUNS=${RUNS:-7}
CLI=$(pwd)/$BUILD/src/cli/openssp
[ -x "$CLI" ] || { echo "build first: ninja -C $BUILD" >&2; exit 1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export OSSP_BENCH_PW="bench-password-not-secret"

now () { date +%s%N; }
median () { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

ours () {
  "$CLI" keys generate --chip stm32mp13 --out "$1" --password-env OSSP_BENCH_PW >/dev/null
}
ref_gen () {
  mkdir -p "$1"
  for i in 0 1 2 3 4 5 6 7; do
    openssl ecparam -name prime256v1 -genkey -noout -out "$1/k$i.pem"
  done
}
ref_set () {
  mkdir -p "$1"
  for i in 0 1 2 3 4 5 6 7; do
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes256 \
      -pass env:OSSP_BENCH_PW -out "$1/privateKey0$i.pem"
    openssl pkey -in "$1/privateKey0$i.pem" -passin env:OSSP_BENCH_PW -pubout -out "$1/publicKey0$i.pem"
    openssl pkey -pubin -in "$1/publicKey0$i.pem" -outform DER | tail -c 64 |
      openssl dgst -sha256 -binary > "$1/publicKeyHash0$i.bin"
  done
}

measure () {  # $1 = function; prints the median in ms
  out=""
  r=0
  $1 "$WORK/warm-$1"   # warm-up: page cache, shared libraries
  while [ $r -lt "$RUNS" ]; do
    d="$WORK/$1-$r"
    s=$(now); $1 "$d"; e=$(now)
    out="$out $(( (e - s) / 1000 ))"
    r=$((r + 1))
  done
  printf '%s\n' $out | median
}

t_ours=$(measure ours)
t_gen=$(measure ref_gen)
t_set=$(measure ref_set)
awk -v o="$t_ours" -v g="$t_gen" -v s="$t_set" -v n="$RUNS" 'BEGIN {
  printf "8 key pairs, median of %d runs (µs -> ms)\n", n
  printf "  openssp keys generate --chip stm32mp13   %8.1f ms\n", o / 1000
  printf "  ref-gen: 8 x openssl ecparam -genkey      %8.1f ms   ratio ours/ref-gen %.2f\n", g / 1000, o / g
  printf "  ref-set: 8 x openssl genpkey+pubout+dgst  %8.1f ms   ratio ours/ref-set %.2f\n", s / 1000, o / s
}'
