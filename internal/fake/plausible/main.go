package plausible

import "github.com/roster-dev/roster/internal/fake/fakekit"

// Main runs the fake as a command: `fake-plausible URLFILE [--seed FILE.json]
// [--addr HOST:PORT]` (args without the program name). It starts the
// server, writes its base URL (no trailing newline) into URLFILE once it
// accepts connections, and serves until interrupted or terminated.
func Main(args []string) int { return fakekit.Run("fake-plausible", args, Start) }

// ParseSeed reads a seed (JSON, the fields of Seed), refusing unknown
// fields so that a typo is an error and not an empty team.
func ParseSeed(data []byte) (Seed, error) {
	var seed Seed
	if err := fakekit.DecodeStrict(data, &seed); err != nil {
		return Seed{}, err
	}
	return seed, nil
}

// LoadSeed reads a seed file (see ParseSeed).
func LoadSeed(path string) (Seed, error) { return fakekit.LoadSeed[Seed](path) }

// Call is a tiny client for the admin endpoints, as a command:
// `fake-plausible-call URLFILE|URL METHOD PATH [JSON-BODY]` (args without the
// program name). URLFILE is the file Main wrote; a value starting with
// http:// is used as the base URL itself. It prints the response body on
// stdout and exits 1 when the status is not 2xx.
func Call(args []string) int { return fakekit.Call("fake-plausible-call", args, AdminPaths) }
