package ops

import (
	"context"
	"io"
	"path/filepath"

	"github.com/roster-dev/roster/internal/checkpoint"
	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/fsx"
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/state"
)

// planSigner is how `plan --out` signs a saved plan: with the key of
// $ROSTER_SIGNING_KEY, nil without one (schema/cli.md "Evidence, version 2").
func planSigner() plan.SignFunc {
	s, err := checkpoint.SignerFromEnv()
	if err != nil || s == nil {
		return nil
	}
	return s.SignPlan
}

// SavePlan writes p to file, signed with the key of $ROSTER_SIGNING_KEY
// when one is set ("-": to stdout), as plan --out saves it. A plan made
// against an empty state names no lineage: each state its apply creates
// gets a new one, so one plan file never makes two states look alike, and
// applying it again is refused as stale because the serial moved.
func SavePlan(ctx context.Context, p *plan.Plan, file string, stdout io.Writer) error {
	data, err := plan.EncodeSigned(p, planSigner())
	if err == nil {
		err = fsx.WriteFile(file, data, fsx.Options{Stdout: stdout, Context: ctx})
	}
	if err != nil {
		return errorf("saving the plan: %v", err)
	}
	return nil
}

// checkSavedPlan refuses a saved plan that was not made from the
// configuration on disk (its config_digest), and, with a signing key set,
// one not signed with that key: a plan edited by hand with its digest
// recomputed is not applied.
func (r *run) checkSavedPlan(ctx context.Context, st state.Store, p *plan.Plan, file string) error {
	s, err := checkpoint.SignerFromEnv()
	if err != nil {
		return &Error{Msg: err.Error()}
	}
	if s != nil {
		if err := checkpoint.VerifyPlan(p, s.Public()); err != nil {
			return errorf("plan file %s: %v", file, err)
		}
	}
	if files, _ := filepath.Glob(filepath.Join(r.Dir, "*.hcl")); len(files) == 0 {
		// No configuration here to compare with: the plan is applied as
		// saved (the state's serial and lineage still guard it; with a
		// signing key, so does its signature).
		return nil
	}
	res := r.readConfig()
	r.read = res
	if res.Config == nil {
		return nil // loading reports it where the configuration is needed
	}
	if p.ConfigDigest != res.Config.Digest {
		// A plan made against an older state says so first: that is the
		// usual reason its configuration differs (a later merge).
		if snap, err := st.Snapshot(ctx); err == nil {
			if err := checkSerial(snap, p); err != nil {
				return err
			}
		}
		return errorf("plan file %s: stale plan: made from a different configuration (the plan's config_digest is %s, the configuration in %s is %s); make a new plan with roster plan --out", file, p.ConfigDigest, r.Dir, res.Config.Digest)
	}
	return nil
}

// readAhead starts reading and parsing the configuration in Dir, when
// there is one, in the background; checkSavedPlan takes it (readConfig).
func (r *run) readAhead() {
	if files, _ := filepath.Glob(filepath.Join(r.Dir, "*.hcl")); len(files) == 0 {
		return
	}
	dir := r.Dir
	r.reading = ahead(func() *config.Result { return config.Load(dir) })
}

// readConfig is the configuration in Dir: readAhead's reading when one
// was started, else one made now.
func (r *run) readConfig() *config.Result {
	if r.reading == nil {
		return config.Load(r.Dir)
	}
	res := r.reading()
	r.reading = nil
	return res
}
