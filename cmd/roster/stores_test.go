package main

import (
	"path/filepath"
	"testing"

	json "github.com/go-json-experiment/json"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/roster-dev/roster/internal/goldenfile"
	"github.com/roster-dev/roster/internal/state/pgstore/pgtest"
)

// TestScriptStores runs the scenarios in testdata/stores once on bbolt
// files and once on PostgreSQL (when $ROSTER_TEST_POSTGRES is set): each
// script finds two fresh states in $STATE and $STATE2.
func TestScriptStores(t *testing.T) {
	examples, err := filepath.Abs("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	for _, store := range []string{"bolt", "postgres"} {
		t.Run(store, func(t *testing.T) {
			if store == "postgres" && !pgtest.Available() {
				t.Skip(pgtest.SkipMessage("cmd/roster"))
			}
			testscript.Run(t, testscript.Params{
				Dir:           "testdata/stores",
				UpdateScripts: *goldenfile.Update,
				Cmds:          scriptCmds,
				Setup: func(env *testscript.Env) error {
					if err := scriptSetup(env, examples); err != nil {
						return err
					}
					env.Setenv("STORE", store)
					if store == "bolt" {
						env.Setenv("STATE", filepath.Join(env.WorkDir, "state.db"))
						env.Setenv("STATE2", filepath.Join(env.WorkDir, "state2.db"))
						return nil
					}
					env.Setenv("STATE", pgtest.URL(t))
					env.Setenv("STATE2", pgtest.URL(t))
					return nil
				},
			})
		})
	}
}

// cmdPlanDigest sets an environment variable to a saved plan file's
// digest, the plan_digest its evidence records: `plandigest VAR FILE`.
func cmdPlanDigest(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: plandigest VAR FILE")
	}
	var f struct {
		Digest string `json:"digest"`
	}
	if err := json.Unmarshal([]byte(ts.ReadFile(args[1])), &f); err != nil || f.Digest == "" {
		ts.Fatalf("%s: no digest: %v", args[1], err)
	}
	ts.Setenv(args[0], f.Digest)
}
