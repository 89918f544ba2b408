// Package statetest owns the conformance suite of state stores: every
// state.Store (boltstore, and later pgstore) calls Run from its tests,
// unchanged, and must pass it. The suite checks the contract of
// internal/state: empty stores, lineage and serial rules, atomic commits
// that write all or nothing, the evidence chain, history, the writer's
// lock and consistent snapshots under a concurrent commit.
package statetest
