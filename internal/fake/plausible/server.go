package plausible

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/roster-dev/roster/internal/fake/fakekit"
)

// Limits and times of plausible.md.
const (
	// DefaultHourlyLimit is a key's requests per clock hour.
	DefaultHourlyLimit = 600
	// InvitationMaxAge is how old an invitation gets before the daily
	// cleanup job deletes it (strictly older).
	InvitationMaxAge = 48 * time.Hour
	// CleanupHour is the UTC hour of the daily cleanup job (01:00).
	CleanupHour = 1
	// ExpireAdvance is how far ExpireInvitations moves the clock: past
	// the first cleanup job that finds any invitation of now older than
	// 48 hours (at most 72 hours later).
	ExpireAdvance = 72 * time.Hour
)

// Team roles (owner, admin, editor, viewer, billing) and guest roles.
var (
	teamRoles  = map[string]bool{"owner": true, "admin": true, "editor": true, "viewer": true, "billing": true}
	guestRoles = map[string]bool{"viewer": true, "editor": true}
)

// Guest statuses as the API shows them.
const (
	StatusInvited  = "invited"
	StatusAccepted = "accepted"
)

// Options configure a fake server.
type Options = fakekit.Options[Seed]

// Seed is the initial data of a server, as Go values or JSON (--seed).
type Seed struct {
	// Now is the clock's start, RFC 3339; empty: the wall clock.
	Now   string     `json:"now,omitempty"`
	Teams []SeedTeam `json:"teams,omitempty"`
	Keys  []SeedKey  `json:"keys,omitempty"`
}

// SeedTeam is a team with its members and sites. ID defaults to a made-up
// UUID; Name to "My Personal Sites".
type SeedTeam struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
	// APIAvailable is /sites/teams' api_available (the Stats API feature).
	APIAvailable bool `json:"api_available,omitzero"`
	// NoSitesAPI makes guest writes on the team's sites answer 402.
	NoSitesAPI bool `json:"no_sites_api,omitzero"`
	// MemberLimit, when positive, is how many people (members and guests,
	// invitations included) the team may hold; a PUT beyond it is a 500.
	MemberLimit int          `json:"member_limit,omitzero"`
	Members     []SeedMember `json:"members,omitempty"`
	Sites       []SeedSite   `json:"sites,omitempty"`
}

// SeedMember is a team member: owner, admin, editor, viewer or billing.
type SeedMember struct {
	Email string `json:"email"`
	Role  string `json:"role"`
}

// SeedSite is a site with its guests. Timezone defaults to Etc/UTC.
type SeedSite struct {
	Domain   string      `json:"domain"`
	Timezone string      `json:"timezone,omitempty"`
	Guests   []SeedGuest `json:"guests,omitempty"`
}

// SeedGuest is a guest of a site: Role viewer or editor, Status invited or
// accepted (default accepted); InsertedAt is RFC 3339 (default: now).
type SeedGuest struct {
	Email      string `json:"email"`
	Role       string `json:"role"`
	Status     string `json:"status,omitempty"`
	InsertedAt string `json:"inserted_at,omitempty"`
}

// SeedKey is an API key acting as the user Email. Team (an id or a name)
// binds the key to one team; empty makes a legacy key. ReadOnly keys (a
// plain Stats API key) may only read. HourlyLimit defaults to 600.
type SeedKey struct {
	Key         string `json:"key"`
	Email       string `json:"email"`
	Team        string `json:"team,omitempty"`
	ReadOnly    bool   `json:"read_only,omitzero"`
	HourlyLimit int    `json:"hourly_limit,omitzero"`
}

// FailRule makes matching API requests fail: Method ("" any) and
// PathPrefix ("" any) select requests; Count is how many times (0: every
// time); RetryAfter, when set, is sent as the Retry-After header; Body
// replaces the default error body for Status. Injected failures are
// logged but do not count against a key's hourly budget.
type FailRule = fakekit.FailRule

// Request is one API request as the server saw it (admin calls excluded):
// its method, path (without the query), raw query, status and the
// server's time.
type Request = fakekit.Request

type member struct {
	email string
	role  string
}

type guest struct {
	id         int
	email      string
	role       string
	status     string
	insertedAt time.Time
}

type site struct {
	id       int
	domain   string
	timezone string
	team     *team
	guests   []*guest          // insertion order
	byEmail  map[string]*guest // by lower-cased email
}

type team struct {
	seq          int // the database id: lists are ordered by it
	id           string
	name         string
	apiAvailable bool
	noSitesAPI   bool
	memberLimit  int
	members      []*member
	byEmail      map[string]*member
	sites        []*site
}

type apiKey struct {
	key      string
	email    string
	team     *team // nil: a legacy key
	readOnly bool
	limit    int
}

type usage struct {
	hour time.Time
	n    int
}

// Server is a running fake Plausible.
type Server struct {
	// Base is the HTTP server, the lock (Mu) over the data below, the
	// clock and the request log and failure rules.
	fakekit.Base

	lastJob time.Time // the last moment the cleanup schedule was checked
	seq     int
	teams   []*team
	sites   map[string]*site // by lower-cased domain
	keys    map[string]*apiKey
	usage   map[string]*usage
}

// New starts a server and panics if the options are invalid: for tests.
func New(opts Options) *Server { return fakekit.Must(Start(opts)) }

// Start starts a server, or says what is wrong with the options.
func Start(opts Options) (*Server, error) {
	s := &Server{sites: map[string]*site{}, keys: map[string]*apiKey{}, usage: map[string]*usage{}}
	s.OnClock = s.tick
	if err := fakekit.Start(&s.Base, "fake plausible", opts, s, s.load); err != nil {
		return nil, err
	}
	return s, nil
}

// load starts the clock at the seed's time (unless the options set it),
// takes the seed's data and runs the cleanup jobs due.
func (s *Server) load(seed Seed) error {
	if err := s.Clock.Seed(seed.Now); err != nil {
		return err
	}
	// The latest daily job before now has run: invitations it would have
	// deleted are gone from the start.
	s.lastJob = s.Clock.Now().Add(-24 * time.Hour)
	for _, st := range seed.Teams {
		if err := s.addTeam(st); err != nil {
			return fmt.Errorf("seed: %v", err)
		}
	}
	for _, k := range seed.Keys {
		if err := s.addKey(k); err != nil {
			return fmt.Errorf("seed: %v", err)
		}
	}
	s.tick()
	return nil
}

// --- clock and the cleanup job ------------------------------------------------

// tick runs the daily 01:00 UTC cleanup job if one fell due since the last
// check (only the latest matters: each deletes what the earlier would
// have). Called with s.Mu held, before every request and after every
// clock change.
func (s *Server) tick() {
	now := s.Clock.Now()
	if now.After(s.lastJob) {
		day := time.Date(now.Year(), now.Month(), now.Day(), CleanupHour, 0, 0, 0, time.UTC)
		if day.After(now) {
			day = day.Add(-24 * time.Hour)
		}
		if day.After(s.lastJob) {
			s.cleanup(day)
		}
	}
	s.lastJob = now
}

// cleanup is the job as it runs at moment at: invitations inserted more
// than 48 hours before it are deleted.
func (s *Server) cleanup(at time.Time) {
	cutoff := at.Add(-InvitationMaxAge)
	for _, t := range s.teams {
		for _, st := range t.sites {
			for _, g := range append([]*guest(nil), st.guests...) {
				if g.status == StatusInvited && g.insertedAt.Before(cutoff) {
					st.remove(g)
				}
			}
		}
	}
}

// --- lookups and mutations (s.Mu held) -----------------------------------------

func lower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func (s *Server) nextSeq() int {
	s.seq++
	return s.seq
}

func (s *Server) teamByRef(ref string) (*team, error) {
	if ref == "" {
		if len(s.teams) == 1 {
			return s.teams[0], nil
		}
		return nil, fmt.Errorf("name the team (id or name): there are %d", len(s.teams))
	}
	for _, t := range s.teams {
		if t.id == ref {
			return t, nil
		}
	}
	for _, t := range s.teams {
		if t.name == ref {
			return t, nil
		}
	}
	return nil, fmt.Errorf("no team %q", ref)
}

func (s *Server) siteByRef(domain string) (*site, error) {
	st := s.sites[lower(domain)]
	if st == nil {
		return nil, fmt.Errorf("no site %q", domain)
	}
	return st, nil
}

func (s *Server) addTeam(st SeedTeam) error {
	seq := s.nextSeq()
	t := &team{seq: seq, id: st.ID, name: st.Name, apiAvailable: st.APIAvailable, noSitesAPI: st.NoSitesAPI,
		memberLimit: st.MemberLimit, byEmail: map[string]*member{}}
	if t.id == "" {
		t.id = fmt.Sprintf("0195e1a0-0000-4000-8000-%012x", seq)
	}
	if t.name == "" {
		t.name = "My Personal Sites"
	}
	for _, o := range s.teams {
		if o.id == t.id {
			return fmt.Errorf("team id %q is used twice", t.id)
		}
	}
	s.teams = append(s.teams, t)
	for _, m := range st.Members {
		if err := s.addMember(t, m.Email, m.Role); err != nil {
			return fmt.Errorf("team %s: %v", t.name, err)
		}
	}
	for _, ss := range st.Sites {
		x, err := s.addSite(t, ss.Domain, ss.Timezone)
		if err != nil {
			return err
		}
		for _, g := range ss.Guests {
			if err := s.addGuest(x, g); err != nil {
				return fmt.Errorf("site %s: %v", x.domain, err)
			}
		}
	}
	return nil
}

func (s *Server) addKey(k SeedKey) error {
	if k.Key == "" {
		return errors.New("a key needs its value")
	}
	if !strings.Contains(k.Email, "@") {
		return fmt.Errorf("key %q: email %q is not an email address", k.Key, k.Email)
	}
	ak := &apiKey{key: k.Key, email: k.Email, readOnly: k.ReadOnly, limit: k.HourlyLimit}
	if ak.limit <= 0 {
		ak.limit = DefaultHourlyLimit
	}
	if k.Team != "" {
		t, err := s.teamByRef(k.Team)
		if err != nil {
			return fmt.Errorf("key %q: %v", k.Key, err)
		}
		ak.team = t
	}
	s.keys[k.Key] = ak
	return nil
}

func (s *Server) addSite(t *team, domain, tz string) (*site, error) {
	domain = strings.TrimSpace(domain)
	if domain == "" {
		return nil, errors.New("a site needs a domain")
	}
	if s.sites[lower(domain)] != nil {
		return nil, fmt.Errorf("site %s exists already", domain)
	}
	if tz == "" {
		tz = "Etc/UTC"
	}
	st := &site{id: s.nextSeq(), domain: domain, timezone: tz, team: t, byEmail: map[string]*guest{}}
	t.sites = append(t.sites, st)
	s.sites[lower(domain)] = st
	return st, nil
}

// addMember makes email a team member with role. A guest joining the team
// loses their guest memberships and invitations in it (plausible.md:
// promoting a guest to a team role deletes their guest memberships).
func (s *Server) addMember(t *team, email, role string) error {
	if !strings.Contains(email, "@") {
		return fmt.Errorf("%q is not an email address", email)
	}
	if !teamRoles[role] {
		return fmt.Errorf("team role %q is not owner, admin, editor, viewer or billing", role)
	}
	if t.byEmail[lower(email)] != nil {
		return fmt.Errorf("%s is already a member of team %s", email, t.name)
	}
	m := &member{email: email, role: role}
	t.members = append(t.members, m)
	t.byEmail[lower(email)] = m
	for _, st := range t.sites {
		if g := st.byEmail[lower(email)]; g != nil {
			st.remove(g)
		}
	}
	return nil
}

func (s *Server) addGuest(st *site, g SeedGuest) error {
	if !strings.Contains(g.Email, "@") {
		return fmt.Errorf("%q is not an email address", g.Email)
	}
	if !guestRoles[g.Role] {
		return fmt.Errorf("guest role %q is not viewer or editor", g.Role)
	}
	status := g.Status
	if status == "" {
		status = StatusAccepted
	}
	if status != StatusInvited && status != StatusAccepted {
		return fmt.Errorf("guest status %q is not invited or accepted", status)
	}
	if st.team.byEmail[lower(g.Email)] != nil {
		return fmt.Errorf("%s is a member of team %s and cannot be a guest of its sites", g.Email, st.team.name)
	}
	if st.byEmail[lower(g.Email)] != nil {
		return fmt.Errorf("%s is already a guest of %s", g.Email, st.domain)
	}
	at := s.Clock.Now()
	if g.InsertedAt != "" {
		t, err := time.Parse(time.RFC3339, g.InsertedAt)
		if err != nil {
			return fmt.Errorf("inserted_at %q is not an RFC 3339 time", g.InsertedAt)
		}
		at = t.UTC()
	}
	st.add(&guest{id: s.nextSeq(), email: g.Email, role: g.Role, status: status, insertedAt: at})
	return nil
}

func (st *site) add(g *guest) {
	st.guests = append(st.guests, g)
	st.byEmail[lower(g.email)] = g
}

func (st *site) remove(g *guest) {
	delete(st.byEmail, lower(g.email))
	for i, x := range st.guests {
		if x == g {
			st.guests = append(st.guests[:i], st.guests[i+1:]...)
			return
		}
	}
}

// people counts the distinct members, guests and invitees of a team.
func (t *team) people() int {
	seen := map[string]bool{}
	for e := range t.byEmail {
		seen[e] = true
	}
	for _, st := range t.sites {
		for e := range st.byEmail {
			seen[e] = true
		}
	}
	return len(seen)
}

// roleOf is the key user's team role in t, "" when not a member.
func (t *team) roleOf(email string) string {
	if m := t.byEmail[lower(email)]; m != nil {
		return m.role
	}
	return ""
}

// --- admin hooks ----------------------------------------------------------------

// Accept accepts email's pending invitation to site, as the invitee would
// by following the email's link; site "" accepts all of them. A person who
// meanwhile became a team member keeps their team role: the invitation is
// used up without making them a guest.
func (s *Server) Accept(domain, email string) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.tick()
	var sites []*site
	if domain != "" {
		st, err := s.siteByRef(domain)
		if err != nil {
			return err
		}
		sites = []*site{st}
	} else {
		for _, t := range s.teams {
			sites = append(sites, t.sites...)
		}
	}
	n := 0
	for _, st := range sites {
		g := st.byEmail[lower(email)]
		if g == nil || g.status != StatusInvited {
			continue
		}
		n++
		if st.team.byEmail[lower(email)] != nil {
			st.remove(g)
			continue
		}
		g.status = StatusAccepted
	}
	if n == 0 {
		if domain != "" {
			return fmt.Errorf("%s has no pending invitation to %s (expired invitations are deleted)", email, domain)
		}
		return fmt.Errorf("%s has no pending invitation (expired invitations are deleted)", email)
	}
	return nil
}

// AddGuest adds a guest to a site by hand (Site Settings → People), with
// role viewer or editor and status invited or accepted ("" accepted).
func (s *Server) AddGuest(domain, email, role, status string) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.tick()
	st, err := s.siteByRef(domain)
	if err != nil {
		return err
	}
	return s.addGuest(st, SeedGuest{Email: email, Role: role, Status: status})
}

// SetGuestRole changes a guest's role by hand, as an owner does in the UI
// (the API cannot).
func (s *Server) SetGuestRole(domain, email, role string) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.tick()
	st, err := s.siteByRef(domain)
	if err != nil {
		return err
	}
	if !guestRoles[role] {
		return fmt.Errorf("guest role %q is not viewer or editor", role)
	}
	g := st.byEmail[lower(email)]
	if g == nil {
		return fmt.Errorf("%s is not a guest of %s", email, st.domain)
	}
	g.role = role
	return nil
}

// RemoveGuest removes a guest or their invitation from a site by hand.
func (s *Server) RemoveGuest(domain, email string) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.tick()
	st, err := s.siteByRef(domain)
	if err != nil {
		return err
	}
	g := st.byEmail[lower(email)]
	if g == nil {
		return fmt.Errorf("%s is not a guest of %s", email, st.domain)
	}
	st.remove(g)
	return nil
}

// AddMember makes email a member of a team (by id or name; "" when there
// is one team) with a team role, as Team Settings → General would. Their
// guest access in the team goes, as in Plausible.
func (s *Server) AddMember(team, email, role string) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.tick()
	t, err := s.teamByRef(team)
	if err != nil {
		return err
	}
	return s.addMember(t, email, role)
}

// Promote turns a guest (or invitee) of a team's sites into a team member
// with role; Plausible deletes their guest memberships and invitations.
func (s *Server) Promote(team, email, role string) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.tick()
	t, err := s.teamByRef(team)
	if err != nil {
		return err
	}
	guest := false
	for _, st := range t.sites {
		guest = guest || st.byEmail[lower(email)] != nil
	}
	if !guest {
		return fmt.Errorf("%s is not a guest of any site of team %s", email, t.name)
	}
	return s.addMember(t, email, role)
}

// SetMemberRole changes a team member's role.
func (s *Server) SetMemberRole(team, email, role string) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	t, err := s.teamByRef(team)
	if err != nil {
		return err
	}
	m := t.byEmail[lower(email)]
	if m == nil {
		return fmt.Errorf("%s is not a member of team %s", email, t.name)
	}
	if !teamRoles[role] {
		return fmt.Errorf("team role %q is not owner, admin, editor, viewer or billing", role)
	}
	m.role = role
	return nil
}

// RemoveMember removes a team member.
func (s *Server) RemoveMember(team, email string) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	t, err := s.teamByRef(team)
	if err != nil {
		return err
	}
	m := t.byEmail[lower(email)]
	if m == nil {
		return fmt.Errorf("%s is not a member of team %s", email, t.name)
	}
	delete(t.byEmail, lower(email))
	for i, x := range t.members {
		if x == m {
			t.members = append(t.members[:i], t.members[i+1:]...)
			break
		}
	}
	return nil
}

// AddTeam adds a team and returns its id.
func (s *Server) AddTeam(st SeedTeam) (string, error) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	if err := s.addTeam(st); err != nil {
		return "", err
	}
	return s.teams[len(s.teams)-1].id, nil
}

// AddSite adds a site to a team (by id or name; "" when there is one).
func (s *Server) AddSite(team, domain, timezone string) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	t, err := s.teamByRef(team)
	if err != nil {
		return err
	}
	_, err = s.addSite(t, domain, timezone)
	return err
}

// AddKey adds an API key.
func (s *Server) AddKey(k SeedKey) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	return s.addKey(k)
}

// Spend counts n requests of key in the current clock hour, as if someone
// else used the same key.
func (s *Server) Spend(key string, n int) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	if s.keys[key] == nil {
		return errors.New("no such key")
	}
	u := s.usageOf(key)
	u.n += n
	return nil
}

// Used is how many requests key has made in the current clock hour.
func (s *Server) Used(key string) int {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	return s.usageOf(key).n
}

// usageOf is key's count for the current clock hour.
func (s *Server) usageOf(key string) *usage {
	h := s.Clock.Now().Truncate(time.Hour)
	u := s.usage[key]
	if u == nil || !u.hour.Equal(h) {
		u = &usage{hour: h}
		s.usage[key] = u
	}
	return u
}

// ExpireInvitations moves the clock 72 hours on, so that the daily job
// deletes every invitation pending now; accepted guests stay.
func (s *Server) ExpireInvitations() { s.Advance(ExpireAdvance) }

// RunCleanup runs the daily cleanup job now: invitations older than 48
// hours are deleted.
func (s *Server) RunCleanup() {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.cleanup(s.Clock.Now())
}

// --- state dump -------------------------------------------------------------------

// State is a JSON-friendly dump of the server's data.
type State struct {
	Now   string      `json:"now"`
	Teams []StateTeam `json:"teams"`
}

// StateTeam is one team in a State, members included.
type StateTeam struct {
	ID      string        `json:"id"`
	Name    string        `json:"name"`
	Members []StateMember `json:"members"`
	Sites   []StateSite   `json:"sites"`
}

// StateMember is a team member.
type StateMember struct {
	Email string `json:"email"`
	Role  string `json:"role"`
}

// StateSite is a site with its guests, in insertion order.
type StateSite struct {
	Domain string       `json:"domain"`
	Guests []StateGuest `json:"guests"`
}

// StateGuest is a guest or invitation.
type StateGuest struct {
	Email      string `json:"email"`
	Role       string `json:"role"`
	Status     string `json:"status"`
	InsertedAt string `json:"inserted_at"`
}

// State dumps the data.
func (s *Server) State() State {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.tick()
	st := State{Now: s.Clock.Now().Format(time.RFC3339), Teams: []StateTeam{}}
	for _, t := range s.teams {
		stt := StateTeam{ID: t.id, Name: t.name, Members: []StateMember{}, Sites: []StateSite{}}
		for _, m := range t.members {
			stt.Members = append(stt.Members, StateMember{Email: m.email, Role: m.role})
		}
		for _, x := range t.sites {
			ss := StateSite{Domain: x.domain, Guests: []StateGuest{}}
			for _, g := range x.guests {
				ss.Guests = append(ss.Guests, StateGuest{Email: g.email, Role: g.role, Status: g.status, InsertedAt: g.insertedAt.Format(time.RFC3339)})
			}
			stt.Sites = append(stt.Sites, ss)
		}
		st.Teams = append(st.Teams, stt)
	}
	return st
}

// Guests lists a site's guests as "email role status" lines sorted by
// email, for tests.
func (s *Server) Guests(domain string) []string {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.tick()
	st := s.sites[lower(domain)]
	if st == nil {
		return nil
	}
	out := make([]string, 0, len(st.guests))
	for _, g := range st.guests {
		out = append(out, g.email+" "+g.role+" "+g.status)
	}
	sort.Strings(out)
	return out
}

// TeamID is the id of a team by name ("" when there is one team).
func (s *Server) TeamID(name string) string {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	t, err := s.teamByRef(name)
	if err != nil {
		return ""
	}
	return t.id
}
