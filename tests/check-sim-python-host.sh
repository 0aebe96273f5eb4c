#!/bin/sh
# check-sim-python-host.sh — `openssp sim uart` driven end to end by the
# independent Python host (tests/sim-python-host.py); the board must end
# provisioned and closed. Exit 77 (skip) without python3 + pycryptodome.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu
CLI=${OPENSSP_CLI:?}
HERE=$(dirname "$0")
PY=/usr/bin/python3
[ -x "$PY" ] && "$PY" -c 'import Cryptodome' 2>/dev/null || { echo "skip: no python3 pycryptodome"; exit 77; }
TMP=$(mktemp -d)
SERVER=""
cleanup () { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
"$CLI" sim new --chip stm32mp15 --state "$TMP/board.json" >/dev/null
"$CLI" sim uart --state "$TMP/board.json" --json --byte-timeout-ms 2000 --halt-reset-ms 300 >"$TMP/uart.json" 2>"$TMP/uart.err" &
SERVER=$!
i=0
while [ ! -s "$TMP/uart.json" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
PTY=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["pty"])' "$TMP/uart.json")
"$PY" "$HERE/sim-python-host.py" "$PTY"
kill "$SERVER"; wait "$SERVER" || true; SERVER=""
"$CLI" sim show "$TMP/board.json" --json >"$TMP/show.json"
"$PY" -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["ssp_success"] and s["closed"], s' "$TMP/show.json"
echo "provisioned and closed"
