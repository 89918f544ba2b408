// Package pgstore is the state store kept in a PostgreSQL database, for
// teams whose CI runners share one state (--state postgres://… or
// postgresql://…). It is the only package that imports pgx (with its test
// helper, pgtest).
//
// The state lives in one schema: "roster", or the URL's schema=NAME (a
// plain lower-case identifier), which Open takes out of the URL before
// connecting, so one database can hold several states. The first Lock or
// Commit creates the schema and its tables; until then the state is empty
// and nothing is written, so read-only users can plan against an empty
// state. The tables:
//
//	meta         key text → value text: schema_version, lineage, serial
//	objects      address text (collation "C", so sorted as Go sorts) → object json
//	history      serial bigint → entry json
//	evidence     seq bigint → prev_hash text, hash text, record json (verbatim)
//	checkpoints  n bigint → checkpoint json (verbatim)
//	writer_lock  one row: the holder of the writer's lock (backend_pid, pid, host, operation, since)
//	open_tasks   site text, name text (collation "C") → text: the open follow-up tasks
//
// A schema version 1 state, written before roster kept the open tasks, has
// no open_tasks table until a commit gives the set derived from its
// evidence (state.Changeset.TaskBase), which makes it version 2.
//
// json columns keep their text exactly as written, so evidence records are
// stored byte for byte (the database's encoding should be UTF8) and
// auditors can query them (record->>'address'). The evidence table's
// prev_hash and hash columns are an index for such queries: roster reads a
// record's hashes from its JSON, the bytes evidence verify hashes and a
// checkpoint signs, and evidence verify refuses a row whose columns are
// not the JSON's.
// A schema holding tables of
// these names with other columns, a schema_version newer than this roster's,
// or values that do not decode are reported as a *state.DamagedError.
//
// Every Commit is one READ COMMITTED transaction that first locks the
// schema_version row, so commits take turns, then checks what boltstore
// checks (lineage, base serial, evidence continuity, history-only
// changesets) and writes objects and evidence with COPY (objects: the
// touched addresses are deleted, then the new rows copied). Every read is one
// REPEATABLE READ read-only transaction, so no reader sees half a commit;
// Evidence pages through in batches by sequence number, which is safe
// because records are only ever appended.
//
// The writer's lock is a session-level advisory lock on a key derived from
// the schema name, held on a connection of its own: the server releases it
// when the connection ends, so a killed roster leaves no stale lock. The
// lock's connection runs a keepalive query every second (so that
// idle_session_timeout does not end it), and every commit checks, with the
// meta row locked, that the lock's server session still holds the lock:
// if the connection ended anyway, the commit is refused with
// state.ErrLockLost ("lost the state lock").
//
// Connections carry application_name "roster/SCHEMA" (unless the URL sets
// one); a write transaction shows as "roster/SCHEMA (writing)" (Writing).
// The writer's lock needs a session of its own, so a pooler in front of
// the server must not run in transaction mode; other URL parameters are
// pgx's (e.g. default_query_exec_mode=simple_protocol for poolers without
// prepared statements).
//
// The password (from the URL, its password parameter, PGPASSWORD or
// ~/.pgpass) is never printed: Describe shows the URL without it, and every
// error message is scrubbed of it.
package pgstore
