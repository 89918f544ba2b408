package apply

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/posthog"
	"github.com/roster-dev/roster/internal/evidence"
	fake "github.com/roster-dev/roster/internal/fake/posthog"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/state"
)

// interruptAfter is a driver that passes every change to d, and cancels
// the apply (a Ctrl-C) as soon as the change at addr has been made; the
// change at refuse, when set, it refuses without a request.
type interruptAfter struct {
	driver.Driver
	addr   model.Address
	cancel context.CancelFunc
	refuse model.Address
}

func (d *interruptAfter) Apply(ctx context.Context, c *plan.Change) (driver.Result, error) {
	if c.Addr == d.refuse {
		return driver.Result{}, &driver.APIError{Address: c.Addr, Platform: "PostHog", Status: 400, Message: "nope"}
	}
	res, err := d.Driver.Apply(ctx, c)
	if c.Addr == d.addr && d.cancel != nil {
		d.cancel()
	}
	return res, err
}

// TestInterruptedAfterRider: a PostHog first project grant rides on its
// holder's invitation (schema/sync.md, Platform details). A Ctrl-C that
// comes once the invitation is answered still records the grant it made:
// the state and the evidence hold it as invited, and the report never
// counts it as not attempted.
func TestInterruptedAfterRider(t *testing.T) {
	testStopAfterRider(t, false)
}

// TestFailureAfterRider: so does a refusal of the next change, which
// stops the team before the grant's turn.
func TestFailureAfterRider(t *testing.T) {
	testStopAfterRider(t, true)
}

func testStopAfterRider(t *testing.T, refuse bool) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	const token = "phx_s3cret_token_value"
	srv := fake.New(fake.Options{Now: t0, Seed: fake.Seed{
		Keys:     map[string]string{token: "owner@acme.com"},
		Members:  []fake.SeedMember{{Email: "owner@acme.com", Level: 15}},
		Projects: []fake.SeedProject{{ID: 101, Name: "Production", DefaultAccessLevel: "none"}},
	}})
	t.Cleanup(srv.Close)
	site := &model.Object{Addr: model.SiteAddress("acme", "Production"), RemoteID: "101"}
	team := &driver.Team{Name: "acme", Conn: model.Connection{Endpoint: srv.URL, AccountID: srv.OrgID()}, Token: token,
		Sites: []*model.Object{site}, Guests: map[string]bool{}, Members: map[string]bool{"dan@acme.com": true}}
	d := posthog.New(team, driver.Options{UserAgent: "roster/test"})
	if _, err := d.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	member := &model.Object{Addr: model.MemberAddress("acme", "dan@acme.com"), Role: "member", Status: model.StatusActive}
	grant := &model.Object{Addr: model.PersonGrantAddress("acme", "Production", "dan@acme.com"), Role: "admin", HolderKind: model.HolderMember, Status: model.StatusActive}
	// eve comes between dan's membership and his grant in the apply order.
	eve := &model.Object{Addr: model.MemberAddress("acme", "eve@acme.com"), Role: "member", Status: model.StatusActive}
	p := &plan.Plan{Changes: []plan.Change{
		{Addr: grant.Addr, Action: plan.Create, After: grant},
		{Addr: member.Addr, Action: plan.Create, After: member},
	}}
	wrap := &interruptAfter{Driver: d, addr: member.Addr}
	failed := 0
	if refuse {
		p.Changes = append(p.Changes, plan.Change{Addr: eve.Addr, Action: plan.Create, After: eve})
		wrap.refuse, failed = eve.Addr, 1
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if !refuse {
		wrap.cancel = cancel
	}
	st := openStore(t)
	lv := &Live{Drivers: map[string]driver.Driver{"acme": wrap}}
	rep, err := ApplyAll(ctx, st, p, Meta{Actor: "t", Time: t0}, lv)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Invited != 2 || rep.Failed != failed || rep.NotAttempted != 0 || len(rep.Failures) != failed {
		t.Errorf("report: %d invited, %d failed, %d not attempted, failures %v; want dan's two invited, %d failed, nothing left", rep.Invited, rep.Failed, rep.NotAttempted, rep.Failures, failed)
	}
	snap, err := st.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got *model.Object
	for _, o := range snap.Objects {
		if o.Addr == grant.Addr {
			got = o
		}
	}
	if got == nil || got.Status != model.StatusInvited {
		t.Errorf("the grant the invitation made is stored as %+v, want it invited", got)
	}
	// The platform holds it: the invitation carried it.
	live, err := posthog.New(team, driver.Options{UserAgent: "roster/test"}).Refresh(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	held := false
	for _, o := range live.Objects {
		held = held || o.Addr == grant.Addr && o.Status == model.StatusInvited
	}
	if !held {
		t.Errorf("the platform does not hold the grant invited: %v", live.Objects)
	}
	if rep.Records != 2+failed {
		t.Errorf("%d evidence records, want one for the invitation, one for the grant riding on it and one per failure", rep.Records)
	}
}

// madeThenRefused is a driver that refuses the change at addr, saying its
// requests made the change at made first (as GA4 makes a promotion ahead
// of the demotion it allows), and sends nothing for any change.
type madeThenRefused struct {
	driver.Driver
	addr, made model.Address
	applied    []model.Address
}

func (*madeThenRefused) Begin([]plan.Change) {}

func (*madeThenRefused) Manual(*plan.Change) (bool, string) { return false, "" }

func (d *madeThenRefused) Apply(_ context.Context, c *plan.Change) (driver.Result, error) {
	d.applied = append(d.applied, c.Addr)
	if c.Addr == d.addr {
		return driver.Result{Made: []model.Address{d.made}}, &driver.APIError{Address: c.Addr, Platform: "GA4", Status: 400, Message: "nope"}
	}
	return driver.Result{Outcome: driver.Applied}, nil
}

// TestFailureAfterMade: a change whose attempt failed after its requests
// made a later change of the apply (driver.Result.Made) stops the team,
// and the made change is recorded as applied, in the state and the
// evidence, before the failure: the platform holds it.
func TestFailureAfterMade(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	ann := &model.Object{Addr: model.MemberAddress("acme", "ann@acme.com"), Role: "viewer", Status: model.StatusActive}
	bob := &model.Object{Addr: model.MemberAddress("acme", "bob@acme.com"), Role: "admin", Status: model.StatusActive}
	cat := &model.Object{Addr: model.MemberAddress("acme", "cat@acme.com"), Role: "viewer", Status: model.StatusActive}
	p := &plan.Plan{Changes: []plan.Change{
		{Addr: ann.Addr, Action: plan.Create, After: ann},
		{Addr: bob.Addr, Action: plan.Create, After: bob},
		{Addr: cat.Addr, Action: plan.Create, After: cat},
	}}
	d := &madeThenRefused{addr: ann.Addr, made: bob.Addr}
	st := openStore(t)
	rep, err := ApplyAll(context.Background(), st, p, Meta{Actor: "t", Time: t0}, &Live{Drivers: map[string]driver.Driver{"acme": d}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Applied != 1 || rep.Failed != 1 || rep.NotAttempted != 1 {
		t.Errorf("report: %d applied, %d failed, %d not attempted; want bob's applied, ann's failed, cat's not attempted", rep.Applied, rep.Failed, rep.NotAttempted)
	}
	if len(d.applied) != 1 {
		t.Errorf("the driver was asked for %v, want ann's change only", d.applied)
	}
	snap, err := st.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var held []model.Address
	for _, o := range snap.Objects {
		held = append(held, o.Addr)
	}
	if len(held) != 1 || held[0] != bob.Addr {
		t.Errorf("the state holds %v, want bob's membership only", held)
	}
	var outcomes []string
	if err := st.Evidence(context.Background(), 1, func(r state.EvidenceRecord) error {
		rec, err := evidence.Decode(r.JSON)
		if err == nil {
			outcomes = append(outcomes, rec.Address+" "+rec.Outcome)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{"member/acme/bob@acme.com applied", "member/acme/ann@acme.com failed"}
	if !slices.Equal(outcomes, want) {
		t.Errorf("evidence %q, want %q", outcomes, want)
	}
}
