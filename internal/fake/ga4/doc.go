// Package ga4 is a fake Google Analytics Admin API (v1alpha) for
// tests and demos, following docs/apis/ga4.md fact by fact (each rule
// cites its source there): the service-account token endpoint (JWT bearer,
// RS256 checked against the seeded public key), accountSummaries, access
// bindings of accounts and properties (list with page tokens, get,
// create, patch, delete), google.rpc.Status errors, scopes, the rule that
// only Administrators manage access. The server, its clock, request log,
// failure injection and /_fake/ admin endpoints (AdminPaths) are
// fakekit's (Base); this package keeps GA4's rules and wire formats.
//
// No published GA4 Admin API document (OpenAPI or discovery) with access
// bindings is stored beside the other platforms' (ga4.md: the discovery
// documents found predate them), so no request or answer is validated
// against one: TestFacts is the contract instead, one row per fact, each
// citing its ga4.md section, table row and source tag.
package ga4
