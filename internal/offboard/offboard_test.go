package offboard

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/model"
)

// TestRemove runs the cases in testdata/*.txtar. Each archive holds the
// configuration (*.hcl), the email to remove (email), optionally the
// person's moves the state keeps waiting (pending: "FROM TO" addresses, one
// a line), and what must come of it: want/NAME.hcl for every file that
// changes (files without one must not change), removed (one place a line)
// or unsafe (one place a line; then nothing may change), and moved (the
// person's other emails, one a line).
func TestRemove(t *testing.T) {
	paths, err := filepath.Glob("testdata/*.txtar")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no test cases: %v", err)
	}
	for _, path := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var srcs []config.Source
			want := map[string]string{}
			var email, removed, unsafe, moved string
			var stored []*model.Object
			for _, f := range ar.Files {
				switch {
				case f.Name == "email":
					email = strings.TrimSpace(string(f.Data))
				case f.Name == "pending":
					stored = pendingMoves(t, string(f.Data))
				case f.Name == "moved":
					moved = string(f.Data)
				case f.Name == "removed":
					removed = string(f.Data)
				case f.Name == "unsafe":
					unsafe = string(f.Data)
				case strings.HasPrefix(f.Name, "want/"):
					want[strings.TrimPrefix(f.Name, "want/")] = string(f.Data)
				default:
					srcs = append(srcs, config.Source{Name: f.Name, Data: f.Data})
				}
			}
			res, err := Remove("", srcs, email, stored)
			if err != nil {
				t.Fatal(err)
			}
			var gotMoved strings.Builder
			for _, e := range res.Moved {
				gotMoved.WriteString(e + "\n")
			}
			if diff := cmp.Diff(moved, gotMoved.String()); diff != "" {
				t.Errorf("moved (-want +got):\n%s", diff)
			}
			got := map[string]string{}
			for _, c := range res.Changed {
				got[c.Name] = string(c.Data)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("changed files (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(removed, places(res.Removed)); diff != "" {
				t.Errorf("removed (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(unsafe, places(res.Unsafe)); diff != "" {
				t.Errorf("unsafe (-want +got):\n%s", diff)
			}
			if len(res.Unsafe) > 0 && (len(res.Changed) > 0 || res.Config != nil) {
				t.Errorf("unsafe places but edits returned: all or nothing")
			}
		})
	}
}

// pendingMoves are state objects, one a line "FROM TO": a person stored
// at FROM whose move to TO waits for them.
func pendingMoves(t *testing.T, text string) []*model.Object {
	var out []*model.Object
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		from, to, ok := strings.Cut(line, " ")
		fa, err1 := model.ParseAddress(from)
		ta, err2 := model.ParseAddress(to)
		if !ok || err1 != nil || err2 != nil {
			t.Fatalf("pending: bad line %q", line)
		}
		out = append(out, &model.Object{Addr: fa, Status: model.StatusManual, PendingAction: "move", Pending: &model.Object{Addr: ta}})
	}
	return out
}

func places(ps []Place) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.String() + "\n")
	}
	return b.String()
}

func TestRemoveNotDeclared(t *testing.T) {
	srcs := []config.Source{{Name: "main.hcl", Data: []byte("team \"acme\" {\n  platform = \"plausible\"\n}\n")}}
	if _, err := Remove("", srcs, "nobody@acme.com", nil); !errors.Is(err, ErrNotDeclared) {
		t.Fatalf("err = %v, want ErrNotDeclared", err)
	}
	if _, err := Remove("", srcs, "not an email", nil); err == nil {
		t.Fatal("an address that is no email was accepted")
	}
}

func TestRemoveBrokenConfig(t *testing.T) {
	srcs := []config.Source{{Name: "main.hcl", Data: []byte("team \"acme\" {\n  platform = \n}\n")}}
	_, err := Remove("", srcs, "a@acme.com", nil)
	var de *DiagError
	if !errors.As(err, &de) || !de.Diags.HasErrors() {
		t.Fatalf("err = %v, want the configuration's diagnostics", err)
	}
}
