package render

import (
	"bytes"
	"fmt"
	"testing"

	json "github.com/go-json-experiment/json"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/schematest"
)

// schemaPlans are plans whose rendering must satisfy the schema: empty,
// every action on every kind, drift, follow-ups, manual steps and costs.
func schemaPlans() map[string]*plan.Plan {
	groupGrants := grantsPlan(30, plan.RiskExternal, plan.RiskProduction)
	for i := range 5 {
		a := model.GroupGrantAddress("acme", "shop.com", "g"+string(rune('a'+i)))
		groupGrants.Changes = append(groupGrants.Changes, create(&model.Object{Addr: a, Role: "viewer", HolderKind: model.HolderGroup}))
	}
	neverApplied := emptyPlan()
	neverApplied.Lineage, neverApplied.Serial = "", 0
	roleDrift := basePlan()
	roleDrift.Drift = []plan.Drift{{Addr: model.SiteAddress("acme", "mysite.com"),
		Before: site("acme", "mysite.com", func(o *model.Object) {
			o.DefaultAccess = "none"
			o.RoleAccess = []model.RoleAccess{{Person: "mia@acme.com", Level: "admin", Role: "Analysts"}, {Person: "tom@acme.com", Level: "admin", Role: "Analysts"}}
		}),
		After: site("acme", "mysite.com", func(o *model.Object) {
			o.DefaultAccess = "none"
			o.RoleAccess = []model.RoleAccess{{Person: "mia@acme.com", Level: "admin", Role: "Analysts"}}
		})}}
	return map[string]*plan.Plan{
		"role access":   roleDrift,
		"empty":         emptyPlan(),
		"never applied": neverApplied,
		"full":          fullPlan(),
		"drift only":    driftOnlyPlan(),
		"grants":        groupGrants,
		"move":          movePlan(),
	}
}

func TestPlanSchema(t *testing.T) {
	sch := schematest.Compile(t, "plan.schema.json")
	for name, p := range schemaPlans() {
		t.Run(name, func(t *testing.T) {
			out := render(t, renderers["json"], p)
			if err := sch.Validate(schematest.Instance(t, out)); err != nil {
				t.Fatalf("WriteJSON output does not match schema/plan.schema.json:\n%v", err)
			}
		})
	}
}

// The schema must refuse documents that break the contract, or the test
// above proves nothing.
func TestPlanSchemaRefuses(t *testing.T) {
	sch := schematest.Compile(t, "plan.schema.json")
	tests := []struct {
		name   string
		mutate func(doc map[string]any)
	}{
		{"missing key", func(d map[string]any) { delete(d, "manual") }},
		{"null array", func(d map[string]any) { d["drift"] = nil }},
		{"extra key", func(d map[string]any) { d["extra"] = 1 }},
		{"format version", func(d map[string]any) { d["format_version"] = "2" }},
		{"time with offset", func(d map[string]any) { d["now"] = "2026-11-24T11:30:00+01:00" }},
		{"digest", func(d map[string]any) { d["config_digest"] = "md5:abc" }},
		{"negative serial", func(d map[string]any) { d["state"].(map[string]any)["serial"] = -1 }},
		{"action", func(d map[string]any) { change(d, 0)["action"] = "replace" }},
		{"kind", func(d map[string]any) { change(d, 0)["kind"] = "user" }},
		{"kind and address disagree", func(d map[string]any) { change(d, 0)["kind"] = "member" }},
		{"unknown risk", func(d map[string]any) { change(d, 0)["risks"] = []any{"scary"} }},
		{"null risks", func(d map[string]any) { change(d, 0)["risks"] = nil }},
		{"repeated risk", func(d map[string]any) { change(d, 0)["risks"] = []any{"external", "external"} }},
		{"missing why", func(d map[string]any) { delete(change(d, 0), "why") }},
		{"missing attribute", func(d map[string]any) { delete(change(d, 0)["after"].(map[string]any), "status") }},
		{"attribute of another kind", func(d map[string]any) { change(d, 0)["after"].(map[string]any)["members"] = []any{} }},
		{"bad status", func(d map[string]any) { change(d, 0)["after"].(map[string]any)["status"] = "pending" }},
		{"bad holder kind", func(d map[string]any) { change(d, 0)["after"].(map[string]any)["holder_kind"] = "friend" }},
		{"bad expiry", func(d map[string]any) { change(d, 2)["after"].(map[string]any)["expires"] = "2026-06-01" }},
		{"create with before", func(d map[string]any) { c := change(d, 1); c["before"] = c["after"] }},
		{"delete with after", func(d map[string]any) { c := change(d, 3); c["after"] = c["before"] }},
		{"update without before", func(d map[string]any) { change(d, 0)["before"] = nil }},
		{"bad address", func(d map[string]any) { change(d, 0)["address"] = "grant/Acme/x/jane@agency.com" }},
		{"grant address of a member", func(d map[string]any) { change(d, 0)["address"] = "grant/acme/jane@agency.com" }},
		{"unknown task", func(d map[string]any) { item(d, "follow_ups", 0)["task"] = "call_mom" }},
		{"follow-up on a member", func(d map[string]any) { item(d, "follow_ups", 0)["address"] = "member/acme/a@b.c" }},
		{"manual with neither task nor change", func(d map[string]any) { delete(item(d, "manual", 0), "change") }},
		{"manual with both", func(d map[string]any) { item(d, "manual", 1)["change"] = "create" }},
		{"manual with an empty change", func(d map[string]any) { item(d, "manual", 0)["change"] = "" }},
		{"manual with an empty task beside its change", func(d map[string]any) { item(d, "manual", 0)["task"] = "" }},
		{"manual with an empty change beside its task", func(d map[string]any) { item(d, "manual", 1)["change"] = "" }},
		{"planned manual step of a task", func(d map[string]any) { x := item(d, "manual", 1); x["planned"] = true }},
		{"drift of nothing", func(d map[string]any) { x := item(d, "drift", 0); x["before"], x["after"] = nil, nil }},
		{"drift attributes of another kind", func(d map[string]any) { item(d, "drift", 0)["after"].(map[string]any)["sso"] = nil }},
		{"cost budget zero", func(d map[string]any) { item(d, "cost", 0)["budget_per_hour"] = 0 }},
		{"cost as string", func(d map[string]any) { item(d, "cost", 0)["requests"] = "12" }},
		{"summary", func(d map[string]any) { delete(d["summary"].(map[string]any), "remove") }},
		{"from on an update", func(d map[string]any) { change(d, 0)["from"] = "member/acme/a@b.c" }},
		{"zero moves counted", func(d map[string]any) { d["summary"].(map[string]any)["move"] = 0 }},
	}
	good := render(t, renderers["json"], fullPlan())
	// A site's role_access: strings of the form "EMAIL: LEVEL via role
	// NAME", never empty (absent instead).
	roleGood := render(t, renderers["json"], schemaPlans()["role access"])
	if !bytes.Contains(roleGood, []byte(`"role_access": [`)) {
		t.Fatalf("the plan JSON has no role_access:\n%s", roleGood)
	}
	for name, v := range map[string]any{
		"empty role access":     []any{},
		"role access not text":  []any{1},
		"role access malformed": []any{"mia@acme.com admin Analysts"},
		"role access as a text": "mia@acme.com: admin via role Analysts",
	} {
		t.Run(name, func(t *testing.T) {
			var doc map[string]any
			if err := json.Unmarshal(roleGood, &doc); err != nil {
				t.Fatal(err)
			}
			item(doc, "drift", 0)["after"].(map[string]any)["role_access"] = v
			b, _ := json.Marshal(doc)
			if err := sch.Validate(schematest.Instance(t, b)); err == nil {
				t.Fatalf("the schema accepts a document with %s", name)
			}
		})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc map[string]any
			if err := json.Unmarshal(good, &doc); err != nil {
				t.Fatal(err)
			}
			tt.mutate(doc)
			b, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(schematest.Instance(t, b)); err == nil {
				t.Fatalf("the schema accepts a document with a %s", tt.name)
			}
		})
	}
	// A move without its from is refused too.
	var doc map[string]any
	if err := json.Unmarshal(render(t, renderers["json"], movePlan()), &doc); err != nil {
		t.Fatal(err)
	}
	for _, c := range doc["changes"].([]any) {
		if c.(map[string]any)["action"] == "move" {
			delete(c.(map[string]any), "from")
			break
		}
	}
	b, _ := json.Marshal(doc)
	if err := sch.Validate(schematest.Instance(t, b)); err == nil {
		t.Fatal("the schema accepts a move without from")
	}
}

func item(d map[string]any, list string, i int) map[string]any {
	return d[list].([]any)[i].(map[string]any)
}

// change returns a change of the full plan: 0 is an update of a grant
// (dave), 1 a create of a grant, 2 a create with an expiry (jane), 3 a
// delete (mallory).
func change(d map[string]any, i int) map[string]any {
	want := []string{
		"grant/acme/mysite.com/dave@agency.com",
		"grant/acme/mysite.com/group:analysts",
		"grant/acme/mysite.com/jane@agency.com",
		"grant/acme/mysite.com/mallory@x.io",
	}
	c := item(d, "changes", i)
	if c["address"] != want[i] {
		panic(fmt.Sprintf("change %d of the full plan is %v, want %s: fix the test", i, c["address"], want[i]))
	}
	return c
}
