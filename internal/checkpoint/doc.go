// Package checkpoint owns roster's signed evidence (cli.md "Signed
// evidence"): ed25519 signing keys and their files (`roster keygen`), the
// key id, the signed checkpoint of an evidence chain's head and its JSON
// (schema/checkpoint.schema.json), the verification of stored and
// external checkpoints against a store's chain (`roster evidence verify
// --public-key`, `--checkpoint`, `--allow-unsigned-tail`), the signature of
// saved plans (plansig.go), and the auditor's bundle: its files, its
// MANIFEST.json, its verify.sh and its verification without a state
// (`roster evidence verify --bundle`).
//
// A checkpoint is one canonical JSON object (RFC 8785, like evidence
// records):
//
//	{"format_version":"2","hash":"…","key_id":"…","prev_checkpoint":"…","seq":12,"signature":"…","time":"2026-11-26T10:00:00Z"}
//
// seq and hash are the last evidence record's; time is when it was signed;
// prev_checkpoint is the sha256 of the previous checkpoint's canonical JSON
// ("" for the first), so checkpoints form a chain (format version 1, read
// only before the first version 2 one, has none);
// key_id is the first 16 hex characters of the sha256 of the public key's
// PKIX DER; signature is the standard base64 of the ed25519 signature over
// the canonical JSON of the checkpoint without its signature member, which
// is exactly what `jq -cS 'del(.signature)' | tr -d '\n'` prints for it.
//
// Keys are PEM: the private key PKCS #8 ("PRIVATE KEY"), the public key
// PKIX ("PUBLIC KEY"), as OpenSSL 3 reads and writes them.
package checkpoint
