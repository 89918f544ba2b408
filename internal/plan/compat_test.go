package plan

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// The plan files in testdata/prev were written by the release before the
// json/v2 codec (commit 8422f89): create.plan and update.plan by its
// roster binary (plan --out of examples/piwikpro-groups on an empty state,
// and of examples/plausible-agency with roles changed on an applied state),
// full.plan by its Encode of compatPlan (every member, "seen" included);
// move.plan, by the Encode of f17a5d8 (the last release before a plan's
// elements became their own wire types), holds what full.plan does not:
// a member's move carrying a grant, a group's move carrying nothing
// ("carried":[]), a drift via the account, a cost estimate, diagnostics
// and upcoming steps.
// This release must read each to the plan that, encoded again, gives the
// file's bytes: the same plan, and the same digest.

// compatPlan is fullPlan with a record of what connected teams' changes
// depend on.
func compatPlan(t testing.TB) *Plan {
	p := fullPlan(t)
	p.Reinvite = true
	p.Seen = []Seen{
		{Addr: mustAddr(t, "grant/live/l.com/g@agency.com"), Object: guest("live", "l.com", "g@agency.com", "viewer")},
		{Addr: mustAddr(t, "grant/live/l.com/n@agency.com")},
		{Addr: mustAddr(t, "member/live/g@agency.com"), Undeclared: true, Elsewhere: []string{"a.com", "b.com"}},
	}
	return p
}

func TestPreviousReleasePlanFiles(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "prev", "*.plan"))
	if len(files) < 3 {
		t.Fatalf("only %d plan files", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			p, err := Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Changes) == 0 {
				t.Fatal("no changes read")
			}
			again, err := Encode(p)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again, data) {
				t.Errorf("encoded again:\n%s\nwant\n%s", again, data)
			}
		})
	}
}

// TestGenPreviousReleasePlan writes full.plan when ROSTER_GEN_COMPAT names
// a directory (run once, with the previous release's code).
func TestGenPreviousReleasePlan(t *testing.T) {
	dir := os.Getenv("ROSTER_GEN_COMPAT")
	if dir == "" {
		t.Skip("ROSTER_GEN_COMPAT not set")
	}
	data, err := Encode(compatPlan(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "full.plan"), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestSignatureRoundTrip: a signed plan's signature reads back; null reads
// as none; a repeated or malformed signature is refused.
func TestSignatureRoundTrip(t *testing.T) {
	sign := func(digest string) (Signature, error) {
		return Signature{KeyID: "k1", Value: "sig<" + digest + ">"}, nil
	}
	data, err := EncodeSigned(fullPlan(t), sign)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if p.Signature == nil || p.Signature.KeyID != "k1" || p.Signature.Value != "sig<"+p.Digest()+">" {
		t.Errorf("signature read as %+v", p.Signature)
	}
	unsigned, _ := Encode(fullPlan(t))
	nulled := append(unsigned[:len(unsigned)-2:len(unsigned)-2], []byte(`,"signature":null}`+"\n")...)
	if p, err := Decode(nulled); err != nil || p.Signature != nil {
		t.Errorf("null signature: %+v, %v", p, err)
	}
	for _, bad := range []string{
		`,"signature":{"key_id":"a","value":"b"},"signature":{"key_id":"c","value":"d"}}`,
		`,"signature":{"key_id":"a","key_id":"c","value":"b"}}`,
		`,"signature":{"key_id":1,"value":"b"}}`,
		`,"signature":"x"}`,
	} {
		data := append(unsigned[:len(unsigned)-2:len(unsigned)-2], []byte(bad+"\n")...)
		if _, err := Decode(data); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}
