package policy

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-dev/roster/internal/config"
)

// TestForEachPeople checks the rules on people a for_each produced: each
// repetition is checked on its own and the violation points at the block.
func TestForEachPeople(t *testing.T) {
	src := `
team "acme" {
  platform = "plausible"
}

site "s.example" {
  team = "acme"
}

locals {
  contractors = {
    "a@agency.com" = { ticket = "IAM-1" }
    "b@agency.com" = { ticket = "" }
  }
}

guest "contractors" {
  for_each = local.contractors
  email    = each.key
  team     = "acme"
  ticket   = each.value.ticket

  grant "s.example" { role = "viewer" }
}

member "owner@acme.com" {
  team   = "acme"
  role   = "owner"
  ticket = "IAM-0"
}

policy {
  internal_domains = ["acme.com"]
  external_expiry  = true
  require_ticket   = true
}
`
	res := config.LoadSources([]config.Source{{Name: "main.hcl", Data: []byte(src)}})
	if res.Diags.HasErrors() {
		t.Fatal(res.Diags)
	}
	diags := Check(res.Config, now)
	var got []string
	for _, d := range diags {
		if d.Severity == hcl.DiagWarning {
			continue
		}
		got = append(got, d.Summary+" "+strings.SplitN(d.Detail, ":", 2)[0])
		if d.Subject == nil || d.Subject.Start.Line < 17 || d.Subject.Start.Line > 24 {
			t.Errorf("%s does not point at the for_each block: %v", d.Summary, d.Subject)
		}
	}
	joined := strings.Join(got, "\n")
	for _, want := range []string{
		"Policy external_expiry: external person without expiry grant/acme/s.example/a@agency.com",
		"Policy external_expiry: external person without expiry grant/acme/s.example/b@agency.com",
		"Policy require_ticket: grant without ticket grant/acme/s.example/b@agency.com",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("missing %q in:\n%s", want, joined)
		}
	}
	if strings.Contains(joined, "without ticket grant/acme/s.example/a@agency.com") {
		t.Errorf("a@agency.com has a ticket:\n%s", joined)
	}
}
