package apply

import (
	"context"
	"fmt"
	"sort"

	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/runbook"
	"github.com/roster-dev/roster/internal/state"
)

// Confirm records that a person did the given runbook items (schema/sync.md): a
// waiting change becomes the state (status active), and every item gets a
// `confirm` evidence record with the actor, the note and the time. A
// person's move (a new email, kept at the old address while it waits)
// re-keys the person and everything the move carries (their grants, as
// model.Rekey says) to the new address, as a move recorded at once does.
// One transaction, all or nothing; the caller holds the writer's lock.
func Confirm(ctx context.Context, st state.Store, snap *state.Snapshot, items []runbook.Item, meta Meta, note string) (*Result, error) {
	// view is the state as the confirmations so far leave it; touched
	// the addresses they wrote, each put or deleted once at the end.
	view := make(map[model.Address]*model.Object, len(snap.Objects))
	for _, o := range snap.Objects {
		view[o.Addr] = o
	}
	touched := map[model.Address]bool{}
	set := func(a model.Address, o *model.Object) {
		if o == nil {
			delete(view, a)
		} else {
			view[a] = o
		}
		touched[a] = true
	}
	// movedTo is where a confirmed move took what it carried: an item
	// of a carried object (a change waiting beside the move) follows it.
	movedTo := map[model.Address]model.Address{}
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
	hist := &state.HistoryEntry{Time: meta.Time.UTC(), Actor: meta.Actor}
	done := map[string]bool{}
	for _, it := range items {
		if done[it.Key()] {
			continue
		}
		done[it.Key()] = true
		r := &evidence.Record{
			Time: evidence.FormatTime(meta.Time), Address: it.Addr.String(), Action: evidence.ActionConfirm,
			Actor: meta.Actor, Note: note, Outcome: evidence.OutcomeApplied,
		}
		meta.stamp(r)
		if it.Task != "" {
			r.FollowUps = []evidence.FollowUp{{Address: it.Addr.String(), Task: it.Task, Text: it.Title}}
		} else {
			at := it.Addr
			if view[at] == nil {
				if na, ok := movedTo[at]; ok {
					at = na
				}
			}
			cur := view[at]
			if cur == nil || cur.PendingAction == "" {
				return nil, fmt.Errorf("%s has no change waiting", it.Addr)
			}
			r.Before = evidence.ObjectJSON(cur)
			r.Reason, r.Ticket = cur.Reason, cur.Ticket
			if cur.Pending != nil {
				next := cur.Pending.Clone()
				next.PendingAction, next.Pending = "", nil
				next.Connected = cur.Connected // kept on the object, not on what waits
				if next.Addr.Kind == model.KindMember || next.Addr.Kind == model.KindGrant {
					next.Status = model.StatusActive
				}
				if cur.PendingAction == string(plan.Move) && next.Addr != at {
					// A person's move: what it carries goes with them.
					others := make([]*model.Object, 0, len(view))
					for _, o := range view {
						if o.Addr != at {
							others = append(others, o)
						}
					}
					carried, err := rekeyUnder(others, func(a model.Address) bool { return view[a] != nil && a != at }, at, next.Addr)
					if err != nil {
						return nil, err
					}
					for _, m := range carried {
						set(m.old, nil)
					}
					for _, m := range carried {
						set(m.obj.Addr, m.obj)
						movedTo[m.old] = m.obj.Addr
					}
				}
				if next.Addr != at {
					set(at, nil)
				}
				set(next.Addr, next)
				r.After = evidence.ObjectJSON(next)
				r.Reason, r.Ticket = next.Reason, next.Ticket
			} else {
				set(at, nil)
			}
			hist.Change++
			hist.Changes = append(hist.Changes, state.HistoryChange{Address: it.Addr.String(), Action: evidence.ActionConfirm})
		}
		sealed, err := chain.Seal(r)
		if err != nil {
			return nil, err
		}
		cs.Evidence = append(cs.Evidence, sealed)
		if err := evidence.NoteTasks(cs, r); err != nil {
			return nil, err
		}
	}
	addrs := make([]model.Address, 0, len(touched))
	for a := range touched {
		addrs = append(addrs, a)
	}
	sort.Slice(addrs, func(i, j int) bool { return addrs[i].String() < addrs[j].String() })
	for _, a := range addrs {
		if o := view[a]; o != nil {
			cs.Put = append(cs.Put, o)
		} else {
			cs.Delete = append(cs.Delete, a)
		}
	}
	if cs.ChangesObjects() {
		cs.History = hist
	}
	if err := evidence.PrepareTasks(ctx, st, cs); err != nil {
		return nil, err
	}
	res := &Result{}
	if err := meta.commit(ctx, st, cs, chain, res); err != nil {
		return nil, err
	}
	return res, nil
}

// rekeyed is an object re-keyed by a move: a copy under its new address,
// and where it was.
type rekeyed struct {
	old model.Address
	obj *model.Object
}

// rekeyUnder copies the objects of objs under from (from itself and what
// model.Rekey carries with it) to their addresses under to; a change
// waiting on one of them moves with it. A new address where taken says
// an object is stored already is refused, naming both.
func rekeyUnder(objs []*model.Object, taken func(model.Address) bool, from, to model.Address) ([]rekeyed, error) {
	var out []rekeyed
	for _, o := range objs {
		na, ok := model.Rekey(o.Addr, from, to)
		if !ok {
			continue
		}
		if taken(na) {
			return nil, &RefusedError{fmt.Sprintf("cannot move %s to %s: %s, where %s would go, already exists in the state", from, to, na, o.Addr)}
		}
		out = append(out, rekeyed{o.Addr, movedCopy(o, from, to, na)})
	}
	return out, nil
}

// movedCopy is o, under from, as a move to to leaves it at na: a change
// waiting on it moves with it.
func movedCopy(o *model.Object, from, to, na model.Address) *model.Object {
	cp := o.Clone()
	cp.Addr, cp.Decl = na, nil
	if cp.Pending != nil {
		if pa, ok := model.Rekey(cp.Pending.Addr, from, to); ok {
			cp.Pending.Addr = pa
		}
	}
	return cp
}
