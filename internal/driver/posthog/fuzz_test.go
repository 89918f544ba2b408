package posthog

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

// stub answers every request without a network: the fuzzed body the first
// time a list or access path is read, an empty page after.
func stub(body string) *drivertest.Stub {
	return &drivertest.Stub{ContentType: "application/json", Answer: func(path string, first bool) string {
		switch {
		case strings.HasSuffix(path, "/users/@me/"):
			return `{"uuid":"u","email":"O@x.io","organizations":[{"id":"org","name":"Org"}]}`
		case strings.HasSuffix(path, "/projects/") && strings.Contains(path, "/organizations/"):
			if first {
				return `{"count":1,"next":null,"results":[{"id":1,"name":"P"}]}`
			}
		case first:
			return body
		}
		return `{"count":0,"next":null,"results":[]}`
	}}
}

// FuzzRefresh feeds arbitrary answers to the members, invitations and
// access reads: a refresh either succeeds or fails with an error, never
// a panic.
func FuzzRefresh(f *testing.F) {
	for _, s := range []string{
		`{"count":1,"next":null,"results":[{"id":"m1","level":8,"user":{"uuid":"u1","email":"A@x.io"}}]}`,
		`{"count":1,"next":null,"results":[{"id":"i1","target_email":"b@x.io","level":1,"is_expired":false,"private_project_access":[{"id":"1","level":"admin"}]}]}`,
		`{"access_controls":[{"access_level":"member","organization_member":"m1"},{"access_level":"none","organization_member":null}],"default_access_level":"member"}`,
		`{"count":5,"next":"x","results":[{}]}`,
		`{"results":null}`, `[]`, `null`, `{"count":"x"}`, ``,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		team := &driver.Team{Name: "acme", Conn: model.Connection{Endpoint: "https://eu.posthog.com", AccountID: "org"}, Token: "k",
			Sites: []*model.Object{{Addr: model.SiteAddress("acme", "P")}}, Guests: map[string]bool{"b@x.io": true}}
		d := newDriver(team, Options{Clock: fakeclock.New(time.Time{})}, stub(body))
		snap, err := d.Refresh(context.Background())
		if err == nil && snap.SiteIDs["P"] != "1" {
			t.Fatalf("site ids %v", snap.SiteIDs)
		}
	})
}
