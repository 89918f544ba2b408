// Package evidence owns the evidence records auditors read: their fields,
// their canonical JSON (RFC 8785, so `jq -cS` reproduces it), the hash
// chain that links them (prev_hash, hash), sealing new records onto a
// chain, and verifying a stored chain record by record. Stores keep the
// sealed bytes verbatim; only this package interprets them.
//
// A stored record is valid only if its bytes are exactly the RFC 8785
// canonical JSON of what they parse to, with no member named twice
// (CheckStrict, which parses and canonicalises with jsontext, the json/v2
// design): anything else fails verification by name, even where its hash
// would match (schema/cli.md "Evidence, version 2"). CanonicalizeJSON and
// Canonical, which checkpoints and the policy digest use too, are the
// same jsontext canonical form, numbers held to integers within ±2^53.
//
// Seal writes a record's canonical JSON with json/v2, from wire structs
// whose fields are declared in canonical order (TestSealCanonical holds
// them to CheckStrict). The verifier's end is a fast path: it hashes a
// stored record's bytes as they are once one pass (scan.go) has shown them
// canonical; FuzzStrictMatchesScanner holds that pass to exactly the bytes
// CheckStrict accepts, and bytes it refuses get CheckStrict's reason.
// Hashes reads a record's prev_hash and hash for the stores that list
// records, with the same pass (FuzzHashesMatchDecode holds it to the strict
// json/v2 decode).
// Verify hashes records in parallel and checks the links in order, so it
// reports the same first bad record a sequential walk would. OpenChain is
// the chain a write extends, its head checked first (HeadError).
//
// Records raise and confirm follow-up tasks, a site's or team's move
// record moves those open on its sites, and its forget record closes them:
// NoteTasks puts what a record does to them into the changeset that stores
// it (PrepareTasks resolves a move or forgetting against the open set), so
// the state keeps the open set; OpenTasks reads it, deriving it from the chain for a state
// written before the set was kept (PrepareTasks starts the set there at
// the next write), and stops at a record that does not decode.
package evidence
