// Package ops holds roster's operations: the workflows a command runs,
// below the command line and above the library packages. Each operation
// takes a typed request carrying every option of the run (the moment
// expiry is judged at, refresh, parallelism, max-wait, who applies, the
// lock timeout) and returns a typed result; nothing reaches it through
// shared mutable fields.
//
// The operations are Plan (load, read the state, refresh the connected
// teams, plan, estimate the API cost, check the policy), Apply (plan
// afresh, show, approve, apply; --reviewed and --only), ApplySaved (a
// saved plan file: its signature, config digest and serial checked, the
// connected teams it touches refreshed and refused as stale when their
// live access moved), ApplyPlan (an offline plan with the state open),
// Import (from a platform or a CSV sheet, with the pending file that
// keeps the declarations and the state in step across a kill), Offboard,
// Confirm and Runbook (the open manual steps and follow-up tasks),
// StateEdit (state mv and rm), Migrate (the state copied to another
// store), Review, Attest (a review's sign-off), Access, WhoCan and
// LiveAccess (access EMAIL --live) over ReportInput (what the reports
// read), Records (the evidence records a filter selects, a person's moves
// followed), Export (every evidence record as jsonl, csv or markdown, in
// report's formats, or the auditor's evidence bundle), Verify (the
// evidence chain and its checkpoints, of the state or of a bundle) and
// Validate; Snapshot, History and LatestCheckpoint read the state for
// show, history and evidence checkpoint, and Complete reads the state and
// the configuration for shell completion; ReadPlanFile and SavePlan read
// and write plan files (Plan saves with PlanRequest.Out, Review writes
// with ReviewRequest.Out). The operations that work on files alone, with
// no state: Fmt (canonical HCL formatting, of files or standard input),
// Init (a starter configuration or a bundled example), Keygen (a signing
// key pair), Platforms and Platform (the built-in and declared platform
// profiles) and Version (the build's version, commit and Go).
//
// Operations print nothing. What they say while they run (notes,
// warnings, a driver's wait, an apply's progress) goes through View, and
// the few steps a person takes part in (seeing the plan, approving it)
// through ApplyUI; the command line (internal/cli) implements both and
// renders the results. A document an operation writes (a saved plan, an
// evidence export, a review) goes to a file, or to the Stdout writer its
// request gives it. Errors are *Error (a message the user reads as
// it is), *DiagError (configuration or policy diagnostics) or ErrFailed
// (the result already says what failed). Env says where an operation
// runs: the configuration directory, the state, the drivers it may make.
package ops
