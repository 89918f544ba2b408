package plan

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/roster-dev/roster/internal/model"
)

// fullPlan has every field of Plan set.
func fullPlan(t testing.TB) *Plan {
	tr := true
	budget, eta := 600, 42
	loc := time.FixedZone("CET", 3600)
	return &Plan{
		CreatedAt:        time.Date(2026, 11, 24, 11, 0, 0, 123456789, loc),
		Now:              time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC),
		Lineage:          "5f0c-lineage",
		Serial:           3,
		ConfigDigest:     "sha256:abc",
		AllowMassRemoval: true,
		Commit:           "0123456789abcdef",
		ChangeRequest:    "https://github.com/acme/access/pull/7",
		Drift: []Drift{
			{Addr: mustAddr(t, "grant/live/l.com/g@agency.com"), Before: guest("live", "l.com", "g@agency.com", "viewer"), After: guest("live", "l.com", "g@agency.com", "editor")},
			{Addr: mustAddr(t, "grant/live/l.com/h@agency.com"), After: guest("live", "l.com", "h@agency.com", "viewer")},
		},
		Changes: []Change{
			{Addr: mustAddr(t, "grant/acme/mysite.com/jane@agency.com"), Action: Create,
				After: with(guest("acme", "mysite.com", "jane@agency.com", "viewer"), func(o *model.Object) {
					o.Expires = "2026-06-01T23:59:59Z"
					o.Ticket = "IAM-1234"
					o.Reason = "Post-implementation <support> & \"more\"\n\u2028é"
					o.Status = model.StatusActive
				}),
				Risks: []Risk{RiskExternal, RiskProduction}},
			{Addr: mustAddr(t, "group/acme/g"), Action: Update, Before: group("acme", "g", "a@acme.com"), After: group("acme", "g")},
			{Addr: mustAddr(t, "member/acme/bob@acme.com"), Action: Delete, Before: member("acme", "bob@acme.com", "owner"),
				Risks: []Risk{RiskOwner, RiskRemoval, RiskExpired}, Reason: ReasonExpired, Why: "expired 2026-06-01"},
			{Addr: mustAddr(t, "site/acme/mysite.com"), Action: Update,
				Before: with(site("acme", "mysite.com", "staging"), func(o *model.Object) { o.RemoteID = "12" }),
				After:  with(site("acme", "mysite.com", "production"), func(o *model.Object) { o.RemoteID = "12" })},
			{Addr: mustAddr(t, "team/acme"), Action: Create, After: with(team("acme", "plausible"), func(o *model.Object) { o.Require2FA = &tr; o.SSO = "none"; o.DisplayName = "Acme"; o.Connected = true })},
		},
		FollowUps: []FollowUp{{Site: mustAddr(t, "site/acme/mysite.com"), Task: TaskRotateAPIKey, Text: "Rotate the Stats API key of mysite.com: bob@acme.com could read it."}},
		Manual:    []Manual{{Addr: mustAddr(t, "member/acme/x@acme.com"), Change: "update", Text: "Invite x"}, {Addr: mustAddr(t, "site/acme/mysite.com"), Task: TaskReviewSharedLinks, Text: "Review"}},
		Cost:      []Cost{{Team: "live", Requests: 7, BudgetPerHour: &budget, ETASeconds: &eta}, {Team: "other", Requests: 1, Estimate: true}},
		Diagnostics: []Diagnostic{
			{Severity: SeverityWarning, Summary: "Team acme has a single owner", Detail: "team/acme: \"x\" <is> the only owner.",
				Range: &Range{Filename: "main.hcl", Start: Pos{1, 1, 0}, End: Pos{1, 12, 11}}},
			{Severity: SeverityNote, Summary: "Note", Detail: "site s: nothing declared"},
		},
		Upcoming: []Manual{{Addr: mustAddr(t, "member/acme/x@acme.com"), Change: "create", Text: "Invite x"}},
	}
}

var planCmp = []cmp.Option{cmpopts.EquateEmpty(), cmpopts.IgnoreFields(model.Object{}, "Decl")}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	for name, p := range map[string]*Plan{
		"full":  fullPlan(t),
		"empty": {},
		"made":  run(t, replace(base(), nil, "member/acme/alice@acme.com"), base(), withPolicy("acme.com")),
	} {
		t.Run(name, func(t *testing.T) {
			data, err := Encode(p)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			want := *p
			want.CreatedAt, want.Now = p.CreatedAt.UTC(), p.Now.UTC()
			if d := cmp.Diff(&want, got, planCmp...); d != "" {
				t.Errorf("round trip differs (-want +got):\n%s", d)
			}
			if !got.CreatedAt.Equal(p.CreatedAt) || got.CreatedAt.Location() != time.UTC {
				t.Errorf("created_at %v, want %v in UTC", got.CreatedAt, p.CreatedAt)
			}
			again, _ := Encode(got)
			if !bytes.Equal(again, data) {
				t.Errorf("re-encoding differs:\n%s\n%s", data, again)
			}
			if got.Digest() != p.Digest() {
				t.Error("digest changed in the round trip")
			}
			var f struct {
				Digest string         `json:"digest"`
				Plan   jsontext.Value `json:"plan"`
			}
			if err := json.Unmarshal(data, &f); err != nil {
				t.Fatal(err)
			}
			if f.Digest != p.Digest() {
				t.Errorf("file digest %s, Digest() %s", f.Digest, p.Digest())
			}
			for _, key := range []string{`"drift":[`, `"changes":[`, `"follow_ups":[`, `"manual":[`, `"cost":[`} {
				if !bytes.Contains(f.Plan, []byte(key)) {
					t.Errorf("plan lacks %s", key)
				}
			}
		})
	}
}

func TestEncodedTimes(t *testing.T) {
	data, err := Encode(fullPlan(t))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(`"created_at":"2026-11-24T10:00:00.123456789Z"`)) {
		t.Errorf("created_at not in UTC with nanoseconds:\n%s", data)
	}
	p := fullPlan(t)
	p.Now = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := Encode(p); err == nil {
		t.Error("a plan dated in year 10000 was encoded")
	}
	if _, err := Encode(nil); err == nil {
		t.Error("Encode(nil) succeeded")
	}
}

// TestObjectsAreModelJSON checks that a saved plan holds objects and
// addresses as encoding/json wrote them (model.Object's JSON), so digests
// of plans made before the json/v2 codec still match.
func TestObjectsAreModelJSON(t *testing.T) {
	tr := false
	odd := "a\"b\\c<d>e&f\x00\x1f\b\f\n\r\t\u2028\u2029é\ufffd😀" // objects hold valid UTF-8 (model.TestInvalidUTF8)
	objs := []*model.Object{
		with(team("acme", "plausible"), func(o *model.Object) { o.Require2FA = &tr; o.DisplayName = odd }),
		with(team("acme", "posthog"), func(o *model.Object) { o.Connected = true }),
		site("acme", "s", ""),
		with(site("acme", "s", "production"), func(o *model.Object) { o.RemoteID = odd }),
		with(member("acme", "a@x.com", "viewer"), func(o *model.Object) { o.Status = model.StatusManual; o.Reason = odd; o.Ticket = "T" }),
		with(guest("acme", "s", "a@x.com", "viewer"), func(o *model.Object) { o.Expires = "2026-01-01T00:00:00Z" }),
		with(guest("acme", "s", "a@x.com", "view"), func(o *model.Object) { o.Capabilities = []string{"tagmanager_write", odd} }),
		with(site("acme", "s", ""), func(o *model.Object) {
			o.DefaultAccess = "none"
			o.RoleAccess = []model.RoleAccess{{Person: "a@x.com", Level: "admin", Role: odd}, {Person: "b@x.com", Level: "member", Role: "Analysts"}}
		}),
		groupGrant("acme", "s", "g", "view"),
		group("acme", "g"),
		group("acme", "g", "a@x.com", odd),
		with(member("acme", "J\"<&>@x.com", "viewer"), func(o *model.Object) { o.Addr = model.SiteAddress("acme", odd) }),
	}
	for _, o := range objs {
		want, err := o.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		addr, _ := json.Marshal(o.Addr.String(), encodeOpts)
		data, err := Encode(&Plan{Changes: []Change{{Addr: o.Addr, Action: Create, After: o}}})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(data, append(append([]byte(`{"address":`), addr...), `,"action":"create","before":null,"after":`...)) || !bytes.Contains(data, want) {
			t.Errorf("%s:\n got %s\nwant %s", o.Addr, data, want)
		}
	}
}

// reseal replaces the plan member of a saved file and recomputes its digest,
// as someone hand-crafting a file would.
func reseal(t testing.TB, data []byte, edit func(string) string) []byte {
	var f struct {
		Plan jsontext.Value `json:"plan"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	body := edit(string(f.Plan))
	return wrap(FileVersion, []byte(body))
}

func wrap(version int, body []byte) []byte {
	sum := sha256.Sum256(body)
	return []byte(`{"roster_plan":` + itoa(version) + `,"digest":"sha256:` + hex.EncodeToString(sum[:]) + `","plan":` + string(body) + "}")
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestDecodeRefuses(t *testing.T) {
	good, err := Encode(fullPlan(t))
	if err != nil {
		t.Fatal(err)
	}
	edit := func(old, new string) []byte {
		if !bytes.Contains(good, []byte(old)) {
			t.Fatalf("%q not in the plan", old)
		}
		return bytes.Replace(good, []byte(old), []byte(new), 1)
	}
	resealed := func(old, new string) []byte {
		return reseal(t, good, func(s string) string {
			if !strings.Contains(s, old) {
				t.Fatalf("%q not in the plan", old)
			}
			return strings.Replace(s, old, new, 1)
		})
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"hand edit", edit(`"role":"viewer"`, `"role":"owner"`), "plan file was modified after it was saved (digest mismatch); make a new plan with roster plan --out"},
		{"digest edit", edit(`"digest":"sha256:`, `"digest":"sha256:0`), "digest mismatch"},
		{"reformatted", bytes.Replace(good, []byte(`"plan":{`), []byte(`"plan": {`), 1), ""}, // whitespace outside the member is fine
		{"whitespace inside the member", edit(`"changes":[`, `"changes": [`), "digest mismatch"},
		{"truncated", good[:len(good)/2], "not a roster plan file: it is truncated"},
		{"empty", nil, "not a roster plan file"},
		{"not JSON", []byte("Plan: 1 to add"), "not a roster plan file"},
		{"a JSON array", []byte(`[1,2]`), "not a roster plan file: the file is not a JSON object"},
		{"a state file", []byte(`{"version":4,"serial":1}`), `not a roster plan file: it has no "roster_plan" version`},
		{"newer", wrap(2, []byte(`{}`)), "made by a newer roster"},
		{"version zero", wrap(0, []byte(`{}`)), "not a roster plan file"},
		{"version text", []byte(`{"roster_plan":"1","digest":"","plan":{}}`), "not a roster plan file"},
		{"no digest", []byte(`{"roster_plan":1,"plan":{}}`), `has no "digest"`},
		{"no plan", []byte(`{"roster_plan":1,"digest":"sha256:x"}`), `has no "plan"`},
		{"digest a number", []byte(`{"roster_plan":1,"digest":5,"plan":{}}`), "not a roster plan file"},
		{"digest null", []byte(`{"roster_plan":1,"digest":null,"plan":{}}`), `has no "digest"`},
		{"bad change address", resealed(`"address":"member/acme/bob@acme.com"`, `"address":"member/acme/bob"`), `change 3: invalid address "member/acme/bob"`},
		{"object address mismatch", resealed(`{"address":"member/acme/bob@acme.com","attrs"`, `{"address":"member/acme/eve@acme.com","attrs"`), "change 3 (member/acme/bob@acme.com): before is the object member/acme/eve@acme.com"},
		{"bad attribute", resealed(`"role":"owner"`, `"rank":"owner"`), `unknown object member name "rank"`},
		{"bad attribute type", resealed(`"role":"owner"`, `"role":5`), `JSON number into Go string within "/changes/2/before/attrs/role"`},
		{"bad expires", resealed(`"expires":"2026-06-01T23:59:59Z"`, `"expires":"June"`), `expires "June" is not an RFC 3339 time`},
		{"unknown action", resealed(`"action":"delete"`, `"action":"destroy"`), `unknown action "destroy"`},
		{"create with before", resealed(`"action":"delete"`, `"action":"create"`), "a create has no before"},
		{"unknown risk", resealed(`"risks":["owner"`, `"risks":["danger"`), `unknown risk "danger"`},
		{"twice the same risk", resealed(`"risks":["owner"`, `"risks":["removal"`), `risk "removal" is listed twice`},
		{"bad time", resealed(`"now":"2026-11-24T10:00:00Z"`, `"now":"yesterday"`), `now "yesterday" is not an RFC 3339 time`},
		{"no time", resealed(`"now":"2026-11-24T10:00:00Z",`, ``), `now is missing`},
		{"follow-up not at a site", resealed(`"address":"site/acme/mysite.com","task":"rotate_api_key"`, `"address":"team/acme","task":"rotate_api_key"`), "follow-up 1: team/acme is not a site address"},
		{"wrong type", resealed(`"serial":3`, `"serial":"3"`), `JSON string into Go uint64 within "/serial"`},
		{"unknown severity", resealed(`"severity":"note"`, `"severity":"error"`), `diagnostic 2: unknown severity "error"`},
		{"empty drift", resealed(`"after":{"address":"grant/live/l.com/h@agency.com"`, `"after":null,"x":{"address":"grant/live/l.com/h@agency.com"`), "neither before nor after"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Decode(tc.data)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted: %+v", p)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to contain %q", err, tc.want)
			}
		})
	}
	if _, err := Decode(edit(`"role":"viewer"`, `"role":"owner"`)); !errors.Is(err, ErrModified) {
		t.Errorf("a hand edit is not ErrModified: %v", err)
	}
}

// The saved plan writes a diagnostic as it always has (the plan's digest
// covers these bytes): every member present, a range null when there is
// none.
func TestDiagnosticsBytes(t *testing.T) {
	data, err := Encode(fullPlan(t))
	if err != nil {
		t.Fatal(err)
	}
	want := `"diagnostics":[{"severity":"warning","summary":"Team acme has a single owner",` +
		`"detail":"team/acme: \"x\" \u003cis\u003e the only owner.",` +
		`"range":{"filename":"main.hcl","start":{"line":1,"column":1,"byte":0},"end":{"line":1,"column":12,"byte":11}}},` +
		`{"severity":"note","summary":"Note","detail":"site s: nothing declared","range":null}]`
	if !bytes.Contains(data, []byte(want)) {
		t.Errorf("the diagnostics are not written as\n%s\nin\n%s", want, data)
	}
}

// TestReadFileKeepsPlanBytes: the plan member read is the file's own
// bytes, which the digest is over, not a copy of them (a 100,000-change
// plan is some 35 MB).
func TestReadFileKeepsPlanBytes(t *testing.T) {
	data, err := Encode(fullPlan(t))
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.Replace(data, []byte(`"plan":{`), []byte(`"plan": {`), 1)
	f, err := readFile(data)
	if err != nil {
		t.Fatal(err)
	}
	start, end := bytes.Index(data, []byte(`"plan": {`))+len(`"plan": `), len(data)-len("}\n")
	if len(f.Plan) != end-start || &f.Plan[0] != &data[start] {
		t.Errorf("the plan read is not data[%d:%d] but %.40s…", start, end, f.Plan)
	}
}

func FuzzDecode(f *testing.F) {
	good, err := Encode(fullPlan(f))
	if err != nil {
		f.Fatal(err)
	}
	made, _ := Encode(run(f, replace(base(), nil, "member/acme/alice@acme.com"), base()))
	f.Add(good)
	f.Add(made)
	moved, _ := Encode(movePlan(f))
	f.Add(moved)
	for _, n := range []int{0, 1, 10, len(good) / 3, len(good) / 2, len(good) - 2} {
		f.Add(good[:n])
	}
	f.Add(bytes.Replace(good, []byte(`"viewer"`), []byte(`"owner"`), 1))
	f.Add(bytes.Replace(good, []byte(`"roster_plan":1`), []byte(`"roster_plan":9`), 1))
	f.Add([]byte(`{"roster_plan":1,"digest":"","plan":null}`))
	var body struct {
		Plan jsontext.Value `json:"plan"`
	}
	json.Unmarshal(good, &body)
	f.Add([]byte(body.Plan))
	f.Fuzz(func(t *testing.T, data []byte) {
		// As a whole file, which the digest mostly guards...
		if p, err := Decode(data); err == nil {
			checkReencodes(t, p)
		}
		// ...and as a plan member with a correct digest, to reach the
		// checks behind it.
		if p, err := Decode(wrap(FileVersion, data)); err == nil {
			checkReencodes(t, p)
		}
	})
}

func checkReencodes(t *testing.T, p *Plan) {
	data, err := Encode(p)
	if err != nil {
		return // a time outside what a plan can hold
	}
	q, err := Decode(data)
	if err != nil {
		t.Fatalf("a decoded plan does not decode after encoding: %v\n%s", err, data)
	}
	if q.Digest() != p.Digest() {
		t.Fatal("digest changed after a round trip")
	}
}

// TestDecodeRefusesDuplicates: a plan file that says a thing twice, at
// any level, is refused, even with a digest that matches.
func TestDecodeRefusesDuplicates(t *testing.T) {
	data, err := Encode(fullPlan(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, edit := range []func(string) string{
		func(s string) string { return strings.Replace(s, `"serial":3,`, `"serial":3,"serial":4,`, 1) },
		func(s string) string {
			return strings.Replace(s, `"action":"delete",`, `"action":"delete","action":"create",`, 1)
		},
		func(s string) string {
			return strings.Replace(s, `"role":"owner"`, `"role":"owner","role":"viewer"`, 1)
		},
	} {
		bad := reseal(t, data, edit)
		if bytes.Equal(bad, data) {
			t.Fatal("the edit changed nothing")
		}
		if _, err := Decode(bad); err == nil || !strings.Contains(err.Error(), "duplicate") {
			t.Errorf("got %v, want a duplicate-name error", err)
		}
	}
	dup := bytes.Replace(data, []byte(`{"roster_plan":1,`), []byte(`{"roster_plan":1,"roster_plan":1,`), 1)
	if _, err := Decode(dup); err == nil || !strings.Contains(err.Error(), "duplicate") {
		t.Errorf("outer duplicate: got %v", err)
	}
}

func TestReinviteRoundTrip(t *testing.T) {
	for _, v := range []bool{true, false} {
		data, err := Encode(&Plan{Reinvite: v, AllowMassRemoval: !v})
		if err != nil {
			t.Fatal(err)
		}
		back, err := Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		if back.Reinvite != v || back.AllowMassRemoval == v {
			t.Errorf("reinvite %v came back %v", v, back.Reinvite)
		}
	}
}

// TestSeenRoundTrip: what the changes depend on is kept in a saved plan
// (and left out, bytes unchanged, when there is none).
func TestSeenRoundTrip(t *testing.T) {
	m := &model.Object{Addr: model.MemberAddress("lumen", "ben@lumen.app"), Role: "member", Status: model.StatusActive}
	in := &Plan{Seen: []Seen{
		{Addr: m.Addr, Object: m},
		{Addr: model.GroupGrantAddress("globex", "shop", "analysts")},
		{Addr: m.Addr, Undeclared: true, Elsewhere: []string{"Marketing", "Staging"}},
	}}
	data, err := Encode(in)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(in.Seen, back.Seen); d != "" {
		t.Errorf("seen came back changed (-want +got):\n%s", d)
	}
	empty, err := Encode(&Plan{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(empty), `"seen"`) {
		t.Errorf("a plan without dependencies writes seen: %s", empty)
	}
}

// TestEncodeRefusesStrayMoving: a change's Moving is written whenever it
// is set and read back only on a move with a from, so Encode refuses
// anything else rather than save a plan it could not read.
func TestEncodeRefusesStrayMoving(t *testing.T) {
	for name, edit := range map[string]func(c *Change){
		"a delete with a from": func(c *Change) { c.Moving = &Moving{From: c.Addr} },
		"a move without one":   func(c *Change) { c.Action, c.Moving = Move, nil },
		"a move from nowhere":  func(c *Change) { c.Action, c.Moving = Move, &Moving{} },
	} {
		p := fullPlan(t)
		edit(&p.Changes[2])
		if _, err := Encode(p); err == nil || !strings.Contains(err.Error(), "only a move has a from, and every move has one") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
