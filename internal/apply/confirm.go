package apply

import (
	"context"
	"fmt"

	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/runbook"
	"github.com/roster-dev/roster/internal/state"
)

// Confirm records that a person did the given runbook items (schema/sync.md): a
// waiting change becomes the state (status active), and every item gets a
// `confirm` evidence record with the actor, the note and the time. One
// transaction; the caller holds the writer's lock.
func Confirm(ctx context.Context, st state.Store, snap *state.Snapshot, items []runbook.Item, meta Meta, note string) (*Result, error) {
	byAddr := make(map[model.Address]*model.Object, len(snap.Objects))
	for _, o := range snap.Objects {
		byAddr[o.Addr] = o
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
			cur := byAddr[it.Addr]
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
				cs.Put = append(cs.Put, next)
				if next.Addr != it.Addr {
					// A person's move: the new address replaces the old.
					cs.Delete = append(cs.Delete, it.Addr)
				}
				r.After = evidence.ObjectJSON(next)
				r.Reason, r.Ticket = next.Reason, next.Ticket
			} else {
				cs.Delete = append(cs.Delete, it.Addr)
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
	if cs.ChangesObjects() {
		cs.History = hist
	}
	if err := evidence.PrepareTasks(ctx, st, cs); err != nil {
		return nil, err
	}
	if err := meta.checkpoint(ctx, st, cs, chain); err != nil {
		return nil, err
	}
	serial, err := st.Commit(ctx, cs)
	if err != nil {
		return nil, err
	}
	return &Result{Serial: serial, Records: len(cs.Evidence), Head: chain.Hash}, nil
}
