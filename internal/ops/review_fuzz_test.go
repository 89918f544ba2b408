package ops

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/report"
)

type savedFormat struct {
	ext, format string
	write       func(io.Writer, *report.ReviewDoc) error
}

// savedReviewFormats are the formats review --attest --from reads, by
// the extension it knows them by, with the writer that saves each.
var savedReviewFormats = []savedFormat{
	{".json", "json", report.WriteReviewJSON},
	{".md", "markdown", report.WriteReviewMarkdown},
	{".csv", "csv", report.WriteReviewCSV},
	{".html", "html", report.WriteReviewHTML},
}

// fuzzReview is a review of one team at serial, with a site and a guest
// whose texts are the user's.
func fuzzReview(serial uint64, team, site, reason, ticket string) *report.ReviewDoc {
	g := &model.Object{Addr: model.PersonGrantAddress(team, site, "jane@agency.com"), Role: "viewer", HolderKind: model.HolderGuest,
		Status: model.StatusActive, Reason: reason, Ticket: ticket}
	m := &model.Object{Addr: model.MemberAddress(team, "ann@acme.com"), Role: "owner", Status: model.StatusActive, Reason: reason, Ticket: ticket}
	objs := []*model.Object{{Addr: model.TeamAddress(team), Platform: "plausible"}, {Addr: model.SiteAddress(team, site)}, m, g}
	model.SortObjects(objs)
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	return report.Review(report.Input{Objects: objs, Platforms: config.BuiltinPlatforms(), Serial: serial, Now: now},
		report.ReviewOptions{GeneratedAt: now})
}

// FuzzSavedReview: whatever file review --attest --from is given, in any
// of its formats, reading it gives a saved review or an error, never a
// panic; a review it accepts states a serial and covers a team. And a
// review roster saved, whatever its serial, team, site and texts, reads
// back in every format with the serial and the team it was made with.
func FuzzSavedReview(f *testing.F) {
	for _, ft := range savedReviewFormats {
		var b bytes.Buffer
		if err := ft.write(&b, fuzzReview(7, "acme", "mysite.com", "Support, \"phase\" 2\nstate serial 9,", "=IAM-1")); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes(), ft.ext, uint64(7), "acme", "mysite.com", "x", "y")
	}
	f.Add([]byte(`{"serial":3,"teams":[{"team":"acme"}]}`), ".json", uint64(0), "a", "s", "", "")
	f.Add([]byte("team,site\n# serial,x\nacme,s\n"), ".csv", uint64(1<<63), "b-c", "## Team x (", "state serial 1,", "</section>")
	f.Add([]byte("## Team a\\_b (plausible)\nstate serial 1)"), ".md", uint64(2), "a_b", "<s>", "\r\n", "`")
	f.Add([]byte(`<section class="team" id="team-&amp;"> state serial 4,`), ".html", uint64(3), "0", "é", "# serial", "Attested")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, ext string, serial uint64, team, site, reason, ticket string) {
		ctx := context.Background()
		path := filepath.Join(dir, "review"+ext)
		if filepath.Base(path) != "review"+ext || os.WriteFile(path, data, 0o600) != nil {
			return
		}
		if s, err := readSavedReview(ctx, path); err == nil {
			want := map[string]string{".json": "json", ".md": "markdown", ".markdown": "markdown", ".csv": "csv", ".html": "html", ".htm": "html"}[strings.ToLower(filepath.Ext(path))]
			if want == "" || s.Format != want || len(s.Teams) == 0 {
				t.Fatalf("%q read as a review %+v", data, s)
			}
		}

		if model.CheckTeamName(team) != nil || model.CheckSiteName(site) != nil {
			return
		}
		doc := fuzzReview(serial, team, site, reason, ticket)
		for _, ft := range savedReviewFormats {
			var b bytes.Buffer
			if err := ft.write(&b, doc); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "saved"+ft.ext)
			if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := readSavedReview(ctx, path)
			if err != nil {
				t.Fatalf("the %s review of %s at serial %d (site %q, reason %q, ticket %q) is not read back: %v", ft.format, team, serial, site, reason, ticket, err)
			}
			if s.Serial != serial || !slices.Equal(s.Teams, []string{team}) {
				t.Fatalf("the %s review of %s at serial %d (site %q, reason %q, ticket %q) reads back as serial %d of %q", ft.format, team, serial, site, reason, ticket, s.Serial, s.Teams)
			}
		}
	})
}
