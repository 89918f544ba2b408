// Package plausible owns roster's Plausible driver: it reads the guests of
// one team's declared sites through Plausible's Sites API (the team, its
// sites, each site's guests, invited or accepted) and invites and removes
// guests, following docs/apis/plausible.md and the schema/sync.md
// contract.
//
// Plausible has no API for team members, so their changes are manual
// steps and the snapshot marks members invisible (the stored ones stand
// for live). PUT guest is find-or-create and cannot change a role: a role
// change of an invited guest deletes the invitation and invites again; of
// an accepted guest it is a manual step unless Options.Reinvite allows
// deleting and inviting again (cutting their access until they accept).
// A guest invitation is never sent for the email of a team member, and a
// guest who is being made a team member loses their guest access in
// Plausible itself, so those removals are part of the manual step.
//
// Its layers: api.go is a typed client of the Sites API (Client: context
// first, typed answers, refusals as *driver.APIError); decide.go decides,
// without any request, what a change needs (a manual step, the requests
// to send, their cost) and is tested on its own; refresh.go turns the
// answers into the snapshot; apply.go sends what decide says.
//
// It speaks HTTP only through driver/httpc, whose hourly Budget keeps the
// team within requests_per_hour (600 by default: Plausible counts every
// request of a key in fixed clock hours, rejected ones too, and answers
// 429 without Retry-After), waiting for the next clock hour at most
// Options.MaxWait and saying so through Options.Notify.
package plausible
