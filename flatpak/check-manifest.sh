#!/bin/sh
# Offline check of the Flatpak manifest: strict JSON, and flatpak-builder
# must parse it without a single warning (it exits 0 on unknown keys, so
# warnings are what tell). The GNOME runtime cannot be downloaded here, so
# a real build is left to a machine with network access.
set -eu
manifest="$1"
python3 -m json.tool "$manifest" >/dev/null
if ! command -v flatpak-builder >/dev/null 2>&1; then
  echo "flatpak-builder not installed" >&2
  exit 77
fi
out=$(flatpak-builder --show-manifest "$manifest" 2>&1 >/dev/null) || { echo "$out" >&2; exit 1; }
if printf '%s' "$out" | grep -q WARNING; then
  echo "$out" >&2
  exit 1
fi
# every finish-arg must carry its reason
python3 - "$manifest" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
reasons = m.get("x-finish-args-reasons", {})
missing = [a for a in m["finish-args"] if a not in reasons]
if missing:
    sys.exit("finish-args without a reason: %s" % ", ".join(missing))
# every module says why it is there, and the ones the app needs are
mreasons = m.get("x-modules-reasons", {})
names = [mod["name"] for mod in m["modules"]]
for needed in ("libusb", "pcsc-lite", "openssp"):
    if needed not in names:
        sys.exit("module %s is missing" % needed)
unexplained = [n for n in names if n not in mreasons]
if unexplained:
    sys.exit("modules without a reason: %s" % ", ".join(unexplained))
if names[-1] != "openssp":
    sys.exit("openssp must be built last, after the libraries it links")
openssp = m["modules"][-1]
if "-Dtests=false" not in openssp.get("config-opts", []):
    sys.exit("the openssp module must build with -Dtests=false (the SDK lacks the test tools)")
PY
echo "manifest OK"
