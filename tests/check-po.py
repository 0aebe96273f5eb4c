#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Translations (docs/app.md): every po/*.po of LINGUAS compiles with
msgfmt --check; po/POTFILES.in lists every source, UI and data file with
marked strings, and only files that exist; marked C strings hold no format
macros (gettext cannot see through G_GSIZE_FORMAT); and every translation is
complete: each msgid of a fresh template from the sources has a translation
that is neither missing nor fuzzy (msgcmp). Exit 77 (skip) without gettext."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

src = os.environ.get("OPENSSP_SOURCE_DIR", os.path.join(os.path.dirname(__file__), ".."))
for tool in ("msgfmt", "xgettext", "msgcmp"):
    if shutil.which(tool) is None:
        print(f"{tool} not installed (package gettext): skipped")
        sys.exit(77)

failures = []
po_dir = os.path.join(src, "po")
with open(os.path.join(po_dir, "LINGUAS")) as f:
    linguas = [w for line in f for w in line.split("#")[0].split()]
with open(os.path.join(po_dir, "POTFILES.in")) as f:
    potfiles = [line.strip() for line in f if line.strip() and not line.startswith("#")]

# 1. every translation compiles, formats checked
for lang in linguas:
    po = os.path.join(po_dir, lang + ".po")
    r = subprocess.run(["msgfmt", "--check", "--statistics", "-o", os.devnull, po],
                       capture_output=True, text=True)
    if r.returncode != 0:
        failures.append(f"{lang}.po does not compile:\n{r.stderr}")
    else:
        print(f"{lang}.po: {r.stderr.strip()}")

# 2. POTFILES.in: complete and existing
marker = re.compile(r'(?<![A-Za-z0-9_])(_|N_|C_|NC_|ngettext|g_dngettext|g_dpgettext2)\s*\(|translatable="yes"')
found = set()
for top in ("src", "ui", "data"):
    for dirpath, _, names in os.walk(os.path.join(src, top)):
        for name in names:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, src)
            if name.endswith((".desktop.in", ".metainfo.xml.in", ".gschema.xml")):
                found.add(rel)          # every field of these is for people
            elif name.endswith((".c", ".ui")):
                with open(path, encoding="utf-8") as f:
                    if marker.search(f.read()):
                        found.add(rel)
for rel in sorted(found - set(potfiles)):
    failures.append(f"po/POTFILES.in lacks {rel} (it has marked strings)")
for rel in potfiles:
    if not os.path.exists(os.path.join(src, rel)):
        failures.append(f"po/POTFILES.in lists {rel}, which does not exist")

# 3. no format macros inside marked C strings
macro = re.compile(r'(?:\b_|N_|ngettext|g_dngettext)\s*\((?:[^;]*?)"\s*(G_G[A-Z0-9_]*FORMAT|PRI[diux]\d+)')
for rel in potfiles:
    if rel.endswith(".c"):
        with open(os.path.join(src, rel), encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if macro.search(line):
                    failures.append(f"{rel}:{n}: a format macro inside a translatable string: {line.strip()}")

# 4. complete: every msgid of a fresh template is translated
with tempfile.TemporaryDirectory() as tmp:
    pot = os.path.join(tmp, "fresh.pot")
    listing = os.path.join(tmp, "files")
    with open(listing, "w") as f:
        f.write("\n".join(potfiles) + "\n")
    keywords = ["--keyword=_", "--keyword=N_", "--keyword=C_:1c,2", "--keyword=NC_:1c,2",
                "--keyword=g_dngettext:2,3", "--keyword=g_dpgettext2:2c,3"]
    r = subprocess.run(["xgettext", "--from-code=UTF-8", "--directory", src, "--files-from", listing,
                        "--output", pot, *keywords], capture_output=True, text=True)
    if r.returncode != 0:
        failures.append(f"xgettext failed:\n{r.stderr}")
    else:
        for lang in linguas:
            r = subprocess.run(["msgcmp", os.path.join(po_dir, lang + ".po"), pot],
                               capture_output=True, text=True)
            if r.returncode != 0:
                failures.append(f"{lang}.po is not complete (run 'ninja -C build openssp-update-po' "
                                f"and translate):\n{r.stderr[:3000]}")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print(f"translations OK: {', '.join(linguas)}; {len(potfiles)} files in POTFILES.in")
