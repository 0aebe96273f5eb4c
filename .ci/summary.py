#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Closing line of `./run test` and `.ci/run`: "N passed, N failed, N skipped".

usage: summary.py TESTLOG.json                    (one meson run: the line only)
       summary.py STAGE=TESTLOG.json|STAGE=failed:N|STAGE=missing ...
A stage that has no test log (its build failed) or a `failed:N` entry counts
as N failed tests (1 if not given). With several stages each gets its own line
(failing tests named) before the aggregated last line.
"""
import json
import os
import sys

PASS = ("OK", "EXPECTEDFAIL")
FAIL = ("FAIL", "TIMEOUT", "ERROR", "UNEXPECTEDPASS")


def read_log(path):
    passed = failed = skipped = 0
    names = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line)
            if r["result"] in PASS:
                passed += 1
            elif r["result"] in FAIL:
                failed += 1
                names.append(r["name"])
            else:
                skipped += 1
    return passed, failed, skipped, names


def main(args):
    total = [0, 0, 0]
    staged = any("=" in a for a in args)
    for arg in args:
        stage, _, what = arg.partition("=") if staged else ("", "", arg)
        if what.startswith("failed:"):
            p, f, s, names = 0, int(what.split(":", 1)[1] or 1), 0, ["(see above)"]
        elif what and os.path.isfile(what):
            p, f, s, names = read_log(what)
        else:
            p, f, s, names = 0, 1, 0, ["(no test log: the stage did not build or run)"]
        total[0] += p
        total[1] += f
        total[2] += s
        if staged:
            line = "%-10s %d passed, %d failed, %d skipped" % (stage + ":", p, f, s)
            if names:
                line += "   failed: " + ", ".join(names)
            print(line)
    print("%d passed, %d failed, %d skipped" % tuple(total))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
