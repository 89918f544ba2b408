package plan

import (
	"bytes"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/roster-dev/roster/internal/model"
)

// base is a small world: a Plausible team with a production and a staging
// site, two members and a guest.
func base() []*model.Object {
	return []*model.Object{
		team("acme", "plausible"),
		site("acme", "a.com", "production"),
		site("acme", "b.com", "staging"),
		member("acme", "alice@acme.com", "admin"),
		member("acme", "bob@acme.com", "viewer"),
		guest("acme", "b.com", "jane@agency.com", "viewer"),
	}
}

// replace returns objs with the object at o's address replaced by o (or
// added), and without the addresses in drop.
func replace(objs []*model.Object, o *model.Object, drop ...string) []*model.Object {
	var out []*model.Object
	found := false
	for _, x := range objs {
		if slices.Contains(drop, x.Addr.String()) {
			continue
		}
		if o != nil && x.Addr == o.Addr {
			out = append(out, o)
			found = true
			continue
		}
		out = append(out, x)
	}
	if o != nil && !found {
		out = append(out, o)
	}
	return out
}

func TestActions(t *testing.T) {
	jane := "grant/acme/b.com/jane@agency.com"
	for _, tc := range []struct {
		name    string
		desired []*model.Object
		prior   []*model.Object
		want    []string
		check   func(t *testing.T, p *Plan)
	}{
		{
			name:    "create everything from empty state",
			desired: base(),
			want: []string{
				"create grant/acme/b.com/jane@agency.com",
				"create member/acme/alice@acme.com",
				"create member/acme/bob@acme.com",
				"create site/acme/a.com",
				"create site/acme/b.com",
				"create team/acme",
			},
			check: func(t *testing.T, p *Plan) {
				c := findChange(p, jane)
				if c.Before != nil || c.After == nil || c.After.Status != model.StatusActive {
					t.Errorf("create: before %v, after %+v; want nil and status active", c.Before, c.After)
				}
				if s := findChange(p, "site/acme/a.com"); s.After.Status != "" {
					t.Errorf("a site got status %q", s.After.Status)
				}
			},
		},
		{
			name:  "delete everything",
			prior: base(),
			want: []string{
				"delete grant/acme/b.com/jane@agency.com",
				"delete member/acme/alice@acme.com",
				"delete member/acme/bob@acme.com",
				"delete site/acme/a.com",
				"delete site/acme/b.com",
				"delete team/acme",
			},
			check: func(t *testing.T, p *Plan) {
				for _, c := range p.Changes {
					if c.After != nil || c.Before == nil {
						t.Errorf("%s: delete with before %v, after %v", c.Addr, c.Before, c.After)
					}
				}
			},
		},
		{
			name:    "no changes",
			desired: base(),
			prior:   base(),
		},
		{
			name:    "an invited prior satisfies an active desired object",
			desired: base(),
			prior:   replace(base(), with(guest("acme", "b.com", "jane@agency.com", "viewer"), status(model.StatusInvited))),
		},
		{
			name:    "a manual prior satisfies an active desired object",
			desired: base(),
			prior:   replace(base(), with(member("acme", "bob@acme.com", "viewer"), status(model.StatusManual))),
		},
		{
			name:    "update keeps the prior's status",
			desired: replace(base(), guest("acme", "b.com", "jane@agency.com", "editor")),
			prior:   replace(base(), with(guest("acme", "b.com", "jane@agency.com", "viewer"), status(model.StatusInvited))),
			want:    []string{"update " + jane},
			check: func(t *testing.T, p *Plan) {
				c := findChange(p, jane)
				if c.After.Status != model.StatusInvited || c.After.Role != "editor" || c.Before.Role != "viewer" {
					t.Errorf("update: before %+v after %+v", c.Before, c.After)
				}
			},
		},
		{
			name:    "create, update and delete together, sorted by address",
			desired: replace(base(), member("acme", "carol@acme.com", "editor"), "member/acme/bob@acme.com"),
			prior:   replace(base(), guest("acme", "b.com", "jane@agency.com", "editor")),
			want: []string{
				"update " + jane,
				"delete member/acme/bob@acme.com",
				"create member/acme/carol@acme.com",
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := run(t, tc.desired, tc.prior)
			if got := addrs(p); !slices.Equal(got, tc.want) {
				t.Fatalf("changes:\n got %q\nwant %q", got, tc.want)
			}
			if tc.check != nil {
				tc.check(t, p)
			}
		})
	}
}

func TestAttributeUpdates(t *testing.T) {
	tr, fa := true, false
	objs := func() []*model.Object {
		return []*model.Object{
			with(team("acme", "grouptool"), func(o *model.Object) { o.DisplayName = "Acme"; o.Require2FA = &tr; o.SSO = "none" }),
			site("acme", "s", "staging"),
			with(member("acme", "a@acme.com", "owner"), func(o *model.Object) {
				o.Reason = "lead"
				o.Ticket = "IAM-1"
				o.Expires = "2027-01-31T23:59:59Z"
			}),
			member("acme", "b@acme.com", "user"),
			with(guest("acme", "s", "j@x.com", "view"), func(o *model.Object) { o.Reason = "r"; o.Ticket = "T-1" }),
			group("acme", "g", "a@acme.com", "b@acme.com"),
			groupGrant("acme", "s", "g", "view"),
		}
	}
	for _, tc := range []struct {
		attr, addr string
		change     func(*model.Object)
	}{
		{"role", "member/acme/a@acme.com", func(o *model.Object) { o.Role = "user" }},
		{"expires", "member/acme/a@acme.com", func(o *model.Object) { o.Expires = "2027-02-28T23:59:59Z" }},
		{"expires unset", "member/acme/a@acme.com", func(o *model.Object) { o.Expires = "" }},
		{"reason", "member/acme/a@acme.com", func(o *model.Object) { o.Reason = "other" }},
		{"ticket", "member/acme/a@acme.com", func(o *model.Object) { o.Ticket = "IAM-2" }},
		{"grant role", "grant/acme/s/j@x.com", func(o *model.Object) { o.Role = "share" }},
		{"grant reason", "grant/acme/s/j@x.com", func(o *model.Object) { o.Reason = "" }},
		{"grant ticket", "grant/acme/s/j@x.com", func(o *model.Object) { o.Ticket = "T-2" }},
		{"grant expires", "grant/acme/s/j@x.com", func(o *model.Object) { o.Expires = "2027-01-01T23:59:59Z" }},
		{"holder_kind", "grant/acme/s/j@x.com", func(o *model.Object) { o.HolderKind = model.HolderMember }},
		{"environment", "site/acme/s", func(o *model.Object) { o.Environment = "production" }},
		{"remote_id set", "site/acme/s", func(o *model.Object) { o.RemoteID = "42" }},
		{"display_name", "team/acme", func(o *model.Object) { o.DisplayName = "Acme Corp" }},
		{"require_2fa false", "team/acme", func(o *model.Object) { o.Require2FA = &fa }},
		{"require_2fa unset", "team/acme", func(o *model.Object) { o.Require2FA = nil }},
		{"sso", "team/acme", func(o *model.Object) { o.SSO = "all_but_owners" }},
		{"platform", "team/acme", func(o *model.Object) { o.Platform = "plausible" }},
		{"members", "group/acme/g", func(o *model.Object) { o.Members = []string{"a@acme.com"} }},
		{"members order", "group/acme/g", func(o *model.Object) { o.Members = []string{"b@acme.com", "a@acme.com"} }},
		{"group reason", "group/acme/g", func(o *model.Object) { o.Reason = "analysts" }},
		{"group remote_id", "group/acme/g", func(o *model.Object) { o.RemoteID = "77" }},
	} {
		t.Run(tc.attr, func(t *testing.T) {
			desired := objs()
			for _, o := range desired {
				if o.Addr.String() == tc.addr {
					tc.change(o)
				}
			}
			p := run(t, desired, objs())
			if got, want := addrs(p), []string{"update " + tc.addr}; !slices.Equal(got, want) {
				t.Fatalf("got %q, want %q", got, want)
			}
			c := p.Changes[0]
			if c.Before.Addr.String() != tc.addr || c.After.Addr.String() != tc.addr {
				t.Errorf("before/after at %s / %s", c.Before.Addr, c.After.Addr)
			}
			if c.Before == c.After {
				t.Error("before and after are the same object")
			}
		})
	}
}

func TestRemoteIDKeptWhenUndeclared(t *testing.T) {
	desired := []*model.Object{site("acme", "s", "production"), group("acme", "g", "a@x.com")}
	prior := []*model.Object{
		with(site("acme", "s", "production"), func(o *model.Object) { o.RemoteID = "12345" }),
		with(group("acme", "g", "a@x.com"), func(o *model.Object) { o.RemoteID = "g-1" }),
	}
	if p := run(t, desired, prior); !p.Empty() {
		t.Fatalf("an undeclared remote_id made changes: %q", addrs(p))
	}
	desired[0].Environment = "staging"
	p := run(t, desired, prior)
	if got := addrs(p); !slices.Equal(got, []string{"update site/acme/s"}) {
		t.Fatalf("got %q", got)
	}
	if p.Changes[0].After.RemoteID != "12345" {
		t.Errorf("update dropped the stored remote_id: %+v", p.Changes[0].After)
	}
}

// attrsDiffer is the reference comparison: Attrs with AttrEqual, status
// and default_access (read from the platform, never declared) ignored, and
// an unset desired remote_id satisfied by any.
func attrsDiffer(d, c *model.Object) bool {
	da, ca := d.Attrs(), c.Attrs()
	for i := range da {
		if da[i].Name == "status" || da[i].Name == "default_access" || (da[i].Name == "remote_id" && da[i].Value == nil) {
			continue
		}
		if !model.AttrEqual(da[i].Value, ca[i].Value) {
			return true
		}
	}
	return false
}

// TestDiffersCoversEveryAttribute checks the planner's allocation-free
// comparison against Attrs for every attribute of every kind, so that an
// attribute added to the model and forgotten here fails.
func TestDiffersCoversEveryAttribute(t *testing.T) {
	addrOf := map[model.Kind]model.Address{
		model.KindTeam:   model.TeamAddress("acme"),
		model.KindSite:   model.SiteAddress("acme", "s"),
		model.KindMember: model.MemberAddress("acme", "a@x.com"),
		model.KindGrant:  model.PersonGrantAddress("acme", "s", "a@x.com"),
		model.KindGroup:  model.GroupAddress("acme", "g"),
	}
	values := []any{nil, "2026-06-01T23:59:59Z", "2027-01-01T00:00:00Z", true, false, []any{"a@x.com"}, []any{"b@x.com", "a@x.com"}, []any{}}
	for _, k := range model.Kinds {
		for _, name := range model.AttrNames[k] {
			for _, v1 := range values {
				for _, v2 := range values {
					d, c := &model.Object{Addr: addrOf[k]}, &model.Object{Addr: addrOf[k]}
					if d.SetAttr(name, v1) != nil || c.SetAttr(name, v2) != nil {
						continue
					}
					want := attrsDiffer(d, c)
					if got := differs(d, c); got != want {
						t.Errorf("%s %s: %v vs %v: differs = %v, Attrs say %v", k, name, v1, v2, got, want)
					}
				}
			}
		}
	}
}

func TestRisks(t *testing.T) {
	plausibleTeam := []*model.Object{team("acme", "plausible"), site("acme", "prod.com", "production"), site("acme", "stage.com", "staging")}
	quiet := []*model.Object{team("quiet", "plausible"), site("quiet", "q.com", "")}
	gt := []*model.Object{team("gt", "grouptool"), site("gt", "app", "production"), site("gt", "test", ""), group("gt", "g", "a@acme.com")}
	world := slices.Concat(plausibleTeam, quiet, gt)
	w := func(objs ...*model.Object) []*model.Object { return append(clones(world), objs...) }
	policy := withPolicy("Acme.COM")
	for _, tc := range []struct {
		name           string
		desired, prior []*model.Object
		opts           []func(*Input)
		addr           string
		want           []Risk
	}{
		// escalation
		{"billing to viewer escalates", w(member("quiet", "a@acme.com", "viewer")), w(member("quiet", "a@acme.com", "billing")), nil, "member/quiet/a@acme.com", risks(RiskEscalation)},
		{"viewer to editor escalates", w(member("quiet", "a@acme.com", "editor")), w(member("quiet", "a@acme.com", "viewer")), nil, "member/quiet/a@acme.com", risks(RiskEscalation)},
		{"editor to viewer does not", w(member("quiet", "a@acme.com", "viewer")), w(member("quiet", "a@acme.com", "editor")), nil, "member/quiet/a@acme.com", nil},
		{"unknown role to viewer escalates", w(member("quiet", "a@acme.com", "viewer")), w(member("quiet", "a@acme.com", "gone")), nil, "member/quiet/a@acme.com", risks(RiskEscalation)},
		{"viewer to unknown role does not", w(member("quiet", "a@acme.com", "gone")), w(member("quiet", "a@acme.com", "viewer")), nil, "member/quiet/a@acme.com", nil},
		{"site role viewer to editor escalates", w(guest("quiet", "q.com", "a@acme.com", "editor")), w(guest("quiet", "q.com", "a@acme.com", "viewer")), nil, "grant/quiet/q.com/a@acme.com", risks(RiskEscalation)},
		{"grant uses site roles", w(guest("gt", "test", "a@acme.com", "admin")), w(guest("gt", "test", "a@acme.com", "view")), nil, "grant/gt/test/a@acme.com", risks(RiskEscalation)},
		{"reason change is no escalation", w(with(member("quiet", "a@acme.com", "viewer"), func(o *model.Object) { o.Reason = "x" })), w(member("quiet", "a@acme.com", "viewer")), nil, "member/quiet/a@acme.com", nil},
		{"create is no escalation", w(member("quiet", "a@acme.com", "admin")), w(), nil, "member/quiet/a@acme.com", nil},
		{"platform from prior when the team is gone", w(member("old", "a@acme.com", "editor")), w(team("old", "plausible"), member("old", "a@acme.com", "viewer")), nil, "member/old/a@acme.com", risks(RiskEscalation)},
		// external
		{"external guest", w(guest("quiet", "q.com", "jane@agency.com", "viewer")), w(), []func(*Input){policy}, "grant/quiet/q.com/jane@agency.com", risks(RiskExternal)},
		{"internal member, domain case-insensitive", w(member("quiet", "a@acme.com", "viewer")), w(), []func(*Input){policy}, "member/quiet/a@acme.com", nil},
		{"subdomain is internal", w(member("quiet", "b@eu.acme.com", "viewer")), w(), []func(*Input){policy}, "member/quiet/b@eu.acme.com", nil},
		{"upper-case email in a hand-built address", w(member("quiet", "B@EU.ACME.COM", "viewer")), w(), []func(*Input){policy}, "member/quiet/B@EU.ACME.COM", nil},
		{"a suffix that is not a subdomain is external", w(member("quiet", "c@notacme.com", "viewer")), w(), []func(*Input){policy}, "member/quiet/c@notacme.com", risks(RiskExternal)},
		{"external on delete too", w(), w(member("quiet", "c@other.org", "viewer")), []func(*Input){policy}, "member/quiet/c@other.org", risks(RiskExternal, RiskRemoval)},
		{"nobody is external without a policy", w(guest("quiet", "q.com", "jane@agency.com", "viewer")), w(), nil, "grant/quiet/q.com/jane@agency.com", nil},
		{"nobody is external without internal domains", w(guest("quiet", "q.com", "jane@agency.com", "viewer")), w(), []func(*Input){withPolicy()}, "grant/quiet/q.com/jane@agency.com", nil},
		{"a group grant is not external", w(groupGrant("gt", "test", "g", "view")), w(), []func(*Input){policy}, "grant/gt/test/group:g", nil},
		// production
		{"grant on a production site", w(guest("acme", "prod.com", "a@acme.com", "viewer")), w(), nil, "grant/acme/prod.com/a@acme.com", risks(RiskProduction)},
		{"grant on a staging site", w(guest("acme", "stage.com", "a@acme.com", "viewer")), w(), nil, "grant/acme/stage.com/a@acme.com", nil},
		{"group grant on a production site", w(groupGrant("gt", "app", "g", "view")), w(), nil, "grant/gt/app/group:g", risks(RiskProduction)},
		{"member of a team with a production site", w(member("acme", "a@acme.com", "viewer")), w(), nil, "member/acme/a@acme.com", risks(RiskProduction)},
		{"member of a team without one", w(member("quiet", "a@acme.com", "viewer")), w(), nil, "member/quiet/a@acme.com", nil},
		{"desired environment wins over prior", w(guest("quiet", "q.com", "a@acme.com", "viewer")), replace(w(), site("quiet", "q.com", "production")), nil, "grant/quiet/q.com/a@acme.com", nil},
		{"a site only in prior still counts", w(), w(site("quiet", "old.com", "production"), member("quiet", "a@acme.com", "viewer")), nil, "member/quiet/a@acme.com", risks(RiskProduction, RiskRemoval)},
		// owner
		{"create an owner", w(member("quiet", "a@acme.com", "owner")), w(), nil, "member/quiet/a@acme.com", risks(RiskOwner)},
		{"delete an owner", w(), w(member("quiet", "a@acme.com", "owner")), nil, "member/quiet/a@acme.com", risks(RiskOwner, RiskRemoval)},
		{"promote to owner", w(member("quiet", "a@acme.com", "owner")), w(member("quiet", "a@acme.com", "admin")), nil, "member/quiet/a@acme.com", risks(RiskEscalation, RiskOwner)},
		{"demote an owner", w(member("quiet", "a@acme.com", "admin")), w(member("quiet", "a@acme.com", "owner")), nil, "member/quiet/a@acme.com", risks(RiskOwner)},
		{"an owner's reason changes", w(with(member("quiet", "a@acme.com", "owner"), func(o *model.Object) { o.Ticket = "T" })), w(member("quiet", "a@acme.com", "owner")), nil, "member/quiet/a@acme.com", nil},
		// removal
		{"delete a grant", w(), w(guest("quiet", "q.com", "a@acme.com", "viewer")), nil, "grant/quiet/q.com/a@acme.com", risks(RiskRemoval)},
		{"delete a group grant", w(), w(groupGrant("gt", "test", "g", "view")), nil, "grant/gt/test/group:g", risks(RiskRemoval)},
		{"delete a site carries no risk", replace(w(), nil, "site/quiet/q.com"), w(), nil, "site/quiet/q.com", nil},
		{"delete a group carries no risk", replace(w(), nil, "group/gt/g"), w(), nil, "group/gt/g", nil},
		{"delete a team carries no risk", replace(w(), nil, "team/quiet"), w(), nil, "team/quiet", nil},
		// several at once, in order
		{"all the tags in order", w(), w(member("acme", "boss@else.com", "owner")), []func(*Input){policy}, "member/acme/boss@else.com", risks(RiskExternal, RiskProduction, RiskOwner, RiskRemoval)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := run(t, tc.desired, tc.prior, tc.opts...)
			c := findChange(p, tc.addr)
			if c == nil {
				t.Fatalf("no change at %s; changes %q", tc.addr, addrs(p))
			}
			if !sameRisks(c.Risks, tc.want) {
				t.Errorf("risks %q, want %q", c.Risks, tc.want)
			}
			for _, r := range tc.want {
				if !c.HasRisk(r) {
					t.Errorf("HasRisk(%s) false", r)
				}
			}
		})
	}
}

func TestExpiry(t *testing.T) {
	expiring := func() *model.Object {
		o := guest("acme", "b.com", "jane@agency.com", "viewer")
		o.Expires = "2026-06-01T23:59:59Z"
		o.Decl = &model.Decl{ExpiresText: "2026-06-01"}
		return o
	}
	at := time.Date(2026, 6, 1, 23, 59, 59, 0, time.UTC)
	addr := "grant/acme/b.com/jane@agency.com"
	for _, tc := range []struct {
		name    string
		desired *model.Object
		prior   bool
		now     time.Time
		want    []string
		why     string
		risks   []Risk
	}{
		{"valid at the expiry instant", expiring(), true, at, nil, "", nil},
		{"valid before it", expiring(), true, at.Add(-time.Hour), nil, "", nil},
		{"expired one second after", expiring(), true, at.Add(time.Second), []string{"delete " + addr}, "expired 2026-06-01", risks(RiskExternal, RiskRemoval, RiskExpired)},
		{"expired one nanosecond after", expiring(), true, at.Add(time.Nanosecond), []string{"delete " + addr}, "expired 2026-06-01", risks(RiskExternal, RiskRemoval, RiskExpired)},
		{"expired and not in prior: nothing", expiring(), false, at.Add(time.Second), nil, "", nil},
		{"not expired and not in prior: create", expiring(), false, at, []string{"create " + addr}, "", risks(RiskExternal)},
		{"expired, and the prior differs too", with(expiring(), role("editor")), true, at.Add(time.Second), []string{"delete " + addr}, "expired 2026-06-01", risks(RiskExternal, RiskRemoval, RiskExpired)},
		{"without Decl the why is the stored expiry", with(expiring(), func(o *model.Object) { o.Decl = nil }), true, at.Add(time.Second), []string{"delete " + addr}, "expired 2026-06-01T23:59:59Z", risks(RiskExternal, RiskRemoval, RiskExpired)},
		{"a time as written", with(expiring(), func(o *model.Object) {
			o.Expires = "2026-03-01T09:00:00Z"
			o.Decl = &model.Decl{ExpiresText: "2026-03-01T09:00:00Z"}
		}), true, at, []string{"delete " + addr}, "expired 2026-03-01T09:00:00Z", risks(RiskExternal, RiskRemoval, RiskExpired)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			desired := replace(base(), tc.desired)
			prior := base()
			if tc.prior {
				prior = replace(prior, with(tc.desired, func(o *model.Object) { o.Decl = nil; o.Role = "viewer" }))
			} else {
				prior = replace(prior, nil, addr)
			}
			p := run(t, desired, prior, withNow(tc.now), withPolicy("acme.com"))
			if got := addrs(p); !slices.Equal(got, tc.want) {
				t.Fatalf("changes %q, want %q", got, tc.want)
			}
			if len(p.Changes) == 1 {
				c := p.Changes[0]
				if c.Why != tc.why {
					t.Errorf("why %q, want %q", c.Why, tc.why)
				}
				if !sameRisks(c.Risks, tc.risks) {
					t.Errorf("risks %q, want %q", c.Risks, tc.risks)
				}
			}
		})
	}

	t.Run("a group is not dropped, its grants are", func(t *testing.T) {
		g := with(group("gt", "g", "a@acme.com"), func(o *model.Object) { o.Expires = "2026-01-01T23:59:59Z" })
		gg := with(groupGrant("gt", "app", "g", "view"), func(o *model.Object) { o.Expires = "2026-01-01T23:59:59Z" })
		objs := []*model.Object{team("gt", "grouptool"), site("gt", "app", ""), member("gt", "a@acme.com", "user"), g, gg}
		p := run(t, objs, objs)
		if got, want := addrs(p), []string{"delete grant/gt/app/group:g"}; !slices.Equal(got, want) {
			t.Fatalf("changes %q, want %q", got, want)
		}
		if p.Changes[0].Why != "expired 2026-01-01T23:59:59Z" {
			t.Errorf("why %q", p.Changes[0].Why)
		}
	})
	t.Run("an expired member", func(t *testing.T) {
		m := with(member("acme", "bob@acme.com", "viewer"), func(o *model.Object) { o.Expires = "2026-01-31T23:59:59Z" })
		p := run(t, replace(base(), m), replace(base(), m))
		c := findChange(p, "member/acme/bob@acme.com")
		if c == nil || c.Action != Delete || !sameRisks(c.Risks, risks(RiskProduction, RiskRemoval, RiskExpired)) {
			t.Fatalf("got %+v", c)
		}
	})
}

func followUpLines(p *Plan) []string {
	var out []string
	for _, f := range p.FollowUps {
		out = append(out, f.Site.String()+" "+f.Task+": "+f.Text)
	}
	return out
}

func TestFollowUps(t *testing.T) {
	gtWorld := func(members ...string) []*model.Object {
		return []*model.Object{
			team("gt", "grouptool"), site("gt", "app", ""), site("gt", "web", ""),
			member("gt", "a@acme.com", "user"), member("gt", "b@acme.com", "user"), member("gt", "c@acme.com", "user"),
			group("gt", "g", members...),
			groupGrant("gt", "app", "g", "share"),
			groupGrant("gt", "web", "g", "admin"),
		}
	}
	for _, tc := range []struct {
		name           string
		desired, prior []*model.Object
		now            time.Time
		want           []string
	}{
		{
			name:    "removing a Plausible admin",
			desired: replace(base(), nil, "member/acme/alice@acme.com"),
			prior:   base(),
			want: []string{
				"site/acme/a.com review_shared_links: Review the shared links of a.com: alice@acme.com could create them.",
				"site/acme/a.com rotate_api_key: Rotate the Stats API key of a.com: alice@acme.com could read it.",
				"site/acme/b.com review_shared_links: Review the shared links of b.com: alice@acme.com could create them.",
				"site/acme/b.com rotate_api_key: Rotate the Stats API key of b.com: alice@acme.com could read it.",
			},
		},
		{
			name:    "demoting an admin to viewer",
			desired: replace(base(), member("acme", "alice@acme.com", "viewer")),
			prior:   base(),
			want: []string{
				"site/acme/a.com rotate_api_key: Rotate the Stats API key of a.com: alice@acme.com could read it.",
				"site/acme/b.com rotate_api_key: Rotate the Stats API key of b.com: alice@acme.com could read it.",
			},
		},
		{
			name:    "promoting raises nothing",
			desired: replace(base(), member("acme", "bob@acme.com", "admin")),
			prior:   base(),
		},
		{
			name:    "an admin who expires",
			desired: replace(base(), with(member("acme", "alice@acme.com", "admin"), func(o *model.Object) { o.Expires = "2026-02-01T23:59:59Z" })),
			prior:   base(),
			want: []string{
				"site/acme/a.com review_shared_links: Review the shared links of a.com: alice@acme.com could create them.",
				"site/acme/a.com rotate_api_key: Rotate the Stats API key of a.com: alice@acme.com could read it.",
				"site/acme/b.com review_shared_links: Review the shared links of b.com: alice@acme.com could create them.",
				"site/acme/b.com rotate_api_key: Rotate the Stats API key of b.com: alice@acme.com could read it.",
			},
		},
		{
			name:    "removing two viewer guests of one site",
			desired: base(),
			prior:   append(base(), guest("acme", "b.com", "zed@agency.com", "viewer"), guest("acme", "b.com", "xavier@agency.com", "viewer")),
			want:    []string{"site/acme/b.com review_shared_links: Review the shared links of b.com: xavier@agency.com and 1 others could create them."},
		},
		{
			name:    "removing three viewer guests of one site",
			desired: replace(base(), nil, "grant/acme/b.com/jane@agency.com"),
			prior:   append(base(), guest("acme", "b.com", "zed@agency.com", "viewer"), guest("acme", "b.com", "xavier@agency.com", "viewer")),
			want:    []string{"site/acme/b.com review_shared_links: Review the shared links of b.com: jane@agency.com and 2 others could create them."},
		},
		{
			name:    "a guest's editor to viewer keeps shared links",
			desired: base(),
			prior:   replace(base(), guest("acme", "b.com", "jane@agency.com", "editor")),
		},
		{
			name:    "a removed site still gets the task; team roles keep their sites",
			desired: replace(base(), nil, "site/acme/b.com", "grant/acme/b.com/jane@agency.com"),
			prior:   base(),
			want:    []string{"site/acme/b.com review_shared_links: Review the shared links of b.com: jane@agency.com could create them."},
		},
		{
			name:    "a person dropped from a group",
			desired: gtWorld("a@acme.com"),
			prior:   gtWorld("a@acme.com", "b@acme.com"),
			want: []string{
				"site/gt/app review_shared_links: Review the shared links of app: b@acme.com could create them.",
				"site/gt/web review_shared_links: Review the shared links of web: b@acme.com could create them.",
				"site/gt/web rotate_api_key: Rotate the Stats API key of web: b@acme.com could read it.",
			},
		},
		{
			name:    "a person dropped from a group who keeps their own grant",
			desired: append(gtWorld("a@acme.com"), guest("gt", "app", "b@acme.com", "share")),
			prior:   append(gtWorld("a@acme.com", "b@acme.com"), guest("gt", "app", "b@acme.com", "share")),
			want: []string{
				"site/gt/web review_shared_links: Review the shared links of web: b@acme.com could create them.",
				"site/gt/web rotate_api_key: Rotate the Stats API key of web: b@acme.com could read it.",
			},
		},
		{
			name:    "a group grant lowered",
			desired: replace(gtWorld("a@acme.com", "c@acme.com"), groupGrant("gt", "web", "g", "share")),
			prior:   gtWorld("a@acme.com", "c@acme.com"),
			want:    []string{"site/gt/web rotate_api_key: Rotate the Stats API key of web: a@acme.com and 1 others could read it."},
		},
		{
			name:    "a group deleted with its grants",
			desired: replace(gtWorld(), nil, "group/gt/g", "grant/gt/app/group:g", "grant/gt/web/group:g"),
			prior:   gtWorld("c@acme.com"),
			want: []string{
				"site/gt/app review_shared_links: Review the shared links of app: c@acme.com could create them.",
				"site/gt/web review_shared_links: Review the shared links of web: c@acme.com could create them.",
				"site/gt/web rotate_api_key: Rotate the Stats API key of web: c@acme.com could read it.",
			},
		},
		{
			name:    "a person added to a group raises nothing",
			desired: gtWorld("a@acme.com", "b@acme.com"),
			prior:   gtWorld("a@acme.com"),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := []func(*Input){}
			if !tc.now.IsZero() {
				opts = append(opts, withNow(tc.now))
			}
			p := run(t, tc.desired, tc.prior, opts...)
			if got := followUpLines(p); !slices.Equal(got, tc.want) {
				t.Errorf("follow-ups:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestFollowUpText(t *testing.T) {
	for n, want := range map[int]string{
		1: "Rotate the Stats API key of s: a@x could read it.",
		2: "Rotate the Stats API key of s: a@x and 1 others could read it.",
		5: "Rotate the Stats API key of s: a@x and 4 others could read it.",
	} {
		people := []string{"e@x", "d@x", "c@x", "b@x", "a@x"}[5-n:]
		if n == 1 {
			people = []string{"a@x"}
		}
		if got := followUpText(TaskRotateAPIKey, "s", slices.Clone(people)); got != want {
			t.Errorf("%d people: %q, want %q", n, got, want)
		}
	}
}

func TestLive(t *testing.T) {
	// team "live" is connected; team "acme" is offline and keeps its prior.
	liveWorld := []*model.Object{
		team("live", "plausible"), site("live", "l.com", ""),
		member("live", "o@acme.com", "owner"),
		guest("live", "l.com", "g@agency.com", "viewer"),
	}
	desired := append(base(), liveWorld...)
	prior := append(base(), liveWorld...)
	live := func(objs ...*model.Object) func(*Input) {
		return func(in *Input) {
			in.LiveTeams = map[string]bool{"live": true}
			in.Live = clones(objs)
		}
	}
	for _, tc := range []struct {
		name    string
		desired []*model.Object
		prior   []*model.Object
		live    []*model.Object
		drift   []string
		changes []string
		risks   map[string][]Risk
		after   map[string]string // address → the change's After.DefaultAccess
	}{
		{
			name: "live as stored: nothing",
			live: []*model.Object{member("live", "o@acme.com", "owner"), guest("live", "l.com", "g@agency.com", "viewer")},
		},
		{
			name: "status only is not drift",
			live: []*model.Object{member("live", "o@acme.com", "owner"), with(guest("live", "l.com", "g@agency.com", "viewer"), status(model.StatusInvited))},
		},
		{
			name: "a guest added by hand is removed, a role changed by hand is put back",
			live: []*model.Object{
				member("live", "o@acme.com", "owner"),
				guest("live", "l.com", "g@agency.com", "editor"),
				guest("live", "l.com", "hand@agency.com", "viewer"),
			},
			drift:   []string{"grant/live/l.com/g@agency.com viewer->editor", "grant/live/l.com/hand@agency.com ->viewer"},
			changes: []string{"update grant/live/l.com/g@agency.com", "delete grant/live/l.com/hand@agency.com"},
			risks: map[string][]Risk{
				"grant/live/l.com/g@agency.com":    risks(RiskDrift),
				"grant/live/l.com/hand@agency.com": risks(RiskRemoval, RiskDrift),
			},
		},
		{
			name:    "access removed by hand is made again",
			live:    []*model.Object{member("live", "o@acme.com", "owner")},
			drift:   []string{"grant/live/l.com/g@agency.com viewer->"},
			changes: []string{"create grant/live/l.com/g@agency.com"},
			risks:   map[string][]Risk{"grant/live/l.com/g@agency.com": risks(RiskDrift)},
		},
		{
			name:    "declared live access the state lacks is drift without a change",
			desired: append(slices.Clone(desired), guest("live", "l.com", "new@agency.com", "viewer")),
			live: []*model.Object{
				member("live", "o@acme.com", "owner"),
				guest("live", "l.com", "g@agency.com", "viewer"),
				guest("live", "l.com", "new@agency.com", "viewer"),
			},
			drift: []string{"grant/live/l.com/new@agency.com ->viewer"},
		},
		{
			name:    "a change the configuration asks for anyway is not drift",
			desired: replace(slices.Clone(desired), nil, "grant/live/l.com/g@agency.com"),
			live:    []*model.Object{member("live", "o@acme.com", "owner"), guest("live", "l.com", "g@agency.com", "editor")},
			drift:   []string{"grant/live/l.com/g@agency.com viewer->editor"},
			changes: []string{"delete grant/live/l.com/g@agency.com"},
			risks:   map[string][]Risk{"grant/live/l.com/g@agency.com": risks(RiskRemoval)},
		},
		{
			name: "live objects of other teams, and live sites' other attributes, are ignored",
			live: []*model.Object{
				member("live", "o@acme.com", "owner"), guest("live", "l.com", "g@agency.com", "viewer"),
				member("acme", "intruder@x.com", "owner"), site("live", "l.com", "production"),
			},
		},
		{
			name: "a site's default access read live is drift without a change",
			live: []*model.Object{
				member("live", "o@acme.com", "owner"), guest("live", "l.com", "g@agency.com", "viewer"),
				with(site("live", "l.com", ""), defaultAccess("member")),
				with(site("acme", "s.com", ""), defaultAccess("admin")), // offline team: ignored
			},
			drift: []string{"site/live/l.com ->member"},
		},
		{
			name:  "a site's default access as stored is no drift",
			prior: replace(slices.Clone(prior), with(site("live", "l.com", ""), defaultAccess("member")), "site/live/l.com"),
			live: []*model.Object{
				member("live", "o@acme.com", "owner"), guest("live", "l.com", "g@agency.com", "viewer"),
				with(site("live", "l.com", ""), defaultAccess("member")),
			},
		},
		{
			name:    "a site update keeps the stored default access",
			desired: replace(slices.Clone(desired), site("live", "l.com", "staging"), "site/live/l.com"),
			prior:   replace(slices.Clone(prior), with(site("live", "l.com", ""), defaultAccess("none")), "site/live/l.com"),
			live:    []*model.Object{member("live", "o@acme.com", "owner"), guest("live", "l.com", "g@agency.com", "viewer")},
			changes: []string{"update site/live/l.com"},
			after:   map[string]string{"site/live/l.com": "none"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := desired
			if tc.desired != nil {
				d = tc.desired
			}
			pr := prior
			if tc.prior != nil {
				pr = tc.prior
			}
			p := run(t, d, pr, live(tc.live...))
			for addr, want := range tc.after {
				if c := findChange(p, addr); c == nil || c.After.DefaultAccess != want {
					t.Errorf("%s: after %+v, want default_access %q", addr, c, want)
				}
			}
			var drift []string
			for _, x := range p.Drift {
				// A site's drift is its default access.
				val := func(o *model.Object) string {
					if o.Addr.Kind == model.KindSite {
						return o.DefaultAccess
					}
					return o.Role
				}
				var b, a string
				if x.Before != nil {
					b = val(x.Before)
				}
				if x.After != nil {
					a = val(x.After)
				}
				drift = append(drift, x.Addr.String()+" "+b+"->"+a)
			}
			if !slices.Equal(drift, tc.drift) {
				t.Errorf("drift %q, want %q", drift, tc.drift)
			}
			if got := addrs(p); !slices.Equal(got, tc.changes) {
				t.Fatalf("changes %q, want %q", got, tc.changes)
			}
			for addr, want := range tc.risks {
				if c := findChange(p, addr); !sameRisks(c.Risks, want) {
					t.Errorf("%s: risks %q, want %q", addr, c.Risks, want)
				}
			}
		})
	}
}

// bigWorld is a random configuration of a few teams with groups, guests
// and members, for the determinism and purity tests.
func bigWorld(r *rand.Rand) []*model.Object {
	var objs []*model.Object
	for ti := range 3 {
		tn := fmt.Sprintf("t%d", ti)
		plat := "plausible"
		if ti == 2 {
			plat = "grouptool"
		}
		objs = append(objs, team(tn, plat))
		for s := range 5 {
			objs = append(objs, site(tn, fmt.Sprintf("s%d.com", s), []string{"", "production"}[r.Intn(2)]))
		}
		for m := range 6 {
			roles := []string{"viewer", "editor", "admin", "owner", "billing"}
			if plat == "grouptool" {
				roles = []string{"user", "owner"}
			}
			objs = append(objs, member(tn, fmt.Sprintf("m%d@acme.com", m), roles[r.Intn(len(roles))]))
		}
		for g := range 20 {
			for s := range 5 {
				if r.Intn(2) == 0 {
					roles := []string{"viewer", "editor"}
					if plat == "grouptool" {
						roles = []string{"view", "share", "admin"}
					}
					o := guest(tn, fmt.Sprintf("s%d.com", s), fmt.Sprintf("g%d@agency.com", g), roles[r.Intn(len(roles))])
					if r.Intn(4) == 0 {
						o.Expires = "2026-03-01T00:00:00Z"
					}
					objs = append(objs, o)
				}
			}
		}
		if plat == "grouptool" {
			objs = append(objs, group(tn, "g", "m0@acme.com", "m1@acme.com"), groupGrant(tn, "s1.com", "g", "admin"))
		}
	}
	return objs
}

func mutate(r *rand.Rand, objs []*model.Object) []*model.Object {
	var out []*model.Object
	for _, o := range objs {
		switch r.Intn(6) {
		case 0:
			continue
		case 1:
			o = o.Clone()
			o.Role = []string{"viewer", "admin", "share", "user"}[r.Intn(4)]
			o.Members = nil
		}
		out = append(out, o)
	}
	return out
}

func TestDeterministicAndPure(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	desired := bigWorld(r)
	prior := mutate(r, bigWorld(rand.New(rand.NewSource(2))))
	model.SortObjects(desired)
	model.SortObjects(prior)
	dSnap, pSnap := clones(desired), clones(prior)
	in := Input{Desired: desired, Prior: prior, Platforms: platforms(), Now: testNow, CreatedAt: testNow, Policy: &model.Policy{InternalDomains: []string{"acme.com"}}}
	p1 := Make(in)
	p2 := Make(in)
	e1, err := Encode(p1)
	if err != nil {
		t.Fatal(err)
	}
	e2, _ := Encode(p2)
	if !bytes.Equal(e1, e2) {
		t.Fatal("two plans of the same input differ")
	}
	if len(p1.Changes) < 50 || len(p1.FollowUps) == 0 {
		t.Fatalf("the test world is too quiet: %d changes, %d follow-ups", len(p1.Changes), len(p1.FollowUps))
	}
	// Shuffled input gives the same plan.
	sh := Input(in)
	sh.Desired, sh.Prior = slices.Clone(desired), slices.Clone(prior)
	r.Shuffle(len(sh.Desired), func(i, j int) { sh.Desired[i], sh.Desired[j] = sh.Desired[j], sh.Desired[i] })
	r.Shuffle(len(sh.Prior), func(i, j int) { sh.Prior[i], sh.Prior[j] = sh.Prior[j], sh.Prior[i] })
	if e3, _ := Encode(Make(sh)); !bytes.Equal(e1, e3) {
		t.Error("shuffled input gave another plan")
	}
	// The inputs are untouched.
	opt := cmpopts.IgnoreFields(model.Object{}, "Decl")
	if d := cmp.Diff(dSnap, desired, opt); d != "" {
		t.Errorf("Make changed the desired objects:\n%s", d)
	}
	if d := cmp.Diff(pSnap, prior, opt); d != "" {
		t.Errorf("Make changed the prior objects:\n%s", d)
	}
	// Changes are sorted; an after is a fresh object, or for a create the
	// desired object of its address; risks are in order.
	inputs := map[*model.Object]bool{}
	for _, o := range slices.Concat(desired, prior) {
		inputs[o] = true
	}
	for i, c := range p1.Changes {
		if i > 0 && p1.Changes[i-1].Addr.String() >= c.Addr.String() {
			t.Errorf("changes out of order at %s", c.Addr)
		}
		if c.After != nil && inputs[c.After] && (c.Action != Create || c.After.Addr != c.Addr || slices.Index(prior, c.After) >= 0) {
			t.Errorf("%s: the %s's after is an input object", c.Addr, c.Action)
		}
		var last = -1
		for _, r := range c.Risks {
			k := slices.Index(RiskOrder, r)
			if k <= last {
				t.Errorf("%s: risks %q out of order", c.Addr, c.Risks)
			}
			last = k
		}
	}
	for i := 1; i < len(p1.FollowUps); i++ {
		a, b := p1.FollowUps[i-1], p1.FollowUps[i]
		if a.Site.String() > b.Site.String() || (a.Site == b.Site && a.Task >= b.Task) {
			t.Errorf("follow-ups out of order: %v, %v", a, b)
		}
	}
}

func TestDuplicateInputKeepsFirst(t *testing.T) {
	desired := []*model.Object{member("acme", "a@x.com", "viewer"), member("acme", "a@x.com", "admin")}
	p := Make(Input{Desired: desired, Platforms: platforms(), Now: testNow})
	if len(p.Changes) != 1 || p.Changes[0].After.Role != "viewer" {
		t.Fatalf("got %+v", p.Changes)
	}
}

func TestSummaryOfMadePlan(t *testing.T) {
	p := run(t, replace(base(), member("acme", "carol@acme.com", "editor"), "member/acme/bob@acme.com"), replace(base(), guest("acme", "b.com", "jane@agency.com", "editor")))
	add, change, remove := p.Summary()
	if add != 1 || change != 1 || remove != 1 {
		t.Errorf("summary %d/%d/%d", add, change, remove)
	}
	if !strings.Contains(fmt.Sprint(addrs(p)), "carol") {
		t.Error("carol missing")
	}
}

// TestAfterOfCreatePointsAtDesired: a create whose status is set points
// at the desired object instead of copying it; one without a status gets
// a copy with status active; an update's after is a copy that shares
// nothing with the input.
func TestAfterOfCreatePointsAtDesired(t *testing.T) {
	tr := true
	g := group("gt", "g", "a@acme.com")
	tm := with(team("gt", "grouptool"), func(o *model.Object) { o.Require2FA = &tr })
	m := with(member("gt", "b@acme.com", "viewer"), func(o *model.Object) { o.Status = "" })
	p := Make(Input{Desired: []*model.Object{g, m, tm}, Platforms: platforms(), Now: testNow})
	if len(p.Changes) != 3 {
		t.Fatalf("changes %q", addrs(p))
	}
	if p.Changes[0].After != g || p.Changes[2].After != tm {
		t.Error("a create copied the desired object")
	}
	if a := p.Changes[1].After; a == m || a.Status != model.StatusActive || m.Status != "" {
		t.Errorf("a create without status: after %+v, desired status %q", a, m.Status)
	}

	prior := []*model.Object{group("gt", "g", "b@acme.com"), with(team("gt", "grouptool"), func(o *model.Object) { o.Require2FA = new(bool) })}
	desired := []*model.Object{group("gt", "g", "a@acme.com"), tm}
	p = Make(Input{Desired: desired, Prior: prior, Platforms: platforms(), Now: testNow})
	if len(p.Changes) != 2 || p.Changes[0].Action != Update || p.Changes[1].Action != Update {
		t.Fatalf("changes %+v", p.Changes)
	}
	p.Changes[0].After.Members[0] = "changed@acme.com"
	*p.Changes[1].After.Require2FA = false
	if desired[0].Members[0] != "a@acme.com" || !*desired[1].Require2FA {
		t.Error("changing an update's after changed the input")
	}
}

func TestInvitations(t *testing.T) {
	liveWorld := []*model.Object{
		team("live", "plausible"), site("live", "l.com", ""),
		member("live", "o@acme.com", "owner"),
	}
	invited := with(guest("live", "l.com", "g@agency.com", "viewer"), status(model.StatusInvited))
	prior := append(slices.Clone(liveWorld), invited)
	live := func(objs ...*model.Object) func(*Input) {
		return func(in *Input) {
			in.LiveTeams = map[string]bool{"live": true}
			in.Live = clones(objs)
		}
	}
	owner := member("live", "o@acme.com", "owner")

	t.Run("an invitation still pending satisfies the declaration", func(t *testing.T) {
		p := run(t, append(slices.Clone(liveWorld), guest("live", "l.com", "g@agency.com", "viewer")), prior, live(owner, invited))
		if len(p.Changes) != 0 || len(p.Drift) != 0 {
			t.Fatalf("changes %q drift %d", addrs(p), len(p.Drift))
		}
	})
	t.Run("an invitation gone from the platform is planned again, without drift", func(t *testing.T) {
		p := run(t, append(slices.Clone(liveWorld), guest("live", "l.com", "g@agency.com", "viewer")), prior, live(owner))
		c := findChange(p, "grant/live/l.com/g@agency.com")
		if c == nil || c.Action != Create || c.Before != nil || c.Why != WhyInvitationExpired {
			t.Fatalf("got %+v", c)
		}
		if len(p.Drift) != 0 || c.HasRisk(RiskDrift) {
			t.Errorf("a lapsed invitation is not drift: %+v %q", p.Drift, c.Risks)
		}
	})
	t.Run("a lapsed invitation no longer declared needs nothing", func(t *testing.T) {
		p := run(t, slices.Clone(liveWorld), prior, live(owner))
		if len(p.Changes) != 0 || len(p.Drift) != 0 {
			t.Fatalf("changes %q drift %d", addrs(p), len(p.Drift))
		}
	})
	t.Run("a change to someone still invited updates the invitation", func(t *testing.T) {
		p := run(t, append(slices.Clone(liveWorld), guest("live", "l.com", "g@agency.com", "editor")), prior, live(owner, invited))
		c := findChange(p, "grant/live/l.com/g@agency.com")
		if c == nil || c.Action != Update || c.Why != WhyInvitationUpdated || c.After.Status != model.StatusInvited {
			t.Fatalf("got %+v", c)
		}
	})
	t.Run("removing someone only invited deletes the invitation", func(t *testing.T) {
		p := run(t, slices.Clone(liveWorld), prior, live(owner, invited))
		c := findChange(p, "grant/live/l.com/g@agency.com")
		if c == nil || c.Action != Delete || c.Before.Status != model.StatusInvited {
			t.Fatalf("got %+v", c)
		}
	})
}

func TestManualStepsAreNotPlannedAgain(t *testing.T) {
	world := []*model.Object{team("acme", "plausible"), site("acme", "s.com", "")}
	waiting := with(member("acme", "a@acme.com", "viewer"), status(model.StatusManual))
	waiting.PendingAction = "update"
	waiting.Pending = member("acme", "a@acme.com", "admin")
	prior := append(slices.Clone(world), waiting)

	p := run(t, append(slices.Clone(world), member("acme", "a@acme.com", "admin")), prior)
	if len(p.Changes) != 0 || len(p.Manual) != 1 || p.Manual[0].Addr.String() != "member/acme/a@acme.com" || p.Manual[0].Change != "update" {
		t.Fatalf("changes %q manual %+v", addrs(p), p.Manual)
	}
	// Asked for something else now: planned against what really exists.
	p = run(t, append(slices.Clone(world), member("acme", "a@acme.com", "editor")), prior)
	c := findChange(p, "member/acme/a@acme.com")
	if c == nil || c.Action != Update || c.Before.Role != "viewer" || c.After.Role != "editor" || len(p.Manual) != 0 {
		t.Fatalf("got %+v manual %+v", c, p.Manual)
	}
	// A pending removal of what is no longer declared stays open.
	gone := with(member("acme", "b@acme.com", "viewer"), status(model.StatusManual))
	gone.PendingAction = "delete"
	p = run(t, slices.Clone(world), append(slices.Clone(world), gone))
	if len(p.Changes) != 0 || len(p.Manual) != 1 || p.Manual[0].Change != "delete" {
		t.Fatalf("changes %q manual %+v", addrs(p), p.Manual)
	}
}

// TestKeep: addresses the planner is told to keep (an undeclared
// credential owner's access) are neither drift nor changed, even expired
// and undeclared.
func TestKeep(t *testing.T) {
	owner := with(member("live", "o@acme.com", "owner"), func(o *model.Object) { o.Expires = "2020-01-01T00:00:00Z" })
	g := guest("live", "l.com", "o@acme.com", "viewer")
	prior := append(base(), team("live", "plausible"), site("live", "l.com", ""), owner, g)
	desired := append(base(), team("live", "plausible"), site("live", "l.com", ""))
	p := run(t, desired, prior, func(in *Input) {
		in.LiveTeams = map[string]bool{"live": true}
		in.Live = clones([]*model.Object{owner}) // the grant is gone live: kept anyway
		in.Keep = map[string]bool{owner.Addr.String(): true, g.Addr.String(): true}
	})
	if len(p.Changes) != 0 || len(p.Drift) != 0 {
		t.Errorf("changes %q, drift %+v; want none", addrs(p), p.Drift)
	}
}

// TestDriftVia: a member's drift on a platform whose team role is an
// account binding (GA4) says it is held via the account; a grant's drift
// and other platforms' members say nothing of the kind.
func TestDriftVia(t *testing.T) {
	ga := mkPlatform("ga4", false, []roleDef{{"viewer", []model.Capability{vr}}, {"admin", []model.Capability{vr, mm}}},
		[]roleDef{{"viewer", []model.Capability{vr}}})
	world := []*model.Object{
		team("g", "ga4"), site("g", "web", ""), member("g", "ann@acme.com", "viewer"),
		team("live", "plausible"), site("live", "l.com", ""), member("live", "o@acme.com", "owner"),
	}
	p := run(t, clones(world), clones(world), func(in *Input) {
		in.Platforms["ga4"] = ga
		in.LiveTeams = map[string]bool{"g": true, "live": true}
		in.Live = []*model.Object{
			member("g", "ann@acme.com", "admin"), guest("g", "web", "hand@agency.com", "viewer"),
			member("live", "o@acme.com", "admin"),
		}
	})
	got := map[string]model.Via{}
	for _, d := range p.Drift {
		got[d.Addr.String()] = d.Via
	}
	want := map[string]model.Via{
		"member/g/ann@acme.com":       model.ViaAccount,
		"grant/g/web/hand@agency.com": "",
		"member/live/o@acme.com":      "",
	}
	if len(got) != len(want) {
		t.Fatalf("drift %v", got)
	}
	for a, v := range want {
		if g, ok := got[a]; !ok || g != v {
			t.Errorf("%s: via %q (drift: %v), want %q", a, g, ok, v)
		}
	}
}
