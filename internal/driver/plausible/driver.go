package plausible

import (
	"net/http"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/httpc"
	"github.com/roster-dev/roster/internal/driver/kit"
	"github.com/roster-dev/roster/internal/model"
)

// Options are the driver's options: those every driver takes.
type Options = driver.Options

// Platform is the platform's name in messages.
const Platform = "Plausible"

// DefaultRequestsPerHour is a Plausible key's hourly budget unless the
// team's connection sets requests_per_hour.
const DefaultRequestsPerHour = 600

// maxCandidates is how many sites an error message lists.
const maxCandidates = 20

// Guest statuses as the API reports them.
const (
	statusInvited  = "invited"
	statusAccepted = "accepted"
)

// Driver is the Plausible driver of one team.
type Driver struct {
	team     *driver.Team
	opts     Options
	api      *Client
	budget   *httpc.Budget
	parallel int

	refreshed bool
	teamID    string
	siteIDs   map[string]string                // declared site name → domain
	guests    map[string]map[string]*liveGuest // domain → email → guest
	pages     struct {
		teams, sites int
		guests       map[string]int // by domain
	}
	declaredMembers map[string]bool
	promoted        map[string]bool // emails this apply makes team members
}

type liveGuest struct {
	role   string
	status string
}

// New makes the driver of a team. Its hourly budget is the connection's
// requests_per_hour (600 when unset); opts.MaxWait bounds each wait for
// the next clock hour, opts.Notify hears about it, opts.Log is the debug
// log (ROSTER_LOG=debug) and opts.Clock is used for every wait.
func New(team *driver.Team, opts Options) driver.Driver { return newDriver(team, opts, nil) }

func newDriver(team *driver.Team, opts Options, transport http.RoundTripper) *Driver {
	token := team.Token
	perHour := team.Conn.RequestsPerHour
	if perHour <= 0 {
		perHour = DefaultRequestsPerHour
	}
	budget := httpc.NewBudget(perHour, opts.Clock)
	o := httpc.TeamOptions(team, opts, Platform, token)
	o.Auth = func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
	o.Budget, o.Transport = budget, transport
	d := &Driver{team: team, opts: opts, api: &Client{hc: httpc.New(o)}, budget: budget, parallel: kit.Limit(opts.Parallelism),
		declaredMembers: map[string]bool{}}
	for _, obj := range team.Declared {
		if obj.Addr.Kind == model.KindMember {
			d.declaredMembers[obj.Addr.Email] = true
		}
	}
	return d
}
