// Package fakekit owns what the fake platform servers (internal/fake/posthog,
// piwikpro, plausible, ga4 and matomo) have in common, so that each fake keeps only its
// platform's rules and wire formats:
//
//   - Base, what a fake server embeds: its HTTP server (Start, Close),
//     the lock over its data, its Clock (Now, SetNow, Advance) and its
//     Recorder; Options, the options every fake takes, its seed type
//     aside; Run, Main for a fake whose Start takes Options;
//   - Main and Call, the bodies of the fake-NAME and fake-NAME-call
//     commands the CLI's testscripts run: serve with the base URL written
//     atomically into a file and a clean exit on SIGINT or SIGTERM, and a
//     tiny client for the admin endpoints;
//   - LoadSeed and DecodeStrict, seed files read as JSON (json/v2) with
//     unknown and repeated members refused; Marshal and WriteJSON, the
//     fakes' one JSON writer (the bytes encoding/json wrote);
//   - Serve, an HTTP server on 127.0.0.1 started in the background and shut
//     down by Close;
//   - Clock, a settable clock (fixed, or the wall clock moved by Advance);
//   - FailRule and Failures, failure injection (method and path prefix,
//     a count, Retry-After, a custom body or the platform's default one);
//   - Log, the request log; StatusWriter, the status a handler answered,
//     for it;
//   - Admin, the plumbing of the /_fake/ admin endpoints: the request log,
//     the state dump, the failure and clock endpoints, a JSON body decoded
//     into the fake's own struct, and {"ok":true} or {"error":…} answers;
//   - for the fakes' tests: Fact and RunFacts, the runner of a facts
//     table (one row a fact of docs/apis/NAME.md, citing where it
//     stands) that checks each answer's status and the substrings it
//     must hold or lack; NewRequest, Send and Ask, a request to a fake
//     and its Answer (status, headers, raw body, the body as a JSON
//     object); Commands and CheckCommands, a fake's Main and Call run as
//     its commands are (URL file, admin calls, SIGTERM, exit codes);
//     RunAdminSteps, admin calls that must answer 200; CheckBadSeeds,
//     seed files a fake must refuse; Find, a look-up in a fake's State.
//
// Clock, Failures and Log do not lock: Clock is guarded by Base.Mu, as
// the fake's own data is; Recorder guards Failures and Log.
package fakekit
