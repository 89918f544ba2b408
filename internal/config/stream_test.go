package config

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// loadBothWays loads srcs with member and guest blocks parsed as they are
// decoded and with every file parsed before decoding, and fails unless
// both give the same diagnostics, objects (declarations included),
// policy, moves and files.
func loadBothWays(t *testing.T, what string, srcs []Source) *Result {
	t.Helper()
	streamed := LoadSources(srcs)
	streamPeople = false
	whole := LoadSources(srcs)
	streamPeople = true
	if got, want := allDiags(streamed), allDiags(whole); got != want {
		t.Fatalf("%s: streamed diagnostics\n%s\nwant\n%s", what, got, want)
	}
	if len(streamed.Files) != len(whole.Files) || streamed.Config.Digest != whole.Config.Digest {
		t.Fatalf("%s: %d files, digest %s; want %d, %s", what, len(streamed.Files), streamed.Config.Digest, len(whole.Files), whole.Config.Digest)
	}
	if len(streamed.Config.Objects) != len(whole.Config.Objects) {
		t.Fatalf("%s: %d objects streamed, %d parsed whole", what, len(streamed.Config.Objects), len(whole.Config.Objects))
	}
	for i, o := range streamed.Config.Objects {
		if !reflect.DeepEqual(o, whole.Config.Objects[i]) {
			t.Fatalf("%s: object %d differs: %+v\nwant %+v", what, i, o, whole.Config.Objects[i])
		}
	}
	if !reflect.DeepEqual(streamed.Config.Policy, whole.Config.Policy) || !reflect.DeepEqual(streamed.Config.Moves, whole.Config.Moves) {
		t.Fatalf("%s: policy or moves differ", what)
	}
	return streamed
}

func allDiags(r *Result) string {
	var b strings.Builder
	for _, d := range r.Diags {
		fmt.Fprintf(&b, "%d %s: %s: %s", d.Severity, d.Subject, d.Summary, d.Detail)
		b.WriteString("\n")
	}
	return b.String()
}

// TestStreamSameResult: streaming member and guest blocks changes
// nothing a load gives, for the examples, a large configuration and
// people blocks that cannot be parsed on their own or are wrong in other
// ways (they make the load start again without streaming).
func TestStreamSameResult(t *testing.T) {
	dirs, err := filepath.Glob("../../examples/*")
	if err != nil {
		t.Fatal(err)
	}
	loaded := 0
	for _, dir := range dirs {
		srcs, _, ok := ReadDir(dir)
		if !ok || len(srcs) == 0 {
			continue
		}
		loaded++
		loadBothWays(t, dir, srcs)
	}
	if loaded < 3 {
		t.Fatalf("only %d examples loaded", loaded)
	}
	big := benchConfig(3000)
	if res := loadBothWays(t, "bench", []Source{{Name: "main.hcl", Data: big}}); len(res.Diags) > 0 || len(res.Config.Objects) < 3000 {
		t.Fatalf("bench: %d diagnostics, %d objects", len(res.Diags), len(res.Config.Objects))
	}

	head := "team \"acme\" {\n  platform = \"plausible\"\n}\n\nsite \"a.example\" {\n  team = \"acme\"\n}\n\nmember \"x@acme.com\" {\n  team = \"acme\"\n  role = \"admin\"\n}\n\n"
	good := "guest \"g@agency.com\" {\n  team    = \"acme\"\n  expires = \"2027-01-01\"\n  grant \"a.example\" { role = \"viewer\" }\n}\n\n"
	for _, tc := range []struct{ name, person string }{
		{"parse error", "guest \"bad@agency.com\" {\n  team = \n  grant \"a.example\" { role = \"viewer\" }\n}\n"},
		{"attribute redefined", "guest \"r@agency.com\" {\n  team    = \"acme\"\n  team    = \"acme\"\n  expires = \"2027-01-01\"\n  grant \"a.example\" { role = \"viewer\" }\n}\n"},
		{"too deep", "guest \"d@agency.com\" {\n  team    = \"acme\"\n  reason  = " + strings.Repeat("(", MaxDepth+2) + "\"x\"" + strings.Repeat(")", MaxDepth+2) + "\n  expires = \"2027-01-01\"\n  grant \"a.example\" { role = \"viewer\" }\n}\n"},
		{"no label", "guest {\n  team = \"acme\"\n}\n"},
		{"two labels", "member \"a@acme.com\" \"b\" {\n  team = \"acme\"\n  role = \"admin\"\n}\n"},
		{"unknown attribute", "member \"u@acme.com\" {\n  team = \"acme\"\n  role = \"admin\"\n  colour = \"red\"\n}\n"},
		{"top-level attribute after", "guest \"t@agency.com\" {\n  team    = \"acme\"\n  expires = \"2027-01-01\"\n  grant \"a.example\" { role = \"viewer\" }\n}\nx = 1\n"},
		{"comments before", "# a comment\n// another\n/* and\n   a third */\nguest \"c@agency.com\" {\n  team    = \"acme\"\n  expires = \"2027-01-01\"\n  grant \"nowhere.example\" { role = \"viewer\" }\n}\n"},
		{"duplicate", good},
		{"unknown team", "member \"m@acme.com\" {\n  team = \"nobody\"\n  role = \"admin\"\n}\n"},
		{"a block type near guest", "guests \"g2@agency.com\" {\n  team = \"acme\"\n}\n"},
	} {
		src := head + good + tc.person + "\n" + good
		srcs := []Source{{Name: "a.hcl", Data: []byte(src)}, {Name: "b.hcl", Data: []byte(strings.ReplaceAll(head, "acme", "beta") + strings.ReplaceAll(good, "acme", "beta"))}}
		if res := loadBothWays(t, tc.name, srcs); len(res.Diags) == 0 {
			t.Errorf("%s: no diagnostic", tc.name)
		}
	}
}

// TestBlockType: the first word after space and comments.
func TestBlockType(t *testing.T) {
	for src, want := range map[string]string{
		"guest \"a\" {}":                "guest",
		"\n\n  member \"a\" {}":         "member",
		"# c\n// d\n/* e\n */ guest {}": "guest",
		"/* unterminated":               "",
		"":                              "",
		"x = 1":                         "x",
		"team_2-x {":                    "team_2-x",
	} {
		if got := blockType([]byte(src)); got != want {
			t.Errorf("blockType(%q) = %q, want %q", src, got, want)
		}
	}
}
