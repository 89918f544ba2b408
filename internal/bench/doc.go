// Package bench holds roster's Go benchmarks of every stage of a plan and
// an apply, at the sizes of schema/performance.md: parse (hclparse alone: P),
// load (parse and decode), policy checks, plan from empty state and with
// nothing to change, rendering as text and JSON, saving and reading the
// plan file, apply into a fresh state, reading the state back, and
// evidence verification; plus the whole plan and apply pipelines as the
// CLI runs them, for profiling.
//
// Workloads come from internal/gen (deterministic, valid configurations)
// and are made once per size per run. Sizes are 1k, 10k and 100k grants;
// 100k (and the 1,000,000-record evidence chain) run only with
// ROSTER_BENCH_LARGE=1, so that the repository's benchmark smoke
// (`go test -run '^$' -bench . -benchtime 1x ./...`) stays fast:
//
//	go test -run '^$' -bench . ./internal/bench/
//	ROSTER_BENCH_LARGE=1 go test -run '^$' -bench 'Plan/100k' -cpuprofile cpu.out ./internal/bench/
//
// Every benchmark reports allocations and ns/grant (or ns/record), which
// should stay flat from 1k to 100k. Whole commands, timed from outside
// against P, are `make bench` (internal/cmd/roster-bench). The package holds only
// test files and this one.
package bench
