package apply

import (
	"context"
	"fmt"

	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
)

// RefusedError is a state edit refused before anything was written: the
// address to move or forget is not stored, or the target is taken.
type RefusedError struct{ Msg string }

func (e *RefusedError) Error() string { return e.Msg }

// StateMove re-keys the stored object at from, and everything under it
// (model.Rekey) with the open follow-up tasks of a moved site (or of a
// moved team's sites), to to, in one transaction with a `move` evidence
// record (language.md "moved": `roster state mv`). It refuses, writing nothing,
// a from that is not stored, a to of another kind or (but for a team) in
// another team, and a to (or a new
// address of anything carried) that is stored already. The caller holds
// the writer's lock.
func StateMove(ctx context.Context, st state.Store, snap *state.Snapshot, from, to model.Address, meta Meta) (*Result, error) {
	if from.Kind != to.Kind {
		return nil, &RefusedError{fmt.Sprintf("cannot move %s to %s: a %s moves only to another %s address", from, to, from.Kind, from.Kind)}
	}
	if from == to {
		return nil, &RefusedError{fmt.Sprintf("cannot move %s onto itself", from)}
	}
	// As a moved block: a new email is the same account on the same
	// platform, and the state cannot carry access to another account.
	if from.Kind != model.KindTeam && from.Team != to.Team {
		return nil, &RefusedError{fmt.Sprintf("cannot move %s to %s: a %s stays in its team (move team/%s to team/%s to rename the team with everything under it)", from, to, from.Kind, from.Team, to.Team)}
	}
	stored := make(map[model.Address]*model.Object, len(snap.Objects))
	for _, o := range snap.Objects {
		stored[o.Addr] = o
	}
	primary := stored[from]
	if primary == nil {
		return nil, &RefusedError{fmt.Sprintf("no object %s in the state (roster state list shows what there is)", from)}
	}
	if stored[to] != nil {
		return nil, &RefusedError{fmt.Sprintf("%s already exists in the state; roster state mv never overwrites an object (roster state rm it first if it is stale)", to)}
	}
	moved, err := rekeyUnder(snap.Objects, func(a model.Address) bool { return stored[a] != nil }, from, to)
	if err != nil {
		return nil, err
	}
	return commitEdit(ctx, st, snap, meta, func(cs *state.Changeset, chain *evidence.Chain, hist *state.HistoryEntry) error {
		var after *model.Object
		for _, m := range moved {
			cs.Delete = append(cs.Delete, m.old)
			cs.Put = append(cs.Put, m.obj)
			if m.obj.Addr == to {
				after = m.obj
			}
		}
		hist.Change++
		hist.Changes = append(hist.Changes, state.HistoryChange{Address: to.String(), Action: evidence.ActionMove})
		r := &evidence.Record{
			Time: evidence.FormatTime(meta.Time), Address: to.String(), Action: evidence.ActionMove,
			Before: evidence.ObjectJSON(primary), After: evidence.ObjectJSON(after),
			Why:   evidence.WhyMovedFrom + from.String() + " (roster state mv)",
			Actor: meta.Actor, Reason: primary.Reason, Ticket: primary.Ticket, Outcome: evidence.OutcomeApplied,
		}
		sealed, err := chain.Seal(r)
		if err != nil {
			return err
		}
		cs.Evidence = append(cs.Evidence, sealed)
		// The open follow-up tasks of a moved site move with it.
		return evidence.NoteTasks(cs, r)
	})
}

// StateForget removes the stored object at addr, and everything under it
// (a team's objects, a site's grants, a person's or a group's grants),
// from the state only, with a `forget` evidence record for each: nothing
// changes on any platform (`roster state rm`). The open follow-up tasks of
// a forgotten site close in the same commit. An address that is not
// stored is refused. The caller holds the writer's lock.
func StateForget(ctx context.Context, st state.Store, snap *state.Snapshot, addr model.Address, meta Meta) (*Result, error) {
	var gone []*model.Object
	found := false
	for _, o := range snap.Objects {
		if o.Addr == addr {
			found = true
		}
		if _, under := model.Rekey(o.Addr, addr, addr); under && (addr.Kind != model.KindGrant || o.Addr == addr) {
			gone = append(gone, o)
		}
	}
	if !found {
		return nil, &RefusedError{fmt.Sprintf("no object %s in the state (roster state list shows what there is)", addr)}
	}
	return commitEdit(ctx, st, snap, meta, func(cs *state.Changeset, chain *evidence.Chain, hist *state.HistoryEntry) error {
		for _, o := range gone {
			cs.Delete = append(cs.Delete, o.Addr)
			hist.Remove++
			hist.Changes = append(hist.Changes, state.HistoryChange{Address: o.Addr.String(), Action: evidence.ActionForget})
			r := &evidence.Record{
				Time: evidence.FormatTime(meta.Time), Address: o.Addr.String(), Action: evidence.ActionForget,
				Before: evidence.ObjectJSON(o), Why: "forgotten in the state only (roster state rm " + addr.String() + ")",
				Actor: meta.Actor, Reason: o.Reason, Ticket: o.Ticket, Outcome: evidence.OutcomeApplied,
			}
			sealed, err := chain.Seal(r)
			if err != nil {
				return err
			}
			cs.Evidence = append(cs.Evidence, sealed)
			// A forgotten site's open follow-up tasks close with it:
			// roster no longer manages the site.
			if err := evidence.NoteTasks(cs, r); err != nil {
				return err
			}
		}
		return nil
	})
}

// commitEdit commits one hand edit of the state against snap, with its
// history entry and the evidence fill adds.
func commitEdit(ctx context.Context, st state.Store, snap *state.Snapshot, meta Meta, fill func(*state.Changeset, *evidence.Chain, *state.HistoryEntry) error) (*Result, error) {
	seq, head, err := st.EvidenceHead(ctx)
	if err != nil {
		return nil, err
	}
	chain := &evidence.Chain{Seq: seq, Hash: head}
	cs := &state.Changeset{Lineage: snap.Lineage, BaseSerial: snap.Serial}
	hist := &state.HistoryEntry{Time: meta.Time.UTC(), Actor: meta.Actor}
	if err := fill(cs, chain, hist); err != nil {
		return nil, err
	}
	cs.History = hist
	if err := evidence.PrepareTasks(ctx, st, cs); err != nil {
		return nil, err
	}
	res := &Result{}
	if err := meta.commit(ctx, st, cs, chain, res); err != nil {
		return nil, err
	}
	return res, nil
}
