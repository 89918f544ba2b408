package render

import (
	"bytes"
	"testing"
	"time"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/roster-dev/roster/internal/schematest"
	"github.com/roster-dev/roster/internal/state"
)

// historyJSON encodes entries the way `roster history --json` does: an
// indented array, [] when empty, every changes list non-nil.
func historyJSON(t *testing.T, entries []state.HistoryEntry) []byte {
	t.Helper()
	if entries == nil {
		entries = []state.HistoryEntry{}
	}
	for i := range entries {
		if entries[i].Changes == nil {
			entries[i].Changes = []state.HistoryChange{}
		}
	}
	var buf bytes.Buffer
	if err := json.MarshalWrite(&buf, entries, jsontext.WithIndent("  ")); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func historyEntries() []state.HistoryEntry {
	return []state.HistoryEntry{
		{Serial: 1, Time: created, Actor: "alice", Add: 2,
			Changes:    []state.HistoryChange{{Address: "team/acme", Action: "create"}, {Address: "grant/acme/mysite.com/group:analysts", Action: "create"}},
			PlanDigest: digest, Commit: "4f2a0c0f6d1bd84e", ChangeRequest: "https://github.com/acme/access/pull/7"},
		{Serial: 2, Time: created.Add(1500 * time.Millisecond), Actor: "", Change: 1, Remove: 1,
			Changes: []state.HistoryChange{{Address: "member/acme/bob@acme.com", Action: "update"}, {Address: "site/acme/old.com", Action: "delete"}}},
		{Serial: 3, Time: created.Add(time.Hour), Actor: "roster (refresh)"},
	}
}

func TestHistorySchema(t *testing.T) {
	sch := schematest.Compile(t, "history.schema.json")
	for name, entries := range map[string][]state.HistoryEntry{"none": nil, "some": historyEntries()} {
		if err := sch.Validate(schematest.Instance(t, historyJSON(t, entries))); err != nil {
			t.Errorf("%s: history JSON does not match schema/history.schema.json:\n%v", name, err)
		}
	}
	tests := map[string]func(e []state.HistoryEntry){
		"serial 0":       func(e []state.HistoryEntry) { e[0].Serial = 0 },
		"bad address":    func(e []state.HistoryEntry) { e[0].Changes[0].Address = "team/" },
		"unknown action": func(e []state.HistoryEntry) { e[0].Changes[0].Action = "replace" },
		"short digest":   func(e []state.HistoryEntry) { e[0].PlanDigest = "sha256:1" },
		"local time":     func(e []state.HistoryEntry) { e[0].Time = created.In(time.FixedZone("CET", 3600)) },
	}
	for name, mutate := range tests {
		e := historyEntries()
		mutate(e)
		if err := sch.Validate(schematest.Instance(t, historyJSON(t, e))); err == nil {
			t.Errorf("the history schema accepts an entry with a %s", name)
		}
	}
}
