package checkpoint

import (
	"context"
	"errors"
	"fmt"

	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/state"
)

// Stored is a checkpoint as a store keeps it: its position (1, 2, ...)
// and its JSON.
type Stored struct {
	N   uint64
	Raw []byte
}

// ReadStored reads every stored checkpoint, oldest first.
func ReadStored(ctx context.Context, st state.Store) ([]Stored, error) {
	var out []Stored
	err := st.Checkpoints(ctx, func(n uint64, raw []byte) error {
		out = append(out, Stored{N: n, Raw: raw})
		return nil
	})
	return out, err
}

// Latest is the last stored checkpoint (ok false when there is none).
func Latest(ctx context.Context, st state.Store) (Stored, bool, error) {
	var last Stored
	found := false
	err := st.Checkpoints(ctx, func(n uint64, raw []byte) error {
		last, found = Stored{N: n, Raw: raw}, true
		return nil
	})
	return last, found, err
}

// External is a checkpoint kept outside the state (a file), to be found in
// the chain.
type External struct {
	// Name says where it came from, for messages (the file's name).
	Name       string
	Checkpoint *Checkpoint
}

// Options says what Verify checks besides the chain.
type Options struct {
	// Keys, when given, make Verify check every stored checkpoint: its
	// signature by the key whose id it names (one of Keys) and that the
	// chain still holds its record with its hash. External checkpoints'
	// signatures are checked with them too.
	Keys []*PublicKey
	// External checkpoints must each be in the chain: the record at their
	// seq has their hash.
	External []External
	// AllowUnsignedTail lets records follow the last signed checkpoint;
	// otherwise, with Keys, such records fail (ErrUnsignedTail).
	AllowUnsignedTail bool
}

// Result is what a successful Verify found.
type Result struct {
	// Records and Head are the chain's, as evidence.Verify found them.
	Records uint64
	Head    string
	// Checked counts the stored checkpoints checked (0 without Keys).
	Checked int
	// Last is the stored checkpoint that covers the most records (the
	// highest seq; the latest of equals), nil when none was checked.
	Last *Checkpoint
	// LastN is Last's position among the stored checkpoints.
	LastN uint64
	// After counts the records that follow Last (all of them when Last is
	// nil): not yet covered by a signature.
	After uint64
}

// Error names the first checkpoint that fails and why.
type Error struct {
	// Name is "checkpoint N" for a stored one, or the external one's name.
	Name string
	// Seq is the record the checkpoint names (0 when unreadable).
	Seq    uint64
	Time   string
	Reason string
	// More counts the other checkpoints that fail too.
	More int
}

func (e *Error) Error() string {
	s := e.Name
	if e.Seq > 0 {
		s += fmt.Sprintf(" (record %d", e.Seq)
		if e.Time != "" {
			s += ", signed " + e.Time
		}
		s += ")"
	}
	s += ": " + e.Reason
	switch e.More {
	case 0:
	case 1:
		s += " (and 1 more checkpoint fails)"
	default:
		s += fmt.Sprintf(" (and %d more checkpoints fail)", e.More)
	}
	return s
}

// ErrUnsignedTail: keys were given and records follow the last signed
// checkpoint, which no signature covers (cli.md "Evidence, version 2").
var ErrUnsignedTail = errors.New("unsigned records")

// ErrNoCheckpoint: keys were given but the state holds records and no
// checkpoint, so no record is covered by a signature.
var ErrNoCheckpoint = errors.New("no signed checkpoint")

// Verify checks the store's chain (evidence.Verify: a failure is its
// *evidence.VerifyError), then the checkpoints opts asks for: each must be
// readable, signed by its key (when keys are given) and match the chain at
// its seq. The first checkpoint that fails is returned as an *Error,
// stored ones (oldest first) before external ones. Keys given to a state
// with records but no stored checkpoint give an error wrapping
// ErrNoCheckpoint.
func Verify(ctx context.Context, st state.Store, opts Options) (Result, error) {
	res0, err := evidence.Verify(ctx, st)
	res := Result{Records: res0.Count, Head: res0.Head, After: res0.Count}
	if err != nil {
		return res, err
	}

	type check struct {
		name string
		n    uint64
		cp   *Checkpoint
		err  string // why it failed before the chain was consulted
		keys bool   // check its signature
	}
	// linkErr says why stored checkpoint i does not follow the one before
	// (prev_checkpoint), "" when it does.
	linkErr := func(stored []Stored, cps []*Checkpoint, i int) string {
		cp := cps[i]
		if cp.FormatVersion == formatVersion1 {
			for j := 0; j < i; j++ {
				if cps[j] != nil && cps[j].FormatVersion != formatVersion1 {
					return fmt.Sprintf("it is format version %s, without prev_checkpoint, after checkpoint %d of version %s: checkpoints were replaced", formatVersion1, stored[j].N, cps[j].FormatVersion)
				}
			}
			return ""
		}
		if i == 0 {
			if cp.PrevCheckpoint != "" {
				return fmt.Sprintf("it is the first checkpoint but its prev_checkpoint is %s, not \"\": checkpoints before it were removed", short(cp.PrevCheckpoint))
			}
			return ""
		}
		want, err := Digest(stored[i-1].Raw)
		if err != nil {
			return fmt.Sprintf("the checkpoint before it cannot be read: %v", err)
		}
		if cp.PrevCheckpoint != want {
			return fmt.Sprintf("its prev_checkpoint %s is not the digest of checkpoint %d (%s): the checkpoints do not chain (one was removed, replaced or reordered)", short(cp.PrevCheckpoint), stored[i-1].N, short(want))
		}
		return ""
	}
	var checks []check
	if len(opts.Keys) > 0 {
		stored, err := ReadStored(ctx, st)
		if err != nil {
			return res, err
		}
		if len(stored) == 0 && res.Records > 0 {
			return res, fmt.Errorf("%w: none of the %d evidence records is covered by a signature (set $%s for apply, or check an exported checkpoint with --checkpoint)", ErrNoCheckpoint, res.Records, EnvSigningKey)
		}
		cps := make([]*Checkpoint, len(stored))
		for i, s := range stored {
			c := check{name: fmt.Sprintf("checkpoint %d", s.N), n: s.N, keys: true}
			cp, err := Parse(s.Raw)
			if err != nil {
				c.err = "unreadable: " + err.Error()
			}
			c.cp, cps[i] = cp, cp
			if c.err == "" {
				c.err = linkErr(stored, cps, i)
			}
			checks = append(checks, c)
		}
	}
	for _, e := range opts.External {
		checks = append(checks, check{name: e.Name, cp: e.Checkpoint, keys: len(opts.Keys) > 0})
	}

	// The hash of every record a checkpoint names, read in one pass.
	want := map[uint64]string{}
	var from, to uint64
	for _, c := range checks {
		if c.cp == nil || c.cp.Seq > res.Records {
			continue
		}
		want[c.cp.Seq] = ""
		if from == 0 || c.cp.Seq < from {
			from = c.cp.Seq
		}
		to = max(to, c.cp.Seq)
	}
	if len(want) > 0 {
		errDone := errors.New("done")
		err := st.Evidence(ctx, from, func(rec state.EvidenceRecord) error {
			if rec.Seq > to {
				return errDone
			}
			if _, ok := want[rec.Seq]; ok {
				want[rec.Seq] = rec.Hash
			}
			return nil
		})
		if err != nil && !errors.Is(err, errDone) {
			return res, err
		}
	}

	var first *Error
	fail := func(c check, reason string) {
		if first != nil {
			first.More++
			return
		}
		first = &Error{Name: c.name, Reason: reason}
		if c.cp != nil {
			first.Seq, first.Time = c.cp.Seq, c.cp.Time
		}
	}
	for _, c := range checks {
		if c.err != "" {
			fail(c, c.err)
			continue
		}
		cp := c.cp
		if c.keys {
			if err := cp.verifyAny(opts.Keys); err != nil {
				fail(c, err.Error())
				continue
			}
		}
		if cp.Seq > res.Records {
			fail(c, fmt.Sprintf("the chain holds only %d records, so record %d is gone: evidence was removed after it was signed", res.Records, cp.Seq))
			continue
		}
		if got := want[cp.Seq]; got != cp.Hash {
			fail(c, fmt.Sprintf("record %d now has hash %s, but the checkpoint says %s: the evidence was rewritten at or before record %d after it was signed", cp.Seq, short(got), short(cp.Hash), cp.Seq))
			continue
		}
		if c.n > 0 {
			res.Checked++
			if res.Last == nil || cp.Seq >= res.Last.Seq {
				res.Last, res.LastN = cp, c.n
			}
		}
	}
	if first != nil {
		return res, first
	}
	if res.Last != nil {
		res.After = res.Records - res.Last.Seq
	}
	if len(opts.Keys) > 0 && res.After > 0 && !opts.AllowUnsignedTail {
		last := "any signed checkpoint"
		if res.Last != nil {
			last = fmt.Sprintf("the last signed checkpoint (checkpoint %d, record %d)", res.LastN, res.Last.Seq)
		}
		n := "1 record follows"
		if res.After > 1 {
			n = fmt.Sprintf("%d records follow", res.After)
		}
		return res, fmt.Errorf("%w: %s %s, covered by no signature (records %d to %d); give --allow-unsigned-tail to accept them", ErrUnsignedTail, n, last, res.Records-res.After+1, res.Records)
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
