package ops

import (
	"context"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/kit"
	"github.com/roster-dev/roster/internal/live"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// Connected is a refresh's outcome, kept for an apply.
type Connected struct {
	teams   []*driver.Team
	drivers map[string]driver.Driver
	snaps   map[string]*driver.Snapshot
	view    *live.View
}

// hasConnections reports whether any team of the configuration connects.
func hasConnections(cfg *model.Config) bool { return len(cfg.ConnectedTeams()) > 0 }

// driverOptions are the run options that reach the drivers
// (schema/sync.md: --max-wait and --parallelism on plan and apply alike).
func (req *PlanRequest) driverOptions() readOptions {
	maxWait := req.MaxWait
	if maxWait == 0 && req.MaxWaitSet {
		maxWait = -1 // --max-wait 0: never wait for the next hour
	}
	return readOptions{parallelism: req.Parallelism, reinvite: req.Reinvite, maxWait: maxWait}
}

// readOptions are how a refresh reads: the reads in flight, and what the
// drivers are made with.
type readOptions struct {
	parallelism int
	reinvite    bool
	maxWait     time.Duration
}

// refresh reads the connected teams (those want accepts; nil: all).
func (r *run) refresh(ctx context.Context, cfg *config.Result, prior []*model.Object, ro readOptions, want func(string) bool) (*Connected, error) {
	teams, err := live.Teams(cfg.Config, model.WithMovedSites(prior, cfg.Config.Moves), os.Getenv, want)
	if err != nil {
		return nil, &Error{Msg: err.Error()}
	}
	cn := &Connected{teams: teams, drivers: map[string]driver.Driver{}}
	slots, shared := driver.NewSlots(kit.Limit(ro.parallelism)), driver.NewShared() // for every team
	for _, t := range teams {
		mk := r.Drivers[t.Platform.Name]
		if mk == nil {
			return nil, errorf("team %s: roster has no driver for %s in this version", t.Name, t.Platform.Name)
		}
		cn.drivers[t.Name] = mk(t, driver.Options{UserAgent: r.userAgent(), Log: r.Log, Notify: r.View.Notify, Reinvite: ro.reinvite, MaxWait: ro.maxWait, Parallelism: ro.parallelism, Slots: slots, Shared: shared})
	}
	cn.snaps, err = live.Refresh(ctx, teams, cn.drivers, ro.parallelism)
	if err != nil {
		return nil, &Error{Msg: err.Error()}
	}
	cn.view = live.NewView(cn.snaps, cfg.Config.Objects, prior)
	return cn, nil
}

// declared is the set of addresses the configuration declares.
func (cn *Connected) declared() map[string]bool {
	m := make(map[string]bool, len(cn.view.Desired))
	for _, o := range cn.view.Desired {
		m[o.Addr.String()] = true
	}
	return m
}

// ownersInvited are the teams where a member the configuration declares
// as an owner is, live, only invited: a demotion from owner waits until
// they accept (schema/sync.md "apply on connected teams", 2), in the apply
// after the one that invited them too.
func (cn *Connected) ownersInvited() map[string]bool {
	owners := map[model.Address]bool{}
	for _, o := range cn.view.Desired {
		if o.Addr.Kind == model.KindMember && o.Role == model.RoleOwner {
			owners[o.Addr] = true
		}
	}
	out := map[string]bool{}
	for _, o := range cn.view.Live {
		if o.Addr.Kind == model.KindMember && o.Status == model.StatusInvited && o.Role == model.RoleOwner && owners[o.Addr] {
			out[o.Addr.Team] = true
		}
	}
	return out
}

// userAgent is the drivers' User-Agent.
func (env *Env) userAgent() string { return "roster/" + env.Version }

// costs asks each connected team's driver what applying its changes costs.
func (cn *Connected) costs(p *plan.Plan) []plan.Cost {
	byTeam := map[string][]plan.Change{}
	for _, c := range p.Changes {
		if cn.drivers[c.Addr.Team] != nil && !c.StateOnly() {
			byTeam[c.Addr.Team] = append(byTeam[c.Addr.Team], c)
		}
	}
	var out []plan.Cost
	names := slices.Sorted(maps.Keys(cn.drivers))
	for _, n := range names {
		reqs, budget := cn.drivers[n].Cost(byTeam[n])
		c := plan.Cost{Team: n, Requests: reqs}
		if budget > 0 {
			b, eta := budget, reqs*3600/budget
			c.BudgetPerHour, c.ETASeconds = &b, &eta
		}
		out = append(out, c)
	}
	return out
}

// estimateCosts is the cost of p's changes to the connected teams when the
// plan read no platform (--refresh=false): each driver counts from the
// state and the changes alone, without a request and without the
// credential, so the numbers are estimates (the pages to read unknown).
func (r *run) estimateCosts(cfg *config.Result, prior []*model.Object, p *plan.Plan) []plan.Cost {
	getenv := func(k string) string {
		if strings.HasPrefix(k, "ROSTER_ENDPOINT_") {
			return os.Getenv(k)
		}
		return "unread" // the credential: no request is made
	}
	teams, err := live.Teams(cfg.Config, prior, getenv, nil)
	if err != nil {
		return nil
	}
	cn := &Connected{teams: teams, drivers: map[string]driver.Driver{}}
	for _, t := range teams {
		if mk := r.Drivers[t.Platform.Name]; mk != nil {
			cn.drivers[t.Name] = mk(t, driver.Options{UserAgent: r.userAgent()})
		}
	}
	costs := cn.costs(p)
	for i := range costs {
		costs[i].Estimate = true
	}
	return costs
}

// checkStale refuses a saved plan whose connected teams moved (live.CheckStale).
func checkStale(p *plan.Plan, cn *Connected) error {
	if err := live.CheckStale(p, cn.view); err != nil {
		return &Error{Msg: err.Error()}
	}
	return nil
}
