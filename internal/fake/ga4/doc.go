// Package fakega4 is a fake Google Analytics Admin API (v1alpha) for
// tests and demos, following ../shared/apis/ga4.md fact by fact (each rule
// cites its source there): the service-account token endpoint (JWT bearer,
// RS256 checked against the seeded public key), accountSummaries, access
// bindings of accounts and properties (list with page tokens, get,
// create, patch, delete), google.rpc.Status errors, scopes, the rule that
// only Administrators manage access, and failure injection through
// fakekit. It also serves /_fake/ admin endpoints (AdminPaths).
package fakega4
