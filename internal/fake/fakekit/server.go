package fakekit

import (
	"cmp"
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// HTTPServer is a fake's HTTP server, serving in the background.
type HTTPServer struct {
	// URL is the base URL, http://HOST:PORT (no trailing slash).
	URL string

	srv *http.Server

	mu    sync.Mutex
	fresh map[net.Conn]bool // connections that have not sent a request yet
}

// Serve listens on addr (127.0.0.1:0, a free port, when empty) and serves
// h in the background until Close. what names the fake in the error
// ("fake posthog: listen on …").
func Serve(what, addr string, h http.Handler) (*HTTPServer, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s: listen on %s: %v", what, addr, err)
	}
	hs := &HTTPServer{URL: "http://" + ln.Addr().String(), fresh: map[net.Conn]bool{}}
	hs.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ConnState: hs.track}
	go hs.srv.Serve(ln) //nolint:errcheck // Serve ends with ErrServerClosed on Close.
	return hs, nil
}

// track keeps the connections that have not sent a request yet.
func (hs *HTTPServer) track(c net.Conn, st http.ConnState) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if st == http.StateNew {
		hs.fresh[c] = true
	} else {
		delete(hs.fresh, c)
	}
}

// Close stops the server: it waits up to 2 s for requests in flight, then
// closes what is left. A connection that never sent a request is closed
// at once: http.Server.Shutdown would wait for it (it counts one as idle
// only after 5 s), and an HTTP client often dials one it then does not
// use, when a pooled connection frees up first.
func (hs *HTTPServer) Close() {
	hs.mu.Lock()
	for c := range hs.fresh {
		c.Close()
	}
	hs.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := hs.srv.Shutdown(ctx); err != nil {
		hs.srv.Close()
	}
}

// Must returns v, or panics with err: for a fake's New, which tests call
// with options they know to be valid.
func Must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// writeOpts make json/v2 write the bytes the fakes always wrote (with
// encoding/json): map keys sorted, a nil list or map as null, HTML-safe
// escapes.
var writeOpts = json.JoinOptions(json.Deterministic(true), json.FormatNilSliceAsNull(true),
	json.FormatNilMapAsNull(true), jsontext.EscapeForHTML(true), jsontext.EscapeForJS(true))

// Marshal is v as a fake writes JSON (json/v2, writeOpts, then opts,
// which win); nil when v cannot be written, which is a bug of the fake.
func Marshal(v any, opts ...json.Options) []byte {
	b, _ := json.Marshal(v, append([]json.Options{writeOpts}, opts...)...)
	return b
}

// WriteJSON answers status with v as JSON (Marshal, no trailing newline)
// and the Content-Type contentType.
func WriteJSON(w http.ResponseWriter, status int, contentType string, v any) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	w.Write(Marshal(v)) //nolint:errcheck
}

// StatusWriter remembers the status a handler answered, for the request
// log: the first one written, 200 when the handler wrote only a body (or
// nothing, as net/http then answers).
type StatusWriter struct {
	http.ResponseWriter
	status int
}

// WriteHeader writes and remembers the status (the first one counts).
func (w *StatusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write writes b; without a status written before, it is a 200.
func (w *StatusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Status is the status answered.
func (w *StatusWriter) Status() int { return cmp.Or(w.status, http.StatusOK) }
