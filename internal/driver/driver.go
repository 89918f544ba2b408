package driver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// Team is one connected team, as a driver sees it.
type Team struct {
	Name     string
	Platform *model.Platform
	// Conn is the team's connection, with Endpoint already overridden by
	// $ROSTER_ENDPOINT_<TEAM> when set.
	Conn model.Connection
	// Token is the credential read from Conn.TokenEnv. It must never reach
	// a log line, an error, the state, a plan or evidence.
	Token string
	// Sites are the team's declared sites (declared or stored remote_id
	// filled in when known). Site-level access is managed on these only.
	Sites []*model.Object
	// Guests are the emails declared or stored as guests of the team: their
	// implicit team membership (PostHog level 1, Piwik PRO USER) belongs to
	// their grants and is never reported as a member (schema/sync.md).
	Guests map[string]bool
	// Members are the emails declared or stored as members of the team.
	Members map[string]bool
	// Declared and Stored are the team's objects as the configuration
	// declares them and as the state holds them, for what a platform does
	// not list (Piwik PRO leaves owners out of permission lists).
	Declared []*model.Object
	Stored   []*model.Object
}

// Snapshot is the live access of one team, in the model's terms.
type Snapshot struct {
	Team string
	// Objects are the live members, grants and groups the driver manages,
	// with Status active or invited, addressed with declared site names.
	// Guests' implicit memberships are left out. Sorted by address.
	Objects []*model.Object
	// Invisible lists the kinds the API cannot read (Plausible: member):
	// the stored objects of those kinds stand for live.
	Invisible []model.Kind
	// SiteIDs maps each declared site's name to the platform's id found.
	SiteIDs map[string]string
	// Defaults maps each declared site's name to the access level the
	// platform gives every member of the team on it without a grant
	// (PostHog: the project's default access level). Nil on platforms
	// without defaults. Apply records it on the site (schema/sync.md).
	Defaults map[string]string
	// RoleAccess is the access that platform roles give on declared sites
	// (PostHog RBAC, Enterprise: a project access row of a role), which
	// roster reads but does not manage. Sorted by site, then role.
	RoleAccess []RoleAccess
	// Self is the email of the person whose credential roster uses, "" when
	// the platform cannot tell (Plausible).
	Self string
	// Notes are said once by the plan: live sites not declared, access
	// through roles roster does not manage, ...
	Notes []string
	// Warnings are said once by the plan as warnings: project defaults
	// that declared grants cannot narrow (schema/sync.md: the plan warns).
	Warnings []string
	// Requests counts the requests the refresh made.
	Requests int
	// Implicit are the memberships left out of Objects as no access of
	// their own (PostHog level member, Piwik PRO USER): guests' implicit
	// ones, and those of people whose only access is on sites the team
	// does not declare. Member objects, status active; none on platforms
	// without account memberships (Plausible). The planner removes one
	// only as schema/sync.md says ("Reading safely"), as an explicit change.
	Implicit []*model.Object
	// Elsewhere maps each person who holds access of their own (a grant,
	// or a group's) on a site of the platform account that the team does
	// not declare to those sites' names, sorted.
	Elsewhere map[string][]string
	// Moot are declared objects that would add no access, so the plan
	// neither makes them nor reports drift on them (GA4: a property
	// binding at or below the person's declared account role, which a
	// property binding can only raise; ga4.md). The driver says why in
	// Notes.
	Moot []model.Address
}

// RoleAccess is one platform role's access on a declared site: everyone
// in Members (emails, sorted) holds Level there "via role Role".
type RoleAccess struct {
	Site    string
	Role    string // the role's name ("" unknown: its id then)
	RoleID  string
	Level   string
	Members []string
}

// Outcome is what became of a change (schema/sync.md).
type Outcome string

// Outcomes a driver reports.
const (
	Applied Outcome = "applied"
	Invited Outcome = "invited"
	Manual  Outcome = "manual"
)

// Result is the outcome of one change and every request made for it,
// retries included, as `METHOD path status` (no query, headers or bodies).
type Result struct {
	Outcome Outcome
	API     []string
	// Riders, on a failure, are the other changes the failed requests
	// were made for too (PostHog: first project grants riding on an
	// invitation): they fail with it (schema/sync.md "Platform details").
	Riders []model.Address
	// Made are the other changes of the team (of those Begin was told)
	// that the requests made too (PostHog: a first project grant riding
	// on its holder's invitation; GA4: a promotion made ahead of the last
	// Administrator's demotion), on a failure too when they were made
	// before it. Apply, asked for one of them later, answers at once
	// without a request, so that the engine records it even once the
	// apply is interrupted or stopped by a failure: the platform holds it
	// (schema/sync.md, apply on connected teams, 4).
	Made []model.Address
	// Note is, for a change the platform refused in a way that leaves it
	// to a person (Outcome Manual: GA4's 400 on a create), the platform's
	// own words with what to do, one line, redacted as every error text
	// is. Apply writes it in the evidence record's note and beside the
	// manual step. "" otherwise.
	Note string
}

// Driver reads and changes one platform's access. A driver value serves
// one team: Refresh first, then any number of Apply calls, which use what
// the refresh learnt (ids of people, invitations, sites).
type Driver interface {
	// Refresh reads the team's live access. Reads fail closed: any read
	// that fails after retries is an error naming the request.
	Refresh(ctx context.Context) (*Snapshot, error)
	// Begin tells the driver every change it is about to be asked to
	// make for the team, in apply order, so that changes that ride
	// together (PostHog: first project grants on an invitation) can.
	Begin(changes []plan.Change)
	// Manual reports whether the change is one the API cannot make, with
	// the reason; such changes become manual steps and are never sent.
	Manual(c *plan.Change) (manual bool, reason string)
	// Apply makes one change through the API. Errors are *APIError when the
	// platform refused, naming the change's address.
	Apply(ctx context.Context, c *plan.Change) (Result, error)
	// Cost is how many requests applying changes takes (reads included),
	// and the team's hourly budget (0: none).
	Cost(changes []plan.Change) (requests int, budgetPerHour int)
}

// PlanChecker is a driver that refuses, before anything is sent, changes
// that together would leave the platform unmanageable (GA4: the account
// with no Administrator besides roster's own service account). CheckPlan
// is given the team's changes in apply order, after Refresh.
type PlanChecker interface {
	CheckPlan(changes []plan.Change) error
}

// APIError is a platform's refusal, worded for the user:
// `member/acme/bob@x.io: PostHog refused the change (403): You can only
// edit others if you are an admin.`
type APIError struct {
	Address  model.Address
	Platform string // the driver's Platform: "PostHog", "Google Analytics", "Matomo", ...
	Status   int
	Message  string // the platform's own message
	Request  string // METHOD path
	Read     bool   // a read during refresh, not a change
	// Codes are the platform's machine-readable error codes, when its
	// answer has them (Piwik PRO's errors[].code), for drivers to switch
	// on instead of the message.
	Codes []string
}

func (e *APIError) Error() string {
	if e.Read {
		return fmt.Sprintf("%s refused %s (%d): %s", e.Platform, e.Request, e.Status, e.Message)
	}
	return fmt.Sprintf("%s: %s refused the change (%d): %s", e.Address, e.Platform, e.Status, e.Message)
}

// KeyRejected adds to a 401 refusal of the request that first shows whose
// key a team uses the next step the platform's own message lacks: check
// that the variable tokenEnv (Connection.TokenEnv) holds what it must
// (holds, e.g. "a personal API key of an owner"). Any other error comes
// back as it is.
func KeyRejected(err error, tokenEnv, holds string) error {
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 401 {
		return err
	}
	c := *ae
	c.Message = fmt.Sprintf("%s; check that %s holds %s", strings.TrimRight(c.Message, " ."), TokenVar(tokenEnv), holds)
	return &c
}

// TokenVar names, in a message, where a team's token comes from: the
// variable tokenEnv (Connection.TokenEnv) as "$NAME", or "the team's
// token variable" when the team names none.
func TokenVar(tokenEnv string) string {
	if tokenEnv == "" {
		return "the team's token variable"
	}
	return "$" + tokenEnv
}

// EndpointText is an endpoint as a message quotes it: without the
// password of a user part (https://user:PASSWORD@host, a proxy's basic
// auth; $ROSTER_ENDPOINT_<TEAM> may carry one), even when the endpoint
// does not parse, in which case all before its last '@' goes. So does it
// when an '@' follows the user part's: a password holding a '#' or '?'
// (https://me@corp.example:12#PASSWORD@proxy) parses as a user part that
// ends at the first '@' and a fragment or query holding the rest.
func EndpointText(endpoint string) string {
	u, err := url.Parse(endpoint)
	switch {
	case err == nil && u.User != nil && strings.Count(endpoint, "@") == 1:
		return u.Redacted()
	case err == nil && !strings.Contains(endpoint, "@"):
		return endpoint
	}
	scheme, rest, ok := strings.Cut(endpoint, "://")
	if i := strings.LastIndexByte(rest, '@'); ok && i >= 0 {
		return scheme + "://xxxxx@" + rest[i+1:]
	}
	if i := strings.LastIndexByte(endpoint, '@'); i >= 0 {
		return "xxxxx@" + endpoint[i+1:]
	}
	return endpoint
}

// Options are what every driver takes besides its team.
type Options struct {
	// UserAgent is "roster/VERSION".
	UserAgent string
	// Log receives one line per request with ROSTER_LOG=debug; nil: none.
	Log io.Writer
	// Notify tells the user about waits (an hourly budget used up).
	Notify func(msg string)
	// Clock is the time drivers pace and back off by; nil: the wall clock.
	Clock Clock
	// Reinvite lets a driver delete and invite again an accepted guest
	// whose role the API cannot change (Plausible), cutting their access
	// until they accept; without it such a change is a manual step.
	Reinvite bool
	// MaxWait is the longest wait, in total per request, for an hourly
	// budget or a platform's Retry-After (--max-wait); 0: the default,
	// 65 minutes; negative: never wait.
	MaxWait time.Duration
	// Parallelism bounds the reads in flight inside the team
	// (--parallelism); 0: 4.
	Parallelism int
	// Shared holds what the drivers of one run share across teams (the
	// per-credential quotas of a platform: GA4's service account; the
	// request rate of one Matomo instance); nil: nothing is shared.
	Shared *Shared
	// Slots, shared by every team of a run, bound the requests on the
	// wire across teams (schema/sync.md: --parallelism bounds the reads in
	// flight inside a team as well as across teams); nil: no bound
	// across teams.
	Slots Slots
}

// Shared is what the drivers of one run share, by key. Safe for
// concurrent use.
type Shared struct {
	mu sync.Mutex
	m  map[string]any
}

// NewShared is an empty Shared.
func NewShared() *Shared { return &Shared{m: map[string]any{}} }

// Get is the value under key, made by mk the first time it is asked for
// (on a nil Shared: mk's, every time).
func (s *Shared) Get(key string, mk func() any) any {
	if s == nil {
		return mk()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	if !ok {
		v = mk()
		s.m[key] = v
	}
	return v
}

// Slots are the requests a run may have on the wire at once: a request
// takes one from sending it until its answer is read.
type Slots chan struct{}

// NewSlots makes n slots (n ≤ 0: 1).
func NewSlots(n int) Slots { return make(Slots, max(n, 1)) }

// Clock is time as drivers see it, so pacing and expiry are tested with a
// fake clock, never by sleeping.
type Clock interface {
	Now() time.Time
	Sleep(ctx context.Context, d time.Duration) error
}

// RealClock is the wall clock.
type RealClock struct{}

// Now is time.Now.
func (RealClock) Now() time.Time { return time.Now() }

// Sleep waits d or until ctx is done.
func (RealClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
