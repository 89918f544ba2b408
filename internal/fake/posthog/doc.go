// Package posthog owns a fake PostHog API server for tests: one
// organization with its users, members, invitations, projects and project
// access rows, served over HTTP on 127.0.0.1 with the endpoints, paging,
// error bodies and permission rules that docs/apis/posthog.md
// describes (organization members, invites, projects, access_controls,
// users/@me), personal API keys as Bearer tokens, invitation expiry by a
// settable clock, and failure injection (status, count, Retry-After, body).
//
// It is built from the API notes, not from roster's driver, so the driver's
// tests check the driver against the platform's behaviour. It is a normal
// package, not a test file, because the CLI's testscript harness also runs
// it as a command (Main, Call). Admin hooks, as Go methods and as HTTP
// endpoints under /_fake/, do what a person would do in PostHog's UI or
// inbox: accept an invitation, add or remove a member, grant project access,
// let invitations expire, and read the request log.
//
// What the fakes share (the commands' plumbing, seed decoding, the
// HTTP server, failure injection, the request log, the clock and the admin
// endpoints' plumbing) lives in internal/fake/fakekit; this package keeps
// the platform's rules and wire formats.
package posthog
