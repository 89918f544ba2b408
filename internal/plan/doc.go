// Package plan owns the planner: a pure function from the desired objects
// (the configuration), the prior state (and, for connected teams, a live
// snapshot) to an ordered list of changes with their risks, follow-up tasks
// and reasons. It does no I/O. It decides which changes the state alone
// makes (Change.StateOnly: teams and sites, what a connected team forgets,
// a connection that comes or goes, a waiting step withdrawn, the move of a
// site, team or group), which of those still leave a step to a person
// (Change.SettingsByHand: a team's settings) and which addresses it leaves
// alone (Input.Keep). It also owns the saved plan file: the exact changes
// `apply PLANFILE` makes, with what they were planned against; the
// comparison of a fresh plan with a reviewed one (`apply --reviewed`,
// Compare); and the causes `apply --only` keeps (Cause, Input.Only).
package plan
