package matomo

import "github.com/roster-dev/roster/internal/fake/fakekit"

// Main runs the fake as a command: `fake-matomo URLFILE [--seed FILE.json]
// [--addr HOST:PORT]` (args without the program name).
func Main(args []string) int { return fakekit.Run("fake-matomo", args, Start) }

// Call is a tiny client for the admin endpoints, as a command:
// `fake-matomo-call URLFILE|URL METHOD PATH [JSON-BODY]`.
func Call(args []string) int { return fakekit.Call("fake-matomo-call", args, AdminPaths) }
