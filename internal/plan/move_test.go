package plan

import (
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"

	"github.com/roster-dev/roster/internal/model"
)

func withMoves(t testing.TB, pairs ...string) func(*Input) {
	return func(in *Input) {
		for i := 0; i+1 < len(pairs); i += 2 {
			in.Moves = append(in.Moves, model.Move{From: mustAddr(t, pairs[i]), To: mustAddr(t, pairs[i+1])})
		}
	}
}

func moveSummary(p *Plan) (int, int, int, int) {
	a, c, r := p.Summary()
	return a, c, r, p.Moves()
}

// TestMoveMember: an email change plans one move carrying the person's
// grants, no removal, no creation.
func TestMoveMember(t *testing.T) {
	prior := []*model.Object{
		team("acme", "grouptool"), site("acme", "app", "production"), site("acme", "web", ""),
		member("acme", "lena@old.com", "user"),
		guest("acme", "app", "lena@old.com", "view"),
	}
	prior[4].HolderKind = model.HolderMember
	desired := []*model.Object{
		team("acme", "grouptool"), site("acme", "app", "production"), site("acme", "web", ""),
		member("acme", "lena@new.com", "user"),
		with(prior[4], func(o *model.Object) { o.Addr = model.PersonGrantAddress("acme", "app", "lena@new.com") }),
	}
	p := run(t, desired, prior, withMoves(t, "member/acme/lena@old.com", "member/acme/lena@new.com"))
	if got := addrs(p); !slices.Equal(got, []string{"move member/acme/lena@new.com"}) {
		t.Fatalf("changes %v, want one move", got)
	}
	c := p.Changes[0]
	if c.From().String() != "member/acme/lena@old.com" || c.Before.Addr != c.From() || c.After.Addr != c.Addr {
		t.Errorf("move from %s, before %s, after %s", c.From(), c.Before.Addr, c.After.Addr)
	}
	if len(c.Carried()) != 1 || c.Carried()[0].Addr.String() != "grant/acme/app/lena@old.com" {
		t.Errorf("carried %v, want the grant at its old address", c.Carried())
	}
	if len(c.Risks) != 0 {
		t.Errorf("a plain move carries risks %v", c.Risks)
	}
	if a, ch, r, m := moveSummary(p); a != 0 || ch != 0 || r != 0 || m != 1 {
		t.Errorf("summary %d %d %d %d", a, ch, r, m)
	}
	if c.StateOnly() || !c.IsPersonMove() {
		t.Error("a person's move is neither state-only nor not a person's move")
	}
	if len(p.FollowUps) != 0 {
		t.Errorf("a move raised follow-ups %v", p.FollowUps)
	}
}

// TestMoveWithAttributeChange: the role change goes beside the move, with
// the risks of that change only.
func TestMoveWithAttributeChange(t *testing.T) {
	prior := []*model.Object{team("acme", "grouptool"), member("acme", "lena@old.com", "user")}
	desired := []*model.Object{team("acme", "grouptool"), member("acme", "lena@new.com", "owner")}
	p := run(t, desired, prior, withMoves(t, "member/acme/lena@old.com", "member/acme/lena@new.com"))
	if got := addrs(p); !slices.Equal(got, []string{"move member/acme/lena@new.com"}) {
		t.Fatalf("changes %v", got)
	}
	c := p.Changes[0]
	if c.Before.Role != "user" || c.After.Role != "owner" {
		t.Errorf("roles %s -> %s", c.Before.Role, c.After.Role)
	}
	if !c.HasRisk(RiskEscalation) || !c.HasRisk(RiskOwner) || c.HasRisk(RiskRemoval) {
		t.Errorf("risks %v, want escalation and owner, no removal", c.Risks)
	}
}

// TestMoveSiteAndTeam: a site relabel carries its grants; a team relabel
// carries everything in it. Both are state-only.
func TestMoveSiteAndTeam(t *testing.T) {
	prior := []*model.Object{
		team("acme", "grouptool"), site("acme", "app", ""),
		member("acme", "a@acme.com", "user"), guest("acme", "app", "g@x.com", "view"),
		group("acme", "an", "a@acme.com"), groupGrant("acme", "app", "an", "view"),
	}
	relabel := func(f func(model.Address) model.Address) []*model.Object {
		var out []*model.Object
		for _, o := range prior {
			out = append(out, with(o, func(c *model.Object) { c.Addr = f(c.Addr) }))
		}
		return out
	}
	siteTo := model.SiteAddress("acme", "shop")
	p := run(t, relabel(func(a model.Address) model.Address {
		n, _ := model.Rekey(a, model.SiteAddress("acme", "app"), siteTo)
		return n
	}), prior, withMoves(t, "site/acme/app", "site/acme/shop"))
	if got := addrs(p); !slices.Equal(got, []string{"move site/acme/shop"}) {
		t.Fatalf("site relabel: %v", got)
	}
	if c := p.Changes[0]; len(c.Carried()) != 2 || !c.StateOnly() {
		t.Errorf("site move carries %d objects (want 2 grants), state-only %v", len(c.Carried()), c.StateOnly())
	}
	p = run(t, relabel(func(a model.Address) model.Address { a.Team = "beta"; return a }), prior, withMoves(t, "team/acme", "team/beta"))
	if got := addrs(p); !slices.Equal(got, []string{"move team/beta"}) {
		t.Fatalf("team relabel: %v", got)
	}
	if c := p.Changes[0]; len(c.Carried()) != len(prior)-1 || !c.StateOnly() {
		t.Errorf("team move carries %d objects, want %d", len(c.Carried()), len(prior)-1)
	}
}

// TestMoveIgnored: a move whose from is not stored, or whose target is
// already stored, plans as without it.
func TestMoveIgnored(t *testing.T) {
	prior := []*model.Object{team("acme", "grouptool"), member("acme", "b@acme.com", "user")}
	desired := []*model.Object{team("acme", "grouptool"), member("acme", "b@acme.com", "user")}
	p := run(t, desired, prior, withMoves(t, "member/acme/a@acme.com", "member/acme/b@acme.com"))
	if !p.Empty() {
		t.Errorf("an applied move planned %v", addrs(p))
	}
	prior = append(prior, member("acme", "a@acme.com", "user"))
	p = run(t, desired, prior, withMoves(t, "member/acme/a@acme.com", "member/acme/b@acme.com"))
	if got := addrs(p); !slices.Equal(got, []string{"delete member/acme/a@acme.com"}) {
		t.Errorf("a move onto a stored object planned %v", got)
	}
}

// TestMoveGuest: a guest's new email moves each of their grants.
func TestMoveGuest(t *testing.T) {
	prior := []*model.Object{team("acme", "grouptool"), site("acme", "app", ""), guest("acme", "app", "g@old.com", "view")}
	desired := []*model.Object{team("acme", "grouptool"), site("acme", "app", ""), guest("acme", "app", "g@new.com", "view")}
	p := run(t, desired, prior, func(in *Input) {
		in.Moves = []model.Move{{From: model.MemberAddress("acme", "g@old.com"), To: model.MemberAddress("acme", "g@new.com"), Guest: true}}
	})
	if got := addrs(p); !slices.Equal(got, []string{"move grant/acme/app/g@new.com"}) {
		t.Fatalf("guest move: %v", got)
	}
	if c := p.Changes[0]; c.From().String() != "grant/acme/app/g@old.com" || !c.IsPersonMove() {
		t.Errorf("from %s", c.From())
	}
}

// movePlan is a made plan with a person's move carrying a grant.
func movePlan(t testing.TB) *Plan {
	prior := []*model.Object{team("acme", "grouptool"), site("acme", "app", ""), member("acme", "lena@old.com", "user"), guest("acme", "app", "lena@old.com", "view")}
	prior[3].HolderKind = model.HolderMember
	desired := []*model.Object{team("acme", "grouptool"), site("acme", "app", ""), member("acme", "lena@new.com", "owner"),
		with(prior[3], func(o *model.Object) { o.Addr = model.PersonGrantAddress("acme", "app", "lena@new.com") })}
	return run(t, desired, prior, withMoves(t, "member/acme/lena@old.com", "member/acme/lena@new.com"))
}

// TestMoveRoundTrip: a saved plan keeps a move's from and carried objects.
func TestMoveRoundTrip(t *testing.T) {
	p := movePlan(t)
	data, err := Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(p.Changes, back.Changes, planCmp...); d != "" {
		t.Errorf("move came back changed (-want +got):\n%s", d)
	}
	// A move whose carried object is not under its from is refused.
	bad := reseal(t, data, func(s string) string {
		return strings.Replace(s, `"grant/acme/app/lena@old.com"`, `"grant/acme/app/other@old.com"`, 1)
	})
	if _, err := Decode(bad); err == nil || !strings.Contains(err.Error(), "not under") {
		t.Errorf("decoding a stray carried object: %v", err)
	}
	// A carried object is never null.
	bad = reseal(t, data, func(s string) string { return strings.Replace(s, `"carried":[`, `"carried":[null,`, 1) })
	if _, err := Decode(bad); err == nil || !strings.Contains(err.Error(), "change 1 (member/acme/lena@new.com): a carried object is null") {
		t.Errorf("decoding a null carried object: %v", err)
	}
	// A move that carries objects names where from.
	bad = reseal(t, data, func(s string) string { return strings.Replace(s, `"from":"member/acme/lena@old.com",`, ``, 1) })
	if _, err := Decode(bad); err == nil || !strings.Contains(err.Error(), "change 1 (member/acme/lena@new.com): a move needs a from") {
		t.Errorf("decoding a move without its from: %v", err)
	}
	// A from that is no address is named as the change's.
	bad = reseal(t, data, func(s string) string {
		return strings.Replace(s, `"from":"member/acme/lena@old.com"`, `"from":"member/acme/lena"`, 1)
	})
	if _, err := Decode(bad); err == nil || !strings.Contains(err.Error(), `change 1: invalid address "member/acme/lena"`) {
		t.Errorf("decoding a move from no address: %v", err)
	}
	// Only a move has a from.
	bad = reseal(t, data, func(s string) string { return strings.Replace(s, `"action":"move"`, `"action":"update"`, 1) })
	if _, err := Decode(bad); err == nil {
		t.Error("an update with a from decoded")
	}
}

// TestMoveSiteAndPersonTogether: a site relabel and a guest's new email in
// one plan: the guest's grant moves once, from where it is stored to where
// both moves take it, and the site carries nothing twice.
func TestMoveSiteAndPersonTogether(t *testing.T) {
	prior := []*model.Object{team("acme", "grouptool"), site("acme", "app", ""), guest("acme", "app", "g@old.com", "view"), guest("acme", "app", "h@x.com", "view")}
	desired := []*model.Object{team("acme", "grouptool"), site("acme", "shop", ""), guest("acme", "shop", "g@new.com", "view"), guest("acme", "shop", "h@x.com", "view")}
	p := run(t, desired, prior, func(in *Input) {
		in.Moves = []model.Move{
			{From: model.SiteAddress("acme", "app"), To: model.SiteAddress("acme", "shop")},
			{From: model.MemberAddress("acme", "g@old.com"), To: model.MemberAddress("acme", "g@new.com"), Guest: true},
		}
	})
	if got := addrs(p); !slices.Equal(got, []string{"move grant/acme/shop/g@new.com", "move site/acme/shop"}) {
		t.Fatalf("changes %v", got)
	}
	if c := p.Changes[0]; c.From().String() != "grant/acme/app/g@old.com" {
		t.Errorf("the guest's grant moves from %s, want where it is stored", c.From())
	}
	if c := p.Changes[1]; len(c.Carried()) != 1 || c.Carried()[0].Addr.String() != "grant/acme/app/h@x.com" {
		t.Errorf("the site carries %v, want only h@x.com's grant", c.Carried())
	}
}

// TestMoveConnectedTeam: a connected team's relabel, refreshed under the
// new name: the live access stands, and the plan is one move carrying the
// stored objects, never removals and creations.
func TestMoveConnectedTeam(t *testing.T) {
	prior := []*model.Object{team("acme", "grouptool"), site("acme", "app", ""), member("acme", "a@x.com", "user"), guest("acme", "app", "g@y.com", "view")}
	relabel := func(objs []*model.Object) []*model.Object {
		var out []*model.Object
		for _, o := range objs {
			out = append(out, with(o, func(c *model.Object) { c.Addr.Team = "beta" }))
		}
		return out
	}
	desired := relabel(prior)
	live := relabel(prior[2:])
	for _, o := range live {
		o.Status = model.StatusActive
	}
	p := run(t, desired, prior, withMoves(t, "team/acme", "team/beta"), func(in *Input) {
		in.Live, in.LiveTeams = live, map[string]bool{"beta": true}
	})
	if got := addrs(p); !slices.Equal(got, []string{"move team/beta"}) {
		t.Fatalf("changes %v, want one move", got)
	}
	if c := p.Changes[0]; len(c.Carried()) != 3 || !c.StateOnly() {
		t.Errorf("carried %d objects (want the 3 stored under acme), state-only %v", len(c.Carried()), c.StateOnly())
	}
	if len(p.Drift) != 0 {
		t.Errorf("drift %v", p.Drift)
	}
}

// TestMoveTeamAndPerson: a team relabel and a person's new email in one
// plan combine: one move each, the person's move taking them (and their
// grant) from where they are stored to the new team and the new email,
// and the team's move carrying nothing of theirs.
func TestMoveTeamAndPerson(t *testing.T) {
	prior := []*model.Object{team("acme", "grouptool"), site("acme", "app", ""), member("acme", "lena@old.com", "user"), guest("acme", "app", "lena@old.com", "view")}
	prior[3].HolderKind = model.HolderMember
	desired := []*model.Object{team("beta", "grouptool"), site("beta", "app", ""), member("beta", "lena@new.com", "user"),
		with(prior[3], func(o *model.Object) { o.Addr = model.PersonGrantAddress("beta", "app", "lena@new.com") })}
	p := run(t, desired, prior, withMoves(t, "team/acme", "team/beta", "member/acme/lena@old.com", "member/beta/lena@new.com"))
	if got := addrs(p); !slices.Equal(got, []string{"move member/beta/lena@new.com", "move team/beta"}) {
		t.Fatalf("changes %v, want two moves", got)
	}
	person, tm := p.Changes[0], p.Changes[1]
	if person.From().String() != "member/acme/lena@old.com" || person.Before.Addr != person.From() {
		t.Errorf("the person moves from %s, want where they are stored", person.From())
	}
	if len(person.Carried()) != 1 || person.Carried()[0].Addr != prior[3].Addr {
		t.Fatalf("the person carries %v, want their grant as stored", person.Carried())
	}
	if na, _ := model.Rekey(person.Carried()[0].Addr, person.From(), person.Addr); na.String() != "grant/beta/app/lena@new.com" {
		t.Errorf("the grant lands at %s", na)
	}
	var carried []string
	for _, o := range tm.Carried() {
		carried = append(carried, o.Addr.String())
	}
	if !slices.Equal(carried, []string{"site/acme/app"}) {
		t.Errorf("the team carries %v, want its site only", carried)
	}
}

// TestMovePendingOffline: an offline person's move waiting for its manual
// step is the same object as the declared new address, even without the
// moved block: no change is planned, the step is open.
func TestMovePendingOffline(t *testing.T) {
	old := member("acme", "lena@old.com", "user")
	old.Status, old.PendingAction = model.StatusManual, string(Move)
	old.Pending = member("acme", "lena@new.com", "user")
	gr := guest("acme", "app", "lena@old.com", "view")
	gr.HolderKind = model.HolderMember
	prior := []*model.Object{team("acme", "grouptool"), site("acme", "app", ""), old, gr}
	desired := []*model.Object{team("acme", "grouptool"), site("acme", "app", ""), member("acme", "lena@new.com", "user"),
		with(gr, func(o *model.Object) { o.Addr = model.PersonGrantAddress("acme", "app", "lena@new.com") })}
	for _, moves := range [][]string{nil, {"member/acme/lena@old.com", "member/acme/lena@new.com"}} {
		p := run(t, desired, prior, withMoves(t, moves...))
		if len(p.Changes) != 0 {
			t.Errorf("moves %v: changes %v, want none while the step waits", moves, addrs(p))
		}
		if len(p.Manual) != 1 || p.Manual[0].Change != string(Move) {
			t.Errorf("moves %v: manual %v, want the open move", moves, p.Manual)
		}
	}
}

// TestMoveConnectedSite: a connected team's site relabel, its grant read
// live under the new label and kept from the state under the old one (the
// refresh reads no undeclared site): one move carrying the stored grant,
// no drift, never a removal and a creation.
func TestMoveConnectedSite(t *testing.T) {
	prior := []*model.Object{team("acme", "grouptool"), site("acme", "app", ""), guest("acme", "app", "g@y.com", "view")}
	desired := []*model.Object{team("acme", "grouptool"), site("acme", "shop", ""), guest("acme", "shop", "g@y.com", "view")}
	liveGrant := with(desired[2], func(o *model.Object) { o.Status = model.StatusActive })
	p := run(t, desired, prior, withMoves(t, "site/acme/app", "site/acme/shop"), func(in *Input) {
		in.Live, in.LiveTeams = []*model.Object{liveGrant, findObj(in.Prior, "grant/acme/app/g@y.com")}, map[string]bool{"acme": true}
	})
	if got := addrs(p); !slices.Equal(got, []string{"move site/acme/shop"}) {
		t.Fatalf("changes %v, want one move", got)
	}
	if c := p.Changes[0]; len(c.Carried()) != 1 || !c.StateOnly() {
		t.Errorf("carried %d objects (want the stored grant), state-only %v", len(c.Carried()), c.StateOnly())
	}
	if len(p.Drift) != 0 {
		t.Errorf("drift %v", p.Drift)
	}
}

func findObj(objs []*model.Object, addr string) *model.Object {
	for _, o := range objs {
		if o.Addr.String() == addr {
			return o
		}
	}
	panic("no " + addr)
}

// TestChangeSize: what only a move has stays behind a pointer, so a plan
// of 100,000 creates holds 100,000 changes of under 200 bytes (make
// bench's peak RSS at 100,000 grants counts on it).
func TestChangeSize(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("sizes are those of 64-bit platforms")
	}
	if n := unsafe.Sizeof(Change{}); n > 192 {
		t.Errorf("a Change takes %d bytes, over 192", n)
	}
}
