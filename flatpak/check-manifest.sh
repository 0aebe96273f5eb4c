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
PY
echo "manifest OK"
