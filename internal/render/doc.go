// Package render owns how a plan is shown: the versioned JSON document of
// `plan --format json` and `show --json` (PlanJSON, described by
// schema/plan.schema.json), the Terraform-style text plan, and the
// markdown pull-request comment. Renderers are pure: the same plan gives
// byte-identical output, and they never change the plan they are given.
package render
