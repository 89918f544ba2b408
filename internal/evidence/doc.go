// Package evidence owns the evidence records auditors read: their fields,
// their canonical JSON (RFC 8785, so `jq -cS` reproduces it), the hash
// chain that links them (prev_hash, hash), sealing new records onto a
// chain, and verifying a stored chain record by record. Stores keep the
// sealed bytes verbatim; only this package interprets them.
//
// Both ends are fast paths with a generic fallback: Seal writes a record's
// canonical JSON directly in its fixed key order (checked against the
// generic marshal-and-canonicalise path by the tests), and the verifier
// hashes a stored record's bytes as they are once one pass has shown them
// canonical, decoding only records that are not (which still verify by
// content). Verify hashes records in parallel and checks the links in
// order, so it reports the same first bad record a sequential walk would.
package evidence
