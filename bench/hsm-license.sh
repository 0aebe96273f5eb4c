#!/bin/sh
# Licenses per second: the soft-HSM in process vs the full PC/SC path
# (private pcscd + vsmartcard vpcd + `openssp hsm sim-card`), and their ratio.
# Usage: bench/hsm-license.sh [BUILD_DIR] [COUNT]     (not run in CI)
set -eu
cd "$(dirname "$0")/.."
BUILD=${1:-build}
COUNT=${2:-300}
ninja -C "$BUILD" bench/bench-hsm-license tests/ossp-pcscd-launch src/cli/openssp >/dev/null
OSSP_PCSCD_LAUNCH="$PWD/$BUILD/tests/ossp-pcscd-launch" \
OPENSSP_CLI="$PWD/$BUILD/src/cli/openssp" \
  "$BUILD/bench/bench-hsm-license" "$COUNT"
