// Package report owns roster's access reports, computed from a state
// snapshot alone: the quarterly access review (`roster review`, as
// markdown, CSV, JSON or one self-contained HTML page), one person's
// access across every team and site, with capabilities (`roster
// access`), and everyone holding a capability (`roster who-can`). One
// report is read from the platforms instead: where they still show a
// person (`roster access EMAIL --live`, LiveAccess over the holdings the
// connected teams' refresh found, live.Holding).
//
// Reports are pure functions of an Input (the snapshot's objects, the
// platform profiles, the internal domains, when each access began, each
// team's last review sign-off and the moment "now"); renderers write them byte-for-byte the same for the same
// input. The JSON documents are described by schema/review.schema.json,
// schema/access.schema.json and schema/who-can.schema.json.
//
// A person's capabilities on a site are the union of their team role's,
// their own grant's and their groups' grants there (schema/platforms.md), and of
// what the site itself gives, as recorded on it: its default access (via
// default) and the access platform roles give (via role:NAME). Access
// still held in the state is reported whatever its status or expiry:
// invited and manual access is shown with its status, expired access with
// its expiry, because until the next apply removes it, it is what the state
// says exists.
//
// It also owns the review sign-off's evidence (`review --attest`): the
// records AttestRecords makes (one per team, action review, with the
// reviewer and the digest of the review's JSON), and ReviewsFromEvidence,
// which reads them back as each team's last review, from which the review
// shows "last reviewed" and raises not_reviewed_90_days, and
// ChangesSinceReviews, the people added, removed or whose role changed
// since it. An attested document (`review --attest --out FILE`) shows the
// digest it is attested under: SealAttested and CheckAttested (the sha256
// of the document with the digest's hex written as zeros). A review saved
// earlier and signed off later (`review --attest --from FILE`) is read
// back by ReadSavedReview, beside the renderers whose layout it reads.
//
// And it writes the evidence records for auditors (`evidence export`):
// EvidenceWriter, in an EvidenceFormat (the records as stored, one a
// line; a spreadsheet's CSV, no cell a formula; a markdown table).
package report
