package fakega4

import "github.com/roster-dev/roster/internal/fake/fakekit"

// Main runs the fake as the command fake-ga4 (fakekit.Main): `URLFILE
// [--seed FILE.json] [--addr HOST:PORT]`.
func Main(args []string) int {
	return fakekit.Main("fake-ga4", args, func(seed Seed, addr string) (string, func(), error) {
		s, err := Start(Options{Seed: seed, Addr: addr})
		if err != nil {
			return "", nil, err
		}
		return s.URL, s.Close, nil
	})
}

// Call is the fake-ga4-call command: a client for the admin endpoints.
func Call(args []string) int { return fakekit.Call("fake-ga4-call", args, AdminPaths) }
