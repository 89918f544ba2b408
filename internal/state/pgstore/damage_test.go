package pgstore

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
	"github.com/roster-dev/roster/internal/state/pgstore/pgtest"
)

// TestDamaged: schemas that are not a readable roster state of this
// version. Every operation reports a *state.DamagedError (ErrNewer for a
// newer schema version) naming what is wrong, and no write builds on it.
func TestDamaged(t *testing.T) {
	pgtest.Base(t)
	tests := []struct {
		name  string
		setup func(schema string) []string // SQL run after a good state was written
		fresh bool                         // the SQL runs on an empty schema instead
		ops   []string                     // the operations that must report damage (nil: all)
		want  string
		newer bool
	}{
		{name: "foreign objects table", fresh: true, want: "its table objects has the columns (id integer)", setup: func(s string) []string {
			return []string{`CREATE SCHEMA ` + s, `CREATE TABLE ` + s + `.objects (id int)`}
		}},
		{name: "foreign meta table", fresh: true, want: "its table meta has the columns (name text)", setup: func(s string) []string {
			return []string{`CREATE SCHEMA ` + s, `CREATE TABLE ` + s + `.meta (name text)`}
		}},
		{name: "a view named meta", fresh: true, want: "meta is not a table", setup: func(s string) []string {
			return []string{`CREATE SCHEMA ` + s, `CREATE VIEW ` + s + `.meta AS SELECT 'a'::text AS key, 'b'::text AS value`}
		}},
		{name: "meta without the others", fresh: true, want: "has no schema_version", setup: func(s string) []string {
			return []string{`CREATE SCHEMA ` + s, `CREATE TABLE ` + s + `.meta (key text, value text)`}
		}},
		{name: "newer schema version", newer: true, want: "schema version 999", setup: func(s string) []string {
			return []string{`UPDATE ` + s + `.meta SET value = '999' WHERE key = 'schema_version'`}
		}},
		{name: "newer version with other tables", newer: true, fresh: true, want: "schema version 3", setup: func(s string) []string {
			return []string{`CREATE SCHEMA ` + s, `CREATE TABLE ` + s + `.meta (key text, value text)`,
				`INSERT INTO ` + s + `.meta VALUES ('schema_version', '3')`, `CREATE TABLE ` + s + `.objects (address text, object jsonb, extra int)`}
		}},
		{name: "schema version not a number", want: `schema_version "one"`, setup: func(s string) []string {
			return []string{`UPDATE ` + s + `.meta SET value = 'one' WHERE key = 'schema_version'`}
		}},
		{name: "schema version missing", want: "no schema_version", setup: func(s string) []string {
			return []string{`DELETE FROM ` + s + `.meta WHERE key = 'schema_version'`}
		}},
		{name: "serial not a number", want: `serial "x"`, setup: func(s string) []string {
			return []string{`UPDATE ` + s + `.meta SET value = 'x' WHERE key = 'serial'`}
		}},
		{name: "lineage missing", want: "lineage is missing", setup: func(s string) []string {
			return []string{`DELETE FROM ` + s + `.meta WHERE key = 'lineage'`}
		}},
		{name: "evidence table dropped", want: "its table evidence is missing", setup: func(s string) []string {
			return []string{`DROP TABLE ` + s + `.evidence`}
		}},
		{name: "column changed", want: "its table history has the columns (serial bigint, entry jsonb)", setup: func(s string) []string {
			return []string{`ALTER TABLE ` + s + `.history ALTER COLUMN entry TYPE jsonb`}
		}},
		{name: "collation changed", want: `collation "POSIX"`, setup: func(s string) []string {
			return []string{`ALTER TABLE ` + s + `.objects ALTER COLUMN address TYPE text COLLATE "POSIX"`}
		}},
		{name: "object under another address", ops: []string{"Snapshot"}, want: `the object stored under "team/acme" says it is "team/other"`, setup: func(s string) []string {
			return []string{`UPDATE ` + s + `.objects SET object = '{"address":"team/other","platform":"plausible"}' WHERE address = 'team/acme'`}
		}},
		{name: "object unreadable", ops: []string{"Snapshot"}, want: `the object stored under "team/acme" cannot be read`, setup: func(s string) []string {
			return []string{`UPDATE ` + s + `.objects SET object = '[1,2]' WHERE address = 'team/acme'`}
		}},
		{name: "open_tasks table dropped", want: "its table open_tasks is missing", setup: func(s string) []string {
			return []string{`DROP TABLE ` + s + `.open_tasks`}
		}},
		{name: "task not on a site", ops: []string{"OpenTasks"}, want: `its open_tasks table holds "team/acme#rotate_api_key"`, setup: func(s string) []string {
			return []string{`INSERT INTO ` + s + `.open_tasks VALUES ('team/acme', 'rotate_api_key', 'x')`}
		}},
		{name: "history entry under another serial", ops: []string{"History"}, want: "says it is serial 5", setup: func(s string) []string {
			return []string{`UPDATE ` + s + `.history SET entry = '{"serial":5}'`}
		}},
	}
	ctx := context.Background()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t)
			if !tc.fresh {
				commit(t, s, &state.Changeset{Lineage: "l", Put: []*model.Object{team("acme"), team("b")},
					History: &state.HistoryEntry{Actor: "a"}, Evidence: []state.EvidenceRecord{rec(1, "", "h1")}})
			}
			pgtest.Exec(t, tc.setup(`"`+s.Schema()+`"`)...)
			// A new store: nothing remembered of the good state.
			s = openURL(t, pgtest.WithSchema(t, pgtest.Base(t), s.Schema()))
			check := func(op string, err error) {
				t.Helper()
				var de *state.DamagedError
				if !errors.As(err, &de) {
					t.Errorf("%s: err = %v, want a *state.DamagedError", op, err)
					return
				}
				want := state.ErrDamaged
				if tc.newer {
					want = state.ErrNewer
				}
				if !errors.Is(err, want) {
					t.Errorf("%s: err = %v, want %v", op, err, want)
				}
				if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), s.Describe()) {
					t.Errorf("%s: err = %v, want it to name the store and say %q", op, err, tc.want)
				}
			}
			ops := map[string]func() error{
				"Snapshot":     func() error { _, err := s.Snapshot(ctx); return err },
				"History":      func() error { _, err := s.History(ctx); return err },
				"EvidenceHead": func() error { _, _, err := s.EvidenceHead(ctx); return err },
				"OpenTasks":    func() error { _, _, err := s.OpenTasks(ctx); return err },
				"Evidence": func() error {
					return s.Evidence(ctx, 0, func(state.EvidenceRecord) error { return nil })
				},
				"Lock": func() error {
					u, err := s.Lock(ctx, "apply", 0)
					if err == nil {
						u.Unlock()
					}
					return err
				},
				"Commit": func() error {
					_, err := s.Commit(ctx, &state.Changeset{Lineage: "l", BaseSerial: 1, Put: []*model.Object{team("c")}})
					return err
				},
			}
			damagedOps := tc.ops
			if damagedOps == nil {
				damagedOps = []string{"Snapshot", "History", "EvidenceHead", "OpenTasks", "Evidence", "Lock", "Commit"}
			}
			for _, op := range damagedOps {
				check(op, ops[op]())
			}
		})
	}
}

// TestOpenErrors: a server that cannot be reached, or a database that does
// not exist, fails Open with a message naming the store.
func TestOpenErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tests := []struct {
		url, want string
	}{
		{"postgres://nobody:pw-secret@127.0.0.1:1/db?sslmode=disable&connect_timeout=5", "cannot connect to PostgreSQL state postgres://nobody@127.0.0.1:1/db?connect_timeout=5&sslmode=disable (schema roster)"},
	}
	if pgtest.Available() {
		u, err := url.Parse(pgtest.Base(t))
		if err != nil {
			t.Fatal(err)
		}
		u.Path = "/no_such_db_roster"
		q := u.Query()
		q.Set("password", "pw-secret")
		u.RawQuery = q.Encode()
		tests = append(tests, struct{ url, want string }{u.String(), `database "no_such_db_roster" does not exist`})
	}
	for _, tc := range tests {
		s, err := Open(ctx, tc.url)
		if err == nil {
			s.Close()
			t.Errorf("Open(%s) succeeded", tc.url)
			continue
		}
		t.Logf("Open: %v", err)
		if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "pw-secret") {
			t.Errorf("Open: %v\nwant it to contain %q and no password", err, tc.want)
		}
	}
}
