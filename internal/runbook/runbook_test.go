package runbook

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/goldenfile"
	"github.com/roster-dev/roster/internal/model"
)

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("testdata", name), got)
}

func member(email, role string) *model.Object {
	return &model.Object{Addr: model.MemberAddress("acme", email), Role: role}
}

func grant(site, email, role string) *model.Object {
	return &model.Object{Addr: model.PersonGrantAddress("acme", site, email), Role: role, HolderKind: model.HolderGuest}
}

// kinds is one item of every kind of manual step on a platform.
func kinds(platform string) []Item {
	yes := true
	site := "mysite.com"
	if platform == "piwikpro" {
		site = "shop-app"
	}
	groupOld := &model.Object{Addr: model.GroupAddress("acme", "analysts"), Members: []string{"a@acme.com"}}
	groupNew := &model.Object{Addr: model.GroupAddress("acme", "analysts"), Members: []string{"a@acme.com", "b@acme.com"}}
	items := []Item{
		ForChange(platform, "create", nil, member("bob@acme.com", "admin")),
		ForChange(platform, "update", member("bob@acme.com", "viewer"), member("bob@acme.com", "owner")),
		ForChange(platform, "delete", member("bob@acme.com", "admin"), nil),
		ForChange(platform, "create", nil, grant(site, "jane@agency.com", "viewer")),
		ForChange(platform, "update", grant(site, "jane@agency.com", "viewer"), grant(site, "jane@agency.com", "editor")),
		ForChange(platform, "delete", grant(site, "jane@agency.com", "viewer"), nil),
		ForChange(platform, "update", &model.Object{Addr: model.TeamAddress("acme"), DisplayName: "Acme"},
			&model.Object{Addr: model.TeamAddress("acme"), DisplayName: "Acme Corp", Require2FA: &yes, SSO: "all_but_owners"}),
		ForChange(platform, "create", nil,
			&model.Object{Addr: model.TeamAddress("acme"), DisplayName: "Acme Corp", Require2FA: &yes, SSO: "all_but_owners"}),
		ForTask(platform, model.SiteAddress("acme", site), "rotate_api_key", "Rotate the Stats API key of "+site+": bob@acme.com could read it."),
		ForTask(platform, model.SiteAddress("acme", site), "review_shared_links", "Review the shared links of "+site+": jane@agency.com could create them."),
	}
	if platform == "piwikpro" {
		items = append(items, ForChange(platform, "update", groupOld, groupNew))
	}
	return items
}

// TestRunbookGolden pins the text of every kind of manual step, per
// platform, so a change of wording shows in review.
func TestRunbookGolden(t *testing.T) {
	for _, p := range []string{"plausible", "posthog", "piwikpro", "matomo", "ga4"} {
		var b bytes.Buffer
		if err := WriteText(&b, kinds(p)); err != nil {
			t.Fatal(err)
		}
		golden(t, p+".txt", b.Bytes())
	}
	var md, js bytes.Buffer
	WriteMarkdown(&md, kinds("plausible"))
	golden(t, "plausible.md", md.Bytes())
	WriteJSON(&js, kinds("plausible"))
	golden(t, "plausible.json", js.Bytes())
}

func TestEveryStepEndsWithConfirm(t *testing.T) {
	for _, p := range []string{"plausible", "posthog", "piwikpro", "matomo", "ga4"} {
		for _, it := range kinds(p) {
			last := it.Steps[len(it.Steps)-1]
			if !strings.HasPrefix(last, "Record that it is done: roster confirm "+it.Key()) {
				t.Errorf("%s %s: last step %q", p, it.Key(), last)
			}
			if it.Title == "" || len(it.Steps) < 2 {
				t.Errorf("%s %s: title %q, %d steps", p, it.Key(), it.Title, len(it.Steps))
			}
		}
	}
	var b bytes.Buffer
	WriteText(&b, nil)
	if b.String() != "No open manual steps.\n" {
		t.Errorf("empty runbook: %q", b.String())
	}
}

// TestMergeMove: the grants of one guest, each waiting with the same new
// email, are one item, named by any of their addresses; confirm expands it
// again. Another person's move and other changes stay apart.
func TestMergeMove(t *testing.T) {
	grant := func(site, email string) *model.Object {
		return &model.Object{Addr: model.PersonGrantAddress("acme", site, email), Role: "viewer", HolderKind: model.HolderGuest}
	}
	items := []Item{
		ForChange("plausible", "move", grant("a.com", "jane@old.com"), grant("a.com", "jane@new.com")),
		ForChange("plausible", "move", grant("a.com", "kim@old.com"), grant("a.com", "kim@new.com")),
		ForChange("plausible", "move", grant("b.com", "jane@old.com"), grant("b.com", "jane@new.com")),
		ForChange("plausible", "delete", grant("b.com", "lou@x.com"), nil),
	}
	got := Merge(items)
	if len(got) != 3 {
		t.Fatalf("merged into %d items, want 3", len(got))
	}
	jane := got[0]
	if len(jane.Also) != 1 || jane.Also[0].String() != "grant/acme/b.com/jane@old.com" {
		t.Fatalf("jane's item closes also %v", jane.Also)
	}
	for _, arg := range []string{"grant/acme/b.com/jane@old.com", "grant/acme/a.com/jane@old.com", "grant/acme/a.com/jane@new.com", "grant/acme/b.com/jane@new.com"} {
		if !jane.Names(arg) {
			t.Errorf("jane's item is not named by %s", arg)
		}
	}
	for _, arg := range []string{"grant/acme/a.com/kim@old.com", "grant/acme/a.com/kim@new.com", "grant/acme/b.com/lou@x.com", "grant/acme/a.com/jane@new.com#rotate"} {
		if jane.Names(arg) {
			t.Errorf("jane's item is named by %s", arg)
		}
	}
	if al := jane.Aliases(); !slices.Equal(al, []string{"grant/acme/a.com/jane@old.com", "grant/acme/b.com/jane@old.com", "grant/acme/a.com/jane@new.com", "grant/acme/b.com/jane@new.com"}) {
		t.Errorf("jane's item's aliases %q", al)
	}
	task := ForTask("plausible", model.SiteAddress("acme", "a.com"), "rotate_api_key", "Rotate.")
	if al := task.Aliases(); !slices.Equal(al, []string{"site/acme/a.com#rotate_api_key", "site/acme/a.com"}) {
		t.Errorf("a task's aliases %q", al)
	}
	if !got[1].Names("grant/acme/a.com/kim@new.com") {
		t.Error("kim's move is not named by her new address")
	}
	if !strings.Contains(strings.Join(jane.Steps, "\n"), "One change of email moves all their access: grant/acme/a.com/jane@old.com, grant/acme/b.com/jane@old.com.") ||
		!strings.HasPrefix(jane.Steps[len(jane.Steps)-1], "Record that it is done: roster confirm grant/acme/a.com/jane@old.com") {
		t.Errorf("jane's steps %q", jane.Steps)
	}
	if len(items[0].Steps) != len(jane.Steps)-1 {
		t.Error("Merge changed its input's steps")
	}
	if len(got[1].Also) != 0 || len(got[2].Also) != 0 {
		t.Error("another person's move or a removal was merged")
	}
	if exp := Expand(got); len(exp) != 4 || exp[3].Addr.String() != "grant/acme/b.com/jane@old.com" {
		t.Errorf("expanded %d items", len(exp))
	}
}

// TestTeamCreateSettings: a team roster adopts is a step only for the
// settings it is declared with, each named once; one declared without
// settings (or with require_2fa = false, the platforms' default) is
// roster's alone.
func TestTeamCreateSettings(t *testing.T) {
	no, yes := false, true
	bare := ForChange("posthog", "create", nil, &model.Object{Addr: model.TeamAddress("acme"), Require2FA: &no})
	if !strings.HasPrefix(bare.Title, "Nothing to do on PostHog for team/acme") {
		t.Errorf("team without settings: %q", bare.Title)
	}
	it := ForChange("posthog", "create", nil, &model.Object{Addr: model.TeamAddress("acme"), Require2FA: &yes})
	want := "Check the settings of the team acme and set them where they differ: two-factor authentication is enforced for all members"
	if it.Title != want {
		t.Errorf("title %q, want %q", it.Title, want)
	}
	if it.Key() != "team/acme" || it.Change != "create" {
		t.Errorf("key %q, change %q", it.Key(), it.Change)
	}
	if got := strings.Join(it.Steps, "\n"); !strings.Contains(got, "Open Settings → Organization.") || strings.Contains(got, "name is") {
		t.Errorf("steps:\n%s", got)
	}
}
