package apply

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// inflight counts the changes being made at once, across teams and per
// team.
type inflight struct {
	mu        sync.Mutex
	now, most int
	team      map[string]int
	teamMost  int
	perChange time.Duration
}

type countingDriver struct {
	stubDriver
	n    *inflight
	team string
}

func (d *countingDriver) Apply(_ context.Context, c *plan.Change) (driver.Result, error) {
	n := d.n
	n.mu.Lock()
	n.now++
	n.team[d.team]++
	n.most = max(n.most, n.now)
	n.teamMost = max(n.teamMost, n.team[d.team])
	n.mu.Unlock()
	time.Sleep(n.perChange)
	n.mu.Lock()
	n.now--
	n.team[d.team]--
	n.mu.Unlock()
	return driver.Result{Outcome: driver.Applied, API: []string{"POST /x 201"}}, nil
}

// TestParallelismBoundsTeams: --parallelism N bounds the teams applied at
// once (0, unset, is the default 4), and the writes inside one team are
// never concurrent (schema/sync.md "apply on connected teams", 2).
func TestParallelismBoundsTeams(t *testing.T) {
	for _, tc := range []struct{ parallelism, want int }{{1, 1}, {2, 2}, {0, 4}} {
		t.Run(fmt.Sprint(tc.parallelism), func(t *testing.T) {
			st := openStore(t)
			n := &inflight{team: map[string]int{}, perChange: 30 * time.Millisecond}
			drivers := map[string]driver.Driver{}
			p := &plan.Plan{}
			for i := range 6 {
				team := fmt.Sprintf("t%d", i)
				drivers[team] = &countingDriver{n: n, team: team}
				for _, who := range []string{"a@x.io", "b@x.io", "c@x.io"} {
					m := &model.Object{Addr: model.MemberAddress(team, who), Role: "member"}
					p.Changes = append(p.Changes, plan.Change{Addr: m.Addr, Action: plan.Create, After: m})
				}
			}
			rep, err := ApplyAll(context.Background(), st, p, Meta{Actor: "t", Time: time.Now()}, &Live{Drivers: drivers, Parallelism: tc.parallelism})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Applied != 18 || rep.Failed != 0 {
				t.Fatalf("applied %d, failed %d", rep.Applied, rep.Failed)
			}
			// At most the bound, and more than one team when it allows
			// it (how many exactly depends on the machine's load).
			if n.most > tc.want || (tc.want > 1 && n.most < 2) {
				t.Errorf("%d teams applied at once, want at most %d and more than one", n.most, tc.want)
			}
			if n.teamMost != 1 {
				t.Errorf("%d writes at once inside one team, want 1", n.teamMost)
			}
		})
	}
}
