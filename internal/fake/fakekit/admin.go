package fakekit

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	json "github.com/go-json-experiment/json"
)

// AdminPrefix is the path under which a fake serves its admin endpoints.
const AdminPrefix = "/_fake/"

// maxAdminBody is the most of an admin request's body that is read.
const maxAdminBody = 1 << 20

// Hooks are the methods of a fake that the shared admin endpoints call.
// Each takes the fake's lock.
type Hooks interface {
	Requests() []string
	ResetRequests()
	Fail(FailRule)
	ClearFailures()
	Advance(time.Duration)
	SetNow(time.Time)
}

// Admin serves a fake's admin endpoints under AdminPrefix.
type Admin struct {
	// Paths documents every endpoint, one per line; the answers to a wrong
	// method or an unknown endpoint list them.
	Paths []string
	// Hooks are the fake's methods for the shared endpoints.
	Hooks Hooks
	// State dumps the fake's data, for GET /_fake/state.
	State func() any
}

// Serve answers r. Whatever the method, /_fake/requests answers the
// request log as text (one "METHOD path" line a request) and /_fake/state
// the State dump as JSON. Every other endpoint wants POST (else 405) with
// an optional JSON body, decoded into a FailRule for /_fake/fail and into
// body (a pointer to the fake's own struct) for the others; a body that
// does not decode is a 400. Serve itself answers fail (a status from 100
// to 599), clear-failures, reset-requests, advance {"duration":"72h"} and
// set-now {"now":RFC 3339} (the Hooks' clock), and hands the others to
// handle, which reports false for a name it does not know (then 404).
// Every JSON answer is {"ok":true}, {"error":"…"} or an endpoint's own.
func (a *Admin) Serve(w http.ResponseWriter, r *http.Request, body any, handle func(c *AdminCall) bool) {
	c := &AdminCall{Name: strings.Trim(strings.TrimPrefix(r.URL.Path, AdminPrefix), "/"), w: w, hooks: a.Hooks}
	switch c.Name {
	case "requests":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		for _, l := range a.Hooks.Requests() {
			io.WriteString(w, l+"\n") //nolint:errcheck
		}
		return
	case "state":
		c.JSON(a.State())
		return
	}
	if r.Method != http.MethodPost {
		c.error(http.StatusMethodNotAllowed, "use POST; endpoints: "+strings.Join(a.Paths, "; "))
		return
	}
	raw, _ := io.ReadAll(io.LimitReader(r.Body, maxAdminBody))
	var rule FailRule
	var clock clockBody
	if len(strings.TrimSpace(string(raw))) > 0 {
		into := body
		switch c.Name {
		case "fail":
			into = &rule
		case "advance", "set-now":
			into = &clock
		}
		if err := json.Unmarshal(raw, into); err != nil {
			c.Fail(fmt.Errorf("body: %v", err))
			return
		}
	}
	switch c.Name {
	case "advance":
		c.Advance(clock.Duration)
	case "set-now":
		c.SetNow(clock.Now)
	case "fail":
		if rule.Status < 100 || rule.Status > 599 {
			c.Fail(fmt.Errorf("status %d is not an HTTP status", rule.Status))
			return
		}
		a.Hooks.Fail(rule)
		c.OK()
	case "clear-failures":
		a.Hooks.ClearFailures()
		c.OK()
	case "reset-requests":
		a.Hooks.ResetRequests()
		c.OK()
	default:
		if !handle(c) {
			c.error(http.StatusNotFound, "unknown admin endpoint; endpoints: "+strings.Join(a.Paths, "; "))
		}
	}
}

// clockBody is the body of /_fake/advance and /_fake/set-now.
type clockBody struct {
	Duration string `json:"duration"`
	Now      string `json:"now"`
}

// AdminCall is one admin request being served: its endpoint's name (the
// path after AdminPrefix) and the ways to answer it.
type AdminCall struct {
	Name string

	w     http.ResponseWriter
	hooks Hooks
}

// JSON answers 200 with v.
func (c *AdminCall) JSON(v any) { WriteJSON(c.w, http.StatusOK, "application/json", v) }

// OK answers 200 {"ok":true}.
func (c *AdminCall) OK() { c.JSON(map[string]bool{"ok": true}) }

// Fail answers 400 {"error":err}.
func (c *AdminCall) Fail(err error) { c.error(http.StatusBadRequest, err.Error()) }

func (c *AdminCall) error(status int, msg string) {
	WriteJSON(c.w, status, "application/json", map[string]string{"error": msg})
}

// Done answers OK, or Fail when err is not nil.
func (c *AdminCall) Done(err error) {
	if err != nil {
		c.Fail(err)
		return
	}
	c.OK()
}

// ID answers 200 {"id":id}, or Fail when err is not nil.
func (c *AdminCall) ID(id string, err error) {
	if err != nil {
		c.Fail(err)
		return
	}
	c.JSON(map[string]string{"id": id})
}

// Advance moves the fake's clock forward by duration, a Go duration
// ("72h"), and answers OK; a bad duration is a 400.
func (c *AdminCall) Advance(duration string) {
	d, err := time.ParseDuration(duration)
	if err != nil {
		c.Fail(fmt.Errorf("duration %q: %v", duration, err))
		return
	}
	c.hooks.Advance(d)
	c.OK()
}

// SetNow sets the fake's clock to now, an RFC 3339 time, and answers OK;
// a bad time is a 400.
func (c *AdminCall) SetNow(now string) {
	t, err := time.Parse(time.RFC3339, now)
	if err != nil {
		c.Fail(fmt.Errorf("now %q is not an RFC 3339 time", now))
		return
	}
	c.hooks.SetNow(t)
	c.OK()
}
