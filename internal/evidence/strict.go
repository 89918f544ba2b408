package evidence

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// This file is the authority on which bytes a stored record may be
// (schema/cli.md "Evidence, version 2", unambiguous records): they must parse as
// JSON with no duplicate member names (compared exactly), and be byte for
// byte the RFC 8785 canonical form of what they parse to. Parsing and
// canonicalising are jsontext's (the json/v2 design), not roster's own:
// it refuses duplicate names and invalid UTF-8 by default. roster adds
// one rule of its own: every number is an integer within ±2^53, so that
// `jq -cS` (which reads numbers as doubles) reproduces a record exactly.
//
// The verifier's fast path (scan.go) accepts exactly the same bytes; a
// differential fuzz test (FuzzStrictMatchesScanner) holds it to that.

// StrictError says why bytes are not a valid stored record's JSON
// (CheckStrict), or why JSON cannot be put in canonical form
// (CanonicalizeJSON).
type StrictError struct {
	// Duplicate is the member name given twice, "" when that is not why.
	Duplicate string
	Reason    string
}

func (e *StrictError) Error() string { return e.Reason }

// CheckStrict reports whether data is acceptable as a stored record (or
// any other canonical JSON roster signs): nil, or a *StrictError.
func CheckStrict(data []byte) error {
	v, err := canonicalize(data)
	if err != nil {
		return err
	}
	if !bytes.Equal(v, data) {
		return &StrictError{Reason: fmt.Sprintf("not in canonical form (RFC 8785): its bytes differ from the canonical JSON of what they hold at byte %d", firstDiff(v, data))}
	}
	return checkNumbers(data)
}

// strictError says why jsontext refused bytes.
func strictError(err error) *StrictError {
	var se *jsontext.SyntacticError
	if errors.As(err, &se) && errors.Is(se.Err, jsontext.ErrDuplicateName) {
		name := se.JSONPointer.LastToken()
		where := ""
		if p := se.JSONPointer.Parent(); p != "" {
			where = fmt.Sprintf(" (in %s)", p)
		}
		return &StrictError{Duplicate: name, Reason: fmt.Sprintf("duplicate member %q%s: a record must name each member once", name, where)}
	}
	return &StrictError{Reason: "not valid JSON: " + strings.TrimPrefix(err.Error(), "jsontext: ")}
}

func firstDiff(a, b []byte) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// checkNumbers refuses a number of data not written as an integer within
// ±2^53 (digits only: 1.0 and 1e2 are refused too).
func checkNumbers(data []byte) error {
	dec := jsontext.NewDecoder(bytes.NewReader(data), jsontext.AllowDuplicateNames(true))
	for {
		if dec.PeekKind() == '0' {
			v, err := dec.ReadValue()
			if err != nil {
				return &StrictError{Reason: "not valid JSON: " + err.Error()}
			}
			if !safeInteger(v) {
				return &StrictError{Reason: fmt.Sprintf("number %s is not an integer within ±2^53", v)}
			}
			continue
		}
		if _, err := dec.ReadToken(); err != nil {
			if err == io.EOF {
				return nil
			}
			return &StrictError{Reason: "not valid JSON: " + err.Error()}
		}
	}
}

// safeInteger reports whether a number, as written, is an integer within
// ±2^53: an optional '-' and digits only.
func safeInteger(v []byte) bool {
	d := v
	if len(d) > 0 && d[0] == '-' {
		d = d[1:]
	}
	if len(d) == 0 || len(d) > 16 {
		return false
	}
	for _, c := range d {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(d) < 16 || string(d) <= "9007199254740992"
}

// Check is CheckStrict with the verifier's fast path first: a record's
// bytes as a store keeps them are valid, or the error says why. Listing
// and exporting use it, so they never show a record verify would refuse.
func Check(data []byte) error {
	if isCanonical(data) {
		return nil
	}
	return CheckStrict(data)
}
