package fakekit

import (
	"net/http"
	"sync"
)

// Recorder is what every fake keeps of the API requests it serves: the
// request log and the failure rules, each method safe for concurrent use.
// A fake embeds it, so that its Requests, ResetRequests, Fail and
// ClearFailures (the admin endpoints' Hooks) come from here; its
// handlers call Record and Inject.
type Recorder struct {
	mu    sync.Mutex
	fails Failures
	log   Log
}

// Fail adds a failure rule.
func (r *Recorder) Fail(rule FailRule) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fails.Add(rule)
}

// ClearFailures removes every failure rule.
func (r *Recorder) ClearFailures() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fails.Clear()
}

// Requests is the request log: one "METHOD path" (no query) per API
// request, in order, failed ones included.
func (r *Recorder) Requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.log.Lines()
}

// RequestLog is the request log with whatever the fake recorded of each.
func (r *Recorder) RequestLog() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.log.All()
}

// ResetRequests empties the request log.
func (r *Recorder) ResetRequests() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log.Reset()
}

// Record adds one request to the log.
func (r *Recorder) Record(req Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log.Add(req)
}

// Inject answers req with the first failure rule that matches it, as
// Failures.Inject does, and says whether it did.
func (r *Recorder) Inject(w http.ResponseWriter, req *http.Request, contentType string, defaultBody func(status int) []byte) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fails.Inject(w, req, contentType, defaultBody)
}
