#!/usr/bin/env bash
# json-lines.sh — how many lines of JSON codec code roster has, at the
# baseline of issue 22 (commit ea89e8a, before the JSON work) and at a
# revision (HEAD unless given), and the drop between them.
#
#   scripts/json-lines.sh [REV] [BASE]
#
# Needs bash, git and the coreutils/awk every shell has; reads only git
# objects (never the working tree), so it answers the same for the same
# commits.
#
# The rule (one list, counted the same way at both commits):
#
#  * Counted: Go source whose main job is encoding or decoding roster's own
#    stored or published JSON documents: state objects, saved plans,
#    evidence records (sealing, canonical form, strict reading, the
#    verifier's fast path), the JSON plan and the JSON reports. That is
#    the codecs, wire types, tokenizers, escapers and canonicalisers, and
#    their successors at HEAD (wire.go, strict.go, ...), new files
#    included, not only the deleted ones.
#  * Tests counted: a whole *_test.go file whose job is testing those
#    codecs (equivalence of hand and library output, goldens of the
#    codec, duplicate refusal, old files read), and, in test files that
#    test other things too, the named test functions whose job that is
#    (FILE:FUNC below: the function from its doc comment to its closing
#    brace).
#  * Not counted, at either commit: code that merely calls a codec (the
#    document types of report/review.go, checkpoint, diag, policy, the
#    stores); platform API clients and fakes (internal/driver,
#    internal/fake: they read other programs' JSON, not roster's
#    documents; kit/shape.go, new at HEAD, validates API response shapes);
#    testdata (goldens, fuzz corpora, old files) since they are not code;
#    JSON Schema tests.
#
# A path absent at a commit counts 0 there. The last section lists, for
# the reader's judgement, every other non-driver Go file that touches a
# JSON package at REV, uncounted.
set -euo pipefail

rev=${1:-HEAD}
base=${2:-ea89e8a}
cd "$(git rev-parse --show-toplevel)"

# Whole files: the codecs.
code=(
	# state objects
	internal/model/objectjson.go
	# saved plan files
	internal/plan/decode.go
	internal/plan/jsondec.go
	internal/plan/jsonenc.go
	internal/plan/wire.go
	# plan.Diagnostic's tags are the wire type of a diagnostic in the saved
	# plan and the JSON plan alike: counted whole, the type with its tags
	internal/plan/diagnostic.go
	# the bbolt store's own record-hash scanner
	internal/state/boltstore/jsonscan.go
	# evidence: sealing (the record's wire types and encoder), canonical
	# form, strict reading, the verifier's benchmarked fast path
	internal/evidence/record.go
	internal/evidence/canonical.go
	internal/evidence/strict.go
	internal/evidence/scan.go
	# the shared hand-written writer
	internal/jsonw/jsonw.go
	# the JSON plan
	internal/render/json.go
	internal/render/jsonstr.go
	# the JSON reports
	internal/report/jsonenc.go
)

# Whole files: their tests.
tests=(
	internal/model/objectjson_test.go
	internal/plan/file_test.go
	# old plan files read (testdata/prev)
	internal/plan/compat_test.go
	# old state files read through the object codec (testdata/prev)
	internal/state/boltstore/compat_test.go
	internal/evidence/strict_test.go
	internal/evidence/seal_test.go
	internal/evidence/hashes_test.go
	internal/jsonw/jsonw_test.go
	internal/jsonw/update_flag_test.go
)

# Functions in files that do other things too: at the baseline the object
# codec's entry points sat in model/object.go (now in objectjson.go, counted
# whole above); the rest are tests.
funcs=(
	internal/model/object.go:AttrsJSON
	internal/model/object.go:MarshalJSON
	internal/model/object.go:UnmarshalJSON
	internal/model/object.go:SetAttrsJSON
	internal/evidence/evidence_test.go:TestCanonicalStable
	internal/evidence/evidence_test.go:TestCanonicalizeRefusesDuplicates
	internal/evidence/evidence_test.go:TestCanonicalKeyOrderUTF16
	internal/evidence/evidence_test.go:FuzzHashOf
	internal/evidence/evidence_test.go:genericHash
	internal/state/boltstore/store_test.go:TestHashFields
	internal/state/boltstore/store_test.go:FuzzHashFields
	internal/render/render_test.go:TestWriteJSONMatchesEncodingJSON
	internal/render/render_test.go:TestWriteJSONEscapes
	internal/render/render_test.go:TestJSONShape
	internal/render/render_test.go:TestAttrsMarshal
	internal/render/render_test.go:TestWriteJSONStreams
	internal/render/bench_test.go:BenchmarkWriteJSON
	internal/render/bench_test.go:BenchmarkNewPlanJSON
	internal/report/report_test.go:TestJSONMatchesEncodingJSON
	internal/report/report_test.go:TestJSONEscapesAndReadsBack
	internal/report/report_test.go:TestJSONStreams
)

# lines REV PATH: the number of lines of PATH at REV, 0 when absent.
lines() {
	if git cat-file -e "$1:$2" 2>/dev/null; then
		git cat-file -p "$1:$2" | wc -l
	else
		echo 0
	fi
}

# funclines REV PATH FUNC: the lines of func FUNC (a method's receiver
# allowed) in PATH at REV, its doc comment included; 0 when absent.
funclines() {
	if ! git cat-file -e "$1:$2" 2>/dev/null; then
		echo 0
		return
	fi
	git cat-file -p "$1:$2" | awk -v name="$3" '
		BEGIN { re = "^func (\\([^)]*\\) )?" name "[[(]" }
		!in_f && /^\/\// { doc++; next }
		!in_f && $0 ~ re { in_f = 1; n = doc + 1; doc = 0; if ($0 ~ /}$/ && $0 !~ /{$/) { print n; found = 1; exit } ; next }
		!in_f { doc = 0; next }
		in_f { n++; if ($0 ~ /^}/) { print n; found = 1; exit } }
		END { if (!found) print 0 }'
}

total_base=0
total_rev=0
row() { printf '%6s %6s %7s  %s\n' "$@"; }
# add A B LABEL: one row, added to the running and the grand totals.
add() {
	sub_base=$((sub_base + $1))
	sub_rev=$((sub_rev + $2))
	total_base=$((total_base + $1))
	total_rev=$((total_rev + $2))
	row "$1" "$2" "$(($2 - $1))" "$3"
}
# section LABEL FROM COUNT FILE...: a row for each whole FILE and each of
# COUNT entries of funcs from FROM, then their subtotal.
section() {
	local label=$1 from=$2 count=$3 f e
	shift 3
	sub_base=0 sub_rev=0
	for f in "$@"; do
		add "$(lines "$base" "$f")" "$(lines "$rev" "$f")" "$f"
	done
	for e in "${funcs[@]:from:count}"; do
		add "$(funclines "$base" "${e%%:*}" "${e#*:}")" "$(funclines "$rev" "${e%%:*}" "${e#*:}")" "$e"
	done
	row "$sub_base" "$sub_rev" "$((sub_rev - sub_base))" "= $label"
	echo
}
row "$base" "${rev:0:7}" change "file (or file:function)"
section "codec code" 0 4 "${code[@]}"
code_base=$sub_base code_rev=$sub_rev
section "codec tests" 4 "${#funcs[@]}" "${tests[@]}"
row "$total_base" "$total_rev" "$((total_rev - total_base))" "= total"
echo
echo "JSON codec code:         $base $code_base, $rev $code_rev, drop $((code_base - code_rev))"
echo "JSON code with its tests: $base $total_base, $rev $total_rev, drop $((total_base - total_rev))"
echo
echo "Not counted (they call a JSON package, but their main job is something else), at $rev:"
git grep -l -e 'go-json-experiment/json' -e '"encoding/json"' "$rev" -- '*.go' ':!internal/driver' ':!internal/fake' |
	sed "s|^$rev:||" | while read -r f; do
	counted=no
	for g in "${code[@]}" "${tests[@]}" "${funcs[@]%%:*}"; do
		[ "$g" = "$f" ] && counted=yes
	done
	[ $counted = no ] && printf '%6s  %s\n' "$(lines "$rev" "$f")" "$f"
done
exit 0
