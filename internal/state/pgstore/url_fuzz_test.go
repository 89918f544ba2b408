package pgstore

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzParseURL: any --state URL is taken or refused with a message; the
// password of one that is taken shows neither in its description nor in
// the connection string's place of any message.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{
		"postgres://u:pw@h:5432/db?sslmode=disable&schema=team_a",
		"postgresql://u@h/db?password=secret",
		"postgres://u:p%40ss@h/db?schema=Roster",
		"postgres://u:se/cret@h/db",
		"postgres:///db?host=/var/run/postgresql",
		"postgres://h/db?schema=a&schema=b",
		"postgres://[::1]:5432/db",
		"postgres://u:pw@h/db?x=%zz",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		t.Setenv("PGPASSWORD", "")
		tg, err := parseURL(raw)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an empty error message")
			}
			return
		}
		if !IsURL(raw) {
			t.Fatalf("%q is not a postgres URL, yet it was taken", raw)
		}
		if checkSchemaName(tg.schema) != nil {
			t.Fatalf("schema %q taken", tg.schema)
		}
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("%q was taken but does not parse: %v", raw, err)
		}
		var secrets []string
		if pw, ok := u.User.Password(); ok && len(pw) >= 4 {
			secrets = append(secrets, pw)
		}
		if pw := u.Query().Get("password"); len(pw) >= 4 {
			secrets = append(secrets, pw)
		}
		for _, pw := range secrets {
			if strings.Contains(tg.describe, pw) {
				t.Fatalf("Describe %q shows the password %q", tg.describe, pw)
			}
			if got := tg.scrub("error: " + pw + " " + url.QueryEscape(pw)); strings.Contains(got, pw) {
				t.Fatalf("scrub leaves the password %q in %q", pw, got)
			}
		}
	})
}
