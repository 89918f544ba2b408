// Package kit holds what the drivers share to read a platform's answers
// safely (schema/sync.md, "Reading safely (version 2)"): Shape, the JSON shape an
// answer must have before a driver uses it (a list where a list belongs,
// an object where an object belongs, every field read of the right JSON
// type, no member repeated: the answer is read with json/v2), Pager,
// which holds a paged list to its word (no empty page while more is
// promised, a total that agrees with the items read), and ReadPages, the
// loop every driver reads a paged list with (each Page fed to a Pager,
// the request lines and pages kept, a broken promise an error). Each
// runs a fan-out under --parallelism. Tokens caches an OAuth-style bearer
// token (fetched before the first call, replaced before it expires and
// after a 401) and TokenCall places a call's token requests in its API
// lines. Pacer keeps a per-minute request limit by the driver's clock
// (NewPacerWindow: a limit over any window, Matomo's per second).
// It makes no requests itself: httpc checks answers with it,
// drivers page with it, give Tokens the function that fetches a token and
// wait on a Pacer before each request.
package kit
