package config

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-dev/roster/internal/goldenfile"
	"github.com/roster-dev/roster/internal/model"
)

// testCase is one configuration of testdata: a file, or a directory of
// files read as one configuration.
type testCase struct {
	name string
	path string
	dir  bool
}

func cases(t *testing.T, root string) []testCase {
	t.Helper()
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var out []testCase
	for _, e := range entries {
		p := filepath.Join(root, e.Name())
		switch {
		case e.IsDir():
			out = append(out, testCase{name: e.Name(), path: p, dir: true})
		case strings.HasSuffix(e.Name(), ".hcl"):
			out = append(out, testCase{name: strings.TrimSuffix(e.Name(), ".hcl"), path: p})
		}
	}
	if len(out) == 0 {
		t.Fatalf("no test cases in %s", root)
	}
	return out
}

func (c testCase) load(t *testing.T) *Result {
	t.Helper()
	if c.dir {
		return Load(c.path)
	}
	data, err := os.ReadFile(c.path)
	if err != nil {
		t.Fatal(err)
	}
	return LoadSources([]Source{{Name: filepath.Base(c.path), Data: data}})
}

// files returns the case's files by base name.
func (c testCase) files(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	paths := []string{c.path}
	if c.dir {
		paths, _ = filepath.Glob(filepath.Join(c.path, "*.hcl"))
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(p)] = data
	}
	return out
}

func diagText(d *hcl.Diagnostic) string {
	place := "-"
	if d.Subject != nil {
		place = fmt.Sprintf("%s:%d:%d", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column)
	}
	return fmt.Sprintf("%s: %s; %s", place, d.Summary, d.Detail)
}

// TestValid loads each case of testdata/valid: no error, and the objects
// (address and attributes) are those of its golden .addresses file.
func TestValid(t *testing.T) {
	for _, c := range cases(t, "testdata/valid") {
		t.Run(c.name, func(t *testing.T) {
			res := c.load(t)
			for _, d := range res.Diags {
				t.Errorf("unexpected diagnostic %s", diagText(d))
			}
			if res.Config == nil {
				t.Fatal("no configuration")
			}
			var b strings.Builder
			for _, o := range res.Config.Objects {
				if o.Decl == nil {
					t.Errorf("%s has no Decl", o.Addr)
				}
				fmt.Fprintf(&b, "%s %s", o.Addr, o.AttrsJSON())
				if o.Decl != nil && o.Decl.Sponsor() != "" {
					fmt.Fprintf(&b, " sponsor=%s", o.Decl.Sponsor())
				}
				b.WriteString("\n")
			}
			writePolicy(&b, res.Config)
			for _, m := range res.Config.Moves {
				fmt.Fprintf(&b, "moved %s -> %s guest=%t\n", m.From, m.To, m.Guest)
			}
			golden := filepath.Join("testdata/valid", c.name+".addresses")
			if *goldenfile.Update {
				if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to write it)", err)
			}
			if got := b.String(); got != string(want) {
				t.Errorf("objects differ from %s (run go test -update after checking):\n--- got\n%s--- want\n%s", golden, got, want)
			}
		})
	}
}

// writePolicy adds the decoded policy to a golden, one rule a line, and
// the people of its directory file.
func writePolicy(b *strings.Builder, cfg *model.Config) {
	p := cfg.Policy
	if p == nil {
		return
	}
	num := func(n *int) string {
		if n == nil {
			return "unset"
		}
		return strconv.Itoa(*n)
	}
	fmt.Fprintf(b, "policy internal_domains=%v min_owners=%s external_expiry=%t max_grant_days=%s require_ticket=%t\n",
		p.InternalDomains, num(p.MinOwners), p.ExternalExpiry, num(p.MaxGrantDays), p.RequireTicket)
	fmt.Fprintf(b, "policy external_forbidden=%v max_removals=%s distinct_approver=%t directory=%q sponsor_required=%t\n",
		p.ExternalForbidden, num(p.MaxRemovals), p.DistinctApprover, p.Directory, p.SponsorRequired)
	if d := cfg.People; d != nil {
		for _, e := range slices.Sorted(maps.Keys(d.People)) {
			fmt.Fprintf(b, "directory %s %s line %d\n", e, d.People[e].Status, d.People[e].Line)
		}
	}
}

// marker is an expected diagnostic: `# ERROR: text` at the end of a line,
// or alone on a line for the next line.
type marker struct {
	file string
	line int
	text string
}

func markers(file string, data []byte) []marker {
	var out []marker
	var pending []string
	lines := strings.Split(string(data), "\n")
	for i, line := range lines {
		idx := strings.Index(line, "# ERROR:")
		if idx < 0 {
			for _, p := range pending {
				out = append(out, marker{file, i + 1, p})
			}
			pending = nil
			continue
		}
		var texts []string
		for _, part := range strings.Split(line[idx:], "# ERROR:")[1:] {
			texts = append(texts, strings.TrimSpace(part))
		}
		if strings.TrimSpace(line[:idx]) == "" {
			pending = append(pending, texts...)
			continue
		}
		for _, p := range append(pending, texts...) {
			out = append(out, marker{file, i + 1, p})
		}
		pending = nil
	}
	return out
}

// TestInvalid loads each case of testdata/invalid: every marked line has
// an error whose summary or detail holds the marker's text, and no error
// appears on an unmarked line.
func TestInvalid(t *testing.T) {
	for _, c := range cases(t, "testdata/invalid") {
		t.Run(c.name, func(t *testing.T) {
			var ms []marker
			for name, data := range c.files(t) {
				ms = append(ms, markers(name, data)...)
			}
			if len(ms) == 0 {
				t.Fatal("the case marks no expected error")
			}
			res := c.load(t)
			marked := map[string]bool{}
			for _, m := range ms {
				marked[fmt.Sprintf("%s:%d", m.file, m.line)] = true
				found := false
				for _, d := range res.Diags {
					if d.Severity == hcl.DiagError && d.Subject != nil && d.Subject.Filename == m.file && d.Subject.Start.Line == m.line &&
						strings.Contains(d.Summary+" "+d.Detail, m.text) {
						found = true
					}
				}
				if !found {
					t.Errorf("%s:%d: no error mentioning %q", m.file, m.line, m.text)
				}
			}
			for _, d := range res.Diags {
				if d.Severity != hcl.DiagError {
					continue
				}
				if d.Subject == nil {
					t.Errorf("error without a place: %s", diagText(d))
					continue
				}
				if !marked[fmt.Sprintf("%s:%d", d.Subject.Filename, d.Subject.Start.Line)] {
					t.Errorf("unexpected error %s", diagText(d))
				}
				if d.Summary == "" || d.Detail == "" {
					t.Errorf("error without summary or detail: %s", diagText(d))
				}
			}
			if res.Config == nil {
				t.Error("no configuration returned")
			}
			if t.Failed() {
				for _, d := range res.Diags {
					t.Logf("  %s", diagText(d))
				}
			}
		})
	}
}

func TestMarkers(t *testing.T) {
	got := markers("x.hcl", []byte("a\nb # ERROR: one # ERROR: two\n# ERROR: three\n# ERROR: four\nc\n"))
	want := []marker{{"x.hcl", 2, "one"}, {"x.hcl", 2, "two"}, {"x.hcl", 5, "three"}, {"x.hcl", 5, "four"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("markers = %v, want %v", got, want)
	}
}

// sortedDiagPlaces lists the places of diagnostics, for order tests.
func sortedDiagPlaces(diags hcl.Diagnostics) []string {
	var out []string
	for _, d := range diags {
		if d.Subject != nil {
			out = append(out, fmt.Sprintf("%s:%d", d.Subject.Filename, d.Subject.Start.Line))
		}
	}
	return out
}
