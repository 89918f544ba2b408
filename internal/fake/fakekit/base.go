package fakekit

import (
	"net/http"
	"sync"
	"time"
)

// Options configure a fake server; Seed is the fake's own seed type.
type Options[Seed any] struct {
	// Seed is the initial data.
	Seed Seed
	// Now fixes the server's clock; zero leaves it on the wall clock (or
	// on the seed's start time, which the fake gives Clock.Seed). SetNow
	// and Advance move it.
	Now time.Time
	// Clock, when set, is the server's clock (a test's fake clock, shared
	// with the code under test); Now and the seed's start time are then
	// ignored, and SetNow and Advance shift the server's time from it.
	Clock func() time.Time
	// Addr is the address to listen on; default 127.0.0.1:0.
	Addr string
}

// Base is what every fake server is built on: its HTTP server, the lock
// over its data, its clock and its Recorder. A fake embeds it, so that
// Close, Now, SetNow and Advance (and, through Recorder, the request log
// and the failure rules: the admin endpoints' Hooks) come from here:
//
//	type Server struct {
//		fakekit.Base
//		users []*user // guarded by Mu
//	}
//
//	func Start(opts Options) (*Server, error) {
//		s := &Server{}
//		return s, fakekit.Start(&s.Base, "fake NAME", opts, s, s.load)
//	}
type Base struct {
	// URL is the base URL, http://127.0.0.1:PORT (no trailing slash).
	URL string
	// Mu guards Clock and the fake's own data; the fake's handlers hold
	// it while they serve a request.
	Mu sync.Mutex
	// Clock is the server's clock (Mu held).
	Clock Clock
	// OnClock, when set, runs with Mu held after SetNow or Advance moved
	// the clock (a fake's scheduled jobs).
	OnClock func()
	// Recorder keeps the request log and the failure rules.
	Recorder

	srv *HTTPServer
}

// Start starts the fake h, which embeds b: it sets b's clock from opts,
// hands the seed to load (the fake's own, which may call b.Clock.Seed
// with the seed's start time), then serves h in the background until
// Close. what names the fake in errors ("fake posthog").
func Start[Seed any](b *Base, what string, opts Options[Seed], h http.Handler, load func(Seed) error) error {
	if opts.Clock != nil {
		b.Clock.Source = opts.Clock
	} else if !opts.Now.IsZero() {
		b.Clock.Set(opts.Now)
	}
	if err := load(opts.Seed); err != nil {
		return err
	}
	hs, err := Serve(what, opts.Addr, h)
	if err != nil {
		return err
	}
	b.srv, b.URL = hs, hs.URL
	return nil
}

// BaseURL is URL, for Run.
func (b *Base) BaseURL() string { return b.URL }

// Close stops the server.
func (b *Base) Close() { b.srv.Close() }

// Now is the server's time.
func (b *Base) Now() time.Time {
	b.Mu.Lock()
	defer b.Mu.Unlock()
	return b.Clock.Now()
}

// SetNow sets the server's clock to t.
func (b *Base) SetNow(t time.Time) {
	b.Mu.Lock()
	defer b.Mu.Unlock()
	b.Clock.Set(t)
	b.moved()
}

// Advance moves the server's clock forward by d.
func (b *Base) Advance(d time.Duration) {
	b.Mu.Lock()
	defer b.Mu.Unlock()
	b.Clock.Advance(d)
	b.moved()
}

func (b *Base) moved() {
	if b.OnClock != nil {
		b.OnClock()
	}
}

// Run is Main for a fake whose Start takes Options: `NAME URLFILE
// [--seed FILE.json] [--addr HOST:PORT]`.
func Run[Seed any, F interface {
	BaseURL() string
	Close()
}](name string, args []string, start func(Options[Seed]) (F, error)) int {
	return Main(name, args, func(seed Seed, addr string) (string, func(), error) {
		f, err := start(Options[Seed]{Seed: seed, Addr: addr})
		if err != nil {
			return "", nil, err
		}
		return f.BaseURL(), f.Close, nil
	})
}
