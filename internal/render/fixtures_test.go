package render

import (
	"fmt"
	"time"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// Test plans are built by hand: the planner is another package.

var (
	created = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	digest  = "sha256:4f2a0c0f6d1bd84e5bcf2bd2e8b44c3a1c0a2f1f3e8e5d8b7a6c5d4e3f2a1b0c"
)

func ptr[T any](v T) *T { return &v }

func team(name string, f func(o *model.Object)) *model.Object {
	o := &model.Object{Addr: model.TeamAddress(name)}
	f(o)
	return o
}

func site(t, s string, f func(o *model.Object)) *model.Object {
	o := &model.Object{Addr: model.SiteAddress(t, s)}
	f(o)
	return o
}

func member(t, email, role string, f func(o *model.Object)) *model.Object {
	o := &model.Object{Addr: model.MemberAddress(t, email), Role: role, Status: model.StatusActive}
	if f != nil {
		f(o)
	}
	return o
}

func grant(t, s, email, role string, f func(o *model.Object)) *model.Object {
	o := &model.Object{Addr: model.PersonGrantAddress(t, s, email), Role: role, HolderKind: model.HolderGuest, Status: model.StatusActive}
	if f != nil {
		f(o)
	}
	return o
}

func group(t, g string, members ...string) *model.Object {
	return &model.Object{Addr: model.GroupAddress(t, g), Members: members}
}

func create(o *model.Object, risks ...plan.Risk) plan.Change {
	return plan.Change{Addr: o.Addr, Action: plan.Create, After: o, Risks: risks}
}

func modify(before, after *model.Object, risks ...plan.Risk) plan.Change {
	return plan.Change{Addr: after.Addr, Action: plan.Update, Before: before, After: after, Risks: risks}
}

func remove(o *model.Object, risks ...plan.Risk) plan.Change {
	return plan.Change{Addr: o.Addr, Action: plan.Delete, Before: o, Risks: risks}
}

func why(c plan.Change, w string) plan.Change {
	c.Why = w
	return c
}

func basePlan() *plan.Plan {
	return &plan.Plan{
		CreatedAt:    created,
		Now:          created.Add(90 * time.Minute).In(time.FixedZone("CET", 3600)),
		Lineage:      "0b6c3f0e-8f5a-4d0e-9a43-6f1a7f0c2b11",
		Serial:       3,
		ConfigDigest: digest,
	}
}

func emptyPlan() *plan.Plan { return basePlan() }

// fullPlan has every action on every kind, every risk, whys, follow-ups,
// drift of every shape, manual steps and costs.
func fullPlan() *plan.Plan {
	p := basePlan()
	p.AllowMassRemoval = true
	p.Changes = []plan.Change{
		create(team("acme", func(o *model.Object) {
			o.Platform, o.DisplayName, o.Require2FA = "plausible", "Acme Inc.", ptr(true)
		})),
		modify(
			team("beta", func(o *model.Object) { o.Platform, o.Require2FA = "posthog", ptr(false) }),
			team("beta", func(o *model.Object) { o.Platform, o.Require2FA, o.SSO = "posthog", ptr(true), "okta" })),
		remove(team("gamma", func(o *model.Object) { o.Platform = "piwikpro" })),
		create(site("acme", "mysite.com", func(o *model.Object) { o.Environment, o.RemoteID = "production", "mysite.com" })),
		why(modify(
			site("acme", "shop.com", func(o *model.Object) { o.Environment = "staging" }),
			site("acme", "shop.com", func(o *model.Object) { o.Environment, o.RemoteID = "staging", "12345" })),
			"remote id found"),
		remove(site("acme", "old.com", func(o *model.Object) { o.Environment = "staging" })),
		create(member("acme", "alice@acme.com", "admin", func(o *model.Object) {
			o.Reason, o.Ticket = "runs analytics", "IAM-1"
		}), plan.RiskProduction),
		modify(member("acme", "bob@acme.com", "viewer", nil), member("acme", "bob@acme.com", "owner", nil),
			plan.RiskEscalation, plan.RiskProduction, plan.RiskOwner),
		why(remove(member("acme", "carol@agency.com", "editor", func(o *model.Object) {
			o.Expires = "2026-06-01T23:59:59Z"
		}), plan.RiskExternal, plan.RiskRemoval, plan.RiskExpired), "expired 2026-06-01"),
		create(grant("acme", "mysite.com", "jane@agency.com", "viewer", func(o *model.Object) {
			o.Expires, o.Ticket, o.Reason = "2026-06-01T23:59:59Z", "IAM-1234", "Q3 campaign | `report`\nsecond line"
		}), plan.RiskExternal, plan.RiskProduction),
		create(&model.Object{Addr: model.GroupGrantAddress("acme", "mysite.com", "analysts"), Role: "viewer", HolderKind: model.HolderGroup, Status: model.StatusActive},
			plan.RiskProduction),
		why(modify(
			grant("acme", "mysite.com", "dave@agency.com", "viewer", func(o *model.Object) { o.Status = model.StatusInvited }),
			grant("acme", "mysite.com", "dave@agency.com", "editor", func(o *model.Object) { o.Status = model.StatusInvited }),
			plan.RiskEscalation, plan.RiskExternal, plan.RiskProduction), "invitation updated"),
		why(remove(grant("acme", "mysite.com", "mallory@x.io", "admin", nil),
			plan.RiskExternal, plan.RiskProduction, plan.RiskRemoval, plan.RiskDrift), "added outside roster"),
		create(group("acme", "analysts", "ann@acme.com", "ben@acme.com")),
		modify(group("acme", "ops", "ann@acme.com"), group("acme", "ops", "ann@acme.com", "ben@acme.com")),
		remove(group("acme", "old-team")),
	}
	p.FollowUps = []plan.FollowUp{
		{Site: model.SiteAddress("acme", "mysite.com"), Task: plan.TaskRotateAPIKey, Text: "Rotate the Stats API key of mysite.com: carol@agency.com and 1 other could read it."},
		{Site: model.SiteAddress("acme", "mysite.com"), Task: plan.TaskReviewSharedLinks, Text: "Review the shared links of mysite.com: carol@agency.com could create them."},
	}
	p.Drift = []plan.Drift{
		{Addr: model.MemberAddress("acme", "bob@acme.com"),
			Before: member("acme", "bob@acme.com", "viewer", nil),
			After:  member("acme", "bob@acme.com", "admin", nil)},
		{Addr: model.PersonGrantAddress("acme", "mysite.com", "mallory@x.io"),
			After: grant("acme", "mysite.com", "mallory@x.io", "admin", nil)},
		{Addr: model.MemberAddress("acme", "zoe@acme.com"),
			Before: member("acme", "zoe@acme.com", "viewer", nil)},
	}
	p.Manual = []plan.Manual{
		{Addr: model.MemberAddress("acme", "erin@acme.com"), Change: "create", Text: "Invite erin@acme.com as viewer in Team Settings → General."},
		{Addr: model.SiteAddress("acme", "mysite.com"), Task: plan.TaskRotateAPIKey, Text: "Rotate the Stats API key of mysite.com."},
	}
	p.Cost = []plan.Cost{
		{Team: "acme", Requests: 12, BudgetPerHour: ptr(600), ETASeconds: ptr(72)},
		{Team: "beta", Requests: 3},
	}
	p.Upcoming = []plan.Manual{
		{Addr: model.MemberAddress("acme", "alice@acme.com"), Change: "create", Text: "Invite alice@acme.com as admin in Team Settings → General."},
	}
	p.Diagnostics = []plan.Diagnostic{
		{Severity: plan.SeverityWarning, Summary: "Guest without an expiry", Detail: "jane@agency.com is external and never expires; add expires.",
			Range: &plan.Range{Filename: "main.hcl", Start: plan.Pos{Line: 9, Column: 1, Byte: 120}, End: plan.Pos{Line: 9, Column: 24, Byte: 143}}},
		{Severity: plan.SeverityNote, Summary: "team beta: site \"blog\" on the platform is not declared; its access is not managed."},
	}
	return p
}

// driftOnlyPlan has drift and one manual step but no change.
func driftOnlyPlan() *plan.Plan {
	p := basePlan()
	p.Drift = []plan.Drift{
		{Addr: model.GroupAddress("acme", "analysts"), After: group("acme", "analysts", "ann@acme.com")},
		// A GA4 account binding changed by hand: held via the account.
		{Addr: model.MemberAddress("ga", "carol@acme.com"), Before: member("ga", "carol@acme.com", "analyst", nil),
			After: member("ga", "carol@acme.com", "admin", nil), Via: model.ViaAccount},
		{Addr: model.SiteAddress("acme", "mysite.com"),
			Before: site("acme", "mysite.com", func(o *model.Object) { o.RemoteID = "1" }),
			After:  site("acme", "mysite.com", func(o *model.Object) { o.RemoteID = "2" })},
	}
	p.Manual = []plan.Manual{{Addr: model.MemberAddress("acme", "erin@acme.com"), Change: "create", Text: "Invite erin@acme.com."}}
	return p
}

// grantsPlan creates n guest grants: n/10 people with 10 sites each, sorted
// by address as the planner would.
func grantsPlan(n int, risks ...plan.Risk) *plan.Plan {
	p := basePlan()
	p.Changes = make([]plan.Change, 0, n)
	people := (n + 9) / 10
	for i := range n {
		email := fmt.Sprintf("guest%06d@agency.com", i%people)
		s := fmt.Sprintf("site%02d.example.com", i/people)
		o := grant("acme", s, email, "viewer", func(o *model.Object) {
			o.Expires, o.Ticket, o.Reason = "2027-01-01T00:00:00Z", "IAM-42", "campaign"
		})
		p.Changes = append(p.Changes, create(o, risks...))
	}
	return p
}

// movePlan renames a person (with a role change beside it, and its risk),
// a site and a team, beside one ordinary update.
func movePlan() *plan.Plan {
	p := basePlan()
	oldM := member("acme", "lena@old.com", "viewer", nil)
	newM := member("acme", "lena@new.com", "admin", nil)
	p.Changes = append(p.Changes,
		plan.Change{Addr: newM.Addr, Action: plan.Move, Before: oldM, After: newM, Risks: []plan.Risk{plan.RiskEscalation},
			Moving: &plan.Moving{From: oldM.Addr, Carried: []*model.Object{grant("acme", "shop.com", "lena@old.com", "viewer", nil)}}},
		plan.Change{Addr: model.SiteAddress("acme", "shop2.com"), Action: plan.Move, Moving: &plan.Moving{From: model.SiteAddress("acme", "shop.com")},
			Before: site("acme", "shop.com", func(o *model.Object) { o.Environment = "production" }), After: site("acme", "shop2.com", func(o *model.Object) { o.Environment = "production" })},
		modify(member("acme", "bob@acme.com", "viewer", nil), member("acme", "bob@acme.com", "editor", nil)),
	)
	return p
}
