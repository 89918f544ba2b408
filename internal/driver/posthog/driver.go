package posthog

import (
	"net/http"
	"strings"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/httpc"
	"github.com/roster-dev/roster/internal/driver/kit"
)

// Options are the driver's options: those every driver takes.
type Options = driver.Options

// Platform is the platform's name in messages.
const Platform = "PostHog"

// Organization levels (posthog.md).
const (
	levelMember = 1
	levelAdmin  = 8
	levelOwner  = 15
)

var orgLevels = map[string]int{"member": levelMember, "admin": levelAdmin, "owner": levelOwner}

func roleOfLevel(l int) string {
	switch {
	case l >= levelOwner:
		return "owner"
	case l >= levelAdmin:
		return "admin"
	}
	return "member"
}

// Driver is the PostHog driver of one team.
type Driver struct {
	team     *driver.Team
	api      *Client
	parallel int

	org       string // the organization id as paths use it
	refreshed bool
	self      string
	st        *state
	pages     struct{ members, invites, projects, undeclared int }
	siteIDs   map[string]int // declared site name → project id
	run       *run
	// elsewhere maps members to the undeclared projects where they hold
	// access rows.
	elsewhere map[string][]string
}

// New makes the driver of a team. opts.Log is the debug log
// (ROSTER_LOG=debug); opts.Clock is used for every wait.
func New(team *driver.Team, opts Options) driver.Driver { return newDriver(team, opts, nil) }

func newDriver(team *driver.Team, opts Options, transport http.RoundTripper) *Driver {
	token := team.Token
	o := httpc.TeamOptions(team, opts, Platform, token)
	o.Auth = func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
	o.Transport = transport
	org := strings.TrimSpace(team.Conn.AccountID)
	return &Driver{team: team, api: &Client{hc: httpc.New(o), org: org}, parallel: kit.Limit(opts.Parallelism), org: org}
}

// --- live state -------------------------------------------------------------

type liveMember struct {
	id    string // membership id (organization_member in access rows)
	uuid  string // user uuid (members/{uuid}/)
	email string
	level int
}

type projectAccess struct {
	project int
	level   string
}

type liveInvite struct {
	id        string
	email     string
	level     int
	ppa       []projectAccess
	expired   bool
	createdAt string
}

type state struct {
	members map[string]*liveMember   // by email
	byID    map[string]*liveMember   // by membership id
	invites map[string][]*liveInvite // by email, newest first
	rows    map[int]map[string]string
}

func newState() *state {
	return &state{members: map[string]*liveMember{}, byID: map[string]*liveMember{},
		invites: map[string][]*liveInvite{}, rows: map[int]map[string]string{}}
}

func (s *state) clone() *state {
	c := newState()
	for e, m := range s.members {
		cm := *m
		c.members[e] = &cm
		c.byID[cm.id] = &cm
	}
	for e, list := range s.invites {
		for _, inv := range list {
			ci := *inv
			ci.ppa = append([]projectAccess(nil), inv.ppa...)
			c.invites[e] = append(c.invites[e], &ci)
		}
	}
	for p, rows := range s.rows {
		cr := make(map[string]string, len(rows))
		for k, v := range rows {
			cr[k] = v
		}
		c.rows[p] = cr
	}
	return c
}

// pending is the person's invitations that have not expired, newest first.
func (s *state) pending(email string) []*liveInvite {
	var out []*liveInvite
	for _, inv := range s.invites[email] {
		if !inv.expired {
			out = append(out, inv)
		}
	}
	return out
}

func (s *state) removeMember(m *liveMember) {
	delete(s.members, m.email)
	delete(s.byID, m.id)
	for _, rows := range s.rows {
		delete(rows, m.id)
	}
}

// grantsOf lists the projects where a membership has a member or admin row.
func (s *state) grantsOf(mid string) map[int]bool {
	out := map[int]bool{}
	for p, rows := range s.rows {
		if l := rows[mid]; l == "member" || l == "admin" {
			out[p] = true
		}
	}
	return out
}
