package pgstore

import (
	"context"
	"fmt"
	"strconv"

	json "github.com/go-json-experiment/json"
	"github.com/jackc/pgx/v5"

	"github.com/roster-dev/roster/internal/state"
)

var _ state.Importer = (*Store)(nil)

// importBatch is how many evidence records Import buffers before it COPYs
// them, so a long chain is never held in memory whole.
const importBatch = 8192

// Import writes a whole state into this store, which must be empty, in one
// transaction (state.Importer). The caller holds the lock.
func (s *Store) Import(ctx context.Context, im *state.Import) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if im == nil || im.Snapshot == nil || im.Snapshot.Lineage == "" {
		return refuse("nothing to import: the state has no lineage")
	}
	snap := im.Snapshot
	cs := &state.Changeset{Lineage: snap.Lineage, Put: snap.Objects}
	if im.TasksKept {
		cs.TaskBase = append([]state.Task{}, im.Tasks...)
	}
	p, err := prepare(cs)
	if err != nil {
		return s.scrub(fmt.Errorf("cannot import into %s: %w", s.Describe(), err))
	}
	if len(p.puts) != len(snap.Objects) {
		return refuse("cannot import into %s: the state holds an address twice", s.Describe())
	}
	if err := s.ensureTables(ctx); err != nil {
		return err
	}
	err = s.writeTx(ctx, func(tx pgx.Tx, m metaValues) error {
		var n [4]int64
		err := tx.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM `+s.table(tableObjects)+`),
			(SELECT count(*) FROM `+s.table(tableHistory)+`),
			(SELECT count(*) FROM `+s.table(tableEvidence)+`),
			(SELECT count(*) FROM `+s.table(tableCheckpoints)+`)`).Scan(&n[0], &n[1], &n[2], &n[3])
		if err != nil {
			return err
		}
		if m.lineage != "" || n != [4]int64{} {
			return refuse("%s is not empty (lineage %q, serial %d, %d objects, %d history entries, %d evidence records, %d checkpoints): import only into an empty store",
				s.Describe(), m.lineage, m.serial, n[0], n[1], n[2], n[3])
		}
		if err := s.copyObjects(ctx, tx, p.puts); err != nil {
			return err
		}
		if err := s.setMeta(ctx, tx, snap.Lineage, snap.Serial); err != nil {
			return err
		}
		if err := s.importHistory(ctx, tx, im.History); err != nil {
			return err
		}
		if !im.TasksKept && m.keepsTasks() {
			// A source that keeps no follow-up tasks makes a version 1
			// state, whose evidence tells them.
			if _, err := tx.Exec(ctx, `DROP TABLE `+s.table(tableTasks)); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE `+s.table(tableMeta)+` SET value = $2 WHERE key = $1`, keySchemaVersion, strconv.Itoa(state.SchemaNoTasks)); err != nil {
				return err
			}
		} else if err := s.writeTasks(ctx, tx, p, m); err != nil { // over an empty set
			return err
		}
		if im.Evidence != nil {
			var (
				batch []state.EvidenceRecord
				seq   uint64
				hash  string
			)
			err := im.Evidence(func(r state.EvidenceRecord) error {
				if r.Seq != seq+1 {
					return fmt.Errorf("%w: evidence record %d follows record %d", state.ErrChain, r.Seq, seq)
				}
				if r.PrevHash != hash {
					return fmt.Errorf("%w: evidence record %d has prev_hash %q, but record %d's hash is %q", state.ErrChain, r.Seq, r.PrevHash, seq, hash)
				}
				if len(r.JSON) == 0 {
					return refuse("evidence record %d has no JSON", r.Seq)
				}
				seq, hash = r.Seq, r.Hash
				batch = append(batch, r)
				if len(batch) == importBatch {
					if err := s.copyEvidence(ctx, tx, batch); err != nil {
						return err
					}
					batch = batch[:0]
				}
				return nil
			})
			if err != nil {
				return err
			}
			if err := s.copyEvidence(ctx, tx, batch); err != nil {
				return err
			}
		}
		return s.copyCheckpoints(ctx, tx, 0, im.Checkpoints)
	})
	if err != nil {
		return s.writeError("cannot import into", err)
	}
	return nil
}

// importHistory writes history entries under their own serials, which
// must increase and not pass the state's serial.
func (s *Store) importHistory(ctx context.Context, tx pgx.Tx, hist []state.HistoryEntry) error {
	rows := make([][]any, len(hist))
	for i := range hist {
		e := &hist[i]
		if i > 0 && e.Serial <= hist[i-1].Serial {
			return refuse("history entry %d (serial %d) does not follow serial %d", i+1, e.Serial, hist[i-1].Serial)
		}
		if e.Serial > 1<<62 {
			return refuse("history entry %d has the impossible serial %d", i+1, e.Serial)
		}
		v, err := json.Marshal(e)
		if err != nil {
			return refuse("encoding history entry %d: %v", e.Serial, err)
		}
		rows[i] = []any{int64(e.Serial), v}
	}
	if len(rows) == 0 {
		return nil
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{s.t.schema, tableHistory}, []string{"serial", "entry"}, pgx.CopyFromRows(rows))
	return err
}
