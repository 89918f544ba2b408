package fakekit

import (
	"net/http"
	"strings"
)

// FailRule makes matching API requests fail: Method ("" any) and
// PathPrefix ("" any) select requests; Count is how many times (0: every
// time); RetryAfter, when set, is sent as the Retry-After header; Body
// replaces the default error body for Status.
type FailRule struct {
	Method     string `json:"method,omitempty"`
	PathPrefix string `json:"path_prefix,omitempty"`
	Status     int    `json:"status"`
	Count      int    `json:"count,omitzero"`
	RetryAfter string `json:"retry_after,omitempty"`
	Body       string `json:"body,omitempty"`
}

// Failures are a fake's failure rules, the first added first tried.
type Failures struct {
	rules []*FailRule
}

// Add adds a rule after the others.
func (f *Failures) Add(r FailRule) {
	c := r
	f.rules = append(f.rules, &c)
}

// Clear removes every rule.
func (f *Failures) Clear() { f.rules = nil }

// Inject answers r with the first rule that matches it, if any, and says
// whether it did. The rule's count goes down by one, and the rule goes
// when it reaches 0. The answer carries the rule's Retry-After, the
// Content-Type contentType and the rule's body, or defaultBody(status)
// when it has none: the platform's own error body.
func (f *Failures) Inject(w http.ResponseWriter, r *http.Request, contentType string, defaultBody func(status int) []byte) bool {
	for i, rule := range f.rules {
		if rule.Method != "" && !strings.EqualFold(rule.Method, r.Method) {
			continue
		}
		if !strings.HasPrefix(r.URL.Path, rule.PathPrefix) {
			continue
		}
		if rule.Count > 0 {
			rule.Count--
			if rule.Count == 0 {
				f.rules = append(f.rules[:i:i], f.rules[i+1:]...)
			}
		}
		if rule.RetryAfter != "" {
			w.Header().Set("Retry-After", rule.RetryAfter)
		}
		body := []byte(rule.Body)
		if rule.Body == "" {
			body = defaultBody(rule.Status)
		}
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(rule.Status)
		w.Write(body) //nolint:errcheck
		return true
	}
	return false
}
