package ops

import (
	"cmp"
	"context"
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/roster-dev/roster/internal/apply"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/state"
)

// Who is who applies and where from, as given (apply's --actor,
// --approver, --commit, --change-request, --ticket); what is not given
// comes from the plan, then the environment (schema/cli.md).
type Who struct {
	Actor         string
	Approvers     []string
	Commit        string
	ChangeRequest string
	Ticket        string
}

// ApplyUI is the part of an apply the person at the terminal takes.
type ApplyUI interface {
	// Show shows the plan about to be applied.
	Show(p *plan.Plan) error
	// Approve asks whether to apply (ask false: approved already, by
	// --auto-approve or a reviewed plan); false cancels.
	Approve(ctx context.Context, ask bool) (bool, error)
}

// ApplyRequest is an apply that plans afresh (roster apply without a plan
// file).
type ApplyRequest struct {
	PlanRequest
	Who         Who
	AutoApprove bool
	// CanAsk says the person can be asked (standard input is a terminal).
	CanAsk      bool
	LockTimeout time.Duration
	// Reviewed is a reviewed plan file (--reviewed): the fresh plan is
	// applied only if its changes are exactly the reviewed plan's.
	Reviewed string
	UI       ApplyUI
}

// ApplySavedRequest is the apply of a saved plan file, exactly as saved.
type ApplySavedRequest struct {
	File string
	Now  time.Time
	// Parallelism and MaxWait as in PlanRequest (the plan says whether
	// it reinvites).
	Parallelism int
	MaxWait     time.Duration
	MaxWaitSet  bool
	Who         Who
	LockTimeout time.Duration
}

// ApplyResult is what an apply did.
type ApplyResult struct {
	// Plan is the plan applied.
	Plan *plan.Plan
	// Nothing says there was nothing to apply or adopt; Checkpoint is the
	// checkpoint then signed over the evidence head, nil when none was.
	Nothing    bool
	Checkpoint *Checkpointed
	// Interrupted says Ctrl-C or SIGTERM stopped the apply before any
	// change was recorded: nothing was applied. Err, when set, says what
	// it was doing (reading the plan file, refreshing a team).
	Interrupted bool
	// Result is the outcome of an offline apply (one commit).
	Result *apply.Result
	// Report is the outcome of an apply through the platforms' APIs;
	// Err, when set, the error that stopped it after part of it was done.
	Report *apply.Report
	Err    error
	// ViaAPI are the manual steps of connected teams, Offline those of
	// offline teams; Teams maps the connected teams to their platforms,
	// Platforms every team.
	ViaAPI, Offline []plan.Change
	Teams           map[string]string
	Platforms       map[string]string
}

// Failed reports whether the apply failed after part of it was done (or
// before any of it, interrupted).
func (res *ApplyResult) Failed() bool {
	if res.Interrupted {
		return true
	}
	rep := res.Report
	return rep != nil && (rep.Failed > 0 || rep.NotAttempted > 0 || res.Err != nil)
}

// interruptedApply makes an apply that Ctrl-C or SIGTERM stopped before
// its changes began (while it read the plan, refreshed its teams, waited
// for the lock) end as an interrupted apply does (schema/sync.md "apply on
// connected teams", 5: exit 1 and the failure line): p, when known, is the
// plan whose changes were not attempted.
func interruptedApply(ctx context.Context, p *plan.Plan, res *ApplyResult, err error) (*ApplyResult, error) {
	if err == nil || ctx.Err() == nil {
		return res, err
	}
	if p == nil {
		p = &plan.Plan{} // not read or not made yet: no change is known
	}
	return &ApplyResult{Plan: p, Interrupted: true, Err: err}, nil
}

// Apply plans afresh, shows the plan, asks for approval and applies it.
// Interrupted before its changes begin, it ends as an interrupted apply
// (interruptedApply), except at the confirmation, which cancels it.
func Apply(ctx context.Context, env *Env, req ApplyRequest) (res *ApplyResult, err error) {
	var made *plan.Plan
	asked := false
	defer func() {
		if !asked {
			res, err = interruptedApply(ctx, made, res, err)
		}
	}()
	if err := CheckSigner(); err != nil {
		return nil, err
	}
	var reviewed *plan.Plan
	if req.Reviewed != "" {
		p, err := readPlan(ctx, "reviewed plan", req.Reviewed) // bounded, cancellable
		if err != nil {
			return nil, err
		}
		// The fresh plan is made as the reviewed one was.
		reviewed = p
		req.AutoApprove = true // it was reviewed, as apply PLANFILE
		req.Reinvite = p.Reinvite
		req.AllowMassRemoval = req.AllowMassRemoval || p.AllowMassRemoval
	}
	st, err := env.open(ctx)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if !req.AutoApprove && !req.CanAsk {
		return nil, &Error{Msg: "apply needs confirmation, and cannot ask: standard input is not a terminal, or --input=false: review the plan and run roster apply --auto-approve, or apply a saved plan (roster plan --out FILE; roster apply FILE)"}
	}
	unlock, err := lockState(ctx, st, "apply", req.LockTimeout)
	if err != nil {
		return nil, err
	}
	defer unlock()
	r := env.run(req.Now)
	pd, err := r.makePlan(ctx, st, &req.PlanRequest)
	if err != nil {
		return nil, err
	}
	p := pd.Plan
	made = p
	if reviewed != nil {
		if reviewed.Lineage != "" && pd.Snapshot.Lineage != reviewed.Lineage {
			return nil, errorf("reviewed plan %s was made against another state (lineage %s, this state's is %s)", req.Reviewed, reviewed.Lineage, pd.Snapshot.Lineage)
		}
		if err := plan.CheckReviewed(reviewed, p); err != nil {
			return nil, &Error{Msg: err.Error()}
		}
	}
	if !req.Refresh {
		if err := refusesUnrefreshed(pd.Config.Config, p); err != nil {
			return nil, err
		}
	}
	if err := req.UI.Show(p); err != nil {
		return nil, err
	}
	cn := pd.Connected
	nothing := p.Empty() && (cn == nil || (len(p.Drift) == 0 && !req.RefreshOnly))
	if req.RefreshOnly {
		nothing = len(p.Drift) == 0
	}
	if nothing && (cn == nil || len(apply.Adoptions(cn.view.Live, cn.view.LiveTeams, pd.Snapshot.Objects, p, cn.declared())) == 0) {
		cp, err := checkpointHead(ctx, st)
		if err != nil {
			return nil, err
		}
		return &ApplyResult{Plan: p, Nothing: true, Checkpoint: cp}, nil
	}
	if err := r.checkDuties(p, req.Who); err != nil {
		return nil, err
	}
	ok, err := req.UI.Approve(ctx, !req.AutoApprove)
	if err != nil {
		asked = true // Ctrl-C at the question cancels: its own message
		return nil, err
	}
	if !ok {
		return nil, &Error{Msg: "apply cancelled: only 'yes' is accepted to approve"}
	}
	platforms := pd.Platforms()
	meta := r.meta(p, req.Who, reviewed)
	if cn != nil {
		return r.applyConnected(ctx, st, p, cn, pd.Snapshot.Objects, meta, req.Parallelism, req.RefreshOnly, platforms)
	}
	return r.applyPlan(ctx, st, p, meta, platforms)
}

// ApplySaved applies a saved plan exactly as saved. Connected teams the
// plan changes or saw drift in are refreshed first, and the plan is refused
// as stale when their live access moved; what the refresh finds is written
// as in any apply, even when the plan has no change. Interrupted before
// its changes begin, it ends as an interrupted apply (interruptedApply).
func ApplySaved(ctx context.Context, env *Env, req ApplySavedRequest) (res *ApplyResult, err error) {
	var read *plan.Plan
	defer func() { res, err = interruptedApply(ctx, read, res, err) }()
	if err := CheckSigner(); err != nil {
		return nil, err
	}
	st, err := env.open(ctx)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	r := env.run(req.Now)
	file := req.File
	// The configuration is read and parsed while the plan file is, and
	// the plan's digest computed while the configuration is checked:
	// none needs another, and each takes one core for a while.
	r.readAhead()
	p, err := ReadPlanFile(ctx, file)
	if err != nil {
		return nil, err
	}
	read = p
	digest := ahead(p.Digest) // p does not change until it is taken
	if err := r.checkSavedPlan(ctx, st, p, file); err != nil {
		return nil, err
	}
	planDigest := digest()
	unlock, err := lockState(ctx, st, "apply", req.LockTimeout)
	if err != nil {
		return nil, err
	}
	defer unlock()
	ro := (&PlanRequest{Parallelism: req.Parallelism, Reinvite: p.Reinvite, MaxWait: req.MaxWait, MaxWaitSet: req.MaxWaitSet}).driverOptions()
	// The teams the plan changes, and those where it saw drift: like any
	// apply, this one writes what the refresh finds there (schema/sync.md). A
	// plan with nothing at all refreshes every connected team, for the
	// status changes (an invitation accepted) any apply writes.
	var touched map[string]bool
	if !p.Empty() || len(p.Drift) > 0 {
		touched = map[string]bool{}
		for _, c := range p.Changes {
			touched[c.Addr.Team] = true
		}
		for _, d := range p.Drift {
			touched[d.Addr.Team] = true
		}
	}
	var cn *Connected
	var prior []*model.Object
	platforms := teamPlatforms(p.Changes)
	if files, _ := filepath.Glob(filepath.Join(r.Dir, "*.hcl")); len(files) > 0 {
		cfg, err := r.loadConfig()
		if err != nil {
			return nil, err
		}
		for t, name := range platformsOf(cfg.Config.Objects) {
			platforms[t] = name
		}
		if hasConnections(cfg.Config) {
			snap, err := snapshot(ctx, st)
			if err != nil {
				return nil, err
			}
			if err := checkSerial(snap, p); err != nil {
				return nil, err
			}
			prior = snap.Objects
			cn, err = r.refresh(ctx, cfg, prior, ro, func(t string) bool { return touched == nil || touched[t] })
			if err != nil {
				return nil, err
			}
			if len(cn.teams) == 0 {
				cn = nil
			} else if err := checkStale(p, cn); err != nil {
				return nil, err
			}
		}
	}
	if p.Empty() && (cn == nil || len(apply.Adoptions(cn.view.Live, cn.view.LiveTeams, prior, p, cn.declared())) == 0) {
		if cn == nil {
			// Offline, nothing checked the plan against the state yet.
			snap, err := snapshot(ctx, st)
			if err != nil {
				return nil, err
			}
			if err := checkSerial(snap, p); err != nil {
				return nil, err
			}
		}
		cp, err := checkpointHead(ctx, st)
		if err != nil {
			return nil, err
		}
		return &ApplyResult{Plan: p, Nothing: true, Checkpoint: cp}, nil
	}
	if err := r.checkDuties(p, req.Who); err != nil {
		return nil, err
	}
	meta := r.meta(p, req.Who, nil)
	meta.PlanDigest = planDigest
	if cn != nil {
		return r.applyConnected(ctx, st, p, cn, prior, meta, req.Parallelism, false, platforms)
	}
	return r.applyPlan(ctx, st, p, meta, platforms)
}

// refusesUnrefreshed refuses apply --refresh=false when the plan changes a
// connected team: its changes go through the platform's API, which needs
// the refresh (the people's and sites' ids); recording them as done
// without making them would be false evidence. The state-only changes of
// such a team need no API and pass.
func refusesUnrefreshed(cfg *model.Config, p *plan.Plan) error {
	connected := cfg.ConnectedTeams()
	for i := range p.Changes {
		if c := &p.Changes[i]; connected[c.Addr.Team] && !c.StateOnly() {
			return errorf("apply --refresh=false cannot change team %s: its changes go through the platform's API, which needs a refresh first (%s); apply without --refresh=false, or save this plan with roster plan --refresh=false --out FILE and apply the file, which refreshes the teams it changes", c.Addr.Team, c.Addr)
		}
	}
	return nil
}

// checkSerial refuses a saved plan made against another state (schema/cli.md:
// stale plan when the serial moved). A plan made against an empty state
// names no lineage (SavePlan) and is checked by its serial alone.
func checkSerial(snap *state.Snapshot, p *plan.Plan) error {
	if snap.Lineage != "" && p.Lineage != "" && snap.Lineage != p.Lineage {
		return errorf("stale plan: the plan was made against another state (lineage %s; this state's is %s); make a new plan", p.Lineage, snap.Lineage)
	}
	if snap.Serial != p.Serial {
		return errorf("stale plan: the state moved to serial %d since the plan was made against serial %d; make a new plan", snap.Serial, p.Serial)
	}
	return nil
}

// meta is who applies and where from: the request first, then the plan,
// then the environment (schema/cli.md). With a reviewed plan, the evidence
// names it, and what it knew.
func (r *run) meta(p *plan.Plan, who Who, reviewed *plan.Plan) apply.Meta {
	var digest string
	if reviewed != nil {
		p, digest = reviewed, reviewed.Digest()
	}
	meta := apply.Meta{
		PlanDigest:    digest,
		Actor:         cmp.Or(who.Actor, envActor()),
		Approvers:     who.Approvers,
		Commit:        cmp.Or(who.Commit, p.Commit, envCommit(r.Dir)),
		ChangeRequest: cmp.Or(who.ChangeRequest, p.ChangeRequest, envChangeRequest()),
		ChangeTicket:  cmp.Or(who.Ticket, os.Getenv("ROSTER_TICKET")),
		PolicyDigest:  r.policyDigest(),
		PolicyJSON:    r.policyJSON(),
		Time:          time.Now().UTC(),
		Sign:          signFunc(),
	}
	if len(meta.Approvers) == 0 {
		meta.Approvers = envApprovers()
	}
	return meta
}

// ApplyPlan applies a plan of offline teams in one transaction, with the
// state already open: who applies as who says.
func ApplyPlan(ctx context.Context, env *Env, st state.Store, p *plan.Plan, who Who, platforms map[string]string) (*ApplyResult, error) {
	r := env.run(time.Time{})
	return r.applyPlan(ctx, st, p, r.meta(p, who, nil), platforms)
}

// applyPlan applies a plan of offline teams in one transaction.
func (r *run) applyPlan(ctx context.Context, st state.Store, p *plan.Plan, meta apply.Meta, platforms map[string]string) (*ApplyResult, error) {
	res, err := apply.Apply(ctx, st, p, meta)
	if err != nil {
		if ctx.Err() != nil {
			return &ApplyResult{Plan: p, Interrupted: true}, nil
		}
		if errors.Is(err, apply.ErrStalePlan) {
			return nil, &Error{Msg: err.Error()}
		}
		return nil, StoreError(err)
	}
	return &ApplyResult{Plan: p, Result: res, Offline: res.ManualSteps, Platforms: platforms}, nil
}

// applyConnected applies p with the refreshed drivers (schema/sync.md).
func (r *run) applyConnected(ctx context.Context, st state.Store, p *plan.Plan, cn *Connected, prior []*model.Object, meta apply.Meta, parallelism int, refreshOnly bool, platforms map[string]string) (*ApplyResult, error) {
	var ads []apply.Adoption
	if refreshOnly {
		ads = apply.Adoptions(cn.view.Live, cn.view.LiveTeams, prior, nil, nil)
		p = &plan.Plan{Lineage: p.Lineage, Serial: p.Serial, ConfigDigest: p.ConfigDigest, CreatedAt: p.CreatedAt, Now: p.Now}
	} else {
		ads = apply.Adoptions(cn.view.Live, cn.view.LiveTeams, prior, p, cn.declared())
	}
	lv := &apply.Live{Drivers: cn.drivers, Adoptions: ads, Parallelism: parallelism, Progress: r.View.Progress(), OwnersInvited: cn.ownersInvited()}
	rep, err := apply.ApplyAll(ctx, st, p, meta, lv)
	if err != nil && rep == nil {
		if ctx.Err() != nil {
			return &ApplyResult{Plan: p, Interrupted: true}, nil
		}
		return nil, StoreOrError(err)
	}
	res := &ApplyResult{Plan: p, Report: rep, Err: err, Teams: map[string]string{}, Platforms: platforms}
	for _, t := range cn.teams {
		res.Teams[t.Name] = t.Platform.Name
	}
	// The offline teams beside the connected ones get their steps
	// (schema/sync.md: one configuration may mix both); their changes are
	// committed first, so a failure later does not undo them.
	for _, c := range rep.ManualSteps {
		if cn.view.LiveTeams[c.Addr.Team] {
			res.ViaAPI = append(res.ViaAPI, c)
		} else {
			res.Offline = append(res.Offline, c)
		}
	}
	return res, nil
}
