package pgstore

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	json "github.com/go-json-experiment/json"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
)

// Table names inside the schema (see the package comment).
const (
	tableMeta        = "meta"
	tableObjects     = "objects"
	tableHistory     = "history"
	tableEvidence    = "evidence"
	tableCheckpoints = "checkpoints"
	tableLock        = "writer_lock"
	tableTasks       = "open_tasks"
)

// Keys of the meta table.
const (
	keySchemaVersion = "schema_version"
	keyLineage       = "lineage"
	keySerial        = "serial"
)

// layout is every table roster makes, with its columns ("name type", as
// PostgreSQL's format_type names the type) in order. A table of one of these
// names with other columns is not roster's: the state is damaged.
var layout = []struct {
	name    string
	columns string
	create  string // the column list of CREATE TABLE
	// since is the schema version that added the table (0: the first).
	since uint64
}{
	{tableMeta, "key text, value text",
		"key text PRIMARY KEY, value text NOT NULL", 0},
	{tableObjects, "address text, object json",
		`address text COLLATE "C" PRIMARY KEY, object json NOT NULL`, 0},
	{tableHistory, "serial bigint, entry json",
		"serial bigint PRIMARY KEY, entry json NOT NULL", 0},
	{tableEvidence, "seq bigint, prev_hash text, hash text, record json",
		"seq bigint PRIMARY KEY CHECK (seq > 0), prev_hash text NOT NULL, hash text NOT NULL, record json NOT NULL", 0},
	{tableCheckpoints, "n bigint, checkpoint json",
		"n bigint PRIMARY KEY CHECK (n > 0), checkpoint json NOT NULL", 0},
	{tableLock, "id integer, backend_pid integer, pid integer, host text, operation text, since timestamp with time zone",
		"id integer PRIMARY KEY CHECK (id = 1), backend_pid integer NOT NULL, pid integer NOT NULL, host text NOT NULL, operation text NOT NULL, since timestamptz NOT NULL", 0},
	{tableTasks, "site text, name text, text text",
		`site text COLLATE "C", name text COLLATE "C", text text NOT NULL, PRIMARY KEY (site, name)`, state.SchemaNoTasks + 1},
}

// defaultConnectTimeout bounds connecting when neither the URL
// (connect_timeout) nor PGCONNECT_TIMEOUT says: an unreachable host fails
// in seconds, not after the system's TCP timeout.
const defaultConnectTimeout = 15 * time.Second

// Store is a state store in one schema of a PostgreSQL database. Its
// methods may be called from several goroutines.
type Store struct {
	t       *target
	pool    *pgxpool.Pool
	connCfg *pgx.ConnConfig // for the writer's lock, one connection each
	appName string          // application_name of every connection
	lockKey int64           // the advisory lock of the writer
	makeKey int64           // the advisory lock taken while creating tables

	ready   atomic.Bool // the tables exist (made or found)
	readyMu sync.Mutex

	locksMu sync.Mutex
	locks   map[*unlocker]struct{} // held locks, released by Close
}

var _ state.Store = (*Store)(nil)

// Open connects to the PostgreSQL database of url (postgres:// or
// postgresql://). The URL's schema=NAME parameter picks the schema
// (default "roster"); it is taken out before connecting. The password comes
// from the URL or the standard PG* environment variables (PGPASSWORD,
// ~/.pgpass) and never appears in a message. Open creates nothing: the
// tables are made by the first Lock or Commit; until then the state is
// empty.
func Open(ctx context.Context, url string) (*Store, error) {
	t, err := parseURL(url)
	if err != nil {
		return nil, err
	}
	s := &Store{t: t, locks: map[*unlocker]struct{}{}}
	cfg, err := pgxpool.ParseConfig(t.connString)
	if err != nil {
		return nil, s.wrap("cannot use", err)
	}
	// The password as pgx will send it, from wherever it came (the URL,
	// PGPASSWORD, ~/.pgpass): never to be shown either.
	t.addSecret(cfg.ConnConfig.Password)
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	s.appName = cfg.ConnConfig.RuntimeParams["application_name"]
	if s.appName == "" {
		s.appName = clipName("roster/" + t.schema)
		cfg.ConnConfig.RuntimeParams["application_name"] = s.appName
	}
	cfg.MinConns = 0
	s.connCfg = cfg.ConnConfig.Copy()
	s.lockKey = advisoryKey("roster writer lock", t.schema)
	s.makeKey = advisoryKey("roster create tables", t.schema)
	s.pool, err = pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, s.wrap("cannot connect to", err)
	}
	if err := s.pool.Ping(ctx); err != nil {
		s.pool.Close()
		return nil, s.wrap("cannot connect to", err)
	}
	return s, nil
}

// clipName shortens an application_name to the 63 bytes PostgreSQL keeps.
func clipName(s string) string {
	if len(s) > 63 {
		return s[:63]
	}
	return s
}

// advisoryKey derives a 64-bit advisory lock key from a purpose and the
// schema name. Advisory locks belong to one database, so states in other
// databases never share a key.
func advisoryKey(purpose, schema string) int64 {
	sum := sha256.Sum256([]byte(purpose + "\x00" + schema))
	return int64(binary.BigEndian.Uint64(sum[:8]))
}

// Describe names the store for messages, without any password:
// "PostgreSQL state postgres://user@host:5432/db (schema roster)".
func (s *Store) Describe() string { return s.t.describe }

// Schema is the schema the state's tables live in.
func (s *Store) Schema() string { return s.t.schema }

// Close releases the store's connections, and with them any lock still
// held through it.
func (s *Store) Close() error {
	s.locksMu.Lock()
	held := make([]*unlocker, 0, len(s.locks))
	for u := range s.locks {
		held = append(held, u)
	}
	s.locksMu.Unlock()
	var errs []error
	for _, u := range held {
		errs = append(errs, u.Unlock())
	}
	s.pool.Close()
	return errors.Join(errs...)
}

// table is the schema-qualified, quoted name of a table.
func (s *Store) table(name string) string {
	return quoteIdent(s.t.schema) + "." + quoteIdent(name)
}

// --- errors ---

// scrubbedError is an error whose message had the password taken out.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// scrub returns err, or an error of the same chain whose message shows no
// form of the password.
func (s *Store) scrub(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if clean := s.t.scrub(msg); clean != msg {
		return &scrubbedError{msg: clean, err: err}
	}
	return err
}

// wrap explains an error of the database ("cannot read STORE: ..."), or
// passes on the store's own errors (damage, lock, stale plan, context)
// unchanged. Every error a method returns goes through wrap or scrub.
func (s *Store) wrap(doing string, err error) error {
	if err == nil {
		return nil
	}
	var de *state.DamagedError
	var le *state.LockedError
	switch {
	case errors.As(err, &de), errors.As(err, &le),
		errors.Is(err, state.ErrStale), errors.Is(err, state.ErrLineage), errors.Is(err, state.ErrChain), errors.Is(err, state.ErrLockLost),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), errors.Is(err, errRefused):
		return s.scrub(err)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "42P01", "42703", "42804", "42P07", "22P02", "23502", "23505", "23514":
			// A table, column or value that is not as roster made it.
			return s.damaged("%s", describePgError(pe))
		case "42501":
			return s.scrub(fmt.Errorf("%s %s: the database user may not do this (%s); grant it the privileges roster needs on the schema %s, or pick another schema with ?schema=NAME", doing, s.Describe(), describePgError(pe), s.t.schema))
		case "3D000":
			return s.scrub(fmt.Errorf("%s %s: %s; create the database first or fix the URL", doing, s.Describe(), describePgError(pe)))
		}
		return s.scrub(fmt.Errorf("%s %s: %s", doing, s.Describe(), describePgError(pe)))
	}
	return s.scrub(fmt.Errorf("%s %s: %w", doing, s.Describe(), err))
}

// describePgError is a server error as one sentence: its message, detail
// and SQLSTATE.
func describePgError(pe *pgconn.PgError) string {
	msg := pe.Message
	if pe.Detail != "" {
		msg += " (" + strings.TrimSuffix(pe.Detail, ".") + ")"
	}
	return msg + " [SQLSTATE " + pe.Code + "]"
}

// errRefused marks a changeset or import the store refuses for what it
// is, not for the state of the database; its message is complete.
var errRefused = errors.New("refused")

type refusal struct{ msg string }

func (r *refusal) Error() string { return r.msg }
func (r *refusal) Unwrap() error { return errRefused }

func refuse(format string, args ...any) error {
	return &refusal{msg: fmt.Sprintf(format, args...)}
}

// damaged builds the error for a schema that is not a readable roster
// state.
func (s *Store) damaged(format string, args ...any) *state.DamagedError {
	reason := s.t.scrub(fmt.Sprintf(format, args...))
	return &state.DamagedError{Where: s.Describe(), Reason: reason, Err: state.ErrDamaged}
}

// --- reading the layout and the meta table ---

// errMissing says the schema holds none of roster's tables: an empty state.
var errMissing = errors.New("no roster tables")

// metaValues is what the meta table holds.
type metaValues struct {
	version uint64
	lineage string
	serial  uint64
}

// keepsTasks reports whether the state keeps the open follow-up tasks.
func (m metaValues) keepsTasks() bool { return m.version > state.SchemaNoTasks }

// inspect checks that the schema holds roster's tables, as this version
// of roster made them, and reads the meta table. None of the tables is
// errMissing; some of them, other columns, a newer schema version or
// unreadable values are a *state.DamagedError.
func (s *Store) inspect(ctx context.Context, q querier) (metaValues, error) {
	names := make([]string, len(layout))
	for i, l := range layout {
		names[i] = l.name
	}
	rows, err := q.Query(ctx, `
		SELECT c.relname, c.relkind::text, a.attname, format_type(a.atttypid, a.atttypmod), coalesce(co.collname, '')
		FROM pg_catalog.pg_class c
		JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
		LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
		WHERE n.nspname = $1 AND c.relname = ANY($2)
		ORDER BY c.relname, a.attnum`, s.t.schema, names)
	if err != nil {
		return metaValues{}, err
	}
	found := map[string]string{} // table → "col type, col type"
	kinds := map[string]string{}
	var objectsCollation string
	for rows.Next() {
		var rel, kind, col, typ, coll string
		if err := rows.Scan(&rel, &kind, &col, &typ, &coll); err != nil {
			rows.Close()
			return metaValues{}, err
		}
		if found[rel] != "" {
			found[rel] += ", "
		}
		found[rel] += col + " " + typ
		kinds[rel] = kind
		if rel == tableObjects && col == "address" {
			objectsCollation = coll
		}
	}
	if err := rows.Err(); err != nil {
		return metaValues{}, err
	}
	if len(found) == 0 {
		return metaValues{}, errMissing
	}
	check := func(name, columns string) error {
		got, ok := found[name]
		switch {
		case !ok:
			return s.damaged("its table %s is missing (roster's other tables are there)", name)
		case kinds[name] != "r" && kinds[name] != "p":
			return s.damaged("%s is not a table, so the schema is not a roster state; pick another schema with ?schema=NAME", name)
		case got != columns:
			return s.damaged("its table %s has the columns (%s), not roster's (%s), so the schema is not a roster state; pick another schema with ?schema=NAME", name, got, columns)
		}
		return nil
	}
	if _, ok := found[tableMeta]; !ok {
		// Tables of roster's names without roster's meta: say first which
		// of them are someone else's.
		for _, l := range layout[1:] {
			if _, ok := found[l.name]; ok {
				if err := check(l.name, l.columns); err != nil {
					return metaValues{}, err
				}
			}
		}
	}
	if err := check(tableMeta, layout[0].columns); err != nil {
		return metaValues{}, err
	}

	rows, err = q.Query(ctx, `SELECT key, value FROM `+s.table(tableMeta))
	if err != nil {
		return metaValues{}, err
	}
	meta := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			rows.Close()
			return metaValues{}, err
		}
		meta[k] = v
	}
	if err := rows.Err(); err != nil {
		return metaValues{}, err
	}
	v, ok := meta[keySchemaVersion]
	if !ok {
		return metaValues{}, s.damaged("its meta table has no schema_version, so it is not a roster state")
	}
	version, err := strconv.ParseUint(v, 10, 32)
	if err != nil || version == 0 {
		return metaValues{}, s.damaged("its schema_version %q is not a version number", clip(v))
	}
	if version > state.SchemaVersion {
		return metaValues{}, &state.DamagedError{
			Where:  s.Describe(),
			Reason: fmt.Sprintf("schema version %d; this roster reads up to version %d", version, state.SchemaVersion),
			Err:    state.ErrNewer,
		}
	}
	for _, l := range layout[1:] {
		if l.since > version {
			// A table a later version added; an older state lacks it.
			continue
		}
		if err := check(l.name, l.columns); err != nil {
			return metaValues{}, err
		}
	}
	if objectsCollation != "C" {
		return metaValues{}, s.damaged("its objects table sorts addresses by the collation %q, not \"C\" as roster made it", objectsCollation)
	}
	m := metaValues{version: version}
	lineage, hasLineage := meta[keyLineage]
	serial, hasSerial := meta[keySerial]
	switch {
	case !hasLineage && !hasSerial:
		// Tables made, nothing applied yet: an empty state.
	case !hasLineage || lineage == "" || len(lineage) > 256 || !utf8.ValidString(lineage):
		return metaValues{}, s.damaged("its lineage is missing or unreadable")
	default:
		m.lineage = lineage
		if m.serial, err = strconv.ParseUint(serial, 10, 63); err != nil {
			return metaValues{}, s.damaged("its serial %q is not a number", clip(serial))
		}
	}
	return m, nil
}

// clip shortens a damaged value for a message.
func clip(v string) string {
	if len(v) > 40 {
		return v[:40]
	}
	return v
}

// querier is a transaction or a connection.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// read runs fn in one REPEATABLE READ, read-only transaction: everything
// fn reads is as of one moment, never half of a commit.
func (s *Store) read(ctx context.Context, fn func(tx pgx.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// ensureTables makes the schema and roster's tables unless they exist,
// once per Store. Two processes doing it at once take turns (a
// transaction-scoped advisory lock); a schema holding tables of roster's
// names that are not roster's is refused as damaged, never built upon.
func (s *Store) ensureTables(ctx context.Context) error {
	if s.ready.Load() {
		return nil
	}
	s.readyMu.Lock()
	defer s.readyMu.Unlock()
	if s.ready.Load() {
		return nil
	}
	// Most often the tables are there: look without writing anything.
	err := s.read(ctx, func(tx pgx.Tx) error {
		_, err := s.inspect(ctx, tx)
		return err
	})
	if err == nil {
		s.ready.Store(true)
		return nil
	}
	if !errors.Is(err, errMissing) {
		return s.wrap("cannot read", err)
	}
	err = pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
		if err := s.markWriting(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, s.makeKey); err != nil {
			return err
		}
		_, err := s.inspect(ctx, tx)
		if !errors.Is(err, errMissing) {
			return err
		}
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1)`, s.t.schema).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			if _, err := tx.Exec(ctx, `CREATE SCHEMA `+quoteIdent(s.t.schema)); err != nil {
				return err
			}
		}
		for _, l := range layout {
			if err := s.createTable(ctx, tx, l.name, l.create); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO `+s.table(tableMeta)+` (key, value) VALUES ($1, $2)`,
			keySchemaVersion, strconv.Itoa(state.SchemaVersion))
		return err
	})
	if err != nil {
		return s.wrap("cannot create the tables of", err)
	}
	s.ready.Store(true)
	return nil
}

// createTable makes one of roster's tables.
func (s *Store) createTable(ctx context.Context, tx pgx.Tx, name, columns string) error {
	_, err := tx.Exec(ctx, `CREATE TABLE `+s.table(name)+` (`+columns+`)`)
	return err
}

// --- reads ---

// Snapshot reads the lineage, the serial and every object in one read
// transaction; the objects are decoded after it, on every core.
func (s *Store) Snapshot(ctx context.Context) (*state.Snapshot, error) {
	var (
		m   metaValues
		raw rawPairs
	)
	err := s.read(ctx, func(tx pgx.Tx) error {
		var err error
		if m, err = s.inspect(ctx, tx); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT address, object FROM `+s.table(tableObjects)+` ORDER BY address`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			v := rows.RawValues()
			if len(v) != 2 || v[0] == nil || v[1] == nil {
				return s.damaged("its objects table holds a row without an address or object")
			}
			raw.add(v[0], v[1])
		}
		return rows.Err()
	})
	if errors.Is(err, errMissing) {
		return &state.Snapshot{Objects: []*model.Object{}}, nil
	}
	if err != nil {
		return nil, s.wrap("cannot read", err)
	}
	objs, err := s.decodeObjects(&raw)
	if err != nil {
		return nil, err
	}
	return &state.Snapshot{Lineage: m.lineage, Serial: m.serial, Objects: objs}, nil
}

// rawPairs holds addresses and object JSON copied out of a result, back to
// back in one buffer (see boltstore).
type rawPairs struct {
	data []byte
	ends []int
}

func (r *rawPairs) add(k, v []byte) {
	if len(r.data)+len(k)+len(v) > cap(r.data) {
		nb := make([]byte, len(r.data), max(2*cap(r.data), len(r.data)+len(k)+len(v), 64<<10))
		copy(nb, r.data)
		r.data = nb
	}
	r.data = append(r.data, k...)
	r.ends = append(r.ends, len(r.data))
	r.data = append(r.data, v...)
	r.ends = append(r.ends, len(r.data))
}

func (r *rawPairs) len() int { return len(r.ends) / 2 }

func (r *rawPairs) pair(i int) (k, v []byte) {
	start := 0
	if i > 0 {
		start = r.ends[2*i-1]
	}
	return r.data[start:r.ends[2*i]], r.data[r.ends[2*i]:r.ends[2*i+1]]
}

// decodeObjects decodes the collected objects in parallel chunks
// (state.InChunks), checking
// that each is stored under its own address and that addresses are in
// order.
func (s *Store) decodeObjects(r *rawPairs) ([]*model.Object, error) {
	n := r.len()
	objs := make([]*model.Object, n)
	vals := make([]model.Object, n)
	err := state.InChunks(n, func(lo, hi int) error {
		var prev []byte
		if lo > 0 {
			prev, _ = r.pair(lo - 1)
		}
		for i := lo; i < hi; i++ {
			k, v := r.pair(i)
			if prev != nil && string(prev) >= string(k) {
				return s.damaged("its objects table returns the addresses out of order at %q", clip(string(k)))
			}
			prev = k
			o := &vals[i]
			if err := o.UnmarshalJSON(v); err != nil {
				return s.damaged("the object stored under %q cannot be read (%v)", clip(string(k)), err)
			}
			if o.Addr.String() != string(k) {
				return s.damaged("the object stored under %q says it is %q", clip(string(k)), o.Addr.String())
			}
			objs[i] = o
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return objs, nil
}

// History lists every history entry, oldest first.
func (s *Store) History(ctx context.Context) ([]state.HistoryEntry, error) {
	entries := []state.HistoryEntry{}
	err := s.read(ctx, func(tx pgx.Tx) error {
		if _, err := s.inspect(ctx, tx); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT serial, entry FROM `+s.table(tableHistory)+` ORDER BY serial`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				serial int64
				raw    []byte
			)
			if err := rows.Scan(&serial, &raw); err != nil {
				return err
			}
			var e state.HistoryEntry
			if err := json.Unmarshal(raw, &e); err != nil {
				return s.damaged("the history entry of serial %d cannot be read (%v)", serial, err)
			}
			if serial < 0 || e.Serial != uint64(serial) {
				return s.damaged("the history entry stored under serial %d says it is serial %d", serial, e.Serial)
			}
			entries = append(entries, e)
		}
		return rows.Err()
	})
	if errors.Is(err, errMissing) {
		return []state.HistoryEntry{}, nil
	}
	if err != nil {
		return nil, s.wrap("cannot read the history of", err)
	}
	return entries, nil
}

// EvidenceHead is the last record's sequence number and hash.
func (s *Store) EvidenceHead(ctx context.Context) (uint64, string, error) {
	var (
		seq  uint64
		hash string
	)
	err := s.read(ctx, func(tx pgx.Tx) error {
		if _, err := s.inspect(ctx, tx); err != nil {
			return err
		}
		var err error
		seq, hash, err = s.head(ctx, tx)
		return err
	})
	if errors.Is(err, errMissing) {
		return 0, "", nil
	}
	if err != nil {
		return 0, "", s.wrap("cannot read the evidence of", err)
	}
	return seq, hash, nil
}

// head reads the last evidence record's sequence number and hash.
func (s *Store) head(ctx context.Context, q querier) (uint64, string, error) {
	var (
		seq  int64
		hash string
	)
	err := q.QueryRow(ctx, `SELECT seq, hash FROM `+s.table(tableEvidence)+` ORDER BY seq DESC LIMIT 1`).Scan(&seq, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, "", nil
	}
	if err != nil {
		return 0, "", err
	}
	return uint64(seq), hash, nil
}

// Evidence batches: each read transaction copies at most this many
// records, then fn runs outside it. Records are appended, never rewritten,
// so the batches make one consistent walk.
const evidenceBatchRecords = 4096

// Evidence calls fn for every record with Seq >= from, in sequence order,
// stopping at fn's first error, which it returns. The JSON handed to fn is
// a copy fn may keep; the hashes are read from it (evidence.Hashes), as
// boltstore reads them, never from the prev_hash and hash columns: those
// are an index for SQL readers, which anyone who can write the table can
// set apart from the record, and the record is what evidence.Verify checks
// and a checkpoint signed (cli.md "Signed evidence").
func (s *Store) Evidence(ctx context.Context, from uint64, fn func(state.EvidenceRecord) error) error {
	return s.evidence(ctx, from, true, fn)
}

// EvidenceJSON is Evidence without reading the hashes from each record's
// JSON (state.EvidenceJSONReader): PrevHash and Hash are the prev_hash and
// hash columns, which evidence.Verify holds to the hashes it reads from
// the JSON, so a row edited to say two things fails verification.
func (s *Store) EvidenceJSON(ctx context.Context, from uint64, fn func(state.EvidenceRecord) error) error {
	return s.evidence(ctx, from, false, fn)
}

// evidence is Evidence, the hashes read only when hashes is set.
func (s *Store) evidence(ctx context.Context, from uint64, hashes bool, fn func(state.EvidenceRecord) error) error {
	if from > 1<<62 {
		return nil
	}
	next, first := from, true
	for {
		var batch []state.EvidenceRecord
		err := s.read(ctx, func(tx pgx.Tx) error {
			if first {
				if _, err := s.inspect(ctx, tx); err != nil {
					return err
				}
			}
			var err error
			batch, err = s.evidenceBatch(ctx, tx, next)
			return err
		})
		if errors.Is(err, errMissing) {
			return nil
		}
		if err != nil {
			return s.wrap("cannot read the evidence of", err)
		}
		first = false
		for _, r := range batch {
			if hashes {
				r.PrevHash, r.Hash = evidence.Hashes(r.JSON)
			}
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(batch) < evidenceBatchRecords {
			return nil
		}
		next = batch[len(batch)-1].Seq + 1
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// evidenceBatch copies the records from seq from on, up to a batch.
func (s *Store) evidenceBatch(ctx context.Context, tx pgx.Tx, from uint64) ([]state.EvidenceRecord, error) {
	rows, err := tx.Query(ctx, `SELECT seq, prev_hash, hash, record FROM `+s.table(tableEvidence)+` WHERE seq >= $1 ORDER BY seq LIMIT $2`,
		int64(from), evidenceBatchRecords)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var (
		batch []state.EvidenceRecord
		buf   []byte
		ends  []int
	)
	for rows.Next() {
		var (
			seq        int64
			prev, hash string
		)
		if err := rows.Scan(&seq, &prev, &hash, nil); err != nil {
			return nil, err
		}
		v := rows.RawValues()[3]
		if len(buf)+len(v) > cap(buf) {
			nb := make([]byte, len(buf), max(2*cap(buf), len(buf)+len(v), 256<<10))
			copy(nb, buf)
			buf = nb
		}
		buf = append(buf, v...)
		ends = append(ends, len(buf))
		batch = append(batch, state.EvidenceRecord{Seq: uint64(seq), PrevHash: prev, Hash: hash})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	start := 0
	for i := range batch {
		batch[i].JSON = buf[start:ends[i]:ends[i]]
		start = ends[i]
	}
	return batch, nil
}

// Checkpoints calls fn for every stored checkpoint, oldest first.
func (s *Store) Checkpoints(ctx context.Context, fn func(n uint64, raw []byte) error) error {
	type cp struct {
		n   uint64
		raw []byte
	}
	var all []cp
	err := s.read(ctx, func(tx pgx.Tx) error {
		if _, err := s.inspect(ctx, tx); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT n, checkpoint FROM `+s.table(tableCheckpoints)+` ORDER BY n`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n int64
			if err := rows.Scan(&n, nil); err != nil {
				return err
			}
			all = append(all, cp{uint64(n), append([]byte(nil), rows.RawValues()[1]...)})
		}
		return rows.Err()
	})
	if errors.Is(err, errMissing) {
		return nil
	}
	if err != nil {
		return s.wrap("cannot read the checkpoints of", err)
	}
	for _, c := range all {
		if err := fn(c.n, c.raw); err != nil {
			return err
		}
	}
	return nil
}

// OpenTasks lists the open follow-up tasks, sorted by site then name; kept
// is false for a schema version 1 state.
func (s *Store) OpenTasks(ctx context.Context) ([]state.Task, bool, error) {
	tasks := []state.Task{}
	kept := true
	err := s.read(ctx, func(tx pgx.Tx) error {
		m, err := s.inspect(ctx, tx)
		if err != nil {
			return err
		}
		if kept = m.keepsTasks(); !kept {
			return nil
		}
		rows, err := tx.Query(ctx, `SELECT site, name, text FROM `+s.table(tableTasks)+` ORDER BY site, name`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var site, name, text string
			if err := rows.Scan(&site, &name, &text); err != nil {
				return err
			}
			addr, err := model.ParseAddress(site)
			t := state.Task{Site: addr, Name: name, Text: text}
			if err != nil || t.Check() != nil {
				return s.damaged("its %s table holds %q, which is not a follow-up task", tableTasks, clip(site+"#"+name))
			}
			tasks = append(tasks, t)
		}
		return rows.Err()
	})
	if errors.Is(err, errMissing) {
		return tasks, true, nil
	}
	if err != nil {
		return nil, false, s.wrap("cannot read the follow-up tasks of", err)
	}
	if !kept {
		return nil, false, nil
	}
	return tasks, true, nil
}

// Writing reports whether a roster write transaction on this state (a
// commit, an import or the creation of the tables, by any process using the
// same URL) is open at this moment. It is for tests and diagnostics: a
// crash test kills an apply while this is true, then waits for it to turn
// false before it reads the outcome. Such sessions show in
// pg_stat_activity as application_name "roster/SCHEMA (writing)".
func (s *Store) Writing(ctx context.Context) (bool, error) {
	var busy bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity
		WHERE datname = current_database() AND application_name = $1 AND pid <> pg_backend_pid())`, s.writingName()).Scan(&busy)
	if err != nil {
		return false, s.wrap("cannot read the activity of", err)
	}
	return busy, nil
}
