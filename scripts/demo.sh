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

for ex in examples/*/; do
  ls "$ex"*.hcl >/dev/null 2>&1 || continue
  step roster validate --chdir "$ex"
  "$roster" validate --chdir "$ex"
done

ex=examples/plausible-agency
state="$work/state.db"
step roster plan --chdir $ex --state "\$TMP/state.db"
"$roster" plan --chdir "$ex" --state "$state"

step roster apply --chdir $ex --state "\$TMP/state.db" --auto-approve
"$roster" apply --chdir "$ex" --state "$state" --auto-approve --actor demo

# An offline team: every change is a manual step a person makes in the
# platform's UI; the runbook lists them, roster confirm records them.
step roster runbook --chdir $ex --state "\$TMP/state.db"
"$roster" runbook --chdir "$ex" --state "$state"

step roster confirm --all --chdir $ex --state "\$TMP/state.db" --note "Done in the Plausible UI"
"$roster" confirm --all --chdir "$ex" --state "$state" --actor demo --note "Done in the Plausible UI"

step "roster plan (again: nothing to do)"
"$roster" plan --chdir "$ex" --state "$state"

step roster history
"$roster" history --chdir "$ex" --state "$state"

step roster evidence verify
"$roster" evidence verify --state "$state"

step roster review --chdir $ex --state "\$TMP/state.db"
"$roster" review --chdir "$ex" --state "$state"
