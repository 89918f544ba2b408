// Package gen makes large, realistic roster workloads for benchmarks and
// `make bench`: configurations of any number of grants over teams of
// sites, members, guests and groups on three of the built-in platforms,
// Plausible, Piwik PRO and PostHog (Generate), and evidence chains of any length in a state store
// (Evidence).
//
// Everything it makes is deterministic: the same Options give the same
// bytes, on every machine and every run, so that timings of two runs (or
// two commits) compare like with like. A generated configuration is
// valid: it loads without a diagnostic and breaks no rule of the policy
// it declares, as of Options.Now.
//
// Version names the shape of what gen makes; it changes whenever the
// output for the same Options changes, so that caches of generated
// workloads (internal/cmd/roster-bench keeps its evidence state) can be keyed by
// it.
package gen
