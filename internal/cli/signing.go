package cli

import (
	"sync"
	"time"

	"github.com/roster-dev/roster/internal/checkpoint"
)

// signerOnce reads $ROSTER_SIGNING_KEY once per run.
var signerOnce = sync.OnceValues(checkpoint.SignerFromEnv)

// checkSigner reports a $ROSTER_SIGNING_KEY that cannot be used, before a
// command writes anything.
func checkSigner() error {
	if _, err := signerOnce(); err != nil {
		return &exitCode{code: ExitError, msg: err.Error()}
	}
	return nil
}

// signFunc is the apply.Meta hook that signs checkpoints, nil without a key.
func signFunc() func(seq uint64, hash string, at time.Time) ([]byte, error) {
	s, err := signerOnce()
	if err != nil || s == nil {
		return nil
	}
	return s.Sign
}
