// Package httpc owns roster's one HTTP client, used by every platform
// driver (PostHog, Piwik PRO, Plausible, GA4, Matomo) and by nothing
// else (the command line only takes its debug log writer, DebugLog);
// TeamOptions are the options every driver starts from.
//
// A Client sends one API call at a time per Do: it builds the URL from the
// team's endpoint, sets the User-Agent (roster/VERSION) and the credential
// (through Options.Auth, never logged), retries as schema/sync.md says (GET, PUT,
// PATCH and DELETE on 429, 5xx and network errors; POST only on 429; at
// most 5 tries; backoff from 200 ms doubling to 2 s with full jitter, or
// Retry-After, honoured up to MaxWait with a Notify line and an error past
// it), counts a DELETE whose retry answers 404 as done (Response.Gone),
// checks an answer's shape before decoding it when asked (Shaped, with
// driver/kit), encodes and decodes JSON with json/v2 (exact member names,
// a repeated member refused), renews the credential once on a 401, paces
// requests within an hourly Budget (Plausible; a request within 5 s of the
// hour counts in both hours, for requests in flight and clock skew) and
// waits for the next clock hour at most MaxWait in total per call, and
// keeps the API log of each call
// (`METHOD path status`, retries included; Lines reads it from a Do's
// answer or error) for the evidence.
//
// Every time-dependent step goes through a driver.Clock, so tests never
// sleep. Every log line and error message passes through a redactor that
// replaces the credential and Options.Secrets with "[redacted]"; query
// parameters whose names look secret are redacted in the debug log.
package httpc
