package ops

import (
	"context"
	"io"
	"os"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-dev/roster/internal/apply"
	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/live"
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/policy"
	"github.com/roster-dev/roster/internal/state"
)

// PlanRequest is what a plan is made with (roster plan's flags, shared
// with apply).
type PlanRequest struct {
	// Now is the moment expiry is judged at.
	Now              time.Time
	AllowMassRemoval bool
	// Refresh reads the live access of connected teams first;
	// RefreshOnly shows only what changed outside roster.
	Refresh     bool
	RefreshOnly bool
	// Parallelism bounds the reads in flight (and the teams applied at
	// once); Reinvite and MaxWait reach the drivers. MaxWaitSet says
	// --max-wait was given: a MaxWait of 0 then means never wait.
	Parallelism int
	Reinvite    bool
	MaxWait     time.Duration
	MaxWaitSet  bool
	// Only narrows the plan to the changes of these causes (apply --only).
	Only []plan.Cause
	// Out saves the plan to this file, signed with the key of
	// $ROSTER_SIGNING_KEY when one is set (plan --out); "-" writes it to
	// Stdout. Apply plans afresh and never saves: it leaves both unset.
	Out    string
	Stdout io.Writer
}

// Planned is a plan with what it was made from, kept for an apply.
type Planned struct {
	Plan     *plan.Plan
	Config   *config.Result
	Snapshot *state.Snapshot
	// Connected is the refresh's outcome, nil when no team was refreshed.
	Connected *Connected
}

// Plan loads the configuration, reads the state, refreshes the connected
// teams (unless Refresh is false) and plans. It checks the policy, so a
// plan that breaks it is an error. With Out, it saves the plan there.
func Plan(ctx context.Context, env *Env, req PlanRequest) (*Planned, error) {
	st, err := env.open(ctx)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	pd, err := env.run(req.Now).makePlan(ctx, st, &req)
	if err != nil {
		return nil, err
	}
	if req.Out != "" {
		if err := SavePlan(ctx, pd.Plan, req.Out, req.Stdout); err != nil {
			return nil, err
		}
	}
	return pd, nil
}

// makePlan is Plan with the state open (apply holds its lock meanwhile).
func (r *run) makePlan(ctx context.Context, st state.Store, req *PlanRequest) (*Planned, error) {
	cfg, err := r.loadConfig()
	if err != nil {
		return nil, err
	}
	now := req.Now
	snap, err := snapshot(ctx, st)
	if err != nil {
		return nil, err
	}
	pd := &Planned{Config: cfg, Snapshot: snap}
	var notes []string // what the plan says on stderr besides warnings
	var warnings []plan.Diagnostic
	warn := func(ws []string) {
		for _, w := range ws {
			r.View.Warning(w)
			warnings = append(warnings, plan.Diagnostic{Severity: plan.SeverityWarning, Summary: w})
		}
	}
	weakened, err := weakenedSince(ctx, st, cfg.Config.Policy)
	if err != nil {
		return nil, StoreError(err)
	}
	if len(weakened) > 0 {
		w := hcl.Diagnostics{policy.WeakenedWarning(cfg.Config.Policy, weakened)}
		r.View.Warnings(w, cfg.Files, 0)
		warnings = append(warnings, planDiagnostics(w, nil)...)
	}
	in := plan.Input{
		Desired:          cfg.Config.Objects,
		Prior:            snap.Objects,
		Platforms:        cfg.Config.Platforms,
		Policy:           cfg.Config.Policy,
		Moves:            cfg.Config.Moves,
		Now:              now,
		Lineage:          snap.Lineage,
		Serial:           snap.Serial,
		ConfigDigest:     cfg.Config.Digest,
		PolicyWeakened:   len(weakened) > 0,
		AllowMassRemoval: req.AllowMassRemoval,
		Only:             req.Only,
		Commit:           envCommit(r.Dir),
		ChangeRequest:    envChangeRequest(),
		CreatedAt:        time.Now().UTC(),
	}
	if req.RefreshOnly && !req.Refresh {
		return nil, &Error{Msg: "--refresh-only and --refresh=false contradict each other"}
	}
	if req.Refresh && hasConnections(cfg.Config) {
		pd.Connected, err = r.refresh(ctx, cfg, snap.Objects, req.driverOptions(), nil)
		if err != nil {
			return nil, err
		}
		v := pd.Connected.view
		in.Desired = v.Desired
		in.Prior = v.WithPrior(snap.Objects)
		in.Live = v.Live
		in.LiveTeams = v.LiveTeams
		in.Keep = v.Keep
		notes = append(notes, v.Notes...)
		warn(v.Warnings)
	} else if hasConnections(cfg.Config) {
		warn(live.StoredDefaultWarnings(cfg.Config, snap.Objects))
		warn(live.RenamedTokenWarnings(cfg.Config, os.Getenv))
	}
	r.notes(notes)
	// The policy's rules over the configuration alone are checked beside
	// the planning, which reads the configuration but never changes it.
	var cfgDiags hcl.Diagnostics
	waitPolicy := func() {}
	if !req.RefreshOnly {
		waitPolicy = background(func() { cfgDiags = policy.Check(cfg.Config, now) })
		defer waitPolicy()
	}
	p := plan.Make(in)
	p.Diagnostics = append(planDiagnostics(cfg.Diags, notes), warnings...)
	p.Reinvite = req.Reinvite
	if err := manualOfPlan(ctx, st, p, snap.Objects); err != nil {
		return nil, err
	}
	if req.RefreshOnly {
		// Only what changed outside roster: no change is planned.
		p.Changes, p.FollowUps = nil, nil
		pd.Plan = p
		return pd, nil
	}
	if cn := pd.Connected; cn != nil {
		cn.view.Explain(p)
		p.Seen = live.Depends(p, cn.view)
		if err := live.CheckSelf(p, cn.view); err != nil {
			return nil, &Error{Msg: err.Error()}
		}
		if err := live.CheckDrivers(p, cn.drivers); err != nil {
			return nil, &Error{Msg: err.Error()}
		}
		p.Cost = cn.costs(p)
		notes = live.ManualNotes(p, cn.drivers)
		r.notes(notes)
		p.Diagnostics = append(p.Diagnostics, planDiagnostics(nil, notes)...)
	}
	if pd.Connected == nil && !req.Refresh && hasConnections(cfg.Config) {
		p.Cost = r.estimateCosts(cfg, snap.Objects, p)
		if len(p.Cost) > 0 {
			notes = []string{"the cost is an estimate from the state: with --refresh=false no platform was read, so the pages to read are not known"}
			r.notes(notes)
			p.Diagnostics = append(p.Diagnostics, planDiagnostics(nil, notes)...)
		}
	}
	var drivers map[string]driver.Driver
	if pd.Connected != nil {
		drivers = pd.Connected.drivers
	}
	p.Upcoming = apply.Upcoming(p, drivers, pd.Platforms())
	waitPolicy()
	if err := r.checkPlanPolicy(cfg, cfgDiags, p); err != nil {
		return nil, err
	}
	pd.Plan = p
	return pd, nil
}

// Platforms maps each team to its platform's name: as the configuration
// declares it, else as the state knows it (a team no longer declared keeps
// its platform, for its guidance).
func (pd *Planned) Platforms() map[string]string {
	platforms := platformsOf(pd.Snapshot.Objects)
	for t, name := range platformsOf(pd.Config.Config.Objects) {
		platforms[t] = name
	}
	return platforms
}

// notes shows the planning's notes.
func (r *run) notes(notes []string) {
	for _, n := range notes {
		r.View.Note(n)
	}
}

// planDiagnostics are the configuration's warnings and the planning's
// notes, as the JSON and markdown plans carry them.
func planDiagnostics(diags hcl.Diagnostics, notes []string) []plan.Diagnostic {
	var out []plan.Diagnostic
	for _, d := range diags {
		if d.Severity != hcl.DiagWarning {
			continue
		}
		pd := plan.Diagnostic{Severity: plan.SeverityWarning, Summary: d.Summary, Detail: d.Detail}
		if r := d.Subject; r != nil && r.Filename != "" {
			pd.Range = &plan.Range{Filename: r.Filename,
				Start: plan.Pos{Line: r.Start.Line, Column: r.Start.Column, Byte: r.Start.Byte},
				End:   plan.Pos{Line: r.End.Line, Column: r.End.Column, Byte: r.End.Byte}}
		}
		out = append(out, pd)
	}
	for _, n := range notes {
		out = append(out, plan.Diagnostic{Severity: plan.SeverityNote, Summary: n})
	}
	return out
}

// ahead runs fn in the background (background); the function it returns
// waits for fn's result (and raises again a panic that stopped it).
func ahead[T any](fn func() T) func() T {
	var v T
	wait := background(func() { v = fn() })
	return func() T {
		wait()
		return v
	}
}

// background runs fn on a goroutine of its own. The wait it returns blocks
// until fn has finished (at once when called again) and raises again, on
// the caller's goroutine, a panic of fn, so that the command reports it as
// it reports its own.
func background(fn func()) (wait func()) {
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		fn()
	}()
	var once sync.Once
	var panicked any
	return func() {
		once.Do(func() { panicked = <-done })
		if panicked != nil {
			p := panicked
			panicked = nil
			panic(p)
		}
	}
}
