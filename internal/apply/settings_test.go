package apply

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/runbook"
	"github.com/roster-dev/roster/internal/state"
)

// stubDriver makes every change it is asked to and remembers what it was
// told.
type stubDriver struct {
	begun, asked, applied []model.Address
}

func (d *stubDriver) Refresh(context.Context) (*driver.Snapshot, error) {
	return &driver.Snapshot{}, nil
}
func (d *stubDriver) Begin(cs []plan.Change) {
	for _, c := range cs {
		d.begun = append(d.begun, c.Addr)
	}
}
func (d *stubDriver) Manual(c *plan.Change) (bool, string) {
	d.asked = append(d.asked, c.Addr)
	return false, ""
}
func (d *stubDriver) Apply(_ context.Context, c *plan.Change) (driver.Result, error) {
	d.applied = append(d.applied, c.Addr)
	return driver.Result{Outcome: driver.Applied, API: []string{"POST /x"}}, nil
}
func (d *stubDriver) Cost(cs []plan.Change) (int, int) { return len(cs), 0 }

// settingsPlan declares the team acme with settings and one member, on an
// empty state.
func settingsPlan(connected bool) *plan.Plan {
	yes := true
	team := &model.Object{Addr: model.TeamAddress("acme"), Platform: "plausible", DisplayName: "Acme", Require2FA: &yes, SSO: "all_but_owners", Connected: connected}
	member := &model.Object{Addr: model.MemberAddress("acme", "ada@acme.com"), Role: "viewer"}
	return &plan.Plan{Changes: []plan.Change{
		{Addr: team.Addr, Action: plan.Create, After: team},
		{Addr: member.Addr, Action: plan.Create, After: member},
	}}
}

// TestByHandTeamSettings: a team declared with settings is a manual step
// (offline or connected), one declared without is roster's alone.
func TestByHandTeamSettings(t *testing.T) {
	p := settingsPlan(false)
	if !ByHand(&p.Changes[0]) {
		t.Error("a team created with settings is not a manual step")
	}
	bare := plan.Change{Addr: model.TeamAddress("acme"), Action: plan.Create, After: &model.Object{Addr: model.TeamAddress("acme"), Platform: "plausible"}}
	if ByHand(&bare) {
		t.Error("a team created without settings is a manual step")
	}
}

// TestUpcomingTeamSettings: the plan's manual list names the team's
// settings on an offline and on a connected team, as a creation; the
// connected team's driver is never told of the team.
func TestUpcomingTeamSettings(t *testing.T) {
	platforms := map[string]string{"acme": "plausible"}
	for _, connected := range []bool{false, true} {
		p := settingsPlan(connected)
		d := &stubDriver{}
		drivers := map[string]driver.Driver{}
		if connected {
			drivers["acme"] = d
		}
		got := Upcoming(p, drivers, platforms)
		var team []plan.Manual
		for _, m := range got {
			if m.Addr.Kind == model.KindTeam {
				team = append(team, m)
			}
		}
		if len(team) != 1 || team[0].Change != "create" || !strings.HasPrefix(team[0].Text, "Check the settings of the team acme") {
			t.Errorf("connected %v: upcoming %+v, want the team's settings once", connected, got)
		}
		if slices.Contains(d.begun, model.TeamAddress("acme")) || slices.Contains(d.asked, model.TeamAddress("acme")) {
			t.Errorf("connected %v: the driver was told of the team: begun %v, asked %v", connected, d.begun, d.asked)
		}
	}
}

// TestTeamSettingsWait: apply stores the team at once with its settings
// waiting (offline: in the one transaction; connected: without a request),
// its member applied in the same run; the create record's outcome is
// manual; roster confirm makes the settings the state's.
func TestTeamSettingsWait(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, connected := range []bool{false, true} {
		st := openStore(t)
		p := settingsPlan(connected)
		d := &stubDriver{}
		var manual int
		if connected {
			rep, err := ApplyAll(ctx, st, p, Meta{Actor: "t", Time: at}, &Live{Drivers: map[string]driver.Driver{"acme": d}})
			if err != nil {
				t.Fatal(err)
			}
			manual = rep.Manual
			if rep.Applied != 1 || !slices.Equal(d.applied, []model.Address{model.MemberAddress("acme", "ada@acme.com")}) {
				t.Errorf("connected: applied %d, driver made %v: want the member only", rep.Applied, d.applied)
			}
		} else {
			res, err := Apply(ctx, st, p, Meta{Actor: "t", Time: at})
			if err != nil {
				t.Fatal(err)
			}
			manual = res.Manual
		}
		// Offline the member is a step too; connected only the settings are.
		if want := map[bool]int{false: 2, true: 1}[connected]; manual != want {
			t.Errorf("connected %v: %d manual steps, want %d", connected, manual, want)
		}
		s := stateOf(t, st)
		team := s["team/acme"]
		if team == nil || team.PendingAction != "create" || team.Pending == nil || team.Pending.DisplayName != "Acme" ||
			team.DisplayName != "" || team.Require2FA != nil || team.SSO != "" || team.Platform != "plausible" || team.Connected != connected {
			t.Fatalf("connected %v: stored team %+v, want it with its settings waiting", connected, team)
		}
		if s["member/acme/ada@acme.com"] == nil {
			t.Errorf("connected %v: the member was not stored in the same run", connected)
		}
		var outcome string
		err := st.Evidence(ctx, 1, func(er state.EvidenceRecord) error {
			r, err := evidence.Decode(er.JSON)
			if err == nil && r.Address == "team/acme" && r.Action == "create" {
				outcome = r.Outcome
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if outcome != evidence.OutcomeManual {
			t.Errorf("connected %v: the team's create record has outcome %q", connected, outcome)
		}

		snap, err := st.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var items []runbook.Item
		for _, it := range openSteps(t, st) {
			if it.Addr.Kind == model.KindTeam {
				items = append(items, it)
			}
		}
		if len(items) != 1 || !strings.HasPrefix(items[0].Title, "Check the settings of the team acme") {
			t.Fatalf("connected %v: open team steps %+v", connected, items)
		}
		if _, err := Confirm(ctx, st, snap, items, Meta{Actor: "t", Time: at}, "checked"); err != nil {
			t.Fatal(err)
		}
		team = stateOf(t, st)["team/acme"]
		if team.PendingAction != "" || team.Pending != nil || team.DisplayName != "Acme" || team.Require2FA == nil || !*team.Require2FA ||
			team.SSO != "all_but_owners" || team.Connected != connected {
			t.Errorf("connected %v: after confirm the team is %+v", connected, team)
		}
	}
}
