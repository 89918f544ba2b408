package plan

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/model"
)

func TestSortForApply(t *testing.T) {
	member := func(act Action, email, before, after string) *Change {
		c := &Change{Addr: model.Address{Kind: model.KindMember, Team: "acme", Email: email}, Action: act}
		if before != "" {
			c.Before = &model.Object{Addr: c.Addr, Role: before}
		}
		if after != "" {
			c.After = &model.Object{Addr: c.Addr, Role: after}
		}
		return c
	}
	grant := func(act Action, email string) *Change {
		return &Change{Addr: model.Address{Kind: model.KindGrant, Team: "acme", Site: "s", Email: email}, Action: act}
	}
	demote := member(Update, "a@x", "owner", "admin")
	removeM := member(Delete, "b@x", "admin", "")
	removeG := grant(Delete, "b@x")
	update := member(Update, "c@x", "viewer", "admin")
	promote := member(Update, "d@x", "admin", "owner")
	createG := grant(Create, "e@x")
	createM := member(Create, "e@x", "", "viewer")
	cs := []*Change{demote, removeM, removeG, update, promote, createG, createM}
	SortForApply(cs)
	want := []*Change{createM, createG, promote, update, removeG, removeM, demote}
	for i := range want {
		if cs[i] != want[i] {
			t.Fatalf("position %d: %s %s, want %s %s", i, cs[i].Action, cs[i].Addr, want[i].Action, want[i].Addr)
		}
	}
}

// TestApplyOrderDefinedOnce fails when the apply order of schema/sync.md is
// written anywhere but order.go: the engine and the drivers must call
// SortForApply (or Change.Step), not keep a copy that can drift.
func TestApplyOrderDefinedOnce(t *testing.T) {
	signs := regexp.MustCompile(`func (step|rank|kindRank|order)\(c \*plan\.Change\) int|stepPromote|stepDemote|KindMember: 3, model\.KindGrant: 4`)
	root := filepath.Join("..", "..")
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		if filepath.ToSlash(path) == "../../internal/plan/order.go" {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		checked++
		if m := signs.Find(src); m != nil {
			t.Errorf("%s defines an apply order of its own (%q): use plan.SortForApply or Change.Step", path, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 100 {
		t.Fatalf("only %d files checked: the walk missed the repository", checked)
	}
}
