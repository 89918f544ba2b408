package cli

import (
	"time"

	"github.com/roster-dev/roster/internal/checkpoint"
)

// checkSigner reports a $ROSTER_SIGNING_KEY that cannot be used, before a
// command writes anything.
func checkSigner() error {
	if _, err := checkpoint.SignerFromEnv(); err != nil {
		return &exitCode{code: ExitError, msg: err.Error()}
	}
	return nil
}

// signFunc is the apply.Meta hook that signs checkpoints, nil without a
// key. The key is read on each call (it takes microseconds), so one process
// running several commands, as the tests do, sees each run's environment.
func signFunc() func(seq uint64, hash string, at time.Time) ([]byte, error) {
	s, err := checkpoint.SignerFromEnv()
	if err != nil {
		return nil
	}
	return s.SignFunc()
}
