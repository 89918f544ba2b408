package cli

// Version is roster's version; Commit is set by the build (Makefile).
var (
	Version = "0.1.0"
	Commit  = "unknown"
)

// Main runs roster with os.Args and returns the exit status.
func Main() int { return run() }

func run() int { return 0 }
