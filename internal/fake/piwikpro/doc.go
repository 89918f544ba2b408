// Package piwikpro owns a fake Piwik PRO API server for tests: one
// account with its users (OWNER or USER), apps, meta-sites, user groups,
// per-app permissions of users and groups, and API clients, served over
// HTTP on 127.0.0.1 with the endpoints, JSON:API bodies, paging, error
// bodies and rules that docs/apis/piwikpro.md describes: client
// credentials exchanged at POST /auth/token for a JWT-shaped access token
// (its payload's `sub` is the user's id) that lasts 30 minutes by a
// settable clock; 401 {"message":"Unauthorized"} for a bad or expired
// token; request bodies refused unless they are application/vnd.api+json;
// lists paged by offset and limit (default 10, above 1000 refused); owners
// left out of permission lists; `no-access` as the way to remove a
// permission; the API's refusals to change one's own role, delete oneself
// or the last owner; and a rate limit of 600 reads and 60 writes a minute
// (429 with Retry-After past it).
//
// It is built from the API notes, not from roster's driver, so the
// driver's tests check the driver against the platform's behaviour. It is
// a normal package, not a test file, because the CLI's testscript harness
// also runs it as a command (Main, Call). Admin hooks, as Go methods and as
// HTTP endpoints under /_fake/ (AdminPaths), do what a person would do in
// Piwik PRO's UI: add a user, change a role, add an app or a group, set a
// permission, let tokens expire, inject failures, and read the request log.
//
// What the fakes share (the commands' plumbing, seed decoding, the
// HTTP server, failure injection, the request log, the clock and the admin
// endpoints' plumbing) lives in internal/fake/fakekit; this package keeps
// the platform's rules and wire formats.
package piwikpro
