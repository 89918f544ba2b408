package plausible

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/drivertest"
	"github.com/roster-dev/roster/internal/driver/fakeclock"
	"github.com/roster-dev/roster/internal/model"
)

// stub answers every request without a network: one team, one site, and
// the fuzzed body for the guests the first time, an empty page after.
func stub(body string) *drivertest.Stub {
	seen := false
	return &drivertest.Stub{ContentType: "application/json", Answer: func(path string, _ bool) string {
		switch {
		case strings.HasSuffix(path, "/sites/teams"):
			return `{"teams":[{"id":"t","name":"T"}],"meta":{"after":null}}`
		case strings.HasSuffix(path, "/sites"):
			return `{"sites":[{"domain":"P.com"}],"meta":{"after":null,"before":null,"limit":100}}`
		case !seen:
			seen = true
			return body
		}
		return `{"guests":[],"meta":{"after":null}}`
	}}
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
		d := newDriver(team, Options{Clock: fakeclock.New(time.Time{})}, stub(body))
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
