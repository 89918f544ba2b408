package ci

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	json "github.com/go-json-experiment/json"
	"go.yaml.in/yaml/v4"
)

// This file runs every curl command of the GitLab recipe, with the jq
// program it pipes into, with the real curl and jq against a fake GitLab
// REST API (v4, the shapes of GitLab's API documentation: notes, merge
// requests and their approvals, pipelines' jobs, job artifacts, issues).
// curl and jq, not this test, read the command lines; the test checks the
// request each makes (method, path, query, form fields, token) and what
// the pipeline prints.

// gitlabJob is one job of the recipe: its variables and its script.
type gitlabJob struct {
	name   string
	vars   map[string]string
	script string
}

func gitlabJobs(t *testing.T) []gitlabJob {
	t.Helper()
	data, err := os.ReadFile(gitlabRecipe)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var out []gitlabJob
	for _, name := range sortedKeys(doc) {
		job, ok := doc[name].(map[string]any)
		if !ok || job["script"] == nil {
			continue
		}
		j := gitlabJob{name: name, vars: map[string]string{}}
		if vs, ok := job["variables"].(map[string]any); ok {
			for k, v := range vs {
				j.vars[k] = fmt.Sprint(v)
			}
		}
		var lines []string
		for _, l := range job["script"].([]any) {
			lines = append(lines, fmt.Sprint(l))
		}
		j.script = strings.Join(lines, "\n")
		out = append(out, j)
	}
	return out
}

var (
	curlAt = regexp.MustCompile(`(?:^|;|&&|\|\||\bthen|\bif|\bdo|!|\$\(|\{)\s*(curl\s)`)
	// apiAssignment is a script's api=... line, which its curl commands use.
	apiAssignment = regexp.MustCompile(`(?m)^\s*(api="[^"]*")\s*$`)
)

// curlPipelines returns each curl command of a script with the commands
// its output is piped into (continuation lines joined).
func curlPipelines(script string) []string {
	var out []string
	for _, line := range strings.Split(strings.ReplaceAll(script, "\\\n", " "), "\n") {
		for _, m := range curlAt.FindAllStringSubmatchIndex(line, -1) {
			rest := line[m[2]:]
			end := simpleCommandEnd(rest)
			cmds := []string{strings.TrimSpace(rest[:end])}
			for {
				next := strings.TrimLeft(rest[end:], " ")
				if !strings.HasPrefix(next, "|") || strings.HasPrefix(next, "||") {
					break
				}
				rest = strings.TrimLeft(next[1:], " ")
				end = simpleCommandEnd(rest)
				cmds = append(cmds, strings.TrimSpace(rest[:end]))
			}
			out = append(out, strings.Join(cmds, " | "))
		}
	}
	return out
}

func TestCurlPipelinesParser(t *testing.T) {
	script := "id=$(curl -sf \"$api?x=1\" \\\n  | jq -r '.[] | .id // empty')\n" +
		"if [ -n \"$id\" ]; then curl -sf --request PUT \"$api/$id\" > /dev/null; fi\n"
	got := curlPipelines(script)
	want := []string{`curl -sf "$api?x=1" | jq -r '.[] | .id // empty'`, `curl -sf --request PUT "$api/$id"`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("curlPipelines:\n got %q\nwant %q", got, want)
	}
}

// fakeGitLab is the GitLab API the recipe's curl commands talk to: project
// 12, merge request 7 (merged as mergeSHA, its plan note 5, its pipeline
// 300 whose plan job 400 kept the plan), and the open drift issue 3.
type fakeGitLab struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []glRequest
}

type glRequest struct {
	Method, Path string
	Query        url.Values
	Form         url.Values
}

// glRoutes are the fake's answers, by method and path (the query is
// checked by the test), in the shapes of GitLab's REST API v4 documentation
// (docs.gitlab.com/ee/api/): notes.html, merge_requests.html ("List merge
// requests associated with a commit", head_pipeline),
// merge_request_approvals.html (approved_by[].user.username), jobs.html
// ("List pipeline jobs", scope; "Download a single artifact file by job
// ID"), issues.html (labels, state=opened, state_event=close).
var glRoutes = map[string]string{
	"GET /api/v4/projects/12/merge_requests/7/notes": `[{"id": 4, "body": "a person wrote <!-- roster-plan --> later", "author": {"username": "dana"}},
		{"id": 5, "body": "<!-- roster-plan -->\nthe old plan", "author": {"username": "project_12_bot"}}]`,
	"PUT /api/v4/projects/12/merge_requests/7/notes/5": `{"id": 5}`,
	"POST /api/v4/projects/12/merge_requests/7/notes":  `{"id": 6}`,
	"GET /api/v4/projects/12/repository/commits/" + mergeSHA + "/merge_requests": `[{"iid": 6, "state": "opened", "web_url": "https://gitlab.example/o/r/-/merge_requests/6"},
		{"iid": 7, "state": "merged", "web_url": "https://gitlab.example/o/r/-/merge_requests/7"}]`,
	"GET /api/v4/projects/12/merge_requests/7/approvals":            `{"approved": true, "approved_by": [{"user": {"username": "alice"}}, {"user": {"username": "carol"}}]}`,
	"GET /api/v4/projects/12/merge_requests/7":                      `{"iid": 7, "state": "merged", "head_pipeline": {"id": 300, "status": "success"}}`,
	"GET /api/v4/projects/12/pipelines/300/jobs":                    `[{"id": 399, "name": "validate", "status": "success"}, {"id": 400, "name": "plan", "status": "success"}]`,
	"GET /api/v4/projects/12/jobs/400/artifacts/access/roster.plan": "the reviewed plan\n",
	"GET /api/v4/projects/12/issues":                                `[{"iid": 3, "title": "roster: access changed outside roster"}]`,
	"PUT /api/v4/projects/12/issues/3":                              `{"iid": 3}`,
	"POST /api/v4/projects/12/issues":                               `{"iid": 9}`,
}

func newFakeGitLab(t *testing.T) *fakeGitLab {
	f := &fakeGitLab{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		f.mu.Lock()
		f.reqs = append(f.reqs, glRequest{r.Method, r.URL.Path, r.URL.Query(), r.PostForm})
		f.mu.Unlock()
		if r.Header.Get("PRIVATE-TOKEN") != "fake-token" {
			http.Error(w, `{"message":"401 Unauthorized"}`, http.StatusUnauthorized)
			return
		}
		body, ok := glRoutes[r.Method+" "+r.URL.Path]
		if !ok {
			http.Error(w, `{"message":"404 Not Found"}`, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, body)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeGitLab) take() []glRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.reqs
	f.reqs = nil
	return r
}

// TestGitLabRecipeAPICalls runs each curl pipeline of the GitLab recipe
// with the real curl and jq, in its job's variables, against the fake.
func TestGitLabRecipeAPICalls(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed (apt-get install %s)", tool, tool)
			}
			t.Skipf("%s is not installed (apt-get install %s)", tool, tool)
		}
	}
	srv := newFakeGitLab(t)
	seen := map[string]bool{}
	var ran int
	for _, job := range gitlabJobs(t) {
		api := apiAssignment.FindStringSubmatch(job.script)
		for _, cmd := range curlPipelines(job.script) {
			ran++
			t.Run(job.name+"/"+cmd, func(t *testing.T) {
				if api == nil {
					t.Fatalf("job %s runs curl without an api=... line", job.name)
				}
				work := t.TempDir()
				for _, f := range [][2]string{{"comment.md", "<!-- roster-plan -->\nthe plan & more\n"}, {"note.md", "### roster: applied\n"}, {"body.md", "Access changed + more\n"}} {
					os.WriteFile(filepath.Join(work, f[0]), []byte(f[1]), 0o600)
				}
				env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + work,
					"CI_API_V4_URL=" + srv.URL + "/api/v4", "CI_PROJECT_ID=12", "CI_MERGE_REQUEST_IID=7", "CI_COMMIT_SHA=" + mergeSHA,
					"CI_PROJECT_DIR=" + work, "GITLAB_API_TOKEN=fake-token",
					// Set by the scripts before their curl commands.
					"id=5", "iid=7", "pipeline=300", "job=400", "issue=3"}
				for k, v := range job.vars {
					env = append(env, k+"="+v)
				}
				c := exec.Command("bash", "-c", "set -euo pipefail\n"+api[1]+"\n"+cmd)
				c.Dir, c.Env = work, env
				var stdout, stderr bytes.Buffer
				c.Stdout, c.Stderr = &stdout, &stderr
				if err := c.Run(); err != nil {
					t.Fatalf("%s\nexit: %v\nstderr: %s\nrequests: %+v", cmd, err, stderr.String(), srv.take())
				}
				reqs := srv.take()
				if len(reqs) != 1 {
					t.Fatalf("%s made %d requests: %+v", cmd, len(reqs), reqs)
				}
				q := reqs[0]
				key := q.Method + " " + q.Path
				seen[key] = true
				checkGitLab(t, cmd, key, q, stdout.String(), work)
			})
		}
	}
	if ran < 10 {
		t.Fatalf("found only %d curl commands in %s; the parser is broken", ran, gitlabRecipe)
	}
	var missed []string
	for k := range glRoutes {
		if !seen[k] {
			missed = append(missed, k)
		}
	}
	sort.Strings(missed)
	if len(missed) > 0 && !t.Failed() {
		t.Errorf("no curl command of the recipe asked for %v", missed)
	}
}

// checkGitLab checks one request and what its pipeline printed.
func checkGitLab(t *testing.T, cmd, key string, q glRequest, stdout, work string) {
	t.Helper()
	want := func(what, got, w string) {
		t.Helper()
		if got != w {
			t.Errorf("%s\n%s: %s is %q, want %q", cmd, key, what, got, w)
		}
	}
	out := strings.TrimSpace(stdout)
	switch key {
	case "GET /api/v4/projects/12/merge_requests/7/notes":
		want("per_page", q.Query.Get("per_page"), "100")
		want("the note found", out, "5")
	case "PUT /api/v4/projects/12/merge_requests/7/notes/5", "POST /api/v4/projects/12/merge_requests/7/notes":
		body := "<!-- roster-plan -->\nthe plan & more\n"
		if strings.Contains(cmd, "note.md") {
			body = "### roster: applied\n"
		}
		want("the form's body", q.Form.Get("body"), body)
	case "GET /api/v4/projects/12/repository/commits/" + mergeSHA + "/merge_requests":
		var mr struct {
			IID int `json:"iid"`
		}
		if err := json.Unmarshal([]byte(out), &mr); err != nil || mr.IID != 7 {
			t.Errorf("%s printed %q, not merge request 7 (%v)", cmd, out, err)
		}
	case "GET /api/v4/projects/12/merge_requests/7/approvals":
		want("the approvers", out, "alice,carol")
	case "GET /api/v4/projects/12/merge_requests/7":
		// Read by a jq outside the pipeline (pipeline=$(jq ... <<< "$(curl ...)")).
	case "GET /api/v4/projects/12/pipelines/300/jobs":
		want("scope", q.Query.Get("scope"), "success")
		want("the plan job", out, "400")
	case "GET /api/v4/projects/12/jobs/400/artifacts/access/roster.plan":
		data, err := os.ReadFile(filepath.Join(work, "reviewed.plan"))
		if err != nil || string(data) != "the reviewed plan\n" {
			t.Errorf("%s: reviewed.plan is %q (%v)", cmd, data, err)
		}
	case "GET /api/v4/projects/12/issues":
		want("labels", q.Query.Get("labels"), "roster-drift")
		want("state", q.Query.Get("state"), "opened")
		want("the issue found", out, "3")
	case "PUT /api/v4/projects/12/issues/3":
		if strings.Contains(cmd, "state_event") {
			want("state_event", q.Query.Get("state_event"), "close")
		} else {
			want("the description", q.Form.Get("description"), "Access changed + more\n")
		}
	case "POST /api/v4/projects/12/issues":
		want("the description", q.Form.Get("description"), "Access changed + more\n")
		want("the title", q.Form.Get("title"), "roster: access changed outside roster")
		want("the labels", q.Form.Get("labels"), "roster-drift")
	default:
		t.Errorf("%s: %s is not a request the fake knows", cmd, key)
	}
}
