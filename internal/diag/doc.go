// Package diag owns how problems reach the user: HCL diagnostics (from the
// configuration, the policy, or roster itself) rendered as text on stderr —
// `Error: FILE:LINE:COL: Summary`, the detail, a source snippet — or as JSON
// in the shape of Terraform's `validate -json`. It is a leaf: it knows
// hcl.Diagnostic and nothing of roster's own types.
package diag
