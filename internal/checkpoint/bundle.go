package checkpoint

import (
	"bytes"
	"fmt"
	"strings"
)

// The files of an auditor's bundle (`roster evidence export --format
// bundle --out DIR`).
const (
	BundleEvidence    = "evidence.jsonl"
	BundleCheckpoints = "checkpoints.jsonl"
	BundlePublicKey   = "public-key.pem"
	BundleReadme      = "README.md"
)

// BundleInfo describes a bundle for its README.
type BundleInfo struct {
	RosterVersion string
	Records       uint64
	Head          string
	Checkpoints   int
	// LastSeq is the highest seq a checkpoint names (0 without any).
	LastSeq uint64
	// KeyIDs are the key ids the checkpoints name, in first-seen order.
	KeyIDs []string
	// PublicKey is the key written as public-key.pem; nil when the bundle
	// holds none.
	PublicKey *PublicKey
}

// Readme is a bundle's README.md: what each file holds and, with commands
// anyone can run in the bundle's folder (bash, sha256sum, jq and openssl
// 3), how to recompute every record's hash and check every checkpoint's
// signature without roster. A test follows it literally: every ```sh block,
// in order.
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
	p("This folder holds the evidence of a roster state, exported by `roster evidence export --format bundle` (roster %s), so that it can be checked without roster:\n\n", info.RosterVersion)
	p("| file | holds |\n| --- | --- |\n")
	p("| `%s` | %d evidence records, one JSON object per line, in order (line N is record N), exactly as stored; the last one's hash (the head) is %s |\n", BundleEvidence, info.Records, head)
	p("| `%s` | %d signed checkpoints, one JSON object per line, oldest first, exactly as stored; signed by key id %s |\n", BundleCheckpoints, info.Checkpoints, keyIDs)
	if info.PublicKey != nil {
		p("| `%s` | the public key of key id `%s` (PKIX PEM) |\n", BundlePublicKey, info.PublicKey.ID)
	}
	p("| `%s` | this file |\n\n", BundleReadme)
	p("Run the commands below in this folder. They need `bash`, `sha256sum`, `jq` and `openssl` (3.0 or later, for ed25519) and nothing else.\n\n")

	p("## 1. One record's hash\n\n")
	p("A record's `hash` is the lowercase hex sha256 of its canonical JSON without the `hash` member. Canonical JSON is RFC 8785 (JCS): members sorted by key, no whitespace between tokens, strings escaped only where JSON requires it, integers written plainly; for the records roster writes, `jq -cS` prints exactly that, with a newline that `tr` removes. For the first record, these two lines print the same hash:\n\n")
	p("```sh\n")
	p("sed -n 1p %s | jq -cS 'del(.hash)' | tr -d '\\n' | sha256sum | cut -c1-64\n", BundleEvidence)
	p("sed -n 1p %s | jq -r .hash\n", BundleEvidence)
	p("```\n\n")

	p("## 2. The whole chain\n\n")
	p("Each record's `prev_hash` is the hash of the record before (`\"\"` for the first) and `seq` counts 1, 2, 3, … without gaps, so an edited, removed, inserted or reordered record breaks the chain. This loop recomputes every hash from the content and checks every link; on success its last line names the head hash above.\n\n")
	p("```sh\n")
	p(`prev=""; n=0
while IFS= read -r line; do
  n=$((n+1))
  seq=$(printf '%%s' "$line" | jq -r .seq)
  [ "$seq" = "$n" ] || { echo "record $n: sequence says $seq"; break; }
  [ "$(printf '%%s' "$line" | jq -r .prev_hash)" = "$prev" ] || { echo "record $n: broken link"; break; }
  sum=$(printf '%%s' "$line" | jq -cS 'del(.hash)' | tr -d '\n' | sha256sum | cut -c1-64)
  [ "$sum" = "$(printf '%%s' "$line" | jq -r .hash)" ] || { echo "record $n: altered"; break; }
  prev=$sum
done < %s
echo "checked $n records, head $prev"
`, BundleEvidence)
	p("```\n\n")
	p("The chain alone does not stop someone who can write the state from editing a record and recomputing every later hash. The signed checkpoints do: each says, under a key that person does not hold, which hash record `seq` had when it was signed.\n\n")

	p("## 3. The public key\n\n")
	if info.PublicKey != nil {
		p("`%s` is the key the bundle was exported with. Compare it with a copy from a source you trust more than this folder (the team's repository, its security page, the person who ran `roster keygen`): the same key has the same key id, the first 16 hex characters of the sha256 of its PKIX DER. This prints `%s`:\n\n", BundlePublicKey, info.PublicKey.ID)
	} else {
		p("This bundle holds no public key. Ask the team that runs roster for theirs (the `.pub` file `roster keygen` wrote; key id %s), from a source you trust more than this folder, and save it here as `%s`. Its key id, the first 16 hex characters of the sha256 of its PKIX DER, must match:\n\n", keyIDs, BundlePublicKey)
	}
	p("```sh\n")
	p("openssl pkey -pubin -in %s -outform DER | sha256sum | cut -c1-16\n", BundlePublicKey)
	p("```\n\n")

	p("## 4. One checkpoint's signature\n\n")
	p("A checkpoint's `signature` is the standard base64 of the ed25519 signature over the checkpoint's canonical JSON without the `signature` member, no trailing newline: what `jq -cS 'del(.signature)' | tr -d '\\n'` prints. For the first checkpoint, OpenSSL prints `Signature Verified Successfully`:\n\n")
	p("```sh\n")
	p("sed -n 1p %s | jq -cS 'del(.signature)' | tr -d '\\n' > message.bin\n", BundleCheckpoints)
	p("sed -n 1p %s | jq -r .signature | openssl base64 -d -A > signature.bin\n", BundleCheckpoints)
	p("openssl pkeyutl -verify -pubin -inkey %s -rawin -in message.bin -sigfile signature.bin\n", BundlePublicKey)
	p("```\n\n")

	p("## 5. Every checkpoint, against the key and the chain\n\n")
	p("After step 2 has passed (so line N of `%s` is record N and its hash is right), this loop checks each checkpoint's signature and key id, and that the record it names still has the hash it signed. A chain rebuilt after an edit fails at the first checkpoint signed after the edited record.\n\n", BundleEvidence)
	p("```sh\n")
	p(`key=$(openssl pkey -pubin -in %s -outform DER | sha256sum | cut -c1-16)
n=0; bad=0
while IFS= read -r cp; do
  n=$((n+1))
  printf '%%s' "$cp" | jq -cS 'del(.signature)' | tr -d '\n' > message.bin
  printf '%%s' "$cp" | jq -r .signature | openssl base64 -d -A > signature.bin
  openssl pkeyutl -verify -pubin -inkey %s -rawin -in message.bin -sigfile signature.bin > /dev/null 2>&1 \
    || { echo "checkpoint $n: bad signature"; bad=$((bad+1)); }
  [ "$(printf '%%s' "$cp" | jq -r .key_id)" = "$key" ] || { echo "checkpoint $n: signed by another key"; bad=$((bad+1)); }
  seq=$(printf '%%s' "$cp" | jq -r .seq)
  [ "$(sed -n "${seq}p" %s | jq -r .hash)" = "$(printf '%%s' "$cp" | jq -r .hash)" ] \
    || { echo "checkpoint $n: record $seq does not have the hash it signed"; bad=$((bad+1)); }
done < %s
echo "checked $n checkpoints, $bad failed"
`, BundlePublicKey, BundlePublicKey, BundleEvidence, BundleCheckpoints)
	p("```\n\n")

	p("## What this proves\n\n")
	if info.Checkpoints > 0 && info.LastSeq > 0 {
		after := info.Records - min(info.Records, info.LastSeq)
		p("The last checkpoint covers record %d: records 1 to %d are vouched for by the key. ", info.LastSeq, info.LastSeq)
		switch after {
		case 0:
			p("No record follows it.\n\n")
		case 1:
			p("The 1 record after it is covered by the chain only.\n\n")
		default:
			p("The %d records after it are covered by the chain only.\n\n", after)
		}
	} else {
		p("This bundle holds no checkpoint: the records are covered by the chain only.\n\n")
	}
	p("Keep a checkpoint outside the state (`roster evidence checkpoint --json`: in the pull request, a git tag, this folder) and check it later with `roster evidence verify --checkpoint FILE`: the evidence it names can then not be rewritten unnoticed, even by someone who can write the state. See roster's schema/evidence.md for every field.\n")
	return b.Bytes()
}
