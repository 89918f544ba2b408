// Package evidence owns the evidence records auditors read: their fields,
// their canonical JSON (RFC 8785, so `jq -cS` reproduces it), the hash
// chain that links them (prev_hash, hash), sealing new records onto a
// chain, and verifying a stored chain record by record. Stores keep the
// sealed bytes verbatim; only this package interprets them.
package evidence
