package checkpoint

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/roster-dev/roster/internal/evidence"
)

// FormatVersion is the format_version of the checkpoints this roster
// writes: version 2 holds prev_checkpoint (cli.md "Evidence, version 2").
// Version 1 checkpoints, without it, are still read, but only before the
// first version 2 one.
const FormatVersion = "2"

// formatVersion1 is the first format, without prev_checkpoint.
const formatVersion1 = "1"

// Checkpoint is a signed statement that an evidence chain's record Seq had
// hash Hash at Time. Its JSON form is schema/checkpoint.schema.json.
type Checkpoint struct {
	FormatVersion string `json:"format_version"`
	Seq           uint64 `json:"seq"`
	Hash          string `json:"hash"`
	Time          string `json:"time"`
	KeyID         string `json:"key_id"`
	// PrevCheckpoint is the lowercase hex sha256 of the previous
	// checkpoint's canonical JSON (Digest), "" for the first: checkpoints
	// form a chain of their own. Version 2 only.
	PrevCheckpoint string `json:"prev_checkpoint"`
	// Signature is the standard base64 (with padding) of the ed25519
	// signature over SignedBytes.
	Signature string `json:"signature"`

	// signed is the canonical JSON without signature, kept by Parse so
	// that what is verified is exactly what was read.
	signed []byte
}

// Sign makes the first checkpoint of a chain (prev_checkpoint ""): see
// SignAfter.
func (s *Signer) Sign(seq uint64, hash string, at time.Time) ([]byte, error) {
	return s.SignAfter(nil, seq, hash, at)
}

// SignAfter makes the checkpoint of record seq with hash, signed at at,
// that follows the checkpoint whose stored JSON is prev (nil for the
// first), and returns its JSON as it is stored (canonical, one line). Its
// signature matches apply.Meta's Sign hook.
func (s *Signer) SignAfter(prev []byte, seq uint64, hash string, at time.Time) ([]byte, error) {
	if seq == 0 {
		return nil, errors.New("there is no evidence record to sign")
	}
	if !isHex(hash, 64) {
		return nil, fmt.Errorf("%q is not a record hash (64 lowercase hex characters)", hash)
	}
	var prevDigest string
	if prev != nil {
		d, err := Digest(prev)
		if err != nil {
			return nil, fmt.Errorf("the previous checkpoint: %v", err)
		}
		prevDigest = d
	}
	c := &Checkpoint{FormatVersion: FormatVersion, Seq: seq, Hash: hash, Time: evidence.FormatTime(at), KeyID: s.pub.ID, PrevCheckpoint: prevDigest}
	msg, err := c.SignedBytes()
	if err != nil {
		return nil, err
	}
	c.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(s.priv, msg))
	return evidence.Canonical(c)
}

// SignFunc is s.SignAfter as apply.Meta's Sign hook wants it, or nil
// when s is nil (no signing key: nothing is signed), so that
// meta.Sign = signer.SignFunc() needs no check.
func (s *Signer) SignFunc() func(prev []byte, seq uint64, hash string, at time.Time) ([]byte, error) {
	if s == nil {
		return nil
	}
	return s.SignAfter
}

// Digest is what the next checkpoint's prev_checkpoint says of the stored
// checkpoint raw: the lowercase hex sha256 of its canonical JSON (RFC
// 8785), signature included. JSON that names a member twice has no
// digest.
func Digest(raw []byte) (string, error) {
	v := jsontext.Value(bytes.Clone(bytes.TrimSpace(raw)))
	if err := v.Canonicalize(); err != nil {
		return "", fmt.Errorf("it is not one JSON object without duplicate members: %v", strings.TrimPrefix(err.Error(), "jsontext: "))
	}
	sum := sha256.Sum256(v)
	return hex.EncodeToString(sum[:]), nil
}

// SignedBytes are the bytes the signature is over: the canonical JSON
// (RFC 8785) of the checkpoint without its signature member, no trailing
// newline; `jq -cS 'del(.signature)' | tr -d '\n'` prints them.
func (c *Checkpoint) SignedBytes() ([]byte, error) {
	if c.signed != nil {
		return c.signed, nil
	}
	v := struct {
		FormatVersion  string  `json:"format_version"`
		Seq            uint64  `json:"seq"`
		Hash           string  `json:"hash"`
		Time           string  `json:"time"`
		KeyID          string  `json:"key_id"`
		PrevCheckpoint *string `json:"prev_checkpoint,omitzero"` // version 2 on: nil omits it, "" is written
	}{c.FormatVersion, c.Seq, c.Hash, c.Time, c.KeyID, nil}
	if c.FormatVersion != formatVersion1 {
		v.PrevCheckpoint = &c.PrevCheckpoint
	}
	return evidence.Canonical(v)
}

// Parse reads a checkpoint's JSON (as stored, or as `roster evidence
// checkpoint --json` prints it; whitespace around it is ignored) and
// checks its shape. It does not check the signature: see VerifySignature.
func Parse(data []byte) (*Checkpoint, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, errors.New("it is empty, not a checkpoint")
	}
	v := jsontext.Value(bytes.Clone(data))
	if err := v.Canonicalize(); err != nil { // duplicate members refused
		return nil, fmt.Errorf("it is not a checkpoint's JSON: %v", strings.TrimPrefix(err.Error(), "jsontext: "))
	}
	// json/v2: member names match exactly, unknown ones are refused.
	var c Checkpoint
	if err := jsonv2.Unmarshal(v, &c, jsonv2.RejectUnknownMembers(true)); err != nil {
		return nil, fmt.Errorf("it is not a checkpoint's JSON: %v", jsonError(err))
	}
	var m map[string]jsontext.Value
	if err := jsonv2.Unmarshal(v, &m); err != nil {
		return nil, fmt.Errorf("it is not a JSON object: %v", jsonError(err))
	}
	for _, k := range []string{"format_version", "seq", "hash", "time", "key_id", "signature"} {
		if _, ok := m[k]; !ok {
			return nil, fmt.Errorf("it has no %q member", k)
		}
	}
	_, hasPrev := m["prev_checkpoint"]
	switch {
	case c.FormatVersion != FormatVersion && c.FormatVersion != formatVersion1:
		return nil, fmt.Errorf("its format_version is %q; this roster reads versions %q and %q (upgrade roster?)", c.FormatVersion, formatVersion1, FormatVersion)
	case c.FormatVersion == FormatVersion && !hasPrev:
		return nil, fmt.Errorf("it has no \"prev_checkpoint\" member, which format version %s requires", FormatVersion)
	case c.FormatVersion == formatVersion1 && hasPrev:
		return nil, fmt.Errorf("format version %s has no \"prev_checkpoint\" member", formatVersion1)
	case c.PrevCheckpoint != "" && !isHex(c.PrevCheckpoint, 64):
		return nil, fmt.Errorf("its prev_checkpoint %q is neither \"\" nor 64 lowercase hex characters", clip(c.PrevCheckpoint))
	case c.Seq == 0:
		return nil, errors.New("its seq is 0; records are numbered from 1")
	case c.Seq > 1<<53:
		return nil, fmt.Errorf("its seq %d is too large", c.Seq)
	case !isHex(c.Hash, 64):
		return nil, fmt.Errorf("its hash %q is not 64 lowercase hex characters", clip(c.Hash))
	case !isHex(c.KeyID, 16):
		return nil, fmt.Errorf("its key_id %q is not 16 lowercase hex characters", clip(c.KeyID))
	}
	if _, err := time.Parse(time.RFC3339, c.Time); err != nil {
		return nil, fmt.Errorf("its time %q is not an RFC 3339 time", clip(c.Time))
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(c.Signature)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, fmt.Errorf("its signature is not the base64 of a %d-byte ed25519 signature", ed25519.SignatureSize)
	}
	delete(m, "signature")
	raw, err := jsonv2.Marshal(m)
	if err != nil {
		return nil, err
	}
	if c.signed, err = evidence.CanonicalizeJSON(raw); err != nil {
		return nil, fmt.Errorf("it cannot be put in canonical form: %v", err)
	}
	return &c, nil
}

// jsonError turns json/v2's messages about Go types into words.
func jsonError(err error) string {
	var se *jsonv2.SemanticError
	if errors.As(err, &se) {
		member := strings.TrimPrefix(string(se.JSONPointer), "/")
		if errors.Is(se.Err, jsonv2.ErrUnknownName) {
			return fmt.Sprintf("unknown field %q", member)
		}
		if member != "" {
			return fmt.Sprintf("member %q has the wrong type (%s %s)", member, se.JSONKind, se.JSONValue)
		}
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// ErrBadSignature: the signature does not verify with the key.
var ErrBadSignature = errors.New("its signature does not verify: the checkpoint was altered, or signed by another key")

// VerifySignature checks that c was signed by key: its key_id must be
// key's id and its signature must verify over SignedBytes.
func (c *Checkpoint) VerifySignature(key *PublicKey) error {
	if c.KeyID != key.ID {
		return fmt.Errorf("it was signed by key %s, not by the given key %s", c.KeyID, key.ID)
	}
	sig, err := base64.StdEncoding.DecodeString(c.Signature)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return ErrBadSignature
	}
	msg, err := c.SignedBytes()
	if err != nil {
		return err
	}
	if !ed25519.Verify(key.Key, msg, sig) {
		return ErrBadSignature
	}
	return nil
}

// verifyAny checks c against whichever of keys has its key id.
func (c *Checkpoint) verifyAny(keys []*PublicKey) error {
	for _, k := range keys {
		if k.ID == c.KeyID {
			return c.VerifySignature(k)
		}
	}
	if len(keys) == 1 {
		return c.VerifySignature(keys[0])
	}
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = k.ID
	}
	return fmt.Errorf("it was signed by key %s, which is none of the given keys (%s)", c.KeyID, joinComma(ids))
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// clip shortens a value quoted in a message.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

func joinComma(l []string) string {
	var b bytes.Buffer
	for i, s := range l {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(s)
	}
	return b.String()
}
