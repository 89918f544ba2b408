package apply

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

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
	v := newConfirmView(snap.Objects)
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
			if v.objs[at] == nil {
				if na, ok := movedTo[at]; ok {
					at = na
				}
			}
			cur := v.objs[at]
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
					carried, err := rekeyUnder(v.carried(at), func(a model.Address) bool { return v.objs[a] != nil && a != at }, at, next.Addr)
					if err != nil {
						return nil, err
					}
					for _, m := range carried {
						v.set(m.old, nil)
					}
					for _, m := range carried {
						v.set(m.obj.Addr, m.obj)
						movedTo[m.old] = m.obj.Addr
					}
				}
				if next.Addr != at {
					v.set(at, nil)
				}
				v.set(next.Addr, next)
				r.After = evidence.ObjectJSON(next)
				r.Reason, r.Ticket = next.Reason, next.Ticket
			} else {
				v.set(at, nil)
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
	type keyed struct {
		key  string
		addr model.Address
	}
	addrs := make([]keyed, 0, len(v.touched))
	for a := range v.touched {
		addrs = append(addrs, keyed{a.String(), a})
	}
	slices.SortFunc(addrs, func(x, y keyed) int { return strings.Compare(x.key, y.key) })
	for _, k := range addrs {
		a := k.addr
		if o := v.objs[a]; o != nil {
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

// confirmView is the state as Confirm's confirmations so far leave it:
// every object by address, the addresses they wrote (each put or deleted
// once at the end), and the person grants by team and email, so that a
// person's move finds what it carries without a look at every object
// (confirming every waiting move of a state costs what they move).
type confirmView struct {
	objs    map[model.Address]*model.Object
	touched map[model.Address]bool
	grants  map[personKey]map[model.Address]bool // nil until a member's move
}

// personKey names a person in a team: a person's grants are keyed by it.
type personKey struct{ team, email string }

// grantOf is the person whose grant a is, if a is a person's grant: what
// a member's move carries (model.Rekey).
func grantOf(a model.Address) (personKey, bool) {
	return personKey{a.Team, a.Email}, a.Kind == model.KindGrant && a.Group == ""
}

func newConfirmView(objs []*model.Object) *confirmView {
	v := &confirmView{objs: make(map[model.Address]*model.Object, len(objs)), touched: map[model.Address]bool{}}
	for _, o := range objs {
		v.objs[o.Addr] = o
	}
	return v
}

// index adds a to the person grants, once the first member's move has
// made them.
func (v *confirmView) index(a model.Address) {
	if k, ok := grantOf(a); ok && v.grants != nil {
		if v.grants[k] == nil {
			v.grants[k] = map[model.Address]bool{}
		}
		v.grants[k][a] = true
	}
}

// set stores o at a, or deletes a when o is nil.
func (v *confirmView) set(a model.Address, o *model.Object) {
	if o == nil {
		delete(v.objs, a)
		if k, ok := grantOf(a); ok {
			delete(v.grants[k], a)
		}
	} else {
		v.objs[a] = o
		v.index(a)
	}
	v.touched[a] = true
}

// carried lists the objects besides at itself that a move of at may
// carry, sorted by address; rekeyUnder keeps those model.Rekey carries. A
// member's move carries their grants, a person's grant (a guest's move)
// nothing but itself; a move of anything else looks at every object.
func (v *confirmView) carried(at model.Address) []*model.Object {
	var out []*model.Object
	switch at.Kind {
	case model.KindMember:
		if v.grants == nil {
			v.grants = map[personKey]map[model.Address]bool{}
			for a := range v.objs {
				v.index(a)
			}
		}
		for a := range v.grants[personKey{at.Team, at.Email}] {
			out = append(out, v.objs[a])
		}
	case model.KindGrant:
		return nil
	default:
		for a, o := range v.objs {
			if a != at {
				out = append(out, o)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Addr.String() < out[j].Addr.String() })
	return out
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
