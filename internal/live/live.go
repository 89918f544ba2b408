package live

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// Factory makes the driver of one connected team.
type Factory func(team *driver.Team) (driver.Driver, error)

// EnvName turns a team name into the suffix of its environment variables:
// upper-cased, every '-' turned into '_'.
func EnvName(team string) string {
	return strings.ToUpper(strings.ReplaceAll(team, "-", "_"))
}

// CheckEndpoint enforces sync.md: https, or http to a loopback address.
func CheckEndpoint(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return fmt.Errorf("endpoint %q is not a URL", endpoint)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if host == "localhost" {
			return nil
		}
		if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
			return nil
		}
		return fmt.Errorf("endpoint %q uses http:// on a non-loopback address; use https://", endpoint)
	}
	return fmt.Errorf("endpoint %q must start with https://", endpoint)
}

// Teams returns the connected teams of the configuration as drivers see
// them, each with its credential read from the environment. A missing
// variable is an error naming it, before any call is made. Only teams for
// which want returns true are returned (nil: all).
func Teams(cfg *model.Config, prior []*model.Object, getenv func(string) string, want func(team string) bool) ([]*driver.Team, error) {
	byTeam := map[string]*driver.Team{}
	var teams []*driver.Team
	var missing []string
	for _, o := range cfg.Objects {
		if o.Addr.Kind != model.KindTeam || o.Decl == nil || o.Decl.Connection == nil {
			continue
		}
		if want != nil && !want(o.Addr.Team) {
			continue
		}
		c := *o.Decl.Connection
		if e := getenv("ROSTER_ENDPOINT_" + EnvName(o.Addr.Team)); e != "" {
			c.Endpoint = e
		}
		if err := CheckEndpoint(c.Endpoint); err != nil {
			return nil, fmt.Errorf("team %s: %v", o.Addr.Team, err)
		}
		if c.TokenEnv == "" {
			c.TokenEnv = "ROSTER_TOKEN_" + EnvName(o.Addr.Team)
		}
		token := getenv(c.TokenEnv)
		if token == "" {
			missing = append(missing, fmt.Sprintf("team %s needs its API credential in $%s", o.Addr.Team, c.TokenEnv))
			continue
		}
		t := &driver.Team{
			Name: o.Addr.Team, Platform: cfg.Platforms[o.Platform], Conn: c, Token: token,
			Guests: map[string]bool{}, Members: map[string]bool{},
		}
		byTeam[t.Name] = t
		teams = append(teams, t)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s; set it (never in a file) and run again", strings.Join(missing, "; "))
	}
	storedSite := map[model.Address]*model.Object{}
	storedMember := map[model.Address]bool{}
	for _, o := range prior {
		t := byTeam[o.Addr.Team]
		if t == nil {
			continue
		}
		t.Stored = append(t.Stored, o)
		switch o.Addr.Kind {
		case model.KindSite:
			storedSite[o.Addr] = o
		case model.KindMember:
			t.Members[o.Addr.Email] = true
			storedMember[o.Addr] = true
		case model.KindGrant:
			if o.HolderKind == model.HolderGuest {
				t.Guests[o.Addr.Email] = true
			}
		}
	}
	for _, o := range cfg.Objects {
		t := byTeam[o.Addr.Team]
		if t == nil {
			continue
		}
		t.Declared = append(t.Declared, o)
		switch o.Addr.Kind {
		case model.KindSite:
			s := o.Clone()
			if s.RemoteID == "" {
				if st := storedSite[o.Addr]; st != nil {
					s.RemoteID = st.RemoteID
				}
			}
			t.Sites = append(t.Sites, s)
		case model.KindMember:
			t.Members[o.Addr.Email] = true
		case model.KindGrant:
			// A member declared a guest now is read as the member the
			// state holds until the apply makes them one, so that the
			// plan shows the delete and the holder_kind updates
			// (sync.md) rather than drift.
			if o.HolderKind == model.HolderGuest && !storedMember[model.MemberAddress(o.Addr.Team, o.Addr.Email)] {
				t.Guests[o.Addr.Email] = true
			}
		}
	}
	return teams, nil
}

// Refresh reads every team through its driver, at most parallelism at a
// time. Reads fail closed: the first failure is returned, naming the team,
// and no snapshot is used.
func Refresh(ctx context.Context, teams []*driver.Team, drivers map[string]driver.Driver, parallelism int) (map[string]*driver.Snapshot, error) {
	if parallelism < 1 {
		parallelism = 1
	}
	snaps := make(map[string]*driver.Snapshot, len(teams))
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, parallelism)
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, t := range teams {
		wg.Add(1)
		go func(t *driver.Team) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			snap, err := drivers[t.Name].Refresh(ctx)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("refreshing team %s: %w", t.Name, err)
					cancel()
				}
				return
			}
			snaps[t.Name] = snap
		}(t)
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return snaps, nil
}

// View is what the refresh means for planning.
type View struct {
	// Live and LiveTeams go into plan.Input. Live holds the live access,
	// the stored objects of kinds the API cannot see, the stored sites
	// whose default access the platform reports, with that default, the
	// and the stored grants on sites no longer declared (forgotten, not
	// drift).
	Live      []*model.Object
	LiveTeams map[string]bool
	// Desired is the configuration's objects with the remote ids found
	// filled into the connected teams' sites that declare none, and the
	// default access read filled into their sites.
	Desired []*model.Object
	// Notes are said once by the plan.
	Notes []string
	// Self maps each team to the credential owner's email ("" unknown).
	Self map[string]string
	// Keep goes into plan.Input: the stored access of undeclared
	// credential owners, left alone.
	Keep map[string]bool
}

// NewView turns the snapshots into the planner's live input.
func NewView(snaps map[string]*driver.Snapshot, desired, prior []*model.Object) *View {
	v := &View{LiveTeams: map[string]bool{}, Self: map[string]string{}, Keep: map[string]bool{}}
	teams := make([]string, 0, len(snaps))
	for t := range snaps {
		teams = append(teams, t)
	}
	sort.Strings(teams)
	declared := map[string]bool{}
	declaredSite := map[model.Address]bool{}
	decl := map[string]*model.Object{}
	for _, o := range desired {
		if o.Addr.Kind == model.KindSite {
			declaredSite[o.Addr] = true
		}
		if o.Addr.Kind == model.KindMember {
			declared[o.Addr.String()] = true
		}
		if snaps[o.Addr.Team] != nil {
			decl[o.Addr.String()] = o
		}
	}
	stored := map[string]*model.Object{}
	for _, o := range prior {
		if snaps[o.Addr.Team] != nil {
			stored[o.Addr.String()] = o
		}
	}
	for _, name := range teams {
		s := snaps[name]
		v.LiveTeams[name] = true
		v.Self[name] = s.Self
		invisible := map[model.Kind]bool{}
		for _, k := range s.Invisible {
			invisible[k] = true
		}
		selfUndeclared := s.Self != "" && !declared[model.MemberAddress(name, s.Self).String()]
		for _, o := range s.Objects {
			if invisible[o.Addr.Kind] {
				continue
			}
			if selfUndeclared && o.Addr.Email == s.Self {
				continue
			}
			v.Live = append(v.Live, withMeta(o, stored, decl))
		}
		for _, o := range prior {
			if o.Addr.Team != name {
				continue
			}
			switch {
			case invisible[o.Addr.Kind]:
				v.Live = append(v.Live, o)
			case o.Addr.Kind == model.KindGrant && !declaredSite[model.SiteAddress(name, o.Addr.Site)]:
				// A grant on a site the configuration no longer
				// declares: the refresh does not read that site, and
				// the plan forgets it (sync.md); it is no drift.
				v.Live = append(v.Live, o)
			case o.Addr.Kind == model.KindSite && s.Defaults[o.Addr.Site] != "":
				// A stored site with the default access the platform
				// gives on it now: drift when it moved, and what apply
				// records (sync.md).
				c := o.Clone()
				c.DefaultAccess = s.Defaults[o.Addr.Site]
				v.Live = append(v.Live, c)
			}
		}
		if selfUndeclared {
			v.Notes = append(v.Notes, fmt.Sprintf("team %s: %s, whose credential roster uses, is not declared; roster leaves their access alone", name, s.Self))
			// Left alone means as stored: the planner keeps their
			// addresses out of drift and changes, and their stored
			// access stands for live, so no adoption touches it. A grant
			// on a site no longer declared is forgotten like any other.
			for _, o := range prior {
				if o.Addr.Team != name || o.Addr.Email != s.Self || invisible[o.Addr.Kind] ||
					o.Addr.Kind == model.KindGrant && !declaredSite[model.SiteAddress(name, o.Addr.Site)] {
					continue
				}
				v.Live = append(v.Live, o)
				v.Keep[o.Addr.String()] = true
			}
		}
		v.Notes = append(v.Notes, forgottenGuests(name, prior, desired, declaredSite)...)
		for _, n := range s.Notes {
			v.Notes = append(v.Notes, fmt.Sprintf("team %s: %s", name, n))
		}
	}
	model.SortObjects(v.Live)
	v.Notes = append(v.Notes, doneSteps(v, prior)...)
	v.Desired = make([]*model.Object, len(desired))
	for i, o := range desired {
		v.Desired[i] = o
		s := snaps[o.Addr.Team]
		if o.Addr.Kind != model.KindSite || s == nil {
			continue
		}
		v.Desired[i] = FoundSite(o, s.SiteIDs[o.Addr.Site], s.Defaults[o.Addr.Site])
	}
	return v
}

// FoundSite is site with what a refresh found of it: the platform's id
// where it has none, and the default access when one was read. It is site
// itself when that adds nothing, else a copy.
func FoundSite(site *model.Object, id, def string) *model.Object {
	if (site.RemoteID != "" || id == "") && (def == "" || def == site.DefaultAccess) {
		return site
	}
	c := site.Clone()
	if c.RemoteID == "" {
		c.RemoteID = id
	}
	if def != "" {
		c.DefaultAccess = def
	}
	return c
}

// StoredDefaultNotes are the plan's warnings about site defaults when the
// connected teams are not refreshed (--refresh=false): each stored site of
// a connected team whose default access, as the last refresh read it,
// gives something that declared grants cannot narrow (sync.md).
func StoredDefaultNotes(cfg *model.Config, prior []*model.Object) []string {
	connected := cfg.ConnectedTeams()
	var out []string
	for _, o := range prior {
		if o.Addr.Kind != model.KindSite || !connected[o.Addr.Team] || o.DefaultAccess == "" || o.DefaultAccess == "none" {
			continue
		}
		out = append(out, fmt.Sprintf("team %s: site %s gave every organization member %q access by default when last read; declared grants cannot narrow it (set the project's default access to \"none\" in PostHog to make it private)",
			o.Addr.Team, o.Addr.Site, o.DefaultAccess))
	}
	return out
}

// forgottenGuests warns about the guests of team whose every stored grant
// is on a site no longer declared, and who are not declared either: the
// plan forgets their grants (state only), but the platform keeps the
// membership the grants brought (PostHog level member, Piwik PRO USER),
// which the next refresh reads as an undeclared member to remove.
func forgottenGuests(team string, prior, desired []*model.Object, declaredSite map[model.Address]bool) []string {
	declaredPerson := map[string]bool{}
	for _, o := range desired {
		if o.Addr.Team == team && o.Addr.Email != "" {
			declaredPerson[o.Addr.Email] = true
		}
	}
	onForgotten := map[string]bool{}
	kept := map[string]bool{}
	var order []string
	for _, o := range prior {
		if o.Addr.Team != team || o.Addr.Kind != model.KindGrant || o.HolderKind != model.HolderGuest || declaredPerson[o.Addr.Email] {
			continue
		}
		if declaredSite[model.SiteAddress(team, o.Addr.Site)] {
			kept[o.Addr.Email] = true
			continue
		}
		if !onForgotten[o.Addr.Email] {
			onForgotten[o.Addr.Email] = true
			order = append(order, o.Addr.Email)
		}
	}
	var notes []string
	for _, email := range order {
		if !kept[email] {
			notes = append(notes, fmt.Sprintf("team %s: %s's grants are forgotten with their sites, but the platform keeps the membership they brought; the next plan sees %s as an undeclared member and removes them, unless you declare them", team, email, email))
		}
	}
	return notes
}

// CheckSelf refuses a plan that would change the level of, or remove, the
// person whose credential roster uses on a connected team (sync.md): the
// API itself refuses it, and a demotion or removal would lock roster out.
// The refusal says what the change really is: a promotion back (their
// level was lowered by hand) is not a demotion.
func CheckSelf(p *plan.Plan, v *View) error {
	var lower, raise []string
	for i := range p.Changes {
		c := &p.Changes[i]
		self := v.Self[c.Addr.Team]
		if self == "" || c.Addr.Kind != model.KindMember || c.Addr.Email != self {
			continue
		}
		switch {
		case c.Action == plan.Delete:
			lower = append(lower, fmt.Sprintf("%s would be removed, but %s's credential is the one roster uses on team %s", c.Addr, self, c.Addr.Team))
		case c.Action == plan.Update && c.Before.Role != c.After.Role && c.HasRisk(plan.RiskEscalation):
			// Platforms refuse a change of one's own level either way
			// (PostHog: "You can't change your own access level.").
			how := "promoted"
			if c.HasRisk(plan.RiskDrift) {
				how = "promoted back (the role was changed by hand on the platform)"
			}
			raise = append(raise, fmt.Sprintf("%s would be %s from %s to %s, but %s's credential is the one roster uses on team %s, and the platform refuses a change of one's own role", c.Addr, how, c.Before.Role, c.After.Role, self, c.Addr.Team))
		case c.Action == plan.Update && c.Before.Role != c.After.Role:
			lower = append(lower, fmt.Sprintf("%s would change from %s to %s, but %s's credential is the one roster uses on team %s", c.Addr, c.Before.Role, c.After.Role, self, c.Addr.Team))
		}
	}
	var msgs []string
	if len(raise) > 0 {
		msgs = append(msgs, fmt.Sprintf("%s. Ask another owner to give them the role in the platform's UI, or use another owner's credential; or declare them with the role they have now", strings.Join(raise, "; ")))
	}
	if len(lower) > 0 {
		msgs = append(msgs, fmt.Sprintf("%s. roster never demotes or removes the person whose credential it uses: declare them with their current role, or use another person's credential", strings.Join(lower, "; ")))
	}
	if len(msgs) > 0 {
		return errors.New(strings.Join(msgs, ". "))
	}
	return nil
}

// withMeta gives a live object what only roster knows of it — reason,
// ticket, expiry — from the state, else from the declaration, so that
// these never show as drift: no platform holds them.
func withMeta(o *model.Object, stored, decl map[string]*model.Object) *model.Object {
	k := o.Addr.String()
	src := stored[k]
	if src == nil {
		src = decl[k]
	}
	if src == nil {
		return o
	}
	c := o.Clone()
	c.Reason, c.Ticket, c.Expires = src.Reason, src.Ticket, src.Expires
	if c.Addr.Kind == model.KindGroup && c.RemoteID == "" {
		c.RemoteID = src.RemoteID
	}
	if st := stored[k]; st != nil && st.PendingAction != "" && !(st.Pending != nil && SamePlatformView(st.Pending, c)) {
		// The manual step is not done yet: it stays open.
		c.Status = model.StatusManual
		c.PendingAction = st.PendingAction
		if st.Pending != nil {
			c.Pending = st.Pending.Clone()
		}
	}
	return c
}

// SamePlatformView compares what a platform holds of an object: role,
// holder kind, members (status and roster-only attributes aside).
func SamePlatformView(a, b *model.Object) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Role == b.Role && a.HolderKind == b.HolderKind && slices.Equal(a.Members, b.Members)
}

// doneSteps says which manual steps the refresh sees done by hand: the
// next apply closes them with a confirm record (sync.md); plan only says
// so.
func doneSteps(v *View, prior []*model.Object) []string {
	liveAt := make(map[string]*model.Object, len(v.Live))
	for _, o := range v.Live {
		liveAt[o.Addr.String()] = o
	}
	var out []string
	for _, st := range prior {
		if st.PendingAction == "" || !v.LiveTeams[st.Addr.Team] {
			continue
		}
		l := liveAt[st.Addr.String()]
		done := false
		switch st.PendingAction {
		case "delete":
			done = l == nil
		default:
			done = l != nil && l.PendingAction == "" && st.Pending != nil && SamePlatformView(st.Pending, l)
		}
		if done {
			out = append(out, fmt.Sprintf("team %s: the manual step at %s was done by hand; the next apply records it", st.Addr.Team, st.Addr))
		}
	}
	return out
}

// ManualNotes says, once per change, which changes of the connected teams
// the platforms' APIs cannot make and why: apply records them as manual
// steps instead of sending them (sync.md), so the plan says what they are
// (a guest invitation for a Plausible team member's email is one).
func ManualNotes(p *plan.Plan, drivers map[string]driver.Driver) []string {
	byTeam := map[string][]plan.Change{}
	var teams []string
	for _, c := range p.Changes {
		if drivers[c.Addr.Team] == nil || c.StateOnly() {
			continue
		}
		if byTeam[c.Addr.Team] == nil {
			teams = append(teams, c.Addr.Team)
		}
		byTeam[c.Addr.Team] = append(byTeam[c.Addr.Team], c)
	}
	sort.Strings(teams)
	var notes []string
	for _, t := range teams {
		d := drivers[t]
		d.Begin(byTeam[t])
		for i := range byTeam[t] {
			c := &byTeam[t][i]
			if manual, why := d.Manual(c); manual {
				notes = append(notes, fmt.Sprintf("team %s: %s will be a manual step, not an API request: %s", t, c.Addr, why))
			}
		}
	}
	return notes
}
