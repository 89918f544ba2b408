package pgstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
	"github.com/roster-dev/roster/internal/state/pgstore/pgtest"
)

// rowEdits are the rows of a good state a fuzzed value replaces (or is
// added as), each with the SQL that puts $1 there and the SQL that
// undoes it; %s is the schema, quoted.
var rowEdits = []struct{ set, undo string }{
	{`UPDATE %s.meta SET value = $1 WHERE key = 'serial'`, `UPDATE %s.meta SET value = '1' WHERE key = 'serial'`},
	{`UPDATE %s.meta SET value = $1 WHERE key = 'schema_version'`, `UPDATE %s.meta SET value = '` + strconv.Itoa(state.SchemaVersion) + `' WHERE key = 'schema_version'`},
	{`UPDATE %s.meta SET value = $1 WHERE key = 'lineage'`, `UPDATE %s.meta SET value = 'l' WHERE key = 'lineage'`},
	{`UPDATE %s.objects SET object = $1::json WHERE address = 'team/acme'`, `UPDATE %s.objects SET object = '{"platform":"plausible"}' WHERE address = 'team/acme'`},
	{`INSERT INTO %s.objects VALUES ($1, '{"platform":"plausible"}')`, `DELETE FROM %s.objects WHERE address NOT IN ('team/acme', 'team/b')`},
	{`UPDATE %s.history SET entry = $1::json WHERE serial = 1`, `UPDATE %s.history SET entry = '{"serial":1,"time":"2026-01-01T00:00:00Z","actor":"a"}' WHERE serial = 1`},
	{`UPDATE %s.evidence SET record = $1::json WHERE seq = 1`, `UPDATE %s.evidence SET record = '{"hash":"h1","prev_hash":"","seq":1}' WHERE seq = 1`},
	{`UPDATE %s.evidence SET hash = $1 WHERE seq = 1`, `UPDATE %s.evidence SET hash = 'h1' WHERE seq = 1`},
	{`INSERT INTO %s.checkpoints VALUES (1, $1::json)`, `DELETE FROM %s.checkpoints`},
	{`INSERT INTO %s.open_tasks VALUES ($1, 'rotate', 'x')`, `DELETE FROM %s.open_tasks`},
}

// FuzzStoredRows: a PostgreSQL state whose tables are roster's but one
// row of which holds anything (an edit by hand, another tool, a bug of
// another version): every read works or reports the state damaged,
// never a panic or another error. With $ROSTER_TEST_POSTGRES only; each
// fuzzing process has a schema of its own.
func FuzzStoredRows(f *testing.F) {
	s := openTest(f)
	commit(f, s, &state.Changeset{Lineage: "l", Put: []*model.Object{team("acme"), team("b")},
		History: &state.HistoryEntry{Actor: "a"}, Evidence: []state.EvidenceRecord{rec(1, "", "h1")}})
	conn := pgtest.Connect(f)
	schema := `"` + s.Schema() + `"`
	for i, v := range []string{"2", "x", "", `{"address":"team/other"}`, "team/c", `{"serial":2}`, `{"seq":"1"}`, "h2",
		`{"format_version":"1","seq":1}`, "site/acme/x"} {
		f.Add(uint8(i), v)
	}
	f.Add(uint8(3), `{"platform":"plausible","platform":"posthog"}`)
	f.Add(uint8(4), "grant/acme/s/group:")
	f.Add(uint8(5), `[]`)
	f.Add(uint8(9), "team/acme")
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, which uint8, v string) {
		e := rowEdits[int(which)%len(rowEdits)]
		if _, err := conn.Exec(ctx, sprintfSchema(e.set, schema), v); err != nil {
			return // not a value the column holds (not JSON, a NUL byte, a duplicate key)
		}
		defer func() {
			if _, err := conn.Exec(ctx, sprintfSchema(e.undo, schema)); err != nil {
				t.Fatalf("undoing %s: %v", e.set, err)
			}
		}()
		st := openURL(t, pgtest.WithSchema(t, pgtest.Base(t), s.Schema()))
		check := func(op string, err error) {
			var de *state.DamagedError
			if err != nil && !errors.As(err, &de) {
				t.Errorf("%s with %s given %q: %v, want nil or a *state.DamagedError", op, e.set, v, err)
			}
		}
		_, err := st.Snapshot(ctx)
		check("Snapshot", err)
		_, err = st.History(ctx)
		check("History", err)
		_, _, err = st.EvidenceHead(ctx)
		check("EvidenceHead", err)
		check("Evidence", st.Evidence(ctx, 0, func(state.EvidenceRecord) error { return nil }))
		_, _, err = st.OpenTasks(ctx)
		check("OpenTasks", err)
		check("Checkpoints", st.Checkpoints(ctx, func(uint64, []byte) error { return nil }))
	})
}

func sprintfSchema(q, schema string) string { return fmt.Sprintf(q, schema) }
