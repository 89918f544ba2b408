package httpc

import (
	"encoding/base64"
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

// minSecretPart is the shortest part of a secret that is redacted on its
// own: any run of this many characters or more of a secret (or of a form
// roster derives from it) is taken for a leak of it, in any letter case.
const minSecretPart = 8

// redactor replaces known secrets with Redacted. It learns the credential
// from the headers Options.Auth sets, so a renewed token is redacted too.
// Besides each secret as given it redacts every form roster derives from
// one (URL-escaped, base64 in its four alphabets, an id:secret pair's
// base64), in any letter case, and any run of minSecretPart or more
// characters of any of them (a platform echoing a prefix). Safe for
// concurrent use.
type redactor struct {
	mu      sync.RWMutex
	secrets map[string]bool
	rep     *strings.Replacer
	// forms are the lower-cased forms at least minSecretPart long, and
	// windows every minSecretPart-long run of them, for partial matches.
	forms   []string
	windows map[string]bool
	// public are lower-cased words that messages name on purpose (the
	// platform's name): a run inside one is not taken for a leak, though
	// a secret may contain the word ("plausible-key-…").
	public []string
}

func newRedactor(secrets []string, public ...string) *redactor {
	r := &redactor{secrets: map[string]bool{}, windows: map[string]bool{}}
	for _, w := range public {
		if len(w) >= minSecretPart {
			r.public = append(r.public, asciiLower(w))
		}
	}
	r.add(secrets...)
	return r
}

// derived is s and the forms roster derives from it.
func derived(s string) []string {
	b := []byte(s)
	out := []string{s, url.QueryEscape(s), url.PathEscape(s),
		base64.StdEncoding.EncodeToString(b), base64.URLEncoding.EncodeToString(b),
		base64.RawStdEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b)}
	for _, v := range slices.Clone(out) {
		out = append(out, strings.ToUpper(v), strings.ToLower(v))
	}
	return out
}

// add registers secrets, with their derived forms.
func (r *redactor) add(ss ...string) {
	var fresh []string
	r.mu.RLock()
	for _, s := range ss {
		if s == "" || r.secrets[s] {
			continue
		}
		for _, v := range derived(s) {
			if v != "" && !r.secrets[v] && !slices.Contains(fresh, v) {
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
		if len(v) >= minSecretPart {
			low := asciiLower(v)
			if !slices.Contains(r.forms, low) {
				r.forms = append(r.forms, low)
				for i := 0; i+minSecretPart <= len(low); i++ {
					r.windows[low[i:i+minSecretPart]] = true
				}
			}
		}
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

// redact replaces every known secret in s, and every run of
// minSecretPart or more characters of one, in any letter case.
func (r *redactor) redact(s string) string {
	r.mu.RLock()
	rep, forms, windows := r.rep, r.forms, r.windows
	r.mu.RUnlock()
	if rep == nil || s == "" {
		return s
	}
	s = rep.Replace(s)
	if len(forms) == 0 || len(s) < minSecretPart {
		return s
	}
	low := asciiLower(s)
	public := r.publicSpans(low)
	var b strings.Builder
	last := 0
	for i := 0; i+minSecretPart <= len(low); {
		if !windows[low[i:i+minSecretPart]] || inSpan(public, i, i+minSecretPart) {
			i++
			continue
		}
		// The longest run from i that is part of some form.
		j := i + minSecretPart
		for j < len(low) && partOf(forms, low[i:j+1]) {
			j++
		}
		b.WriteString(s[last:i])
		b.WriteString(Redacted)
		last, i = j, j
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// publicSpans are the places of the public words in low.
func (r *redactor) publicSpans(low string) [][2]int {
	var spans [][2]int
	for _, w := range r.public {
		for from := 0; ; {
			k := strings.Index(low[from:], w)
			if k < 0 {
				break
			}
			spans = append(spans, [2]int{from + k, from + k + len(w)})
			from += k + 1
		}
	}
	return spans
}

// inSpan reports whether [i, j) lies inside one of spans.
func inSpan(spans [][2]int, i, j int) bool {
	for _, sp := range spans {
		if sp[0] <= i && j <= sp[1] {
			return true
		}
	}
	return false
}

func partOf(forms []string, s string) bool {
	for _, f := range forms {
		if strings.Contains(f, s) {
			return true
		}
	}
	return false
}

// asciiLower lower-cases ASCII letters only, so that byte offsets stay
// those of s.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
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
