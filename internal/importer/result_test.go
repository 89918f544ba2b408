package importer

import (
	"testing"

	"github.com/roster-dev/roster/internal/model"
)

// TestRecorded: the message of an import that declares nothing says what
// it recorded, and names no refresh for a spreadsheet.
func TestRecorded(t *testing.T) {
	team := &model.Object{Addr: model.TeamAddress("acme")}
	connected := &model.Object{Addr: model.TeamAddress("acme"), Connected: true}
	site := &model.Object{Addr: model.SiteAddress("acme", "a.com")}
	site2 := &model.Object{Addr: model.SiteAddress("acme", "b.com")}
	carol := &model.Object{Addr: model.MemberAddress("acme", "carol@old.com")}
	jane := &model.Object{Addr: model.PersonGrantAddress("acme", "a.com", "jane@old.com")}
	jane2 := &model.Object{Addr: model.PersonGrantAddress("acme", "b.com", "jane@old.com")}
	for _, c := range []struct {
		objs  []*model.Object
		found bool
		want  string
	}{
		{nil, true, "nothing"},
		{[]*model.Object{connected, site, site2}, true, "the team with its connection and the ids and defaults of 2 sites"},
		{[]*model.Object{site}, true, "the ids and defaults of 1 site"},
		{[]*model.Object{carol}, false, "the access of 1 person found under an old email, which the next plan moves"},
		{[]*model.Object{jane, jane2}, false, "the access of 1 person found under an old email, which the next plan moves"},
		{[]*model.Object{team, site, carol, jane}, false, "the team, 1 declared site and the access of 2 people found under old emails, which the next plan moves"},
	} {
		if got := Recorded(c.objs, c.found); got != c.want {
			t.Errorf("Recorded(%d objects, found %v) = %q, want %q", len(c.objs), c.found, got, c.want)
		}
	}
}
