package plausible

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"

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

// pageSize is the limit asked for on every list (Plausible honours 1..100).
const pageSize = 100

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
	hc       *httpc.Client
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
	var notify func(string)
	if opts.Notify != nil {
		name := team.Name
		notify = func(msg string) { opts.Notify("team " + name + ": " + msg) }
	}
	o := httpc.Options{
		BaseURL:   team.Conn.Endpoint,
		Auth:      func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) },
		UserAgent: opts.UserAgent,
		Clock:     opts.Clock,
		Log:       opts.Log,
		Budget:    budget,
		MaxWait:   opts.MaxWait,
		Notify:    notify,
		Platform:  Platform,
		Secrets:   []string{token},
		Transport: transport,
	}
	d := &Driver{team: team, opts: opts, hc: httpc.New(o), budget: budget, parallel: kit.Limit(opts.Parallelism),
		declaredMembers: map[string]bool{}}
	for _, obj := range team.Declared {
		if obj.Addr.Kind == model.KindMember {
			d.declaredMembers[obj.Addr.Email] = true
		}
	}
	return d
}

// --- API shapes and errors ------------------------------------------------------

type pageMeta struct {
	After *string `json:"after"`
}

type apiTeam struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type apiSite struct {
	Domain string `json:"domain"`
}

type apiGuest struct {
	Email  string `json:"email"`
	Role   string `json:"role"`
	Status string `json:"status"`
}

// apiErr turns an httpc failure into the error roster shows: a refusal
// (an HTTP status) becomes *driver.APIError with Plausible's own message.
func apiErr(err error, addr model.Address, read bool) error {
	var re *httpc.RequestError
	if !errors.As(err, &re) || re.Status == 0 || re.Err != nil {
		if read || addr.IsZero() {
			return err
		}
		return fmt.Errorf("%s: %w", addr, err)
	}
	msg := ""
	var eb struct {
		Error any `json:"error"`
	}
	if json.Unmarshal(re.Body, &eb) == nil {
		switch e := eb.Error.(type) {
		case string:
			msg = e
		case nil:
		default:
			b, _ := json.Marshal(e)
			msg = string(b)
		}
	}
	if msg == "" {
		msg = strings.Join(strings.Fields(string(re.Body)), " ")
	}
	if len(msg) > 300 {
		msg = msg[:300] + "..."
	}
	if msg == "" {
		msg = fmt.Sprintf("HTTP %d", re.Status)
	}
	return &driver.APIError{Address: addr, Platform: Platform, Status: re.Status, Message: msg,
		Request: re.Request(), Read: read}
}

// --- refresh ----------------------------------------------------------------------

// reader counts the requests a refresh makes.
type reader struct {
	d *Driver
	n atomic.Int64
}

func (r *reader) get(ctx context.Context, path string, q url.Values, out any) error {
	api, err := r.d.hc.JSON(ctx, "GET", path, q, nil, out, "")
	r.n.Add(int64(len(api)))
	if err != nil {
		return apiErr(err, model.Address{}, true)
	}
	return nil
}

// list reads every page of a cursor-paged list (always limit=100, the
// same on every page) whose items under field have the shape item,
// calling each with them; the paging must keep its word (kit.Pager).
func (r *reader) list(ctx context.Context, path string, q url.Values, field string, item kit.Shape, each func(json.RawMessage) error) (pages int, err error) {
	seen := map[string]bool{}
	after := ""
	pg := kit.Pager{Linked: true}
	shape := kit.Obj{field: kit.List(item), "meta": kit.Obj{"after": kit.Null(kit.String)}}
	for {
		pq := url.Values{}
		for k, v := range q {
			pq[k] = v
		}
		pq.Set("limit", strconv.Itoa(pageSize))
		if after != "" {
			pq.Set("after", after)
		}
		var raw map[string]json.RawMessage
		if err := r.get(ctx, path, pq, httpc.Shaped{Shape: shape, Into: &raw}); err != nil {
			return pg.Pages(), err
		}
		var items []json.RawMessage
		if err := json.Unmarshal(raw[field], &items); err != nil {
			return pg.Pages() + 1, fmt.Errorf("%s answered GET %s with a page roster cannot read: %v", Platform, path, err)
		}
		if err := each(raw[field]); err != nil {
			return pg.Pages() + 1, fmt.Errorf("%s answered GET %s with a page roster cannot read: %v", Platform, path, err)
		}
		var m pageMeta
		if err := json.Unmarshal(raw["meta"], &m); err != nil {
			return pg.Pages() + 1, fmt.Errorf("%s answered GET %s with paging roster cannot read: %v", Platform, path, err)
		}
		more := m.After != nil && *m.After != ""
		done, err := pg.Page(len(items), nil, more)
		if err != nil {
			return pg.Pages(), fmt.Errorf("%s answered GET %s with paging that does not keep its word: %v; nothing was planned from it, try again later", Platform, path, err)
		}
		if done {
			return pg.Pages(), nil
		}
		if seen[*m.After] {
			return pg.Pages(), fmt.Errorf("%s answered GET %s with the same page twice; roster stopped reading", Platform, path)
		}
		seen[*m.After] = true
		after = *m.After
	}
}

// Shapes of the list items the driver reads (plausible.md; schema/sync.md,
// Reading safely).
var (
	teamShape  = kit.Obj{"id": kit.String, "name": kit.String}
	siteShape  = kit.Obj{"domain": kit.String}
	guestShape = kit.Obj{"email": kit.String, "role": kit.String, "status": kit.String}
)

// decodeList unmarshals a list that must be present (null is empty).
func decodeList[T any](raw json.RawMessage, out *[]T) error {
	if len(raw) == 0 {
		return errors.New("the list is missing")
	}
	var items []T
	if err := json.Unmarshal(raw, &items); err != nil {
		return err
	}
	*out = append(*out, items...)
	return nil
}

// Refresh reads the team (account_id, or the key's only team), its sites,
// and the guests of every declared site.
func (d *Driver) Refresh(ctx context.Context) (*driver.Snapshot, error) {
	r := &reader{d: d}

	var teams []apiTeam
	teamPages, err := r.list(ctx, "/api/v1/sites/teams", nil, "teams", teamShape, func(raw json.RawMessage) error { return decodeList(raw, &teams) })
	if err != nil {
		return nil, err
	}
	teamID, err := d.pickTeam(teams)
	if err != nil {
		return nil, err
	}

	var sites []apiSite
	sitePages, err := r.list(ctx, "/api/v1/sites", url.Values{"team_id": {teamID}}, "sites", siteShape, func(raw json.RawMessage) error { return decodeList(raw, &sites) })
	if err != nil {
		return nil, err
	}
	siteIDs, siteOf, err := d.resolveSites(teamID, sites)
	if err != nil {
		return nil, err
	}
	var notes []string
	for _, s := range sites {
		if _, ok := siteOf[strings.ToLower(s.Domain)]; !ok {
			notes = append(notes, fmt.Sprintf("site %s is not declared; roster does not manage its guests", s.Domain))
		}
	}

	// The guests of each declared site, a few sites at a time.
	domains := make([]string, 0, len(siteOf))
	for _, dom := range siteIDs {
		domains = append(domains, dom)
	}
	sort.Strings(domains)
	lists := make([][]apiGuest, len(domains))
	pages := make([]int, len(domains))
	if err := kit.Each(ctx, d.parallel, len(domains), func(ctx context.Context, i int) error {
		var err error
		pages[i], err = r.list(ctx, "/api/v1/sites/guests", url.Values{"site_id": {domains[i]}}, "guests", guestShape,
			func(raw json.RawMessage) error { return decodeList(raw, &lists[i]) })
		return err
	}); err != nil {
		return nil, err
	}
	guests := map[string]map[string]*liveGuest{}
	guestPages := map[string]int{}
	for i, dom := range domains {
		guestPages[dom] = pages[i]
		byEmail := map[string]*liveGuest{}
		for _, g := range lists[i] {
			email := model.NormalizeEmail(g.Email)
			if email == "" {
				return nil, fmt.Errorf("%s listed a guest of %s without an email; roster stopped reading", Platform, dom)
			}
			if g.Status != statusInvited && g.Status != statusAccepted {
				return nil, fmt.Errorf("%s listed guest %s of %s with status %q, which roster does not know (invited or accepted)", Platform, email, dom, g.Status)
			}
			if byEmail[email] == nil {
				byEmail[email] = &liveGuest{role: g.Role, status: g.Status}
			}
		}
		guests[dom] = byEmail
	}

	d.refreshed, d.teamID, d.siteIDs, d.guests = true, teamID, siteIDs, guests
	d.pages.teams, d.pages.sites, d.pages.guests = teamPages, sitePages, guestPages

	snap := &driver.Snapshot{
		Team:      d.team.Name,
		Invisible: []model.Kind{model.KindMember},
		SiteIDs:   map[string]string{},
		Notes:     notes,
		Requests:  int(r.n.Load()),
	}
	for name, dom := range siteIDs {
		snap.SiteIDs[name] = dom
		for email, g := range guests[dom] {
			st := model.StatusActive
			if g.status == statusInvited {
				st = model.StatusInvited
			}
			snap.Objects = append(snap.Objects, &model.Object{Addr: model.PersonGrantAddress(d.team.Name, name, email),
				Role: g.role, HolderKind: model.HolderGuest, Status: st})
		}
	}
	model.SortObjects(snap.Objects)
	return snap, nil
}

// pickTeam is connection.account_id when the key sees that team, else the
// key's only team. An unknown team_id would list every site the key
// reaches without an error, so the id is always checked.
func (d *Driver) pickTeam(teams []apiTeam) (string, error) {
	list := func() string {
		var c []string
		for _, t := range teams {
			c = append(c, fmt.Sprintf("%q (%s)", t.Name, t.ID))
		}
		return strings.Join(c, ", ")
	}
	if want := strings.TrimSpace(d.team.Conn.AccountID); want != "" {
		for _, t := range teams {
			if t.ID == want {
				return want, nil
			}
		}
		if len(teams) == 0 {
			return "", fmt.Errorf("team %s: connection.account_id %q is not a Plausible team the API key can see: the key sees no team. Use a Sites API key of an owner or admin of that team", d.team.Name, want)
		}
		return "", fmt.Errorf("team %s: connection.account_id %q is not a Plausible team the API key can see; it sees %s. Set account_id to one of these ids, or use a key of that team", d.team.Name, want, list())
	}
	switch len(teams) {
	case 0:
		return "", fmt.Errorf("team %s: the Plausible API key sees no team; use a Sites API key of a team owner or admin", d.team.Name)
	case 1:
		return teams[0].ID, nil
	}
	return "", fmt.Errorf("team %s: the Plausible API key sees %d teams: %s; set connection.account_id to the id of the one roster manages", d.team.Name, len(teams), list())
}

// resolveSites finds each declared site's domain: its remote_id, else its
// name, among the team's sites (case-insensitively). Every site that
// cannot be resolved is reported at once. siteOf maps lower-cased domains
// to declared names.
func (d *Driver) resolveSites(teamID string, sites []apiSite) (map[string]string, map[string]string, error) {
	byDomain := map[string]string{}
	for _, s := range sites {
		byDomain[strings.ToLower(s.Domain)] = s.Domain
	}
	candidates := func() string {
		if len(sites) == 0 {
			return "the team has no site the key can see"
		}
		var c []string
		for i, s := range sites {
			if i == maxCandidates {
				c = append(c, fmt.Sprintf("and %d more", len(sites)-maxCandidates))
				break
			}
			c = append(c, s.Domain)
		}
		return "its sites are " + strings.Join(c, ", ")
	}
	siteIDs := map[string]string{}
	siteOf := map[string]string{}
	var problems []string
	for _, s := range d.team.Sites {
		name := s.Addr.Site
		want := strings.TrimSpace(s.RemoteID)
		dom, ok := byDomain[strings.ToLower(want)]
		switch {
		case want != "" && !ok:
			problems = append(problems, fmt.Sprintf("site %q: remote_id %q is not a site of Plausible team %s; %s", name, want, teamID, candidates()))
			continue
		case want == "":
			if dom, ok = byDomain[strings.ToLower(name)]; !ok {
				problems = append(problems, fmt.Sprintf("site %q: Plausible team %s has no site with domain %q; %s. Set remote_id on the site to its domain", name, teamID, name, candidates()))
				continue
			}
		}
		if other, dup := siteOf[strings.ToLower(dom)]; dup {
			problems = append(problems, fmt.Sprintf("sites %q and %q both name Plausible site %s; give each site its own domain", other, name, dom))
			continue
		}
		siteIDs[name] = dom
		siteOf[strings.ToLower(dom)] = name
	}
	if len(problems) > 0 {
		return nil, nil, fmt.Errorf("team %s: %s", d.team.Name, strings.Join(problems, "; "))
	}
	return siteIDs, siteOf, nil
}
