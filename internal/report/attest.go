package report

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	json "github.com/go-json-experiment/json"

	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/model"
)

// A review sign-off (`roster review --attest --reviewer EMAIL [--note
// TEXT]`) is recorded as one evidence record per team the review covers:
// action "review", address team/NAME, time the moment of the sign-off
// (also the review's generated_at), note the --note, and after an
// AttestedReview naming the reviewer and the digest of the review's JSON.
// One record per team keeps `evidence list --team` and each team's "last
// reviewed" simple; the records of one sign-off share their digest.

// AttestedReview is the after of a review record.
type AttestedReview struct {
	Reviewer string `json:"reviewer"`
	// ReviewDigest is "sha256:" and the lowercase hex sha256 of the
	// review JSON (WriteReviewJSON) that was signed off, byte for byte as
	// `review --format json --attest` prints it.
	ReviewDigest string `json:"review_digest"`
	// Rows and FlaggedRows count the team's rows in that review;
	// Findings lists the codes of its team findings.
	Rows        int      `json:"rows"`
	FlaggedRows int      `json:"flagged_rows"`
	Findings    []string `json:"findings"`
	// Format is the format of the document attested: "json" for the
	// review JSON of the same run, or the --out FILE's format, whose
	// digest is then that of the file (SealAttested).
	Format string `json:"format,omitzero"`
	// Serial is the state serial the review was made at; From the name
	// of the file attested with --from, "" otherwise.
	Serial uint64 `json:"serial,omitzero"`
	From   string `json:"from,omitzero"`
}

// ReviewDigest is the digest of a review's JSON: "sha256:" and its
// lowercase hex sha256.
func ReviewDigest(reviewJSON []byte) string {
	sum := sha256.Sum256(reviewJSON)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// AttestRecords are the evidence records of a sign-off of doc (whose JSON
// has digest) by reviewer at at: one per team, in the review's order,
// not yet sealed. actor is who ran roster.
func AttestRecords(doc *ReviewDoc, digest, reviewer, note, actor string, at time.Time) []*evidence.Record {
	return AttestRecordsOf(doc, AttestedReview{Reviewer: reviewer, ReviewDigest: digest, Format: "json", Serial: doc.Serial}, note, actor, at)
}

// AttestRecordsOf is AttestRecords with what every record's after says
// given: the reviewer, the digest, the format, the serial and the file;
// rows, flagged rows and findings are each team's in doc.
func AttestRecordsOf(doc *ReviewDoc, base AttestedReview, note, actor string, at time.Time) []*evidence.Record {
	recs := make([]*evidence.Record, 0, len(doc.Teams))
	for i := range doc.Teams {
		t := &doc.Teams[i]
		a := base
		a.Rows, a.FlaggedRows, a.Findings = len(t.Rows), 0, []string{}
		for j := range t.Rows {
			if len(t.Rows[j].Flags) > 0 {
				a.FlaggedRows++
			}
		}
		for _, f := range t.Findings {
			a.Findings = append(a.Findings, f.Code)
		}
		after, _ := json.Marshal(a) // plain strings and numbers: cannot fail
		recs = append(recs, &evidence.Record{
			Time:    evidence.FormatTime(at),
			Address: model.TeamAddress(t.Team).String(),
			Action:  evidence.ActionReview,
			After:   after,
			Actor:   actor,
			Note:    note,
		})
	}
	return recs
}

// TeamReview is a team's newest review sign-off, as read from the
// evidence.
type TeamReview struct {
	Time     time.Time
	Reviewer string
	Digest   string
	Seq      uint64
}

// ReviewsFromEvidence finds each team's newest review sign-off in
// evidence records (any order): the record of action review at team/NAME
// with the highest seq. Records whose time or after cannot be read are
// skipped.
func ReviewsFromEvidence(records []*evidence.Record) map[string]TeamReview {
	out := map[string]TeamReview{}
	for _, r := range records {
		if r == nil || r.Action != evidence.ActionReview {
			continue
		}
		addr, err := model.ParseAddress(r.Address)
		if err != nil || addr.Kind != model.KindTeam {
			continue
		}
		if prev, ok := out[addr.Team]; ok && prev.Seq > r.Seq {
			continue
		}
		t, err := time.Parse(time.RFC3339, r.Time)
		if err != nil {
			continue
		}
		var a AttestedReview
		if json.Unmarshal(r.After, &a) != nil {
			continue
		}
		out[addr.Team] = TeamReview{Time: t.UTC(), Reviewer: a.Reviewer, Digest: a.ReviewDigest, Seq: r.Seq}
	}
	return out
}
