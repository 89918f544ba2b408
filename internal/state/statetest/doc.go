// Package statetest owns the conformance suite of state stores: every
// state.Store (boltstore, pgstore) calls Run from its tests,
// unchanged, and must pass it. The suite checks the contract of
// internal/state: empty stores, lineage and serial rules, atomic commits
// that write all or nothing, the evidence chain, history, the writer's
// lock, consistent snapshots under a concurrent commit, and the set of
// open follow-up tasks (written with the commit that raises, closes or
// moves or forgets them, an unresolved move or forgetting refused; RunLegacy: a state of schema version 1, which kept none, starts
// keeping it at a TaskBase).
package statetest
