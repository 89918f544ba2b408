// Package offboard removes a person from a configuration's source text
// (roster offboard, schema/cli.md version 2): member and guest blocks labelled
// with their email, group member lists, and for_each collections and
// locals written as literals, edited with hclwrite so that formatting and
// comments stay. What it cannot edit safely (an expression computed from
// other values) it reports with file and line, and then returns no edit
// at all. A renamed person is one person under every email that moved
// blocks and the moves waiting in the state link (schema/language.md
// "moved"): all of them go, with the moved blocks naming them. It reads
// and returns sources; writing files is the caller's.
package offboard
