package report

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/model"
)

// roleInput is a PostHog team whose projects give access through RBAC
// roles (issue 18, defect 8: shown "via role NAME"):
//   - app (production, private by default): role Analysts gives mia and
//     olga admin, role Contractors gives gail (a guest) admin, role
//     "Data team" gives mia and zed member; zed is in no state object
//     (only organization members join roles, so he is one);
//   - web (default member): Analysts gives mia member;
//   - olga is an owner, whose team role covers every project: no role row.
func roleInput() Input {
	app := site("ph", "app", "production")
	app.DefaultAccess = "none"
	app.RoleAccess = model.SortRoleAccess([]model.RoleAccess{
		{Person: "mia@acme.com", Level: "admin", Role: "Analysts"},
		{Person: "olga@acme.com", Level: "admin", Role: "Analysts"},
		{Person: "gail@agency.io", Level: "admin", Role: "Contractors"},
		{Person: "zed@acme.com", Level: "member", Role: "Data team"},
		{Person: "mia@acme.com", Level: "member", Role: "Data team"},
	})
	web := site("ph", "web", "")
	web.DefaultAccess = "member"
	web.RoleAccess = []model.RoleAccess{{Person: "mia@acme.com", Level: "member", Role: "Analysts"}}
	gail := grant("ph", "web", "gail@agency.io", "viewer", model.HolderGuest, "IAM-7")
	gail.Expires = "2027-01-01T00:00:00Z"
	objs := []*model.Object{
		team("ph", "posthog"), app, web,
		member("ph", "olga@acme.com", "owner", "IAM-1", model.StatusActive),
		member("ph", "mia@acme.com", "member", "IAM-3", model.StatusActive),
		gail,
	}
	model.SortObjects(objs)
	return Input{Objects: objs, Platforms: testPlatforms(), InternalDomains: []string{"acme.com"}, Now: testNow}
}

func TestWhoCanViaRole(t *testing.T) {
	in := roleInput()
	tests := []struct {
		name   string
		cap    model.Capability
		filter WhoCanFilter
		want   []string
	}{
		{"admin through roles", model.ManageMembers, WhoCanFilter{Site: "app"}, []string{
			"app gail@agency.io site admin via role:Contractors active site/ph/app",
			"app mia@acme.com site admin via role:Analysts active site/ph/app",
			"app olga@acme.com team owner via member active member/ph/olga@acme.com",
		}},
		{"every role, a person the state lacks included", model.ViewReports, WhoCanFilter{Site: "app"}, []string{
			"app gail@agency.io site admin via role:Contractors active site/ph/app",
			"app mia@acme.com site admin via role:Analysts active site/ph/app",
			"app mia@acme.com site member via role:Data team active site/ph/app",
			"app olga@acme.com team owner via member active member/ph/olga@acme.com",
			"app zed@acme.com site member via role:Data team active site/ph/app",
		}},
		{"a role beside the default and a grant", model.ViewReports, WhoCanFilter{Site: "web"}, []string{
			"web gail@agency.io site member via default active site/ph/web",
			"web gail@agency.io site viewer via guest active grant/ph/web/gail@agency.io",
			"web mia@acme.com site member via default active site/ph/web",
			"web mia@acme.com site member via role:Analysts active site/ph/web",
			"web olga@acme.com team owner via member active member/ph/olga@acme.com",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sameLines(t, "rows", whoCanLines(WhoCan(in, tt.cap, tt.filter)), tt.want)
		})
	}
	var b bytes.Buffer
	if err := WriteWhoCanText(&b, WhoCan(in, model.ManageMembers, WhoCanFilter{Site: "app"})); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^mia@acme\.com +ph +app +admin +site +role:Analysts +active +-$`).MatchString(b.String()) {
		t.Errorf("text does not show the role:\n%s", b.String())
	}
}

func TestAccessViaRole(t *testing.T) {
	in := roleInput()
	sources := func(doc *AccessDoc) []string {
		var out []string
		for _, tm := range doc.Teams {
			for _, s := range tm.Sites {
				for _, src := range s.Sources {
					out = append(out, fmt.Sprintf("%s: %s %s %s %s %s [%s]", s.Site, src.How, src.Kind, src.Role, src.Status, src.Address, strings.Join(src.Capabilities, ",")))
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
			"app: role:Analysts site admin active site/ph/app [view_reports,export_data,create_shared_links,edit_dashboards,edit_settings,manage_integrations,manage_members]",
			"app: role:Data team site member active site/ph/app [view_reports,export_data,create_shared_links,edit_dashboards]",
			"web: default site member active site/ph/web [view_reports,export_data,create_shared_links,edit_dashboards]",
			"web: role:Analysts site member active site/ph/web [view_reports,export_data,create_shared_links,edit_dashboards]",
		}},
		// Someone only a role gives access is listed all the same.
		{"zed@acme.com", []string{
			"app: role:Data team site member active site/ph/app [view_reports,export_data,create_shared_links,edit_dashboards]",
		}},
		{"gail@agency.io", []string{
			"app: role:Contractors site admin active site/ph/app [view_reports,export_data,create_shared_links,edit_dashboards,edit_settings,manage_integrations,manage_members]",
			"web: default site member active site/ph/web [view_reports,export_data,create_shared_links,edit_dashboards]",
			"web: guest site viewer active grant/ph/web/gail@agency.io [view_reports]",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			sameLines(t, "sources", sources(Access(in, tt.email)), tt.want)
		})
	}
	if doc := Access(in, "zed@acme.com"); len(doc.Teams) != 1 || doc.Teams[0].TeamRole != nil {
		t.Errorf("zed: %+v", doc.Teams)
	}
	var b bytes.Buffer
	if err := WriteAccessText(&b, Access(in, "mia@acme.com")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "    - admin via role Analysts (a platform role; roster reads roles but does not manage them): view_reports,") {
		t.Errorf("text does not say via role:\n%s", b.String())
	}
}

func TestReviewViaRole(t *testing.T) {
	doc := Review(roleInput(), ReviewOptions{GeneratedAt: testNow})
	var got []string
	for _, r := range doc.Teams[0].Rows {
		if !strings.HasPrefix(r.Via, ViaRolePrefix) {
			continue
		}
		if r.Ticket != nil || r.Since != nil || r.InvitationAgeDays != nil {
			t.Errorf("%s %s: a role's access names no ticket and no start: %+v", r.Site, r.Person, r)
		}
		got = append(got, fmt.Sprintf("%s %s %s %s %s %s %s [%s]", r.Site, r.Person, r.Kind, r.Role, r.Via, r.Status, r.Address, strings.Join(r.Flags, ",")))
	}
	slices.Sort(got)
	want := []string{
		"app gail@agency.io guest admin role:Contractors active site/ph/app [external,admin_or_owner,admin_on_production]",
		"app mia@acme.com member admin role:Analysts active site/ph/app [admin_or_owner,admin_on_production]",
		"app mia@acme.com member member role:Data team active site/ph/app []",
		"app zed@acme.com member member role:Data team active site/ph/app []",
		"web mia@acme.com member member role:Analysts active site/ph/web []",
	}
	sameLines(t, "role rows", got, want)
	if doc.Summary.People != 4 {
		t.Errorf("people = %d, want 4 (olga, mia, gail and zed, whom only a role reaches)", doc.Summary.People)
	}
	var md bytes.Buffer
	if err := WriteReviewMarkdown(&md, doc); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "| ph | app | mia@acme.com | admin | role:Analysts |") {
		t.Errorf("markdown does not show the role:\n%s", md.String())
	}
}

// A site without recorded role access gives no role rows: the PostHog
// default fixture is unchanged by roles.
func TestNoRoleAccessNoRows(t *testing.T) {
	for _, r := range Review(defaultInput(), ReviewOptions{GeneratedAt: testNow}).Teams[0].Rows {
		if strings.HasPrefix(r.Via, ViaRolePrefix) {
			t.Errorf("row via %s", r.Via)
		}
	}
}
