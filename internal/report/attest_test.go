package report

import (
	"strings"
	"testing"
	"time"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/go-cmp/cmp"

	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/model"
)

// The not_reviewed_90_days finding: from the last review, else from the
// team's creation, more than 90 days before now; unknown: not flagged.
func TestNotReviewedFinding(t *testing.T) {
	now := testNow
	days := func(n int) time.Time { return now.Add(-time.Duration(n) * 24 * time.Hour) }
	cases := []struct {
		name     string
		reviewed time.Time // zero: never
		created  time.Time // zero: unknown
		flagged  string    // part of the finding's text, "" for none
	}{
		{"reviewed yesterday", days(1), days(400), ""},
		{"reviewed exactly 90 days ago", days(90), time.Time{}, ""},
		{"reviewed 90 days and a minute ago", days(90).Add(-time.Minute), time.Time{}, "last reviewed 90 days ago (2026-08-26, by rita@acme.com)"},
		{"reviewed 200 days ago", days(200), days(400), "last reviewed 200 days ago"},
		{"review after now", now.Add(time.Hour), time.Time{}, ""},
		{"never reviewed, created 91 days ago", time.Time{}, days(91), "not been reviewed in the 91 days since it was created (2026-08-25)"},
		{"never reviewed, created 10 days ago", time.Time{}, days(10), ""},
		{"never reviewed, creation unknown", time.Time{}, time.Time{}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := Input{
				Objects:   []*model.Object{team("acme", "plausible"), member("acme", "a@acme.com", "owner", "T-1", model.StatusActive), member("acme", "b@acme.com", "owner", "T-2", model.StatusActive)},
				Platforms: testPlatforms(),
				Since:     map[string]time.Time{},
				Now:       now,
			}
			if !c.created.IsZero() {
				in.Since["team/acme"] = c.created
			}
			if !c.reviewed.IsZero() {
				in.Reviews = map[string]TeamReview{"acme": {Time: c.reviewed, Reviewer: "rita@acme.com", Digest: "sha256:" + strings.Repeat("0", 64), Seq: 9}}
			}
			doc := Review(in, ReviewOptions{GeneratedAt: now})
			tm := doc.Teams[0]
			if c.reviewed.IsZero() != (tm.LastReview == nil) {
				t.Fatalf("last_review %+v", tm.LastReview)
			}
			if tm.LastReview != nil && (tm.LastReview.Reviewer != "rita@acme.com" || tm.LastReview.Seq != 9 || tm.LastReview.Time != formatTime(c.reviewed)) {
				t.Fatalf("last_review %+v", tm.LastReview)
			}
			var found []Finding
			for _, f := range tm.Findings {
				if f.Code == FindingNotReviewed {
					found = append(found, f)
				}
			}
			if c.flagged == "" {
				if len(found) > 0 {
					t.Fatalf("flagged: %s", found[0].Text)
				}
				return
			}
			if len(found) != 1 || !strings.Contains(found[0].Text, c.flagged) {
				t.Fatalf("findings %+v, want one mentioning %q", tm.Findings, c.flagged)
			}
			if doc.Summary.Findings != 1 {
				t.Errorf("summary counts %d findings", doc.Summary.Findings)
			}
		})
	}
}

// A sign-off's records, sealed into a chain, read back as each team's last
// review; a later sign-off wins, whatever order records come in.
func TestAttestRecordsRoundTrip(t *testing.T) {
	doc := testReview()
	at := time.Date(2026, 11, 24, 11, 0, 0, 0, time.UTC)
	digest := ReviewDigest([]byte("{}\n"))
	if digest != "sha256:ca3d163bab055381827226140568f3bef7eaac187cebd76878e0b63e9e442356" {
		t.Fatalf("digest %s", digest)
	}
	recs := AttestRecords(doc, digest, "rita@acme.com", "Q4 review", "ci", at)
	if len(recs) != 3 {
		t.Fatalf("%d records, want one per team", len(recs))
	}
	var chain evidence.Chain
	var read []*evidence.Record
	for _, r := range recs {
		sealed, err := chain.Seal(r)
		if err != nil {
			t.Fatal(err)
		}
		back, err := evidence.Decode(sealed.JSON)
		if err != nil {
			t.Fatal(err)
		}
		read = append(read, back)
	}
	first := read[2]
	if first.Action != "review" || first.Address != "team/piwik-acme" || first.Note != "Q4 review" || first.Actor != "ci" || first.Time != "2026-11-24T11:00:00Z" {
		t.Fatalf("record %+v", first)
	}
	var after AttestedReview
	if err := json.Unmarshal(first.After, &after); err != nil {
		t.Fatal(err)
	}
	want := AttestedReview{Reviewer: "rita@acme.com", ReviewDigest: digest, Rows: 12, FlaggedRows: 3, Findings: []string{"below_two_owners", "not_reviewed_90_days"}, Format: "json"}
	if d := cmp.Diff(want, after); d != "" {
		t.Fatalf("after (-want +got):\n%s", d)
	}

	// A second sign-off of one team later in the chain; records given in
	// reverse order, with noise.
	later, _ := chain.Seal(&evidence.Record{Time: "2026-11-25T09:00:00Z", Address: "team/acme", Action: "review", After: jsontext.Value(`{"reviewer":"sam@acme.com","review_digest":"sha256:x"}`)})
	laterRec, _ := evidence.Decode(later.JSON)
	noise := []*evidence.Record{
		{Seq: 90, Time: "2026-11-26T00:00:00Z", Address: "team/acme", Action: "create"},
		{Seq: 91, Time: "2026-11-26T00:00:00Z", Address: "site/acme/x.com", Action: "review"},
		{Seq: 92, Time: "later", Address: "team/bw-posthog", Action: "review"},
		{Seq: 93, Time: "2026-11-26T00:00:00Z", Address: "team/bw-posthog", Action: "review", After: jsontext.Value(`"not an object"`)},
		nil,
	}
	all := append(append([]*evidence.Record{laterRec}, noise...), read[2], read[1], read[0])
	got := ReviewsFromEvidence(all)
	wantReviews := map[string]TeamReview{
		"acme":       {Time: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), Reviewer: "sam@acme.com", Digest: "sha256:x", Seq: 4},
		"bw-posthog": {Time: at, Reviewer: "rita@acme.com", Digest: digest, Seq: 2},
		"piwik-acme": {Time: at, Reviewer: "rita@acme.com", Digest: digest, Seq: 3},
	}
	if d := cmp.Diff(wantReviews, got); d != "" {
		t.Fatalf("reviews (-want +got):\n%s", d)
	}
}

// A person added to or taken out of a group after a sign-off gains or
// loses every site access the group's grants give: the next review lists
// them among the changes since the sign-off, as it lists a membership or a
// grant of their own. Before, group records were skipped, so a team read
// "no changes since the sign-off" after bob joined a group holding admin
// on production.
func TestChangesSinceReviewGroupMembers(t *testing.T) {
	rec := func(seq uint64, action, addr, before, after string) *evidence.Record {
		return &evidence.Record{Seq: seq, Time: "2026-12-0" + string(rune('0'+seq)) + "T10:00:00Z", Action: action, Address: addr, Before: jsontext.Value(before), After: jsontext.Value(after), Outcome: evidence.OutcomeApplied}
	}
	g := model.GroupAddress("acme", "analysts").String()
	recs := []*evidence.Record{
		rec(1, "create", g, "null", `{"members":["ann@acme.com"]}`),
		{Seq: 2, Time: "2026-12-02T10:00:00Z", Action: evidence.ActionReview, Address: "team/acme", After: jsontext.Value(`{"reviewer":"rita@acme.com","review_digest":"sha256:x"}`)},
		rec(3, "update", g, `{"members":["ann@acme.com"]}`, `{"members":["bob@acme.com"]}`),
		rec(4, "update", g, `{"members":["bob@acme.com"],"reason":"a"}`, `{"members":["bob@acme.com"],"reason":"b"}`),
		rec(5, "delete", g, `{"members":["bob@acme.com"]}`, "null"),
	}
	got := ChangesSinceReviews(recs, ReviewsFromEvidence(recs))["acme"]
	want := []ReviewChange{
		{Seq: 3, Time: recs[2].Time, Address: g, Person: "bob@acme.com", Change: ChangeAdded, RoleAfter: "group:analysts"},
		{Seq: 3, Time: recs[2].Time, Address: g, Person: "ann@acme.com", Change: ChangeRemoved, RoleBefore: "group:analysts"},
		{Seq: 5, Time: recs[4].Time, Address: g, Person: "bob@acme.com", Change: ChangeRemoved, RoleBefore: "group:analysts"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("changes since the sign-off (-want +got):\n%s", diff)
	}
	for i, w := range []string{"bob@acme.com added to group analysts", "ann@acme.com removed from group analysts"} {
		if i < len(got) {
			if text := changesText(&got[i]); text != w {
				t.Errorf("change %d reads %q, want %q", i, text, w)
			}
		}
	}
}
