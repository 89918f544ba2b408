// Package piwikpro owns roster's Piwik PRO driver: it reads one account's
// live access (users and their OWNER/USER roles, apps, user groups and
// their members, the explicit permissions of users and groups on each
// declared app) through Piwik PRO's JSON:API and makes planned changes to
// it (invitations, role changes, removals, app permissions, groups and
// their members), following docs/apis/piwikpro.md and the schema/sync.md
// contract.
//
// The team's token is CLIENT_ID:CLIENT_SECRET of a Piwik PRO API key; the
// driver exchanges it at POST /auth/token for a bearer token, keeps that
// until a minute before it expires and asks for a new one once when a call
// gets 401. The token's `sub` claim names the key's owner (Snapshot.Self).
// It speaks HTTP only through driver/httpc (retries, Retry-After, the API
// log, redaction) and paces its own requests to stay within Piwik PRO's
// limits of 60 writes and 600 reads a minute, by the driver's clock.
//
// Its layers: api.go is a typed client of that API (Client: context
// first, typed answers, refusals as *driver.APIError; the token, pacing
// and retries inside); decide.go decides what a change needs, sending its
// requests through a sender (the client in Apply, a simulation in Cost and
// in the tests, which checks it without a server); refresh.go turns the
// answers into the snapshot; apply.go runs decide against the client.
//
// Owners are never listed in Piwik PRO's permission lists: their grants
// are read from the state (or the configuration) so that they are not
// drift, no permission is sent for an owner, and a demoted owner's
// permissions are set right after the demotion. Group-inherited
// permissions are never grants of the person; a live `no-access` is no
// grant. Meta-sites are not managed.
package piwikpro
