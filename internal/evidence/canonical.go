package evidence

import (
	"bytes"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Canonical returns the RFC 8785 (JCS) canonical JSON of v, marshalled
// with json/v2 (a string that is not valid UTF-8 gets U+FFFD for each bad
// byte) and canonicalised by CanonicalizeJSON. Tags are json/v2's:
// omitempty leaves out a field that encodes as empty ("" included), while
// omitzero leaves out only a zero value (a nil pointer).
func Canonical(v any) ([]byte, error) {
	raw, err := jsonv2.Marshal(v, jsontext.AllowInvalidUTF8(true))
	if err != nil {
		return nil, err
	}
	return CanonicalizeJSON(raw)
}

// CanonicalizeJSON rewrites JSON text in canonical form (RFC 8785) with
// jsontext. It refuses what is not one JSON value, a member named twice
// in an object, a string that is not valid UTF-8, and (roster's own rule)
// a number not written as an integer within ±2^53, digits only (so 1.0
// and 1e2 too): roster's records hold no others, and this keeps `jq -cS`,
// which reads numbers as doubles, in agreement. Errors are *StrictError.
func CanonicalizeJSON(data []byte) ([]byte, error) {
	v, err := canonicalize(data)
	if err != nil {
		return nil, err
	}
	if err := checkNumbers(data); err != nil {
		return nil, err
	}
	return v, nil
}

// maxSafeInteger is 2^53: canonical numbers lie within ±maxSafeInteger.
const maxSafeInteger = 1 << 53

// canonicalize is jsontext's canonical form of data, numbers not checked.
func canonicalize(data []byte) (jsontext.Value, error) {
	v := jsontext.Value(bytes.Clone(data))
	if err := v.Canonicalize(); err != nil {
		return nil, strictError(err)
	}
	return v, nil
}
