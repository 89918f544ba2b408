package plan

import (
	"testing"

	"github.com/roster-dev/roster/internal/model"
)

// TestSettingsByHand: a team declared with settings is a step for a person
// (no platform API sets them), though roster alone records the team; a
// team without settings, a team's update (the drivers' to judge), a site
// and a connection that came or went are not.
func TestSettingsByHand(t *testing.T) {
	yes, no := true, false
	team := func(o model.Object) *model.Object {
		o.Addr, o.Platform = model.TeamAddress("acme"), "plausible"
		return &o
	}
	for _, tc := range []struct {
		name string
		c    Change
		want bool
	}{
		{"name", Change{Action: Create, After: team(model.Object{DisplayName: "Acme"})}, true},
		{"2fa", Change{Action: Create, After: team(model.Object{Require2FA: &yes})}, true},
		{"sso", Change{Action: Create, After: team(model.Object{SSO: "all"})}, true},
		{"2fa off", Change{Action: Create, After: team(model.Object{Require2FA: &no})}, false},
		{"no settings", Change{Action: Create, After: team(model.Object{})}, false},
		{"update", Change{Action: Update, Before: team(model.Object{}), After: team(model.Object{DisplayName: "Acme"})}, false},
		{"delete", Change{Action: Delete, Before: team(model.Object{DisplayName: "Acme"})}, false},
		{"site", Change{Action: Create, Addr: model.SiteAddress("acme", "app"), After: &model.Object{Addr: model.SiteAddress("acme", "app")}}, false},
		{"connected", Change{Action: Create, After: team(model.Object{DisplayName: "Acme"}), Reason: ReasonConnected}, false},
	} {
		c := tc.c
		if c.Addr == (model.Address{}) {
			c.Addr = model.TeamAddress("acme")
		}
		if got := c.SettingsByHand(); got != tc.want {
			t.Errorf("%s: SettingsByHand %v, want %v", tc.name, got, tc.want)
		}
		if tc.want && !c.StateOnly() {
			t.Errorf("%s: no longer StateOnly: drivers would be told of a team creation", tc.name)
		}
	}
}

// TestTeamSettingsWaiting: a team stored with its settings waiting (the
// apply cleared them and keeps the declared team pending as a creation)
// is an open manual step while the configuration declares the same
// settings, an update that waits too when it declares others, and is
// withdrawn, in the state only, once it declares none.
func TestTeamSettingsWaiting(t *testing.T) {
	yes := true
	declared := with(team("acme", "plausible"), func(o *model.Object) { o.DisplayName, o.Require2FA = "Acme", &yes })
	stored := with(team("acme", "plausible"), func(o *model.Object) {
		o.PendingAction, o.Pending = string(Create), declared.Clone()
	})
	mk := func(d *model.Object) *Plan {
		return Make(Input{Desired: []*model.Object{d}, Prior: []*model.Object{stored.Clone()}, Platforms: platforms(), Now: testNow})
	}

	p := mk(declared)
	if len(p.Changes) != 0 || len(p.Manual) != 1 || p.Manual[0].Change != string(Create) {
		t.Errorf("same settings: changes %q, manual %+v; want one open step", addrs(p), p.Manual)
	}

	p = mk(with(declared, func(o *model.Object) { o.DisplayName = "Acme Corp" }))
	if len(p.Changes) != 1 || p.Changes[0].Action != Update || p.Changes[0].Because() == ReasonWithdrawn {
		t.Errorf("other settings: changes %+v; want an update", p.Changes)
	}

	for _, d := range []*model.Object{team("acme", "plausible"), with(team("acme", "plausible"), func(o *model.Object) { o.Require2FA = new(bool) })} {
		p = mk(d)
		if len(p.Changes) != 1 || p.Changes[0].Because() != ReasonWithdrawn || !p.Changes[0].StateOnly() || p.Changes[0].SettingsByHand() {
			t.Errorf("no settings (%v): changes %+v; want the step withdrawn in the state only", d.Require2FA, p.Changes)
		}
	}
}

// TestTeamSettingsRecordedBefore: a state written before a team's settings
// were a step keeps its team as recorded (sync.md: a state written that
// way keeps its records): the same declaration plans nothing and opens no
// step.
func TestTeamSettingsRecordedBefore(t *testing.T) {
	yes := true
	declared := with(team("acme", "plausible"), func(o *model.Object) { o.DisplayName, o.Require2FA, o.SSO = "Acme", &yes, "all_but_owners" })
	p := Make(Input{Desired: []*model.Object{declared}, Prior: []*model.Object{declared.Clone()}, Platforms: platforms(), Now: testNow})
	if len(p.Changes) != 0 || len(p.Manual) != 0 {
		t.Errorf("changes %q, manual %+v; want none", addrs(p), p.Manual)
	}
}
