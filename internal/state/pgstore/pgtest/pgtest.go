// Package pgtest is the test support of the PostgreSQL state store: it
// reads the database to test against from $ROSTER_TEST_POSTGRES, hands each
// test a state URL with a schema of its own, and drops that schema when the
// test ends. Tests of any package (pgstore's, the CLI's) use it; it is
// never linked into roster.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvVar names the database to test against, e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const EnvVar = "ROSTER_TEST_POSTGRES"

// SkipMessage is the one line a package prints when EnvVar is not set.
func SkipMessage(pkg string) string {
	return fmt.Sprintf("%s: %s is not set, so the PostgreSQL tests are skipped (e.g. %s=postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", pkg, EnvVar, EnvVar)
}

// Available reports whether EnvVar is set.
func Available() bool { return os.Getenv(EnvVar) != "" }

var announce sync.Once

// Announce prints SkipMessage once per process (from TestMain) when EnvVar
// is not set, so `go test ./...` says once per package why the PostgreSQL
// tests did not run.
func Announce(pkg string) {
	if !Available() {
		announce.Do(func() { fmt.Println(SkipMessage(pkg)) })
	}
}

// Base returns EnvVar's URL, or skips the test.
func Base(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvVar)
	if u == "" {
		t.Skipf("%s is not set", EnvVar)
	}
	return u
}

// NewSchema returns a fresh schema name: roster_test_ and 12 random hex
// digits.
func NewSchema() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "roster_test_" + hex.EncodeToString(b)
}

// WithSchema returns base with the schema parameter set to schema.
func WithSchema(t testing.TB, base, schema string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s is not a URL: %v", EnvVar, err)
	}
	q := u.Query()
	q.Set("schema", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// URL returns a state URL for a schema of the test's own (which does not
// exist yet) and drops the schema when the test ends. Without EnvVar the
// test is skipped.
func URL(t testing.TB) string {
	t.Helper()
	base := Base(t)
	schema := NewSchema()
	t.Cleanup(func() { Drop(t, base, schema) })
	return WithSchema(t, base, schema)
}

// Connect opens a plain connection to EnvVar's database (without any
// schema parameter), closed when the test ends.
func Connect(t testing.TB) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, Base(t))
	if err != nil {
		t.Fatalf("connecting to %s: %v", EnvVar, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// Exec runs SQL statements on EnvVar's database, failing the test on error.
func Exec(t testing.TB, sql ...string) {
	t.Helper()
	conn := Connect(t)
	for _, q := range sql {
		if _, err := conn.Exec(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// Drop drops a schema and everything in it.
func Drop(t testing.TB, base, schema string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Errorf("dropping schema %s: %v", schema, err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS "`+strings.ReplaceAll(schema, `"`, `""`)+`" CASCADE`); err != nil {
		t.Errorf("dropping schema %s: %v", schema, err)
	}
}
