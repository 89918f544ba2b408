package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

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

// Records are hashed in batches of at most this many records or bytes,
// by at most GOMAXPROCS goroutines (an errgroup with SetLimit), with at most verifyBatchesPerWorker batches per
// worker in flight: memory stays bounded however long the chain.
const (
	verifyBatchRecords     = 1024
	verifyBatchBytes       = 1 << 20
	verifyBatchesPerWorker = 3
)

// verifyItem is one record of a batch and what hashing it found.
type verifyItem struct {
	pos        uint64 // the sequence number the store keeps it under
	start, end int    // its JSON in the batch's buffer
	// kept says the store keeps the record's hashes beside its JSON
	// (keptPrev, keptHash): they must be the JSON's.
	kept               bool
	keptPrev, keptHash string
	recordHash
}

// verifyBatch is a run of consecutive records.
type verifyBatch struct {
	buf   []byte
	items []verifyItem
	done  chan struct{} // closed once every item is hashed
}

// errStopWalk ends the store's walk early; it never leaves Verify.
var errStopWalk = errors.New("evidence: walk stopped")

// Verify walks the store's evidence in order and recomputes every hash and
// link: a record whose content no longer matches its hash (altered), whose
// prev_hash is not the previous record's hash (broken link, reordered), or
// whose sequence number is not the next one (deleted, inserted, reordered)
// stops it with a *VerifyError naming that record.
//
// Records are hashed in parallel, in batches; their links are checked in
// order afterwards, so the error names the first bad record in sequence
// order, as a walk one record at a time would.
func Verify(ctx context.Context, st state.Store) (Result, error) {
	workers := runtime.GOMAXPROCS(0)
	nBatches := workers*verifyBatchesPerWorker + 1
	free := make(chan *verifyBatch, nBatches)
	for range nBatches {
		free <- &verifyBatch{}
	}
	inOrder := make(chan *verifyBatch, nBatches)
	var failed atomic.Bool // a record did not verify: stop reading

	// The hashers: one goroutine per batch, at most workers at a time.
	var hashers errgroup.Group
	hashers.SetLimit(workers)
	hash := func(b *verifyBatch) error {
		if !failed.Load() {
			h := sha256.New()
			for i := range b.items {
				it := &b.items[i]
				hashRecord(h, b.buf[it.start:it.end], &it.recordHash)
			}
		}
		close(b.done)
		return nil
	}

	// The checker takes batches in order and checks each record's
	// sequence number and link.
	var (
		res      Result
		verr     *VerifyError
		lastHash []byte
	)
	checked := make(chan struct{})
	go func() {
		defer close(checked)
		for b := range inOrder {
			<-b.done
			if verr == nil {
				for i := range b.items {
					if verr = checkLink(&b.items[i], lastHash); verr != nil {
						failed.Store(true)
						break
					}
					lastHash = append(lastHash[:0], b.items[i].stated...)
					res.Count++
				}
			}
			b.buf, b.items = b.buf[:0], b.items[:0]
			free <- b
		}
	}()

	var (
		seen   uint64
		seqErr *VerifyError
		cur    *verifyBatch
	)
	submit := func() {
		b := cur
		b.done = make(chan struct{})
		inOrder <- b
		hashers.Go(func() error { return hash(b) })
		cur = nil
	}
	// The hashers read each record's hashes from its JSON: the store
	// need not read them too (state.EvidenceJSON).
	err := state.EvidenceJSON(ctx, st, 1, func(rec state.EvidenceRecord) error {
		if failed.Load() {
			return errStopWalk
		}
		want := seen + 1
		if rec.Seq != want {
			if rec.Seq > want {
				seqErr = &VerifyError{Seq: want, Reason: fmt.Sprintf("missing: the sequence jumps from %d to %d (a record was deleted)", seen, rec.Seq)}
			} else {
				seqErr = &VerifyError{Seq: rec.Seq, Reason: fmt.Sprintf("out of sequence after record %d", seen)}
			}
			return errStopWalk
		}
		seen++
		if cur == nil {
			cur = <-free
		}
		start := len(cur.buf)
		cur.buf = append(cur.buf, rec.JSON...)
		cur.items = append(cur.items, verifyItem{pos: rec.Seq, start: start, end: len(cur.buf),
			kept: rec.PrevHash != "" || rec.Hash != "", keptPrev: rec.PrevHash, keptHash: rec.Hash})
		if len(cur.items) >= verifyBatchRecords || len(cur.buf) >= verifyBatchBytes {
			submit()
		}
		return nil
	})
	if cur != nil && len(cur.items) > 0 {
		submit()
	}
	close(inOrder)
	<-checked
	hashers.Wait() // every batch is hashed: the checker saw them all

	res.Head = string(lastHash)
	switch {
	case verr != nil:
		// A bad record comes before anything the walk found later.
		return res, verr
	case err != nil && !errors.Is(err, errStopWalk):
		var ve *VerifyError
		if errors.As(err, &ve) {
			return res, ve
		}
		return res, err
	case seqErr != nil:
		return res, seqErr
	}
	return res, nil
}

// checkLink checks one hashed record against its place in the chain:
// its own sequence number, its link to the record before (whose hash is
// prevHash) and its hash.
func checkLink(it *verifyItem, prevHash []byte) *VerifyError {
	if it.err != nil {
		return &VerifyError{Seq: it.pos, Reason: "unreadable: " + it.err.Error()}
	}
	if it.seq != it.pos {
		return &VerifyError{Seq: it.pos, Reason: fmt.Sprintf("stored at position %d but says seq %d (records were reordered or moved)", it.pos, it.seq)}
	}
	if !bytes.Equal(it.prev, prevHash) {
		return &VerifyError{Seq: it.pos, Reason: fmt.Sprintf("broken link: prev_hash %q is not the hash of record %d (%q)", short(string(it.prev)), it.pos-1, short(string(prevHash)))}
	}
	var sum [2 * sha256.Size]byte
	hex.Encode(sum[:], it.sum[:])
	if !bytes.Equal(sum[:], it.stated) {
		return &VerifyError{Seq: it.pos, Reason: fmt.Sprintf("altered content: its hash is %s but its content hashes to %s", short(string(it.stated)), short(string(sum[:])))}
	}
	if it.kept {
		// A store's own copies of the hashes (PostgreSQL's columns), which
		// SQL readers and the store's head read: the row must say one thing.
		switch {
		case it.keptHash != string(it.stated):
			return &VerifyError{Seq: it.pos, Reason: fmt.Sprintf("the store's hash column says %s but the record's hash is %s (the row was edited)", short(it.keptHash), short(string(it.stated)))}
		case it.keptPrev != string(it.prev):
			return &VerifyError{Seq: it.pos, Reason: fmt.Sprintf("the store's prev_hash column says %s but the record's prev_hash is %s (the row was edited)", short(it.keptPrev), short(string(it.prev)))}
		}
	}
	return nil
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
