package httpc

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"3", "0", "-1", "120", "99999999999999999999", t0.Add(7 * time.Second).Format(http.TimeFormat), "Mon, 02 Jan 2006 15:04:05 GMT", "soon", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		h := http.Header{}
		h.Set("Retry-After", v)
		d, ok := retryAfter(h, t0)
		if d < 0 || (!ok && d != 0) {
			t.Fatalf("retryAfter(%q) = %v, %v", v, d, ok)
		}
	})
}

func FuzzRedact(f *testing.F) {
	f.Add("123456", "Bearer 123456 and ?token=123456", "token=123456&limit=5")
	f.Add("0000", "00000000", "a=0000")
	f.Fuzz(func(t *testing.T, digits, text, rawQuery string) {
		// Digit secrets never occur inside "[redacted]", so none may
		// survive.
		if len(digits) < 4 || strings.Trim(digits, "0123456789") != "" {
			return
		}
		r := newRedactor([]string{digits})
		if out := r.redact(text); strings.Contains(out, digits) {
			t.Fatalf("redact(%q) = %q still holds %q", text, out, digits)
		}
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			return
		}
		out := logQuery(q)
		for k, vs := range q {
			if !secretName(k) {
				continue
			}
			for _, v := range vs {
				if len(v) >= 4 && strings.Trim(v, "0123456789") == "" && strings.Contains(out, v) && !strings.Contains(k, v) {
					var other bool
					for k2, vs2 := range q {
						if !secretName(k2) && (strings.Contains(k2, v) || strings.Contains(strings.Join(vs2, "&"), v)) {
							other = true
						}
					}
					if !other {
						t.Fatalf("logQuery(%q) = %q shows %s's value", rawQuery, out, k)
					}
				}
			}
		}
	})
}

func BenchmarkRedact(b *testing.B) {
	r := newRedactor([]string{"phx_abcdefghijklmnop", "client-id:client-secret", "Bearer phx_abcdefghijklmnop"})
	line := "debug: PostHog: GET /api/organizations/0190a1b2/members/?limit=100&offset=200 200 12.3ms"
	b.ReportAllocs()
	for b.Loop() {
		_ = r.redact(line)
	}
}
