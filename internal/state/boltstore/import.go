package boltstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	json "github.com/go-json-experiment/json"
	bolt "go.etcd.io/bbolt"

	"github.com/roster-dev/roster/internal/state"
)

var _ state.Importer = (*Store)(nil)

// Import writes a whole state (state.Importer, what `state migrate` uses)
// into a new state file: built aside and linked into place like the first
// commit, so no reader ever sees half of it. Only a state file that does
// not exist yet is empty; any other is refused. The caller holds the lock.
func (s *Store) Import(ctx context.Context, im *state.Import) error {
	err := s.importFile(ctx, im)
	if err == nil {
		s.wrote.Store(true)
	}
	return err
}

func (s *Store) importFile(ctx context.Context, im *state.Import) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if im == nil || im.Snapshot == nil || im.Snapshot.Lineage == "" {
		return errors.New("nothing to import: the state has no lineage")
	}
	snap := im.Snapshot
	cs := &state.Changeset{Lineage: snap.Lineage, Put: snap.Objects}
	version := state.SchemaNoTasks
	if im.TasksKept {
		cs.TaskBase, version = im.Tasks, state.SchemaVersion
		if cs.TaskBase == nil {
			cs.TaskBase = []state.Task{}
		}
	}
	p, err := s.prepare(cs)
	if err != nil {
		return fmt.Errorf("cannot import into %s: %w", s.Describe(), err)
	}
	if len(p.puts) != len(snap.Objects) {
		return fmt.Errorf("cannot import into %s: the state holds an address twice", s.Describe())
	}
	if _, err := os.Lstat(s.path); err == nil {
		return fmt.Errorf("%s exists already: import only into a new state file", s.Describe())
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot import into %s: %w", s.Describe(), err)
	}
	for i := range im.History {
		if i > 0 && im.History[i].Serial <= im.History[i-1].Serial {
			return fmt.Errorf("cannot import into %s: history entry %d (serial %d) does not follow serial %d", s.Describe(), i+1, im.History[i].Serial, im.History[i-1].Serial)
		}
	}

	dir := filepath.Dir(s.path)
	if err := mkdirPrivate(dir); err != nil {
		return fmt.Errorf("cannot create the directory of %s: %w", s.Describe(), err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(s.path)+".new-*")
	if err != nil {
		return fmt.Errorf("cannot create %s: %w", s.Describe(), err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	err = f.Chmod(0o600)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("cannot create %s: %w", s.Describe(), err)
	}
	err = s.withDB(ctx, tmp, modeCreate, p.size, func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketMeta, bucketObjects, bucketHistory, bucketEvidence} {
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		// A source that keeps no follow-up tasks makes a version 1 state,
		// whose evidence tells them; writeTasks makes it version 2.
		if err := s.writeTasks(tx, p, metaValues{version: state.SchemaNoTasks}); err != nil {
			return err
		}
		mb := tx.Bucket(bucketMeta)
		for k, v := range map[string]string{
			string(keySchemaVersion): strconv.Itoa(version),
			string(keyLineage):       snap.Lineage,
			string(keySerial):        strconv.FormatUint(snap.Serial, 10),
		} {
			if err := mb.Put([]byte(k), []byte(v)); err != nil {
				return err
			}
		}
		ob := tx.Bucket(bucketObjects)
		for _, kv := range p.puts {
			if err := ob.Put(kv.key, kv.val); err != nil {
				return fmt.Errorf("writing %s: %w", kv.key, err)
			}
		}
		hb := tx.Bucket(bucketHistory)
		hb.FillPercent = 1
		for i := range im.History {
			v, err := json.Marshal(&im.History[i])
			if err != nil {
				return fmt.Errorf("encoding history entry %d: %w", im.History[i].Serial, err)
			}
			if err := hb.Put(seqKey(im.History[i].Serial), v); err != nil {
				return err
			}
		}
		evb := tx.Bucket(bucketEvidence)
		evb.FillPercent = 1
		if im.Evidence != nil {
			var (
				seq  uint64
				hash string
			)
			err := im.Evidence(func(r state.EvidenceRecord) error {
				if r.Seq != seq+1 {
					return fmt.Errorf("%w: evidence record %d follows record %d", state.ErrChain, r.Seq, seq)
				}
				if r.PrevHash != hash {
					return fmt.Errorf("%w: evidence record %d has prev_hash %q, but record %d's hash is %q", state.ErrChain, r.Seq, r.PrevHash, seq, hash)
				}
				if len(r.JSON) == 0 {
					return fmt.Errorf("evidence record %d has no JSON", r.Seq)
				}
				seq, hash = r.Seq, r.Hash
				// bbolt keeps a reference until the transaction ends; the
				// source may reuse its buffer.
				return evb.Put(seqKey(r.Seq), append([]byte(nil), r.JSON...))
			})
			if err != nil {
				return err
			}
		}
		if len(im.Checkpoints) > 0 {
			cb, err := tx.CreateBucket(bucketCheckpoints)
			if err != nil {
				return err
			}
			cb.FillPercent = 1
			for i, c := range im.Checkpoints {
				if err := cb.Put(seqKey(uint64(i+1)), c); err != nil {
					return fmt.Errorf("writing checkpoint %d: %w", i+1, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		var d *state.DamagedError
		if errors.As(err, &d) {
			return fmt.Errorf("cannot create %s: %s", s.Describe(), d.Reason)
		}
		return fmt.Errorf("cannot import into %s: %w", s.Describe(), err)
	}
	if err := os.Link(tmp, s.path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s was created by another process during the import: import only into a new state file", s.Describe())
		}
		if _, serr := os.Lstat(s.path); !errors.Is(serr, fs.ErrNotExist) {
			return fmt.Errorf("cannot create %s: %w", s.Describe(), err)
		}
		if err := os.Rename(tmp, s.path); err != nil {
			return fmt.Errorf("cannot create %s: %w", s.Describe(), err)
		}
	}
	syncDir(dir)
	return nil
}
