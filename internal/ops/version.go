package ops

import (
	"runtime"
	"runtime/debug"
)

// VersionRequest carries what the build stamped: roster's version and
// the commit ("" or "unknown" when not stamped).
type VersionRequest struct {
	Version, Commit string
}

// VersionInfo is what roster version prints.
type VersionInfo struct {
	Version, Commit string
	// Go is the Go version roster was built with; OS and Arch what it
	// runs on.
	Go, OS, Arch string
}

// Version says which roster this is.
func Version(req VersionRequest) VersionInfo {
	return VersionInfo{Version: req.Version, Commit: buildCommit(req.Commit), Go: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
}

// buildCommit is the commit roster was built from: the one the Makefile stamps,
// else the one the Go toolchain records from version control (go build in
// a git checkout), marked "-dirty" when the tree had changes.
func buildCommit(stamped string) string {
	if stamped != "unknown" && stamped != "" {
		return stamped
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return stamped
	}
	var rev string
	dirty := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return stamped
	}
	if dirty {
		rev += "-dirty"
	}
	return rev
}
