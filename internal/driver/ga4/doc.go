// Package ga4 is the Google Analytics 4 driver: it reads and changes the
// access bindings of one Google Analytics account through the Admin API
// v1alpha (docs/apis/ga4.md), as a service account.
//
// It owns the service-account credential (the key file's JSON read from
// the team's variable, never written anywhere; an RS256 JWT signed with
// the standard library and exchanged for a bearer token, renewed on a
// 401), the refresh (accountSummaries for the account and its
// properties, then the account's and each declared property's access
// bindings, paged), the mapping between GA4's role lists
// (predefinedRoles/viewer … admin, no-cost-data, no-revenue-data) and the
// ga4 profile's roles, one request per change, and google.rpc.Status
// errors turned into one-line messages that name the binding. It paces
// its own requests within the service account's quotas (600 requests and
// 180 writes a minute, kit.Pacer by the driver's clock, the first wait
// told through Options.Notify); a quota answer that comes anyway waits a
// minute in httpc.
//
// Layout: api.go is the typed client of the Admin API (client: wire
// shapes, paged lists, the three writes, refusals as *StatusError;
// context first; each call paced and given a token, and knowing no plan),
// and the mapping of its refusals to what roster shows (apiErr);
// decide.go decides without a network what each change sends, which
// changes are refused (the service account's own binding, the account's
// last other Administrator: also for a whole plan, CheckPlan) and which
// declared grants are moot (a property binding at or below the account
// role, never sent); refresh.go reads the account into the model's
// objects; apply.go carries the decisions out (a 400 on a create is a
// manual step that carries Google's words, redacted: driver.Result.Note);
// auth.go is the
// client's service-account token, cached and renewed by kit.Tokens.
package ga4
