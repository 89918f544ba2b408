// Package state owns the contract of a state store: the Store interface
// (read a snapshot, take the writer's lock, commit a changeset atomically,
// list history, evidence and the open follow-up tasks), the errors every store reports the same way,
// and the conformance suite (statetest) that every store must pass.
//
// Stores live in sub-packages: boltstore (a bbolt file, the only importer of
// bbolt) and pgstore (PostgreSQL, the only importer of pgx). Migrate copies
// a whole state from one store into an empty one through the optional
// Importer interface; a store may also walk its evidence without the
// hashes (EvidenceJSONReader, for a reader that hashes the JSON itself).
// FoldTasks and ResolveTasks reduce a changeset's
// task changes, and a move's or a forgetting's, to the tasks to write. Nothing here does I/O
// itself.
package state
