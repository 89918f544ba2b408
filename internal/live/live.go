package live

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// Factory makes the driver of one connected team.
type Factory func(team *driver.Team) (driver.Driver, error)

// CheckEndpoint enforces schema/sync.md: https, or http to a loopback address.
func CheckEndpoint(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return fmt.Errorf("endpoint %q is not a URL", driver.EndpointText(endpoint))
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if model.LoopbackHost(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("endpoint %q uses http:// on a non-loopback address; use https://", driver.EndpointText(endpoint))
	}
	return fmt.Errorf("endpoint %q must start with https://", driver.EndpointText(endpoint))
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
		if e := getenv(model.EndpointEnv(o.Addr.Team)); e != "" {
			c.Endpoint = e
		}
		if err := CheckEndpoint(c.Endpoint); err != nil {
			return nil, fmt.Errorf("team %s: %v", o.Addr.Team, err)
		}
		if c.TokenEnv == "" {
			c.TokenEnv = model.TokenEnv(o.Addr.Team)
		}
		token := getenv(c.TokenEnv)
		if token == "" {
			msg := fmt.Sprintf("team %s needs its API credential in $%s", o.Addr.Team, c.TokenEnv)
			if c.TokenEnv == model.TokenEnv(o.Addr.Team) {
				msg += renamedFrom(cfg.Moves, o.Addr, getenv)
			}
			missing = append(missing, msg)
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
			// (schema/sync.md) rather than drift.
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
	snaps := make(map[string]*driver.Snapshot, len(teams))
	var mu sync.Mutex
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(max(parallelism, 1))
	for _, t := range teams {
		g.Go(func() error {
			snap, err := drivers[t.Name].Refresh(ctx)
			if err != nil {
				return fmt.Errorf("refreshing team %s: %w", t.Name, err)
			}
			mu.Lock()
			defer mu.Unlock()
			snaps[t.Name] = snap
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
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
	// Notes are said once by the plan; Warnings too, as warnings.
	Notes, Warnings []string
	// Self maps each team to the credential owner's email ("" unknown).
	Self map[string]string
	// Keep goes into plan.Input: the stored access of undeclared
	// credential owners, left alone, and the declared access that would
	// add nothing (Snapshot.Moot).
	Keep map[string]bool
	// Gone are the implicit memberships (a guest's, Snapshot.Implicit)
	// that go (schema/sync.md, Reading safely): their holder is declared nowhere
	// in the team and holds no access on an undeclared site. They are in
	// Live, and in Prior through WithPrior, so that the planner plans
	// their removal as an explicit change, which Explain says why.
	Gone []*model.Object
	// Implicit and Elsewhere are the snapshots' (team → email → ...),
	// for what the changes depend on (Depends).
	Implicit  map[string]map[string]*model.Object
	Elsewhere map[string]map[string][]string
}

// WithPrior is the stored objects with the implicit memberships that go:
// the planner removes them as it would a stored membership, which is no
// drift (roster's own invitation brought them).
func (v *View) WithPrior(prior []*model.Object) []*model.Object {
	if len(v.Gone) == 0 {
		return prior
	}
	out := append(slices.Clone(prior), v.Gone...)
	model.SortObjects(out)
	return out
}

// Explain says why the plan removes an implicit membership.
func (v *View) Explain(p *plan.Plan) {
	gone := map[string]bool{}
	for _, o := range v.Gone {
		gone[o.Addr.String()] = true
	}
	for i := range p.Changes {
		if c := &p.Changes[i]; c.Action == plan.Delete && gone[c.Addr.String()] {
			c.SetReason(plan.ReasonNoAccessLeft, "")
		}
	}
}

// NewView turns the snapshots into the planner's live input.
func NewView(snaps map[string]*driver.Snapshot, desired, prior []*model.Object) *View {
	v := &View{LiveTeams: map[string]bool{}, Self: map[string]string{}, Keep: map[string]bool{},
		Implicit: map[string]map[string]*model.Object{}, Elsewhere: map[string]map[string][]string{}}
	teams := slices.Sorted(maps.Keys(snaps))
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
		roles := RoleAccessBySite(s)
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
				// the plan forgets it (schema/sync.md); it is no drift.
				v.Live = append(v.Live, o)
			case o.Addr.Kind == model.KindSite && s.Defaults[o.Addr.Site] != "":
				// A stored site with the default access the platform
				// gives on it now, and the access its roles give: drift
				// when either moved, and what apply records (schema/sync.md).
				c := o.Clone()
				c.DefaultAccess = s.Defaults[o.Addr.Site]
				c.RoleAccess = roles[o.Addr.Site]
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
		v.Notes = append(v.Notes, v.implicitMemberships(name, s, desired, prior, declaredSite)...)
		for _, n := range s.Notes {
			v.Notes = append(v.Notes, fmt.Sprintf("team %s: %s", name, n))
		}
		for _, w := range s.Warnings {
			v.Warnings = append(v.Warnings, fmt.Sprintf("team %s: %s", name, w))
		}
		for _, a := range s.Moot {
			// Access that adds nothing (the driver's note says why):
			// neither made nor drift, like a left-alone address.
			if a.Team == name {
				v.Keep[a.String()] = true
			}
		}
	}
	v.Live = append(v.Live, v.Gone...)
	model.SortObjects(v.Live)
	v.Notes = append(v.Notes, doneSteps(v, prior)...)
	v.Desired = make([]*model.Object, len(desired))
	for i, o := range desired {
		v.Desired[i] = o
		s := snaps[o.Addr.Team]
		if o.Addr.Kind != model.KindSite || s == nil {
			continue
		}
		v.Desired[i] = FoundSite(o, s.SiteIDs[o.Addr.Site], s.Defaults[o.Addr.Site], RoleAccessBySite(s)[o.Addr.Site])
	}
	return v
}

// RoleAccessBySite turns a snapshot's role access into what each
// declared site records (model.Object.RoleAccess): one entry per member
// of each role, sorted. Sites whose roles give nobody anything are absent.
func RoleAccessBySite(s *driver.Snapshot) map[string][]model.RoleAccess {
	if s == nil || len(s.RoleAccess) == 0 {
		return nil
	}
	out := map[string][]model.RoleAccess{}
	for _, ra := range s.RoleAccess {
		for _, p := range ra.Members {
			out[ra.Site] = append(out[ra.Site], model.RoleAccess{Person: model.NormalizeEmail(p), Level: ra.Level, Role: ra.Role})
		}
	}
	for site, l := range out {
		out[site] = model.SortRoleAccess(l)
	}
	return out
}

// FoundSite is site with what a refresh found of it: the platform's id
// where it has none, and, when the default access was read (def), that
// default and the access roles give there (roles, nil for none). It is
// site itself when that adds nothing, else a copy.
func FoundSite(site *model.Object, id, def string, roles []model.RoleAccess) *model.Object {
	settings := def != "" && (def != site.DefaultAccess || !slices.Equal(roles, site.RoleAccess))
	if (site.RemoteID != "" || id == "") && !settings {
		return site
	}
	c := site.Clone()
	if c.RemoteID == "" {
		c.RemoteID = id
	}
	if def != "" {
		c.DefaultAccess = def
		c.RoleAccess = slices.Clone(roles)
	}
	return c
}

// StoredDefaultWarnings are the plan's warnings about site defaults when the
// connected teams are not refreshed (--refresh=false): each stored site of
// a connected team whose default access, as the last refresh read it,
// gives something that declared grants cannot narrow (schema/sync.md).
func StoredDefaultWarnings(cfg *model.Config, prior []*model.Object) []string {
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

// forgottenGuests says which guests of team have every stored grant on a
// site no longer declared, and are not declared either: the plan forgets
// their grants (state only), and the platform keeps them and the
// membership they brought (PostHog level member, Piwik PRO USER), which
// roster leaves alone while they hold access on undeclared sites (schema/sync.md,
// Reading safely).
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
			notes = append(notes, fmt.Sprintf("team %s: %s's grants are forgotten with their sites: the platform keeps that access and the membership it brings, which roster leaves alone while %s holds access on sites the team does not declare", team, email, email))
		}
	}
	return notes
}

// CheckSelf refuses a plan that would change the level of, or remove, the
// person whose credential roster uses on a connected team (schema/sync.md): the
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

// CheckDrivers asks each connected team's driver that checks plans
// (driver.PlanChecker) whether it accepts the team's changes, in team
// order, before anything is sent: GA4 refuses a plan that leaves its
// account with no Administrator besides roster's service account.
func CheckDrivers(p *plan.Plan, drivers map[string]driver.Driver) error {
	teams := slices.Sorted(maps.Keys(drivers))
	var msgs []string
	for _, t := range teams {
		pc, ok := drivers[t].(driver.PlanChecker)
		if !ok {
			continue
		}
		var changes []plan.Change
		for i := range p.Changes {
			if c := &p.Changes[i]; c.Addr.Team == t && !c.StateOnly() {
				changes = append(changes, *c)
			}
		}
		if len(changes) == 0 {
			continue
		}
		if err := pc.CheckPlan(changes); err != nil {
			msgs = append(msgs, fmt.Sprintf("team %s: %v", t, err))
		}
	}
	if len(msgs) > 0 {
		return errors.New(strings.Join(msgs, "; "))
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
// next apply closes them with a confirm record (schema/sync.md); plan only says
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
// steps instead of sending them (schema/sync.md), so the plan says what they are
// (a guest invitation for a Plausible team member's email is one).
func ManualNotes(p *plan.Plan, drivers map[string]driver.Driver) []string {
	byTeam := map[string][]plan.Change{}
	var teams []string
	settings := map[string]model.Address{} // a team declared with settings, never the driver's
	for _, c := range p.Changes {
		if drivers[c.Addr.Team] == nil {
			continue
		}
		if c.SettingsByHand() {
			settings[c.Addr.Team] = c.Addr
		}
		if c.StateOnly() {
			continue
		}
		if byTeam[c.Addr.Team] == nil {
			teams = append(teams, c.Addr.Team)
		}
		byTeam[c.Addr.Team] = append(byTeam[c.Addr.Team], c)
	}
	for t := range settings {
		if byTeam[t] == nil {
			teams = append(teams, t)
		}
	}
	sort.Strings(teams)
	var notes []string
	for _, t := range teams {
		if a, ok := settings[t]; ok {
			notes = append(notes, fmt.Sprintf("team %s: %s will be a manual step, not an API request: no platform has an API for team settings (display_name, require_2fa, sso); roster records the team, and a person checks its settings", t, a))
		}
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

// implicitMemberships decides, for team's implicit memberships (snapshot
// s), which go and which stay (schema/sync.md, Reading safely). A person declared
// nowhere in the team (no member, guest, grant or group membership) with
// no access on an undeclared site loses the membership: it joins v.Gone,
// and the plan removes it as an explicit change. One who holds access on
// undeclared sites keeps it; so does one still declared in the team; the
// plan says so, once per person, when their declared access is removed.
func (v *View) implicitMemberships(team string, s *driver.Snapshot, desired, prior []*model.Object, declaredSite map[model.Address]bool) []string {
	v.Implicit[team] = map[string]*model.Object{}
	v.Elsewhere[team] = s.Elsewhere
	if len(s.Implicit) == 0 {
		return nil
	}
	declaredIn := map[string]string{} // email → how the team still declares them
	directly := map[string]bool{}     // email → a member or grant of their own
	for _, o := range desired {
		if o.Addr.Team != team {
			continue
		}
		switch {
		case o.Addr.Email != "":
			declaredIn[o.Addr.Email] = o.Addr.String()
			directly[o.Addr.Email] = true
		case o.Addr.Kind == model.KindGroup:
			for _, m := range o.Members {
				if _, ok := declaredIn[m]; !ok {
					declaredIn[m] = "a member of group " + o.Addr.Group
				}
			}
		}
	}
	// Those who have access on a declared site that the plan removes.
	losing := map[string]bool{}
	for _, list := range [][]*model.Object{s.Objects, prior} {
		for _, o := range list {
			if o.Addr.Team == team && o.Addr.Kind == model.KindGrant && o.Addr.Email != "" &&
				declaredSite[model.SiteAddress(team, o.Addr.Site)] && !directly[o.Addr.Email] {
				losing[o.Addr.Email] = true
			}
		}
	}
	var notes []string
	for _, m := range s.Implicit {
		email := m.Addr.Email
		v.Implicit[team][email] = m
		if email == s.Self {
			continue
		}
		elsewhere := s.Elsewhere[email]
		how, declared := declaredIn[email]
		switch {
		case !declared && len(elsewhere) == 0:
			v.Gone = append(v.Gone, m)
		case !losing[email]:
		case len(elsewhere) > 0 && m.Status == model.StatusInvited:
			// The invitation is the membership: the platform cannot edit
			// it, so the apply deletes it and invites again with the
			// access that stays (schema/sync.md, Invitations); the plan
			// says so, since those are requests it makes.
			notes = append(notes, fmt.Sprintf("team %s: %s loses their invited access on the team's declared sites only; their invitation to the account stays, sent again (deleted and invited anew) with only its access on sites the team does not declare (%s)",
				team, email, strings.Join(elsewhere, ", ")))
		case len(elsewhere) > 0:
			notes = append(notes, fmt.Sprintf("team %s: %s loses their access on the team's declared sites only; their account membership stays, because they hold access on sites the team does not declare (%s)",
				team, email, strings.Join(elsewhere, ", ")))
		default:
			notes = append(notes, fmt.Sprintf("team %s: %s loses their own grants on the team's declared sites; their account membership stays, because the team still declares them (%s)",
				team, email, how))
		}
	}
	return notes
}

// at is what a refresh found at an address of a live team: the live
// object, or for a membership the implicit one (nil: none).
func (v *View) at(liveAt map[string]*model.Object, a model.Address) *model.Object {
	if o := liveAt[a.String()]; o != nil {
		return o
	}
	if a.Kind == model.KindMember {
		return v.Implicit[a.Team][a.Email]
	}
	return nil
}

func (v *View) liveIndex() map[string]*model.Object {
	m := make(map[string]*model.Object, len(v.Live))
	for _, o := range v.Live {
		m[o.Addr.String()] = o
	}
	return m
}

// Depends is what the changes of the connected teams depend on without
// changing it, as the refresh found it (schema/sync.md, apply on connected
// teams): a grant's holder's membership; when a group's members change,
// the group's grants; when a membership is removed, the person's grants
// and their access on the sites the team does not declare.
func Depends(p *plan.Plan, v *View) []plan.Seen {
	liveAt := v.liveIndex()
	changed := map[string]bool{}
	for i := range p.Changes {
		changed[p.Changes[i].Addr.String()] = true
	}
	var out []plan.Seen
	seen := map[string]bool{}
	add := func(x plan.Seen) {
		k := x.Addr.String()
		if x.Undeclared {
			k += "#undeclared"
		}
		if !seen[k] && (x.Undeclared || !changed[x.Addr.String()]) {
			seen[k] = true
			out = append(out, x)
		}
	}
	for i := range p.Changes {
		c := &p.Changes[i]
		team := c.Addr.Team
		if !v.LiveTeams[team] || c.StateOnly() {
			continue
		}
		switch {
		case c.Addr.Kind == model.KindGrant && c.Addr.Email != "":
			m := model.MemberAddress(team, c.Addr.Email)
			add(plan.Seen{Addr: m, Object: v.at(liveAt, m)})
		case c.Addr.Kind == model.KindGroup && c.Action == plan.Update:
			for _, o := range v.Live {
				if o.Addr.Team == team && o.Addr.Kind == model.KindGrant && o.Addr.Group == c.Addr.Group {
					add(plan.Seen{Addr: o.Addr, Object: o})
				}
			}
		case c.Addr.Kind == model.KindMember && c.Action == plan.Delete:
			for _, o := range v.Live {
				if o.Addr.Team == team && o.Addr.Kind == model.KindGrant && o.Addr.Email == c.Addr.Email {
					add(plan.Seen{Addr: o.Addr, Object: o})
				}
			}
			add(plan.Seen{Addr: c.Addr, Undeclared: true, Elsewhere: slices.Clone(v.Elsewhere[team][c.Addr.Email])})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Addr.String() < out[j].Addr.String() })
	return out
}

// CheckStale refuses a saved plan when a connected team's live access is
// no longer what the plan saw (schema/sync.md, apply on connected teams): at an
// address a change changes, or anywhere a change depends on (p.Seen, and
// for a group's members or a membership's removal, no grant the plan did
// not see). The message has `stale plan` and the team's name.
func CheckStale(p *plan.Plan, v *View) error {
	liveAt := v.liveIndex()
	stale := func(team, what string) error {
		return fmt.Errorf("stale plan: team %s changed on the platform since the plan was made (%s); make a new plan", team, what)
	}
	changed := map[string]bool{}
	for i := range p.Changes {
		c := &p.Changes[i]
		changed[c.Addr.String()] = true
		if !v.LiveTeams[c.Addr.Team] || !isAccessKind(c.Addr.Kind) {
			continue
		}
		if now := v.at(liveAt, c.Addr); !sameForStale(c.Before, now) {
			return stale(c.Addr.Team, fmt.Sprintf("%s is no longer as planned", c.Addr))
		}
	}
	seen := map[string]bool{}
	for _, x := range p.Seen {
		team := x.Addr.Team
		if !v.LiveTeams[team] {
			continue
		}
		if x.Undeclared {
			if now := v.Elsewhere[team][x.Addr.Email]; !slices.Equal(now, x.Elsewhere) {
				return stale(team, fmt.Sprintf("the access of %s on sites the team does not declare, which removing %s depends on, is no longer as planned: now %s", x.Addr.Email, x.Addr, listOrNone(now)))
			}
			continue
		}
		seen[x.Addr.String()] = true
		if now := v.at(liveAt, x.Addr); !sameForStale(x.Object, now) {
			return stale(team, fmt.Sprintf("%s, which a change depends on, is no longer as planned", x.Addr))
		}
	}
	// Grants that appeared where a change depends on every grant.
	for i := range p.Changes {
		c := &p.Changes[i]
		team := c.Addr.Team
		if !v.LiveTeams[team] || c.StateOnly() {
			continue
		}
		var belongs func(a model.Address) bool
		switch {
		case c.Addr.Kind == model.KindGroup && c.Action == plan.Update:
			belongs = func(a model.Address) bool { return a.Group == c.Addr.Group }
		case c.Addr.Kind == model.KindMember && c.Action == plan.Delete:
			belongs = func(a model.Address) bool { return a.Email == c.Addr.Email }
		default:
			continue
		}
		for _, o := range v.Live {
			k := o.Addr.String()
			if o.Addr.Team == team && o.Addr.Kind == model.KindGrant && belongs(o.Addr) && !seen[k] && !changed[k] {
				return stale(team, fmt.Sprintf("%s, which %s depends on, appeared", o.Addr, c.Addr))
			}
		}
	}
	return nil
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "none"
	}
	return strings.Join(l, ", ")
}

func isAccessKind(k model.Kind) bool {
	return k == model.KindMember || k == model.KindGrant || k == model.KindGroup
}

// sameForStale compares what a platform holds of an object, status
// included: an invitation accepted meanwhile changes how a change is made.
// A grant's explicit capabilities count too (Matomo): the request that
// sets a grant replaces all of them, so one added by hand since the plan
// would go without the plan having shown it.
func sameForStale(a, b *model.Object) bool {
	return SamePlatformView(a, b) && (a == nil || a.Status == b.Status && slices.Equal(a.Capabilities, b.Capabilities))
}

// RenamedTokenWarnings are the plan's warnings for connected teams that a
// moved block renamed: their credential variable follows the new name
// unless token_env is set (sync.md, Renames), so a plan that reads no
// platform (--refresh=false) warns when it is missing, before an apply
// fails on it. A refreshing plan stops on the missing variable instead
// (Teams, renamedFrom).
func RenamedTokenWarnings(cfg *model.Config, getenv func(string) string) []string {
	var out []string
	for _, mv := range cfg.Moves {
		if mv.From.Kind != model.KindTeam || mv.To.Kind != model.KindTeam {
			continue
		}
		for _, o := range cfg.Objects {
			// The loader fills in the default variable where token_env is
			// not set; one set to another name does not follow the team.
			name := model.TokenEnv(mv.To.Team)
			if o.Addr != mv.To || o.Decl == nil || o.Decl.Connection == nil || o.Decl.Connection.TokenEnv != name || getenv(name) != "" {
				continue
			}
			old := model.TokenEnv(mv.From.Team)
			was := "$" + old + " is"
			if getenv(old) == "" {
				was = "nor is $" + old
			}
			out = append(out, fmt.Sprintf("team %s is renamed from %s, and its credential variable follows the new name: $%s is not set (%s); set it, or set token_env in the connection block, before the apply",
				mv.To.Team, mv.From.Team, name, was))
		}
	}
	return out
}

// renamedFrom says, for a team a moved block renamed, that its credential
// variable follows its new name (sync.md, Renames), naming the old one.
func renamedFrom(moves []model.Move, team model.Address, getenv func(string) string) string {
	for _, mv := range moves {
		if mv.To == team && mv.From.Kind == model.KindTeam {
			old := model.TokenEnv(mv.From.Team)
			set := "unset too"
			if getenv(old) != "" {
				set = "set"
			}
			return fmt.Sprintf(" (renamed from %s: the credential variable follows the team's new name; $%s is %s; rename it, or set token_env in the connection block)", mv.From.Team, old, set)
		}
	}
	return ""
}
