package httpc

import (
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
)

// Redacted replaces a secret in every log line and error message.
const Redacted = "[redacted]"

// DebugLog is the writer for the debug log: os.Stderr when $ROSTER_LOG is
// "debug" (any case), else nil (off). Pass it as Options.Log.
func DebugLog() io.Writer {
	if strings.EqualFold(strings.TrimSpace(os.Getenv("ROSTER_LOG")), "debug") {
		return os.Stderr
	}
	return nil
}

// redactor replaces known secrets with Redacted. It learns the credential
// from the headers Options.Auth sets, so a renewed token is redacted too.
// Safe for concurrent use.
type redactor struct {
	mu      sync.RWMutex
	secrets map[string]bool
	rep     *strings.Replacer
}

func newRedactor(secrets []string) *redactor {
	r := &redactor{secrets: map[string]bool{}}
	r.add(secrets...)
	return r
}

// add registers secrets, with their URL-escaped forms.
func (r *redactor) add(ss ...string) {
	var fresh []string
	r.mu.RLock()
	for _, s := range ss {
		for _, v := range []string{s, url.QueryEscape(s), url.PathEscape(s)} {
			if v != "" && !r.secrets[v] {
				fresh = append(fresh, v)
			}
		}
	}
	r.mu.RUnlock()
	if len(fresh) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range fresh {
		r.secrets[v] = true
	}
	all := make([]string, 0, len(r.secrets))
	for s := range r.secrets {
		all = append(all, s)
	}
	// Longest first, so "Bearer abc" wins over "abc"; ties by text, so
	// the result never depends on map order.
	slices.SortFunc(all, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	pairs := make([]string, 0, 2*len(all))
	for _, s := range all {
		pairs = append(pairs, s, Redacted)
	}
	r.rep = strings.NewReplacer(pairs...)
}

// redact replaces every known secret in s.
func (r *redactor) redact(s string) string {
	r.mu.RLock()
	rep := r.rep
	r.mu.RUnlock()
	if rep == nil || s == "" {
		return s
	}
	return rep.Replace(s)
}

// learn registers as secrets whatever the Auth func added or changed on
// req: header values (and the credential after an auth scheme such as
// "Bearer "), and query values.
func (r *redactor) learn(before http.Header, beforeQuery string, req *http.Request) {
	for k, vs := range req.Header {
		if slices.Equal(before[k], vs) {
			continue
		}
		for _, v := range vs {
			r.add(v)
			if _, cred, ok := strings.Cut(strings.TrimSpace(v), " "); ok {
				r.add(strings.TrimSpace(cred))
			}
		}
	}
	if req.URL != nil && req.URL.RawQuery != beforeQuery {
		old, _ := url.ParseQuery(beforeQuery)
		now, _ := url.ParseQuery(req.URL.RawQuery)
		for k, vs := range now {
			for _, v := range vs {
				if !slices.Contains(old[k], v) {
					r.add(v)
				}
			}
		}
	}
}

// secretWords mark a query parameter whose value is never logged.
var secretWords = []string{"token", "key", "secret", "password", "passwd", "credential", "auth", "signature"}

// secretName reports whether a query parameter's name looks secret
// (token, api_key, personal_api_key, client_secret, password, ...).
func secretName(name string) bool {
	n := strings.ToLower(name)
	for _, w := range secretWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// logQuery encodes q as URL.Query's Encode does (sorted by name), with the
// value of every secret-looking parameter replaced by Redacted.
func logQuery(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		secret := secretName(k)
		for _, v := range q[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(k))
			b.WriteByte('=')
			if secret {
				b.WriteString(Redacted)
			} else {
				b.WriteString(url.QueryEscape(v))
			}
		}
	}
	return b.String()
}
