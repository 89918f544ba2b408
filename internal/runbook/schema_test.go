package runbook

import (
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/schematest"
)

// TestRunbookSchema: every kind of item on every platform, none at all,
// and a merged move are what schema/runbook.schema.json says.
func TestRunbookSchema(t *testing.T) {
	sch := schematest.Compile(t, "runbook.schema.json")
	move := Merge([]Item{
		ForChange("posthog", "move", member("bob@acme.com", "admin"), member("rob@acme.com", "admin")),
		ForChange("posthog", "move", grant("mysite.com", "bob@acme.com", "viewer"), grant("mysite.com", "rob@acme.com", "viewer")),
	})
	cases := map[string][]Item{"none": nil, "move": move}
	for _, p := range []string{"plausible", "posthog", "piwikpro", "matomo", "ga4"} {
		cases[p] = kinds(p)
	}
	for name, items := range cases {
		t.Run(name, func(t *testing.T) {
			out := written(t, WriteJSON, items)
			if err := sch.Validate(schematest.Instance(t, out)); err != nil {
				t.Fatalf("WriteJSON output does not match schema/runbook.schema.json:\n%v\n%s", err, out)
			}
		})
	}
}

// TestRunbookSchemaRefuses: the schema refuses what breaks the contract,
// or the test above proves nothing.
func TestRunbookSchemaRefuses(t *testing.T) {
	sch := schematest.Compile(t, "runbook.schema.json")
	good := string(written(t, WriteJSON, kinds("plausible")))
	for name, edit := range map[string][2]string{
		"other version":        {`"format_version": "1"`, `"format_version": "2"`},
		"a task and a change":  {`"change": ""`, `"change": "create"`},
		"neither":              {`"change": "create"`, `"change": ""`},
		"unknown action":       {`"change": "create"`, `"change": "destroy"`},
		"unknown task":         {`"task": "rotate_api_key"`, `"task": "rotate_keys"`},
		"a task not on a site": {`"address": "site/acme/mysite.com",` + "\n" + `      "task": "rotate_api_key"`, `"address": "team/acme",` + "\n" + `      "task": "rotate_api_key"`},
		"bad address":          {`"address": "member/acme/bob@acme.com"`, `"address": "member/acme/bob"`},
		"no steps":             {`"steps": [`, `"stairs": [`},
		"an unknown member":    {`"platform": "plausible"`, `"platform": "plausible", "owner": "x"`},
		"no platform":          {`"platform": "plausible"`, `"platform": ""`},
		"items missing":        {`"items": [`, `"things": [`},
	} {
		t.Run(name, func(t *testing.T) {
			if !strings.Contains(good, edit[0]) {
				t.Fatalf("%q is not in the runbook:\n%s", edit[0], good)
			}
			bad := strings.Replace(good, edit[0], edit[1], 1)
			if err := sch.Validate(schematest.Instance(t, []byte(bad))); err == nil {
				t.Errorf("the schema accepts\n%s", bad)
			}
		})
	}
}
