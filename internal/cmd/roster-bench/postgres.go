package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// The PostgreSQL rows of schema/performance.md: the same saved plan applied into
// a PostgreSQL state, and the plan with nothing to change against it.

// pgEnv names the database the PostgreSQL rows run against when -postgres
// is not given (the same variable the PostgreSQL tests read).
const pgEnv = "ROSTER_TEST_POSTGRES"

// The targets of the PostgreSQL rows, times P of the large workload.
const (
	pgApplyTarget    = 12.0
	pgNoChangeTarget = 3.0
)

// pgSkipReason is why the PostgreSQL rows are skipped without a database,
// the note under the table; pgSkipped is what their progress lines say.
const (
	pgSkipReason = "set " + pgEnv + " or -postgres"
	pgSkipped    = "skipped: " + pgSkipReason
)

// pgSchemaPrefix starts the name of every schema roster-bench makes.
const pgSchemaPrefix = "roster_bench_"

func pgApplyName(label string) string { return "PostgreSQL: apply PLANFILE, " + label + " grants" }
func pgNoChangeName(label string) string {
	return "PostgreSQL: plan, " + label + " grants, no change"
}

// checkPostgresURL accepts a postgres:// or postgresql:// URL. Its error
// never quotes the URL, which may hold a password.
func checkPostgresURL(raw string) error {
	l := strings.ToLower(raw)
	if !strings.HasPrefix(l, "postgres://") && !strings.HasPrefix(l, "postgresql://") {
		return fmt.Errorf("-postgres (or $%s) must be a postgres:// or postgresql:// URL, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable", pgEnv)
	}
	if _, err := url.Parse(raw); err != nil {
		return fmt.Errorf("-postgres (or $%s) is not a valid URL: check its host and port, and percent-encode any of :/?#@%% in the user name or password", pgEnv)
	}
	return nil
}

// withSchema is base with its schema parameter set to schema (replacing
// any the user gave: every run has a schema of its own).
func withSchema(base, schema string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("schema", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// describePostgres is the URL without its password (in the user part or
// the query) and without a schema parameter, for messages.
func describePostgres(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(an unreadable URL)"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	for k := range q {
		if strings.EqualFold(k, "password") || k == "schema" {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// libpqParams are the connection parameters psql (libpq) accepts in a URL;
// it refuses any other, so pgx's own (default_query_exec_mode, pool_…) and
// roster's schema are left out of the URL given to psql.
var libpqParams = map[string]bool{
	"host": true, "hostaddr": true, "port": true, "dbname": true, "user": true, "passfile": true,
	"require_auth": true, "channel_binding": true, "connect_timeout": true, "client_encoding": true,
	"options": true, "application_name": true, "fallback_application_name": true,
	"keepalives": true, "keepalives_idle": true, "keepalives_interval": true, "keepalives_count": true,
	"tcp_user_timeout": true, "gssencmode": true, "sslmode": true, "requiressl": true,
	"sslcompression": true, "sslcert": true, "sslkey": true, "sslpassword": true, "sslcertmode": true,
	"sslrootcert": true, "sslcrl": true, "sslcrldir": true, "sslsni": true, "requirepeer": true,
	"ssl_min_protocol_version": true, "ssl_max_protocol_version": true, "krbsrvname": true,
	"gsslib": true, "gssdelegation": true, "service": true, "target_session_attrs": true,
	"load_balance_hosts": true,
}

// psqlConn is the URL to give psql and its password, if any: the password
// goes into PGPASSWORD rather than onto a command line other users of the
// machine can read.
func psqlConn(raw string) (conn, password string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", err
	}
	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			password = pw
		}
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	if pw := q.Get("password"); pw != "" {
		password = pw
	}
	for k := range q {
		if !libpqParams[k] {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	return u.String(), password, nil
}

// newSchema is a fresh schema name, remembered so that cleanup drops it.
func (b *bench) newSchema() string {
	r := make([]byte, 6)
	rand.Read(r)
	s := pgSchemaPrefix + hex.EncodeToString(r)
	b.pgSchemas = append(b.pgSchemas, s)
	return s
}

// pgRows judges the PostgreSQL measurements against their targets.
func pgRows(apply, noChange *measurement) []row {
	return []row{ratioRow(apply, pgApplyTarget, 0), ratioRow(noChange, pgNoChangeTarget, 0)}
}

// postgres measures the PostgreSQL rows: the saved plan (made against an
// empty state) applied into a new schema on each run, so that every apply
// starts from an empty state, then `plan --detailed-exitcode` against the
// schema of the first apply. Without a database, both rows are skipped.
func (b *bench) postgres(large *workload, planFile string, saved error, global func(dir, statePath string) []string) []row {
	applyName, noName := pgApplyName(large.label), pgNoChangeName(large.label)
	if b.pg == "" {
		for _, n := range []string{applyName, noName} {
			b.logf("  %-41s %s", n, pgSkipped)
		}
		return []row{skippedRow(applyName, pgApplyTarget, pgSkipReason), skippedRow(noName, pgNoChangeTarget, pgSkipReason)}
	}
	if saved != nil {
		err := fmt.Errorf("saving the plan failed: %v", saved)
		return pgRows(&measurement{name: applyName, err: err}, &measurement{name: noName, err: err})
	}
	var first string // the state URL of the first apply
	apply := b.measure(applyName, large, pgApplyTarget, func(i int) cmdSpec {
		u, _ := withSchema(b.pg, b.newSchema()) // b.pg parsed in newBench
		if i == 0 {
			first = u
		}
		return cmdSpec{args: append(global(large.dir, u), "apply", planFile)}
	})
	var noChange *measurement
	if len(apply.wall) == 0 {
		noChange = &measurement{name: noName, err: errors.New("it plans against the state of the first apply, which failed")}
	} else {
		noChange = b.measure(noName, large, pgNoChangeTarget, func(int) cmdSpec {
			return cmdSpec{args: append(global(large.dir, first), "plan", "--detailed-exitcode")}
		})
	}
	return pgRows(apply, noChange)
}

// dropSchemas drops the schemas this run made, with psql; without psql,
// or when it fails, it says which to drop. With -keep it keeps them.
func (b *bench) dropSchemas() {
	if len(b.pgSchemas) == 0 {
		return
	}
	list := strings.Join(b.pgSchemas, ", ")
	quoted := make([]string, len(b.pgSchemas))
	for i, s := range b.pgSchemas {
		quoted[i] = `"` + s + `"`
	}
	stmt := "DROP SCHEMA IF EXISTS " + strings.Join(quoted, ", ") + " CASCADE"
	where := describePostgres(b.pg)
	if b.o.keep {
		b.logf("\nPostgreSQL schemas kept in %s: %s\n(drop them with: %s;)", where, list, stmt)
		return
	}
	err := runPsql(b.pg, stmt)
	if err != nil {
		b.logf("\nCould not drop the PostgreSQL schemas this run made in %s: %v\nDrop them yourself: %s;", where, err, stmt)
		return
	}
	b.logf("\nPostgreSQL schemas dropped: %s.", list)
	b.pgSchemas = nil
}

// runPsql runs one SQL statement with psql, never prompting.
func runPsql(base, stmt string) error {
	psql, err := exec.LookPath("psql")
	if err != nil {
		return errors.New("psql is not installed")
	}
	conn, pw, err := psqlConn(base)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, psql, "-X", "-w", "-q", "-v", "ON_ERROR_STOP=1", "-d", conn, "-c", stmt)
	if pw != "" {
		cmd.Env = append(slices.DeleteFunc(os.Environ(), func(e string) bool { return strings.HasPrefix(e, "PGPASSWORD=") }), "PGPASSWORD="+pw)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		msg := strings.TrimSpace(string(out))
		if pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
		return fmt.Errorf("psql: %v: %s", err, tail(msg, 5))
	}
	return nil
}

// pgHeader is the header line about the PostgreSQL rows.
func (b *bench) pgHeader() string {
	if b.pg == "" {
		return "PostgreSQL rows " + pgSkipped
	}
	how := "dropped at the end with psql"
	if b.o.keep {
		how = "kept (-keep)"
	} else if _, err := exec.LookPath("psql"); err != nil {
		how = "left in place: psql is not installed, so the end says which to drop"
	}
	return fmt.Sprintf("%s, a fresh schema %s… per apply, %s", describePostgres(b.pg), pgSchemaPrefix, how)
}
