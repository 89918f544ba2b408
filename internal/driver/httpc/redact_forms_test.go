package httpc

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/driver/fakeclock"
)

// Piwik PRO's CLIENT_ID:CLIENT_SECRET and a Plausible token, as the
// drivers hand them to httpc (the pair and its parts).
const (
	formsID     = "0f3c2a9e-client-4b71"
	formsSecret = "s3cr3t-PiwikPRO-Zq8Rv2Lm7Xw4"
	formsToken  = "plausible_TOKEN_aBcD1234eFgH5678"
)

// leaks are the forms a platform echoing credentials printed with
// ROSTER_LOG=debug before issue 20, and the other forms roster derives.
func leaks() map[string]string {
	pair := formsID + ":" + formsSecret
	return map[string]string{
		"token":                 formsToken,
		"token upper":           strings.ToUpper(formsToken),
		"token lower":           strings.ToLower(formsToken),
		"token base64":          base64.StdEncoding.EncodeToString([]byte(formsToken)),
		"token base64url raw":   base64.RawURLEncoding.EncodeToString([]byte(formsToken)),
		"token 14-char prefix":  formsToken[:14],
		"token 8-char middle":   formsToken[10:18],
		"pair":                  pair,
		"pair base64":           base64.StdEncoding.EncodeToString([]byte(pair)),
		"pair base64 prefix":    base64.StdEncoding.EncodeToString([]byte(pair))[:20],
		"pair URL-encoded":      url.QueryEscape(pair),
		"pair path-escaped":     url.PathEscape(pair),
		"secret upper":          strings.ToUpper(formsSecret),
		"secret URL-encoded":    url.QueryEscape(formsSecret),
		"secret suffix":         formsSecret[len(formsSecret)-9:],
		"secret base64 upper":   strings.ToUpper(base64.StdEncoding.EncodeToString([]byte(formsSecret))),
		"basic header (learnt)": "Basic " + base64.StdEncoding.EncodeToString([]byte(pair)),
	}
}

// mustNotShow fails when text holds any run of 8 or more characters of a
// secret, in any case (the test's own check, independent of the
// redactor's).
func mustNotShow(t *testing.T, where, text string) {
	t.Helper()
	low := strings.ToLower(text)
	for _, sec := range []string{formsToken, formsSecret, formsID + ":" + formsSecret} {
		forms := []string{sec, base64.StdEncoding.EncodeToString([]byte(sec))}
		for _, f := range forms {
			f = strings.ToLower(f)
			for i := 0; i+8 <= len(f); i++ {
				if strings.Contains(low, f[i:i+8]) {
					t.Errorf("%s shows %q, part of a secret:\n%s", where, f[i:i+8], text)
					return
				}
			}
		}
	}
}

func TestRedactDerivedForms(t *testing.T) {
	r := newRedactor([]string{formsToken, formsID + ":" + formsSecret, formsID, formsSecret})
	for name, leak := range leaks() {
		got := r.redact("before " + leak + " after")
		if !strings.Contains(got, Redacted) || !strings.HasPrefix(got, "before ") || !strings.HasSuffix(got, " after") {
			t.Errorf("%s: %q", name, got)
		}
		mustNotShow(t, name, got)
	}
	// Text that shares less than 8 characters with a secret is kept.
	for _, keep := range []string{"plausib", "the token was refused", "0f3c2a9", "status 401"} {
		if got := r.redact(keep); got != keep {
			t.Errorf("%q became %q", keep, got)
		}
	}
}

// A platform that echoes every form of the credentials in its error: the
// debug log and the error show none of them.
func TestRedactEchoedCredentials(t *testing.T) {
	var echo strings.Builder
	for name, leak := range leaks() {
		echo.WriteString(name + "=" + leak + "; ")
	}
	srv := script(t, step{status: 400, body: echo.String()})
	var log bytes.Buffer
	pair := formsID + ":" + formsSecret
	c := newTest(srv.URL, fakeclock.New(t0), Options{
		Platform: "Piwik PRO",
		Auth: func(r *http.Request) {
			r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(pair)))
		},
		Log:     &log,
		Secrets: []string{formsToken, pair, formsID, formsSecret},
	})
	_, err := c.Do(context.Background(), "GET", "/api/x", nil, nil, "")
	var re *RequestError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v", err)
	}
	mustNotShow(t, "the debug log", log.String())
	mustNotShow(t, "the error", err.Error())
	mustNotShow(t, "the body", string(re.Body))
}

// The platform's name stays readable though a secret contains it; the
// secret around it does not.
func TestRedactKeepsPlatformName(t *testing.T) {
	const token = "plausible-key-SECRET-0123456789"
	r := newRedactor([]string{token}, "Plausible")
	if got := r.redact("Plausible answered GET /api/v1/sites with 401"); got != "Plausible answered GET /api/v1/sites with 401" {
		t.Errorf("the platform's name was redacted: %q", got)
	}
	got := r.redact("echo: PLAUSIBLE-KEY-SECRET-01 and plausible-key-SEC")
	for _, leak := range []string{"KEY-SECRET", "key-SEC", "-0123"} {
		if strings.Contains(got, leak) {
			t.Errorf("%q shows %q", got, leak)
		}
	}
}
