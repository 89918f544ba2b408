package matomo

import (
	"slices"
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// liveState is a small instance: root (superuser), ann (write and
// publish on Blog, admin on Shop), pen (pending on Shop), old (expired on
// Shop), vic (no access on the declared sites).
func liveState() *state {
	st := newState()
	for _, u := range []*liveUser{
		{login: "root", email: "root@acme.com", superuser: true},
		{login: "ann", email: "ann@acme.com"},
		{login: "pen@x.io", email: "pen@x.io", pending: true},
		{login: "old@x.io", email: "old@x.io", pending: true, expired: true},
		{login: "vic", email: "vic@acme.com"},
	} {
		st.addUser(u)
	}
	st.set("1", "ann", grant{role: "admin"})
	st.set("2", "ann", grant{role: "write", caps: []string{"tagmanager_publish_live_container"}})
	st.set("1", "pen@x.io", grant{role: "view"})
	st.set("1", "old@x.io", grant{role: "view"})
	return st
}

func memberObj(email, role string) *model.Object {
	return &model.Object{Addr: model.MemberAddress("m", email), Role: role}
}

// TestDecide tables changes against the requests that make them, without
// HTTP: each row decides its changes in order on one live state, applying
// each decision's effects as Apply does once Matomo confirms them.
func TestDecide(t *testing.T) {
	g := grantObj
	type want struct {
		reqs    []string
		outcome driver.Outcome
		err     string
	}
	cases := []struct {
		name    string
		guests  []string
		changes []plan.Change
		want    []want
	}{
		{
			name:    "role change re-sends the capabilities in the same call",
			changes: []plan.Change{change(plan.Update, g("Blog", "ann@acme.com", "view").Addr, g("Blog", "ann@acme.com", "write", "tagmanager_publish_live_container"), g("Blog", "ann@acme.com", "view", "tagmanager_write", "tagmanager_publish_live_container"))},
			want: []want{{reqs: []string{"UsersManager.setUserAccess access%5B%5D=view&access%5B%5D=tagmanager_publish_live_container&access%5B%5D=tagmanager_write&idSites=2&userLogin=ann"},
				outcome: driver.Applied}},
		},
		{
			name:   "a new guest is invited on the grant's site with an expiry; a second grant is one setUserAccess",
			guests: []string{"new@x.io"},
			changes: []plan.Change{
				change(plan.Create, g("Shop", "new@x.io", "write").Addr, nil, g("Shop", "new@x.io", "write")),
				change(plan.Create, g("Blog", "new@x.io", "view").Addr, nil, g("Blog", "new@x.io", "view")),
			},
			want: []want{
				{reqs: []string{
					"UsersManager.inviteUser email=new%40x.io&expiryInDays=7&initialIdSite=1&userLogin=new%40x.io",
					"UsersManager.setUserAccess access%5B%5D=write&idSites=1&userLogin=new%40x.io",
				}, outcome: driver.Invited},
				{reqs: []string{"UsersManager.setUserAccess access%5B%5D=view&idSites=2&userLogin=new%40x.io"}, outcome: driver.Invited},
			},
		},
		{
			name:   "a view grant rides on the invitation alone",
			guests: []string{"new@x.io"},
			changes: []plan.Change{
				change(plan.Create, g("Blog", "new@x.io", "view").Addr, nil, g("Blog", "new@x.io", "view")),
			},
			want: []want{{reqs: []string{"UsersManager.inviteUser email=new%40x.io&expiryInDays=7&initialIdSite=2&userLogin=new%40x.io"}, outcome: driver.Invited}},
		},
		{
			name: "a member with no grant is invited on the first declared site, whose view is taken back",
			changes: []plan.Change{
				change(plan.Create, memberObj("bob@acme.com", "user").Addr, nil, memberObj("bob@acme.com", "user")),
			},
			want: []want{{reqs: []string{
				"UsersManager.inviteUser email=bob%40acme.com&expiryInDays=7&initialIdSite=2&userLogin=bob%40acme.com",
				"UsersManager.setUserAccess access=noaccess&idSites=2&userLogin=bob%40acme.com",
			}, outcome: driver.Invited}},
		},
		{
			name:   "an expired invitation is resent once, not a new user",
			guests: []string{"old@x.io"},
			changes: []plan.Change{
				change(plan.Create, g("Shop", "old@x.io", "view").Addr, nil, g("Shop", "old@x.io", "view")),
				change(plan.Create, g("Blog", "old@x.io", "admin").Addr, nil, g("Blog", "old@x.io", "admin")),
			},
			want: []want{
				{reqs: []string{"UsersManager.resendInvite expiryInDays=7&userLogin=old%40x.io"}, outcome: driver.Invited},
				{reqs: []string{"UsersManager.setUserAccess access%5B%5D=admin&idSites=2&userLogin=old%40x.io"}, outcome: driver.Invited},
			},
		},
		{
			name:   "the last grant's removal leaves the user, with no access",
			guests: []string{"ann@acme.com"},
			changes: []plan.Change{
				change(plan.Delete, g("Shop", "ann@acme.com", "admin").Addr, g("Shop", "ann@acme.com", "admin"), nil),
				change(plan.Delete, g("Blog", "ann@acme.com", "write").Addr, g("Blog", "ann@acme.com", "write"), nil),
			},
			want: []want{
				{reqs: []string{"UsersManager.setUserAccess access=noaccess&idSites=1&userLogin=ann"}, outcome: driver.Applied},
				{reqs: []string{"UsersManager.setUserAccess access=noaccess&idSites=2&userLogin=ann"}, outcome: driver.Applied},
			},
		},
		{
			name:   "a guest's account goes with their last grant (sync.md); it stays while a grant is left",
			guests: []string{"ann@acme.com"},
			changes: []plan.Change{
				change(plan.Delete, memberObj("ann@acme.com", "user").Addr, memberObj("ann@acme.com", "user"), nil),
				change(plan.Delete, g("Shop", "ann@acme.com", "admin").Addr, g("Shop", "ann@acme.com", "admin"), nil),
				change(plan.Delete, g("Blog", "ann@acme.com", "write").Addr, g("Blog", "ann@acme.com", "write"), nil),
			},
			want: []want{
				{reqs: []string{"UsersManager.getSitesAccessFromUser userLogin=ann (guard)", "UsersManager.deleteUser userLogin=ann"}, outcome: driver.Applied},
				{outcome: driver.Applied},
				{outcome: driver.Applied},
			},
		},
		{
			name:   "a guest who keeps a grant keeps their account",
			guests: []string{"ann@acme.com"},
			changes: []plan.Change{
				change(plan.Delete, memberObj("ann@acme.com", "user").Addr, memberObj("ann@acme.com", "user"), nil),
				change(plan.Delete, g("Shop", "ann@acme.com", "admin").Addr, g("Shop", "ann@acme.com", "admin"), nil),
			},
			want: []want{
				{outcome: driver.Applied},
				{reqs: []string{"UsersManager.setUserAccess access=noaccess&idSites=1&userLogin=ann"}, outcome: driver.Applied},
			},
		},
		{
			name:    "deleting a user is its own change, guarded by a read of their access everywhere",
			changes: []plan.Change{change(plan.Delete, memberObj("vic@acme.com", "user").Addr, memberObj("vic@acme.com", "user"), nil)},
			want: []want{{reqs: []string{"UsersManager.getSitesAccessFromUser userLogin=vic (guard)", "UsersManager.deleteUser userLogin=vic"},
				outcome: driver.Applied}},
		},
		{
			name:    "the token's owner is never deleted",
			changes: []plan.Change{change(plan.Delete, memberObj("root@acme.com", "superuser").Addr, memberObj("root@acme.com", "superuser"), nil)},
			want:    []want{{err: "roster never deletes it"}},
		},
		{
			name:    "a superuser's grant is moot",
			changes: []plan.Change{change(plan.Create, g("Shop", "root@acme.com", "view").Addr, nil, g("Shop", "root@acme.com", "view"))},
			want:    []want{{outcome: driver.Applied}},
		},
		{
			name:    "a grant already as wanted sends nothing",
			changes: []plan.Change{change(plan.Update, g("Shop", "ann@acme.com", "admin").Addr, g("Shop", "ann@acme.com", "view"), g("Shop", "ann@acme.com", "admin"))},
			want:    []want{{outcome: driver.Applied}},
		},
		{
			name:    "an undeclared site is never sent",
			changes: []plan.Change{change(plan.Create, g("Old", "ann@acme.com", "view").Addr, nil, g("Old", "ann@acme.com", "view"))},
			want:    []want{{err: `site "Old" is not a declared site`}},
		},
		{
			name:    "a role Matomo does not have",
			changes: []plan.Change{change(plan.Update, g("Shop", "ann@acme.com", "owner").Addr, g("Shop", "ann@acme.com", "admin"), g("Shop", "ann@acme.com", "owner"))},
			want:    []want{{err: "not a Matomo site role"}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			guests := map[string]bool{}
			for _, e := range c.guests {
				guests[e] = true
			}
			team := &driver.Team{Name: "m", Conn: model.Connection{AccountID: "root"}, Guests: guests,
				Sites: []*model.Object{site("Shop", ""), site("Blog", "2")}}
			st, r := liveState(), newRun(c.changes)
			dec := decider{team: team, siteIDs: map[string]string{"Shop": "1", "Blog": "2"}, st: st, run: r}
			for i := range c.changes {
				dc, err := dec.decide(&c.changes[i])
				w := c.want[i]
				if w.err != "" {
					if err == nil || !strings.Contains(err.Error(), w.err) {
						t.Errorf("change %d: error %v, want %q", i, err, w.err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("change %d: %v", i, err)
				}
				var got []string
				for _, req := range dc.requests() {
					s := req.String()
					if req.guard {
						s += " (guard)"
					}
					got = append(got, s)
				}
				if !slices.Equal(got, w.reqs) || dc.outcome != w.outcome {
					t.Errorf("change %d: %s\n%q\nwant %s\n%q", i, dc.outcome, got, w.outcome, w.reqs)
				}
				for _, s := range dc.steps {
					if s.effect != nil {
						s.effect(st, r)
					}
				}
			}
		})
	}
}

// requests are the decision's requests, in order.
func (dc decision) requests() []request {
	out := make([]request, len(dc.steps))
	for i, s := range dc.steps {
		out[i] = s.req
	}
	return out
}
