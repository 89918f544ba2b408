package live

import (
	"slices"
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/driver"
	_ "github.com/roster-dev/roster/internal/goldenfile" // -update, for go test ./...
	"github.com/roster-dev/roster/internal/model"
)

func siteObj(team, name, remoteID, def string) *model.Object {
	return &model.Object{Addr: model.SiteAddress(team, name), RemoteID: remoteID, DefaultAccess: def}
}

// TestNewViewSiteDefaults checks how a refresh's site ids and defaults
// reach the planner: desired sites take both, stored sites of refreshed
// teams appear in Live with the live default, and nothing shared changes.
func TestNewViewSiteDefaults(t *testing.T) {
	snaps := map[string]*driver.Snapshot{"ph": {
		Team:     "ph",
		SiteIDs:  map[string]string{"app": "1", "web": "2"},
		Defaults: map[string]string{"app": "member", "web": "none"},
	}}
	offline := siteObj("off", "x", "", "")
	desired := []*model.Object{siteObj("ph", "app", "", ""), siteObj("ph", "web", "2", ""), offline}
	storedWeb := siteObj("ph", "web", "2", "")
	prior := []*model.Object{storedWeb, siteObj("off", "x", "", "admin")}
	v := NewView(snaps, desired, prior)

	if d := v.Desired[0]; d.RemoteID != "1" || d.DefaultAccess != "member" {
		t.Errorf("desired app: remote_id %q, default_access %q; want 1, member", d.RemoteID, d.DefaultAccess)
	}
	if d := v.Desired[1]; d.RemoteID != "2" || d.DefaultAccess != "none" {
		t.Errorf("desired web: remote_id %q, default_access %q; want 2, none", d.RemoteID, d.DefaultAccess)
	}
	if v.Desired[2] != offline {
		t.Errorf("an offline team's site was copied: %+v", v.Desired[2])
	}
	if desired[0].RemoteID != "" || desired[0].DefaultAccess != "" || storedWeb.DefaultAccess != "" {
		t.Errorf("NewView changed its input: %+v %+v", desired[0], storedWeb)
	}
	var live []string
	for _, o := range v.Live {
		live = append(live, o.Addr.String()+" "+o.DefaultAccess)
	}
	if want := []string{"site/ph/web none"}; !slices.Equal(live, want) {
		t.Errorf("live %q, want %q (stored sites of refreshed teams only)", live, want)
	}
}

func TestStoredDefaultNotes(t *testing.T) {
	cfg := &model.Config{Objects: []*model.Object{
		{Addr: model.TeamAddress("ph"), Connected: true, Decl: &model.Decl{Connection: &model.Connection{Endpoint: "https://ph.invalid"}}},
		{Addr: model.TeamAddress("off"), Decl: &model.Decl{}},
	}}
	prior := []*model.Object{
		siteObj("ph", "app", "1", "member"), siteObj("ph", "web", "2", "none"), siteObj("ph", "new", "", ""),
		siteObj("off", "x", "", "admin"),
	}
	got := StoredDefaultNotes(cfg, prior)
	if len(got) != 1 || !strings.HasPrefix(got[0], `team ph: site app gave every organization member "member" access by default when last read; declared grants cannot narrow it`) {
		t.Errorf("notes %q", got)
	}
}

// TestForgottenGuestsNote: a guest whose only grants are on a site no
// longer declared, and who is not declared, is warned about; one with a
// grant on a declared site, or declared, is not.
func TestForgottenGuestsNote(t *testing.T) {
	grant := func(site, email string) *model.Object {
		return &model.Object{Addr: model.PersonGrantAddress("ph", site, email), Role: "member", HolderKind: model.HolderGuest}
	}
	prior := []*model.Object{
		grant("gone", "gus@x.io"), grant("gone", "kay@x.io"), grant("kept", "kay@x.io"), grant("gone", "dee@x.io"),
	}
	desired := []*model.Object{siteObj("ph", "kept", "", ""), grant("kept", "dee@x.io")}
	declaredSite := map[model.Address]bool{model.SiteAddress("ph", "kept"): true}
	got := forgottenGuests("ph", prior, desired, declaredSite)
	if len(got) != 1 || !strings.HasPrefix(got[0], "team ph: gus@x.io's grants are forgotten with their sites") {
		t.Errorf("notes %q", got)
	}
}
