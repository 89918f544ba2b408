// Package openapitest holds the drivers' contract tests against the
// platforms' published API documents (docs/apis/openapi): every
// request each driver sends and every answer each fake gives is checked
// with kin-openapi's openapi3filter. Where no document exists (PostHog's
// access_controls and users/@me, Piwik PRO's /auth/token), the fakes'
// own table tests encode docs/apis/*.md instead. Test code only.
package openapitest
