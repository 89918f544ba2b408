// Package live owns the connected teams' side of planning (schema/sync.md): which
// teams are connected and with what credential, refreshing them through
// their drivers (in parallel, failing closed), and turning the snapshots
// into the live objects the pure planner compares against — the stored
// objects standing in for what an API cannot see or no longer reads (grants
// on sites no longer declared), the credential's owner left alone when
// undeclared, the sites' remote ids, default access and role access filled in, and the
// guests and members each driver tells apart, and the declared access a
// driver calls moot (left alone); which implicit memberships (a guest's)
// go and which stay, and why; the plan checks before anything is sent
// (the credential's owner, CheckSelf; each driver's own, CheckDrivers);
// for a saved plan, what its changes depend on and whether any of it
// moved (stale plan); and where a person still holds access on the
// connected teams (PersonAccess, for access EMAIL --live).
package live
