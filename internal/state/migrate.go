package state

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
)

// Import is a whole state handed to an empty store at once: what Migrate
// copies. Everything is stored as given: the lineage and serial (not
// moved), each history entry under its own serial, each evidence record
// under its own sequence number, verbatim, and the checkpoints in order.
type Import struct {
	// Snapshot is the lineage, the serial and every object.
	Snapshot *Snapshot
	// History is every history entry, oldest first.
	History []HistoryEntry
	// Evidence walks every evidence record in sequence order (a source
	// store's Evidence from 1), so a long chain is never held in memory
	// whole. Nil for none.
	Evidence func(fn func(EvidenceRecord) error) error
	// Checkpoints are the signed checkpoints, oldest first, verbatim.
	Checkpoints [][]byte
	// Tasks are the open follow-up tasks when TasksKept; a source that
	// keeps none (Store.OpenTasks) makes a target that keeps none either:
	// its evidence tells them.
	Tasks     []Task
	TasksKept bool
}

// Importer is a store that can take an Import. Import writes it in one
// transaction, all or nothing, and only into an empty store (no lineage,
// objects, history, evidence or checkpoints): anything else is refused and
// nothing is written. Records must run 1, 2, 3... each naming the previous
// one's hash as prev_hash (else ErrChain). The caller holds the lock.
type Importer interface {
	Import(ctx context.Context, im *Import) error
}

// VerifyFunc recomputes a store's evidence chain and returns the number of
// records and the head hash: evidence.Verify, adapted. Migrate takes it as
// a parameter because the evidence package imports this one.
type VerifyFunc func(ctx context.Context, st Store) (count uint64, head string, err error)

// MigrateResult is what Migrate copied, as found again in the target.
type MigrateResult struct {
	Lineage     string
	Serial      uint64
	Objects     int
	History     int
	Evidence    uint64 // records, their chain verified in the target
	Head        string // the head hash, the same in both stores
	Checkpoints int
}

// Migrate copies a whole state (objects, lineage, serial, history,
// evidence, checkpoints and open follow-up tasks, verbatim) from one store into another, which
// must be empty and implement Importer, in one Import. It holds both
// stores' writer locks (operation "migrate", one try each) throughout, so
// no apply runs meanwhile. It verifies the source's evidence chain first
// (a broken chain is not copied) and afterwards checks the target: the
// same lineage, serial, objects, number of history entries and
// checkpoints, and an evidence chain that verifies with the same count and
// head hash.
func Migrate(ctx context.Context, from, to Store, verify VerifyFunc) (res *MigrateResult, err error) {
	if verify == nil {
		return nil, errors.New("migrate: no evidence verifier given")
	}
	if from.Describe() == to.Describe() {
		return nil, fmt.Errorf("cannot migrate %s onto itself: name another store with --to", from.Describe())
	}
	imp, ok := to.(Importer)
	if !ok {
		return nil, fmt.Errorf("cannot migrate into %s: that kind of store cannot import a state", to.Describe())
	}
	for _, st := range []Store{from, to} {
		u, err := st.Lock(ctx, "migrate", 0)
		if err != nil {
			return nil, err
		}
		defer func() {
			if uerr := u.Unlock(); uerr != nil && err == nil {
				res, err = nil, uerr
			}
		}()
	}

	if err := checkEmpty(ctx, to); err != nil {
		return nil, err
	}
	snap, err := from.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	if snap.Empty() {
		return nil, fmt.Errorf("%s is empty: nothing to migrate", from.Describe())
	}
	count, head, err := verify(ctx, from)
	if err != nil {
		return nil, fmt.Errorf("the evidence of %s does not verify (%w); nothing was migrated: a broken chain is not copied", from.Describe(), err)
	}
	hist, err := from.History(ctx)
	if err != nil {
		return nil, err
	}
	var cps [][]byte
	if err := from.Checkpoints(ctx, func(_ uint64, raw []byte) error {
		cps = append(cps, raw)
		return nil
	}); err != nil {
		return nil, err
	}
	tasks, kept, err := from.OpenTasks(ctx)
	if err != nil {
		return nil, err
	}
	err = imp.Import(ctx, &Import{
		Snapshot: snap,
		History:  hist,
		Evidence: func(fn func(EvidenceRecord) error) error {
			return from.Evidence(ctx, 1, fn)
		},
		Checkpoints: cps,
		Tasks:       tasks,
		TasksKept:   kept,
	})
	if err != nil {
		return nil, fmt.Errorf("cannot migrate into %s: %w", to.Describe(), err)
	}

	// Check the copy.
	res = &MigrateResult{Lineage: snap.Lineage, Serial: snap.Serial, Objects: len(snap.Objects), History: len(hist), Evidence: count, Head: head, Checkpoints: len(cps)}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("the state copied into %s does not match %s: %s; the copy is not usable: empty that store and migrate again", to.Describe(), from.Describe(), fmt.Sprintf(format, args...))
	}
	got, err := to.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	if got.Lineage != snap.Lineage || got.Serial != snap.Serial {
		return nil, bad("lineage %q serial %d, want lineage %q serial %d", got.Lineage, got.Serial, snap.Lineage, snap.Serial)
	}
	if len(got.Objects) != len(snap.Objects) {
		return nil, bad("%d objects, want %d", len(got.Objects), len(snap.Objects))
	}
	for i, o := range snap.Objects {
		a, _ := o.MarshalJSON()
		b, _ := got.Objects[i].MarshalJSON()
		if !bytes.Equal(a, b) {
			return nil, bad("object %s differs", o.Addr)
		}
	}
	if gotTasks, gotKept, err := to.OpenTasks(ctx); err != nil {
		return nil, err
	} else if gotKept != kept || !slices.Equal(gotTasks, tasks) {
		return nil, bad("its open follow-up tasks differ (%d, kept %t; want %d, kept %t)", len(gotTasks), gotKept, len(tasks), kept)
	}
	if h, err := to.History(ctx); err != nil {
		return nil, err
	} else if len(h) != len(hist) {
		return nil, bad("%d history entries, want %d", len(h), len(hist))
	}
	n := 0
	if err := to.Checkpoints(ctx, func(_ uint64, raw []byte) error {
		if n < len(cps) && !bytes.Equal(raw, cps[n]) {
			return bad("checkpoint %d differs", n+1)
		}
		n++
		return nil
	}); err != nil {
		return nil, err
	}
	if n != len(cps) {
		return nil, bad("%d checkpoints, want %d", n, len(cps))
	}
	gotCount, gotHead, err := verify(ctx, to)
	if err != nil {
		return nil, bad("its evidence does not verify (%v)", err)
	}
	if gotCount != count || gotHead != head {
		return nil, bad("its evidence has %d records with head %q, want %d with head %q", gotCount, gotHead, count, head)
	}
	return res, nil
}

// checkEmpty refuses a target that holds anything.
func checkEmpty(ctx context.Context, st Store) error {
	snap, err := st.Snapshot(ctx)
	if err != nil {
		return err
	}
	hist, err := st.History(ctx)
	if err != nil {
		return err
	}
	seq, _, err := st.EvidenceHead(ctx)
	if err != nil {
		return err
	}
	cps := 0
	if err := st.Checkpoints(ctx, func(uint64, []byte) error { cps++; return nil }); err != nil {
		return err
	}
	if !snap.Empty() || len(snap.Objects) > 0 || len(hist) > 0 || seq > 0 || cps > 0 {
		return fmt.Errorf("%s is not empty (lineage %q, serial %d, %d objects, %d history entries, %d evidence records): migrate only into an empty store",
			st.Describe(), snap.Lineage, snap.Serial, len(snap.Objects), len(hist), seq)
	}
	return nil
}
