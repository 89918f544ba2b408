package ops

import (
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

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

// Examples are the names of the bundled examples roster init starts from.
func Examples() []string {
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

// InitRequest asks for a starter configuration in the configuration
// directory: Example names a bundled example (Examples), "" the starter.
type InitRequest struct {
	Example string
}

// InitResult is what init did: Existing names an .hcl file the directory
// already held (nothing was written), Wrote the files written, in order.
type InitResult struct {
	Dir      string
	Existing string
	Wrote    []string
}

// Init writes a starter configuration, or a bundled example's files, into
// env.Dir, made if missing. Like terraform init run twice, it does nothing
// where a configuration is (schema/cli.md, version 2), and it never
// overwrites a file. On an error the result says what was written before.
func Init(env *Env, req InitRequest) (*InitResult, error) {
	files := map[string][]byte{}
	if req.Example == "" {
		files["main.hcl"] = []byte(starter)
	} else {
		matches, _ := fs.Glob(examples.FS, path.Join(req.Example, "*.hcl"))
		if len(matches) == 0 || strings.ContainsAny(req.Example, "/*?[") {
			return nil, errorf("unknown example %q; the examples are: %s", req.Example, strings.Join(Examples(), ", "))
		}
		csvs, _ := fs.Glob(examples.FS, path.Join(req.Example, "*.csv"))
		for _, m := range append(matches, csvs...) {
			data, _ := examples.FS.ReadFile(m)
			files[path.Base(m)] = data
		}
	}
	dir := env.Dir
	res := &InitResult{Dir: dir}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, &Error{Msg: err.Error()}
	}
	if existing, _ := filepath.Glob(filepath.Join(dir, "*.hcl")); len(existing) > 0 {
		res.Existing = filepath.Base(existing[0])
		return res, nil
	}
	names := slices.Sorted(maps.Keys(files))
	for _, n := range names {
		name := filepath.Join(dir, n)
		if _, err := os.Lstat(name); err == nil {
			return res, errorf("%s already exists: roster init never overwrites a file; move it away, or write the example into another directory (--chdir DIR)", name)
		}
	}
	for _, n := range names {
		name := filepath.Join(dir, n)
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return res, &Error{Msg: err.Error()}
		}
		_, err = f.Write(files[n])
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return res, &Error{Msg: err.Error()}
		}
		res.Wrote = append(res.Wrote, name)
	}
	return res, nil
}
