// Package report owns roster's access reports, computed from a state
// snapshot alone: the quarterly access review (`roster review`, as
// markdown, CSV or JSON), one person's access across every team and site
// with capabilities (`roster access`), and everyone holding a capability
// (`roster who-can`).
//
// Reports are pure functions of an Input (the snapshot's objects, the
// platform profiles, the internal domains, when each access began and the
// moment "now"); renderers write them byte-for-byte the same for the same
// input. The JSON documents are described by schema/review.schema.json,
// schema/access.schema.json and schema/who-can.schema.json.
//
// A person's capabilities on a site are the union of their team role's,
// their own grant's and their groups' grants there (platforms.md). Access
// still held in the state is reported whatever its status or expiry:
// invited and manual access is shown with its status, expired access with
// its expiry, because until the next apply removes it, it is what the state
// says exists.
package report
