package apply

import (
	"context"
	"errors"
	"fmt"

	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
)

// Imported is one object `roster import` records, with why.
type Imported struct {
	Object *model.Object
	// Why says where it comes from ("found on PostHog (eu.posthog.com)",
	// "read from people.csv", "declared; recorded by import").
	Why string
}

// Import records what `roster import` declared (schema/sync.md "import"): every
// object is put in the state as given, with one evidence record each
// (action import, outcome applied, the actor and the time), and a history
// entry — all in one transaction, on top of the snapshot the caller read
// while holding the writer's lock. An object the state already holds is
// replaced, and its record's before is the stored object.
func Import(ctx context.Context, st state.Store, snap *state.Snapshot, objs []Imported, meta Meta) (*Result, error) {
	res := &Result{}
	if len(objs) == 0 {
		return res, nil
	}
	stored := make(map[model.Address]*model.Object, len(snap.Objects))
	for _, o := range snap.Objects {
		stored[o.Addr] = o
	}
	chain0, err := evidence.OpenChain(ctx, st)
	if err != nil {
		return nil, err
	}
	lineage := snap.Lineage
	if lineage == "" {
		lineage = NewLineage()
	}
	chain := &chain0
	cs := &state.Changeset{Lineage: lineage, BaseSerial: snap.Serial}
	hist := &state.HistoryEntry{Time: meta.Time.UTC(), Actor: meta.Actor, Commit: meta.Commit, ChangeRequest: meta.ChangeRequest, Policy: meta.PolicyJSON}
	done := make(map[model.Address]bool, len(objs))
	for _, im := range objs {
		o := im.Object
		if o == nil || done[o.Addr] {
			continue
		}
		done[o.Addr] = true
		after := o.Clone()
		after.Decl, after.PendingAction, after.Pending = nil, "", nil
		if (after.Addr.Kind == model.KindMember || after.Addr.Kind == model.KindGrant) && after.Status == "" {
			after.Status = model.StatusActive
		}
		before := stored[o.Addr]
		cs.Put = append(cs.Put, after)
		if before == nil {
			hist.Add++
		} else {
			hist.Change++
		}
		hist.Changes = append(hist.Changes, state.HistoryChange{Address: o.Addr.String(), Action: evidence.ActionImport})
		r := &evidence.Record{
			Time:          evidence.FormatTime(meta.Time),
			Address:       o.Addr.String(),
			Action:        evidence.ActionImport,
			Before:        evidence.ObjectJSON(before),
			After:         evidence.ObjectJSON(after),
			Why:           im.Why,
			Actor:         meta.Actor,
			Approvers:     meta.Approvers,
			Commit:        meta.Commit,
			ChangeRequest: meta.ChangeRequest,
			Reason:        after.Reason,
			Ticket:        after.Ticket,
			Outcome:       evidence.OutcomeApplied,
		}
		meta.stamp(r)
		sealed, err := chain.Seal(r)
		if err != nil {
			return nil, fmt.Errorf("%s: sealing evidence: %v", o.Addr, err)
		}
		cs.Evidence = append(cs.Evidence, sealed)
		res.Applied++
	}
	cs.History = hist
	if err := meta.commit(ctx, st, cs, chain, res); err != nil {
		if errors.Is(err, state.ErrStale) || errors.Is(err, state.ErrLineage) {
			return nil, fmt.Errorf("the state changed while import ran (%w); nothing was recorded: run roster import again", err)
		}
		return nil, err
	}
	return res, nil
}
