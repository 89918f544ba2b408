package ops

import (
	"context"
	"time"

	"github.com/roster-dev/roster/internal/checkpoint"
	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/state"
)

// CheckSigner reports a $ROSTER_SIGNING_KEY that cannot be used, before a
// command writes anything.
func CheckSigner() error {
	if _, err := checkpoint.SignerFromEnv(); err != nil {
		return &Error{Msg: err.Error()}
	}
	return nil
}

// signFunc is the apply.Meta hook that signs checkpoints, nil without a
// key. The key is read on each call (it takes microseconds), so one process
// running several commands, as the tests do, sees each run's environment.
func signFunc() func(prev []byte, seq uint64, hash string, at time.Time) ([]byte, error) {
	s, err := checkpoint.SignerFromEnv()
	if err != nil {
		return nil
	}
	return s.SignFunc()
}

// Checkpointed is the checkpoint an apply that changed nothing signed:
// the record it covers and its hash.
type Checkpointed struct {
	Seq  uint64
	Head string
}

// checkpointHead ends an apply that changed nothing (schema/cli.md: each apply
// ends by writing a checkpoint): with a signing key, the evidence head is
// signed unless the newest checkpoint covers it already. The checkpoint
// is evidence only: the serial does not move.
func checkpointHead(ctx context.Context, st state.Store) (*Checkpointed, error) {
	sign := signFunc()
	if sign == nil {
		return nil, nil
	}
	chain, err := evidence.OpenChain(ctx, st)
	if err != nil {
		return nil, StoreError(err)
	}
	seq, head := chain.Seq, chain.Hash
	if seq == 0 {
		return nil, nil
	}
	var last []byte
	if err := st.Checkpoints(ctx, func(_ uint64, raw []byte) error { last = raw; return nil }); err != nil {
		return nil, StoreError(err)
	}
	if last != nil {
		if cp, err := checkpoint.Parse(last); err == nil && cp.Seq == seq && cp.Hash == head {
			return nil, nil
		}
	}
	snap, err := snapshot(ctx, st)
	if err != nil {
		return nil, err
	}
	raw, err := sign(last, seq, head, time.Now().UTC())
	if err != nil {
		return nil, errorf("signing the checkpoint: %v", err)
	}
	if _, err := st.Commit(ctx, &state.Changeset{Lineage: snap.Lineage, BaseSerial: snap.Serial, Checkpoints: [][]byte{raw}}); err != nil {
		return nil, StoreError(err)
	}
	return &Checkpointed{Seq: seq, Head: head}, nil
}
