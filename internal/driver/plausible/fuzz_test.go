package plausible

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/fakeclock"
	"github.com/roster-dev/roster/internal/model"
)

// stub answers every request without a network: one team, one site, and
// the fuzzed body for the guests the first time, an empty page after.
type stub struct {
	mu   sync.Mutex
	seen bool
	body string
}

func (s *stub) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	body := `{"guests":[],"meta":{"after":null}}`
	switch {
	case strings.HasSuffix(r.URL.Path, "/sites/teams"):
		body = `{"teams":[{"id":"t","name":"T"}],"meta":{"after":null}}`
	case strings.HasSuffix(r.URL.Path, "/sites"):
		body = `{"sites":[{"domain":"P.com"}],"meta":{"after":null,"before":null,"limit":100}}`
	case !s.seen:
		body = s.body
		s.seen = true
	}
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
}

// FuzzRefresh feeds arbitrary answers to the guest read: a refresh either
// succeeds, with only guest grants of the declared site, or fails with an
// error, never a panic.
func FuzzRefresh(f *testing.F) {
	for _, s := range []string{
		`{"guests":[{"email":"A@x.io","role":"viewer","status":"accepted"},{"email":"b@x.io","role":"editor","status":"invited"}],"meta":{"after":null}}`,
		`{"guests":[{"email":"a@x.io","role":"viewer","status":"accepted"}],"meta":{"after":"c1"}}`,
		`{"guests":[{"email":"","status":"accepted"}]}`,
		`{"guests":null,"meta":null}`, `{"guests":{}}`, `[]`, `null`, `{"meta":{"after":5}}`, ``,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		team := &driver.Team{Name: "acme", Conn: model.Connection{Endpoint: "https://plausible.io"}, Token: "k",
			Sites: []*model.Object{{Addr: model.SiteAddress("acme", "p.com")}}}
		d := newDriver(team, Options{Clock: fakeclock.New(time.Time{})}, &stub{body: body})
		snap, err := d.Refresh(context.Background())
		if err != nil {
			return
		}
		if snap.SiteIDs["p.com"] != "P.com" {
			t.Fatalf("site ids %v", snap.SiteIDs)
		}
		for _, o := range snap.Objects {
			if o.Addr.Kind != model.KindGrant || o.HolderKind != model.HolderGuest || o.Addr.Site != "p.com" || o.Addr.Email == "" {
				t.Fatalf("object %s %s", o.Addr, o.HolderKind)
			}
		}
	})
}
