// Package examples holds the bundled example configurations: realistic,
// commented directories that users start from (`roster init --example
// NAME`) and that roster's tests and `make demo` run against.
package examples

import "embed"

// FS holds every example directory's *.hcl files and the company
// directory files (*.csv) their policies name.
//
//go:embed */*.hcl */*.csv
var FS embed.FS
