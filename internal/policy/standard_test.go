package policy

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/diagtest"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// TestDiagnosticStandard: every diagnostic of the policy's rules, errors
// and warnings, on the configurations of testdata (each breaks every rule
// it can once, with the lengths of real names), has a tight Subject, a
// short summary and a full-sentence detail (internal/diagtest). The plan
// rules run on a plan removing every member, and the warning of a
// weakened policy is added.
func TestDiagnosticStandard(t *testing.T) {
	words := map[string]bool{}
	for _, names := range config.SchemaNames() {
		for _, n := range names {
			words[n] = true
		}
	}
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, name := range []string{"violations", "warnings", "no_domains"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("testdata", name)
			res := config.Load(dir)
			if res.Diags.HasErrors() {
				t.Fatal(res.Diags)
			}
			files := map[string][]byte{}
			for _, f := range []string{"main.hcl", "people.csv"} {
				if data, err := os.ReadFile(filepath.Join(dir, f)); err == nil {
					files[f] = data
				}
			}
			diags := Check(res.Config, now)
			if len(diags) == 0 {
				t.Fatal("no diagnostic")
			}
			pl := &plan.Plan{}
			for _, o := range res.Config.Objects {
				if o.Addr.Kind == model.KindMember {
					pl.Changes = append(pl.Changes, plan.Change{Addr: o.Addr, Action: plan.Delete, Before: o, Risks: []plan.Risk{plan.RiskRemoval}})
				}
			}
			for i := 0; i < 20; i++ {
				a := model.MemberAddress("northwind", string(rune('a'+i))+"@northwind-analytics.com")
				pl.Changes = append(pl.Changes, plan.Change{Addr: a, Action: plan.Delete, Before: &model.Object{Addr: a}, Risks: []plan.Risk{plan.RiskRemoval}})
			}
			diags = append(diags, CheckPlan(res.Config, pl)...)
			// A plan under a policy weaker than the last apply's: at the
			// rule's attribute (violations), at the block (no_domains).
			diags = append(diags, WeakenedWarning(res.Config.Policy, []string{"require_ticket", "directory"}))
			c := &diagtest.Checker{Files: files, Words: words}
			for _, d := range diags {
				t.Logf("%s", text(d))
				for _, p := range c.Problems(d) {
					t.Errorf("%s: %s", text(d), p)
				}
			}
		})
	}
}

func text(d *hcl.Diagnostic) string {
	place := "-"
	if d.Subject != nil {
		place = d.Subject.String()
	}
	return place + ": " + d.Summary + "; " + d.Detail
}
