// Package cli owns the command line: cobra commands, flags, exit statuses
// and how errors and diagnostics reach the terminal. It is the only importer
// of cobra. Most of what it does, it asks the library packages to do; some
// workflows still live here and are to move below it into operations (the
// plan pipeline and saved-plan staleness in plan.go, import, review
// sign-off, the evidence bundle export).
package cli
