package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// FileVersion is the version of the saved plan file this roster writes and
// reads.
const FileVersion = 1

// A saved plan file (`plan --out FILE`) is one JSON object:
//
//	{"roster_plan": 1, "digest": "sha256:…", "plan": {...}}
//
// where digest is the sha256 of the exact bytes of the "plan" member as
// written, so any edit is caught. The plan member holds every field of Plan
// but Signature and Held (a change's Reason is read again from its why;
// its Note is never written):
//
//	{"created_at": RFC3339Nano UTC, "now": ..., "lineage": "...", "serial": N,
//	 "config_digest": "...", "allow_mass_removal": bool, "reinvite": bool,
//	 "commit": "...", "change_request": "...",
//	 "drift":      [{"address", "before", "after", "via"}],
//	 "changes":    [{"address", "action", "from", "carried", "before", "after", "risks", "why"}],
//	 "follow_ups": [{"address", "task", "text"}],
//	 "manual":     [{"address", "task", "change", "text"}],
//	 "cost":       [{"team", "requests", "budget_per_hour", "eta_seconds", "estimate"}],
//	 "seen":       [{"address", "object", "undeclared", "elsewhere"}],
//	 "diagnostics": [{"severity", "summary", "detail", "range"}],
//	 "upcoming":   [{"address", "task", "change", "text"}]}
//
// A drift's via, a change's from and carried (moves only), a cost's
// estimate (only when true), and seen, diagnostics and upcoming (only when
// there are any) are written only when they say something, so that other
// plans keep their bytes. Objects are model.Object's JSON ({"address",
// "attrs"}, every attribute present, keys sorted) or null; every other
// array is present. The before object of each change is also what `apply
// PLANFILE` checks a connected team's live access against (the fingerprint
// of schema/cli.md).

// A plan saved while $ROSTER_SIGNING_KEY is set carries, after "plan", a
// "signature" member: {"key_id": "…", "value": "…"}, the ed25519 signature
// (standard base64) of the digest's text ("sha256:…"). The digest covers
// the plan's bytes, so the signature does too; who may sign is the
// signing key's business (internal/checkpoint), not this package's.

// Signature is a saved plan's signature of its digest; its tags are the
// "signature" member's (wire.go).
type Signature struct {
	KeyID string `json:"key_id"`
	Value string `json:"value"`
}

// SignFunc signs a plan's digest ("sha256:…").
type SignFunc func(digest string) (Signature, error)

// ErrModified is the error Decode returns when the digest does not match.
var ErrModified = errors.New("plan file was modified after it was saved (digest mismatch); make a new plan with roster plan --out")

// Encode writes the plan as a saved plan file.
func Encode(p *Plan) ([]byte, error) { return EncodeSigned(p, nil) }

// EncodeSigned writes the plan as a saved plan file signed by sign (none
// when sign is nil).
func EncodeSigned(p *Plan, sign SignFunc) ([]byte, error) {
	if p == nil {
		return nil, errors.New("no plan to encode")
	}
	for _, t := range []time.Time{p.CreatedAt, p.Now} {
		if y := t.UTC().Year(); y < 0 || y > 9999 {
			return nil, fmt.Errorf("cannot save a plan dated %s: the year must be between 0 and 9999", t.UTC())
		}
	}
	// A change's Moving is written whenever it is set (wire.go), and read
	// back only on a move with a from: anything else would be a file this
	// roster cannot read.
	for i := range p.Changes {
		if c := &p.Changes[i]; (c.Action == Move) != (c.Moving != nil && !c.Moving.From.IsZero()) {
			return nil, fmt.Errorf("cannot save change %s: only a move has a from, and every move has one", c.Addr)
		}
	}
	head := `{"roster_plan":` + strconv.Itoa(FileVersion) + `,"digest":"sha256:`
	const hexLen = 2 * sha256.Size
	out := make([]byte, 0, encodedSize(p))
	out = append(out, head...)
	out = append(out, make([]byte, hexLen)...) // the digest, filled in below
	out = append(out, `","plan":`...)
	start := len(out)
	out = appendPlan(out, p)
	sum := sha256.Sum256(out[start:])
	hex.Encode(out[len(head):len(head)+hexLen], sum[:])
	if sign != nil {
		sig, err := sign("sha256:" + hex.EncodeToString(sum[:]))
		if err != nil {
			return nil, fmt.Errorf("signing the plan: %v", err)
		}
		out = append(out, `,"signature":`...)
		out = appendSignature(out, sig)
	}
	return append(out, "}\n"...), nil
}

// encodedSize guesses the size of the encoded plan, to allocate it once.
func encodedSize(p *Plan) int {
	return 1024 + 420*(len(p.Changes)+2*len(p.Drift)) + 200*(len(p.FollowUps)+len(p.Manual)+len(p.Cost))
}

// Digest is "sha256:" and the lowercase hex sha256 of the plan's canonical
// encoding: the digest Encode writes into the file, and the evidence's
// plan_digest.
func (p *Plan) Digest() string {
	sum := sha256.Sum256(appendPlan(make([]byte, 0, encodedSize(p)), p))
	return "sha256:" + hex.EncodeToString(sum[:])
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
