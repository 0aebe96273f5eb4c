#!/usr/bin/env python3
# check-backup-schema.py — docs/formats/backup.schema.json against real files
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Validates the schema itself, the hand-written fixtures (one valid, one
# not) and a list exported by the real CLI. Skips (77) when the python
# jsonschema module is missing: it is an optional check of the docs.
import json
import os
import subprocess
import sys
import tempfile

try:
    import jsonschema
except ImportError:
    print("python3 jsonschema is not installed; skipping")
    sys.exit(77)

src = os.environ["OPENSSP_SOURCE_DIR"]
cli = os.environ["OPENSSP_CLI"]
with open(os.path.join(src, "docs", "formats", "backup.schema.json")) as f:
    schema = json.load(f)
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)


def errors(path):
    with open(path) as f:
        return list(validator.iter_errors(json.load(f)))


data = os.path.join(src, "tests", "data", "backup")
assert errors(os.path.join(data, "example.json")) == [], "example.json must be valid"
bad = errors(os.path.join(data, "invalid.json"))
assert len(bad) >= 8, f"invalid.json: only {len(bad)} schema errors"

with tempfile.TemporaryDirectory() as d:
    lst = os.path.join(d, "list.json")
    key = os.path.join(d, "k.bin")
    with open(key, "wb") as f:
        f.write(bytes(range(32)))
    for args in (["new", "--memory", "bkpsram", "--base", "0x52000000", "--out", lst],
                 ["add", lst, "--offset", "0x10", "--hex", "0011223344556677", "--label", "counter"],
                 ["add", lst, "--data-file", key, "--wrap", "--cpu", "m33"],
                 ["add", lst, "--hex", "00112233445566778899aabbccddeeff", "--wrap", "--cpu", "a35"]):
        subprocess.run([cli, "backup", "-q"] + args, check=True)
    found = errors(lst)
    assert found == [], f"exported list fails the schema: {[e.message for e in found]}"
print("schema OK: fixtures and an exported list")
