package fakekit

import "time"

// Request is one API request as a fake saw it (admin calls excluded).
// Method and Path are always there; Query, Status and At only where the
// fake records them.
type Request struct {
	Method string
	Path   string // without the query
	Query  string // the raw query
	Status int
	At     time.Time // the server's clock
}

// Log is a fake's request log, in the order the requests came.
type Log struct {
	reqs []Request
}

// Add appends a request.
func (l *Log) Add(r Request) { l.reqs = append(l.reqs, r) }

// Lines is the log as one "METHOD path" (no query) per request.
func (l *Log) Lines() []string {
	out := make([]string, len(l.reqs))
	for i, r := range l.reqs {
		out[i] = r.Method + " " + r.Path
	}
	return out
}

// All is a copy of the log (nil when it is empty).
func (l *Log) All() []Request { return append([]Request(nil), l.reqs...) }

// Reset empties the log.
func (l *Log) Reset() { l.reqs = nil }
