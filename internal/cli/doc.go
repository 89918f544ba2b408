// Package cli owns the command line: cobra commands and their flags
// (every command listed once, in root.go), how results are rendered
// (views), exit statuses, and how errors and diagnostics reach the
// terminal. It is the only importer of cobra.
//
// Workflows are internal/ops's: a command's RunE parses its flags into an
// operation's request, calls the operation once and renders its result;
// the operation reports as it runs through the ops.View and ops.ApplyUI
// this package implements (termView, applyUI) on standard error and the
// terminal. evidence export's jsonl, csv and markdown are views over
// ops.Records. The commands that work on files alone, with no state
// (fmt, init, keygen, platforms, version), stay here whole.
package cli
