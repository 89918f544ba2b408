package report

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/model"
)

// defaultInput is a PostHog team whose projects give access by default
// (schema/sync.md: shown "via default"):
//   - app (production) gives every organization member admin, web gives
//     member, private gives none;
//   - olga (owner) and adam (admin) hold all of it through their team
//     role; mia (member, active) and ivy (member, invited) do not;
//   - gail is a guest with an expiring viewer grant on private (her
//     implicit membership is active and ends with that grant), gina a
//     guest invited with a member grant on web.
func defaultInput() Input {
	app := site("ph", "app", "production")
	app.DefaultAccess = "admin"
	web := site("ph", "web", "")
	web.DefaultAccess = "member"
	private := site("ph", "private", "")
	private.DefaultAccess = "none"
	gail := grant("ph", "private", "gail@agency.io", "viewer", model.HolderGuest, "IAM-7")
	gail.Expires = "2027-01-01T00:00:00Z"
	gina := grant("ph", "web", "gina@agency.io", "member", model.HolderGuest, "IAM-8")
	gina.Status = model.StatusInvited
	objs := []*model.Object{
		team("ph", "posthog"), app, web, private,
		member("ph", "olga@acme.com", "owner", "IAM-1", model.StatusActive),
		member("ph", "adam@acme.com", "admin", "IAM-2", model.StatusActive),
		member("ph", "mia@acme.com", "member", "IAM-3", model.StatusActive),
		member("ph", "ivy@acme.com", "member", "IAM-4", model.StatusInvited),
		gail, gina,
	}
	model.SortObjects(objs)
	return Input{Objects: objs, Platforms: testPlatforms(), InternalDomains: []string{"acme.com"}, Now: testNow}
}

// sameLines reports, as one error, lines that differ from want.
func sameLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n%s\nwant:\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func whoCanLines(doc *WhoCanDoc) []string {
	var out []string
	for _, r := range doc.Rows {
		out = append(out, fmt.Sprintf("%s %s %s %s via %s %s %s", r.Site, r.Person, r.Kind, r.Role, r.Via, r.Status, r.Address))
	}
	return out
}

func TestWhoCanViaDefault(t *testing.T) {
	in := defaultInput()
	tests := []struct {
		name   string
		cap    model.Capability
		filter WhoCanFilter
		want   []string
	}{
		{"admin default on app", model.ManageMembers, WhoCanFilter{Site: "app"}, []string{
			"app adam@acme.com team admin via member active member/ph/adam@acme.com",
			"app gail@agency.io site admin via default active site/ph/app",
			"app gina@agency.io site admin via default invited site/ph/app",
			"app ivy@acme.com site admin via default invited site/ph/app",
			"app mia@acme.com site admin via default active site/ph/app",
			"app olga@acme.com team owner via member active member/ph/olga@acme.com",
		}},
		{"member default gives no manage_members", model.ManageMembers, WhoCanFilter{Site: "web"}, []string{
			"web adam@acme.com team admin via member active member/ph/adam@acme.com",
			"web olga@acme.com team owner via member active member/ph/olga@acme.com",
		}},
		{"none gives nothing", model.ViewReports, WhoCanFilter{Site: "private"}, []string{
			"private adam@acme.com team admin via member active member/ph/adam@acme.com",
			"private gail@agency.io site viewer via guest active grant/ph/private/gail@agency.io",
			"private olga@acme.com team owner via member active member/ph/olga@acme.com",
		}},
		{"a grant and the default side by side", model.ViewReports, WhoCanFilter{Site: "web"}, []string{
			"web adam@acme.com team admin via member active member/ph/adam@acme.com",
			"web gail@agency.io site member via default active site/ph/web",
			"web gina@agency.io site member via default invited site/ph/web",
			"web gina@agency.io site member via guest invited grant/ph/web/gina@agency.io",
			"web ivy@acme.com site member via default invited site/ph/web",
			"web mia@acme.com site member via default active site/ph/web",
			"web olga@acme.com team owner via member active member/ph/olga@acme.com",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sameLines(t, "rows", whoCanLines(WhoCan(in, tt.cap, tt.filter)), tt.want)
		})
	}
}

func TestAccessViaDefault(t *testing.T) {
	in := defaultInput()
	sources := func(doc *AccessDoc) []string {
		var out []string
		for _, tm := range doc.Teams {
			for _, s := range tm.Sites {
				for _, src := range s.Sources {
					exp := "-"
					if src.Expires != nil {
						exp = *src.Expires
					}
					out = append(out, fmt.Sprintf("%s: %s %s %s %s expires %s [%s]", s.Site, src.How, src.Role, src.Status, src.Address, exp, strings.Join(src.Capabilities, ",")))
				}
			}
		}
		return out
	}
	tests := []struct {
		email string
		want  []string
	}{
		{"mia@acme.com", []string{
			"app: default admin active site/ph/app expires - [view_reports,export_data,create_shared_links,edit_dashboards,edit_settings,manage_integrations,manage_members]",
			"web: default member active site/ph/web expires - [view_reports,export_data,create_shared_links,edit_dashboards]",
		}},
		{"gail@agency.io", []string{
			"app: default admin active site/ph/app expires 2027-01-01T00:00:00Z [view_reports,export_data,create_shared_links,edit_dashboards,edit_settings,manage_integrations,manage_members]",
			"private: guest viewer active grant/ph/private/gail@agency.io expires 2027-01-01T00:00:00Z [view_reports]",
			"web: default member active site/ph/web expires 2027-01-01T00:00:00Z [view_reports,export_data,create_shared_links,edit_dashboards]",
		}},
		{"adam@acme.com", []string{
			"app: member admin active member/ph/adam@acme.com expires - [view_reports,export_data,create_shared_links,edit_dashboards,edit_settings,manage_integrations,manage_members,create_sites]",
			"private: member admin active member/ph/adam@acme.com expires - [view_reports,export_data,create_shared_links,edit_dashboards,edit_settings,manage_integrations,manage_members,create_sites]",
			"web: member admin active member/ph/adam@acme.com expires - [view_reports,export_data,create_shared_links,edit_dashboards,edit_settings,manage_integrations,manage_members,create_sites]",
		}},
		{"nobody@acme.com", nil},
	}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			sameLines(t, "sources", sources(Access(in, tt.email)), tt.want)
		})
	}
	var b bytes.Buffer
	if err := WriteAccessText(&b, Access(in, "mia@acme.com")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "    - admin via default (the site's default access): view_reports,") {
		t.Errorf("text does not say via default:\n%s", b.String())
	}
}

func TestReviewViaDefault(t *testing.T) {
	doc := Review(defaultInput(), ReviewOptions{GeneratedAt: testNow})
	var got []string
	for _, r := range doc.Teams[0].Rows {
		if r.Via != ViaDefault {
			continue
		}
		if r.Ticket != nil || r.Since != nil || r.InvitationAgeDays != nil {
			t.Errorf("%s %s: a default names no ticket and no start: %+v", r.Site, r.Person, r)
		}
		got = append(got, fmt.Sprintf("%s %s %s %s %s %s [%s]", r.Site, r.Person, r.Kind, r.Role, r.Status, r.Address, strings.Join(r.Flags, ",")))
	}
	slices.Sort(got)
	want := []string{
		"app gail@agency.io guest admin active site/ph/app [external,admin_or_owner,admin_on_production]",
		"app gina@agency.io guest admin invited site/ph/app [external,admin_or_owner,admin_on_production,invited]",
		"app ivy@acme.com member admin invited site/ph/app [admin_or_owner,admin_on_production,invited]",
		"app mia@acme.com member admin active site/ph/app [admin_or_owner,admin_on_production]",
		"web gail@agency.io guest member active site/ph/web [external]",
		"web gina@agency.io guest member invited site/ph/web [external,invited]",
		"web ivy@acme.com member member invited site/ph/web [invited]",
		"web mia@acme.com member member active site/ph/web []",
	}
	sameLines(t, "default rows", got, want)
	if doc.Summary.People != 6 {
		t.Errorf("people = %d, want 6: a default adds rows, not people", doc.Summary.People)
	}
	var md bytes.Buffer
	if err := WriteReviewMarkdown(&md, doc); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "| ph | app | mia@acme.com | admin | default |") {
		t.Errorf("markdown does not show the default:\n%s", md.String())
	}
}

// TestDefaultPeopleGuests checks how a guest's implicit membership, which
// a default reaches, follows their grants: active when one of them exists
// on the platform (a manual step waiting to create one does not count),
// invited when one is, and lasting until the last of them expires.
func TestDefaultPeopleGuests(t *testing.T) {
	g := func(site, email string, st model.Status, expires, pending string) *model.Object {
		o := grant("ph", site, email, "member", model.HolderGuest, "IAM-1")
		o.Status, o.Expires, o.PendingAction = st, expires, pending
		return o
	}
	app := site("ph", "app", "")
	app.DefaultAccess = "member"
	objs := []*model.Object{
		team("ph", "posthog"), app, site("ph", "a", ""), site("ph", "b", ""),
		// invited on one site, active on the other: active; one grant
		// never expires, so neither does the membership
		g("a", "ann@x.io", model.StatusInvited, "2027-01-01T00:00:00Z", ""),
		g("b", "ann@x.io", model.StatusActive, "", ""),
		// two invitations: invited, until the later expiry
		g("a", "ben@x.io", model.StatusInvited, "2027-01-01T00:00:00Z", ""),
		g("b", "ben@x.io", model.StatusInvited, "2027-03-01T00:00:00Z", ""),
		// a manual step that will create the grant: not there yet
		g("a", "cid@x.io", model.StatusManual, "", "create"),
		// a manual step changing an existing grant: it exists
		g("a", "dee@x.io", model.StatusManual, "", "update"),
	}
	model.SortObjects(objs)
	in := Input{Objects: objs, Platforms: testPlatforms(), Now: testNow}
	got := whoCanLines(WhoCan(in, model.ViewReports, WhoCanFilter{Site: "app"}))
	want := []string{
		"app ann@x.io site member via default active site/ph/app",
		"app ben@x.io site member via default invited site/ph/app",
		"app cid@x.io site member via default manual site/ph/app",
		"app dee@x.io site member via default active site/ph/app",
	}
	sameLines(t, "rows", got, want)
	var exp []string
	for _, r := range WhoCan(in, model.ViewReports, WhoCanFilter{Site: "app"}).Rows {
		e := "never"
		if r.Expires != nil {
			e = *r.Expires
		}
		exp = append(exp, r.Person+" "+e)
	}
	if want := []string{"ann@x.io never", "ben@x.io 2027-03-01T00:00:00Z", "cid@x.io never", "dee@x.io never"}; !slices.Equal(exp, want) {
		t.Errorf("expiries %q, want %q", exp, want)
	}
}
