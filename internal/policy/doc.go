// Package policy owns the guardrails of the `policy` block: each rule of
// schema/language.md (internal_domains, min_owners, external_expiry,
// max_grant_days, require_ticket, external_forbidden, max_removals) as its
// own small function over the model — and, for max_removals, the plan —
// returning diagnostics that name the rule, the address and the offending
// declaration. It also gives the advice the seeds give when a rule is not
// set (warnings, which never change the exit status).
package policy
