package apply

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/state"
)

// Meta is who applies and where the change comes from (schema/cli.md "apply and
// evidence"); the operations (internal/ops) resolve it from the request
// and the environment.
type Meta struct {
	Actor         string
	Approvers     []string
	Commit        string
	ChangeRequest string
	// ChangeTicket (apply --ticket, $ROSTER_TICKET) and PolicyDigest (the
	// policy in force, policy.Digest) go on every record the apply writes
	// (schema/cli.md "Evidence, version 2").
	ChangeTicket string
	PolicyDigest string
	// PolicyJSON is the policy in force (policy.JSON), kept in the history
	// entry so the next plan can tell a weakened policy.
	PolicyJSON []byte
	Time       time.Time
	// PlanDigest, when set, is the evidence's plan_digest: the reviewed
	// plan's with apply --reviewed, or the applied plan's own computed
	// beforehand (apply PLANFILE computes it while the configuration is
	// checked).
	PlanDigest string
	// Sign, when set, makes the signed checkpoint of the chain's head (the
	// last record's seq and hash) that ends every write of evidence
	// (schema/cli.md "Signed evidence"), following the newest stored checkpoint
	// prev (nil when there is none: checkpoints chain, schema/cli.md "Evidence,
	// version 2"); its JSON is stored in the same transaction as the
	// records.
	Sign func(prev []byte, seq uint64, hash string, at time.Time) ([]byte, error)
}

// stamp puts what every record of this apply holds on r.
func (m Meta) stamp(r *evidence.Record) {
	r.ChangeTicket, r.PolicyDigest = m.ChangeTicket, m.PolicyDigest
}

// digest is the plan_digest of p's evidence.
func (m Meta) digest(p *plan.Plan) string {
	if m.PlanDigest != "" {
		return m.PlanDigest
	}
	return p.Digest()
}

// checkpoint adds the signed checkpoint of chain's head to cs, after the
// newest checkpoint st holds. The caller holds the writer's lock.
func (m Meta) checkpoint(ctx context.Context, st state.Store, cs *state.Changeset, chain *evidence.Chain) error {
	if m.Sign == nil || chain.Seq == 0 {
		return nil
	}
	var prev []byte
	if err := st.Checkpoints(ctx, func(_ uint64, raw []byte) error { prev = raw; return nil }); err != nil {
		return err
	}
	cp, err := m.Sign(prev, chain.Seq, chain.Hash, m.Time)
	if err != nil {
		return fmt.Errorf("signing the checkpoint: %w", err)
	}
	cs.Checkpoints = append(cs.Checkpoints, cp)
	return nil
}

// commit signs a checkpoint where one is due and commits cs, filling res
// with the commit's serial, its records and the chain's new head.
func (m Meta) commit(ctx context.Context, st state.Store, cs *state.Changeset, chain *evidence.Chain, res *Result) error {
	if err := m.checkpoint(ctx, st, cs, chain); err != nil {
		return err
	}
	serial, err := st.Commit(ctx, cs)
	if err != nil {
		return err
	}
	res.Serial, res.Records, res.Head = serial, len(cs.Evidence), chain.Hash
	return nil
}

// Result is what an apply wrote.
type Result struct {
	// Applied counts the changes made (invitations included); Manual
	// those left to a person as manual steps, counted apart.
	Applied int
	Invited int
	Manual  int
	// ManualSteps are the changes recorded as manual steps.
	ManualSteps []plan.Change
	Serial      uint64
	Records     int
	Head        string
}

// ErrStalePlan is returned when the state moved since the plan was made.
var ErrStalePlan = errors.New("stale plan")

// Apply commits every change of p to st in one transaction, with a history
// entry and one evidence record per change. The caller holds the writer's
// lock. A plan made against another serial or lineage is refused with an
// error wrapping ErrStalePlan, and nothing is written.
func Apply(ctx context.Context, st state.Store, p *plan.Plan, meta Meta) (*Result, error) {
	res := &Result{}
	if p.Empty() {
		return res, nil
	}
	chain0, err := evidence.OpenChain(ctx, st)
	if err != nil {
		return nil, err
	}
	lineage := p.Lineage
	if lineage == "" {
		lineage = NewLineage()
	}
	chain := &chain0
	digest := meta.digest(p)
	cs := &state.Changeset{Lineage: lineage, BaseSerial: p.Serial}
	hist := &state.HistoryEntry{
		Time: meta.Time.UTC(), Actor: meta.Actor, PlanDigest: digest,
		Commit: meta.Commit, ChangeRequest: meta.ChangeRequest, Policy: meta.PolicyJSON,
	}
	followUps := indexFollowUps(p.FollowUps)
	stays := waitingMoves(p.Changes, nil)
	// Every list below gets about one entry per change: sized once, not
	// grown by doubling (a Change is large, and a 100,000-change plan
	// copied its manual steps some twenty times over).
	n, manual := len(p.Changes), 0
	for i := range p.Changes {
		if ByHand(&p.Changes[i]) {
			manual++
		}
	}
	puts := offlinePuts{rest: make([]*model.Object, 0, n)}
	cs.Evidence = make([]state.EvidenceRecord, 0, n)
	hist.Changes = make([]state.HistoryChange, 0, n)
	if manual > 0 {
		res.ManualSteps = make([]plan.Change, 0, manual)
	}
	for i := range p.Changes {
		c := &p.Changes[i]
		switch c.Action {
		case plan.Create, plan.Update, plan.Delete, plan.Move:
		default:
			return nil, fmt.Errorf("%s: unknown action %q in plan", c.Addr, c.Action)
		}
		w := recordOffline(c, stays)
		after := w.after
		outcome := evidence.OutcomeApplied
		if w.manual {
			outcome = evidence.OutcomeManual
			res.Manual++
			res.ManualSteps = append(res.ManualSteps, w.step(c))
		} else {
			res.Applied++
		}
		cs.Delete = append(cs.Delete, w.dels...)
		puts.add(&w)
		switch c.Action {
		case plan.Create:
			hist.Add++
		case plan.Update:
			hist.Change++
		case plan.Delete:
			hist.Remove++
		case plan.Move:
			hist.Change++
		}
		rec := changeRecord(c, after, p, digest, meta, followUps)
		hist.Changes = append(hist.Changes, state.HistoryChange{Address: rec.Address, Action: string(c.Action)})
		rec.Outcome = outcome
		sealed, err := chain.Seal(rec)
		if err != nil {
			return nil, fmt.Errorf("%s: sealing evidence: %v", c.Addr, err)
		}
		cs.Evidence = append(cs.Evidence, sealed)
		if err := evidence.NoteTasks(cs, rec); err != nil {
			return nil, err
		}
	}
	cs.Put = puts.objects()
	cs.History = hist
	if err := evidence.PrepareTasks(ctx, st, cs); err != nil {
		return nil, err
	}
	if err := meta.commit(ctx, st, cs, chain, res); err != nil {
		if errors.Is(err, state.ErrStale) || errors.Is(err, state.ErrLineage) {
			return nil, fmt.Errorf("%w: %v", ErrStalePlan, err) // the store says what moved and what to do
		}
		return nil, err
	}
	return res, nil
}

// offlineWrite is what the state records of one offline change at apply
// (sync.md "Offline and connected teams").
type offlineWrite struct {
	after *model.Object // the evidence record's after
	puts  []*model.Object
	dels  []model.Address
	// first: the puts go before the other changes' (a move's, so that a
	// later change of what it carries, at its new address, wins).
	first bool
	// manual: a step for a person, open until roster confirm.
	manual bool
	// at is where a waiting change of what a waiting move carries stays
	// (the carried object's old address); zero otherwise.
	at model.Address
}

// offlinePuts gathers the objects offline changes put, for one commit:
// the moves' first (offlineWrite.first), the latest move's before the
// earlier ones', then the others in plan order. Collected apart and joined
// once: prepending each move's objects copied all gathered so far.
type offlinePuts struct {
	moves [][]*model.Object
	rest  []*model.Object
}

func (o *offlinePuts) add(w *offlineWrite) {
	if w.first {
		o.moves = append(o.moves, w.puts)
	} else {
		o.rest = append(o.rest, w.puts...)
	}
}

// objects are the puts in commit order.
func (o *offlinePuts) objects() []*model.Object {
	if len(o.moves) == 0 {
		return o.rest
	}
	n := len(o.rest)
	for _, m := range o.moves {
		n += len(m)
	}
	out := make([]*model.Object, 0, n)
	for i := len(o.moves) - 1; i >= 0; i-- {
		out = append(out, o.moves[i]...)
	}
	return append(out, o.rest...)
}

// recordOffline is the state's record of offline change c. What roster alone
// keeps (ByHand false) is recorded at once, a site's, team's or group's
// move with everything it carries. A person's move is one manual step
// (sync.md, Renames: a rename is one step): the state keeps the object at
// its old address with the move pending, and what the move carries where
// it is, until roster confirm re-keys them all (Confirm). stays
// (waitingMoves) gives, for the new address of each object such a move
// carries, its old one: a change of that object beside the move waits
// there too.
func recordOffline(c *plan.Change, stays map[model.Address]model.Address) offlineWrite {
	switch {
	case c.Action == plan.Move && !ByHand(c):
		after := stored(c, model.StatusActive)
		del, put := moveWrites(c, after)
		return offlineWrite{after: after, puts: put, dels: del, first: true}
	case ByHand(c):
		after := waiting(c)
		w := offlineWrite{after: after, puts: []*model.Object{after}, manual: true}
		if old, ok := stays[c.Addr]; ok && c.Action != plan.Create {
			after.Addr, w.at = old, old
		}
		return w
	}
	after := stored(c, model.StatusActive)
	if c.Action == plan.Update && !c.StateOnly() {
		after = rosterOnly(c) // not ByHand: what roster alone keeps
	}
	if after != nil {
		return offlineWrite{after: after, puts: []*model.Object{after}}
	}
	return offlineWrite{dels: []model.Address{c.Addr}}
}

// step is c as its manual step is printed: a waiting change of what a
// waiting move carries is where the state keeps it (w.at).
func (w offlineWrite) step(c *plan.Change) plan.Change {
	s := *c
	if w.at != (model.Address{}) && s.Before != nil {
		s.Before = s.Before.Clone()
		s.Before.Addr = w.at
	}
	return s
}

// waitingMoves maps the new address of everything a person's move among
// cs carries to its old address, for the moves that are manual steps
// (offline, where keep is nil or says so).
func waitingMoves(cs []plan.Change, keep func(*plan.Change) bool) map[model.Address]model.Address {
	var m map[model.Address]model.Address
	for i := range cs {
		c := &cs[i]
		if !c.IsPersonMove() || len(c.Carried()) == 0 || keep != nil && !keep(c) {
			continue
		}
		if m == nil {
			m = map[model.Address]model.Address{}
		}
		for _, o := range c.Carried() {
			if na, ok := model.Rekey(o.Addr, c.From(), c.Addr); ok {
				m[na] = o.Addr
			}
		}
	}
	return m
}

// ByHand reports whether an offline team's change is a manual step
// (sync.md "Offline and connected teams"): every change a person makes in
// the platform's UI is, and so are the settings of a team declared with
// them (plan.Change.SettingsByHand), on connected teams too. What roster
// alone keeps (sites, a team declared without settings, forgetting, a
// reason, ticket or expiry) is recorded at once.
func ByHand(c *plan.Change) bool {
	if c.SettingsByHand() {
		return true
	}
	if c.StateOnly() {
		return false
	}
	return c.Action != plan.Update || platformChange(c)
}

// changeRecord is the evidence record of one applied change.
func changeRecord(c *plan.Change, after *model.Object, p *plan.Plan, digest string, meta Meta, followUps map[string][]evidence.FollowUp) *evidence.Record {
	src := after
	if src == nil {
		src = c.Before
	}
	risks := make([]string, len(c.Risks))
	for i, r := range c.Risks {
		risks[i] = string(r)
	}
	r := &evidence.Record{
		Time:             evidence.FormatTime(meta.Time),
		Address:          c.Addr.String(),
		Action:           string(c.Action),
		Before:           evidence.ObjectJSON(c.Before),
		After:            evidence.ObjectJSON(after),
		Risks:            risks,
		Why:              recordWhy(c),
		Actor:            meta.Actor,
		Approvers:        meta.Approvers,
		Commit:           meta.Commit,
		ChangeRequest:    meta.ChangeRequest,
		PlanDigest:       digest,
		AllowMassRemoval: p.AllowMassRemoval,
		Outcome:          evidence.OutcomeApplied,
	}
	meta.stamp(r)
	if src != nil {
		r.Reason, r.Ticket = src.Reason, src.Ticket
	}
	if c.Action == plan.Delete {
		// A removal carries the offboarding ticket (the change's), not the
		// onboarding one, which its before still shows (schema/cli.md,
		// "The change ticket").
		r.Ticket = r.ChangeTicket
	}
	// A person's follow-ups are those of the sites the change touched:
	// the grant's site, or every site of the team for a team-wide role.
	switch c.Addr.Kind {
	case model.KindGrant:
		r.FollowUps = followUps[c.Addr.SiteAddr().String()]
	case model.KindMember:
		r.FollowUps = followUps["team:"+c.Addr.Team]
	}
	return r
}

// indexFollowUps maps each site address, and "team:NAME", to its follow-ups.
func indexFollowUps(fs []plan.FollowUp) map[string][]evidence.FollowUp {
	m := make(map[string][]evidence.FollowUp)
	for _, f := range fs {
		e := evidence.FollowUp{Address: f.Site.String(), Task: f.Task, Text: f.Text}
		m[e.Address] = append(m[e.Address], e)
		m["team:"+f.Site.Team] = append(m["team:"+f.Site.Team], e)
	}
	return m
}

// NewLineage makes the random id of a new state.
func NewLineage() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported systems
	}
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// moveWrites are the state writes of a move: the old addresses of the
// object and of everything carried with it go, and the same objects are
// put under the new addresses, all in the one commit of the apply.
func moveWrites(c *plan.Change, after *model.Object) (del []model.Address, put []*model.Object) {
	del = append(del, c.From())
	put = append(put, after)
	for _, o := range c.Carried() {
		na, ok := model.Rekey(o.Addr, c.From(), c.Addr)
		if !ok {
			continue
		}
		del = append(del, o.Addr)
		put = append(put, movedCopy(o, c.From(), c.Addr, na))
	}
	return del, put
}

// recordWhy is the why of a change's evidence record: a move's names its
// old address (evidence.WhyMovedFrom), which is how the history of the old
// address is found under the new one.
func recordWhy(c *plan.Change) string {
	if c.Action != plan.Move {
		return c.Why
	}
	w := evidence.WhyMovedFrom + c.From().String()
	if c.Why != "" {
		w += " (" + c.Why + ")"
	}
	return w
}
