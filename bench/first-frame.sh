#!/bin/sh
# Time to first frame of openssp-gtk (Keys page shown) against an empty
# AdwApplicationWindow with a header bar, both measured by the same helper
# (bench/ossp-first-frame.c: main() -> first "after-paint"), under one Xvfb.
# Prints medians and the ratio; no assertions. Not run in CI.
#   BUILD=build RUNS=7 GSK_RENDERER=cairo bench/first-frame.sh
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
RUNS=${RUNS:-7}
HELPER=$BUILD/bench/ossp-first-frame
[ -x "$HELPER" ] || { echo "build first: ninja -C $BUILD" >&2; exit 1; }
command -v xvfb-run >/dev/null || { echo "xvfb-run is needed" >&2; exit 1; }
export GSK_RENDERER=${GSK_RENDERER:-cairo} GTK_A11Y=none GSETTINGS_BACKEND=memory NO_AT_BRIDGE=1

HELPER=$HELPER RUNS=$RUNS xvfb-run -a -s "-screen 0 1280x1024x24" sh -c '
  median () { sort -n | awk "{a[NR]=\$1} END {print a[int((NR+1)/2)]}"; }
  run () {  # $1 = label, rest = args; prints median in-process ms and wall ms
    label=$1; shift
    ff=""; wall=""
    "$HELPER" "$@" >/dev/null 2>&1 || true   # warm-up: page cache, fontconfig
    i=0
    while [ $i -lt $RUNS ]; do
      s=$(date +%s%N)
      v=$("$HELPER" "$@" 2>/dev/null | sed -n "s/^first-frame-ms //p")
      e=$(date +%s%N)
      ff="$ff $v"; wall="$wall $(( (e - s) / 1000000 ))"
      i=$((i + 1))
    done
    m1=$(printf "%s\n" $ff | median); m2=$(printf "%s\n" $wall | median)
    printf "%-34s first frame %7s ms   process wall %5s ms\n" "$label" "$m1" "$m2"
    echo "$m1 $m2" > "/tmp/ossp-ff-$label"
  }
  run reference --reference
  run openssp-gtk
  set -- $(cat /tmp/ossp-ff-reference) $(cat /tmp/ossp-ff-openssp-gtk)
  rm -f /tmp/ossp-ff-reference /tmp/ossp-ff-openssp-gtk
  awk -v r1="$1" -v r2="$2" -v a1="$3" -v a2="$4" "BEGIN {
    printf \"ratio openssp-gtk / empty window: first frame %.2f, process wall %.2f\n\", a1 / r1, a2 / r2 }"
'
echo "(GSK_RENDERER=$GSK_RENDERER, $RUNS runs each, medians after one warm-up run)"
