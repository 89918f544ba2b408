// Package archtest holds the test of the codebase's import rules, the ones
// the packages' own doc comments state: cobra only in internal/cli, bbolt
// only in boltstore, pgx only in pgstore, HTTP only in the drivers and the
// fake platform servers, imports pointing down (nothing below the command
// line imports it or the operations), the leaves importing nothing of
// roster's, the pure packages doing no I/O, the operations printing
// nothing, and no test helper in roster's own code. It reads the sources'
// import lists with go/parser, so it needs no build. The package holds
// only test files and this one.
package archtest
