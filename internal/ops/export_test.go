package ops

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/roster-dev/roster/internal/checkpoint"
	"github.com/roster-dev/roster/internal/state"
)

// lateCheckpoint is a store whose first listing of checkpoints misses the
// last one, as when an apply commits records and their checkpoint just
// after the bundle read the checkpoints.
type lateCheckpoint struct {
	state.Store
	listed bool
}

func (s *lateCheckpoint) Checkpoints(ctx context.Context, fn func(n uint64, raw []byte) error) error {
	first := !s.listed
	s.listed = true
	var all []checkpoint.Stored
	err := s.Store.Checkpoints(ctx, func(n uint64, raw []byte) error {
		all = append(all, checkpoint.Stored{N: n, Raw: raw})
		return nil
	})
	if first && len(all) > 0 {
		all = all[:len(all)-1]
	}
	for _, c := range all {
		if err := fn(c.N, c.Raw); err != nil {
			return err
		}
	}
	return err
}

// A bundle written while an apply commits holds the records its
// checkpoints cover and no more, so it verifies.
func TestBundleLeavesOutWhatCommitsMeanwhile(t *testing.T) {
	env, _ := newEnv(t, offline)
	ctx := context.Background()
	key, err := Keygen(KeygenRequest{Out: filepath.Join(t.TempDir(), "signing")})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(checkpoint.EnvSigningKey, key.Private)
	if _, err := Apply(ctx, env, ApplyRequest{PlanRequest: PlanRequest{Now: now, Refresh: true}, AutoApprove: true, UI: &approve{}}); err != nil {
		t.Fatal(err)
	}
	if _, err := Confirm(ctx, env, ConfirmRequest{All: true}); err != nil {
		t.Fatal(err)
	}
	st, err := env.open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stored, err := checkpoint.ReadStored(ctx, st)
	if err != nil || len(stored) < 2 {
		t.Fatalf("%d checkpoints (%v), want two: the apply's and the confirmation's", len(stored), err)
	}
	first, err := checkpoint.Parse(stored[len(stored)-2].Raw)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := checkpoint.ReadPublicKeyFile(key.Public)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "bundle")
	res, err := writeBundle(ctx, &lateCheckpoint{Store: st}, "test", out, map[string]*checkpoint.PublicKey{pub.ID: pub}, map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Info.Records != first.Seq || res.Info.Checkpoints != len(stored)-1 {
		t.Fatalf("bundle of %d records and %d checkpoints, want %d and %d", res.Info.Records, res.Info.Checkpoints, first.Seq, len(stored)-1)
	}
	if _, _, err := checkpoint.VerifyBundle(ctx, out, nil); err != nil {
		t.Fatalf("the bundle does not verify: %v", err)
	}
}
