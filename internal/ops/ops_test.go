package ops

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/report"
)

// recorder is a View that keeps what an operation said.
type recorder struct {
	notes, warnings, errors, notified []string
	diags                             hcl.Diagnostics
}

func (v *recorder) Warnings(d hcl.Diagnostics, _ map[string]*hcl.File, _ int) {
	for _, x := range d {
		if x.Severity == hcl.DiagWarning {
			v.diags = append(v.diags, x)
		}
	}
}
func (v *recorder) Errors(d hcl.Diagnostics, _ map[string]*hcl.File) { v.diags = append(v.diags, d...) }
func (v *recorder) Note(t string)                                    { v.notes = append(v.notes, t) }
func (v *recorder) Warning(t string)                                 { v.warnings = append(v.warnings, t) }
func (v *recorder) Error(t string)                                   { v.errors = append(v.errors, t) }
func (v *recorder) Notify(t string)                                  { v.notified = append(v.notified, t) }
func (v *recorder) Progress() func(int, int, model.Address)          { return nil }

// approve is an ApplyUI that approves without asking.
type approve struct{ shown *plan.Plan }

func (u *approve) Show(p *plan.Plan) error                     { u.shown = p; return nil }
func (u *approve) Approve(context.Context, bool) (bool, error) { return true, nil }

var now = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// offline is a configuration of one offline Plausible team with two
// members: applying it records two manual steps.
const offline = `team "acme" {
  platform = "plausible"
}

member "ana@acme.com" {
  team   = "acme"
  role   = "owner"
  reason = "Runs analytics"
  ticket = "IAM-1"
}

member "bo@acme.com" {
  team   = "acme"
  role   = "viewer"
  reason = "Reads reports"
  ticket = "IAM-2"
}
`

// newEnv writes the configuration into a fresh directory and returns the
// environment of an operation there, with a bbolt state beside it.
func newEnv(t *testing.T, cfg string) (*Env, *recorder) {
	t.Helper()
	t.Setenv("ROSTER_SIGNING_KEY", "")
	t.Setenv("ROSTER_ACTOR", "tester")
	t.Setenv("ROSTER_APPROVERS", "")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	v := &recorder{}
	return &Env{Dir: dir, State: filepath.Join(dir, "state.db"), Version: "test", View: v, Drivers: map[string]DriverFactory{}}, v
}

func TestPlanThenApplyOffline(t *testing.T) {
	env, _ := newEnv(t, offline)
	ctx := context.Background()
	pd, err := Plan(ctx, env, PlanRequest{Now: now, Refresh: true, Parallelism: 4})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(pd.Plan.Changes); n != 3 || pd.Connected != nil {
		t.Fatalf("plan: %d changes (want 3: the team, two members), connected %v", n, pd.Connected)
	}
	ui := &approve{}
	res, err := Apply(ctx, env, ApplyRequest{PlanRequest: PlanRequest{Now: now, Refresh: true}, AutoApprove: true, UI: ui})
	if err != nil {
		t.Fatal(err)
	}
	if ui.shown == nil || res.Result == nil || res.Result.Applied != 1 || res.Result.Manual != 2 || len(res.Offline) != 2 || res.Failed() {
		t.Fatalf("apply: %+v", res)
	}
	if res.Platforms["acme"] != "plausible" {
		t.Fatalf("platforms %v", res.Platforms)
	}
	// Applied, the configuration plans nothing, and the manual steps wait.
	again, err := Apply(ctx, env, ApplyRequest{PlanRequest: PlanRequest{Now: now, Refresh: true}, AutoApprove: true, UI: ui})
	if err != nil {
		t.Fatal(err)
	}
	if !again.Nothing || again.Checkpoint != nil {
		t.Fatalf("second apply: %+v", again)
	}
	items, err := Runbook(ctx, env, RunbookRequest{})
	if err != nil || len(items) != 2 {
		t.Fatalf("runbook: %v, %v", items, err)
	}
}

// Apply refuses to ask when nobody can answer, before it plans.
func TestApplyNeedsApproval(t *testing.T) {
	env, _ := newEnv(t, offline)
	_, err := Apply(context.Background(), env, ApplyRequest{PlanRequest: PlanRequest{Now: now, Refresh: true}, UI: &approve{}})
	if err == nil || !strings.Contains(err.Error(), "standard input is not a terminal") {
		t.Fatalf("err %v", err)
	}
}

func TestConfirmAndStateEdit(t *testing.T) {
	env, _ := newEnv(t, offline)
	ctx := context.Background()
	if _, err := Apply(ctx, env, ApplyRequest{PlanRequest: PlanRequest{Now: now, Refresh: true}, AutoApprove: true, UI: &approve{}}); err != nil {
		t.Fatal(err)
	}
	if _, err := Confirm(ctx, env, ConfirmRequest{Items: []string{"member/acme/nobody@acme.com"}}); err == nil || !strings.Contains(err.Error(), "nothing is open at member/acme/nobody@acme.com") {
		t.Fatalf("confirm of nothing: %v", err)
	}
	res, err := Confirm(ctx, env, ConfirmRequest{Items: []string{"member/acme/bo@acme.com"}, Note: "done in the UI"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Confirmed) != 1 || res.Result.Records != 1 {
		t.Fatalf("confirm: %+v", res)
	}
	from, _ := model.ParseAddress("member/acme/bo@acme.com")
	if _, err := StateEdit(ctx, env, StateEditRequest{From: from}); err != nil {
		t.Fatal(err)
	}
	if _, err := StateEdit(ctx, env, StateEditRequest{From: from}); err == nil {
		t.Fatal("forgetting what is not in the state succeeded")
	}
}

// A configuration that does not load comes back as diagnostics.
func TestPlanDiagnostics(t *testing.T) {
	env, _ := newEnv(t, "team \"acme\" {\n  platform = \"nowhere\"\n}\n")
	_, err := Plan(context.Background(), env, PlanRequest{Now: now, Refresh: true})
	de, ok := err.(*DiagError)
	if !ok || !de.Diags.HasErrors() {
		t.Fatalf("err %T %v", err, err)
	}
}

func TestImportSheetRecordsOfflineTeam(t *testing.T) {
	env, _ := newEnv(t, "team \"acme\" {\n  platform = \"plausible\"\n}\n\npolicy {\n  internal_domains = [\"acme.com\"]\n}\n")
	sheet := filepath.Join(t.TempDir(), "acme.csv")
	if err := os.WriteFile(sheet, []byte("email,site,role,ticket,reason\ncy@acme.com,,viewer,IAM-3,Reads reports\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	res, err := Import(ctx, env, ImportRequest{Team: "acme", CSV: sheet, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != ImportRecorded || res.Recorded == nil || !res.InDir || res.Source != "sheet" {
		t.Fatalf("import: %+v", res)
	}
	if _, err := os.Stat(filepath.Join(env.Dir, "imported_acme.hcl")); err != nil {
		t.Fatal(err)
	}
	// What was imported plans nothing.
	pd, err := Plan(ctx, env, PlanRequest{Now: now, Refresh: true})
	if err != nil {
		t.Fatal(err)
	}
	if !pd.Plan.Empty() {
		t.Fatalf("plan after import: %d changes", len(pd.Plan.Changes))
	}
	// A second import finds nothing, and writes nothing over the first.
	res, err = Import(ctx, env, ImportRequest{Team: "acme", CSV: sheet, Now: now})
	if err != nil || res.Outcome != ImportNothing {
		t.Fatalf("second import: %+v, %v", res, err)
	}
}

func TestAttestAndExport(t *testing.T) {
	env, _ := newEnv(t, offline)
	ctx := context.Background()
	if _, err := Attest(ctx, env, AttestRequest{Reviewer: "rita@acme.com", Format: "json", Within: 30, Now: now}); err == nil || !strings.Contains(err.Error(), "nothing to sign off") {
		t.Fatalf("attest of an empty state: %v", err)
	}
	if _, err := Apply(ctx, env, ApplyRequest{PlanRequest: PlanRequest{Now: now, Refresh: true}, AutoApprove: true, UI: &approve{}}); err != nil {
		t.Fatal(err)
	}
	res, err := Attest(ctx, env, AttestRequest{Reviewer: "rita@acme.com", Format: "json", Within: 30, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if res.Teams != 1 || res.Records != 1 || !strings.HasPrefix(res.Digest, "sha256:") || len(res.Shown) == 0 || res.KeyID != "" {
		t.Fatalf("attest: %+v", res)
	}
	if want := report.ReviewDigest(res.Shown); res.Digest != want {
		t.Fatalf("digest %s, the review shown hashes to %s", res.Digest, want)
	}
	// Without a signing key no checkpoint covers the records: the bundle
	// is refused, and nothing is written.
	out := filepath.Join(t.TempDir(), "bundle")
	if _, err := Export(ctx, env, ExportRequest{Format: ExportBundle, Out: out}); err == nil || !strings.Contains(err.Error(), "covered by a signed checkpoint") {
		t.Fatalf("export: %v", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("bundle folder: %v", err)
	}
	v, err := Verify(ctx, env, VerifyRequest{})
	if err != nil || v.Result.Records != 4 {
		t.Fatalf("verify: %+v, %v", v, err)
	}
}

// Migrate copies the state into an empty store and refuses one that is not.
func TestMigrate(t *testing.T) {
	env, _ := newEnv(t, offline)
	ctx := context.Background()
	if _, err := Apply(ctx, env, ApplyRequest{PlanRequest: PlanRequest{Now: now, Refresh: true}, AutoApprove: true, UI: &approve{}}); err != nil {
		t.Fatal(err)
	}
	to := filepath.Join(t.TempDir(), "copy.db")
	res, err := Migrate(ctx, env, MigrateRequest{To: to})
	if err != nil {
		t.Fatal(err)
	}
	if res.Objects != 3 || res.Evidence != 3 || res.Serial != 1 {
		t.Fatalf("migrate: %+v", res.MigrateResult)
	}
	if _, err := Migrate(ctx, env, MigrateRequest{To: to}); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Fatalf("a second migrate: %v", err)
	}
}

// Records selects by person across a rename (state mv), and by team.
func TestRecordsFollowMoves(t *testing.T) {
	env, _ := newEnv(t, offline)
	ctx := context.Background()
	if _, err := Apply(ctx, env, ApplyRequest{PlanRequest: PlanRequest{Now: now, Refresh: true}, AutoApprove: true, UI: &approve{}}); err != nil {
		t.Fatal(err)
	}
	from, _ := model.ParseAddress("member/acme/bo@acme.com")
	to, _ := model.ParseAddress("member/acme/bob@acme.com")
	if _, err := StateEdit(ctx, env, StateEditRequest{From: from, To: &to}); err != nil {
		t.Fatal(err)
	}
	count := func(f RecordFilter) int {
		n := 0
		if err := Records(ctx, env, f, func([]byte, *evidence.Record) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(RecordFilter{Person: "BOB@acme.com"}); n != 2 {
		t.Errorf("bob's records: %d, want 2 (applied as bo, moved)", n)
	}
	if n := count(RecordFilter{Team: "acme"}); n != 4 {
		t.Errorf("acme's records: %d, want 4", n)
	}
	if n := count(RecordFilter{Team: "other"}); n != 0 {
		t.Errorf("other's records: %d", n)
	}
}

// TestRecordsCallerError: an error of the caller's function (writing an
// export to a full disk) comes back as it is, not as the state's.
func TestRecordsCallerError(t *testing.T) {
	env, _ := newEnv(t, offline)
	ctx := context.Background()
	if _, err := Apply(ctx, env, ApplyRequest{PlanRequest: PlanRequest{Now: now, Refresh: true}, AutoApprove: true, UI: &approve{}}); err != nil {
		t.Fatal(err)
	}
	full := errors.New("write evidence.jsonl: no space left on device")
	err := Records(ctx, env, RecordFilter{}, func([]byte, *evidence.Record) error { return full })
	if err != full {
		t.Errorf("Records = %v, want the caller's own error %v", err, full)
	}
}

// A saved plan applies as saved; once the state has moved, or the
// configuration changed, it is refused.
func TestApplySavedRefusesStalePlans(t *testing.T) {
	env, _ := newEnv(t, offline)
	ctx := context.Background()
	save := func() string {
		t.Helper()
		file := filepath.Join(t.TempDir(), "plan.json")
		if _, err := Plan(ctx, env, PlanRequest{Now: now, Refresh: true, Out: file}); err != nil {
			t.Fatal(err)
		}
		return file
	}
	first, second := save(), save()
	res, err := ApplySaved(ctx, env, ApplySavedRequest{File: first, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if res.Result == nil || res.Result.Applied != 1 || res.Result.Manual != 2 {
		t.Fatalf("apply of the saved plan: %+v", res)
	}
	if _, err := ApplySaved(ctx, env, ApplySavedRequest{File: second, Now: now}); err == nil || !strings.HasPrefix(err.Error(), "stale plan") {
		t.Fatalf("a plan made against serial 0: %v", err)
	}
	third := save()
	cfg := strings.Replace(offline, `role   = "viewer"`, `role   = "editor"`, 1)
	if err := os.WriteFile(filepath.Join(env.Dir, "main.hcl"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ApplySaved(ctx, env, ApplySavedRequest{File: third, Now: now}); err == nil || !strings.Contains(err.Error(), "stale plan: made from a different configuration") {
		t.Fatalf("a plan of another configuration: %v", err)
	}
}

// Offboard removes the person from the declarations and plans the removal.
func TestOffboard(t *testing.T) {
	env, _ := newEnv(t, offline)
	ctx := context.Background()
	if _, err := Apply(ctx, env, ApplyRequest{PlanRequest: PlanRequest{Now: now, Refresh: true}, AutoApprove: true, UI: &approve{}}); err != nil {
		t.Fatal(err)
	}
	res, err := Offboard(ctx, env, OffboardRequest{Email: "bo@acme.com", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed != 1 || len(res.Removed) != 1 || res.Where != env.Dir {
		t.Fatalf("offboard: %+v", res)
	}
	p := res.Planned.Plan
	if len(p.Changes) != 1 || p.Changes[0].Action != plan.Delete || p.Changes[0].Addr.Email != "bo@acme.com" {
		t.Fatalf("plan: %+v", p.Changes)
	}
	data, err := os.ReadFile(filepath.Join(env.Dir, "main.hcl"))
	if err != nil || strings.Contains(string(data), "bo@acme.com") {
		t.Fatalf("main.hcl still declares bo (%v):\n%s", err, data)
	}
	if _, err := Offboard(ctx, env, OffboardRequest{Email: "bo@acme.com", Now: now}); err == nil || !strings.Contains(err.Error(), "declared nowhere") {
		t.Fatalf("a second offboard: %v", err)
	}
}

// recDriver records the options it was made with, says it waits, and
// applies every change.
type recDriver struct {
	team *driver.Team
	opts driver.Options
}

func (d *recDriver) Refresh(context.Context) (*driver.Snapshot, error) {
	d.opts.Notify("waiting 5s (Retry-After)")
	return &driver.Snapshot{Team: d.team.Name}, nil
}
func (d *recDriver) Begin([]plan.Change)                {}
func (d *recDriver) Manual(*plan.Change) (bool, string) { return false, "" }
func (d *recDriver) Cost(cs []plan.Change) (int, int)   { return len(cs), 0 }
func (d *recDriver) Apply(context.Context, *plan.Change) (driver.Result, error) {
	return driver.Result{Outcome: driver.Applied}, nil
}

// The run options of a request reach the drivers (schema/sync.md: --max-wait
// and --parallelism on plan and apply alike; --max-wait 0 means never
// wait), a driver's message reaches the view, and the plan carries the
// cost the driver counts.
func TestPlanRequestReachesDrivers(t *testing.T) {
	env, v := newEnv(t, "team \"acme\" {\n  platform = \"plausible\"\n  connection {\n    endpoint = \"http://127.0.0.1:9\"\n  }\n}\n")
	t.Setenv("ROSTER_TOKEN_ACME", "key")
	var got []driver.Options
	env.Drivers["plausible"] = func(team *driver.Team, opts driver.Options) driver.Driver {
		got = append(got, opts)
		return &recDriver{team: team, opts: opts}
	}
	pd, err := Plan(context.Background(), env, PlanRequest{Now: now, Refresh: true, Parallelism: 3, MaxWait: 0, MaxWaitSet: true, Reinvite: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Parallelism != 3 || got[0].MaxWait != -1 || !got[0].Reinvite || got[0].UserAgent != "roster/test" {
		t.Fatalf("driver options %+v", got)
	}
	if len(v.notified) != 1 || v.notified[0] != "waiting 5s (Retry-After)" {
		t.Fatalf("notified %q", v.notified)
	}
	sent := 0 // the changes that go through the API
	for i := range pd.Plan.Changes {
		if !pd.Plan.Changes[i].StateOnly() {
			sent++
		}
	}
	if pd.Connected == nil || len(pd.Plan.Cost) != 1 || pd.Plan.Cost[0].Team != "acme" || pd.Plan.Cost[0].Requests != sent || pd.Plan.Cost[0].Estimate {
		t.Fatalf("cost %+v of %d changes sent", pd.Plan.Cost, sent)
	}
	// Without a refresh no driver is made to read, and the cost is an
	// estimate.
	got = nil
	pd, err = Plan(context.Background(), env, PlanRequest{Now: now, Refresh: false})
	if err != nil {
		t.Fatal(err)
	}
	if pd.Connected != nil || len(pd.Plan.Cost) != 1 || !pd.Plan.Cost[0].Estimate {
		t.Fatalf("cost without a refresh: %+v", pd.Plan.Cost)
	}
}

// failDriver refuses every change.
type failDriver struct{ recDriver }

func (d *failDriver) Apply(_ context.Context, c *plan.Change) (driver.Result, error) {
	return driver.Result{}, &driver.APIError{Address: c.Addr, Platform: "Plausible", Status: 403, Message: "forbidden"}
}

// A connected apply goes through the drivers and says what failed.
func TestApplyConnected(t *testing.T) {
	cfg := "team \"acme\" {\n  platform = \"plausible\"\n  connection {\n    endpoint = \"http://127.0.0.1:9\"\n  }\n}\n" + offline[strings.Index(offline, "member"):]
	for _, fail := range []bool{false, true} {
		env, _ := newEnv(t, cfg)
		t.Setenv("ROSTER_TOKEN_ACME", "key")
		env.Drivers["plausible"] = func(team *driver.Team, opts driver.Options) driver.Driver {
			if fail {
				return &failDriver{recDriver{team: team, opts: opts}}
			}
			return &recDriver{team: team, opts: opts}
		}
		res, err := Apply(context.Background(), env, ApplyRequest{PlanRequest: PlanRequest{Now: now, Refresh: true}, AutoApprove: true, UI: &approve{}})
		if err != nil {
			t.Fatal(err)
		}
		rep := res.Report
		if rep == nil || res.Result != nil || res.Teams["acme"] != "plausible" {
			t.Fatalf("fail %v: %+v", fail, res)
		}
		if fail {
			if !res.Failed() || rep.Failed != 1 || len(rep.Failures) != 1 || rep.Failed+rep.NotAttempted != 2 {
				t.Errorf("failing driver: failed %v, %d failed, %d not attempted, %d failures", res.Failed(), rep.Failed, rep.NotAttempted, len(rep.Failures))
			}
		} else if res.Failed() || rep.Applied != 3 {
			t.Errorf("driver: failed %v, %d applied", res.Failed(), rep.Applied)
		}
	}
}

// A saved JSON review is read strictly: a member named twice (one serial
// or team for the reader, another for roster) or miscased is refused.
func TestSavedReviewJSONStrict(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		text, err string
	}{
		{`{"serial":3,"teams":[{"team":"acme"}]}`, ""},
		{`{"serial":3,"serial":4,"teams":[{"team":"acme"}]}`, "not a review's JSON"},
		{`{"serial":3,"teams":[{"team":"acme","team":"globex"}]}`, "not a review's JSON"},
		{`{"Serial":3,"teams":[{"team":"acme"}]}`, "does not state the serial"},
	} {
		path := filepath.Join(dir, "review.json")
		if err := os.WriteFile(path, []byte(c.text), 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := readSavedReview(context.Background(), path)
		switch {
		case c.err == "" && (err != nil || s.Serial != 3 || len(s.Teams) != 1 || s.Teams[0] != "acme"):
			t.Errorf("%s: read %+v, %v", c.text, s, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s: %v, want an error saying %q", c.text, err, c.err)
		}
	}
}
