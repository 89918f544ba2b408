package ga4

import "github.com/roster-dev/roster/internal/fake/fakekit"

// Main runs the fake as the command fake-ga4 (fakekit.Run): `URLFILE
// [--seed FILE.json] [--addr HOST:PORT]`.
func Main(args []string) int { return fakekit.Run("fake-ga4", args, Start) }

// Call is the fake-ga4-call command: a client for the admin endpoints.
func Call(args []string) int { return fakekit.Call("fake-ga4-call", args, AdminPaths) }
