// Package cli owns the command line: cobra commands and their flags
// (every top-level command listed once, in root.go; subcommands under
// their parent), how results are rendered (views), exit statuses, and how
// errors and diagnostics reach the terminal. It is the only importer of
// cobra (internal/archtest holds that), and it wires the platform drivers
// into the operations' Env (drivers.go).
//
// Workflows are internal/ops's: a command's RunE parses its flags into an
// operation's request, calls one operation and renders its result (a
// table, text, or JSON written with json/v2 as encoding/json wrote it
// before); TestRunEMakesOneOperationCall holds every RunE to that. The
// operation reports as it runs through the ops.View and ops.ApplyUI this
// package implements (termView, applyUI) on standard error and the
// terminal, and writes what it writes to files, or to the standard
// output a request hands it (plan --out -, evidence export, review
// --out). Version and Commit, which the build stamps, live here.
package cli
