package report

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/goldenfile"
	"github.com/roster-dev/roster/internal/model"
)

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("testdata", name), got)
}

// testNow is the fixture's "now".
var testNow = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

// role builds a role from capability names.
func role(name string, kind model.RoleKind, rank int, caps ...model.Capability) *model.Role {
	return &model.Role{Name: name, Kind: kind, Caps: model.CapSetOf(caps...), Wildcard: len(caps) == 1 && caps[0] == model.Wildcard, Rank: rank}
}

// testPlatforms mirrors the tables of schema/platforms.md, built by hand so that
// this package does not depend on the configuration loader.
func testPlatforms() map[string]*model.Platform {
	const (
		view   = model.ViewReports
		export = model.ExportData
		links  = model.CreateSharedLinks
		dash   = model.EditDashboards
		set    = model.EditSettings
		goals  = model.ManageGoals
		integ  = model.ManageIntegrations
		tags   = model.ManageTags
		pub    = model.PublishTags
		mem    = model.ManageMembers
		bill   = model.ManageBilling
		api    = model.APIAccess
		delS   = model.DeleteSite
		create = model.CreateSites
		delT   = model.DeleteTeam
	)
	T, S := model.TeamRole, model.SiteRole
	plausible := &model.Platform{
		Name: "plausible", Builtin: true, Guests: true, SSOModes: []string{"none", "all_but_owners"}, TwoFactor: true,
		TeamRoles: []*model.Role{
			role("billing", T, 0, bill),
			role("viewer", T, 1, view, export, links),
			role("editor", T, 2, view, export, links, set, goals, integ),
			role("admin", T, 3, view, export, links, set, goals, integ, mem, api, create),
			role("owner", T, 4, model.Wildcard),
		},
		SiteRoles: []*model.Role{
			role("viewer", S, 0, view, export, links),
			role("editor", S, 1, view, export, links, set, goals, integ),
		},
	}
	piwik := &model.Platform{
		Name: "piwikpro", Builtin: true, Guests: true, GuestTeamRole: "user", MemberGrants: true, Groups: true,
		TeamRoles: []*model.Role{
			role("user", T, 0),
			role("owner", T, 1, view, export, dash, set, goals, integ, tags, pub, mem, create, delS),
		},
		SiteRoles: []*model.Role{
			role("no_access", S, 0),
			role("view", S, 1, view, export),
			role("edit", S, 2, view, export, dash, set, goals, tags),
			role("edit_publish", S, 3, view, export, dash, set, goals, tags, pub),
			role("manage", S, 4, view, export, dash, set, goals, tags, pub, mem),
		},
	}
	posthog := &model.Platform{
		Name: "posthog", Builtin: true, Guests: true, GuestTeamRole: "member", MemberGrants: true,
		TeamRoles: []*model.Role{
			role("member", T, 0),
			role("admin", T, 1, view, export, links, dash, set, integ, mem, create),
			role("owner", T, 2, view, export, links, dash, set, integ, mem, create, bill, delS, delT),
		},
		SiteRoles: []*model.Role{
			role("viewer", S, 0, view),
			role("member", S, 1, view, export, links, dash),
			role("admin", S, 2, view, export, links, dash, set, integ, mem),
		},
	}
	return map[string]*model.Platform{"plausible": plausible, "piwikpro": piwik, "posthog": posthog}
}

// The fixture's people and texts that tests look for.
const (
	janeReason = "Post-implementation support, \"phase 2\"\nuntil the contract ends"
	oldTicket  = `=HYPERLINK("http://evil.example","click")`
	oldReason  = "@SUM(1+1)"
)

func team(name, platform string) *model.Object {
	return &model.Object{Addr: model.TeamAddress(name), Platform: platform}
}

func site(t, name, env string) *model.Object {
	return &model.Object{Addr: model.SiteAddress(t, name), Environment: env}
}

func member(t, email, role, ticket string, status model.Status) *model.Object {
	return &model.Object{Addr: model.MemberAddress(t, email), Role: role, Ticket: ticket, Status: status}
}

func grant(t, s, email, role string, kind model.HolderKind, ticket string) *model.Object {
	return &model.Object{Addr: model.PersonGrantAddress(t, s, email), Role: role, HolderKind: kind, Ticket: ticket, Status: model.StatusActive}
}

func groupGrant(t, s, group, role, ticket string) *model.Object {
	return &model.Object{Addr: model.GroupGrantAddress(t, s, group), Role: role, HolderKind: model.HolderGroup, Ticket: ticket, Status: model.StatusActive}
}

// testInput is a state of three teams, one per built-in platform, with:
//   - acme (plausible): one owner (below_two_owners), an admin without a
//     ticket in a team with a production site, an external guest expiring
//     in 10 days whose reason holds a comma, a quote and a newline, and an
//     expired external guest whose ticket starts with "=" and reason with "@";
//   - piwik-acme (piwikpro): one active owner and one invited owner
//     (below_two_owners), a member with a team role, an own grant and a
//     group's grant on the same site, a group with two grants, an external
//     guest with the manage role;
//   - bw-posthog (posthog): two owners, an admin in a team with a
//     production site, a member with grants, an invited external guest.
//
// acme was reviewed recently; bw-posthog and piwik-acme (never reviewed,
// created long ago) are overdue for a review.
func testInput() Input {
	jane := grant("acme", "mysite.com", "jane@agency.com", "viewer", model.HolderGuest, "IAM-1234")
	jane.Expires = "2026-12-04T23:59:59Z"
	jane.Reason = janeReason
	old := grant("acme", "staging.mysite.com", "old@agency.com", "editor", model.HolderGuest, oldTicket)
	old.Expires = "2026-11-01T23:59:59Z"
	old.Reason = oldReason
	alice := member("acme", "alice@acme.com", "owner", "IAM-1", model.StatusActive)
	alice.Reason = "Founder"
	bob := member("acme", "bob@acme.com", "admin", "", model.StatusActive)
	bob.Reason = "Runs the site"

	analysts := &model.Object{Addr: model.GroupAddress("piwik-acme", "analysts"), Members: []string{"erin@acme.com", "frank@acme.com"}, Ticket: "IAM-20", Reason: "Weekly reporting"}
	shopGroup := groupGrant("piwik-acme", "shop-app", "analysts", "edit", "IAM-20")
	shopGroup.Reason = analysts.Reason
	blogGroup := groupGrant("piwik-acme", "blog-app", "analysts", "view", "IAM-20")
	blogGroup.Reason = analysts.Reason
	gus := grant("piwik-acme", "blog-app", "gus@partner.io", "manage", model.HolderGuest, "IAM-30")
	gus.Expires = "2027-01-31T23:59:59Z"
	gus.Reason = "Tag agency"

	lee := grant("bw-posthog", "Production", "lee@consult.example", "viewer", model.HolderGuest, "IAM-50")
	lee.Status = model.StatusInvited
	lee.Expires = "2027-02-28T23:59:59Z"

	objs := []*model.Object{
		team("acme", "plausible"),
		site("acme", "mysite.com", "production"),
		site("acme", "staging.mysite.com", "staging"),
		alice, bob, jane, old,

		team("piwik-acme", "piwikpro"),
		site("piwik-acme", "shop-app", "production"),
		site("piwik-acme", "blog-app", ""),
		member("piwik-acme", "carol@acme.com", "owner", "IAM-10", model.StatusActive),
		member("piwik-acme", "dan@acme.com", "owner", "IAM-11", model.StatusInvited),
		member("piwik-acme", "erin@acme.com", "user", "IAM-12", model.StatusActive),
		member("piwik-acme", "frank@acme.com", "user", "IAM-13", model.StatusActive),
		analysts,
		grant("piwik-acme", "shop-app", "erin@acme.com", "view", model.HolderMember, "IAM-12"),
		shopGroup, blogGroup, gus,

		team("bw-posthog", "posthog"),
		site("bw-posthog", "Production", "production"),
		site("bw-posthog", "Staging", ""),
		member("bw-posthog", "heidi@acme.com", "owner", "IAM-40", model.StatusActive),
		member("bw-posthog", "ivan@acme.com", "owner", "IAM-41", model.StatusActive),
		member("bw-posthog", "judy@acme.com", "admin", "IAM-42", model.StatusActive),
		member("bw-posthog", "kim@acme.com", "member", "IAM-43", model.StatusActive),
		grant("bw-posthog", "Production", "kim@acme.com", "viewer", model.HolderMember, "IAM-43"),
		grant("bw-posthog", "Staging", "kim@acme.com", "admin", model.HolderMember, "IAM-43"),
		lee,
	}
	model.SortObjects(objs)
	return Input{
		Objects:         objs,
		Platforms:       testPlatforms(),
		InternalDomains: []string{"acme.com"},
		Since: map[string]time.Time{
			"member/acme/alice@acme.com":                      time.Date(2025, 1, 15, 9, 0, 0, 0, time.UTC),
			"grant/acme/mysite.com/jane@agency.com":           time.Date(2026, 11, 14, 16, 30, 0, 0, time.UTC),
			"member/piwik-acme/dan@acme.com":                  time.Date(2026, 11, 12, 10, 0, 0, 0, time.UTC),
			"grant/piwik-acme/shop-app/group:analysts":        time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC),
			"grant/bw-posthog/Production/lee@consult.example": time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC),
			"team/piwik-acme":                                 time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC),
			"team/acme":                                       time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC),
		},
		// acme was reviewed 54 days before now; bw-posthog 146 days
		// before (not_reviewed_90_days); piwik-acme never, and it was
		// created long ago (not_reviewed_90_days).
		Reviews: map[string]TeamReview{
			"acme":       {Time: time.Date(2026, 10, 1, 15, 0, 0, 0, time.UTC), Reviewer: "rita@acme.com", Digest: "sha256:" + strings.Repeat("a", 64), Seq: 30},
			"bw-posthog": {Time: time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC), Reviewer: "sam@acme.com", Digest: "sha256:" + strings.Repeat("b", 64), Seq: 12},
		},
		Now: testNow,
	}
}

func testReview() *ReviewDoc {
	return Review(testInput(), ReviewOptions{GeneratedAt: testNow})
}
