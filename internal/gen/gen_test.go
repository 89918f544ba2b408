package gen

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/policy"
	"github.com/roster-dev/roster/internal/state"
	"github.com/roster-dev/roster/internal/state/boltstore"
)

// counts tallies a loaded configuration the way Stats counts it.
func counts(objs []*model.Object) Stats {
	var s Stats
	s.TeamsByPlatform = map[string]int{}
	for _, o := range objs {
		switch o.Addr.Kind {
		case model.KindTeam:
			s.Teams++
			s.TeamsByPlatform[o.Platform]++
		case model.KindSite:
			s.Sites++
		case model.KindMember:
			s.Members++
		case model.KindGroup:
			s.Groups++
		case model.KindGrant:
			s.Grants++
			switch o.HolderKind {
			case model.HolderGuest:
				s.GuestGrants++
			case model.HolderMember:
				s.MemberGrants++
			case model.HolderGroup:
				s.GroupGrants++
			}
		}
	}
	s.Objects = len(objs)
	return s
}

func load(t *testing.T, c *Config) *config.Result {
	t.Helper()
	res := config.LoadSources(c.Sources())
	if len(res.Diags) > 0 {
		t.Fatalf("generated configuration has %d diagnostics, first: %s", len(res.Diags), res.Diags[0].Error())
	}
	return res
}

// TestValid: every generated configuration loads without a diagnostic,
// warnings included, breaks no policy rule as of its Now (a plan from
// empty state included), and declares what Stats says.
func TestValid(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"one grant", Options{Grants: 1}},
		{"seven grants", Options{Grants: 7, Seed: 3}},
		{"small teams", Options{Grants: 100, GrantsPerTeam: 10, SitesPerTeam: 3, GrantsPerGuest: 2}},
		{"one site each", Options{Grants: 50, SitesPerTeam: 1, GrantsPerGuest: 1}},
		{"1k", Options{Grants: 1000, Seed: 1}},
		{"10k", Options{Grants: 10_000, Seed: 2}},
		{"another now", Options{Grants: 2000, Now: time.Date(2030, 2, 28, 12, 0, 0, 0, time.UTC)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Generate(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			res := load(t, c)
			if diags := policy.Check(res.Config, c.Now); len(diags) > 0 {
				t.Fatalf("policy: %d diagnostics, first: %s", len(diags), diags[0].Error())
			}
			got := counts(res.Config.Objects)
			want := c.Stats
			if got.Grants != tc.opts.Grants {
				t.Errorf("loaded %d grants, want %d", got.Grants, tc.opts.Grants)
			}
			if got.Teams != want.Teams || got.Sites != want.Sites || got.Members != want.Members ||
				got.Groups != want.Groups || got.Grants != want.Grants || got.GuestGrants != want.GuestGrants ||
				got.MemberGrants != want.MemberGrants || got.GroupGrants != want.GroupGrants || got.Objects != want.Objects {
				t.Errorf("loaded counts %+v, Stats say %+v", got, want)
			}
			for _, p := range platformOrder {
				if got.TeamsByPlatform[p] == 0 || got.TeamsByPlatform[p] != want.TeamsByPlatform[p] {
					t.Errorf("%s: %d teams loaded, Stats say %d; every platform must appear", p, got.TeamsByPlatform[p], want.TeamsByPlatform[p])
				}
			}
			n := 0
			for _, f := range c.Files {
				n += len(f.Data)
			}
			if n != c.Stats.Bytes {
				t.Errorf("Stats.Bytes = %d, files hold %d", c.Stats.Bytes, n)
			}

			p := plan.Make(plan.Input{
				Desired: res.Config.Objects, Platforms: res.Config.Platforms, Policy: res.Config.Policy,
				Now: c.Now, CreatedAt: c.Now,
			})
			if len(p.Changes) != want.Objects {
				t.Errorf("plan from empty state has %d changes, want one per object (%d): something expired or was dropped", len(p.Changes), want.Objects)
			}
			if diags := policy.CheckPlan(res.Config, p); len(diags) > 0 {
				t.Errorf("policy on the plan: %s", diags[0].Error())
			}
		})
	}
}

// TestShape: the 100k-size shape of issue 7 holds at 10k, scaled: about
// a tenth of the grants are not guests', guests hold GrantsPerGuest
// grants, groups are Piwik PRO's only, and some people and grants expire.
func TestShape(t *testing.T) {
	c, err := Generate(Options{Grants: 10_000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	s := c.Stats
	if s.Teams != 10 || s.Sites != 200 {
		t.Errorf("%d teams and %d sites, want 10 and 200", s.Teams, s.Sites)
	}
	if s.Guests < 950 || s.Guests > 1000 {
		t.Errorf("%d guests, want about 1,000 (10 grants each)", s.Guests)
	}
	if s.GuestGrants < 9_000 {
		t.Errorf("%d of %d grants are guests'; want most", s.GuestGrants, s.Grants)
	}
	if s.MemberGrants == 0 || s.GroupGrants == 0 {
		t.Errorf("no member grants (%d) or group grants (%d)", s.MemberGrants, s.GroupGrants)
	}
	if perGrant := float64(s.Bytes) / float64(s.Grants); perGrant < 50 || perGrant > 90 {
		t.Errorf("%.0f bytes of HCL per grant; issue 7's shape is about 56", perGrant)
	}
	res := load(t, c)
	platformOf := map[string]string{}
	for _, o := range res.Config.Objects {
		if o.Addr.Kind == model.KindTeam {
			platformOf[o.Addr.Team] = o.Platform
		}
	}
	expiring, withOwn := 0, 0
	for _, o := range res.Config.Objects {
		switch o.Addr.Kind {
		case model.KindGroup:
			if platformOf[o.Addr.Team] != "piwikpro" {
				t.Errorf("%s: a group on %s", o.Addr, platformOf[o.Addr.Team])
			}
		case model.KindGrant:
			if o.Expires != "" {
				expiring++
			}
			if o.Decl != nil && o.Decl.ExpiresRange != o.Decl.Range && o.Decl.ExpiresRange.HCL().Start.Line > o.Decl.Range.HCL().Start.Line {
				withOwn++
			}
		}
	}
	if expiring < s.GuestGrants {
		t.Errorf("%d grants expire, fewer than the %d guest grants", expiring, s.GuestGrants)
	}
	if withOwn == 0 {
		t.Error("no grant carries an expiry of its own")
	}
}

// TestDeterministic: the same options give the same bytes; another seed
// gives other bytes of the same shape.
func TestDeterministic(t *testing.T) {
	a, err := Generate(Options{Grants: 3000, Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(Options{Grants: 3000, Seed: 42})
	other, _ := Generate(Options{Grants: 3000, Seed: 43})
	if len(a.Files) != len(b.Files) {
		t.Fatalf("%d files, then %d", len(a.Files), len(b.Files))
	}
	for i := range a.Files {
		if a.Files[i].Name != b.Files[i].Name || !bytes.Equal(a.Files[i].Data, b.Files[i].Data) {
			t.Fatalf("%s differs between two runs with the same seed", a.Files[i].Name)
		}
	}
	same := 0
	for i := range a.Files {
		if bytes.Equal(a.Files[i].Data, other.Files[i].Data) {
			same++
		}
	}
	if same > 1 { // main.hcl names the seed too, so at most none or one
		t.Errorf("%d of %d files are the same with another seed", same, len(a.Files))
	}
	if other.Stats.Grants != a.Stats.Grants || other.Stats.Teams != a.Stats.Teams {
		t.Errorf("another seed changed the shape: %+v vs %+v", other.Stats, a.Stats)
	}
}

func TestOptionsRefused(t *testing.T) {
	for _, o := range []Options{{}, {Grants: -1}, {Grants: 10, SitesPerTeam: 3, GrantsPerGuest: 4}} {
		if _, err := Generate(o); err == nil {
			t.Errorf("Generate(%+v) succeeded", o)
		}
	}
}

func TestWriteDir(t *testing.T) {
	c, err := Generate(Options{Grants: 500})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "cfg")
	if err := c.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	// Writing again over the same files is fine.
	if err := c.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	res := config.Load(dir)
	if res.Diags.HasErrors() {
		t.Fatal(res.Diags.Error())
	}
	if got := counts(res.Config.Objects).Objects; got != c.Stats.Objects {
		t.Errorf("loaded %d objects from disk, want %d", got, c.Stats.Objects)
	}
	if err := os.WriteFile(filepath.Join(dir, "extra.hcl"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteDir(dir); err == nil || !strings.Contains(err.Error(), "extra.hcl") {
		t.Errorf("WriteDir into a directory with another .hcl file: %v, want an error naming it", err)
	}
}

// TestEvidence: the chain verifies, continues an existing chain, and
// every record is what evidence.Chain.Seal would have made.
func TestEvidence(t *testing.T) {
	ctx := context.Background()
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r1, err := Evidence(ctx, st, EvidenceOptions{Records: 1500, Batch: 400, PerApply: 100, CheckEvery: 1})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := Evidence(ctx, st, EvidenceOptions{Records: 700, Seed: 9, CheckEvery: 1})
	if err != nil {
		t.Fatal(err)
	}
	if r1.Seq != 1500 || r2.Seq != 2200 {
		t.Errorf("heads at %d and %d, want 1500 and 2200", r1.Seq, r2.Seq)
	}
	res, err := evidence.Verify(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if res.Count != 2200 || res.Head != r2.Hash {
		t.Errorf("verify: %d records, head %s; want 2200, %s", res.Count, res.Head, r2.Hash)
	}
	actions := map[string]int{}
	notes := 0
	err = st.Evidence(ctx, 1, func(rec state.EvidenceRecord) error {
		r, err := evidence.Decode(rec.JSON)
		if err != nil {
			return err
		}
		actions[r.Action]++
		if r.Note != "" {
			notes++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"create", "update", "delete"} {
		if actions[a] == 0 {
			t.Errorf("no %s record among %v", a, actions)
		}
	}
	if notes == 0 {
		t.Error("no record with a note (the escaping of quotes and non-ASCII goes untested)")
	}
}

// TestEvidenceNotCanonical: an attribute object that is not canonical
// JSON (a space) is canonicalised by Seal, so the record still verifies
// and is stored canonical.
func TestEvidenceNotCanonical(t *testing.T) {
	s := newSealer(EvidenceOptions{PerApply: 10, CheckEvery: 1, Start: DefaultNow}, 0, "")
	s.objs = [][]byte{[]byte(`{"role": "viewer"}`)}
	var cs state.Changeset
	for range 50 {
		if err := s.next(&cs); err != nil {
			t.Fatal(err)
		}
		rec := cs.Evidence[len(cs.Evidence)-1]
		if strings.Contains(string(rec.JSON), `"role": "viewer"`) {
			t.Fatalf("record %d keeps the space: %s", rec.Seq, rec.JSON)
		}
		canon, err := evidence.CanonicalizeJSON(rec.JSON)
		if err != nil || string(canon) != string(rec.JSON) {
			t.Fatalf("record %d is not canonical (%v): %s", rec.Seq, err, rec.JSON)
		}
	}
}

func TestEvidenceRefused(t *testing.T) {
	if _, err := Evidence(context.Background(), nil, EvidenceOptions{Records: -1}); err == nil {
		t.Error("negative Records accepted")
	}
}

// TestFormatted: generated files are as `roster fmt` writes them, as a
// real team's files would be.
func TestFormatted(t *testing.T) {
	c, err := Generate(Options{Grants: 3000, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range c.Files {
		got, diags := config.Format(f.Data, f.Name)
		if diags.HasErrors() {
			t.Fatalf("%s: %s", f.Name, diags.Error())
		}
		if !bytes.Equal(got, f.Data) {
			t.Errorf("%s is not formatted as roster fmt would", f.Name)
		}
	}
}

// TestOneFile: OneFile gives one main.hcl holding what the files per
// team hold, in their order, formatted, declaring the same objects with
// the same attributes, and the same Stats.
func TestOneFile(t *testing.T) {
	opts := Options{Grants: 3000, Seed: 9}
	split, err := Generate(opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.OneFile = true
	one, err := Generate(opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(one.Files) != 1 || one.Files[0].Name != "main.hcl" {
		t.Fatalf("OneFile made %d files, the first %q; want main.hcl alone", len(one.Files), one.Files[0].Name)
	}
	var parts [][]byte
	for _, f := range split.Files {
		parts = append(parts, f.Data)
	}
	if !bytes.Equal(one.Files[0].Data, bytes.Join(parts, []byte("\n"))) {
		t.Error("main.hcl is not the files per team one after the other")
	}
	if got, diags := config.Format(one.Files[0].Data, "main.hcl"); diags.HasErrors() || !bytes.Equal(got, one.Files[0].Data) {
		t.Errorf("main.hcl is not formatted as roster fmt would (%v)", diags)
	}
	if one.Stats.Bytes != len(one.Files[0].Data) || one.Stats.Objects != split.Stats.Objects || one.Stats.Grants != split.Stats.Grants {
		t.Errorf("Stats %+v, files per team %+v", one.Stats, split.Stats)
	}
	a, b := load(t, split).Config.Objects, load(t, one).Config.Objects
	if len(a) != len(b) {
		t.Fatalf("%d objects from one file, %d from files per team", len(b), len(a))
	}
	for i := range a {
		if a[i].Addr != b[i].Addr || !reflect.DeepEqual(a[i].Attrs(), b[i].Attrs()) {
			t.Fatalf("object %d: %s from files per team, %s from one file", i, a[i].Addr, b[i].Addr)
		}
	}
}
