package termtext

// This package has no golden files; importing goldenfile gives its tests
// the -update flag, so that go test ./... -update runs here as well.
import _ "github.com/roster-dev/roster/internal/goldenfile"
