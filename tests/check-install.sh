#!/bin/sh
# `meson install` into a temporary DESTDIR works, the tree holds what a
# desktop needs, the installed CLI runs, and the installed app starts and
# shows its window under Xvfb (the window title is read back with xwininfo)
# and is not dumpable (no core dump of its secrets).
# usage: check-install.sh MESON BUILDDIR PREFIX
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu
meson=$1 builddir=$2 prefix=$3
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
"$meson" install -C "$builddir" --destdir "$dest" --no-rebuild --quiet >/dev/null
root=$dest$prefix
missing=0
for f in bin/openssp bin/openssp-gtk \
         share/applications/org.openssp.OpenSSP.desktop \
         share/metainfo/org.openssp.OpenSSP.metainfo.xml \
         share/icons/hicolor/scalable/apps/org.openssp.OpenSSP.svg \
         share/icons/hicolor/symbolic/apps/org.openssp.OpenSSP-symbolic.svg \
         share/glib-2.0/schemas/org.openssp.OpenSSP.gschema.xml \
         share/mime/packages/org.openssp.OpenSSP.xml \
         share/locale/fr/LC_MESSAGES/openssp.mo \
         lib/udev/rules.d/70-openssp.rules; do
  if [ ! -e "$root/$f" ]; then
    echo "not installed: $prefix/$f" >&2
    missing=1
  fi
done
[ "$missing" = 0 ] || exit 1
echo "installed tree complete under DESTDIR$prefix"

"$root/bin/openssp" --version

if ! command -v xvfb-run >/dev/null 2>&1 || ! command -v xwininfo >/dev/null 2>&1; then
  echo "xvfb-run or xwininfo missing: the start of the app is not checked" >&2
  exit 77
fi
glib-compile-schemas "$root/share/glib-2.0/schemas"
mkdir -p "$dest/home"
# As root, the app runs as "nobody" (setpriv): then the owner of
# /proc/PID/status tells a non-dumpable process (root) from a dumpable one
# (the user) — passwords and keys pass through the app, it must not dump core.
# The X server takes any client (-ac), the tree is readable by everyone.
as_user=""
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
  as_user="setpriv --reuid=65534 --regid=65534 --clear-groups --"
  chmod 755 "$dest"; chmod 777 "$dest/home"
fi
# the app alone on a fresh display, with its own home; it must map its window
HOME=$dest/home XDG_DATA_HOME=$dest/home/data XDG_CONFIG_HOME=$dest/home/config \
XDG_DATA_DIRS=$root/share:/usr/share GSETTINGS_SCHEMA_DIR=$root/share/glib-2.0/schemas \
GSETTINGS_BACKEND=memory GSK_RENDERER=cairo GTK_A11Y=none NO_AT_BRIDGE=1 \
APP="$root/bin/openssp-gtk" AS_USER="$as_user" \
xvfb-run -a -s '-screen 0 1280x1024x24 -ac' sh -c '
  $AS_USER "$APP" & pid=$!
  $AS_USER sleep 120 & control=$!
  i=0
  # up to 60 s: a sanitizer build on a busy machine starts slowly; a
  # healthy start returns as soon as the window is mapped
  while [ $i -lt 600 ]; do
    id=$(xwininfo -root -tree 2>/dev/null | grep "OpenSSP" | awk "{print \$1}" | head -1)
    if [ -n "$id" ] && xwininfo -id "$id" | grep -q "Map State: IsViewable" &&
       [ "$(xwininfo -id "$id" | awk "/Width:/ {print \$2}")" -gt 100 ]; then
      xwininfo -id "$id" | grep -E "xwininfo:|Width|Height|Map State"
      uid=$(awk "/^Uid:/ {print \$2}" /proc/$pid/status)
      owner=$(stat -c %u /proc/$pid/status)
      control_owner=$(stat -c %u /proc/$control/status)
      kill $pid $control; wait $pid 2>/dev/null || true
      echo "the installed openssp-gtk started and its window is on screen"
      echo "runs as uid $uid; /proc/PID/status owned by $owner (a dumpable sleep of that user: $control_owner)"
      if [ "$uid" != 0 ]; then
        [ "$control_owner" = "$uid" ] || { echo "control: the dumpable sleep is not owned by $uid" >&2; exit 1; }
        [ "$owner" = 0 ] || { echo "openssp-gtk is dumpable: a core dump could hold its secrets" >&2; exit 1; }
        echo "openssp-gtk is not dumpable"
      else
        echo "running as root without setpriv: dumpability not checked"
      fi
      exit 0
    fi
    if ! kill -0 $pid 2>/dev/null; then
      kill $control
      echo "the installed openssp-gtk exited before showing a window" >&2
      exit 1
    fi
    sleep 0.1; i=$((i + 1))
  done
  kill $pid $control
  echo "no OpenSSP window after 60 s" >&2
  exit 1'
