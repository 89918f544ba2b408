// Package ci holds the CI recipes teams copy (github-actions.yml,
// gitlab-ci.yml). Its tests lint them: actionlint on the GitHub workflow,
// a YAML parse of both, and the least-privilege rules docs/ci.md promises
// (which secrets each job may see, pinned actions, a pinned roster).
package ci

import (
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"go.yaml.in/yaml/v4"
)

const (
	githubRecipe = "github-actions.yml"
	gitlabRecipe = "gitlab-ci.yml"
)

// TestGitHubRecipeActionlint lints the GitHub workflow as actionlint does
// (with shellcheck on every run: script when it is installed) and fails on
// any finding.
func TestGitHubRecipeActionlint(t *testing.T) {
	data, err := os.ReadFile(githubRecipe)
	if err != nil {
		t.Fatal(err)
	}
	opts := &actionlint.LinterOptions{Color: actionlint.ColorOptionKindNever, LogWriter: io.Discard}
	if path, err := exec.LookPath("shellcheck"); err == nil {
		opts.Shellcheck = path
	} else {
		t.Log("shellcheck is not installed: the run: scripts are not shell-checked")
	}
	l, err := actionlint.NewLinter(io.Discard, opts)
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.Lint(".github/workflows/roster.yml", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range errs {
		t.Errorf("%s:%d:%d: %s [%s]", githubRecipe, e.Line, e.Column, e.Message, e.Kind)
	}
}

// TestActionlintFindsTheOldDefect shows the lint can fail: the defect the
// recipe once had (a ": " inside a plain scalar, invalid YAML) is found.
func TestActionlintFindsTheOldDefect(t *testing.T) {
	bad := "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ok\n        name: Run: it\n"
	l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{LogWriter: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.Lint("bad.yml", []byte(bad), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) == 0 {
		t.Fatal("actionlint found nothing wrong with invalid YAML")
	}
}

// Secrets that can change access or the evidence: write credentials, the
// writer's state URL, the signing key. Anything else a job references must
// be a read-only one (ROSTER_READ_TOKEN_*, ROSTER_STATE_URL_READONLY).
func isWriteSecret(name string) bool {
	return strings.Contains(name, "WRITE") || name == "ROSTER_STATE_URL" || name == "ROSTER_SIGNING_KEY"
}

func isReadSecret(name string) bool {
	return strings.HasPrefix(name, "ROSTER_READ_TOKEN_") || name == "ROSTER_STATE_URL_READONLY"
}

var (
	secretRef  = regexp.MustCompile(`secrets\.([A-Za-z0-9_]+)`)
	eventCheck = regexp.MustCompile(`github\.event_name\s*==\s*'([a-z_]+)'`)
	pinnedUse  = regexp.MustCompile(`^[^@]+@[0-9a-f]{40}$`)
	versionPin = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+$`)
)

// githubProblems checks a GitHub workflow against docs/ci.md's rules and
// returns what breaks them.
func githubProblems(data []byte) []string {
	var wf map[string]any
	if err := yaml.Unmarshal(data, &wf); err != nil {
		return []string{"not YAML: " + err.Error()}
	}
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }

	triggers := triggersOf(wf["on"])
	if p, ok := wf["permissions"].(map[string]any); !ok || len(p) != 0 {
		bad("the workflow's permissions must be {} (each job asks for its own)")
	}
	if refs := secretsIn(wf["env"]); len(refs) > 0 {
		bad("the workflow's env references secrets %v: every job would see them", refs)
	}
	env, _ := wf["env"].(map[string]any)
	if v, _ := env["ROSTER_VERSION"].(string); !versionPin.MatchString(v) {
		bad("ROSTER_VERSION %q is not a pinned release (vX.Y.Z)", v)
	}
	jobs, _ := wf["jobs"].(map[string]any)
	if len(jobs) == 0 {
		bad("no jobs")
	}
	for _, name := range sortedKeys(jobs) {
		job, _ := jobs[name].(map[string]any)
		cond, _ := job["if"].(string)
		events := triggers
		if m := eventCheck.FindAllStringSubmatch(cond, -1); len(m) > 0 {
			events = nil
			for _, x := range m {
				events = append(events, x[1])
			}
		}
		onPR := slices.Contains(events, "pull_request") || slices.Contains(events, "pull_request_target")
		envName, _ := job["environment"].(string)
		if e, ok := job["environment"].(map[string]any); ok {
			envName, _ = e["name"].(string)
		}
		if _, ok := job["permissions"].(map[string]any); !ok {
			bad("job %s does not declare its permissions", name)
		}
		for _, s := range secretsIn(job) {
			switch {
			case isWriteSecret(s) && onPR:
				bad("job %s runs on pull requests and references the write secret %s", name, s)
			case isWriteSecret(s) && envName == "":
				bad("job %s references the write secret %s outside a protected environment", name, s)
			case !isWriteSecret(s) && !isReadSecret(s):
				bad("job %s references %s, neither a read-only nor a write secret of docs/ci.md", name, s)
			}
		}
		if onPR && envName != "" {
			bad("job %s runs on pull requests in the environment %s, whose secrets are write ones", name, envName)
		}
		if perms, ok := job["permissions"].(map[string]any); ok && onPR {
			for scope, level := range perms {
				if level == "write" && scope != "pull-requests" {
					bad("job %s runs on pull requests with %s: write", name, scope)
				}
			}
		}
		steps, _ := job["steps"].([]any)
		for _, st := range steps {
			step, _ := st.(map[string]any)
			if uses, ok := step["uses"].(string); ok && !strings.HasPrefix(uses, "./") && !pinnedUse.MatchString(uses) {
				bad("job %s uses %s, not pinned by a commit SHA", name, uses)
			}
			if run, ok := step["run"].(string); ok && strings.Contains(run, "go install") && strings.Contains(run, "roster") &&
				!strings.Contains(run, "@${ROSTER_VERSION}") {
				bad("job %s installs roster at another version than ROSTER_VERSION: %s", name, run)
			}
		}
	}
	return out
}

// triggersOf lists a workflow's events.
func triggersOf(on any) []string {
	switch v := on.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, fmt.Sprint(x))
		}
		return out
	case map[string]any:
		return sortedKeys(v)
	}
	return nil
}

// secretsIn lists the secrets any string below v references.
func secretsIn(v any) []string { return refsIn(v, secretRef) }

// refsIn lists the first submatches of re in every string below v (map
// keys included), sorted, each once.
func refsIn(v any, re *regexp.Regexp) []string {
	seen := map[string]bool{}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			for _, m := range re.FindAllStringSubmatch(v, -1) {
				seen[m[1]] = true
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		case map[string]any:
			for k, x := range v {
				walk(k)
				walk(x)
			}
		}
	}
	walk(v)
	return sortedKeys(seen)
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// TestGitHubRecipeLeastPrivilege checks the recipe: no job that runs on a
// pull request can read a write credential, write secrets only behind an
// environment, actions pinned by SHA, roster at a pinned version.
func TestGitHubRecipeLeastPrivilege(t *testing.T) {
	data, err := os.ReadFile(githubRecipe)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range githubProblems(data) {
		t.Error(p)
	}
	// The jobs docs/ci.md describes are all there.
	var wf struct {
		Jobs map[string]any `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatal(err)
	}
	for _, j := range []string{"plan", "apply", "expire", "drift", "confirm"} {
		if wf.Jobs[j] == nil {
			t.Errorf("the recipe has no %s job", j)
		}
	}
}

// TestGitHubProblemsCanFail breaks the recipe in the ways the rules are
// about, and checks each is reported.
func TestGitHubProblemsCanFail(t *testing.T) {
	data, err := os.ReadFile(githubRecipe)
	if err != nil {
		t.Fatal(err)
	}
	src := string(data)
	for _, tc := range []struct{ name, old, new, want string }{
		{"write token on a pull request", "secrets.ROSTER_READ_TOKEN_LUMEN", "secrets.ROSTER_WRITE_TOKEN_LUMEN", "job plan runs on pull requests and references the write secret ROSTER_WRITE_TOKEN_LUMEN"},
		{"state URL for everyone", "  NO_COLOR: \"1\"\n", "  NO_COLOR: \"1\"\n  ROSTER_STATE: ${{ secrets.ROSTER_STATE_URL }}\n", "the workflow's env references secrets [ROSTER_STATE_URL]"},
		{"action by tag", "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683", "actions/checkout@v4", "not pinned by a commit SHA"},
		{"roster at latest", "ROSTER_VERSION: v0.2.0", "ROSTER_VERSION: latest", "is not a pinned release"},
		{"no environment", "    environment: roster-apply\n", "\n", "outside a protected environment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(src, tc.old) {
				t.Fatalf("the recipe no longer contains %q", tc.old)
			}
			got := strings.Join(githubProblems([]byte(strings.Replace(src, tc.old, tc.new, 1))), "\n")
			if !strings.Contains(got, tc.want) {
				t.Errorf("problems:\n%s\nwant one containing %q", got, tc.want)
			}
		})
	}
}

// TestGitLabRecipe parses the GitLab recipe as YAML (duplicate keys are
// errors) and checks the same rule as on GitHub: no job of a merge request
// pipeline references a write variable, and those that do are bound to a
// protected environment.
func TestGitLabRecipe(t *testing.T) {
	data, err := os.ReadFile(gitlabRecipe)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range gitlabProblems(data) {
		t.Error(p)
	}
	if got := gitlabProblems([]byte("a: 1\na: 2\n")); len(got) == 0 {
		t.Error("a duplicate key is not reported")
	}
}

var gitlabVar = regexp.MustCompile(`\$\{?([A-Z][A-Z0-9_]*)`)

func gitlabProblems(data []byte) []string {
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return []string{"not YAML: " + err.Error()}
	}
	var out []string
	jobs := 0
	for _, name := range sortedKeys(doc) {
		job, ok := doc[name].(map[string]any)
		if !ok || strings.HasPrefix(name, ".") || name == "variables" || name == "default" || name == "workflow" {
			continue
		}
		if job["script"] == nil {
			continue
		}
		jobs++
		rules := fmt.Sprint(job["rules"])
		onMR := strings.Contains(rules, `$CI_PIPELINE_SOURCE == "merge_request_event"`)
		_, hasEnv := job["environment"]
		for _, v := range varsIn(job) {
			if !isWriteSecret(v) {
				continue
			}
			if onMR {
				out = append(out, fmt.Sprintf("job %s runs in merge request pipelines and references the write variable %s", name, v))
			}
			if !hasEnv {
				out = append(out, fmt.Sprintf("job %s references the write variable %s outside a protected environment", name, v))
			}
		}
	}
	if jobs == 0 {
		out = append(out, "no jobs with a script")
	}
	return out
}

func varsIn(v any) []string { return refsIn(v, gitlabVar) }
