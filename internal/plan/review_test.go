package plan

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/model"
)

// A plan compares equal to itself read back from its saved file, and every
// way a change can differ is a difference, named in its line.
func TestCompare(t *testing.T) {
	base := []*model.Object{team("acme", "plausible"), site("acme", "a.com", ""), member("acme", "alice@acme.com", "owner")}
	desired := append(clones(base), guest("acme", "a.com", "jane@agency.com", "viewer"), member("acme", "bob@acme.com", "editor"))
	reviewed := run(t, desired, base)
	if len(reviewed.Changes) != 2 {
		t.Fatalf("reviewed plan: %v", addrs(reviewed))
	}
	data, err := Encode(reviewed)
	if err != nil {
		t.Fatal(err)
	}
	saved, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if d := Compare(saved, run(t, desired, base)); len(d) != 0 {
		t.Errorf("a fresh plan of the same input differs from the saved one: %v", d)
	}

	for _, tc := range []struct {
		name    string
		desired []*model.Object
		prior   []*model.Object
		opts    []func(*Input)
		want    []string // one line per difference, in address order
	}{
		{
			name:    "a change nobody reviewed",
			desired: append(clones(desired), member("acme", "eve@acme.com", "admin")),
			prior:   base,
			want:    []string{"member/acme/eve@acme.com: the fresh plan would create it; the reviewed plan did not"},
		},
		{
			name:    "a reviewed change already made",
			desired: desired,
			prior:   append(clones(base), with(member("acme", "bob@acme.com", "editor"), status(model.StatusActive))),
			want:    []string{"member/acme/bob@acme.com: the reviewed plan would create it; the fresh plan does not"},
		},
		{
			name:    "another after",
			desired: append(clones(base), guest("acme", "a.com", "jane@agency.com", "viewer"), member("acme", "bob@acme.com", "admin")),
			prior:   base,
			want:    []string{`member/acme/bob@acme.com: create in both, but after: role "editor" reviewed, "admin" now`},
		},
		{
			name:    "another before",
			desired: desired,
			prior:   append(clones(base), with(guest("acme", "a.com", "jane@agency.com", "editor"), status(model.StatusActive))),
			want:    []string{"grant/acme/a.com/jane@agency.com: reviewed create, now update"},
		},
		{
			name: "an expiry since the review",
			desired: append(clones(desired), with(member("acme", "tim@acme.com", "editor"), func(o *model.Object) {
				o.Expires = "2026-02-01T23:59:59Z"
			})),
			prior: append(clones(base), with(member("acme", "tim@acme.com", "editor"), func(o *model.Object) {
				o.Expires, o.Status = "2026-02-01T23:59:59Z", model.StatusActive
			})),
			want: []string{"member/acme/tim@acme.com: the fresh plan would delete it; the reviewed plan did not (expired 2026-02-01T23:59:59Z)"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fresh := run(t, tc.desired, tc.prior, tc.opts...)
			diffs := Compare(saved, fresh)
			var got []string
			for _, d := range diffs {
				got = append(got, d.String())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("differences:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			err := CheckReviewed(saved, fresh)
			var ce *ChangedError
			if !errors.As(err, &ce) || !strings.HasPrefix(err.Error(), "plan changed since review") {
				t.Errorf("CheckReviewed = %v, want a ChangedError", err)
			}
		})
	}
	// An invitation accepted since the review (status) is no difference.
	accepted := run(t, desired, append(clones(base), with(guest("acme", "a.com", "jane@agency.com", "editor"), status(model.StatusInvited))))
	acceptedNow := run(t, desired, append(clones(base), with(guest("acme", "a.com", "jane@agency.com", "editor"), status(model.StatusActive))))
	if d := Compare(accepted, acceptedNow); len(d) != 0 {
		t.Errorf("a status change is a difference: %v", d)
	}
	// Nothing but serial, time and commit moved: no difference.
	moved := run(t, desired, base, func(in *Input) {
		in.Serial, in.CreatedAt, in.Commit = 9, testNow.Add(time.Hour), "other"
	})
	if err := CheckReviewed(saved, moved); err != nil {
		t.Errorf("a plan at another serial with the same changes is refused: %v", err)
	}
}

// Input.Only keeps the changes of the causes given, by their typed risks,
// holds the rest, and raises follow-ups only for what it keeps.
func TestOnly(t *testing.T) {
	expiring := func(o *model.Object) { o.Expires = "2026-02-01T23:59:59Z" }
	prior := []*model.Object{
		team("acme", "plausible"), site("acme", "a.com", ""), member("acme", "alice@acme.com", "owner"),
		with(member("acme", "old@acme.com", "admin"), func(o *model.Object) { expiring(o); o.Status = model.StatusActive }),
		with(member("acme", "gone@acme.com", "admin"), status(model.StatusActive)),
	}
	desired := []*model.Object{
		team("acme", "plausible"), site("acme", "a.com", ""), member("acme", "alice@acme.com", "owner"),
		with(member("acme", "old@acme.com", "admin"), expiring),
		member("acme", "new@acme.com", "viewer"),
	}
	all := run(t, desired, prior)
	if got := addrs(all); !slices.Equal(got, []string{"delete member/acme/gone@acme.com", "create member/acme/new@acme.com", "delete member/acme/old@acme.com"}) {
		t.Fatalf("full plan: %v", got)
	}
	if len(all.FollowUps) == 0 {
		t.Fatal("removing admins raised no follow-up")
	}
	p := run(t, desired, prior, func(in *Input) { in.Only = []Cause{CauseExpired} })
	if got := addrs(p); !slices.Equal(got, []string{"delete member/acme/old@acme.com"}) {
		t.Errorf("--only expired kept %v", got)
	}
	var held []string
	for _, c := range p.Held {
		held = append(held, c.Addr.String())
	}
	if !slices.Equal(held, []string{"member/acme/gone@acme.com", "member/acme/new@acme.com"}) {
		t.Errorf("held %v", held)
	}
	for _, f := range p.FollowUps {
		if strings.Contains(f.Text, "gone@acme.com") {
			t.Errorf("a follow-up of a held change: %s", f.Text)
		}
	}
	if len(p.FollowUps) == 0 {
		t.Error("the expired admin's removal raised no follow-up")
	}
	if d := run(t, desired, prior, func(in *Input) { in.Only = []Cause{CauseDrift} }); len(d.Changes) != 0 {
		t.Errorf("--only drift without a refresh kept %v", addrs(d))
	}
	for _, s := range []string{"expired", "drift"} {
		if c, ok := ParseCause(s); !ok || string(c) != s {
			t.Errorf("ParseCause(%q) = %q, %v", s, c, ok)
		}
	}
	if _, ok := ParseCause("expiry"); ok {
		t.Error("ParseCause accepted expiry")
	}
}
