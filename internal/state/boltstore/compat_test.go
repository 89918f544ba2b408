package boltstore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/goldenfile"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
	"github.com/roster-dev/roster/internal/state/statetest"
)

// The state files in testdata/prev were written by the release before the
// json/v2 codec (commit 8422f89): agency.db and groups.db by its roster
// binary applying examples/plausible-agency and examples/piwikpro-groups,
// objects.db by its boltstore committing compatObjects (pending changes,
// connected teams, capabilities, escapes). The .golden files are what that
// release's Snapshot read from them (dumpObjects); this release must read
// the same objects.

// compatObjects are objects of every kind and shape.
func compatObjects() []*model.Object {
	yes := true
	no := false
	return []*model.Object{
		{Addr: model.TeamAddress("acme"), Platform: "posthog", DisplayName: `Acme <"Inc"> & Co`, Require2FA: &yes, SSO: "okta", Connected: true},
		{Addr: model.TeamAddress("beta"), Platform: "plausible", Require2FA: &no},
		{Addr: model.SiteAddress("acme", "mysite.com"), Environment: "production", RemoteID: "123", DefaultAccess: "member"},
		{Addr: model.MemberAddress("acme", "jane@acme.com"), Role: "admin", Status: model.StatusActive, Expires: "2027-01-01T00:00:00Z", Reason: "on call\n\t\u2028 é 😀", Ticket: "OPS-1"},
		{Addr: model.PersonGrantAddress("acme", "mysite.com", "j@x.io"), Role: "viewer", HolderKind: model.HolderGuest, Status: model.StatusActive, Capabilities: []string{"tagmanager_write", "write"}},
		{Addr: model.GroupGrantAddress("acme", "mysite.com", "devs"), Role: "editor", HolderKind: model.HolderKind("group"), Status: model.StatusActive},
		{Addr: model.GroupAddress("acme", "devs"), Members: []string{"a@acme.com", "b@acme.com"}, RemoteID: "g-1", Reason: "r"},
		{Addr: model.GroupAddress("acme", "empty"), Members: []string{}},
		{Addr: model.MemberAddress("acme", "new@acme.com"), Role: "viewer", Status: model.StatusActive, PendingAction: "create",
			Pending: &model.Object{Addr: model.MemberAddress("acme", "new@acme.com"), Role: "viewer", Status: model.StatusActive}},
		{Addr: model.MemberAddress("acme", "old@acme.com"), Role: "admin", Status: model.StatusActive, PendingAction: "delete"},
	}
}

// dumpObjects writes objects field by field, pointers followed, one line
// each: a form that does not depend on any JSON codec.
func dumpObjects(objs []*model.Object) string {
	var b strings.Builder
	var field func(prefix string, v reflect.Value)
	field = func(prefix string, v reflect.Value) {
		t := v.Type()
		for i := range t.NumField() {
			f, fv := t.Field(i), v.Field(i)
			if !f.IsExported() || f.Name == "Decl" || fv.IsZero() {
				continue
			}
			switch {
			case fv.Kind() == reflect.Pointer && fv.Elem().Kind() == reflect.Struct:
				field(prefix+f.Name+".", fv.Elem())
			case fv.Kind() == reflect.Pointer:
				fmt.Fprintf(&b, " %s%s=%#v", prefix, f.Name, fv.Elem().Interface())
			case f.Name == "Addr":
				fmt.Fprintf(&b, " %s%s=%s", prefix, f.Name, fv.Interface())
			default:
				fmt.Fprintf(&b, " %s%s=%#v", prefix, f.Name, fv.Interface())
			}
		}
	}
	for _, o := range objs {
		field("", reflect.ValueOf(o).Elem())
		b.WriteString("\n")
	}
	return b.String()
}

func TestPreviousReleaseState(t *testing.T) {
	for _, name := range []string{"objects", "agency", "groups"} {
		t.Run(name, func(t *testing.T) {
			// Open may upgrade or lock the file: read a copy.
			src, err := os.ReadFile(filepath.Join("testdata", "prev", name+".db"))
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "state.db")
			if err := os.WriteFile(path, src, 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			snap, err := s.Snapshot(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(snap.Objects) < 10 {
				t.Fatalf("only %d objects", len(snap.Objects))
			}
			goldenfile.Check(t, filepath.Join("testdata", "prev", name+".golden"), []byte(dumpObjects(snap.Objects)))
			// The evidence that release sealed (records without
			// change_ticket and policy_digest) still verifies.
			res, err := evidence.Verify(context.Background(), s)
			if err != nil {
				t.Fatalf("its evidence: %v", err)
			}
			if name != "objects" && res.Count < 10 {
				t.Fatalf("only %d evidence records verified", res.Count)
			}
			// And its history reads (json/v2 now reads what encoding/json wrote).
			hist, err := s.History(context.Background())
			if err != nil {
				t.Fatalf("its history: %v", err)
			}
			if name != "objects" && (len(hist) == 0 || hist[0].Serial == 0 || hist[0].Time.IsZero() || len(hist[0].Changes) == 0) {
				t.Fatalf("history read as %+v", hist)
			}
		})
	}
}

// TestPreviousReleaseTasks runs the conformance cases of a state that
// keeps no open follow-up tasks on the previous release's agency.db.
func TestPreviousReleaseTasks(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "prev", "agency.db"))
	if err != nil {
		t.Fatal(err)
	}
	statetest.RunLegacy(t, func(t *testing.T) state.Store {
		path := filepath.Join(t.TempDir(), "state.db")
		if err := os.WriteFile(path, src, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestGenPreviousReleaseState writes objects.db when ROSTER_GEN_COMPAT
// names a directory (run once, with the previous release's code).
func TestGenPreviousReleaseState(t *testing.T) {
	dir := os.Getenv("ROSTER_GEN_COMPAT")
	if dir == "" {
		t.Skip("ROSTER_GEN_COMPAT not set")
	}
	s, err := Open(filepath.Join(dir, "objects.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Commit(context.Background(), &state.Changeset{Lineage: "compat", Put: compatObjects()}); err != nil {
		t.Fatal(err)
	}
}
