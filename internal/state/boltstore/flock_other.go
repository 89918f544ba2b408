//go:build !unix && !windows

package boltstore

import (
	"errors"
	"os"
)

// tryLock refuses: this system offers roster no file lock, and a state
// file written without one could be damaged by two writers at once.
func tryLock(f *os.File) error {
	return errors.New("this operating system offers no file lock; roster's local state file needs Unix or Windows")
}

func unlockFile(f *os.File) error { return nil }
