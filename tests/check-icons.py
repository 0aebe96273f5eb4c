#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The app icons are well-formed SVG; the symbolic one is 16x16 and one colour."""
import re
import sys
import xml.etree.ElementTree as ET

for path in sys.argv[1:]:
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg"), f"{path}: not an SVG"
    if path.endswith("-symbolic.svg"):
        assert root.get("width") == "16" and root.get("height") == "16", f"{path}: symbolic icons are 16x16"
        colours = set(re.findall(r'fill="(#[0-9a-fA-F]{3,6})"', open(path).read()))
        assert len(colours) == 1, f"{path}: a symbolic icon has one colour, not {colours}"
print("icons OK")
