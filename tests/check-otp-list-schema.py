#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks docs/formats/otp-list.schema.json: it is a valid JSON Schema, the
seed lists it should accept pass, the bad one fails, and lists written by the
real CLI ($OPENSSP_CLI) conform. Exit 77 (skip) without python3-jsonschema."""
import json
import os
import subprocess
import sys
import tempfile

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema not installed: skipped")
    sys.exit(77)

src = os.environ.get("OPENSSP_SOURCE_DIR", os.path.join(os.path.dirname(__file__), ".."))
cli = os.environ["OPENSSP_CLI"]
with open(os.path.join(src, "docs/formats/otp-list.schema.json")) as f:
    schema = json.load(f)
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
corpus = os.path.join(src, "tests/fuzz/corpus/otp-list")


def errors(path):
    with open(path) as f:
        return list(validator.iter_errors(json.load(f)))


for name in ("mp15.json", "mp25.json"):
    errs = errors(os.path.join(corpus, name))
    assert not errs, f"{name}: {errs[0].message}"
assert errors(os.path.join(corpus, "bad-value.json")), "bad-value.json should fail the schema"

with tempfile.TemporaryDirectory() as tmp:
    key = os.path.join(tmp, "k.bin")
    with open(key, "wb") as f:
        f.write(bytes(range(32)))
    for chip, steps in (
        ("stm32mp15", [["set-rma", "--value", "0x1234"], ["set", "60", "0x12345678", "--label", "x"]]),
        ("stm32mp25", [["set-key", "--word", "260", "--key-file", key],
                       ["set", "301", "5", "--sticky-read-lock", "--format", "2"]]),
    ):
        lst = os.path.join(tmp, chip + ".json")
        subprocess.run([cli, "otp", "new", "--chip", chip, "--out", lst], check=True, capture_output=True)
        for step in steps:
            subprocess.run([cli, "otp", step[0], lst] + step[1:], check=True, capture_output=True)
        errs = errors(lst)
        assert not errs, f"CLI list for {chip}: {errs[0].message}"
print("otp-list schema: OK")
