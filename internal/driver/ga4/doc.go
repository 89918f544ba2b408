// Package ga4 is the Google Analytics 4 driver: it reads and changes the
// access bindings of one Google Analytics account through the Admin API
// v1alpha (../shared/apis/ga4.md), as a service account.
//
// It owns the service-account credential (the key file's JSON read from
// the team's variable, never written anywhere; an RS256 JWT signed with
// the standard library and exchanged for a bearer token, renewed on a
// 401), the refresh (accountSummaries for the account and its
// properties, then the account's and each declared property's access
// bindings, paged), the mapping between GA4's role lists
// (predefinedRoles/viewer … admin, no-cost-data, no-revenue-data) and the
// ga4 profile's roles, one request per change, and google.rpc.Status
// errors turned into one-line messages that name the binding.
package ga4
