package checkpoint

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/roster-dev/roster/internal/evidence"
)

// The files of an auditor's bundle (`roster evidence export --format
// bundle --out DIR`; cli.md "Evidence, version 2": the bundle fails
// closed).
const (
	BundleEvidence    = "evidence.jsonl"
	BundleCheckpoints = "checkpoints.jsonl"
	BundleKeys        = "keys" // keys/KEYID.pub, one per key that signed a checkpoint
	BundleManifest    = "MANIFEST.json"
	BundleVerify      = "verify.sh"
	BundleReadme      = "README.md"
)

// ManifestVersion is the format_version of the MANIFEST.json this roster
// writes.
const ManifestVersion = "1"

// Manifest is a bundle's MANIFEST.json: what the bundle must hold. It is
// written as canonical JSON, one line.
type Manifest struct {
	FormatVersion string `json:"format_version"`
	RosterVersion string `json:"roster_version"`
	Records       uint64 `json:"records"`
	FirstSeq      uint64 `json:"first_seq"`
	LastSeq       uint64 `json:"last_seq"`
	Head          string `json:"head"`
	Checkpoints   int    `json:"checkpoints"`
	// Keys are the ids of the keys that signed a checkpoint, in first-seen
	// order: the bundle holds keys/ID.pub for each.
	Keys []string `json:"keys"`
	// LatestCheckpoint is the last stored checkpoint, exactly as in
	// checkpoints.jsonl; it covers the head.
	LatestCheckpoint any `json:"latest_checkpoint"`
}

// ManifestJSON is m as written: canonical JSON and a newline.
func ManifestJSON(m *Manifest) ([]byte, error) {
	if m.Keys == nil {
		m.Keys = []string{}
	}
	b, err := evidence.Canonical(m)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// KeyFile is the bundle path of the public key with id.
func KeyFile(id string) string { return BundleKeys + "/" + id + ".pub" }

// VerifyScript is a bundle's verify.sh: a POSIX shell script that checks
// the bundle with sha256sum, jq and openssl only, prints one line per
// check and exits non-zero at the first failure. Its checks are those of
// VerifyBundle (`roster evidence verify --bundle DIR`); a test runs both
// on a genuine bundle and on one tampered copy per attack.
func VerifyScript() []byte { return []byte(verifyScript) }

const verifyScript = `#!/bin/sh
# verify.sh: check this roster evidence bundle without roster.
#
#   sh verify.sh [KEPT-CHECKPOINT.json ...]
#
# Needs a POSIX shell, sha256sum, jq and openssl (3.0 or later, for
# ed25519), nothing else. Prints one line per check and exits 1 at the first
# failure (2 when a tool is missing). A checkpoint kept outside the bundle
# (roster evidence checkpoint --json, in a pull request, a git tag, your own
# folder) may be given: it must be signed by a key of the bundle and still
# be in the chain. README.md says what each check proves.
set -u
LC_ALL=C
export LC_ALL

ok() { printf 'ok    %s\n' "$*"; }
fail() { printf 'FAIL  %s\n' "$*"; exit 1; }

for tool in sha256sum jq openssl; do
  command -v "$tool" >/dev/null 2>&1 || { printf 'FAIL  %s is not installed\n' "$tool"; exit 2; }
done
ok "tools: sha256sum, jq and openssl are installed"

# Kept checkpoints are named from where the script was started.
orig=$(pwd)
kept=
for f in "$@"; do
  case $f in /*) ;; *) f=$orig/$f ;; esac
  [ -f "$f" ] || fail "kept checkpoint $f: no such file"
  kept="$kept$f
"
done
case $0 in */*) cd -- "${0%/*}" || fail "cannot enter the bundle's folder" ;; esac

tmp=${TMPDIR:-/tmp}/roster-verify.$$
rm -rf "$tmp"
mkdir -m 700 "$tmp" || fail "cannot make the temporary folder $tmp"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

for f in MANIFEST.json evidence.jsonl checkpoints.jsonl; do
  [ -f "$f" ] || fail "file $f is missing"
done
[ -d keys ] || fail "folder keys is missing"
ok "files: MANIFEST.json, evidence.jsonl, checkpoints.jsonl and keys/ are present"

# canon FILTER: the canonical JSON (RFC 8785) of the JSON on standard input
# after FILTER, without a newline. jq -cS writes it for roster's records,
# except that it escapes DEL, which RFC 8785 writes as it is.
del=$(printf '\177')
canon() {
  if [ "$has_del" = 1 ]; then
    jq -cS "$1" | jq -Rj 'gsub("(?<e>(?<!\\\\)(?:\\\\\\\\)*)\\\\u007f"; "\(.e)\u007f")'
  else
    jq -jcS "$1"
  fi
}
check_del() { case $1 in *"$del"*) has_del=1 ;; *) has_del=0 ;; esac; }
# sha FILTER: the lowercase hex sha256 of canon FILTER.
sha() { s=$(canon "$1" | sha256sum) || return 1; printf '%s' "${s%% *}"; }
# lines FILE: fails unless FILE is empty or ends with a newline, so that no
# last line is skipped by a line-by-line reader.
lines() {
  [ -s "$1" ] || return 0
  [ "$(jq -Rrs 'endswith("\n")' < "$1")" = true ] || fail "$1: its last line has no final newline (a line-by-line reader would skip it)"
}

# The manifest: one canonical JSON object.
has_del=0
manifest=$(jq -Rrs . < MANIFEST.json) || fail "MANIFEST.json cannot be read"
[ "$(canon . < MANIFEST.json 2>/dev/null)" = "$manifest" ] || fail "MANIFEST.json is not one canonical JSON object (RFC 8785) naming each member once"
m=$(jq -r 'if .format_version == "1" and (.records|type) == "number" and (.first_seq|type) == "number" and (.last_seq|type) == "number" and (.head|type) == "string" then "\(.records) \(.first_seq) \(.last_seq) \(.head)" else "" end' MANIFEST.json)
[ -n "$m" ] || fail "MANIFEST.json is not a roster bundle manifest of format version 1"
m_records=${m%% *}; m=${m#* }; m_first=${m%% *}; m=${m#* }; m_last=${m%% *}; m_head=${m#* }

# Every record: canonical, numbered, linked, hashing to its hash.
lines evidence.jsonl
n=0
prev=
while IFS= read -r line; do
  n=$((n+1))
  [ -n "$line" ] || fail "record $n: an empty line"
  check_del "$line"
  c=$(printf '%s' "$line" | canon . 2>/dev/null) || fail "record $n: not JSON"
  [ "$c" = "$line" ] || fail "record $n: not its own canonical JSON (RFC 8785): edited, reformatted, or a member named twice"
  f=$(printf '%s' "$line" | jq -r 'if (.seq|type) == "number" and (.hash|type) == "string" and (.prev_hash|type) == "string" then "\(.seq) \(.hash) .\(.prev_hash)" else "" end')
  [ -n "$f" ] || fail "record $n: no seq, hash or prev_hash"
  seq=${f%% *}; f=${f#* }; hash=${f%% *}; link=${f#* }
  [ "$seq" = "$n" ] || fail "record $n: says seq $seq (a record was deleted, inserted or moved)"
  [ "$link" = ".$prev" ] || fail "record $n: its prev_hash is not the hash of record $((n-1)) (a broken link)"
  sum=$(printf '%s' "$line" | sha 'del(.hash)') || fail "record $n: cannot be hashed"
  [ "$sum" = "$hash" ] || fail "record $n: its content hashes to $sum, not to its hash $hash (altered)"
  prev=$hash
done < evidence.jsonl
ok "records: $n, each canonical with no member named twice, numbered 1 to $n without a gap, each linked to the one before and hashing to its hash"

[ "$n" = "$m_records" ] || fail "manifest: it says $m_records records, the bundle holds $n"
if [ "$n" -gt 0 ]; then
  [ "$m_first" = 1 ] && [ "$m_last" = "$n" ] || fail "manifest: it says records $m_first to $m_last, the bundle holds 1 to $n"
fi
[ "$m_head" = "$prev" ] || fail "manifest: it says the head is $m_head, the last record's hash is $prev"
ok "manifest: $n records, head ${prev:-none}"

# verify_sig LINE WHAT: LINE's signature by the key its key_id names.
verify_sig() {
  kid=$(printf '%s' "$1" | jq -r 'if (.key_id|type) == "string" and (.key_id|test("^[0-9a-f]{16}$")) then .key_id else "" end')
  [ -n "$kid" ] || fail "$2: no key_id of 16 hex digits"
  # 64 bytes are 86 base64 digits and "=="; the last digit's low 4 bits
  # are zero, or a decoder ignores them and an edited line still verifies.
  [ "$(printf '%s' "$1" | jq -r '(.signature|type) == "string" and (.signature|test("^[A-Za-z0-9+/]{85}[AQgw]==$"))')" = true ] \
    || fail "$2: its signature is not the base64 of a 64-byte ed25519 signature"
  [ -f "keys/$kid.pub" ] || fail "$2: signed by key $kid, but keys/$kid.pub is missing"
  id=$(openssl pkey -pubin -in "keys/$kid.pub" -outform DER 2>/dev/null | sha256sum) || fail "keys/$kid.pub: not a public key"
  id=${id%"${id#????????????????}"}
  [ "$id" = "$kid" ] || fail "keys/$kid.pub: it holds key $id, not key $kid (the key was replaced)"
  printf '%s' "$1" | canon 'del(.signature)' > "$tmp/message" || fail "$2: cannot be read"
  printf '%s' "$1" | jq -r .signature | openssl base64 -d -A > "$tmp/signature" 2>/dev/null || fail "$2: its signature is not base64"
  openssl pkeyutl -verify -pubin -inkey "keys/$kid.pub" -rawin -in "$tmp/message" -sigfile "$tmp/signature" >/dev/null 2>&1 \
    || fail "$2: its signature does not verify with key $kid (altered, or signed by another key)"
}
# record_hash SEQ: the hash of record SEQ.
record_hash() { jq -r --argjson s "$1" 'select(.seq == $s) | .hash' evidence.jsonl; }
# covers LINE WHAT: the record LINE's seq names has the hash LINE says.
covers() {
  f=$(printf '%s' "$1" | jq -r 'if (.seq|type) == "number" and .seq >= 1 and (.seq|floor) == .seq and (.hash|type) == "string" then "\(.seq) \(.hash)" else "" end')
  [ -n "$f" ] || fail "$2: no seq or hash"
  cseq=${f%% *}; chash=${f#* }
  [ "$cseq" -le "$n" ] || fail "$2: it signed record $cseq, but the chain holds only $n records (evidence was removed after it was signed)"
  [ "$(record_hash "$cseq")" = "$chash" ] || fail "$2: record $cseq no longer has the hash it signed (the chain was rewritten after it was signed)"
}

# Every checkpoint: canonical, signed, chained, matching the chain.
lines checkpoints.jsonl
i=0
last=
v2=0
while IFS= read -r cp; do
  i=$((i+1))
  [ -n "$cp" ] || fail "checkpoint $i: an empty line"
  check_del "$cp"
  c=$(printf '%s' "$cp" | canon . 2>/dev/null) || fail "checkpoint $i: not JSON"
  [ "$c" = "$cp" ] || fail "checkpoint $i: not its own canonical JSON (RFC 8785): edited, reformatted, or a member named twice"
  verify_sig "$cp" "checkpoint $i"
  version=$(printf '%s' "$cp" | jq -r '.format_version')
  case $version in
  1)
    [ "$v2" = 0 ] || fail "checkpoint $i: format version 1, without prev_checkpoint, after a version 2 one (checkpoints were replaced)"
    ;;
  2)
    v2=1
    want=
    if [ -n "$last" ]; then want=$(printf '%s' "$last" | sha .); fi
    [ "$(printf '%s' "$cp" | jq -r '.prev_checkpoint')" = "$want" ] || fail "checkpoint $i: its prev_checkpoint is not the digest of checkpoint $((i-1)) (a checkpoint was removed, replaced or reordered)"
    ;;
  *) fail "checkpoint $i: unknown format_version $version" ;;
  esac
  covers "$cp" "checkpoint $i"
  ok "checkpoint $i: signed by key $kid, chained to the one before, record $cseq still has the hash it signed"
  last=$cp
done < checkpoints.jsonl

# The latest checkpoint covers the head, and is the manifest's.
if [ "$n" -gt 0 ]; then
  [ -n "$last" ] || fail "checkpoints: none, so no record is covered by a signature"
  [ "$cseq" = "$n" ] && [ "$chash" = "$prev" ] || fail "checkpoints: the latest covers record $cseq, but the chain goes on to record $n (records $((cseq+1)) to $n are covered by no signature)"
fi
has_del=0
check_del "$last"
mc=$(jq -c '.latest_checkpoint' MANIFEST.json | canon .)
if [ -n "$last" ]; then
  [ "$mc" = "$last" ] || fail "manifest: its latest checkpoint is not the last line of checkpoints.jsonl"
else
  [ "$mc" = null ] || fail "manifest: it names a latest checkpoint, checkpoints.jsonl holds none"
fi
ok "latest checkpoint: checkpoint $i covers record $n, the head, and is the manifest's"

# The manifest's checkpoint count, and the keys that signed, first-seen
# order: the keys it names are the ones that signed, not what it says.
m_cps=$(jq -r '.checkpoints' MANIFEST.json)
[ "$m_cps" = "$i" ] || fail "manifest: it says $m_cps checkpoints, the bundle holds $i"
signers=$(jq -sc 'reduce .[].key_id as $k ([]; if any(.[]; . == $k) then . else . + [$k] end)' checkpoints.jsonl) || fail "checkpoints.jsonl cannot be read"
m_keys=$(jq -c '.keys' MANIFEST.json)
[ "$m_keys" = "$signers" ] || fail "manifest: it names the keys $m_keys, but the checkpoints are signed by $signers"
ok "manifest: $i checkpoints, signed by the keys $signers"

# Checkpoints kept outside the bundle.
printf '%s' "$kept" > "$tmp/kept"
while IFS= read -r f; do
  [ -n "$f" ] || continue
  k=$(jq -c . "$f" 2>/dev/null) || fail "kept checkpoint $f: not JSON"
  [ -n "$k" ] || fail "kept checkpoint $f: empty"
  # jq keeps the last of two members of one name; its stream shows both.
  [ "$(jq -c --stream 'select(length == 2)' "$f" | wc -l)" = "$(printf '%s' "$k" | jq -c 'tostream | select(length == 2)' | wc -l)" ] \
    || fail "kept checkpoint $f: it names a member twice"
  case $k in *"
"*) fail "kept checkpoint $f: more than one JSON value" ;; esac
  check_del "$k"
  verify_sig "$k" "kept checkpoint $f"
  covers "$k" "kept checkpoint $f"
  ok "kept checkpoint $f: signed by key $kid, record $cseq still has the hash it signed"
done < "$tmp/kept"

printf 'PASS  the bundle verifies: records %s, head %s, checkpoints %s\n' "$n" "${prev:-none}" "$i"
`

// BundleInfo describes a bundle for its README.
type BundleInfo struct {
	RosterVersion string
	Records       uint64
	Head          string
	Checkpoints   int
	// LastSeq is the seq the latest checkpoint names (0 without any).
	LastSeq uint64
	// KeyIDs are the key ids the checkpoints name, in first-seen order.
	KeyIDs []string
}

// Readme is a bundle's README.md: what each file holds, how to run
// verify.sh, and what each of its checks proves.
func Readme(info BundleInfo) []byte {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	keyIDs := "none"
	if len(info.KeyIDs) > 0 {
		keyIDs = "`" + strings.Join(info.KeyIDs, "`, `") + "`"
	}
	head := "none"
	if info.Head != "" {
		head = "`" + info.Head + "`"
	}
	p("# roster evidence bundle\n\n")
	p("This folder holds the evidence of a roster state, exported by `roster evidence export --format bundle` (roster %s), so that anyone can check it without roster.\n\n", info.RosterVersion)
	p("| file | holds |\n| --- | --- |\n")
	p("| `%s` | %d evidence records, one JSON object per line, in order (line N is record N), exactly as stored; the last one's hash (the head) is %s |\n", BundleEvidence, info.Records, head)
	p("| `%s` | %d signed checkpoints, one JSON object per line, oldest first, exactly as stored |\n", BundleCheckpoints, info.Checkpoints)
	p("| `%s/KEYID.pub` | the public key (PKIX PEM) of every key that signed a checkpoint: %s |\n", BundleKeys, keyIDs)
	p("| `%s` | the record count, the first and last seq, the head hash, the key ids and the latest checkpoint |\n", BundleManifest)
	p("| `%s` | the checks below, as a POSIX shell script |\n", BundleVerify)
	p("| `%s` | this file |\n\n", BundleReadme)

	p("## How to check it\n\n")
	p("In this folder, with `sha256sum`, `jq` and `openssl` (3.0 or later) installed and nothing else:\n\n")
	p("```sh\nsh verify.sh\n```\n\n")
	p("It prints one line per check, `ok` or `FAIL`, and exits 1 at the first failure (2 when a tool is missing); on success its last line is `PASS`. `roster evidence verify --bundle DIR` makes the same checks. Give it a checkpoint you kept outside the bundle (`roster evidence checkpoint --json`, saved in a pull request, a git tag or your own folder) to check that it is still in the chain: `sh verify.sh kept.json`.\n\n")

	p("## What each check proves\n\n")
	p("1. **files**: every file of the bundle is there; a bundle missing one fails, it is never checked in part.\n")
	p("2. **records**: each line of `%s` is one JSON object that is byte for byte its own canonical JSON (RFC 8785: members sorted, no whitespace, strings escaped only where JSON requires; for roster's records `jq -cS` prints it), so no record can name a member twice or say one thing to one reader and another to the next; `seq` counts 1, 2, 3, … without a gap; each `prev_hash` is the hash of the record before (`\"\"` for the first); and each `hash` is the lowercase hex sha256 of the record's canonical JSON without `hash`. An edited, removed, inserted or reordered record fails here. The file must end with a newline, so that no last line is skipped.\n", BundleEvidence)
	p("3. **manifest**: the number of records and the head hash are the ones `%s` states; after the checkpoints, so are the number of checkpoints and the keys that signed them (in the order they first signed), so the manifest cannot name a key that signed nothing.\n", BundleManifest)
	p("4. **checkpoints**: each line of `%s` is canonical; its `signature` (standard base64, 86 digits and `==`, with the unused bits zero, of an ed25519 signature over its canonical JSON without `signature`) verifies with `keys/KEYID.pub`, the key its `key_id` names, whose id (the first 16 hex characters of the sha256 of its PKIX DER) must be that `key_id`; its `prev_checkpoint` is the sha256 of the previous checkpoint's canonical JSON (`\"\"` for the first), so no checkpoint can be removed, replaced or reordered; and the record at its `seq` still has its `hash`. A chain rebuilt after an edit, every later hash recomputed, fails at the first checkpoint signed after the edited record.\n", BundleCheckpoints)
	p("5. **latest checkpoint**: the latest checkpoint covers the last record, so every record is vouched for by a key; a record appended after it, or records cut from the end, fail. It must be the one `%s` names.\n\n", BundleManifest)

	p("## What it cannot prove alone\n\n")
	p("The keys are in the bundle. Compare their ids (%s) with a copy from a source you trust more than this folder: the team's repository, its security page, the person who ran `roster keygen`. `openssl pkey -pubin -in keys/KEYID.pub -outform DER | sha256sum | cut -c1-16` prints a key's id. Someone who holds a signing key, or who replaces every file of the bundle, can make a bundle that passes: a checkpoint you kept elsewhere, given to `verify.sh`, catches the second.\n\n", keyIDs)
	if info.Checkpoints > 0 && info.LastSeq > 0 {
		p("When it was exported, the latest checkpoint covered record %d of %d.\n", info.LastSeq, info.Records)
	}
	return b.Bytes()
}
