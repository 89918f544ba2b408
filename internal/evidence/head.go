package evidence

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/roster-dev/roster/internal/state"
)

// HeadError says that the record a write would extend, the chain's head,
// does not verify: nothing may be appended to it (schema/cli.md "Evidence,
// version 2": fail closed on a damaged chain).
type HeadError struct {
	Seq    uint64
	Reason string
}

func (e *HeadError) Error() string {
	return fmt.Sprintf("evidence record %d, the head of the chain this write would extend, does not verify: %s; nothing was written (run roster evidence verify, and restore the state from a backup)", e.Seq, e.Reason)
}

// OpenChain is the chain a write extends, checked first: the store's last
// record must hash to the hash it states, say the sequence number it is
// stored under, and link to the record before it (whose own content must
// match its hash too), or to "" when it is the first. A head that does not
// verify gives a *HeadError and no chain. The caller holds the writer's
// lock, so the head cannot move between this check and the write.
func OpenChain(ctx context.Context, st state.Store) (Chain, error) {
	seq, head, err := st.EvidenceHead(ctx)
	if err != nil || seq == 0 {
		return Chain{}, err
	}
	from := max(seq-1, 1)
	var recs []state.EvidenceRecord
	errDone := errors.New("done")
	err = st.Evidence(ctx, from, func(r state.EvidenceRecord) error {
		if r.Seq > seq {
			return errDone
		}
		recs = append(recs, state.EvidenceRecord{Seq: r.Seq, JSON: append([]byte(nil), r.JSON...)})
		return nil
	})
	if err != nil && !errors.Is(err, errDone) {
		return Chain{}, err
	}
	fail := func(n uint64, format string, args ...any) (Chain, error) {
		return Chain{}, &HeadError{Seq: n, Reason: fmt.Sprintf(format, args...)}
	}
	if len(recs) == 0 || recs[len(recs)-1].Seq != seq {
		return fail(seq, "the store says the chain ends at record %d, but that record cannot be found", seq)
	}
	var prevHash []byte // the stated hash of the record before the head
	for _, r := range recs {
		var h recordHash
		hashRecord(sha256.New(), r.JSON, &h)
		if h.err != nil {
			return fail(r.Seq, "unreadable: %v", h.err)
		}
		if h.seq != r.Seq {
			return fail(r.Seq, "stored at position %d but says seq %d", r.Seq, h.seq)
		}
		if sum := hex.EncodeToString(h.sum[:]); sum != string(h.stated) {
			return fail(r.Seq, "altered content: its hash is %s but its content hashes to %s", short(string(h.stated)), short(sum))
		}
		if r.Seq == seq {
			switch {
			case seq == 1 && len(h.prev) != 0:
				return fail(seq, "it is the first record but its prev_hash is %s, not \"\"", short(string(h.prev)))
			case seq > 1 && (prevHash == nil || string(h.prev) != string(prevHash)):
				return fail(seq, "broken link: prev_hash %s is not the hash of record %d", short(string(h.prev)), seq-1)
			case string(h.stated) != head:
				return fail(seq, "the store names %s as the head but the record's hash is %s", short(head), short(string(h.stated)))
			}
			return Chain{Seq: seq, Hash: string(h.stated)}, nil
		}
		prevHash = append([]byte(nil), h.stated...)
	}
	return fail(seq, "record %d cannot be found", seq)
}
