#!/bin/sh
# Fails when docs/errors.md drifts from the catalogue compiled into the CLI.
# Regenerate with: build/src/cli/openssp explain --markdown > docs/errors.md
set -eu
"$1" explain --markdown | diff -u "$2" - && echo "docs/errors.md in sync"
