// Package posthog owns roster's PostHog driver: it reads one organization's
// live access (members and their levels, invitations, projects and their
// access rows: the project default is the row without member or role;
// role rows, Enterprise RBAC, are read with the roles' names and members
// into Snapshot.RoleAccess but not managed) through PostHog's REST API and makes planned changes to it
// (level changes, removals, invitations with private_project_access,
// project access rows), following docs/apis/posthog.md and the
// schema/sync.md contract.
//
// Its layers: api.go is a typed client of that API (Client: context
// first, typed answers, refusals as *driver.APIError); decide.go decides,
// without any request, what a change needs in the live state (the
// requests, what each does to the state, and the changes that ride on
// them) and is tested on its own; refresh.go turns the answers into the
// snapshot; apply.go sends what decide says, and Cost simulates it.
//
// It speaks HTTP only through driver/httpc (retries, backoff, Retry-After,
// the API log, redaction). What it learns in Refresh (membership ids, user
// uuids, invitation ids, project ids) is kept for Apply, and updated as
// each request succeeds, so that a guest's first project grants ride on
// their invitation (and fail with it: driver.Result.Riders), and a change to
// someone still invited re-invites them with everything. A membership, or
// an invitation, that is no access of its own (a guest's; one kept for
// access on undeclared projects, which an invitation gives through its
// private_project_access) is Snapshot.Implicit: it goes only by a member
// change the plan shows (schema/sync.md, Reading safely), and removing an
// invited person's declared grants re-invites them with the rest.
package posthog
