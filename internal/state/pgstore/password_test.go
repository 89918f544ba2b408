package pgstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
	"github.com/roster-dev/roster/internal/state/pgstore/pgtest"
)

// echoServer is a fake PostgreSQL server that asks for a cleartext
// password and refuses it with a message quoting it back, the worst a
// server could do: roster's error must still not show it.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				be := pgproto3.NewBackend(c, c)
				msg, err := be.ReceiveStartupMessage()
				if err != nil {
					return
				}
				if _, ok := msg.(*pgproto3.SSLRequest); ok {
					c.Write([]byte("N"))
					if _, err := be.ReceiveStartupMessage(); err != nil {
						return
					}
				}
				be.Send(&pgproto3.AuthenticationCleartextPassword{})
				if be.Flush() != nil || be.SetAuthType(pgproto3.AuthTypeCleartextPassword) != nil {
					return
				}
				m, err := be.Receive()
				if err != nil {
					return
				}
				pw := ""
				if p, ok := m.(*pgproto3.PasswordMessage); ok {
					pw = p.Password
				}
				be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: "28P01",
					Message: fmt.Sprintf("password authentication failed: %q is wrong", pw),
					Detail:  "you sent " + pw + " and " + url.QueryEscape(pw)})
				be.Flush()
			}()
		}
	}()
	return ln.Addr().String()
}

// noSecret fails the test when text shows the secret (or its encoded
// form).
func noSecret(t *testing.T, what, text, secret string) {
	t.Helper()
	for _, s := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
		if strings.Contains(text, s) {
			t.Errorf("%s shows the password %q: %s", what, s, text)
		}
	}
}

// TestPasswordNotShownByServerEcho: whatever the password's source (the
// URL, its query, PGPASSWORD), a server that quotes it back in its refusal
// does not get it printed.
func TestPasswordNotShownByServerEcho(t *testing.T) {
	addr := echoServer(t)
	const secret = "S3cr3t/pw@x%y"
	enc := url.QueryEscape(secret)
	tests := []struct {
		name, url, env string
	}{
		{"in the URL", "postgres://roster:" + url.PathEscape(secret) + "@" + addr + "/db?sslmode=disable&schema=s", ""},
		{"in the query", "postgres://roster@" + addr + "/db?sslmode=disable&password=" + enc, ""},
		{"in PGPASSWORD", "postgres://roster@" + addr + "/db?sslmode=disable", secret},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("PGPASSWORD", tc.env)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			s, err := Open(ctx, tc.url)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded against a server that refuses every password")
			}
			t.Logf("Open: %v", err)
			if !strings.Contains(err.Error(), "password authentication failed") {
				t.Errorf("the error does not say why: %v", err)
			}
			noSecret(t, "the error", err.Error(), secret)
			tg, _ := parseURL(tc.url)
			if tg != nil {
				noSecret(t, "Describe", tg.describe, secret)
			}
		})
	}
}

// TestPasswordNotShown: a role with a password, reached with the right and
// a wrong one (a server with trust authentication lets both in; one that
// checks passwords refuses the wrong one). Neither Describe nor any error
// on the way (refused login, a held lock, a stale plan, damage) shows it.
func TestPasswordNotShown(t *testing.T) {
	base := pgtest.Base(t)
	ctx := context.Background()
	role := strings.Replace(pgtest.NewSchema(), "roster_test_", "roster_pw_", 1)
	right, wrong := "Right-"+role+"/pw", "Wrong-"+role+"/pw"
	pgtest.Exec(t, fmt.Sprintf(`CREATE ROLE %s LOGIN PASSWORD '%s'`, role, right))
	t.Cleanup(func() {
		pgtest.Exec(t, `DROP OWNED BY `+role, `DROP ROLE `+role)
	})
	var db string
	if err := pgtest.Connect(t).QueryRow(ctx, `SELECT current_database()`).Scan(&db); err != nil {
		t.Fatal(err)
	}
	pgtest.Exec(t, fmt.Sprintf(`GRANT CREATE ON DATABASE %q TO %s`, db, role))

	for _, pw := range []string{right, wrong} {
		t.Run(strings.SplitN(pw, "-", 2)[0], func(t *testing.T) {
			u, err := url.Parse(pgtest.URL(t))
			if err != nil {
				t.Fatal(err)
			}
			u.User = url.UserPassword(role, pw)
			s, err := Open(ctx, u.String())
			if err != nil {
				noSecret(t, "the error of Open", err.Error(), pw)
				if pw == right {
					t.Fatalf("Open with the right password: %v", err)
				}
				t.Logf("the server refused the wrong password: %v", err)
				return
			}
			defer s.Close()
			if pw == wrong {
				t.Log("the server let the wrong password in (trust authentication)")
			}
			noSecret(t, "Describe", s.Describe(), pw)
			if !strings.Contains(s.Describe(), "postgres://"+role+"@") {
				t.Errorf("Describe %q does not name the user", s.Describe())
			}
			var errs []error
			lk, err := s.Lock(ctx, "apply", 0)
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.Lock(ctx, "apply", 0)
			errs = append(errs, err)
			_, err = s.Commit(ctx, &state.Changeset{Lineage: "l", Put: []*model.Object{team("a")}})
			errs = append(errs, err)
			_, err = s.Commit(ctx, &state.Changeset{Lineage: "l", BaseSerial: 7, Put: []*model.Object{team("b")}})
			errs = append(errs, err)
			_, err = s.Commit(ctx, &state.Changeset{Lineage: "other", BaseSerial: 1})
			errs = append(errs, err)
			lk.Unlock()
			pgtest.Exec(t, `UPDATE "`+s.Schema()+`".meta SET value = '999' WHERE key = 'schema_version'`)
			_, err = s.Snapshot(ctx)
			errs = append(errs, err)
			// A schema of another user's, which this role may not use.
			foreign := pgtest.NewSchema()
			pgtest.Exec(t, `CREATE SCHEMA `+foreign, `CREATE TABLE `+foreign+`.meta (key text, value text)`)
			t.Cleanup(func() { pgtest.Drop(t, base, foreign) })
			other := *u
			other.RawQuery = "sslmode=disable&schema=" + foreign
			s2, err := Open(ctx, other.String())
			if err != nil {
				t.Fatal(err)
			}
			_, err = s2.Lock(ctx, "apply", 0)
			errs = append(errs, err)
			s2.Close()
			want := []string{"state is locked", "", "plan again", "belongs to another state", "newer roster", "may not"}
			for i, err := range errs {
				if i < len(want) && want[i] == "" {
					if err != nil {
						t.Errorf("step %d: %v", i, err)
					}
					continue
				}
				if err == nil {
					t.Errorf("step %d succeeded, want an error", i)
					continue
				}
				if i < len(want) && !strings.Contains(err.Error(), want[i]) {
					t.Errorf("step %d: %v, want %q", i, err, want[i])
				}
				t.Logf("step %d: %v", i, err)
				noSecret(t, fmt.Sprintf("the error of step %d", i), err.Error(), pw)
				var de *state.DamagedError
				if errors.As(err, &de) {
					noSecret(t, "the damage reason", de.Reason, pw)
				}
			}
		})
	}
}
