package evidence

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
)

// legacyStore is a memStore that keeps no set of open tasks (a state
// written before it kept one): its open tasks are the ones its evidence
// tells.
type legacyStore struct{ memStore }

func (*legacyStore) OpenTasks(context.Context) ([]state.Task, bool, error) { return nil, false, nil }

// TestRaisedAgainSameFromChain: a task raised again while open names
// everyone it was raised for, whether the open set is the state's own
// (the commit's resolution) or read from the evidence of a state that
// kept none; the two agree.
func TestRaisedAgainSameFromChain(t *testing.T) {
	site := model.SiteAddress("acme", "shop")
	var c Chain
	st := &legacyStore{}
	var kept []state.Task
	for _, who := range []string{"jane.", "zed.", "jane."} {
		r := &Record{Address: "grant/acme/shop/x@y.z", Action: "delete", Outcome: OutcomeApplied,
			FollowUps: []FollowUp{{Address: site.String(), Task: "review_shared_links", Text: who}}}
		rec, err := c.Seal(r)
		if err != nil {
			t.Fatal(err)
		}
		st.recs = append(st.recs, rec)
		var cs state.Changeset
		if err := NoteTasks(&cs, r); err != nil {
			t.Fatal(err)
		}
		if kept, err = PrepareTasksOn(context.Background(), st, kept, true, &cs); err != nil {
			t.Fatal(err)
		}
	}
	want := []state.Task{{Site: site, Name: "review_shared_links", Text: "jane. zed."}}
	if d := cmp.Diff(want, kept); d != "" {
		t.Errorf("the commits' set (-want +got):\n%s", d)
	}
	fromChain, err := OpenTasks(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, fromChain); d != "" {
		t.Errorf("the set the evidence tells (-want +got):\n%s", d)
	}
}
