package importer

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/goldenfile"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/policy"
)

var testNow = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// testHeader is the header the golden files are written with.
var testHeader = []string{"Imported for a test."}

// loadDir loads a test configuration.
func loadDir(t *testing.T, dir string) *config.Result {
	t.Helper()
	res := config.Load(dir)
	if res.Diags.HasErrors() {
		t.Fatalf("%s: %v", dir, res.Diags)
	}
	return res
}

// firstTeam is the only team of a test configuration.
func firstTeam(t *testing.T, cfg *model.Config) (string, *model.Platform) {
	t.Helper()
	for _, o := range cfg.Objects {
		if o.Addr.Kind == model.KindTeam {
			return o.Addr.Team, cfg.Platforms[o.Platform]
		}
	}
	t.Fatal("no team")
	return "", nil
}

// withFile loads the configuration with src added as imported.hcl.
func withFile(cfg *config.Result, src []byte) *config.Result {
	var srcs []config.Source
	for n, f := range cfg.Files {
		srcs = append(srcs, config.Source{Name: n, Data: f.Bytes})
	}
	return config.LoadSources(append(srcs, config.Source{Name: "imported.hcl", Data: src}))
}

// TestSheetGolden imports each sheet of testdata/sheets into its
// configuration: a sheet that fits gives want.golden, which loads with the
// configuration, is formatted as roster fmt formats, and declares exactly
// what Addresses lists; a sheet that does not fit gives want.errors.
func TestSheetGolden(t *testing.T) {
	dirs, err := filepath.Glob("testdata/sheets/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no test sheets: %v", err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			cfg := loadDir(t, dir)
			team, plat := firstTeam(t, cfg.Config)
			data, err := os.ReadFile(filepath.Join(dir, "sheet.csv"))
			if err != nil {
				t.Fatal(err)
			}
			res, notes, errs := FromCSV(data, SheetInput{Team: team, Platform: plat, Declared: cfg.Config.Objects, Now: testNow})
			var report bytes.Buffer
			for _, n := range notes {
				fmt.Fprintf(&report, "note: %s\n", n)
			}
			if len(errs) > 0 {
				if res != nil {
					t.Error("a sheet with errors gave a result")
				}
				for _, e := range errs {
					fmt.Fprintf(&report, "%s\n", e)
				}
				goldenfile.Check(t, filepath.Join(dir, "want.errors"), report.Bytes())
				if _, err := os.Stat(filepath.Join(dir, "want.golden")); err == nil {
					t.Error("want.golden exists beside want.errors")
				}
				return
			}
			for _, d := range res.Drift {
				fmt.Fprintf(&report, "drift: %s\n", d)
			}
			src := res.HCL(testHeader, nil)
			goldenfile.Check(t, filepath.Join(dir, "want.golden"), src)
			goldenfile.Check(t, filepath.Join(dir, "want.report"), report.Bytes())
			checkLoads(t, cfg, res, src)
		})
	}
}

// checkLoads checks that src is formatted, loads with the configuration,
// and declares every address res lists.
func checkLoads(t *testing.T, cfg *config.Result, res *Result, src []byte) {
	t.Helper()
	formatted, diags := config.Format(src, "imported.hcl")
	if diags.HasErrors() {
		t.Fatalf("the file does not parse: %v", diags)
	}
	if !bytes.Equal(formatted, src) {
		t.Errorf("the file is not formatted:\n%s\nformatted:\n%s", src, formatted)
	}
	comb := withFile(cfg, src)
	if comb.Diags.HasErrors() {
		t.Fatalf("the file does not load with the configuration: %v\n%s", comb.Diags, src)
	}
	have := map[string]bool{}
	for _, o := range comb.Config.Objects {
		have[o.Addr.String()] = true
	}
	for _, a := range res.Addresses() {
		if !have[a.String()] {
			t.Errorf("%s is listed but not declared", a)
		}
	}
	if n := len(comb.Config.Objects) - len(cfg.Config.Objects); n != len(res.Addresses()) {
		t.Errorf("the file declares %d objects, Addresses lists %d", n, len(res.Addresses()))
	}
}

// TestSheetHabits checks what the habits sheet must give, beyond its
// golden file: values trimmed and unquoted, emails lower-cased, roles
// matched without regard to case, the ';' delimiter, and the ignored
// column noted.
func TestSheetHabits(t *testing.T) {
	cfg := loadDir(t, "testdata/sheets/habits")
	team, plat := firstTeam(t, cfg.Config)
	data, err := os.ReadFile("testdata/sheets/habits/sheet.csv")
	if err != nil {
		t.Fatal(err)
	}
	res, notes, errs := FromCSV(data, SheetInput{Team: team, Platform: plat, Declared: cfg.Config.Objects, Now: testNow})
	if len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], `"Department"`) {
		t.Errorf("notes = %q, want one about Department", notes)
	}
	want := map[string]Person{
		"jane@agency.com": {Email: "jane@agency.com", Kind: model.HolderGuest, Expires: "2026-12-31", Reason: "Guest, audit for Q3", Ticket: "IAM-9"},
		"ada@acme.com":    {Email: "ada@acme.com", Kind: model.HolderMember, Role: "owner", Reason: `Owner; since "launch"`, Ticket: "IAM-1"},
		"bob@acme.com":    {Email: "bob@acme.com", Kind: model.HolderMember, Role: "admin", Reason: "Two lines"},
	}
	if len(res.People) != len(want) {
		t.Fatalf("people: %+v", res.People)
	}
	for _, p := range res.People {
		w := want[p.Email]
		if p.Kind != w.Kind || p.Role != w.Role || p.Expires != w.Expires || p.Reason != w.Reason || p.Ticket != w.Ticket {
			t.Errorf("%s: got %+v, want %+v", p.Email, p, w)
		}
	}
}

func TestSheetErrorsAtOnce(t *testing.T) {
	cfg := loadDir(t, "testdata/sheets/bad")
	team, plat := firstTeam(t, cfg.Config)
	data, _ := os.ReadFile("testdata/sheets/bad/sheet.csv")
	res, _, errs := FromCSV(data, SheetInput{Team: team, Platform: plat, Declared: cfg.Config.Objects, Now: testNow})
	if res != nil {
		t.Fatal("a result despite bad rows")
	}
	lines := map[int]bool{}
	for _, e := range errs {
		lines[e.Line] = true
	}
	for _, l := range []int{3, 4, 5, 6, 8, 9} {
		if !lines[l] {
			t.Errorf("line %d is not reported: %v", l, errs)
		}
	}
	for _, l := range []int{2, 7} {
		if lines[l] {
			t.Errorf("line %d, which fits, is reported", l)
		}
	}
}

func TestSheetRows(t *testing.T) {
	plats := config.BuiltinPlatforms()
	declared := func(platform string, connected bool) []*model.Object {
		team := &model.Object{Addr: model.TeamAddress("t"), Platform: platform}
		if connected {
			team.Decl = &model.Decl{Connection: &model.Connection{}}
		}
		return []*model.Object{team,
			{Addr: model.SiteAddress("t", "a.example")}, {Addr: model.SiteAddress("t", "B.example")}}
	}
	tests := []struct {
		name      string
		platform  string
		connected bool
		sheet     string
		want      string // a part of the first error; "" for none
		line      int
	}{
		{"team role", "plausible", false, "email,site,role\nx@y.z,,admin\n", "", 0},
		{"site role as team role", "piwikpro", false, "email,site,role\nx@y.z,,view\n", `role "view" is a site role`, 2},
		{"team role on a site", "plausible", false, "email,site,role\nx@y.z,a.example,owner\n", `role "owner" is a team role`, 2},
		{"site in other case", "plausible", false, "email,site,role\nx@y.z,b.example,viewer\n", `did you mean "B.example"`, 2},
		{"no_access", "piwikpro", false, "email,site,role\nx@y.z,a.example,no_access\n", "cannot be granted", 2},
		{"hyphenated role", "piwikpro", false, "email,site,role\nx@y.z,a.example,Edit-Publish\n", "", 0},
		{"viewer on connected posthog", "posthog", true, "email,site,role\nx@y.z,a.example,viewer\n", "no project-level", 2},
		{"viewer on offline posthog", "posthog", false, "email,site,role\nx@y.z,a.example,viewer\n", "", 0},
		{"empty role", "plausible", false, "email,site,role\nx@y.z,a.example,\n", "the role is empty", 2},
		{"empty email", "plausible", false, "email,site,role\n,a.example,viewer\n", "the email is empty", 2},
		{"past expiry", "plausible", false, "email,site,role,expires\nx@y.z,a.example,viewer,2026-01-01\n", "already past", 2},
		{"grant outlives member", "piwikpro", false, "email,site,role,expires\nx@y.z,,user,2026-07-01\nx@y.z,a.example,view,2026-08-01\n", "cannot outlive", 3},
		{"duplicate team role", "plausible", false, "email,site,role\nx@y.z,,admin\nX@Y.Z,,viewer\n", "team role on line 2 already", 3},
		{"control character", "plausible", false, "email,site,role,reason\nx@y.z,,admin,\"a\x01b\"\n", "control character", 2},
		{"too many values", "plausible", false, "email,site,role\nx@y.z,a.example,viewer,extra\n", "must be in quotes", 2},
		{"missing column", "plausible", false, "email,role\nx@y.z,admin\n", "no site column", 1},
		{"lookalike column", "plausible", false, "email,site,role,expiry\nx@y.z,,admin,2027-01-01\n", `did you mean "expires"`, 1},
		{"duplicate column", "plausible", false, "email,site,role,Email\nx@y.z,,admin,x@y.z\n", "appears twice", 1},
		{"empty sheet", "plausible", false, "\r\n\r\n", "the sheet is empty", 1},
		{"open quote", "plausible", false, "email,site,role\n\"x@y.z,,admin\n", "not closed", 2},
		{"text after quote", "plausible", false, "email,site,role\n\"x@y.z\"x,,admin\n", "after a closing quote", 2},
		{"utf-16", "plausible", false, "\xff\xfee\x00", "UTF-16", 1},
		{"not utf-8", "plausible", false, "email,site,role\nx\xff@y.z,,admin\n", "not UTF-8", 2},
		{"tab delimited", "plausible", false, "email\tsite\trole\nx@y.z\t\tadmin\n", "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := plats[tc.platform]
			res, _, errs := FromCSV([]byte(tc.sheet), SheetInput{Team: "t", Platform: p, Connected: tc.connected, Declared: declared(tc.platform, tc.connected), Now: testNow})
			if tc.want == "" {
				if len(errs) > 0 || res == nil || len(res.People) != 1 {
					t.Fatalf("errors %v, result %+v", errs, res)
				}
				return
			}
			if len(errs) == 0 {
				t.Fatalf("no error, want %q", tc.want)
			}
			if !strings.Contains(errs[0].Msg, tc.want) || errs[0].Line != tc.line {
				t.Errorf("got %v, want line %d: …%s…", errs[0], tc.line, tc.want)
			}
		})
	}
}

func TestReadCSV(t *testing.T) {
	tests := []struct {
		in   string
		want string // records as line:field|field;...
	}{
		{"a,b\n1,2\n", "1:a|b;2:1|2"},
		{"a,b\r\n1,2\r\n", "1:a|b;2:1|2"},
		{"a,b\r1,2", "1:a|b;2:1|2"},
		{"\xef\xbb\xbfa,b\n", "1:a|b"},
		{" a , b \n", "1:a|b"},
		{`"x, y" , "q""q"` + "\n", `1:x, y|q"q`},
		{"\"multi\nline\",z\nnext,row\n", "1:multi\nline|z;3:next|row"},
		{"a;b;c\n1;\"2;3\";4\n", "1:a|b|c;2:1|2;3|4"},
		{"a,b\n\n,\n  ,  \n1,2\n", "1:a|b;5:1|2"},
		{"a,b", "1:a|b"},
		{`a"b,c` + "\n", `1:a"b|c`},
	}
	for _, tc := range tests {
		recs, err := readCSV([]byte(tc.in))
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		var parts []string
		for _, r := range recs {
			parts = append(parts, fmt.Sprintf("%d:%s", r.Line, strings.Join(r.Fields, "|")))
		}
		if got := strings.Join(parts, ";"); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzFromCSV: no sheet makes FromCSV panic, every error names a line of
// the sheet, and a sheet that fits gives a file that loads with the
// configuration.
func FuzzFromCSV(f *testing.F) {
	for _, dir := range []string{"clean", "habits", "bad", "members"} {
		data, err := os.ReadFile(filepath.Join("testdata/sheets", dir, "sheet.csv"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("email,site,role\n\"a\"\"b@c.d\",,admin\n"))
	cfg := config.Load("testdata/sheets/habits")
	if cfg.Diags.HasErrors() {
		f.Fatal(cfg.Diags)
	}
	plat := cfg.Config.Platforms["plausible"]
	f.Fuzz(func(t *testing.T, data []byte) {
		res, _, errs := FromCSV(data, SheetInput{Team: "acme", Platform: plat, Declared: cfg.Config.Objects, Now: testNow})
		lines := bytes.Count(data, []byte{'\n'}) + bytes.Count(data, []byte{'\r'}) + 1
		for _, e := range errs {
			if e.Line < 1 || e.Line > lines {
				t.Errorf("error on line %d of a sheet of %d lines: %v", e.Line, lines, e)
			}
		}
		if res == nil || res.Empty() {
			return
		}
		src := res.HCL([]string{"fuzz"}, nil)
		comb := withFile(cfg, src)
		if comb.Diags.HasErrors() {
			t.Fatalf("the file does not load: %v\n%s", comb.Diags, src)
		}
		_ = policy.Check(comb.Config, testNow)
	})
}
