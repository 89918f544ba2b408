// Package importer owns `roster import` (schema/sync.md "import"): it turns what
// already exists — a connected team's live access, or a spreadsheet kept by
// hand — into the declarations a person would have written.
//
// It labels the sites the configuration does not declare yet (labels.go;
// drivers list them through the optional SiteLister method, and label the
// live groups themselves), decides which live people become members and
// which guests, and which live access of declared people and groups differs
// from their declaration (live.go), reads CSV sheets with their
// spreadsheet habits and checks every row (csv.go, sheet.go), follows the
// configuration's moved blocks and the state's waiting moves (moves.go:
// access under an old email, site label or team name is the object
// declared under the new one), and writes
// the result as HCL with hclwrite, in the layout `roster fmt` keeps, with
// comments on the blocks the policy refuses (hcl.go).
//
// It does no I/O of its own and knows no state store: the operation
// (ops.Import) reads the platform and the files, validates the
// configuration with the generated file, and records the imported objects
// through package apply.
package importer
