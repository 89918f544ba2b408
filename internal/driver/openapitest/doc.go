// Package openapitest holds the drivers' contract tests against the
// platforms' published API documents (docs/apis/openapi): every request
// the PostHog and Piwik PRO drivers send and every answer their fakes give
// is checked with kin-openapi's openapi3filter. Where no document is
// stored (Plausible, GA4 and Matomo; PostHog's access_controls and
// users/@me; Piwik PRO's /auth/token), the fakes' own table tests encode
// docs/apis/*.md instead. It also holds the tests that docs/apis equals
// the shared contracts it copies and that every docs/ or schema/ path a
// source cites exists. Test code only.
package openapitest
