package plan

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/model"
)

// TestWriteFuzzSeeds writes the seed corpus of FuzzDecode under
// testdata/fuzz when run with -update-seeds.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("ROSTER_WRITE_FUZZ_SEEDS") == "" {
		t.Skip("set ROSTER_WRITE_FUZZ_SEEDS=1 to rewrite the seed corpus")
	}
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	p := &Plan{CreatedAt: now, Now: now, Lineage: "l-1", Serial: 3, ConfigDigest: "sha256:" + fmt.Sprintf("%064d", 0),
		Changes: []Change{
			{Addr: model.PersonGrantAddress("acme", "mysite.com", "jane@agency.com"), Action: Create,
				After: &model.Object{Addr: model.PersonGrantAddress("acme", "mysite.com", "jane@agency.com"), Role: "viewer", HolderKind: model.HolderGuest, Status: model.StatusActive},
				Risks: []Risk{RiskExternal}},
			{Addr: model.MemberAddress("acme", "bob@acme.com"), Action: Delete,
				Before: &model.Object{Addr: model.MemberAddress("acme", "bob@acme.com"), Role: "admin", Status: model.StatusActive},
				Risks:  []Risk{RiskRemoval, RiskExpired}, Reason: ReasonExpired, Why: "expired 2026-06-01"},
		},
		FollowUps: []FollowUp{{Site: model.SiteAddress("acme", "mysite.com"), Task: TaskRotateAPIKey, Text: "Rotate."}},
	}
	good, err := Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
	os.MkdirAll(dir, 0o755)
	seeds := [][]byte{good, good[:len(good)/2], good[:10], []byte(`{"roster_plan":2}`), []byte(`[]`), []byte(`{"roster_plan":1,"digest":"sha256:00","plan":{}}`)}
	for i, s := range seeds {
		data := "go test fuzz v1\n[]byte(" + strconv.Quote(string(s)) + ")\n"
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed%02d", i)), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
