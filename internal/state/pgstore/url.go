package pgstore

import (
	"cmp"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
)

// DefaultSchema is the schema roster keeps its tables in when the URL has
// no schema parameter.
const DefaultSchema = "roster"

// IsURL reports whether --state names a PostgreSQL database rather than a
// file: a postgres:// or postgresql:// URL.
func IsURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// target is a parsed state URL.
type target struct {
	connString string   // the URL without the schema parameter, as pgx reads it
	schema     string   // a plain identifier
	describe   string   // the URL without any password, for messages
	secrets    []string // every form of the password a message could show
}

// parseURL takes the schema parameter out of a state URL, checks it, and
// prepares the password-free description and the list of secrets to scrub.
func parseURL(raw string) (*target, error) {
	if !IsURL(raw) {
		return nil, errors.New("a PostgreSQL state must be a postgres:// or postgresql:// URL")
	}
	t := &target{schema: DefaultSchema}
	if pw := os.Getenv("PGPASSWORD"); pw != "" {
		t.addSecret(pw)
	}
	// Neither error of net/url is shown: both may quote a piece of the
	// password (a '/' or '%' in it that is not percent-encoded).
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("the state URL is not a valid URL: check its host and port, and percent-encode any of :/?#@% in the user name or password")
	}
	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			t.addSecret(pw)
		}
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, errors.New("the query of the state URL (after '?') cannot be read: write it as name=value pairs joined by &, percent-encoding special characters")
	}
	if pw := q.Get("password"); pw != "" {
		t.addSecret(pw)
	}
	if vs, ok := q["schema"]; ok {
		if len(vs) != 1 {
			return nil, errors.New("the state URL names more than one schema")
		}
		if err := checkSchemaName(vs[0]); err != nil {
			return nil, err
		}
		t.schema = vs[0]
		q.Del("schema")
	}
	u.RawQuery = q.Encode()
	t.connString = u.String()

	// The description: no password, neither in the user part nor in the
	// query.
	d := *u
	if d.User != nil {
		d.User = url.User(d.User.Username())
	}
	dq := url.Values{}
	for k, vs := range q {
		if strings.EqualFold(k, "password") {
			continue
		}
		dq[k] = vs
	}
	d.RawQuery = dq.Encode()
	t.describe = fmt.Sprintf("PostgreSQL state %s (schema %s)", t.scrub(d.String()), t.schema)
	return t, nil
}

// addSecret remembers a password in the forms a message could quote it:
// as given, decoded and encoded.
func (t *target) addSecret(s string) {
	if s == "" {
		return
	}
	forms := []string{s, url.PathEscape(s), url.QueryEscape(s)}
	if d, err := url.PathUnescape(s); err == nil {
		forms = append(forms, d)
	}
	if d, err := url.QueryUnescape(s); err == nil {
		forms = append(forms, d)
	}
	for _, f := range forms {
		if f != "" && !slices.Contains(t.secrets, f) {
			t.secrets = append(t.secrets, f)
		}
	}
	// Longer forms first, so that a form containing another is replaced
	// whole.
	slices.SortStableFunc(t.secrets, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
}

// scrub removes every known form of the password from a message.
func (t *target) scrub(msg string) string {
	for _, s := range t.secrets {
		msg = strings.ReplaceAll(msg, s, "xxxxx")
	}
	return msg
}

// checkSchemaName accepts a plain identifier: lower-case ASCII letters,
// digits and underscores, not starting with a digit, at most 63 bytes (the
// longest name PostgreSQL keeps), and not PostgreSQL's own pg_ prefix.
func checkSchemaName(name string) error {
	bad := func(why string) error {
		return fmt.Errorf("the schema %q in the state URL is not a plain identifier: %s; use lower-case letters, digits and _ (e.g. schema=roster_prod)", name, why)
	}
	switch {
	case name == "":
		return bad("it is empty")
	case len(name) > 63:
		return bad("it is longer than 63 characters")
	case name[0] >= '0' && name[0] <= '9':
		return bad("it starts with a digit")
	case strings.HasPrefix(name, "pg_"):
		return bad("names starting with pg_ are PostgreSQL's own")
	case name == "information_schema":
		return bad("it is PostgreSQL's own schema")
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return bad(fmt.Sprintf("it contains %q", r))
		}
	}
	return nil
}

// quoteIdent quotes an identifier for SQL. Schema names are checked plain
// identifiers already; quoting keeps them exactly as given.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
