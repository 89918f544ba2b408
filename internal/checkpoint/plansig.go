package checkpoint

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/roster-dev/roster/internal/plan"
)

// planMessage is what a plan signature is over: a prefix that no
// checkpoint's JSON can start with, and the plan's digest ("sha256:…"),
// which covers the plan's bytes.
func planMessage(digest string) []byte { return []byte("roster plan\n" + digest) }

// SignPlan is the plan.SignFunc of s: `roster plan --out` signs the saved
// plan with the signing key (cli.md "Evidence, version 2").
func (s *Signer) SignPlan(digest string) (plan.Signature, error) {
	return plan.Signature{KeyID: s.pub.ID, Value: base64.StdEncoding.EncodeToString(ed25519.Sign(s.priv, planMessage(digest)))}, nil
}

// ErrPlanUnsigned: a signing key is set but the saved plan carries no
// signature.
var ErrPlanUnsigned = errors.New("the plan file is not signed; with $" + EnvSigningKey + " set, apply takes only plans that roster plan --out signed with that key")

// VerifyPlan checks that p, as read from a saved plan file, was signed by
// key: unsigned, signed by another key, or a signature that does not
// verify over p's digest is an error.
func VerifyPlan(p *plan.Plan, key *PublicKey) error {
	sig := p.Signature
	if sig == nil {
		return ErrPlanUnsigned
	}
	if sig.KeyID != key.ID {
		return fmt.Errorf("the plan file is signed by key %s, not by the signing key %s", clip(sig.KeyID), key.ID)
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(sig.Value)
	if err != nil || len(raw) != ed25519.SignatureSize || !ed25519.Verify(key.Key, planMessage(p.Digest()), raw) {
		return fmt.Errorf("the plan file's signature does not verify with key %s: the plan was altered after it was signed", key.ID)
	}
	return nil
}
