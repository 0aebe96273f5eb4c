#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks docs/formats/project.schema.json: a valid JSON Schema; the example
projects conform; the keys the CLI knows (`openssp project keys`) are exactly
the schema's; a project with every key set by the real CLI conforms; a typo
fails. Exit 77 (skip) without python3-jsonschema."""
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
with open(os.path.join(src, "docs/formats/project.schema.json")) as f:
    schema = json.load(f)
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)


def errors(doc):
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(doc)]


for name in ("mp15", "mp25"):
    with open(os.path.join(src, "docs/examples", name, "product.openssp")) as f:
        errs = errors(json.load(f))
    assert not errs, f"{name}: {errs}"

out = subprocess.run([cli, "--json", "project", "keys"], check=True, capture_output=True, text=True).stdout
cli_keys = {k["key"]: k["type"] for k in json.loads(out)}
schema_keys = {}
for section, spec in schema["properties"].items():
    if spec.get("type") == "object":
        for member, mspec in spec["properties"].items():
            schema_keys[f"{section}.{member}"] = mspec.get("type", "string")
assert set(cli_keys) == set(schema_keys), \
    f"CLI only: {set(cli_keys) - set(schema_keys)}, schema only: {set(schema_keys) - set(cli_keys)}"
for key, kind in cli_keys.items():
    want = "integer" if kind == "integer" else "string"
    assert schema_keys[key] == want, f"{key}: CLI says {kind}, schema {schema_keys[key]}"

with tempfile.TemporaryDirectory() as tmp:
    project = os.path.join(tmp, "p.openssp")
    subprocess.run([cli, "project", "new", "--chip", "stm32mp25", project], check=True, capture_output=True)
    values = {"integer": "1", "path": os.path.join(tmp, "f.bin"), "string": "x"}
    for key, kind in cli_keys.items():
        value = "simulated" if key == "hsm.provider" else values[kind]
        subprocess.run([cli, "project", "set", project, key, value], check=True, capture_output=True)
    with open(project) as f:
        doc = json.load(f)
    errs = errors(doc)
    assert not errs, f"CLI-made project: {errs}"
    doc["payload"]["kee"] = "typo.bin"
    assert errors(doc), "an unknown member should fail the schema"
print("project schema: OK,", len(cli_keys), "keys")
