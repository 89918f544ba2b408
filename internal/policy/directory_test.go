package policy

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"

	"github.com/roster-dev/roster/internal/config"
)

// TestDirectoryAndSponsors: leavers who still hold access, in any
// declaration, are errors naming each; external people need an internal
// sponsor who is still active.
func TestDirectoryAndSponsors(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	const base = `team "acme" {
  platform = "piwikpro"
}
site "shop" {
  team = "acme"
}
member "ann@acme.com" {
  team = "acme"
  role = "owner"
}
`
	for _, c := range []struct {
		name, people, policy, decl string
		want                       []string // "summary@line", errors and warnings
		detail                     string   // a text the first diagnostic's detail holds
	}{
		{name: "everyone active", people: "email,status\nann@acme.com,active\nbob@acme.com,active\n",
			policy: `directory = "people.csv"`,
			decl:   "member \"bob@acme.com\" {\n  team = \"acme\"\n  role = \"user\"\n}\n"},
		{name: "leaver as member and in a group", people: "email,status\nann@acme.com,active\nbob@acme.com,left\n",
			policy: `directory = "people.csv"`,
			decl:   "member \"bob@acme.com\" {\n  team = \"acme\"\n  role = \"user\"\n  grant \"shop\" { role = \"view\" }\n}\ngroup \"g\" {\n  team    = \"acme\"\n  members = [\"bob@acme.com\"]\n}\n",
			want:   []string{"Policy directory: leaver still has access@11"},
			detail: "bob@acme.com has left (people.csv, line 3), but still has access through grant/acme/shop/bob@acme.com (main.hcl:11), group/acme/g (main.hcl:16), member/acme/bob@acme.com (main.hcl:11)"},
		{name: "not in the directory, expired access ignored", people: "email\nann@acme.com\n",
			policy: `directory = "people.csv"`,
			decl:   "member \"old@acme.com\" {\n  team    = \"acme\"\n  role    = \"user\"\n  expires = \"2026-01-01\"\n}\nmember \"new@acme.com\" {\n  team = \"acme\"\n  role = \"user\"\n}\n",
			want:   []string{"Policy directory: leaver still has access@16"},
			detail: "new@acme.com is not in the directory people.csv"},
		{name: "externals are not in the directory", people: "email\nann@acme.com\n",
			policy: `directory = "people.csv"`,
			decl:   "guest \"jane@agency.com\" {\n  team = \"acme\"\n  grant \"shop\" { role = \"view\" }\n}\n"},
		{name: "sponsor required", people: "email,status\nann@acme.com,active\ncarl@acme.com,suspended\n",
			policy: "directory = \"people.csv\"\n  sponsor_required = true",
			decl: "guest \"jane@agency.com\" {\n  team    = \"acme\"\n  sponsor = \"carl@acme.com\"\n  grant \"shop\" { role = \"view\" }\n}\n" +
				"guest \"joe@agency.com\" {\n  team = \"acme\"\n  grant \"shop\" { role = \"view\" }\n}\n" +
				"guest \"kim@agency.com\" {\n  team    = \"acme\"\n  sponsor = \"kim@agency.com\"\n  grant \"shop\" { role = \"view\" }\n}\n",
			want:   []string{"Policy sponsor_required: sponsor has left@13", "Policy sponsor_required: external person without sponsor@16", "Policy sponsor_required: sponsor is external@22"},
			detail: "carl@acme.com sponsors jane@agency.com but is suspended (people.csv, line 3)"},
		{name: "a sponsor who left is a warning without sponsor_required", people: "email,status\nann@acme.com,active\ncarl@acme.com,left\n",
			policy: `directory = "people.csv"`,
			decl:   "guest \"jane@agency.com\" {\n  team    = \"acme\"\n  sponsor = \"carl@acme.com\"\n  grant \"shop\" { role = \"view\" }\n}\n",
			want:   []string{"Sponsor has left@13"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "people.csv"), []byte(c.people), 0o600); err != nil {
				t.Fatal(err)
			}
			src := base + c.decl + "policy {\n  internal_domains = [\"acme.com\"]\n  " + c.policy + "\n}\n"
			res := config.LoadSourcesAt(dir, []config.Source{{Name: "main.hcl", Data: []byte(src)}})
			if res.Diags.HasErrors() {
				t.Fatal(res.Diags)
			}
			var got []string
			var diags hcl.Diagnostics
			for _, d := range Check(res.Config, now) {
				if d.Summary == "Team acme has a single owner" || d.Summary == "Guest without expiry" {
					continue
				}
				diags = append(diags, d)
				got = append(got, d.Summary+"@"+strconv.Itoa(d.Subject.Start.Line))
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Fatalf("diagnostics (-want +got):\n%s\n%v", diff, diags)
			}
			if c.detail != "" && !strings.Contains(diags[0].Detail, c.detail) {
				t.Errorf("detail %q\ndoes not hold %q", diags[0].Detail, c.detail)
			}
		})
	}
}
