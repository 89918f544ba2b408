package pgstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	json "github.com/go-json-experiment/json"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
)

// prepared is a changeset checked and encoded before the transaction, so
// the transaction only checks the state and writes.
type prepared struct {
	cs      *state.Changeset
	puts    []putRow // sorted by address, one per address, none deleted
	touched []string // every address put or deleted: deleted first
	// taskPuts and taskDels are the follow-up tasks open and closed after
	// cs.Tasks (over cs.TaskBase).
	taskPuts, taskDels []state.Task
}

type putRow struct {
	addr string
	val  []byte
}

// prepare checks what can be checked without the state and encodes the
// objects. Of two puts of one address the last wins; an address both put
// and deleted ends deleted (puts are applied before deletes, as in every
// store).
func prepare(cs *state.Changeset) (*prepared, error) {
	if cs == nil {
		return nil, refuse("nothing to commit: the changeset is nil")
	}
	p := &prepared{cs: cs}
	rows := make([]putRow, len(cs.Put))
	for i, o := range cs.Put {
		if o == nil {
			return nil, refuse("the changeset puts a nil object (entry %d)", i)
		}
		key := o.Addr.String()
		if a, err := model.ParseAddress(key); err != nil || a != o.Addr {
			return nil, refuse("the changeset puts an object with an invalid address %q", key)
		}
		rows[i].addr = key
	}
	if err := encodeObjects(cs.Put, rows); err != nil {
		return nil, err
	}
	deleted := make(map[string]bool, len(cs.Delete))
	for _, a := range cs.Delete {
		if a.IsZero() {
			return nil, refuse("the changeset deletes the empty address")
		}
		deleted[a.String()] = true
	}
	slices.SortStableFunc(rows, func(a, b putRow) int {
		switch {
		case a.addr < b.addr:
			return -1
		case a.addr > b.addr:
			return 1
		}
		return 0
	})
	p.touched = make([]string, 0, len(rows)+len(deleted))
	for i, r := range rows {
		if i+1 < len(rows) && rows[i+1].addr == r.addr {
			continue
		}
		p.touched = append(p.touched, r.addr)
		if !deleted[r.addr] {
			p.puts = append(p.puts, r)
		}
	}
	for _, a := range cs.Delete {
		p.touched = append(p.touched, a.String())
	}
	for i, r := range cs.Evidence {
		if len(r.JSON) == 0 {
			return nil, refuse("evidence record %d (seq %d) has no JSON", i, r.Seq)
		}
		if r.Seq > 1<<62 {
			return nil, fmt.Errorf("%w: evidence record %d has the impossible sequence number %d", state.ErrChain, i, r.Seq)
		}
	}
	for i, c := range cs.Checkpoints {
		if len(c) == 0 {
			return nil, refuse("checkpoint %d of the changeset is empty", i)
		}
	}
	var err error
	if p.taskPuts, p.taskDels, err = state.FoldTasks(cs.TaskBase, cs.Tasks); err != nil {
		return nil, refuse("%v", err)
	}
	return p, nil
}

// encodeObjects marshals the objects, in parallel for large changesets.
func encodeObjects(objs []*model.Object, out []putRow) error {
	return state.InChunks(len(objs), func(lo, hi int) error {
		for i := lo; i < hi; i++ {
			v, err := objs[i].MarshalJSON()
			if err != nil {
				return refuse("encoding %s: %v", objs[i].Addr, err)
			}
			out[i].val = v
		}
		return nil
	})
}

// Commit writes the changeset in one SQL transaction: all of it, or
// nothing. The checks are boltstore's: the lineage, the base serial, the
// evidence chain's continuity, a history-only changeset never replacing an
// entry. Objects and evidence are written with COPY.
func (s *Store) Commit(ctx context.Context, cs *state.Changeset) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	p, err := prepare(cs)
	if err != nil {
		return 0, s.scrub(fmt.Errorf("cannot commit to %s: %w", s.Describe(), err))
	}
	if err := s.ensureTables(ctx); err != nil {
		return 0, err
	}
	var serial uint64
	err = s.writeTx(ctx, func(tx pgx.Tx, m metaValues) error {
		var err error
		serial, err = s.write(ctx, tx, p, m)
		return err
	})
	if err != nil {
		return 0, s.writeError("cannot commit to", err)
	}
	return serial, nil
}

// writeError is wrap for writes: a data exception (SQLSTATE class 22, e.g.
// evidence that is not JSON) comes from what is being written, not from
// damage.
func (s *Store) writeError(doing string, err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && strings.HasPrefix(pe.Code, "22") {
		return s.scrub(fmt.Errorf("%s %s: PostgreSQL refuses a value being written: %s", doing, s.Describe(), describePgError(pe)))
	}
	return s.wrap(doing, err)
}

// writeTx runs fn in one READ COMMITTED transaction that holds the meta
// table's schema_version row locked, so that writers (even ones that do
// not hold the writer's lock) take turns, and hands it the meta values as
// the previous writer left them.
func (s *Store) writeTx(ctx context.Context, fn func(tx pgx.Tx, m metaValues) error) error {
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
		if err := s.markWriting(ctx, tx); err != nil {
			return err
		}
		var v string
		err := tx.QueryRow(ctx, `SELECT value FROM `+s.table(tableMeta)+` WHERE key = $1 FOR UPDATE`, keySchemaVersion).Scan(&v)
		if errors.Is(err, pgx.ErrNoRows) {
			return s.damaged("its meta table has no schema_version, so it is not a roster state")
		}
		if err != nil {
			return err
		}
		// With the meta row locked, no writer commits between this
		// check and this commit.
		if err := s.checkLocks(ctx, tx); err != nil {
			return err
		}
		// A new statement, so a new snapshot: it sees what the writer
		// this one waited for committed.
		m, err := s.inspect(ctx, tx)
		if errors.Is(err, errMissing) {
			return s.damaged("its tables disappeared while roster was writing")
		}
		if err != nil {
			return err
		}
		return fn(tx, m)
	})
}

// markWriting names the transaction's session "APPNAME (writing)" in
// pg_stat_activity until the transaction ends, for Writing and for
// database administrators.
func (s *Store) markWriting(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT set_config('application_name', $1, true)`, s.writingName())
	return err
}

func (s *Store) writingName() string { return clipName(s.appName + " (writing)") }

// write checks the changeset against the state m and writes it; any error
// rolls the whole transaction back.
func (s *Store) write(ctx context.Context, tx pgx.Tx, p *prepared, m metaValues) (uint64, error) {
	cs := p.cs
	switch {
	case m.lineage == "" && cs.Lineage == "":
		return 0, refuse("cannot commit to an empty state without a lineage")
	case cs.BaseSerial != m.serial:
		// Stale first: a plan made against an empty state is given a
		// new lineage when applied, so once that state exists its
		// lineage differs too, and "plan again" is what to say.
		return 0, fmt.Errorf("%w: the plan was made at serial %d, %s is at serial %d; plan again", state.ErrStale, cs.BaseSerial, s.Describe(), m.serial)
	case m.lineage != "" && cs.Lineage != m.lineage:
		return 0, fmt.Errorf("%w: the changeset is for lineage %q, %s has lineage %q; it belongs to another state", state.ErrLineage, cs.Lineage, s.Describe(), m.lineage)
	}
	if cs.TaskBase != nil && m.keepsTasks() {
		return 0, fmt.Errorf("%w: the changeset gives the open follow-up tasks derived from the evidence, but %s keeps them already", state.ErrStale, s.Describe())
	}
	seq, hash, err := s.head(ctx, tx)
	if err != nil {
		return 0, err
	}
	for i, r := range cs.Evidence {
		if r.Seq != seq+1 {
			return 0, fmt.Errorf("%w: evidence record %d has sequence number %d, but the next one is %d", state.ErrChain, i, r.Seq, seq+1)
		}
		if r.PrevHash != hash {
			return 0, fmt.Errorf("%w: evidence record %d has prev_hash %q, but the head of the chain is %q", state.ErrChain, r.Seq, r.PrevHash, hash)
		}
		seq, hash = r.Seq, r.Hash
	}
	serial := m.serial
	if cs.MovesSerial() {
		serial++
	}
	if cs.History != nil && !cs.MovesSerial() {
		// A history-only changeset closes a series of per-change commits;
		// it never replaces an entry.
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+s.table(tableHistory)+` WHERE serial = $1)`, int64(serial)).Scan(&exists); err != nil {
			return 0, err
		}
		if exists {
			return 0, fmt.Errorf("%w: a history entry for serial %d exists already", state.ErrStale, serial)
		}
	}

	// An empty state has no objects (none is written without a lineage):
	// nothing to delete before the copy.
	if len(p.touched) > 0 && m.lineage != "" {
		if _, err := tx.Exec(ctx, `DELETE FROM `+s.table(tableObjects)+` WHERE address = ANY($1::text[])`, p.touched); err != nil {
			return 0, err
		}
	}
	if err := s.copyObjects(ctx, tx, p.puts); err != nil {
		return 0, err
	}
	if m.lineage == "" || serial != m.serial {
		if err := s.setMeta(ctx, tx, cs.Lineage, serial); err != nil {
			return 0, err
		}
	}
	if cs.History != nil {
		h := *cs.History
		h.Serial = serial
		v, err := json.Marshal(&h)
		if err != nil {
			return 0, refuse("encoding the history entry: %v", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO `+s.table(tableHistory)+` (serial, entry) VALUES ($1, $2)`, int64(serial), v); err != nil {
			return 0, err
		}
	}
	if err := s.copyEvidence(ctx, tx, cs.Evidence); err != nil {
		return 0, err
	}
	if err := s.writeTasks(ctx, tx, p, m); err != nil {
		return 0, err
	}
	if len(cs.Checkpoints) > 0 {
		var last int64
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(n), 0) FROM `+s.table(tableCheckpoints)).Scan(&last); err != nil {
			return 0, err
		}
		if err := s.copyCheckpoints(ctx, tx, last, cs.Checkpoints); err != nil {
			return 0, err
		}
	}
	return serial, nil
}

// writeTasks writes the changeset's follow-up tasks: into the open_tasks
// table of a state that keeps them; for one that does not, nothing unless
// the changeset gives the TaskBase, which makes the table and the state
// schema version 2.
func (s *Store) writeTasks(ctx context.Context, tx pgx.Tx, p *prepared, m metaValues) error {
	if !m.keepsTasks() {
		if p.cs.TaskBase == nil {
			return nil // the evidence holds them
		}
		for _, l := range layout {
			if l.name == tableTasks {
				if err := s.createTable(ctx, tx, l.name, l.create); err != nil {
					return err
				}
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE `+s.table(tableMeta)+` SET value = $2 WHERE key = $1`, keySchemaVersion, strconv.Itoa(state.SchemaVersion)); err != nil {
			return err
		}
	}
	if len(p.taskDels) > 0 {
		sites, names := taskColumns(p.taskDels)
		if _, err := tx.Exec(ctx, `DELETE FROM `+s.table(tableTasks)+` WHERE (site, name) IN (SELECT * FROM unnest($1::text[], $2::text[]))`, sites, names); err != nil {
			return err
		}
	}
	if len(p.taskPuts) > 0 {
		sites, names := taskColumns(p.taskPuts)
		texts := make([]string, len(p.taskPuts))
		for i, t := range p.taskPuts {
			texts[i] = t.Text
		}
		if _, err := tx.Exec(ctx, `INSERT INTO `+s.table(tableTasks)+` (site, name, text) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
			ON CONFLICT (site, name) DO UPDATE SET text = EXCLUDED.text`, sites, names, texts); err != nil {
			return err
		}
	}
	return nil
}

// taskColumns splits tasks into their sites and names.
func taskColumns(ts []state.Task) (sites, names []string) {
	sites, names = make([]string, len(ts)), make([]string, len(ts))
	for i, t := range ts {
		sites[i], names[i] = t.Site.String(), t.Name
	}
	return sites, names
}

// setMeta writes the lineage and the serial.
func (s *Store) setMeta(ctx context.Context, tx pgx.Tx, lineage string, serial uint64) error {
	_, err := tx.Exec(ctx, `INSERT INTO `+s.table(tableMeta)+` (key, value) VALUES ($1, $2), ($3, $4)
		ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
		keyLineage, lineage, keySerial, strconv.FormatUint(serial, 10))
	return err
}

// copyObjects writes objects with COPY; their addresses are free (new, or
// deleted just before).
func (s *Store) copyObjects(ctx context.Context, tx pgx.Tx, puts []putRow) error {
	if len(puts) == 0 {
		return nil
	}
	row := make([]any, 2)
	n, err := tx.CopyFrom(ctx, pgx.Identifier{s.t.schema, tableObjects}, []string{"address", "object"},
		pgx.CopyFromSlice(len(puts), func(i int) ([]any, error) {
			row[0], row[1] = puts[i].addr, puts[i].val
			return row, nil
		}))
	if err == nil && n != int64(len(puts)) {
		err = fmt.Errorf("COPY wrote %d of %d objects", n, len(puts))
	}
	return err
}

// copyEvidence appends records with COPY.
func (s *Store) copyEvidence(ctx context.Context, tx pgx.Tx, recs []state.EvidenceRecord) error {
	if len(recs) == 0 {
		return nil
	}
	row := make([]any, 4)
	n, err := tx.CopyFrom(ctx, pgx.Identifier{s.t.schema, tableEvidence}, []string{"seq", "prev_hash", "hash", "record"},
		pgx.CopyFromSlice(len(recs), func(i int) ([]any, error) {
			r := &recs[i]
			row[0], row[1], row[2], row[3] = int64(r.Seq), r.PrevHash, r.Hash, r.JSON
			return row, nil
		}))
	if err == nil && n != int64(len(recs)) {
		err = fmt.Errorf("COPY wrote %d of %d evidence records", n, len(recs))
	}
	return err
}

// copyCheckpoints appends checkpoints after position last.
func (s *Store) copyCheckpoints(ctx context.Context, tx pgx.Tx, last int64, cps [][]byte) error {
	if len(cps) == 0 {
		return nil
	}
	row := make([]any, 2)
	_, err := tx.CopyFrom(ctx, pgx.Identifier{s.t.schema, tableCheckpoints}, []string{"n", "checkpoint"},
		pgx.CopyFromSlice(len(cps), func(i int) ([]any, error) {
			row[0], row[1] = last+int64(i)+1, cps[i]
			return row, nil
		}))
	return err
}
