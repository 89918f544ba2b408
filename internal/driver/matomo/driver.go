package matomo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/kit"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// Options are the driver's options: those every driver takes.
type Options = driver.Options

// Platform is the platform's name in messages.
const Platform = "Matomo"

// MinVersion is the oldest Matomo a connected team may run (matomo.md,
// Version differences: inviteUser since 4.11, generateInviteLink and the
// deleteUser rules the driver relies on since 4.12).
var MinVersion = version{4, 12, 0}

// BearerSince is the first version whose core reads the token from an
// `Authorization: Bearer` header (matomo.md, Auth: [AUTHTOK]; a third party
// says 5.4). From it on the driver sends the header too, with the same
// token as the POST body (a different one is a 400).
var BearerSince = version{5, 4, 0}

// InviteExpiryDays is the expiryInDays of every invitation and resend
// (matomo.md: inviteUser defaults to the config's 7, resendInvite to 7).
const InviteExpiryDays = 7

// pageSize is the limit of each getUsersPlusRole page (matomo.md, What a
// reconciler must do).
const pageSize = 100

// RequestsPerSecond paces the requests (matomo.md, Rate limits: "Safe
// reading: at most 5 requests/s per team"; Matomo Cloud allows 350 a
// minute per IP, and 5 a second is 300): at most this many start in any
// second, by the driver's clock, with no burst beyond it, shared by the
// teams of a run that name one instance (driver.Options.Shared).
const RequestsPerSecond = 5

// Driver is the Matomo driver of one team: one instance.
type Driver struct {
	team     *driver.Team
	api      *client
	parallel int

	version version // read once by the first refresh

	refreshed bool
	st        *state
	siteIDs   map[string]string // declared site name → idsite
	siteOf    map[string]string // idsite → declared site name
	pages     int               // getUsersPlusRole pages the refresh read
	run       *run
}

// New makes the driver of a team. team.Token is a superuser's token_auth;
// team.Conn.AccountID is that superuser's login.
func New(team *driver.Team, opts Options) driver.Driver { return newDriver(team, opts, nil) }

func newDriver(team *driver.Team, opts Options, transport http.RoundTripper) *Driver {
	return &Driver{team: team, parallel: kit.Limit(opts.Parallelism), api: newClient(team, opts, transport)}
}

// --- versions ---------------------------------------------------------------

type version [3]int

func parseVersion(s string) (version, bool) {
	var v version
	core, _, _ := strings.Cut(strings.TrimSpace(s), "-")
	parts := strings.Split(core, ".")
	if len(parts) < 2 {
		return v, false
	}
	for i := 0; i < len(parts) && i < 3; i++ {
		n, err := strconv.Atoi(parts[i])
		if err != nil || n < 0 {
			return v, false
		}
		v[i] = n
	}
	return v, true
}

func (v version) less(w version) bool {
	for i := range v {
		if v[i] != w[i] {
			return v[i] < w[i]
		}
	}
	return false
}

func (v version) String() string { return fmt.Sprintf("%d.%d.%d", v[0], v[1], v[2]) }

func (v version) short() string {
	if v[2] == 0 {
		return fmt.Sprintf("%d.%d", v[0], v[1])
	}
	return v.String()
}

// --- apply ------------------------------------------------------------------

// Begin remembers the team's changes, in apply order.
func (d *Driver) Begin(changes []plan.Change) { d.run = newRun(slices.Clone(changes)) }

func (d *Driver) decider(st *state, r *run, sim bool) decider {
	return decider{team: d.team, siteIDs: d.siteIDs, st: st, run: r, sim: sim}
}

// Apply makes one change: it sends the decision's requests in order,
// and each one's effect reaches the live state once Matomo confirms it.
func (d *Driver) Apply(ctx context.Context, c *plan.Change) (driver.Result, error) {
	if !d.refreshed {
		return driver.Result{}, fmt.Errorf("%s: the Matomo driver must refresh team %s before applying changes", c.Addr, d.team.Name)
	}
	if d.run == nil {
		d.Begin(nil)
	}
	dc, err := d.decider(d.st, d.run, false).decide(c)
	if err != nil {
		return driver.Result{}, err
	}
	var api []string
	for _, s := range dc.steps {
		if s.req.guard {
			rows, lines, err := d.api.SitesAccess(ctx, s.req.Params.Get("userLogin"))
			api = append(api, lines...)
			if err != nil {
				return driver.Result{API: api}, changeErr(err, c.Addr)
			}
			if other := d.undeclared(rows); len(other) > 0 {
				return driver.Result{API: api}, fmt.Errorf("%s: %s also has access to Matomo websites that are not declared (idsite %s); roster does not delete a user with access it does not manage. Declare those websites, or remove that access in Matomo first",
					c.Addr, c.Addr.Email, strings.Join(other, ", "))
			}
			continue
		}
		lines, err := d.api.Send(ctx, s.req)
		api = append(api, lines...)
		if err != nil {
			return driver.Result{API: api}, changeErr(err, c.Addr)
		}
		if s.effect != nil {
			s.effect(d.st, d.run)
		}
	}
	return driver.Result{Outcome: dc.outcome, API: api}, nil
}

// undeclared is the idsites, in the order read, of access rows on
// websites the team does not declare.
func (d *Driver) undeclared(rows []apiAccessRow) []string {
	var other []string
	for _, r := range rows {
		id := r.site()
		if _, ok := d.siteOf[id]; !ok && !slices.Contains(other, id) {
			other = append(other, id)
		}
	}
	return other
}

// Cost counts the requests an apply of changes makes: the refresh's reads
// and the writes, decided on a copy of the live state in plan order.
// Matomo has no hourly budget (Matomo Cloud's per-IP limits are per
// minutes); the budget is the connection's requests_per_hour when set.
func (d *Driver) Cost(changes []plan.Change) (requests int, budgetPerHour int) {
	st := newState()
	if d.refreshed {
		st = d.st.clone()
	}
	r := newRun(changes)
	dec := d.decider(st, r, true)
	writes := 0
	for i := range changes {
		c := &changes[i]
		if manual, _ := d.Manual(c); manual || c.Addr.Kind == model.KindSite || c.Addr.Kind == model.KindTeam || c.StateOnly() || c.Action == plan.Move {
			continue
		}
		if c.Action == plan.Update && c.Before != nil && c.After != nil && !platformChange(c) {
			continue
		}
		dc, err := dec.decide(c)
		if err != nil {
			writes++ // the change fails; count the request it would try
			continue
		}
		writes += len(dc.steps)
		for _, s := range dc.steps {
			if s.effect != nil {
				s.effect(st, r)
			}
		}
	}
	return d.readCost() + writes, d.team.Conn.RequestsPerHour
}

// readCost is the requests a refresh makes: the superusers, the superuser
// check, the version (first refresh only, but counted always), the
// websites, the users, and each declared site's pages of users.
func (d *Driver) readCost() int {
	pages := d.pages
	if !d.refreshed {
		pages = len(d.team.Sites)
	}
	return 5 + max(pages, len(d.siteIDs))
}

// changeErr turns a call's error into the error of the change at addr.
func changeErr(err error, addr model.Address) error {
	var ae *driver.APIError
	if errors.As(err, &ae) {
		c := *ae
		c.Address, c.Read = addr, false
		c.Message = ae.Request + ": " + ae.Message
		return &c
	}
	return fmt.Errorf("%s: %w", addr, err)
}

// Manual reports the changes Matomo's API cannot make with a token alone:
// those that need the token owner's password (matomo.md, Auth:
// setSuperUserAccess, updateUser of an email, the 2FA system setting), and
// team settings. A person's new email (a move) is never asked: the apply
// engine makes every move a manual step (schema/sync.md, Renames), whose
// runbook gives Matomo's path.
func (d *Driver) Manual(c *plan.Change) (bool, string) {
	switch {
	case c.Addr.Kind == model.KindTeam && c.Action == plan.Update:
		return true, "Matomo changes team settings only with the superuser's password (CorePluginsAdmin.setSystemSettings): Administration → System → General settings → TwoFactorAuth"
	case c.Addr.Kind == model.KindMember && superuserChange(c):
		return true, "granting or revoking superuser access needs the password of the superuser making the change (UsersManager.setSuperUserAccess): Administration → System → Users → edit the user → Superuser access"
	}
	return false, ""
}

// superuserChange reports a member change that makes, touches or removes a
// superuser.
func superuserChange(c *plan.Change) bool {
	b, a := c.Before, c.After
	if b != nil && a != nil && b.Role == a.Role {
		return false // reason, ticket or expiry: roster's alone
	}
	return (b != nil && b.Role == "superuser") || (a != nil && a.Role == "superuser")
}
