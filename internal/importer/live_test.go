package importer

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/goldenfile"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/policy"
)

func TestSiteLabel(t *testing.T) {
	for in, want := range map[string]string{
		"Production":       "Production",
		"shop.example.com": "shop.example.com",
		"Marketing site":   "Marketing-site",
		"Growth/EU":        "Growth-EU",
		"a\tb\nc":          "a-b-c",
		"  ":               "--",
		"":                 "site",
		"Ünïcödé app":      "Ünïcödé-app",
		"ctl\x00x":         "ctl-x",
	} {
		got := SiteLabel(in)
		if got != want {
			t.Errorf("SiteLabel(%q) = %q, want %q", in, got, want)
		}
		if err := model.CheckSiteName(got); err != nil {
			t.Errorf("SiteLabel(%q) = %q is not a valid site name: %v", in, got, err)
		}
	}
}

func TestUndeclaredSites(t *testing.T) {
	declared := []*model.Object{
		{Addr: model.SiteAddress("t", "Production")},                    // matched by name
		{Addr: model.SiteAddress("t", "Staging"), RemoteID: "2"},        // matched by id
		{Addr: model.SiteAddress("t", "Marketing-site"), RemoteID: "9"}, // takes the label
		{Addr: model.SiteAddress("other", "Blog")},                      // another team's
		{Addr: model.SiteAddress("t", "Shop.Example")},                  // a domain, case aside
		{Addr: model.SiteAddress("t", "blog-x"), RemoteID: "News.Example"},
	}
	live := map[string]string{"1": "Production", "2": "Staging", "3": "Marketing site", "4": "Staging", "5": "Staging", "6": "Blog", "9": "Old name",
		"shop.example": "shop.example", "news.example": "news.example"}
	got := UndeclaredSites("t", declared, nil, live)
	want := []Site{
		{Label: "Blog", Name: "Blog", RemoteID: "6"},
		{Label: "Marketing-site-2", Name: "Marketing site", RemoteID: "3"},
		{Label: "Staging-2", Name: "Staging", RemoteID: "4"},
		{Label: "Staging-3", Name: "Staging", RemoteID: "5"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("site %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

// live objects for the tests.
func member(team, email, role string) *model.Object {
	return &model.Object{Addr: model.MemberAddress(team, email), Role: role, Status: model.StatusActive}
}

func grant(team, site, email, role string) *model.Object {
	return &model.Object{Addr: model.PersonGrantAddress(team, site, email), Role: role, HolderKind: model.HolderMember, Status: model.StatusActive}
}

func TestFromLive(t *testing.T) {
	plats := config.BuiltinPlatforms()
	declared := []*model.Object{
		{Addr: model.TeamAddress("t"), Platform: "posthog"},
		{Addr: model.SiteAddress("t", "Prod")},
		{Addr: model.SiteAddress("t", "Stage")},
		member("t", "decl@x.io", "admin"),
		{Addr: model.PersonGrantAddress("t", "Prod", "g@x.io"), Role: "member", HolderKind: model.HolderGuest},
	}
	liveObjs := []*model.Object{
		member("t", "owner@x.io", "owner"),
		member("t", "plain@x.io", "member"),
		member("t", "guesty@x.io", "member"),
		grant("t", "Prod", "guesty@x.io", "member"),
		grant("t", "New", "guesty@x.io", "admin"),
		member("t", "admin@x.io", "admin"),
		grant("t", "Stage", "admin@x.io", "admin"),
		member("t", "decl@x.io", "owner"),          // declared differently
		grant("t", "Stage", "decl@x.io", "member"), // not declared
		{Addr: model.PersonGrantAddress("t", "Prod", "g@x.io"), Role: "member", HolderKind: model.HolderGuest}, // as declared
		grant("t", "Prod", "onlygrant@x.io", "member"),
		{Addr: model.MemberAddress("other", "z@x.io"), Role: "owner"}, // another team's
	}
	res := FromLive(LiveInput{Team: "t", Platform: plats["posthog"], Declared: declared, Live: liveObjs,
		NewSites: []Site{{Label: "New", Name: "New", RemoteID: "7"}}})
	got := map[string]Person{}
	for _, p := range res.People {
		got[p.Email] = p
	}
	check := func(email string, kind model.HolderKind, role string, grants ...string) {
		t.Helper()
		p, ok := got[email]
		if !ok {
			t.Errorf("%s is not declared", email)
			return
		}
		var gs []string
		for _, g := range p.Grants {
			gs = append(gs, g.Site+"="+g.Role)
		}
		if p.Kind != kind || p.Role != role || strings.Join(gs, ",") != strings.Join(grants, ",") {
			t.Errorf("%s: got %s %q %v, want %s %q %v", email, p.Kind, p.Role, gs, kind, role, grants)
		}
	}
	check("owner@x.io", model.HolderMember, "owner")
	check("plain@x.io", model.HolderMember, "member")
	check("guesty@x.io", model.HolderGuest, "", "New=admin", "Prod=member")
	check("admin@x.io", model.HolderMember, "admin", "Stage=admin")
	check("onlygrant@x.io", model.HolderGuest, "", "Prod=member")
	if len(got) != 5 {
		t.Errorf("people: %+v", res.People)
	}
	var drift []string
	for _, d := range res.Drift {
		drift = append(drift, d.String())
	}
	wantDrift := []string{
		`grant/t/Stage/decl@x.io: role "member", as member, not declared`,
		`member/t/decl@x.io: declared role "admin", found role "owner"`,
	}
	if strings.Join(drift, "\n") != strings.Join(wantDrift, "\n") {
		t.Errorf("drift:\n%s\nwant:\n%s", strings.Join(drift, "\n"), strings.Join(wantDrift, "\n"))
	}
	if len(res.Sites) != 1 || res.Sites[0].Label != "New" {
		t.Errorf("sites: %+v", res.Sites)
	}

	// The result loads with the configuration it was made for.
	src := res.HCL(testHeader, nil)
	cfg := config.LoadSources([]config.Source{{Name: "main.hcl", Data: []byte(`team "t" { platform = "posthog" }
site "Prod" { team = "t" }
site "Stage" { team = "t" }
member "decl@x.io" {
  team = "t"
  role = "admin"
}
guest "g@x.io" {
  team = "t"
  grant "Prod" { role = "member" }
}
`)}})
	if cfg.Diags.HasErrors() {
		t.Fatal(cfg.Diags)
	}
	checkLoads(t, cfg, res, src)
}

func TestFromLivePlatforms(t *testing.T) {
	plats := config.BuiltinPlatforms()
	t.Run("plausible members hold no grants", func(t *testing.T) {
		res := FromLive(LiveInput{Team: "t", Platform: plats["plausible"], Invisible: []model.Kind{model.KindMember},
			Live: []*model.Object{member("t", "a@x.io", "admin"), grant("t", "s.io", "b@x.io", "viewer")}})
		if len(res.People) != 1 || res.People[0].Email != "b@x.io" || res.People[0].Kind != model.HolderGuest {
			t.Errorf("people: %+v", res.People)
		}
	})
	t.Run("piwik pro group members are members", func(t *testing.T) {
		grp := &model.Object{Addr: model.GroupAddress("t", "analysts"), Members: []string{"u@x.io", "d@x.io"}, RemoteID: "g1"}
		ggrant := &model.Object{Addr: model.GroupGrantAddress("t", "app", "analysts"), Role: "view", HolderKind: model.HolderGroup}
		res := FromLive(LiveInput{Team: "t", Platform: plats["piwikpro"],
			Declared: []*model.Object{member("t", "d@x.io", "user")},
			Live: []*model.Object{grp, ggrant, member("t", "u@x.io", "user"), grant("t", "app", "u@x.io", "edit"),
				member("t", "d@x.io", "user"), member("t", "v@x.io", "user"), grant("t", "app", "v@x.io", "view"),
				{Addr: model.GroupAddress("t", "empty"), Members: []string{}, RemoteID: "g2"}}})
		if len(res.Groups) != 2 || res.Groups[0].Label != "analysts" || res.Groups[0].RemoteID != "g1" || len(res.Groups[0].Grants) != 1 || res.Groups[1].Label != "empty" {
			t.Fatalf("groups: %+v", res.Groups)
		}
		kinds := map[string]model.HolderKind{}
		for _, p := range res.People {
			kinds[p.Email] = p.Kind
		}
		if kinds["u@x.io"] != model.HolderMember || kinds["v@x.io"] != model.HolderGuest || len(kinds) != 2 {
			t.Errorf("people: %+v", res.People)
		}
		src := res.HCL(nil, nil)
		cfg := config.LoadSources([]config.Source{{Name: "main.hcl", Data: []byte("team \"t\" { platform = \"piwikpro\" }\nsite \"app\" { team = \"t\" }\nmember \"d@x.io\" {\n  team = \"t\"\n  role = \"user\"\n}\n")}})
		checkLoads(t, cfg, res, src)
	})
	t.Run("a group holding a declared guest is skipped", func(t *testing.T) {
		grp := &model.Object{Addr: model.GroupAddress("t", "analysts"), Members: []string{"g@x.io"}}
		res := FromLive(LiveInput{Team: "t", Platform: plats["piwikpro"],
			Declared: []*model.Object{{Addr: model.PersonGrantAddress("t", "app", "g@x.io"), Role: "view", HolderKind: model.HolderGuest}},
			Live:     []*model.Object{grp}})
		if len(res.Groups) != 0 || len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0], "g@x.io is declared as a guest") {
			t.Errorf("groups %+v, skipped %q", res.Groups, res.Skipped)
		}
	})
}

// TestHCLEscapes: values that HCL would read as templates or that hold
// quotes come back exactly as they were.
func TestHCLEscapes(t *testing.T) {
	res := &Result{Team: "t", People: []Person{{Email: "a@x.io", Kind: model.HolderMember, Role: "admin",
		Reason: `costs ${var.x} and %{if} "quoted" \ back`, Ticket: "T-1"},
		{Email: "odd${x}%{y}@x.io", Kind: model.HolderGuest, Grants: []Grant{{Site: `we"ird${z}`, Role: "viewer", Reason: "é ✓"}}}},
		Sites: []Site{{Label: `we"ird${z}`, Name: "we\"ird${z}", RemoteID: "1"}}}
	src := res.HCL([]string{"line one", "with a\x00control"}, nil)
	cfg := config.LoadSources([]config.Source{{Name: "main.hcl", Data: []byte(`team "t" { platform = "plausible" }`)}, {Name: "x.hcl", Data: src}})
	if cfg.Diags.HasErrors() {
		t.Fatalf("%v\n%s", cfg.Diags, src)
	}
	want := map[string]string{
		"member/t/a@x.io":                     res.People[0].Reason,
		`grant/t/we"ird${z}/odd${x}%{y}@x.io`: "é ✓",
	}
	for _, o := range cfg.Config.Objects {
		if r, ok := want[o.Addr.String()]; ok {
			if o.Reason != r {
				t.Errorf("%s: reason came back as %q", o.Addr, o.Reason)
			}
			delete(want, o.Addr.String())
		}
	}
	if len(want) > 0 {
		t.Errorf("not declared: %v\n%s", want, src)
	}
	if out, _ := config.Format(src, "x.hcl"); !bytes.Equal(out, src) {
		t.Errorf("not formatted:\n%s", src)
	}
	if !bytes.HasPrefix(src, []byte("# line one\n# with a control\n\n")) {
		t.Errorf("header:\n%s", src)
	}
}

func TestAnnotate(t *testing.T) {
	main := []byte("team \"t\" {\n  platform = \"plausible\"\n}\nsite \"s.io\" { team = \"t\" }\nsite \"t.io\" { team = \"t\" }\npolicy {\n  internal_domains = [\"x.io\"]\n  external_expiry  = true\n  require_ticket   = true\n}\n")
	res := &Result{Team: "t", People: []Person{
		{Email: "in@x.io", Kind: model.HolderMember, Role: "admin", Ticket: "T-1"},
		{Email: "out@y.io", Kind: model.HolderGuest, Grants: []Grant{{Site: "s.io", Role: "viewer"}, {Site: "t.io", Role: "viewer"}}},
	}}
	src := res.HCL([]string{"header"}, nil)
	load := func(src []byte) (*config.Result, hcl.Diagnostics) {
		cfg := config.LoadSources([]config.Source{{Name: "main.hcl", Data: main}, {Name: "imported.hcl", Data: src}})
		if cfg.Diags.HasErrors() {
			t.Fatalf("%v\n%s", cfg.Diags, src)
		}
		return cfg, policy.Check(cfg.Config, testNow)
	}
	_, diags := load(src)
	notes := Annotate(src, "imported.hcl", diags)
	if len(notes) != 1 || len(notes[BlockKey("guest", "out@y.io")]) < 2 {
		t.Fatalf("notes: %q", notes)
	}
	annotated := res.HCL([]string{"header"}, notes)
	if !bytes.Contains(annotated, []byte("# Policy external_expiry: external person without expiry.\n#   grant/t/s.io/out@y.io: out@y.io is external")) ||
		!bytes.Contains(annotated, []byte("# Policy require_ticket: grant without ticket.\n#   grant/t/s.io/out@y.io: ")) ||
		// One note per grant: the summaries are the same, the details not.
		!bytes.Contains(annotated, []byte("# Policy require_ticket: grant without ticket.\n#   grant/t/t.io/out@y.io: ")) {
		t.Errorf("annotated:\n%s", annotated)
	}
	// The comments change nothing the configuration says.
	_, again := load(annotated)
	if len(again) != len(diags) {
		t.Errorf("%d diagnostics before the comments, %d after", len(diags), len(again))
	}
	if out, _ := config.Format(annotated, "x.hcl"); !bytes.Equal(out, annotated) {
		t.Errorf("the annotated file is not formatted:\n%s", annotated)
	}
	if golden := filepath.Join("testdata", "annotated.golden"); *goldenfile.Update {
		os.WriteFile(golden, annotated, 0o644)
	} else if want, err := os.ReadFile(golden); err != nil || !bytes.Equal(want, annotated) {
		t.Errorf("annotated file differs from %s (go test -update rewrites it):\n%s", golden, annotated)
	}
}

// A site whose name is a valid site name is labelled with it (sync.md,
// import): the "-2" of another site's label, or of a label made from a
// name that is not valid, never takes it.
func TestUndeclaredSitesKeepValidNames(t *testing.T) {
	live := map[string]string{"1": "x y", "2": "x-y", "3": "Staging", "4": "Staging", "5": "Staging-2"}
	got := UndeclaredSites("t", nil, nil, live)
	want := map[string]string{"1": "x-y-2", "2": "x-y", "3": "Staging", "4": "Staging-3", "5": "Staging-2"}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for _, s := range got {
		if want[s.RemoteID] != s.Label {
			t.Errorf("site %q (id %s) labelled %q, want %q", s.Name, s.RemoteID, s.Label, want[s.RemoteID])
		}
	}
}
