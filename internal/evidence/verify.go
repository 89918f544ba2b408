package evidence

import (
	"context"
	"errors"
	"fmt"

	"github.com/roster-dev/roster/internal/state"
)

// VerifyError names the first record that does not match and why.
type VerifyError struct {
	Seq    uint64
	Reason string
}

func (e *VerifyError) Error() string {
	return fmt.Sprintf("evidence record %d: %s", e.Seq, e.Reason)
}

// Result is what a successful verification found.
type Result struct {
	Count uint64
	Head  string
}

// Verify walks the store's evidence in order and recomputes every hash and
// link: a record whose content no longer matches its hash (altered), whose
// prev_hash is not the previous record's hash (broken link, reordered), or
// whose sequence number is not the next one (deleted, inserted, reordered)
// stops it with a *VerifyError naming that record.
func Verify(ctx context.Context, st state.Store) (Result, error) {
	var res Result
	var prevHash string
	err := st.Evidence(ctx, 1, func(rec state.EvidenceRecord) error {
		want := res.Count + 1
		if rec.Seq != want {
			if rec.Seq > want {
				return &VerifyError{Seq: want, Reason: fmt.Sprintf("missing: the sequence jumps from %d to %d (a record was deleted)", res.Count, rec.Seq)}
			}
			return &VerifyError{Seq: rec.Seq, Reason: fmt.Sprintf("out of sequence after record %d", res.Count)}
		}
		hash, seq, prev, stated, err := HashOf(rec.JSON)
		if err != nil {
			return &VerifyError{Seq: rec.Seq, Reason: "unreadable: " + err.Error()}
		}
		if seq != rec.Seq {
			return &VerifyError{Seq: rec.Seq, Reason: fmt.Sprintf("stored at position %d but says seq %d (records were reordered or moved)", rec.Seq, seq)}
		}
		if prev != prevHash {
			return &VerifyError{Seq: rec.Seq, Reason: fmt.Sprintf("broken link: prev_hash %q is not the hash of record %d (%q)", short(prev), rec.Seq-1, short(prevHash))}
		}
		if hash != stated {
			return &VerifyError{Seq: rec.Seq, Reason: fmt.Sprintf("altered content: its hash is %s but its content hashes to %s", short(stated), short(hash))}
		}
		prevHash = stated
		res.Count++
		res.Head = stated
		return nil
	})
	if err != nil {
		var ve *VerifyError
		if errors.As(err, &ve) {
			return res, ve
		}
		return res, err
	}
	return res, nil
}

func short(h string) string {
	if len(h) > 16 {
		return h[:16] + "…"
	}
	if h == "" {
		return `""`
	}
	return h
}
