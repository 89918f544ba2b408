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
