package plan

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/model"
)

// The plan files in testdata/prev were written by the release before the
// json/v2 codec (commit 8422f89): create.plan and update.plan by its
// roster binary (plan --out of examples/piwikpro-groups on an empty state,
// and of examples/plausible-agency with roles changed on an applied state),
// full.plan by its Encode of compatPlan (every member, "seen" included).
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
	if err := WriteFile(filepath.Join(dir, "full.plan"), compatPlan(t)); err != nil {
		t.Fatal(err)
	}
}

// TestFastEncoderMatchesWire: the hand-written plan encoder writes what
// the wire types write with json/v2, byte for byte.
func TestFastEncoderMatchesWire(t *testing.T) {
	for name, p := range map[string]*Plan{
		"full":   fullPlan(t),
		"compat": compatPlan(t),
		"empty":  {},
		"made":   run(t, replace(base(), nil, "member/acme/alice@acme.com"), base(), withPolicy("acme.com")),
		"via":    viaPlan(t),
	} {
		if got, want := appendPlanFast(nil, p), appendPlanWire(nil, p); !bytes.Equal(got, want) {
			t.Errorf("%s:\nfast %s\nwire %s", name, got, want)
		}
	}
}

// FuzzFastEncoderMatchesWire puts arbitrary strings and numbers into every
// kind of field of a plan and holds the two encoders equal.
func FuzzFastEncoderMatchesWire(f *testing.F) {
	f.Add("why <&> \u2028", "ticket\x00\"\\", "2026-06-01T23:59:59Z", "é😀", 3, -1)
	f.Add("", "", "", "", 0, 0)
	f.Fuzz(func(t *testing.T, a, b, c, d string, n, m int) {
		// Invalid UTF-8, which no plan holds (HCL and the platforms'
		// JSON give valid text), is the one difference: the hand path
		// writes \ufffd, json/v2 a raw U+FFFD.
		a, b, c, d = strings.ToValidUTF8(a, "\uFFFD"), strings.ToValidUTF8(b, "\uFFFD"), strings.ToValidUTF8(c, "\uFFFD"), strings.ToValidUTF8(d, "\uFFFD")
		p := compatPlan(t)
		p.Lineage, p.Commit, p.ChangeRequest, p.ConfigDigest = a, b, c, d
		p.Serial = uint64(n)
		p.Changes[0].Why = a
		p.Changes[0].After.Reason, p.Changes[0].After.Ticket, p.Changes[0].After.Expires = b, c, d
		p.Changes[1].After.Members = []string{a, b}
		p.FollowUps[0].Text, p.Manual[0].Task, p.Manual[0].Change = c, d, a
		p.Cost[0].Team, p.Cost[0].Requests, p.Cost[1].BudgetPerHour = b, n, &m
		p.Seen[2].Elsewhere = []string{c, d}
		p.Drift[0].After.Role = a
		p.Drift[0].Via = model.Via(d)
		if got, want := appendPlanFast(nil, p), appendPlanWire(nil, p); !bytes.Equal(got, want) {
			t.Fatalf("fast %s\nwire %s", got, want)
		}
	})
}

// viaPlan is the compat plan with drift held via an account binding.
func viaPlan(t *testing.T) *Plan {
	p := compatPlan(t)
	p.Drift[0].Via = model.ViaAccount
	return p
}

// TestDriftViaRoundTrip: a drift's via is kept in a saved plan, written
// only when set, and a value roster does not know is refused.
func TestDriftViaRoundTrip(t *testing.T) {
	data, err := Encode(viaPlan(t))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if p.Drift[0].Via != model.ViaAccount {
		t.Errorf("via read as %q", p.Drift[0].Via)
	}
	if plain, _ := Encode(compatPlan(t)); bytes.Contains(plain, []byte(`"via"`)) {
		t.Error("a plan without via writes one")
	}
	odd := viaPlan(t)
	odd.Drift[0].Via = "group"
	bad, err := Encode(odd)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(bad); err == nil || !strings.Contains(err.Error(), `via "group"`) {
		t.Errorf("unknown via: %v", err)
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
