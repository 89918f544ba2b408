package apply

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/sync/errgroup"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/kit"
	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/state"
)

// Adoption is a correction the refresh makes to the state without any API
// call (schema/sync.md): an invitation accepted, declared live access the state
// lacked, access gone from the platform. It is written with an `adopt`
// evidence record.
type Adoption struct {
	Addr   model.Address
	Before *model.Object // as stored, nil when the state lacked it
	After  *model.Object // as live, nil when it is gone
	Why    string
	// Confirm marks a manual step the refresh saw done: it is written as
	// a `confirm` record whose actor is "roster (refresh)" (schema/sync.md).
	Confirm bool
}

// RefreshActor is the actor of confirmations the refresh makes itself.
const RefreshActor = "roster (refresh)"

// Live is what an apply needs for connected teams.
type Live struct {
	// Drivers holds the refreshed driver of each connected team.
	Drivers map[string]driver.Driver
	// Adoptions are written first, in one transaction.
	Adoptions []Adoption
	// Parallelism bounds the teams applied at once (writes inside one team
	// are never concurrent); 0 is the default, 4.
	Parallelism int
	// Progress, when set, is told after each change.
	Progress func(done, total int, addr model.Address)
	// OwnersInvited are the teams where an owner the configuration adds
	// is still only invited (an earlier apply invited them): their
	// demotions from owner wait, as when this plan invites the owner
	// (schema/sync.md "apply on connected teams", 2).
	OwnersInvited map[string]bool
}

// Failure is one change the platform refused.
type Failure struct {
	Addr model.Address
	Err  error
}

// Report is what ApplyAll did.
type Report struct {
	Result
	Failed       int
	NotAttempted int
	Failures     []Failure
	// Deferred are demotions from owner left for a later apply, because an
	// owner the plan adds has not accepted yet.
	Deferred []model.Address
	// Adopted counts the state corrections from the refresh.
	Adopted int
}

// writer commits changes one short transaction at a time, keeping the
// serial and the evidence chain between commits. It is safe for the teams'
// goroutines to share.
type writer struct {
	mu      sync.Mutex
	st      state.Store
	lineage string
	serial  uint64
	chain   evidence.Chain
	digest  string
	p       *plan.Plan
	meta    Meta
	hist    state.HistoryEntry
	// followUps are the plan's follow-up tasks by site and team, kept in
	// the records of the changes that raise them, where the runbook
	// finds them (schema/sync.md: follow-ups of any team are runbook items).
	followUps map[string][]evidence.FollowUp
	commits   int
	records   int
	// open are the state's open follow-up tasks as of the last commit,
	// known once a first commit has read them (tasksKnown): the writer
	// holds the lock, and a commit by anyone else would have moved the
	// serial it checks too.
	open       []state.Task
	tasksKnown bool
}

func (w *writer) commit(ctx context.Context, puts []*model.Object, dels []model.Address, recs []*evidence.Record) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	chain := w.chain
	// Every change's record moves the serial, a failed attempt's too
	// (schema/sync.md "apply on connected teams"), which leaves the
	// history entry written last a serial of its own.
	cs := &state.Changeset{Lineage: w.lineage, BaseSerial: w.serial, Put: puts, Delete: dels, MoveSerial: true}
	for _, r := range recs {
		w.meta.stamp(r)
		sealed, err := chain.Seal(r)
		if err != nil {
			return err
		}
		cs.Evidence = append(cs.Evidence, sealed)
		if err := evidence.NoteTasks(cs, r); err != nil {
			return err
		}
	}
	// A commit that touches follow-up tasks is prepared as every other
	// writer's is (evidence.PrepareTasks): a move or forgetting is
	// resolved, and a task raised again keeps the text it had. The first
	// commit reads the open tasks (and starts the set of a state that
	// keeps none yet); later ones use those the last commit left.
	open := w.open
	if !w.tasksKnown || len(cs.Tasks) > 0 {
		kept := true
		if !w.tasksKnown {
			var err error
			if open, kept, err = w.st.OpenTasks(ctx); err != nil {
				return err
			}
		}
		var err error
		if open, err = evidence.PrepareTasksOn(ctx, w.st, open, kept, cs); err != nil {
			return err
		}
	}
	serial, err := w.st.Commit(ctx, cs)
	if err != nil {
		return err
	}
	w.serial, w.chain, w.open, w.tasksKnown = serial, chain, open, true
	w.commits++
	w.records += len(recs)
	for _, r := range recs {
		if r.Outcome == evidence.OutcomeFailed {
			continue // nothing changed: the history counts what did
		}
		w.hist.Changes = append(w.hist.Changes, state.HistoryChange{Address: r.Address, Action: r.Action})
		switch r.Action {
		case string(plan.Create):
			w.hist.Add++
		case string(plan.Update):
			w.hist.Change++
		case string(plan.Delete):
			w.hist.Remove++
		case string(plan.Move):
			w.hist.Change++
		}
	}
	return nil
}

// failed is the record of a change the platform refused or that failed
// after retries: outcome failed, every request made for it, and the
// platform's message in note. Its after is the object as it stays (the
// change's before), and it raises no follow-up.
func (w *writer) failed(c *plan.Change, api []string, err error) *evidence.Record {
	r := changeRecord(c, c.Before, w.p, w.digest, w.meta, nil)
	r.Outcome = evidence.OutcomeFailed
	r.API = api
	r.Note = oneLine(err.Error())
	return r
}

// oneLine is s with every control character (C0, DEL, C1: a terminal
// obeys some of them) and line or paragraph separator a space: a note is
// one line, and a platform's words reach the terminal too.
func oneLine(s string) string {
	return strings.Map(func(c rune) rune {
		if unicode.IsControl(c) || unicode.In(c, unicode.Zl, unicode.Zp) {
			return ' '
		}
		return c
	}, s)
}

func (w *writer) record(c *plan.Change, after *model.Object, outcome driver.Outcome, api []string) *evidence.Record {
	r := changeRecord(c, after, w.p, w.digest, w.meta, w.followUps)
	r.Outcome = string(outcome)
	r.API = api
	return r
}

// ApplyAll applies a plan whose changes may touch connected teams: first
// the refresh's adoptions, then every offline change in one transaction,
// then each connected team's changes one at a time through its driver,
// each confirmed change committed at once with its evidence, and last the
// history entry. A refused change stops its team; other teams go on. The
// caller holds the writer's lock.
func ApplyAll(ctx context.Context, st state.Store, p *plan.Plan, meta Meta, lv *Live) (*Report, error) {
	rep := &Report{}
	chain, err := evidence.OpenChain(ctx, st)
	if err != nil {
		return nil, err
	}
	w := &writer{st: st, lineage: p.Lineage, serial: p.Serial, chain: chain, digest: meta.digest(p), p: p, meta: meta,
		followUps: indexFollowUps(p.FollowUps)}
	if w.lineage == "" {
		w.lineage = NewLineage()
	}
	w.hist = state.HistoryEntry{Time: meta.Time.UTC(), Actor: meta.Actor, PlanDigest: w.digest, Commit: meta.Commit, ChangeRequest: meta.ChangeRequest, Policy: meta.PolicyJSON}

	if err := w.adopt(ctx, lv.Adoptions); err != nil {
		return nil, staleOr(err, p)
	}
	rep.Adopted = len(lv.Adoptions)

	// Offline changes: one transaction, all or nothing.
	var offline []*plan.Change
	byTeam := map[string][]*plan.Change{}
	for i := range p.Changes {
		c := &p.Changes[i]
		if lv.Drivers[c.Addr.Team] != nil {
			byTeam[c.Addr.Team] = append(byTeam[c.Addr.Team], c)
		} else {
			offline = append(offline, c)
		}
	}
	if len(offline) > 0 {
		var puts offlinePuts
		var dels []model.Address
		var recs []*evidence.Record
		stays := waitingMoves(p.Changes, func(c *plan.Change) bool { return lv.Drivers[c.Addr.Team] == nil })
		for _, c := range offline {
			ow := recordOffline(c, stays)
			after, outcome := ow.after, driver.Applied
			if ow.manual {
				outcome = driver.Manual
				rep.Manual++
				rep.ManualSteps = append(rep.ManualSteps, ow.step(c))
			} else {
				rep.Applied++
			}
			dels = append(dels, ow.dels...)
			puts.add(&ow)
			recs = append(recs, w.record(c, after, outcome, nil))
		}
		if err := w.commit(ctx, puts.objects(), dels, recs); err != nil {
			return nil, staleOr(err, p)
		}
	}

	teams := slices.Sorted(maps.Keys(byTeam))
	total := len(p.Changes)
	var done int
	var mu sync.Mutex
	var g errgroup.Group
	g.SetLimit(kit.Limit(lv.Parallelism)) // unset: the default, 4 (schema/sync.md)
	for _, team := range teams {
		g.Go(func() error {
			tr := applyTeam(ctx, w, lv.Drivers[team], order(byTeam[team]), lv.OwnersInvited[team], func(addr model.Address) {
				if lv.Progress != nil {
					mu.Lock()
					done++
					lv.Progress(done+len(offline), total, addr)
					mu.Unlock()
				}
			})
			mu.Lock()
			defer mu.Unlock()
			rep.Applied += tr.Applied
			rep.Invited += tr.Invited
			rep.Manual += tr.Manual
			rep.Failed += tr.Failed
			rep.NotAttempted += tr.NotAttempted
			rep.Failures = append(rep.Failures, tr.Failures...)
			rep.Deferred = append(rep.Deferred, tr.Deferred...)
			rep.ManualSteps = append(rep.ManualSteps, tr.ManualSteps...)
			return nil
		})
	}
	_ = g.Wait() // the teams' failures are in the report
	sort.Slice(rep.Failures, func(i, j int) bool { return rep.Failures[i].Addr.String() < rep.Failures[j].Addr.String() })

	// The history entry last, after a failure too, with the signed
	// checkpoint of the chain's head.
	if w.commits > 0 {
		h := w.hist
		if err := func() error {
			w.mu.Lock()
			defer w.mu.Unlock()
			cs := &state.Changeset{Lineage: w.lineage, BaseSerial: w.serial, History: &h}
			if err := meta.checkpoint(context.WithoutCancel(ctx), st, cs, &w.chain); err != nil {
				return err
			}
			_, err := st.Commit(context.WithoutCancel(ctx), cs)
			return err
		}(); err != nil {
			return rep, fmt.Errorf("writing the history entry: %w", err)
		}
	}
	rep.Serial = w.serial
	rep.Records = w.records
	rep.Head = w.chain.Hash
	return rep, nil
}

func staleOr(err error, p *plan.Plan) error {
	if errors.Is(err, state.ErrStale) || errors.Is(err, state.ErrLineage) {
		return fmt.Errorf("%w: %v", ErrStalePlan, err) // the store says what moved and what to do
	}
	return err
}

// adopt writes the refresh's corrections in one transaction.
func (w *writer) adopt(ctx context.Context, ads []Adoption) error {
	if len(ads) == 0 {
		return nil
	}
	var puts []*model.Object
	var dels []model.Address
	var recs []*evidence.Record
	for _, a := range ads {
		if a.After != nil {
			o := a.After.Clone()
			o.Decl = nil
			puts = append(puts, o)
		} else {
			dels = append(dels, a.Addr)
		}
		// An adoption's why explains the record; it is no planner's
		// reason, and nothing is read back from its text.
		c := &plan.Change{Addr: a.Addr, Before: a.Before, After: a.After}
		c.SetReason(plan.ReasonOther, a.Why)
		r := changeRecord(c, a.After, w.p, w.digest, w.meta, nil)
		r.Action = evidence.ActionAdopt
		r.Outcome = evidence.OutcomeApplied
		if a.Confirm {
			r.Action = evidence.ActionConfirm
			r.Actor = RefreshActor
		}
		recs = append(recs, r)
	}
	return w.commit(ctx, puts, dels, recs)
}

// stored is what the state keeps after a change: the after object with the
// given status, or nil for a deletion.
func stored(c *plan.Change, status model.Status) *model.Object {
	if c.Action == plan.Delete || c.After == nil {
		return nil
	}
	o := c.After.Clone()
	o.Decl = nil
	if o.Addr.Kind == model.KindMember || o.Addr.Kind == model.KindGrant {
		o.Status = status
	}
	return o
}

// rosterOnly is what the state keeps after an update of what roster alone
// holds (a reason, ticket or expiry: platformChange is false), which sends
// nothing and so makes nothing on the platform: the new attributes, with
// the status the object had. An invitation stays an invitation; a
// creation waiting for a person stays waiting (status manual, pending
// create, the new attributes in the waiting change too), for a person's
// confirmation or the refresh to close (schema/sync.md). A waiting update
// of the role is withdrawn, since the role is declared as it is, as the
// planner's withdrawals are.
func rosterOnly(c *plan.Change) *model.Object {
	o := stored(c, model.StatusActive)
	if o == nil || c.Before == nil {
		return o
	}
	status := o.Addr.Kind == model.KindMember || o.Addr.Kind == model.KindGrant
	switch {
	case c.Before.PendingAction == string(plan.Create):
		p := o.Clone()
		p.PendingAction, p.Pending = "", nil
		o.PendingAction, o.Pending = string(plan.Create), p
		if status {
			o.Status = model.StatusManual
		}
	case status && c.Before.Status == model.StatusInvited:
		o.Status = model.StatusInvited
	}
	return o
}

// order sorts a team's changes into schema/sync.md's apply order (plan.SortForApply).
func order(cs []*plan.Change) []*plan.Change {
	plan.SortForApply(cs)
	return cs
}

type teamReport struct {
	Applied, Invited, Manual, Failed, NotAttempted int
	Failures                                       []Failure
	Deferred                                       []model.Address
	ManualSteps                                    []plan.Change
}

// applyTeam makes one team's changes, one at a time. ownersPending says an
// owner added to the team is still only invited before any change is made:
// demotions from owner wait (Live.OwnersInvited).
func applyTeam(ctx context.Context, w *writer, d driver.Driver, cs []*plan.Change, ownersPending bool, progress func(model.Address)) teamReport {
	var tr teamReport
	list := make([]plan.Change, 0, len(cs))
	for _, c := range cs {
		if !c.StateOnly() && c.Action != plan.Move {
			list = append(list, *c)
		}
	}
	d.Begin(list)
	// made are the changes an earlier change's requests made too
	// (driver.Result.Made). They are recorded right after it, even once
	// the apply is interrupted, since the platform holds them; a later
	// failure does not leave them out either.
	var made map[model.Address]bool
	for i, c := range cs {
		if err := ctx.Err(); err != nil && !made[c.Addr] {
			tr.NotAttempted += len(cs) - i
			tr.Failures = append(tr.Failures, Failure{Addr: c.Addr, Err: fmt.Errorf("interrupted before this change: %w", err)})
			return tr
		}
		if c.Step() == plan.StepDemote && ownersPending {
			tr.Deferred = append(tr.Deferred, c.Addr)
			continue
		}
		var res driver.Result
		var err error
		var kept *model.Object // what the state keeps of a roster-only update
		switch manual, _ := driverManual(d, c); {
		case c.IsPersonMove():
			// No platform API changes another user's email (sync.md,
			// Renames): the person does it in their account settings,
			// and the refresh closes the step. Never a removal and an
			// invitation.
			res = driver.Result{Outcome: driver.Manual}
		case c.SettingsByHand():
			// The team is roster's to record, its settings a person's:
			// no platform has an API for them (sync.md).
			res = driver.Result{Outcome: driver.Manual}
		case c.StateOnly():
			res = driver.Result{Outcome: driver.Applied}
		case manual:
			res = driver.Result{Outcome: driver.Manual}
		case c.Action == plan.Update && !platformChange(c):
			// Only what roster alone keeps changed (reason, ticket,
			// expiry): nothing to send, and the object stays as the
			// platform has it (rosterOnly).
			kept = rosterOnly(c)
			res = driver.Result{Outcome: driver.Applied}
			if kept.Status == model.StatusInvited {
				res.Outcome = driver.Invited
			}
		default:
			res, err = d.Apply(ctx, c)
		}
		if err != nil {
			// The failed attempt is evidence too (schema/sync.md): its requests
			// and the platform's message, the state object unchanged. The
			// changes that rode on its requests failed with it, each with
			// its own record of the same requests; the rest were not
			// attempted.
			failed := append([]*plan.Change{c}, riders(cs[i+1:], res.Riders)...)
			// Changes the attempt's requests made before it failed
			// (res.Made: GA4's promotion ahead of a demotion): the
			// platform holds them, so they are recorded, first.
			var puts []*model.Object
			var recs []*evidence.Record
			for _, m := range cs[i+1:] {
				if slices.Contains(res.Made, m.Addr) && !slices.Contains(failed, m) {
					after := stored(m, model.StatusActive)
					puts = append(puts, after)
					recs = append(recs, w.record(m, after, driver.Applied, nil))
					tr.Applied++
				}
			}
			tr.Failed += len(failed)
			tr.NotAttempted += len(cs) - i - len(failed) - len(puts)
			for _, f := range failed {
				tr.Failures = append(tr.Failures, Failure{Addr: f.Addr, Err: err})
				recs = append(recs, w.failed(f, res.API, err))
			}
			if cerr := w.commit(context.WithoutCancel(ctx), puts, nil, recs); cerr != nil {
				tr.Failures = append(tr.Failures, Failure{Addr: c.Addr, Err: fmt.Errorf("the failed attempt could not be recorded: %w", cerr)})
			}
			return tr
		}
		status := model.StatusActive
		if res.Outcome == driver.Invited {
			status = model.StatusInvited
			if c.Addr.Kind == model.KindMember && c.After != nil && c.After.Role == model.RoleOwner {
				ownersPending = true
			}
		}
		after := stored(c, status)
		switch {
		case res.Outcome == driver.Manual:
			after = waiting(c)
		case kept != nil:
			after = kept
		}
		var puts []*model.Object
		var dels []model.Address
		switch {
		case c.Action == plan.Move && res.Outcome != driver.Manual:
			dels, puts = moveWrites(c, after)
		case after != nil:
			puts = append(puts, after)
		default:
			dels = append(dels, c.Addr)
		}
		note := oneLine(res.Note) // the platform's words: why a person must do it
		rec := w.record(c, after, res.Outcome, res.API)
		if res.Outcome == driver.Manual && note != "" {
			rec.Note = note
		}
		if err := w.commit(context.WithoutCancel(ctx), puts, dels, []*evidence.Record{rec}); err != nil {
			tr.Failed++
			tr.NotAttempted += len(cs) - i - 1
			what := "the platform made the change but the state could not record it"
			if res.Outcome == driver.Manual { // the platform made nothing
				what = "the change is left to a person, but the state could not record its manual step"
			}
			tr.Failures = append(tr.Failures, Failure{Addr: c.Addr, Err: fmt.Errorf("%s: %w", what, err)})
			return tr
		}
		if len(res.Made) > 0 {
			if made == nil {
				made = map[model.Address]bool{}
			}
			for _, a := range res.Made {
				made[a] = true
			}
			bringForward(cs[i+1:], made)
		}
		switch res.Outcome {
		case driver.Invited:
			tr.Invited++
			tr.Applied++
		case driver.Manual:
			tr.Manual++
			step := *c
			step.Note = note
			tr.ManualSteps = append(tr.ManualSteps, step)
		default:
			tr.Applied++
		}
		progress(c.Addr)
	}
	return tr
}

// bringForward moves the changes of rest that were made already to its
// front, in their order, the others keeping theirs.
func bringForward(rest []*plan.Change, made map[model.Address]bool) {
	slices.SortStableFunc(rest, func(a, b *plan.Change) int {
		switch x, y := made[a.Addr], made[b.Addr]; {
		case x && !y:
			return -1
		case y && !x:
			return 1
		}
		return 0
	})
}

// riders are the changes of rest whose addresses the driver named as
// riding on a failed change's requests.
func riders(rest []*plan.Change, addrs []model.Address) []*plan.Change {
	var out []*plan.Change
	for _, c := range rest {
		if slices.Contains(addrs, c.Addr) {
			out = append(out, c)
		}
	}
	return out
}

// platformChange reports whether an update changes something the platform
// holds: a role, a grant's holder kind (a guest becoming a member), a
// group's members or id. Reason, ticket and expiry live in roster only.
func platformChange(c *plan.Change) bool {
	b, a := c.Before, c.After
	switch c.Addr.Kind {
	case model.KindMember:
		return b.Role != a.Role
	case model.KindGrant:
		return b.Role != a.Role || b.HolderKind != a.HolderKind || !slices.Equal(b.Capabilities, a.Capabilities)
	case model.KindGroup:
		return !slices.Equal(b.Members, a.Members) || b.RemoteID != a.RemoteID
	}
	return true
}

// waiting is what the state keeps for a change left to a person: the
// access that really exists (for a creation, the object to be made), with
// status manual and the pending change.
func waiting(c *plan.Change) *model.Object {
	var o *model.Object
	if c.Before != nil {
		o = c.Before.Clone()
	} else {
		o = c.After.Clone()
	}
	o.Decl = nil
	if o.Addr.Kind == model.KindMember || o.Addr.Kind == model.KindGrant {
		o.Status = model.StatusManual
	}
	if c.Before == nil && o.Addr.Kind == model.KindTeam {
		// A team roster adopts (SettingsByHand): what its settings are,
		// no one has checked yet; the declared ones wait in Pending.
		o.DisplayName, o.Require2FA, o.SSO = "", nil, ""
	}
	o.PendingAction = string(c.Action)
	if c.Action == plan.Update && c.Before.PendingAction == string(plan.Create) {
		// Still not made: the person makes it as it is now declared.
		o.PendingAction = string(plan.Create)
	}
	o.Pending = nil
	if c.After != nil && o.Addr.Kind == model.KindTeam {
		// Whether roster reaches the team through an API is roster's
		// own to record at once; only the settings wait for a person.
		o.Connected = c.After.Connected
	}
	if c.After != nil {
		o.Pending = c.After.Clone()
		o.Pending.Decl = nil
		o.Pending.PendingAction, o.Pending.Pending = "", nil
		if o.Pending.Addr.Kind == model.KindMember || o.Pending.Addr.Kind == model.KindGrant {
			o.Pending.Status = model.StatusActive
		}
	}
	return o
}

// driverManual asks the driver whether c is left to a person; a move is
// never the driver's (sync.md, Renames), so it is not asked.
func driverManual(d driver.Driver, c *plan.Change) (bool, string) {
	if c.Action == plan.Move {
		return false, ""
	}
	return d.Manual(c)
}
