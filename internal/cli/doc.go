// Package cli owns the command line: cobra commands, flags, exit statuses
// and how errors and diagnostics reach the terminal. It is the only importer
// of cobra; everything it does, it asks the library packages to do.
package cli
