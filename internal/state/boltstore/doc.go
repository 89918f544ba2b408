// Package boltstore is the state store kept in one bbolt file (the default
// --state, .roster/state.db). It is the only package that imports bbolt.
//
// The file holds these buckets: meta (schema_version, lineage, serial as
// decimal text), objects (address → object JSON), history (8-byte
// big-endian serial → history entry JSON), evidence (8-byte big-endian
// sequence number → the record's JSON, verbatim), checkpoints (from the
// first signed one) and tasks (the open follow-up tasks: site address, NUL,
// task name → text). A schema version 1 file, written before roster kept
// the open tasks, has no tasks bucket until a commit gives the set derived
// from its evidence (state.Changeset.TaskBase), which makes it version 2.
// A record's hashes live only in its JSON: Evidence reads them from it,
// EvidenceJSON leaves them out for a reader that hashes the JSON itself.
//
// The database is opened for each transaction only, never held open between
// operations, so a long apply does not shut readers out. The writer's lock
// is a separate file beside the state (STATE.lock): an OS lock (flock) plus
// the holder's details as JSON. A lock file that a Lock made is removed by
// its Unlock when nothing was written, so a failed command leaves none
// beside a missing, damaged or odd state path. A missing file is an empty state; the file
// is created, mode 0600 in a 0700 directory, by the first commit, built
// aside and linked into place so no reader ever sees a half-made file. A
// state or lock file found with wider permissions is made 0600 when it is
// written.
//
// Damage of any kind (a file that is not bbolt, a truncated file, pages
// overwritten with garbage, values that do not decode) is reported as a
// *state.DamagedError, never a panic: bbolt's panics and faults on a
// damaged memory map are recovered.
package boltstore
