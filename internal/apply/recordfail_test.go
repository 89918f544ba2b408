package apply

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/state"
)

// refusingDriver leaves every change to a person, as GA4 does with a 400
// on a create.
type refusingDriver struct{ stubDriver }

func (d *refusingDriver) Apply(context.Context, *plan.Change) (driver.Result, error) {
	return driver.Result{Outcome: driver.Manual, API: []string{"POST /x 400"}, Note: "refused: no account"}, nil
}

// brokenStore commits nothing.
type brokenStore struct{ state.Store }

func (brokenStore) Commit(context.Context, *state.Changeset) (uint64, error) {
	return 0, errors.New("disk full")
}

// TestUnrecordedManualStep: when the state cannot record a change the
// platform left to a person, the failure says so, and never that the
// platform made the change.
func TestUnrecordedManualStep(t *testing.T) {
	m := &model.Object{Addr: model.MemberAddress("t", "a@x.io"), Role: "member"}
	p := &plan.Plan{Changes: []plan.Change{{Addr: m.Addr, Action: plan.Create, After: m}}}
	rep, _ := ApplyAll(context.Background(), brokenStore{openStore(t)}, p, Meta{Actor: "t", Time: time.Now()},
		&Live{Drivers: map[string]driver.Driver{"t": &refusingDriver{}}})
	if rep == nil || rep.Failed != 1 || len(rep.Failures) != 1 {
		t.Fatalf("report %+v, want one failure", rep)
	}
	msg := rep.Failures[0].Err.Error()
	if strings.Contains(msg, "platform made the change") || !strings.Contains(msg, "disk full") || !strings.Contains(msg, "person") {
		t.Errorf("failure %q: want the manual step unrecorded, the store's error, no change made", msg)
	}
}
