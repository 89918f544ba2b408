// Package kit holds what the platform drivers share around their
// requests; it makes none itself (httpc sends them, and checks answers
// with kit's shapes):
//
//   - reading safely (schema/sync.md, "Reading safely (version 2)"):
//     Shape and Check, the JSON shape an answer must have before a driver
//     uses it (a list where a list belongs, an object where an object
//     belongs, every field read of the right JSON type, no member
//     repeated: the answer is read with json/v2); Pager, which holds a
//     paged list to its word (no empty page while more is promised, a
//     total that agrees with the items read); ReadPages, the loop every
//     driver reads a paged list with (each Page fed to a Pager, the
//     request lines and pages kept in a Response, a broken promise an
//     error naming the request);
//   - fan-out: Each runs jobs under --parallelism (Limit);
//   - credentials: Tokens caches an OAuth-style bearer token (fetched
//     before the first call, replaced before it expires and after a 401)
//     and TokenCall places a call's token requests in its API lines;
//   - pacing: Pacer keeps a per-minute request limit by the driver's
//     clock (NewPacerWindow: a limit over any window, Matomo's per
//     second); Pace waits on pacers, and Paced makes one paced request:
//     the wait, the call, and httpc's retries of it counted in each pacer;
//   - words: BodyText and Cut, a refusal's body as a message; AtChange,
//     a change's error at its address; Why and Interrupted, why a wait
//     or request ended early; TeamNotify, waits announced by team;
//   - KeepsAsGuest, whether removing a member leaves them a guest.
package kit
