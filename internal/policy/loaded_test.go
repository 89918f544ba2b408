package policy

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-dev/roster/internal/config"
)

// loadedErrors loads src and runs check on it, returning "summary@line"
// of every error.
func loadedErrors(t *testing.T, src string, check func(*config.Result) hcl.Diagnostics) []string {
	t.Helper()
	res := config.LoadSources([]config.Source{{Name: "main.hcl", Data: []byte(src)}})
	var got []string
	for _, d := range check(res) {
		if d.Severity == hcl.DiagError {
			got = append(got, d.Summary+"@"+strconv.Itoa(d.Subject.Start.Line))
		}
	}
	return got
}

// TestMaxGrantDaysAsWritten: a date counts to its end, so the date N days
// from now is within max_grant_days = N and the next is not; a guest's
// expires inherited by several grants is reported once, where it is set.
func TestMaxGrantDaysAsWritten(t *testing.T) {
	jan1 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	src := func(memberExp, guestExp string) string {
		return `policy {
  internal_domains = ["acme.com"]
  max_grant_days   = 90
}
team "acme" { platform = "plausible" }
site "a.com" { team = "acme" }
site "b.com" { team = "acme" }
member "o@acme.com" {
  team    = "acme"
  role    = "owner"
  expires = "` + memberExp + `"
}
guest "jane@agency.com" {
  team    = "acme"
  expires = "` + guestExp + `"
  grant "a.com" { role = "viewer" }
  grant "b.com" { role = "viewer" }
}
`
	}
	check := func(res *config.Result) hcl.Diagnostics {
		if res.Diags.HasErrors() {
			t.Fatal(res.Diags)
		}
		return Check(res.Config, jan1)
	}
	if got := loadedErrors(t, src("2026-04-01", "2026-04-01"), check); len(got) != 0 {
		t.Errorf("dates exactly 90 days away: %q", got)
	}
	got := loadedErrors(t, src("2026-04-02", "2026-04-02"), check)
	want := []string{"Policy max_grant_days: expiry too far away@11", "Policy max_grant_days: expiry too far away@15"}
	if !slices.Equal(got, want) {
		t.Errorf("dates 91 days away: %q, want %q", got, want)
	}
	if got := loadedErrors(t, src("2026-04-01T00:00:01Z", "2026-04-01"), check); len(got) != 1 {
		t.Errorf("a time one second past the limit: %q, want one error", got)
	}
}

// TestCheckObjectsWithOtherErrors: a configuration with an error still
// gets the rules that judge one declaration at a time, but not min_owners,
// which would count without the owner whose block failed.
func TestCheckObjectsWithOtherErrors(t *testing.T) {
	src := `policy {
  internal_domains = ["acme.com"]
  require_ticket   = true
  min_owners       = 2
}
team "acme" { platform = "plausible" }
member "a@acme.com" {
  team = "acme"
  role = "nope"
}
member "b@acme.com" {
  team = "acme"
  role = "owner"
}
`
	got := loadedErrors(t, src, func(res *config.Result) hcl.Diagnostics {
		if !res.Diags.HasErrors() {
			t.Fatal("the configuration should have an error")
		}
		return CheckObjects(res.Config, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	})
	if !slices.Equal(got, []string{"Policy require_ticket: member without ticket@11"}) {
		t.Errorf("errors %q", got)
	}
}
