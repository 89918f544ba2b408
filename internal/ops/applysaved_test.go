package ops

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/roster-dev/roster/internal/evidence"
)

// TestApplySavedOneReading: apply PLANFILE reads the configuration while
// it reads the plan file and computes the plan's digest meanwhile: every
// record carries the plan's own digest, with or without a configuration
// to read.
func TestApplySavedOneReading(t *testing.T) {
	ctx := context.Background()
	env, pd, file := savedPlan(t)
	res, err := ApplySaved(ctx, env, ApplySavedRequest{File: file, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if res.Result == nil || res.Result.Records != 3 {
		t.Fatalf("apply of the saved plan: %+v", res)
	}
	want, n := pd.Plan.Digest(), 0
	err = Records(ctx, env, RecordFilter{}, func(_ []byte, r *evidence.Record) error {
		n++
		if r.PlanDigest != want {
			t.Errorf("record %d: plan_digest %q, want the plan's %q", r.Seq, r.PlanDigest, want)
		}
		return nil
	})
	if err != nil || n != 3 {
		t.Fatalf("records: %d, %v; want 3", n, err)
	}

	// Without a configuration to read, the plan is applied as saved,
	// with its digest all the same.
	env2, pd2, file2 := savedPlan(t)
	if err := os.Remove(filepath.Join(env2.Dir, "main.hcl")); err != nil {
		t.Fatal(err)
	}
	if _, err := ApplySaved(ctx, env2, ApplySavedRequest{File: file2, Now: now}); err != nil {
		t.Fatal(err)
	}
	err = Records(ctx, env2, RecordFilter{}, func(_ []byte, r *evidence.Record) error {
		if r.PlanDigest != pd2.Plan.Digest() {
			t.Errorf("without a configuration, record %d: plan_digest %q, want %q", r.Seq, r.PlanDigest, pd2.Plan.Digest())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// savedPlan is a new offline environment with its plan saved to a file.
func savedPlan(t *testing.T) (*Env, *Planned, string) {
	t.Helper()
	env, _ := newEnv(t, offline)
	pd, err := Plan(context.Background(), env, PlanRequest{Now: now, Refresh: true})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "plan.json")
	if err := SavePlan(context.Background(), pd.Plan, file, nil); err != nil {
		t.Fatal(err)
	}
	return env, pd, file
}
