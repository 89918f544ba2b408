// Package statetest owns the conformance suite of state stores: every
// state.Store (boltstore, pgstore) calls Run from its tests,
// unchanged, and must pass it. The suite checks the contract of
// internal/state: empty stores, lineage and serial rules, atomic commits
// that write all or nothing, the evidence chain, history, the writer's
// lock, consistent snapshots under a concurrent commit, and the set of
// open follow-up tasks (written with the commit that raises, closes or
// moves or forgets them, an unresolved move or forgetting refused;
// RunLegacy: a state of schema version 1, which kept none, starts
// keeping it at a TaskBase).
//
// Two parts need more than a store value: LockOtherProcess holds a
// store's lock from another process (the store's test binary, run as a
// child through LockChild in its TestMain) and kills it; BenchChangeset
// is the 100,000-grant commit the stores' benchmarks share.
package statetest
