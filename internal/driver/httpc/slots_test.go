package httpc

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/driver"
)

// onWire counts the requests between being sent and their answer's body
// being closed, and the most there were at once.
type onWire struct{ now, most atomic.Int32 }

func (w *onWire) RoundTrip(*http.Request) (*http.Response, error) {
	n := w.now.Add(1)
	for m := w.most.Load(); n > m && !w.most.CompareAndSwap(m, n); m = w.most.Load() {
	}
	time.Sleep(5 * time.Millisecond)
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: &countedBody{Reader: strings.NewReader(`{}`), w: w}}, nil
}

type countedBody struct {
	io.Reader
	w    *onWire
	once sync.Once
}

func (b *countedBody) Close() error {
	b.once.Do(func() { b.w.now.Add(-1) })
	return nil
}

// TestSlotsAcrossClients: clients of several teams sharing Slots never
// have more requests on the wire than there are slots (schema/sync.md:
// --parallelism bounds the reads in flight across teams); without
// Slots, each client alone is unbounded.
func TestSlotsAcrossClients(t *testing.T) {
	for _, tc := range []struct {
		slots driver.Slots
		most  int32 // at most; 0: more than one seen
	}{{driver.NewSlots(1), 1}, {driver.NewSlots(2), 2}, {nil, 0}} {
		wire := &onWire{}
		var clients []*Client
		for range 3 {
			clients = append(clients, New(Options{BaseURL: "http://127.0.0.1:1", Transport: wire, Slots: tc.slots}))
		}
		var wg sync.WaitGroup
		for _, c := range clients {
			for range 4 {
				wg.Go(func() {
					if _, err := c.Do(context.Background(), "GET", "/x", nil, nil, ""); err != nil {
						t.Error(err)
					}
				})
			}
		}
		wg.Wait()
		got := wire.most.Load()
		switch {
		case tc.most > 0 && got > tc.most:
			t.Errorf("%d slots: %d requests on the wire at once", cap(tc.slots), got)
		case tc.most == 0 && got < 2:
			t.Errorf("no slots: at most %d request on the wire, want several", got)
		}
		if wire.now.Load() != 0 || len(tc.slots) != 0 {
			t.Errorf("%d slots: %d answers left open, %d slots held", cap(tc.slots), wire.now.Load(), len(tc.slots))
		}
	}
}

// slowWire answers after d, or fails when the request's context ends
// first (its timeout).
type slowWire struct{ d time.Duration }

func (w slowWire) RoundTrip(req *http.Request) (*http.Response, error) {
	select {
	case <-time.After(w.d):
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
	return &http.Response{StatusCode: 201, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(`{}`))}, nil
}

// TestSlotWaitIsNotTheTimeout: a request's timeout starts when it is sent,
// not while it waits for a slot, so requests queued behind slow answers
// are not reported unreachable (POSTs are not retried).
func TestSlotWaitIsNotTheTimeout(t *testing.T) {
	slots := driver.NewSlots(1)
	c := New(Options{BaseURL: "http://127.0.0.1:1", Transport: slowWire{120 * time.Millisecond}, Slots: slots, Timeout: 300 * time.Millisecond})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if _, err := c.Do(context.Background(), "POST", "/x", nil, []byte(`{}`), "application/json"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}
