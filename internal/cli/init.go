package cli

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/examples"
)

// starter is what `roster init` writes without --example.
const starter = `# roster configuration: who may see and change what, as code.
# Reference: schema/language.md in roster's repository. Check it with
# "roster validate", preview changes with "roster plan".

# A team is one account on one platform: a Plausible team, a Piwik PRO
# account or a PostHog organization. "roster platforms" lists the platforms.
team "acme" {
  platform = "plausible"
}

# A site, app or project of the team.
site "example.com" {
  team        = "acme"
  environment = "production" # plans flag changes on production sites
}

# A member holds a team-wide role.
member "owner@example.com" {
  team   = "acme"
  role   = "owner"
  reason = "Runs the analytics account"
  ticket = "IAM-1"
}

# A guest holds roles on named sites only, usually until a date.
# guest "consultant@agency.example" {
#   team    = "acme"
#   reason  = "Tracking implementation"
#   ticket  = "IAM-2"
#   expires = "2027-06-30"
#
#   grant "example.com" { role = "viewer" }
# }

# Guardrails checked by validate, plan and apply.
policy {
  internal_domains = ["example.com"]
  external_expiry  = true
}
`

func exampleNames() []string {
	entries, _ := fs.ReadDir(examples.FS, ".")
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}

func (a *app) initCommand() *cobra.Command {
	c := newCommand("init", "Write a starter configuration into the directory")
	c.Args = cobra.NoArgs
	var example string
	c.Flags().StringVar(&example, "example", "", "start from a bundled example: "+strings.Join(exampleNames(), ", "))
	c.RunE = func(*cobra.Command, []string) error {
		files := map[string][]byte{}
		if example == "" {
			files["main.hcl"] = []byte(starter)
		} else {
			matches, _ := fs.Glob(examples.FS, path.Join(example, "*.hcl"))
			if len(matches) == 0 || strings.ContainsAny(example, "/*?[") {
				return &exitCode{code: ExitError, msg: fmt.Sprintf("unknown example %q; the examples are: %s", example, strings.Join(exampleNames(), ", "))}
			}
			csvs, _ := fs.Glob(examples.FS, path.Join(example, "*.csv"))
			for _, m := range append(matches, csvs...) {
				data, _ := examples.FS.ReadFile(m)
				files[path.Base(m)] = data
			}
		}
		dir := a.dir()
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return &exitCode{code: ExitError, msg: err.Error()}
		}
		existing, _ := filepath.Glob(filepath.Join(dir, "*.hcl"))
		if len(existing) > 0 {
			// Like terraform init run twice: nothing to do, and nothing
			// overwritten (schema/cli.md, version 2).
			fmt.Fprintf(a.stdout, "%s already holds a configuration (%s); roster init never overwrites it. Nothing to do.\n\nNext: roster validate, then roster plan.\n", dir, filepath.Base(existing[0]))
			return nil
		}
		names := make([]string, 0, len(files))
		for n := range files {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			f, err := os.OpenFile(filepath.Join(dir, n), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
			if err != nil {
				return &exitCode{code: ExitError, msg: err.Error()}
			}
			_, err = f.Write(files[n])
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return &exitCode{code: ExitError, msg: err.Error()}
			}
			fmt.Fprintf(a.stdout, "Wrote %s\n", filepath.Join(dir, n))
		}
		fmt.Fprintln(a.stdout, "\nNext: roster validate, then roster plan.")
		return nil
	}
	return c
}
