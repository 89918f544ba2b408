// Package policy owns the guardrails of the `policy` block: each rule of
// schema/language.md (internal_domains, min_owners, external_expiry,
// max_grant_days, require_ticket, external_forbidden, max_removals,
// distinct_approver, directory, sponsor_required) as its own small function over the model — and, for
// max_removals, the plan; for distinct_approver, the apply's actor and
// approvers — returning diagnostics or errors that name the rule, the
// address and the offending declaration. It also gives the advice the
// platforms' documentation gives when a rule is not set (warnings, which never change the exit
// status), and says what policy is in force: its canonical JSON and digest
// (every evidence record's policy_digest) and which rules a new policy
// removes or relaxes (policy_weakened).
package policy
