package ci

import (
	"archive/zip"
	"bytes"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	json "github.com/go-json-experiment/json"
	"go.yaml.in/yaml/v4"
)

// This file runs every gh command of the GitHub recipe with the real gh
// (GitHub's CLI, built from its own source: .ci/run installs it with go
// install) against a fake GitHub served here over TLS. gh, not this test,
// parses each command line: its flags, its --json fields, its --jq
// programs (gh's own jq), the repository it infers. A flag gh does not
// have, a field it does not know, or a step that forgets GH_TOKEN fails
// here as it would in Actions.
//
// The fake is GitHub Enterprise to gh (GH_HOST names it), so gh takes its
// token from GH_ENTERPRISE_TOKEN: the test sets it from the step's own
// GH_TOKEN, and to nothing when the step has none. It answers the REST
// calls the recipe makes, and of GraphQL only the issue search (gh's own
// fixture shape, pkg/cmd/issue/list/fixtures/issueSearch.json); for the
// other GraphQL commands (issue create, edit and close, pr view and
// comment) the test checks that gh accepted the command line and sent its
// query, not what it did with an answer.

// ghVersion is the gh the tests run: .ci/run installs it (a release that
// builds with this repository's Go).
const ghVersion = "v2.90.0"

// ghBinary finds gh where go install puts it, else on PATH. Without it
// the test skips, or fails under CI=true.
func ghBinary(t *testing.T) string {
	t.Helper()
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		p := filepath.Join(strings.TrimSpace(string(out)), "bin", "gh")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("gh"); err == nil {
		return p
	}
	msg := "gh is not installed: go install github.com/cli/cli/v2/cmd/gh@" + ghVersion + " (.ci/run does)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// recipeStep is one run: step of a workflow with the env it sees.
type recipeStep struct {
	job, name, run string
	env            map[string]string
}

// workflowSteps lists the run: steps of a GitHub workflow, each with the
// workflow's, the job's and the step's env merged.
func workflowSteps(t *testing.T, file string) []recipeStep {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		Env  map[string]string `yaml:"env"`
		Jobs map[string]struct {
			Env   map[string]string `yaml:"env"`
			Steps []struct {
				Name string            `yaml:"name"`
				Run  string            `yaml:"run"`
				Env  map[string]string `yaml:"env"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatal(err)
	}
	var out []recipeStep
	for _, job := range sortedKeys(wf.Jobs) {
		j := wf.Jobs[job]
		for _, s := range j.Steps {
			if s.Run == "" {
				continue
			}
			env := map[string]string{}
			for _, m := range []map[string]string{wf.Env, j.Env, s.Env} {
				for k, v := range m {
					env[k] = v
				}
			}
			out = append(out, recipeStep{job: job, name: s.Name, run: s.Run, env: env})
		}
	}
	return out
}

// ghAt finds gh at a command's position in a line of shell.
var ghAt = regexp.MustCompile(`(?:^|;|&&|\|\||\||\bthen|\bif|\bdo|!|\$\(|\{)\s*(gh\s)`)

// ghCommands returns the gh commands of a script, each as the shell text
// of the one simple command (continuation lines joined; it ends at an
// unquoted |, ;, &, >, <, ) or the end of the line).
func ghCommands(script string) []string {
	var out []string
	for _, line := range strings.Split(strings.ReplaceAll(script, "\\\n", " "), "\n") {
		for _, m := range ghAt.FindAllStringSubmatchIndex(line, -1) {
			out = append(out, simpleCommand(line[m[2]:]))
		}
	}
	return out
}

// simpleCommand is the prefix of s up to the end of its first simple
// command, quotes respected.
func simpleCommand(s string) string { return strings.TrimSpace(s[:simpleCommandEnd(s)]) }

// simpleCommandEnd is where the first simple command of s ends: at an
// unquoted |, ;, &, >, <, ) or the end of s.
func simpleCommandEnd(s string) int {
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote == '\'':
			if c == '\'' {
				quote = 0
			}
		case c == '\\':
			i++
		case quote == '"':
			if c == '"' {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case strings.IndexByte("|;&><)", c) >= 0:
			return i
		}
	}
	return len(s)
}

func TestGhCommandsParser(t *testing.T) {
	script := "id=$(gh api \"repos/$R/x\" --paginate \\\n  --jq '.[] | .id' | head -n 1)\n" +
		"if [ -n \"$id\" ]; then gh issue close \"$id\" --comment \"done (x)\"; fi\n" +
		"gh issue list --search \"in:title \\\"$title\\\"\" --jq \".[] | select(.title == \\\"$title\\\")\" | head\n" +
		"echo gh is here > /dev/null\n"
	got := ghCommands(script)
	want := []string{
		`gh api "repos/$R/x" --paginate    --jq '.[] | .id'`,
		`gh issue close "$id" --comment "done (x)"`,
		`gh issue list --search "in:title \"$title\"" --jq ".[] | select(.title == \"$title\")"`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("ghCommands:\n got %q\nwant %q", got, want)
	}
}

// fakeGitHub is the GitHub the recipe's gh commands talk to. It records
// every request.
type fakeGitHub struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []ghRequest
	// artifact is the zip `gh run download` gets.
	artifact []byte
}

type ghRequest struct {
	Method, Path string
	Query        map[string][]string
	Body         []byte
}

// The fake's world: repository o/r, pull request 7 merged at headSHA,
// its plan comment 5, the plan run 42 with its artifact 9, and an open
// leaver issue 3.
const (
	fakeRepo    = "o/r"
	fakePR      = "7"
	fakeComment = "5"
	fakeRun     = "42"
	headSHA     = "0123456789abcdef0123456789abcdef01234567"
	mergeSHA    = "89abcdef0123456789abcdef0123456789abcdef"
	leaverTitle = "roster: ann@acme.com has left but still has access"
	workflow    = "roster"
)

func newFakeGitHub(t *testing.T) *fakeGitHub {
	f := &fakeGitHub{}
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, _ := zw.Create("roster.plan")
	io.WriteString(w, "the reviewed plan\n")
	zw.Close()
	f.artifact = zb.Bytes()
	f.Server = httptest.NewTLSServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeGitHub) host() string { return strings.TrimPrefix(f.URL, "https://") }

// take returns the requests since the last take.
func (f *fakeGitHub) take() []ghRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.reqs
	f.reqs = nil
	return r
}

func (f *fakeGitHub) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqs = append(f.reqs, ghRequest{r.Method, r.URL.Path, r.URL.Query(), body})
	f.mu.Unlock()
	repo := "/api/v3/repos/" + fakeRepo
	reply := func(code int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		json.MarshalWrite(w, v)
	}
	type obj = map[string]any
	// GitHub answers a request without the workflow's token as it
	// answers an anonymous one for a private repository.
	if !strings.HasSuffix(r.Header.Get("Authorization"), " fake-token") {
		reply(401, obj{"message": "Requires authentication"})
		return
	}
	switch p := r.URL.Path; {
	case p == "/api/v3/meta":
		reply(200, obj{"installed_version": "3.18.0"})
	case p == "/api/graphql":
		if data := f.graphQL(body); data != nil {
			reply(200, obj{"data": data})
			return
		}
		reply(200, obj{"errors": []obj{{"message": "the test's fake GitHub does not answer this GraphQL operation"}}})
	case r.Method == "GET" && p == repo+"/issues/"+fakePR+"/comments":
		reply(200, []obj{
			{"id": 4, "user": obj{"login": "someone"}, "body": "<!-- roster-plan --> quoted by a person"},
			{"id": 5, "user": obj{"login": "github-actions[bot]"}, "body": "<!-- roster-plan -->\nthe old plan"},
		})
	case r.Method == "PATCH" && p == repo+"/issues/comments/"+fakeComment:
		reply(200, obj{"id": 5})
	case r.Method == "POST" && p == repo+"/issues/"+fakePR+"/comments":
		reply(201, obj{"id": 6})
	case r.Method == "GET" && p == repo+"/commits/"+mergeSHA+"/pulls":
		reply(200, []obj{
			{"number": 6, "merged_at": nil, "head": obj{"sha": "ffff"}, "html_url": f.URL + "/o/r/pull/6"},
			{"number": 7, "merged_at": "2026-12-01T10:00:00Z", "head": obj{"sha": headSHA}, "html_url": f.URL + "/o/r/pull/7"},
		})
	case r.Method == "GET" && p == repo+"/actions/workflows":
		reply(200, obj{"total_count": 1, "workflows": []obj{{"id": 11, "name": workflow, "path": ".github/workflows/roster.yml", "state": "active"}}})
	case r.Method == "GET" && p == repo+"/actions/workflows/11/runs":
		reply(200, obj{"total_count": 1, "workflow_runs": []obj{{"id": 42, "name": workflow, "head_sha": headSHA, "event": "pull_request",
			"status": "completed", "conclusion": "success", "workflow_id": 11, "created_at": "2026-12-01T09:00:00Z", "updated_at": "2026-12-01T09:05:00Z"}}})
	case r.Method == "GET" && p == repo+"/actions/runs/"+fakeRun+"/artifacts":
		reply(200, obj{"total_count": 1, "artifacts": []obj{{"id": 9, "name": "roster-plan-" + fakePR + "-" + headSHA,
			"archive_download_url": f.URL + repo + "/actions/artifacts/9/zip", "expired": false, "size_in_bytes": len(f.artifact)}}})
	case r.Method == "GET" && p == repo+"/actions/artifacts/9/zip":
		w.Header().Set("Content-Type", "application/zip")
		w.Write(f.artifact)
	case r.Method == "POST" && p == repo+"/labels":
		reply(201, obj{"id": 1})
	default:
		reply(404, obj{"message": "Not Found"})
	}
}

// graphQLOperation finds a GraphQL document's operation name.
var graphQLOperation = regexp.MustCompile(`(?:query|mutation)\s+(\w+)`)

// graphQL answers the GraphQL operations the recipe's gh commands send,
// in the shapes gh decodes (its api package and its own test fixtures);
// nil for any other.
func (f *fakeGitHub) graphQL(body []byte) any {
	type obj = map[string]any
	var q struct {
		Query string `json:"query"`
	}
	json.Unmarshal(body, &q)
	m := graphQLOperation.FindStringSubmatch(q.Query)
	if m == nil {
		return nil
	}
	issue := obj{"__typename": "Issue", "id": "I_3", "number": 3, "title": leaverTitle, "state": "OPEN", "body": "the old body",
		"url": f.URL + "/o/r/issues/3", "updatedAt": "2026-12-01T00:00:00Z", "labels": obj{"nodes": []obj{{"name": "roster-leaver"}}, "totalCount": 1}}
	review := func(login, state string) obj {
		return obj{"author": obj{"login": login}, "authorAssociation": "MEMBER", "submittedAt": "2026-12-01T09:00:00Z", "body": "", "state": state}
	}
	switch m[1] {
	case "SearchType_enumValues":
		return obj{"SearchType": obj{"enumValues": []obj{{"name": "ISSUE"}, {"name": "ISSUE_ADVANCED"}, {"name": "REPOSITORY"}}}}
	case "IssueSearch":
		return obj{"repository": obj{"hasIssuesEnabled": true},
			"search": obj{"issueCount": 1, "nodes": []obj{issue}, "pageInfo": obj{"hasNextPage": false, "endCursor": ""}}}
	case "IssueByNumber":
		return obj{"repository": obj{"hasIssuesEnabled": true, "issue": issue}}
	case "IssueRepositoryInfo":
		return obj{"repository": obj{"id": "R_1", "name": "r", "owner": obj{"login": "o"}, "hasIssuesEnabled": true, "viewerPermission": "WRITE"}}
	case "RepositoryLabelList":
		return obj{"repository": obj{"labels": obj{"nodes": []obj{{"id": "LA_drift", "name": "roster-drift"}, {"id": "LA_leaver", "name": "roster-leaver"}},
			"pageInfo": obj{"hasNextPage": false, "endCursor": ""}}}}
	case "PullRequestByNumber":
		return obj{"repository": obj{"pullRequest": obj{"id": "PR_7", "number": 7, "url": f.URL + "/o/r/pull/7",
			"latestReviews": obj{"nodes": []obj{review("alice", "APPROVED"), review("bob", "CHANGES_REQUESTED"), review("carol", "APPROVED")}}}}}
	case "CommentCreate":
		return obj{"addComment": obj{"commentEdge": obj{"node": obj{"url": f.URL + "/o/r/issues/3#issuecomment-1"}}}}
	case "IssueClose":
		return obj{"closeIssue": obj{"issue": obj{"id": "I_3"}}}
	case "IssueUpdate":
		return obj{"updateIssue": obj{"__typename": "UpdateIssuePayload"}}
	case "IssueCreate":
		return obj{"createIssue": obj{"issue": obj{"id": "I_9", "url": f.URL + "/o/r/issues/9"}}}
	}
	return nil
}

// expression fills in the ${{ }} expressions of a step's env.
var expression = regexp.MustCompile(`\$\{\{\s*([^}]*?)\s*\}\}`)

// expressionValues are what GitHub would put for the expressions the
// recipe's gh steps use, in the fake's world.
var expressionValues = map[string]string{
	"github.token":                       "fake-token",
	"github.repository":                  fakeRepo,
	"github.event.pull_request.number":   fakePR,
	"steps.pr.outputs.number":            fakePR,
	"github.server_url":                  "https://github.example",
	"github.run_id":                      "99",
	"github.event.pull_request.head.sha": headSHA,
	"steps.pr.outputs.url":               "https://github.example/o/r/pull/7",
	"steps.pr.outputs.approvers":         "reviewer",
}

// TestGitHubRecipeGhCommands runs each gh command of the GitHub recipe
// with the real gh, in its step's environment, and checks what gh asked
// the fake GitHub for.
func TestGitHubRecipeGhCommands(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	gh := ghBinary(t)
	srv := newFakeGitHub(t)
	dir := t.TempDir()
	cert := filepath.Join(dir, "fake-github.pem")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}

	var ran int
	for _, step := range workflowSteps(t, githubRecipe) {
		for _, cmd := range ghCommands(step.run) {
			ran++
			name := fmt.Sprintf("%s/%s/%s", step.job, step.name, strings.Join(strings.Fields(cmd)[:3], " "))
			t.Run(name, func(t *testing.T) {
				work := t.TempDir()
				env := ghEnv(t, gh, srv, cert, work, step)
				c := exec.Command("bash", "-c", "set -u\n"+cmd)
				c.Dir, c.Env = work, env
				var stdout, stderr bytes.Buffer
				c.Stdout, c.Stderr = &stdout, &stderr
				err := c.Run()
				reqs := srv.take()
				res := ghResult{cmd: cmd, err: err, stdout: stdout.String(), stderr: stderr.String(), reqs: reqs, work: work}
				if usage := ghUsageError.FindString(res.stderr); usage != "" {
					t.Fatalf("gh refused the command line (%q):\n%s\n%s", usage, cmd, res.stderr)
				}
				if len(reqs) == 0 {
					t.Fatalf("gh sent nothing to GitHub:\n%s\nexit: %v\nstderr: %s", cmd, err, res.stderr)
				}
				checkGh(t, &res)
			})
		}
	}
	if ran < 15 {
		t.Fatalf("found only %d gh commands in %s; the parser is broken", ran, githubRecipe)
	}
}

// ghUsageError matches what gh prints when it refuses a command line
// before asking GitHub anything.
var ghUsageError = regexp.MustCompile(`(?i)unknown (flag|shorthand flag|command)|flag needs an argument|invalid argument|required flag|accepts (at most |between )?\d+ arg|Unknown JSON field|cannot use .* (with|together)|specify only one of|set the GH_TOKEN environment variable|gh auth login|could not determine base repo|not a git repository|no git remotes`)

// ghEnv is a step's environment in the fake's world: the runner's
// variables, the step's env (GH_TOKEN also as GH_ENTERPRISE_TOKEN, the
// name gh reads for the fake's host), and the shell variables the step's
// script sets before its gh commands.
func ghEnv(t *testing.T, gh string, srv *fakeGitHub, cert, work string, step recipeStep) []string {
	t.Helper()
	for _, f := range [][2]string{{"comment.md", "<!-- roster-plan -->\nthe plan\n"}, {"body.md", "the issue body\n"}} {
		if err := os.WriteFile(filepath.Join(work, f[0]), []byte(f[1]), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// Steps without GH_REPO rely on the checkout's remote, as in Actions.
	for _, args := range [][]string{{"init", "-q"}, {"remote", "add", "origin", "https://" + srv.host() + "/" + fakeRepo + ".git"}} {
		if out, err := exec.Command("git", append([]string{"-C", work}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	env := []string{
		"PATH=" + filepath.Dir(gh) + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + work, "GH_CONFIG_DIR=" + filepath.Join(work, ".gh"), "GH_HOST=" + srv.host(), "SSL_CERT_FILE=" + cert,
		"GH_PROMPT_DISABLED=1", "GH_NO_UPDATE_NOTIFIER=1", "GH_NO_EXTENSION_UPDATE_NOTIFIER=1", "GH_SPINNER_DISABLED=1", "NO_COLOR=1",
		"GITHUB_ACTIONS=true", "CI=true", "GITHUB_REPOSITORY=" + fakeRepo, "GITHUB_SHA=" + mergeSHA, "GITHUB_WORKFLOW=" + workflow,
		"RUNNER_TEMP=" + filepath.Join(work, "runner"),
		// Set by the scripts before their gh commands.
		"id=" + fakeComment, "number=" + fakePR, "head=" + headSHA, "run=" + fakeRun, "issue=3", "title=" + leaverTitle,
		"email=ann@acme.com", "status=0",
	}
	for k, v := range step.env {
		v = expression.ReplaceAllStringFunc(v, func(e string) string {
			key := expression.FindStringSubmatch(e)[1]
			val, ok := expressionValues[key]
			if strings.HasPrefix(key, "secrets.") {
				val, ok = "fake-secret", true
			}
			if !ok {
				t.Fatalf("step %q: no value for the expression ${{ %s }} in the test's fake world", step.name, key)
			}
			return val
		})
		env = append(env, k+"="+v)
		if k == "GH_TOKEN" {
			env = append(env, "GH_ENTERPRISE_TOKEN="+v)
		}
	}
	return env
}

type ghResult struct {
	cmd, stdout, stderr, work string
	err                       error
	reqs                      []ghRequest
}

// ok fails the test unless gh exited 0.
func (r *ghResult) ok(t *testing.T) {
	t.Helper()
	if r.err != nil {
		t.Fatalf("%s\nexit: %v\nstderr: %s", r.cmd, r.err, r.stderr)
	}
}

// rest returns the requests other than gh's own look at the server's
// version.
func (r *ghResult) rest() []ghRequest {
	var out []ghRequest
	for _, q := range r.reqs {
		if q.Path != "/api/v3/meta" {
			out = append(out, q)
		}
	}
	return out
}

// gqlCall is a GraphQL operation gh sent.
type gqlCall struct {
	Name      string
	Variables map[string]any
}

// graphQL returns the GraphQL operations gh sent, in order.
func (r *ghResult) graphQL(t *testing.T) []gqlCall {
	var out []gqlCall
	for _, q := range r.reqs {
		if q.Path != "/api/graphql" {
			continue
		}
		var body struct {
			Query     string         `json:"query"`
			Variables map[string]any `json:"variables"`
		}
		if err := json.Unmarshal(q.Body, &body); err != nil {
			t.Fatalf("a GraphQL request that is not JSON: %q", q.Body)
		}
		c := gqlCall{Variables: body.Variables}
		if m := graphQLOperation.FindStringSubmatch(body.Query); m != nil {
			c.Name = m[1]
		}
		out = append(out, c)
	}
	return out
}

// input is the "input" variable of the operation name, which gh must
// have sent.
func (r *ghResult) input(t *testing.T, name string) map[string]any {
	t.Helper()
	for _, c := range r.graphQL(t) {
		if c.Name == name {
			in, _ := c.Variables["input"].(map[string]any)
			return in
		}
	}
	t.Fatalf("%s did not send %s", r.cmd, name)
	return nil
}

// checkGh checks, by gh subcommand, what the command asked GitHub and
// what it printed.
func checkGh(t *testing.T, r *ghResult) {
	t.Helper()
	f := strings.Fields(r.cmd)
	sub := f[1]
	if sub != "api" {
		sub += " " + f[2]
	}
	repo := "/api/v3/repos/" + fakeRepo
	first := func() ghRequest {
		rest := r.rest()
		if len(rest) == 0 {
			t.Fatalf("no request: %s", r.cmd)
		}
		return rest[0]
	}
	bodyField := func(q ghRequest, name string) any {
		var m map[string]any
		if err := json.Unmarshal(q.Body, &m); err != nil {
			t.Fatalf("%s %s: body is not a JSON object: %q", q.Method, q.Path, q.Body)
		}
		return m[name]
	}
	switch sub {
	case "api":
		r.ok(t)
		q := first()
		switch {
		case strings.Contains(r.cmd, "--method PATCH"):
			if q.Method != "PATCH" || q.Path != repo+"/issues/comments/"+fakeComment {
				t.Errorf("%s: sent %s %s", r.cmd, q.Method, q.Path)
			}
		case strings.Contains(r.cmd, "-F body=@"):
			// Fields without --method make gh POST.
			if q.Method != "POST" || q.Path != repo+"/issues/"+fakePR+"/comments" {
				t.Errorf("%s: sent %s %s", r.cmd, q.Method, q.Path)
			}
		case strings.Contains(r.cmd, "/pulls"):
			if q.Method != "GET" || q.Path != repo+"/commits/"+mergeSHA+"/pulls" {
				t.Errorf("%s: sent %s %s", r.cmd, q.Method, q.Path)
			}
			// The merged one of the commit's pull requests, as JSON.
			var pr struct {
				Number int `json:"number"`
				Head   struct {
					SHA string `json:"sha"`
				} `json:"head"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &pr); err != nil || pr.Number != 7 || pr.Head.SHA != headSHA {
				t.Errorf("%s printed %q, not pull request 7 (%v)", r.cmd, r.stdout, err)
			}
		default:
			if q.Method != "GET" || q.Path != repo+"/issues/"+fakePR+"/comments" {
				t.Errorf("%s: sent %s %s", r.cmd, q.Method, q.Path)
			}
			// Only the bot's comment that starts with the marker.
			if strings.TrimSpace(r.stdout) != fakeComment {
				t.Errorf("%s printed %q, want %s", r.cmd, r.stdout, fakeComment)
			}
		}
		if strings.Contains(r.cmd, "-F body=@comment.md") {
			if got := bodyField(q, "body"); got != "<!-- roster-plan -->\nthe plan\n" {
				t.Errorf("%s: body %q is not comment.md", r.cmd, got)
			}
		}
	case "run list":
		r.ok(t)
		var runs *ghRequest
		for _, q := range r.rest() {
			if q.Path == repo+"/actions/workflows/11/runs" {
				runs = &q
			}
		}
		if runs == nil {
			t.Fatalf("%s did not list the workflow's runs: %v", r.cmd, r.reqs)
		}
		for k, v := range map[string]string{"event": "pull_request", "head_sha": headSHA, "status": "success"} {
			if got := runs.Query[k]; !slices.Equal(got, []string{v}) {
				t.Errorf("%s: %s=%v, want %s", r.cmd, k, got, v)
			}
		}
		if strings.TrimSpace(r.stdout) != fakeRun {
			t.Errorf("%s printed %q, want %s", r.cmd, r.stdout, fakeRun)
		}
	case "run download":
		r.ok(t)
		data, err := os.ReadFile(filepath.Join(r.work, "runner", "reviewed", "roster.plan"))
		if err != nil || string(data) != "the reviewed plan\n" {
			t.Errorf("%s: $RUNNER_TEMP/reviewed/roster.plan is %q (%v)", r.cmd, data, err)
		}
	case "label create":
		r.ok(t)
		q := first()
		if q.Method != "POST" || q.Path != repo+"/labels" {
			t.Fatalf("%s: sent %s %s", r.cmd, q.Method, q.Path)
		}
		name := strings.Fields(r.cmd)[3]
		if got := bodyField(q, "name"); got != name {
			t.Errorf("%s: label name %v", r.cmd, got)
		}
	case "issue list":
		r.ok(t)
		var query string
		for _, c := range r.graphQL(t) {
			if c.Name == "IssueSearch" {
				query, _ = c.Variables["query"].(string)
			}
		}
		label := regexp.MustCompile(`--label (\S+)`).FindStringSubmatch(r.cmd)[1]
		for _, want := range []string{"label:" + label, "state:open"} {
			if !strings.Contains(query, want) {
				t.Errorf("%s searched %q, without %s", r.cmd, query, want)
			}
		}
		want := "3"
		switch {
		case strings.Contains(r.cmd, "--search"):
			if !strings.Contains(query, `in:title "`+leaverTitle+`"`) {
				t.Errorf("%s searched %q, not the title", r.cmd, query)
			}
		case !strings.Contains(r.cmd, "--limit 1"):
			want = "3 " + leaverTitle
		}
		if strings.TrimSpace(r.stdout) != want {
			t.Errorf("%s printed %q, want %q", r.cmd, r.stdout, want)
		}
	case "pr view":
		r.ok(t)
		// The approvers roster records: the latest reviews that approve.
		if strings.TrimSpace(r.stdout) != "alice,carol" {
			t.Errorf("%s printed %q, want alice,carol", r.cmd, r.stdout)
		}
	case "pr comment":
		r.ok(t)
		in := r.input(t, "CommentCreate")
		if in["subjectId"] != "PR_7" || in["body"] != "<!-- roster-plan -->\nthe plan\n" {
			t.Errorf("%s: commented %v", r.cmd, in)
		}
	case "issue close":
		r.ok(t)
		if in := r.input(t, "CommentCreate"); in["subjectId"] != "I_3" || !strings.Contains(fmt.Sprint(in["body"]), "https://github.example/o/r/actions/runs/99") {
			t.Errorf("%s: commented %v", r.cmd, in)
		}
		if in := r.input(t, "IssueClose"); in["issueId"] != "I_3" {
			t.Errorf("%s: closed %v", r.cmd, in)
		}
	case "issue edit":
		r.ok(t)
		if in := r.input(t, "IssueUpdate"); in["id"] != "I_3" || in["body"] != "the issue body\n" {
			t.Errorf("%s: updated %v", r.cmd, in)
		}
	case "issue create":
		r.ok(t)
		in := r.input(t, "IssueCreate")
		label := regexp.MustCompile(`--label (\S+)`).FindStringSubmatch(r.cmd)[1]
		title := leaverTitle
		if label == "roster-drift" {
			title = "roster: access changed outside roster"
		}
		if in["title"] != title || in["body"] != "the issue body\n" || fmt.Sprint(in["labelIds"]) != "[LA_"+strings.TrimPrefix(label, "roster-")+"]" {
			t.Errorf("%s: created %v", r.cmd, in)
		}
	default:
		t.Errorf("the test knows nothing to check of `gh %s`; add it to checkGh", sub)
	}
}
