#!/usr/bin/env bash
# make demo: roster's main job on the bundled examples, with a throw-away
# state file. Run from the repository root with the built binary as $1.
set -euo pipefail
roster=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step roster version
"$roster" version

step roster platforms
"$roster" platforms

step roster platforms show plausible
"$roster" platforms show plausible
