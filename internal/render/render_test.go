package render

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	json "github.com/go-json-experiment/json"
	"github.com/google/go-cmp/cmp"
	"github.com/roster-dev/roster/internal/goldenfile"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/streamtest"
)

const testVersion = "0.1.0"

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("testdata", name), got)
}

type renderer struct {
	ext   string
	write func(w io.Writer, p *plan.Plan) error
}

var renderers = map[string]renderer{
	"json":  {"json", func(w io.Writer, p *plan.Plan) error { return WriteJSON(w, p, testVersion) }},
	"text":  {"txt", func(w io.Writer, p *plan.Plan) error { return WriteText(w, p, TextOptions{}) }},
	"color": {"color.txt", func(w io.Writer, p *plan.Plan) error { return WriteText(w, p, TextOptions{Color: true}) }},
	"md":    {"md", func(w io.Writer, p *plan.Plan) error { return WriteMarkdown(w, p, MarkdownOptions{}) }},
}

var plans = map[string]func() *plan.Plan{
	"empty": emptyPlan,
	"full":  fullPlan,
	"drift": driftOnlyPlan,
	"move":  movePlan,
}

func render(t testing.TB, r renderer, p *plan.Plan) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := r.write(&buf, p); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	for pname, mk := range plans {
		for rname, r := range renderers {
			t.Run(pname+"/"+rname, func(t *testing.T) {
				golden(t, pname+"."+r.ext, render(t, r, mk()))
			})
		}
	}
}

// Renderers sort what they print, so the order the planner hands over does
// not matter, and the same plan gives the same bytes every time.
func TestDeterministic(t *testing.T) {
	for rname, r := range renderers {
		t.Run(rname, func(t *testing.T) {
			want := render(t, r, fullPlan())
			for seed := range uint64(5) {
				p := fullPlan()
				rng := rand.New(rand.NewPCG(seed, 1))
				rng.Shuffle(len(p.Changes), func(i, j int) { p.Changes[i], p.Changes[j] = p.Changes[j], p.Changes[i] })
				rng.Shuffle(len(p.Drift), func(i, j int) { p.Drift[i], p.Drift[j] = p.Drift[j], p.Drift[i] })
				rng.Shuffle(len(p.FollowUps), func(i, j int) { p.FollowUps[i], p.FollowUps[j] = p.FollowUps[j], p.FollowUps[i] })
				rng.Shuffle(len(p.Manual), func(i, j int) { p.Manual[i], p.Manual[j] = p.Manual[j], p.Manual[i] })
				rng.Shuffle(len(p.Cost), func(i, j int) { p.Cost[i], p.Cost[j] = p.Cost[j], p.Cost[i] })
				for i := range p.Changes {
					slices.Reverse(p.Changes[i].Risks)
				}
				if got := render(t, r, p); !bytes.Equal(got, want) {
					t.Fatalf("seed %d: output depends on input order:\n%s", seed, cmp.Diff(string(want), string(got)))
				}
			}
		})
	}
}

// The renderers must not change the plan they are given.
func TestDoesNotModifyPlan(t *testing.T) {
	for rname, r := range renderers {
		p := fullPlan()
		slices.Reverse(p.Changes)
		slices.Reverse(p.Changes[0].Risks)
		serial := p.Serial
		changes := slices.Clone(p.Changes)
		risks := slices.Clone(p.Changes[0].Risks)
		render(t, r, p)
		if !slices.EqualFunc(changes, p.Changes, func(a, b plan.Change) bool { return a.Addr == b.Addr && a.Action == b.Action }) ||
			!slices.Equal(risks, p.Changes[0].Risks) || serial != p.Serial {
			t.Errorf("%s: the renderer reordered the plan it was given", rname)
		}
	}
}

// WriteJSON escapes what JSON must and U+2028 and U+2029 (the document may
// be pasted into JavaScript), nothing else: HTML stays as it is, invalid
// UTF-8 becomes U+FFFD, and every string reads back as it was.
func TestWriteJSONEscapes(t *testing.T) {
	p := fullPlan()
	const why = "ctl \x01\x1f \b\f\n\r\t quote \" back \\ html <a href='x'>&</a> ls \u2028 ps \u2029 end é 🙂"
	p.Changes[0].Why = why + " bad \xff\xfe"
	p.FollowUps[0].Text = "tab\tand \x7f del"
	got := render(t, renderers["json"], p)
	for _, want := range []string{`\u0001\u001f \b\f\n\r\t quote \" back \\ html <a href='x'>&</a> ls \u2028 ps \u2029 end é 🙂 bad ` + "\ufffd\ufffd\"", "tab\\tand \x7f del"} {
		if !bytes.Contains(got, []byte(want)) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	type change struct {
		Why string `json:"why"`
	}
	var doc struct {
		Changes []change `json:"changes"`
	}
	if err := json.Unmarshal(got, &doc); err != nil {
		t.Fatal(err)
	}
	w := why + " bad \ufffd\ufffd"
	if !slices.ContainsFunc(doc.Changes, func(c change) bool { return c.Why == w }) {
		t.Errorf("no change's why reads back as %q", w)
	}
}

func TestJSONShape(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(render(t, renderers["json"], fullPlan()), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"drift", "changes", "follow_ups", "manual", "cost"} {
		if _, ok := doc[k].([]any); !ok {
			t.Errorf("%s is %T, want an array", k, doc[k])
		}
	}
	if doc["created_at"] != "2026-11-24T10:00:00Z" || doc["now"] != "2026-11-24T11:30:00Z" {
		t.Errorf("times: created_at %v, now %v; want UTC seconds with Z", doc["created_at"], doc["now"])
	}
	if diff := cmp.Diff(map[string]any{"add": 6.0, "change": 5.0, "remove": 5.0}, doc["summary"]); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	// Every attribute of the kind is present in before and after; a missing
	// object is null.
	objects := 0
	for _, c := range doc["changes"].([]any) {
		c := c.(map[string]any)
		kind, _ := model.ParseKind(c["kind"].(string))
		for _, side := range []string{"before", "after"} {
			v := c[side]
			missing := (side == "before" && c["action"] == "create") || (side == "after" && c["action"] == "delete")
			if missing {
				if v != nil {
					t.Errorf("%s %s: %s is %v, want null", c["address"], c["action"], side, v)
				}
				continue
			}
			attrs, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("%s: %s is %T", c["address"], side, v)
			}
			var keys []string
			for k := range attrs {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			want := slices.Sorted(slices.Values(model.AttrNames[kind]))
			if !slices.Equal(keys, want) {
				t.Errorf("%s %s keys %v, want %v", c["address"], side, keys, want)
			}
			objects++
		}
		if _, ok := c["risks"].([]any); !ok {
			t.Errorf("%s: risks is %T, want an array", c["address"], c["risks"])
		}
	}
	if objects != 21 {
		t.Errorf("checked %d objects, want 21", objects)
	}
}

func TestAttrsMarshal(t *testing.T) {
	tests := []struct {
		attrs Attrs
		want  string
	}{
		{nil, `null`},
		{AttrsOf(nil), `null`},
		{AttrsOf(group("acme", "g")), `{"members":[],"expires":null,"reason":null,"ticket":null,"remote_id":null}`},
		{AttrsOf(group("acme", "g", "a@b.c")), `{"members":["a@b.c"],"expires":null,"reason":null,"ticket":null,"remote_id":null}`},
		{AttrsOf(team("t", func(o *model.Object) { o.Require2FA = ptr(false) })), `{"platform":null,"display_name":null,"require_2fa":false,"sso":null}`},
		{Attrs{{Name: "x", Value: 3}}, `{"x":3}`},
	}
	for _, tt := range tests {
		got, err := json.Marshal(tt.attrs)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tt.want {
			t.Errorf("got %s, want %s", got, tt.want)
		}
	}
}

func TestTextLines(t *testing.T) {
	tests := []struct {
		name string
		plan func() *plan.Plan
		want []string // lines that must appear, in this order
		not  []string
	}{
		{"empty", emptyPlan, []string{"No changes."}, []string{"Plan:", "Changes outside roster:", "manual"}},
		{"full", fullPlan, []string{
			"Changes outside roster:",
			`  + grant/acme/mysite.com/mallory@x.io: not in state, live role "admin"`,
			`  ~ member/acme/bob@acme.com: role "viewer" → "admin"`,
			"  - member/acme/zoe@acme.com: in state, gone from the platform",
			"",
			"  # grant/acme/mysite.com/dave@agency.com will be updated (invitation updated)  [escalation, external, production]",
			"  ~ grant/acme/mysite.com/dave@agency.com",
			`      ~ role = "viewer" → "editor"`,
			"",
			"  # grant/acme/mysite.com/jane@agency.com will be created  [external, production]",
			"  + grant/acme/mysite.com/jane@agency.com",
			`      + role        = "viewer"`,
			`      + holder_kind = "guest"`,
			`      + reason      = "Q3 campaign | ` + "`report`" + `\nsecond line"`,
			`      ~ members = ["ann@acme.com"] → ["ann@acme.com", "ben@acme.com"]`,
			"  # member/acme/carol@agency.com will be removed (expired 2026-06-01)  [external, removal, expired]",
			`      - expires = "2026-06-01T23:59:59Z"`,
			`      ~ require_2fa = false → true`,
			`      ~ sso         = null → "okta"`,
			"Follow-up tasks:",
			"  - site/acme/mysite.com: Review the shared links of mysite.com: carol@agency.com could create them. (review_shared_links)",
			"  - site/acme/mysite.com: Rotate the Stats API key of mysite.com: carol@agency.com and 1 other could read it. (rotate_api_key)",
			"",
			"2 manual steps await confirmation; see roster runbook",
			"",
			"Plan: 6 to add, 5 to change, 5 to remove.",
		}, []string{"No changes.", "\x1b["}},
		{"drift only", driftOnlyPlan, []string{
			"Changes outside roster:",
			`  + group/acme/analysts: not in state, live members ["ann@acme.com"]`,
			`  ~ member/ga/carol@acme.com: role "analyst" → "admin"; via account: the account binding covers every property`,
			`  ~ site/acme/mysite.com: remote_id "1" → "2"`,
			"",
			"1 manual steps await confirmation; see roster runbook",
			"",
			"No changes.",
		}, []string{"Plan:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := string(render(t, renderers["text"], tt.plan()))
			if !strings.HasSuffix(out, "\n") {
				t.Error("output does not end in a newline")
			}
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			at := 0
			for _, w := range tt.want {
				i := slices.Index(lines[at:], w)
				if i < 0 {
					t.Fatalf("line %q missing (or out of order) after line %d in:\n%s", w, at, out)
				}
				at += i + 1
			}
			if last := lines[len(lines)-1]; last != tt.want[len(tt.want)-1] {
				t.Errorf("last line %q, want %q", last, tt.want[len(tt.want)-1])
			}
			for _, n := range tt.not {
				if strings.Contains(out, n) {
					t.Errorf("output contains %q:\n%s", n, out)
				}
			}
		})
	}
}

// Strings in a plan cannot inject terminal escapes.
func TestTextEscapesControlCharacters(t *testing.T) {
	p := fullPlan()
	p.Changes[0].Why = "evil \x1b[2J\r\u202e"
	p.FollowUps[0].Text = "bell \a"
	out := string(render(t, renderers["text"], p))
	if strings.ContainsAny(out, "\x1b\r\a\u202e") {
		t.Fatalf("control characters reach the terminal:\n%q", out)
	}
	for _, want := range []string{`(evil \x1b[2J\x0d\u202e)`, `bell \x07 (`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

func TestColor(t *testing.T) {
	plain := render(t, renderers["text"], fullPlan())
	color := render(t, renderers["color"], fullPlan())
	if bytes.Contains(plain, []byte("\x1b")) {
		t.Error("plain output has escape codes")
	}
	if got := ansi.ReplaceAll(color, nil); !bytes.Equal(got, plain) {
		t.Errorf("colour output without its codes differs from plain output:\n%s", cmp.Diff(string(plain), string(got)))
	}
	for _, want := range []string{
		ansiGreen + "+" + ansiReset + " " + ansiBold + "team/acme" + ansiReset,
		ansiYellow + "~" + ansiReset,
		ansiRed + "-" + ansiReset,
		ansiRed + "escalation" + ansiReset,
		ansiYellow + "external" + ansiReset,
	} {
		if !bytes.Contains(color, []byte(want)) {
			t.Errorf("colour output lacks %q", want)
		}
	}
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("disk full")
	}
	f.n--
	return len(p), nil
}

func TestWriteErrors(t *testing.T) {
	big := grantsPlan(3000)
	for rname, r := range renderers {
		for _, n := range []int{0, 1} {
			if n == 1 && rname == "md" {
				continue // markdown is written in one piece
			}
			if err := r.write(&failWriter{n: n}, big); err == nil || !strings.Contains(err.Error(), "disk full") {
				t.Errorf("%s with a writer failing after %d writes: err %v, want disk full", rname, n, err)
			}
		}
	}
}

// mdTableRows checks that every table row has as many cells as its header
// and returns the rows of the table under heading.
func mdTableRows(t *testing.T, md, heading string) []string {
	t.Helper()
	_, rest, ok := strings.Cut(md, heading+"\n\n")
	if !ok {
		t.Fatalf("no %q in:\n%s", heading, md)
	}
	var rows []string
	for _, line := range strings.Split(rest, "\n") {
		if !strings.HasPrefix(line, "|") {
			break
		}
		rows = append(rows, line)
	}
	return rows
}

var unescapedPipe = regexp.MustCompile(`(^|[^\\])\|`)

func cells(row string) int { return len(unescapedPipe.FindAllStringIndex(row, -1)) - 1 }

func TestMarkdownTables(t *testing.T) {
	md := string(render(t, renderers["md"], fullPlan()))
	for _, heading := range []string{"#### Risky changes", "Plan: 6 to add, 5 to change, 5 to remove."} {
		rows := mdTableRows(t, md, heading)
		if len(rows) < 3 {
			t.Fatalf("%s: table has %d rows", heading, len(rows))
		}
		for _, r := range rows {
			if cells(r) != cells(rows[0]) {
				t.Errorf("%s: row %q has %d cells, header %d", heading, r, cells(r), cells(rows[0]))
			}
		}
	}
	risky := mdTableRows(t, md, "#### Risky changes")
	if got := len(risky) - 2; got != 7 {
		t.Errorf("risky table has %d rows, want 7 (one per change with a risk)", got)
	}
	wantRows := []string{
		"| action | changes | escalation | external | production | owner | removal | expired | drift |",
		"| update | 5 | 2 | 1 | 2 | 1 | 0 | 0 | 0 |",
		"| **total** | 16 | 2 | 4 | 6 | 1 | 2 | 1 | 1 |",
		"| `member/acme/bob@acme.com` | update | escalation, production, owner | `viewer` → `owner` |  |",
		"| `grant/acme/mysite.com/mallory@x.io` | delete | external, production, removal, drift | `admin` → — | added outside roster |",
	}
	for _, w := range wantRows {
		if !strings.Contains(md, w+"\n") {
			t.Errorf("missing row %q in:\n%s", w, md)
		}
	}
}

func TestMarkdownEscaping(t *testing.T) {
	p := fullPlan()
	p.Changes[8].Why = "a | b `c` ``d``\n# not a heading <script> *x* [l](u) $m$ \x1b"
	md := string(render(t, renderers["md"], p))
	row := ""
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| `member/acme/carol@agency.com`") {
			row = line
		}
	}
	if row == "" {
		t.Fatalf("no row for carol in:\n%s", md)
	}
	want := `| ` + "`member/acme/carol@agency.com`" + ` | delete | external, removal, expired | ` + "`editor`" + ` → — | a \| b \` + "`c\\` \\`\\`d\\`\\`" + ` \# not a heading \<script\> \*x\* \[l\](u) \$m\$ \x1b |`
	if row != want {
		t.Errorf("row\n%s\nwant\n%s", row, want)
	}
	if cells(row) != 5 {
		t.Errorf("row has %d cells, want 5", cells(row))
	}
}

var cutRE = regexp.MustCompile(`… and (\d+) more (changes|risky changes|follow-up tasks|changes outside roster|warnings and notes|manual steps) not shown \(see roster plan output\)\.`)

// cutCounts returns the counts of every cut line by what was cut.
func cutCounts(md string) map[string]int {
	out := map[string]int{}
	for _, m := range cutRE.FindAllStringSubmatch(md, -1) {
		n, _ := strconv.Atoi(m[1])
		out[m[2]] = n
	}
	return out
}

// changesShown counts the changes printed in the details block.
func changesShown(md string) int {
	_, details, _ := strings.Cut(md, "<details>")
	return strings.Count(details, "\n# ")
}

func TestMarkdownTruncation(t *testing.T) {
	tests := []struct {
		name      string
		plan      *plan.Plan
		limit     int
		cutRisky  bool
		cutDetail bool
	}{
		{"fits", grantsPlan(20, plan.RiskExternal), 0, false, false},
		{"5000 creates, no risk", grantsPlan(5000), 0, false, true},
		{"5000 risky creates", grantsPlan(5000, plan.RiskExternal), 0, true, true},
		{"small limit", fullPlan(), 3000, false, true},
		{"tiny limit", fullPlan(), 1500, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteMarkdown(&buf, tt.plan, MarkdownOptions{Limit: tt.limit}); err != nil {
				t.Fatal(err)
			}
			md := buf.String()
			limit := cmpOr(tt.limit, DefaultMarkdownLimit)
			if len(md) >= limit {
				t.Fatalf("markdown is %d bytes, limit %d", len(md), limit)
			}
			n := len(tt.plan.Changes)
			cuts := cutCounts(md)
			shown := changesShown(md)
			if tt.cutDetail {
				if cuts["changes"] == 0 {
					t.Fatalf("no cut line for changes in:\n%s", md)
				}
				if shown+cuts["changes"] != n {
					t.Errorf("%d changes shown + %d cut = %d, want %d", shown, cuts["changes"], shown+cuts["changes"], n)
				}
				if limit == DefaultMarkdownLimit && shown < 50 {
					t.Errorf("only %d changes shown", shown)
				}
			} else if cuts["changes"] != 0 || shown != n {
				t.Errorf("details show %d of %d changes, cut line says %d", shown, n, cuts["changes"])
			}
			risky := 0
			for _, c := range tt.plan.Changes {
				if len(c.Risks) > 0 {
					risky++
				}
			}
			rows := 0
			if strings.Contains(md, "| address | action |") {
				rows = len(mdTableRows(t, md, "#### Risky changes")) - 2
			}
			if tt.cutRisky {
				if cuts["risky changes"] == 0 || rows+cuts["risky changes"] != risky {
					t.Errorf("risky: %d rows + %d cut, want %d in all", rows, cuts["risky changes"], risky)
				}
			} else if rows != risky || cuts["risky changes"] != 0 {
				t.Errorf("risky: %d rows of %d, cut line says %d", rows, risky, cuts["risky changes"])
			}
			if !strings.HasPrefix(md, "### roster plan\n\nPlan: ") || !strings.HasSuffix(md, "\n") {
				t.Errorf("heading or ending wrong:\n%s", md)
			}
			if n > 0 && !strings.HasSuffix(md, "</details>\n") {
				t.Errorf("details block not closed:\n…%s", md[max(0, len(md)-200):])
			}
			if c := strings.Count(md, "```"); c%2 != 0 {
				t.Errorf("%d code fences: one is not closed", c)
			}
		})
	}
}

func cmpOr(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

func TestMarkdownHugeDriftAndFollowUps(t *testing.T) {
	p := grantsPlan(2000, plan.RiskRemoval)
	for i := range 3000 {
		a := model.MemberAddress("acme", "drift"+strconv.Itoa(i)+"@acme.com")
		p.Drift = append(p.Drift, plan.Drift{Addr: a, Before: &model.Object{Addr: a, Role: "viewer"}})
		p.FollowUps = append(p.FollowUps, plan.FollowUp{Site: model.SiteAddress("acme", "s"+strconv.Itoa(i)), Task: plan.TaskRotateAPIKey, Text: "Rotate it."})
	}
	for i := range 5 {
		p.Manual = append(p.Manual, plan.Manual{Addr: model.MemberAddress("acme", "m"+strconv.Itoa(i)+"@acme.com"), Change: "create"})
	}
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, p, MarkdownOptions{}); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	if len(md) >= DefaultMarkdownLimit {
		t.Fatalf("markdown is %d bytes", len(md))
	}
	cuts := cutCounts(md)
	for _, what := range []string{"changes", "risky changes", "follow-up tasks", "changes outside roster"} {
		if cuts[what] == 0 {
			t.Errorf("no cut line for %s", what)
		}
	}
	if !strings.Contains(md, "\n5 manual steps await confirmation; see roster runbook\n") {
		t.Error("manual steps line missing")
	}
}

// The tests of this file must be able to fail: a broken golden comparison
// would pass everything.
func TestGoldenDetectsDifference(t *testing.T) {
	if *goldenfile.Update {
		t.Skip("updating")
	}
	want, err := os.ReadFile(filepath.Join("testdata", "full.txt"))
	if err != nil {
		t.Fatal(err)
	}
	p := fullPlan()
	p.Changes[0].Why = "something else"
	if bytes.Equal(render(t, renderers["text"], p), want) {
		t.Fatal("a different plan renders the same as the golden file")
	}
}

// WriteJSON streams: a large plan reaches the writer in many pieces, none
// of them anywhere near the whole document.
func TestWriteJSONStreams(t *testing.T) {
	var w streamtest.Writer
	if err := WriteJSON(&w, grantsPlan(20_000, plan.RiskExternal), testVersion); err != nil {
		t.Fatal(err)
	}
	if !w.Streamed() {
		t.Errorf("%v: the document was not streamed", &w)
	}
}

// TestMarkdownWarningsLeaveRoomForChanges: a plan with more warnings than
// fit (1,500 guests without an expiry each give one) still shows its
// changes; the warnings are cut like any other list (cli.md: every change
// in the details section, only the long tail cut).
func TestMarkdownWarningsLeaveRoomForChanges(t *testing.T) {
	for _, c := range []struct {
		changes  int
		risky    bool
		minShown int // changes in the details section, at least
	}{
		{1500, false, 100},
		{1500, true, 50},
		{10, false, 10},
	} {
		var p *plan.Plan
		if c.risky {
			p = grantsPlan(c.changes, plan.RiskExternal)
		} else {
			p = grantsPlan(c.changes)
		}
		for i := range 1500 {
			p.Diagnostics = append(p.Diagnostics, plan.Diagnostic{Severity: plan.SeverityWarning,
				Summary: "External person without expiry",
				Detail:  "guest" + strconv.Itoa(100000+i) + "@agency.com is outside the internal domains and has no expiry; the seed routine asks for an end date on every external access.",
				Range:   &plan.Range{Filename: "people.hcl", Start: plan.Pos{Line: i + 1}, End: plan.Pos{Line: i + 1}}})
		}
		var buf bytes.Buffer
		if err := WriteMarkdown(&buf, p, MarkdownOptions{}); err != nil {
			t.Fatal(err)
		}
		md := buf.String()
		if len(md) >= DefaultMarkdownLimit {
			t.Fatalf("%d changes, risky %v: markdown is %d bytes", c.changes, c.risky, len(md))
		}
		cuts := cutCounts(md)
		shown := changesShown(md)
		if shown < c.minShown || shown+cuts["changes"] != len(p.Changes) {
			t.Errorf("%d changes, risky %v: %d changes shown, %d cut", c.changes, c.risky, shown, cuts["changes"])
		}
		warnings := strings.Count(md, "\n- **warning**")
		if warnings < 50 || warnings+cuts["warnings and notes"] != len(p.Diagnostics) {
			t.Errorf("%d changes, risky %v: %d warnings shown, %d cut, of %d", c.changes, c.risky, warnings, cuts["warnings and notes"], len(p.Diagnostics))
		}
		if c.risky {
			rows := len(mdTableRows(t, md, "#### Risky changes")) - 2
			if rows < 50 || rows+cuts["risky changes"] != len(p.Changes) {
				t.Errorf("%d risky rows shown, %d cut, of %d", rows, cuts["risky changes"], len(p.Changes))
			}
		}
	}
}

// TestRiskNamesAreRiskOrder: the renderers' fixed-size copy of the risk
// order is plan.RiskOrder, so the tags print in cli.md's order however
// either is edited.
func TestRiskNamesAreRiskOrder(t *testing.T) {
	if !slices.Equal(riskNames[:], plan.RiskOrder) {
		t.Errorf("render's riskNames %v differ from plan.RiskOrder %v", riskNames, plan.RiskOrder)
	}
}
