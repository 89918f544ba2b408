// Package apply owns making a plan real: it turns a plan's changes into
// one changeset for the state store — the new objects, a history entry and
// one sealed evidence record per change — committed all or nothing. For
// offline teams that is the whole apply: every change a person makes in a
// platform's UI is recorded as a manual step (status manual, the pending
// change kept) until Confirm records it done (sync.md) — a person's move
// included: Confirm re-keys the person and what the move carries, as
// StateMove does by hand (statemv.go). Connected teams
// (drivers) come through the same path, one confirmed change at a time;
// on either, a team declared with settings is stored at once with its
// settings waiting (plan.Change.SettingsByHand).
// The follow-up tasks records raise, and those Confirm closes, change the
// state's set of open tasks in the same transaction (evidence.NoteTasks),
// and a site's or team's move takes the open tasks of its sites to their
// new addresses there too (evidence.PrepareTasks), while StateForget
// (roster state rm) closes those of a forgotten site or team.
// Upcoming says, before any apply, which changes will be manual steps.
package apply
