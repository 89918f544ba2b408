package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/roster-dev/roster/internal/apply"
	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/live"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/runbook"
	"github.com/roster-dev/roster/internal/state"
)

// driverFactories makes each platform's driver; filled by drivers.go.
var driverFactories = map[string]func(*driver.Team, driver.Options) driver.Driver{}

// connected is a refresh's outcome, kept for apply.
type connected struct {
	teams   []*driver.Team
	drivers map[string]driver.Driver
	snaps   map[string]*driver.Snapshot
	view    *live.View
}

// hasConnections reports whether any team of the configuration connects.
func hasConnections(cfg *model.Config) bool { return len(cfg.ConnectedTeams()) > 0 }

// refresh reads the connected teams (those want accepts; nil: all).
func (a *app) refresh(ctx context.Context, cfg *config.Result, prior []*model.Object, parallelism int, want func(string) bool) (*connected, error) {
	teams, err := live.Teams(cfg.Config, model.WithMovedSites(prior, cfg.Config.Moves), os.Getenv, want)
	if err != nil {
		return nil, &exitCode{code: ExitError, msg: err.Error()}
	}
	cn := &connected{teams: teams, drivers: map[string]driver.Driver{}}
	for _, t := range teams {
		mk := driverFactories[t.Platform.Name]
		if mk == nil {
			return nil, &exitCode{code: ExitError, msg: fmt.Sprintf("team %s: roster has no driver for %s in this version", t.Name, t.Platform.Name)}
		}
		maxWait := a.maxWait
		if maxWait == 0 && a.maxWaitSet {
			maxWait = -1 // --max-wait 0: never wait for the next hour
		}
		cn.drivers[t.Name] = mk(t, driver.Options{UserAgent: "roster/" + Version, Log: debugLog(), Notify: a.notify, Reinvite: a.reinvite, MaxWait: maxWait, Parallelism: a.parallelism})
	}
	cn.snaps, err = live.Refresh(ctx, teams, cn.drivers, parallelism)
	if err != nil {
		return nil, &exitCode{code: ExitError, msg: err.Error()}
	}
	cn.view = live.NewView(cn.snaps, cfg.Config.Objects, prior)
	return cn, nil
}

// declared is the set of addresses the configuration declares.
func (cn *connected) declared() map[string]bool {
	m := make(map[string]bool, len(cn.view.Desired))
	for _, o := range cn.view.Desired {
		m[o.Addr.String()] = true
	}
	return m
}

// notify tells the user something while a command runs (a wait for an
// hourly budget, say).
func (a *app) notify(msg string) { fmt.Fprintln(a.stderr, msg) }

// debugLog is where drivers log requests: standard error with
// ROSTER_LOG=debug, else nowhere.
func debugLog() io.Writer {
	if strings.EqualFold(os.Getenv("ROSTER_LOG"), "debug") {
		return os.Stderr
	}
	return nil
}

// costs asks each connected team's driver what applying its changes costs.
func (cn *connected) costs(p *plan.Plan) []plan.Cost {
	byTeam := map[string][]plan.Change{}
	for _, c := range p.Changes {
		if cn.drivers[c.Addr.Team] != nil && !c.StateOnly() {
			byTeam[c.Addr.Team] = append(byTeam[c.Addr.Team], c)
		}
	}
	var out []plan.Cost
	names := make([]string, 0, len(cn.drivers))
	for n := range cn.drivers {
		names = append(names, n)
	}
	sort.Strings(names)
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
func (a *app) estimateCosts(cfg *config.Result, prior []*model.Object, p *plan.Plan) []plan.Cost {
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
	cn := &connected{teams: teams, drivers: map[string]driver.Driver{}}
	for _, t := range teams {
		if mk := driverFactories[t.Platform.Name]; mk != nil {
			cn.drivers[t.Name] = mk(t, driver.Options{UserAgent: "roster/" + Version})
		}
	}
	costs := cn.costs(p)
	for i := range costs {
		costs[i].Estimate = true
	}
	return costs
}

// checkStale refuses a saved plan whose connected teams moved (live.CheckStale).
func checkStale(p *plan.Plan, cn *connected) error {
	if err := live.CheckStale(p, cn.view); err != nil {
		return &exitCode{code: ExitError, msg: err.Error()}
	}
	return nil
}

// applyConnected applies p with the refreshed drivers and reports as
// schema/sync.md says.
func (a *app) applyConnected(ctx context.Context, st state.Store, p *plan.Plan, cn *connected, prior []*model.Object, meta apply.Meta, parallelism int, refreshOnly bool, platforms map[string]string) error {
	var ads []apply.Adoption
	if refreshOnly {
		ads = apply.Adoptions(cn.view.Live, cn.view.LiveTeams, prior, nil, nil)
		p = &plan.Plan{Lineage: p.Lineage, Serial: p.Serial, ConfigDigest: p.ConfigDigest, CreatedAt: p.CreatedAt, Now: p.Now}
	} else {
		ads = apply.Adoptions(cn.view.Live, cn.view.LiveTeams, prior, p, cn.declared())
	}
	lv := &apply.Live{Drivers: cn.drivers, Adoptions: ads, Parallelism: parallelism}
	if isTerminal(a.stderr) {
		lv.Progress = func(done, total int, addr model.Address) {
			fmt.Fprintf(a.stderr, "\r\033[K[%d/%d] %s", done, total, addr)
			if done == total {
				fmt.Fprint(a.stderr, "\r\033[K")
			}
		}
	}
	rep, err := apply.ApplyAll(ctx, st, p, meta, lv)
	if err != nil {
		if rep == nil {
			if ctx.Err() != nil {
				return a.interruptedApply(len(p.Changes))
			}
			return storeOrExit(err)
		}
		fmt.Fprintf(a.stderr, "Error: %v\n", err)
	}
	for _, d := range rep.Deferred {
		fmt.Fprintf(a.stdout, "Deferred: %s: the demotion from owner waits until every new owner has accepted; the next plan shows it again.\n", d)
	}
	if rep.Adopted > 0 {
		fmt.Fprintf(a.stdout, "Refresh: %s written to the state from the platforms.\n", plural(rep.Adopted, "change", "changes"))
	}
	names := map[string]string{}
	for _, t := range cn.teams {
		names[t.Name] = t.Platform.Name
	}
	// The offline teams beside the connected ones get their steps
	// (schema/sync.md: one configuration may mix both); their changes are
	// committed first, so a failure later does not undo them.
	var viaAPI, offline []plan.Change
	for _, c := range rep.ManualSteps {
		if cn.view.LiveTeams[c.Addr.Team] {
			viaAPI = append(viaAPI, c)
		} else {
			offline = append(offline, c)
		}
	}
	if rep.Failed > 0 || rep.NotAttempted > 0 || err != nil {
		// What was done stands: its manual steps, guidance and evidence
		// first, and the failure line last (schema/sync.md: the command ends
		// with it).
		a.printManual(viaAPI, names)
		a.printOffline(offline, platforms)
		a.printFollowUps(p)
		for _, f := range rep.Failures {
			fmt.Fprintf(a.stderr, "Error: %v\n", f.Err)
		}
		if rep.Records > 0 {
			fmt.Fprintf(a.stdout, "Evidence: %d records, head %s. Run roster plan to see what is left.\n", rep.Records, rep.Head)
		}
		// sync.md: here manual outcomes count as applied.
		fmt.Fprintf(a.stdout, "Apply failed: %d applied, %d failed, %d not attempted.\n", rep.Applied+rep.Manual, rep.Failed, rep.NotAttempted)
		return silentExit(ExitError)
	}
	fmt.Fprintln(a.stdout, applySummary(&rep.Result))
	a.printManual(viaAPI, names)
	a.printOffline(offline, platforms)
	a.printFollowUps(p)
	return nil
}

// printManual prints the runbook of the changes left to a person.
func (a *app) printManual(steps []plan.Change, platforms map[string]string) {
	a.printSteps(steps, platforms, "%s no API can make; a person does them:")
}

// printSteps prints the runbook of steps under header, whose %s is the
// number of changes.
func (a *app) printSteps(steps []plan.Change, platforms map[string]string, header string) {
	if len(steps) == 0 {
		return
	}
	items := make([]runbook.Item, 0, len(steps))
	for _, c := range steps {
		items = append(items, runbook.ForChange(platforms[c.Addr.Team], string(c.Action), c.Before, c.After))
	}
	n := len(items)
	items = runbook.Merge(items)
	fmt.Fprintf(a.stdout, "\n"+header+"\n\n", plural(n, "change", "changes"))
	runbook.WriteText(a.stdout, items)
}
