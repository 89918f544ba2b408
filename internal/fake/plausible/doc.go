// Package plausible owns a fake Plausible Sites API server for tests:
// teams with their sites, team members (kept, but never shown by the API,
// as in Plausible) and site guests (invited or accepted), served over HTTP
// on 127.0.0.1 with the endpoints, cursor paging, quirks and error bodies
// that docs/apis/plausible.md describes: Bearer keys (team-scoped
// or legacy), GET /api/v1/sites/teams, GET /api/v1/sites, GET and PUT
// /api/v1/sites/guests (find-or-create: an existing guest comes back
// unchanged whatever the role asked for; a team member's email is a 500),
// DELETE /api/v1/sites/guests/:email (always {"deleted":true}), the hourly
// budget of 600 requests per key in fixed clock hours (rejected calls
// count too; 429 without Retry-After), and the daily 01:00 UTC job that
// deletes invitations older than 48 hours, on a settable clock.
//
// It is built from the API notes, not from roster's driver, so the
// driver's tests check the driver against the platform's behaviour. It is
// a normal package, not a test file, because the CLI's testscript harness
// also runs it as a command (Main, Call). Admin hooks, as Go methods and
// as HTTP endpoints under /_fake/ (AdminPaths), do what a person would do
// in Plausible's UI or inbox: accept an invitation, add a guest or change
// their role by hand, add or promote a team member (which deletes their
// guest access), let invitations expire, move the clock, spend a key's
// budget, inject failures, and read the request log.
//
// What the fakes share (the commands' plumbing, seed decoding, the
// HTTP server, failure injection, the request log, and the admin
// endpoints' plumbing) lives in internal/fake/fakekit; this package keeps
// the platform's rules and wire formats.
package plausible
