package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/plan"
)

// optsDriver is a driver that records the Options it was made with and
// tells the user about a wait, as a driver honouring Retry-After does.
type optsDriver struct {
	team *driver.Team
	opts driver.Options
}

func (d *optsDriver) Refresh(context.Context) (*driver.Snapshot, error) {
	d.opts.Notify("Plausible asked roster to wait 5s (429 with Retry-After)")
	return &driver.Snapshot{Team: d.team.Name, Invisible: nil}, nil
}
func (d *optsDriver) Begin([]plan.Change)                {}
func (d *optsDriver) Manual(*plan.Change) (bool, string) { return false, "" }
func (d *optsDriver) Cost([]plan.Change) (int, int)      { return 0, 0 }
func (d *optsDriver) Apply(context.Context, *plan.Change) (driver.Result, error) {
	return driver.Result{Outcome: driver.Applied}, nil
}

// TestPlanPassesDriverOptions: plan (not only apply) takes --max-wait, its
// --parallelism reaches the drivers (schema/sync.md, Reading safely: it bounds
// the reads inside a team), and the drivers' wait line reaches stderr.
func TestPlanPassesDriverOptions(t *testing.T) {
	var got []driver.Options
	saved := driverFactories["plausible"]
	driverFactories["plausible"] = func(team *driver.Team, opts driver.Options) driver.Driver {
		got = append(got, opts)
		return &optsDriver{team: team, opts: opts}
	}
	t.Cleanup(func() { driverFactories["plausible"] = saved })
	dir := t.TempDir()
	cfg := "team \"acme\" {\n  platform = \"plausible\"\n  connection {\n    endpoint = \"http://127.0.0.1:9\"\n  }\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ROSTER_TOKEN_ACME", "key")
	for _, cmd := range []string{"plan", "apply"} {
		got = nil
		var out, errb bytes.Buffer
		args := []string{cmd, "--chdir", dir, "--state", filepath.Join(dir, "state.db"), "--now", "2026-12-01", "--parallelism", "3", "--max-wait", "2m"}
		if cmd == "apply" {
			args = append(args, "--auto-approve")
		}
		if code := Run(args, strings.NewReader(""), &out, &errb); code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", cmd, code, out.String(), errb.String())
		}
		if len(got) != 1 || got[0].Parallelism != 3 || got[0].MaxWait != 2*time.Minute || got[0].Notify == nil {
			t.Errorf("%s: driver options %+v, want Parallelism 3, MaxWait 2m and Notify", cmd, got)
		}
		if !strings.Contains(errb.String(), "Plausible asked roster to wait 5s") {
			t.Errorf("%s: the wait line is not on stderr:\n%s", cmd, errb.String())
		}
	}
}
