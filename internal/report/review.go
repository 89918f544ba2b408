package report

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/policy"
)

// DefaultExpiringWithinDays is how far ahead review looks for expiring
// access unless told otherwise.
const DefaultExpiringWithinDays = 30

// Row flags, in the order a row lists them.
const (
	// FlagExternal: the person is outside policy.internal_domains.
	FlagExternal = "external"
	// FlagAdminOrOwner: the role is named "owner" or "admin", or holds
	// manage_members.
	FlagAdminOrOwner = "admin_or_owner"
	// FlagAdminOnProduction: an admin_or_owner team role in a team with a
	// production site, or an admin_or_owner site role on a production site.
	FlagAdminOnProduction = "admin_on_production"
	// FlagInvited: the platform holds an invitation not yet accepted.
	FlagInvited = "invited"
	// FlagNoTicket: the access names no ticket.
	FlagNoTicket = "no_ticket"
	// FlagExpiring: it expires within the review's window and has not yet.
	FlagExpiring = "expiring"
	// FlagExpired: it expired before now and is still in the state.
	FlagExpired = "expired"
	// FlagSponsorLeft: the person's sponsor is not an active person of the
	// policy's directory (schema/language.md, sponsor_required).
	FlagSponsorLeft = "sponsor_left"
)

// Flags lists every row flag in the order rows list them.
var Flags = []string{FlagExternal, FlagAdminOrOwner, FlagAdminOnProduction, FlagInvited, FlagNoTicket, FlagExpiring, FlagExpired, FlagSponsorLeft}

// FindingBelowTwoOwners is the team finding raised when a team whose
// platform has an owner role has fewer than two active owners.
const FindingBelowTwoOwners = "below_two_owners"

// FindingNotReviewed is the team finding raised when a team's last review
// sign-off (`review --attest`), or, for a team never reviewed, its
// creation, is more than ReviewIntervalDays before now. A team never
// reviewed whose creation the evidence does not show is not flagged.
const FindingNotReviewed = "not_reviewed_90_days"

// ReviewIntervalDays is how often each team's access should be reviewed.
const ReviewIntervalDays = 90

// Findings lists every team finding in the order a team lists them.
var Findings = []string{FindingBelowTwoOwners, FindingNotReviewed}

// Row kinds and the ways a row's access is held.
const (
	KindMember = "member" // a team member's team role, or a member's own grant
	KindGuest  = "guest"  // a guest's grant
	KindGroup  = "group"  // a group's grant, or a person holding it through the group
	// TeamWide is the site of a row that covers every site of the team.
	TeamWide = "*"
)

// ReviewOptions tunes Review.
type ReviewOptions struct {
	// ExpiringWithinDays is the window of the expiring flag; below 1 it is
	// DefaultExpiringWithinDays.
	ExpiringWithinDays int
	// GeneratedAt is when the review is made, for generated_at; zero means
	// the wall clock.
	GeneratedAt time.Time
}

// ReviewDoc is the quarterly access review: everyone with access, per
// team, with what needs attention flagged. Its JSON form is
// schema/review.schema.json; times are RFC 3339 in UTC.
type ReviewDoc struct {
	FormatVersion      string `json:"format_version"`
	GeneratedAt        string `json:"generated_at"`
	Now                string `json:"now"`
	ExpiringWithinDays int    `json:"expiring_within_days"`
	// Serial is the state's serial the review was made at: a review saved
	// and signed off later (review --attest --from FILE) states it.
	Serial  uint64        `json:"serial"`
	Teams   []ReviewTeam  `json:"teams"`
	Summary ReviewSummary `json:"summary"`
	// Attestation is the sign-off the document shows when it is the one
	// attested (review --attest --out FILE), nil otherwise.
	Attestation *Attestation `json:"attestation"`
}

// ReviewTeam is one team's section of the review.
type ReviewTeam struct {
	Team     string `json:"team"`
	Platform string `json:"platform"`
	// Owners counts the active members whose team role is "owner" and who
	// have not expired; InvitedOwners those still invited, who do not count.
	Owners        int `json:"owners"`
	InvitedOwners int `json:"invited_owners"`
	// LastReview is the newest review sign-off that covered the team,
	// from the evidence (Input.Reviews); nil when it was never reviewed.
	LastReview *LastReview `json:"last_review"`
	// ChangesSinceReview are the people added, removed or whose role
	// changed since LastReview, from the evidence, oldest first; [] when
	// none or never reviewed.
	ChangesSinceReview []ReviewChange `json:"changes_since_review"`
	Sites              []ReviewSite   `json:"sites"`
	Findings           []Finding      `json:"findings"`
	// Rows are sorted flagged rows first, then team-wide rows before site
	// rows, then by site, person and via.
	Rows []ReviewRow `json:"rows"`
}

// LastReview is when a team was last reviewed and by whom: the newest
// evidence record of action review at the team's address.
type LastReview struct {
	Time     string `json:"time"`
	Reviewer string `json:"reviewer"`
	// ReviewDigest is the sha256 of the review JSON that was signed off.
	ReviewDigest string `json:"review_digest"`
	// Seq is the evidence record's sequence number.
	Seq uint64 `json:"seq"`
}

// ReviewSite is a site of a team.
type ReviewSite struct {
	Name        string  `json:"name"`
	Environment *string `json:"environment"`
}

// Finding is something wrong with a team as a whole.
type Finding struct {
	Code string `json:"code"`
	Text string `json:"text"`
}

// ReviewRow is one access: a team role (Site "*"), a person's grant, a
// group's grant, or a person's share of a group's grant.
type ReviewRow struct {
	Team string `json:"team"`
	// Site is the site's name, or "*" for a team role, which covers every
	// site of the team.
	Site string `json:"site"`
	// Person is an email, or group:NAME for a group's grant itself.
	Person string `json:"person"`
	Role   string `json:"role"`
	// Kind is member, guest or group (KindMember, KindGuest, KindGroup).
	Kind string `json:"kind"`
	// Via says how the access is held: "member" (a team role, or a
	// member's own grant), "guest" (a guest's grant), "group:NAME",
	// "default" (the site's default access, which reaches every member
	// and guest of the team whose team role does not already give it;
	// Address is then the site's), or "role:NAME" (what a platform role
	// gives its members, ViaRolePrefix; Address is the site's too).
	Via    string `json:"via"`
	Status string `json:"status"`
	// Pending is, for status manual, the change the manual step waits for
	// (create, update, delete or move): whether the access is coming or
	// going. Left out otherwise.
	Pending string `json:"pending,omitempty"`
	// Since is when the access began, from the evidence (Input.Since at
	// Address; for a person's share of a group's grant, when the group's
	// grant began); nil when unknown.
	Since   *string `json:"since"`
	Expires *string `json:"expires"`
	Ticket  *string `json:"ticket"`
	Reason  *string `json:"reason"`
	// InvitationAgeDays is, for invited access whose start is known, the
	// whole days since the invitation; nil otherwise.
	InvitationAgeDays *int     `json:"invitation_age_days"`
	Flags             []string `json:"flags"`
	// Address is the object that gives the access (member/… or grant/…).
	Address string `json:"address"`
	// Sponsor is the internal person the configuration names as
	// responsible for this person's access (member and guest sponsor),
	// nil when none is named.
	Sponsor *string `json:"sponsor"`
}

// ReviewSummary counts what the review holds. People and ExternalPeople
// count distinct emails across all teams.
type ReviewSummary struct {
	Teams          int `json:"teams"`
	People         int `json:"people"`
	Rows           int `json:"rows"`
	FlaggedRows    int `json:"flagged_rows"`
	ExternalPeople int `json:"external_people"`
	Findings       int `json:"findings"`
}

// flag bits, in Flags order.
const (
	bitExternal uint8 = 1 << iota
	bitAdmin
	bitAdminProd
	bitInvited
	bitNoTicket
	bitExpiring
	bitExpired
	bitSponsorLeft
)

// flagLists caches the flag list of every combination, so rows share them.
var flagLists = func() (t [1 << 8][]string) {
	for bits := range t {
		l := []string{}
		for i, f := range Flags {
			if bits&(1<<i) != 0 {
				l = append(l, f)
			}
		}
		t[bits] = slices.Clip(l)
	}
	return t
}()

// Review builds the access review of the state in in.
func Review(in Input, opts ReviewOptions) *ReviewDoc {
	days := opts.ExpiringWithinDays
	if days < 1 {
		days = DefaultExpiringWithinDays
	}
	gen := opts.GeneratedAt
	if gen.IsZero() {
		gen = time.Now()
	}
	rb := &reviewBuilder{
		in:       in,
		horizon:  in.Now.Add(time.Duration(days) * 24 * time.Hour),
		people:   map[string]bool{},
		external: map[string]bool{},
	}
	idx := newIndex(in)
	doc := &ReviewDoc{
		FormatVersion:      FormatVersion,
		GeneratedAt:        formatTime(gen),
		Now:                formatTime(in.Now),
		ExpiringWithinDays: days,
		Serial:             in.Serial,
		Teams:              make([]ReviewTeam, 0, len(idx.teams)),
	}
	for _, t := range idx.teams {
		rt := rb.team(t)
		rt.ChangesSinceReview = in.Changes[rt.Team]
		if rt.ChangesSinceReview == nil {
			rt.ChangesSinceReview = []ReviewChange{}
		}
		doc.Summary.Rows += len(rt.Rows)
		doc.Summary.Findings += len(rt.Findings)
		for i := range rt.Rows {
			if len(rt.Rows[i].Flags) > 0 {
				doc.Summary.FlaggedRows++
			}
		}
		doc.Teams = append(doc.Teams, rt)
	}
	doc.Summary.Teams = len(doc.Teams)
	doc.Summary.People = len(rb.people)
	doc.Summary.ExternalPeople = len(rb.external)
	return doc
}

type reviewBuilder struct {
	in       Input
	horizon  time.Time
	people   map[string]bool
	external map[string]bool
	// isExt caches policy.IsExternal per email.
	isExt map[string]bool
}

func (rb *reviewBuilder) isExternal(email string) bool {
	if len(rb.in.InternalDomains) == 0 {
		return false
	}
	if rb.isExt == nil {
		rb.isExt = map[string]bool{}
	}
	ext, ok := rb.isExt[email]
	if !ok {
		ext = policy.IsExternal(email, rb.in.InternalDomains)
		rb.isExt[email] = ext
	}
	return ext
}

// sortedRow pairs a row with its flag bits for sorting.
type sortedRow struct {
	bits     uint8
	teamWide bool
	row      ReviewRow
}

func (rb *reviewBuilder) team(t *teamIdx) ReviewTeam {
	rt := ReviewTeam{
		Team:     t.name,
		Platform: t.platformName(),
		Sites:    make([]ReviewSite, 0, len(t.sites)),
		Findings: []Finding{},
	}
	for _, s := range t.sites {
		rt.Sites = append(rt.Sites, ReviewSite{Name: s.Addr.Site, Environment: optString(s.Environment)})
	}
	rows := make([]sortedRow, 0, len(t.members)+len(t.grants))
	for _, m := range t.members {
		admin := t.isAdmin(model.TeamRole, m.Role)
		rows = append(rows, rb.row(m, TeamWide, m.Addr.Email, KindMember, t.teamVia(), admin, admin && t.production))
		if m.Role == model.RoleOwner && !expiredAt(m, rb.in.Now) {
			switch statusOf(m) {
			case model.StatusActive:
				rt.Owners++
			case model.StatusInvited:
				rt.InvitedOwners++
			}
		}
	}
	for _, g := range t.grants {
		admin := t.isAdmin(model.SiteRole, g.Role)
		adminProd := admin && isProduction(t.siteBy[g.Addr.Site])
		if g.Addr.Group == "" {
			kind := KindMember
			if g.HolderKind == model.HolderGuest {
				kind = KindGuest
			}
			rows = append(rows, rb.row(g, g.Addr.Site, g.Addr.Email, kind, kind, admin, adminProd))
			continue
		}
		holder := g.Addr.Holder()
		rows = append(rows, rb.row(g, g.Addr.Site, holder, KindGroup, holder, admin, adminProd))
		if grp := t.groups[g.Addr.Group]; grp != nil {
			for _, person := range grp.Members {
				rows = append(rows, rb.row(g, g.Addr.Site, model.NormalizeEmail(person), KindGroup, holder, admin, adminProd))
			}
		}
	}
	for _, s := range t.sites {
		for _, h := range t.roleHolders(s) {
			admin := t.isAdmin(model.SiteRole, h.level)
			rows = append(rows, rb.siteRow(s, h.person, h.level, h.via, admin, admin && isProduction(s)))
		}
		role, caps, ok := t.siteDefault(s)
		if !ok {
			continue
		}
		admin := t.isAdmin(model.SiteRole, role)
		adminProd := admin && isProduction(s)
		people := t.defaultPeople()
		for i := range people {
			if people[i].defaultReaches(caps) {
				rows = append(rows, rb.defaultRow(s, &people[i], role, admin, adminProd))
			}
		}
	}
	if t.platform != nil {
		if _, ok := t.platform.TeamRole(model.RoleOwner); ok && rt.Owners < 2 {
			rt.Findings = append(rt.Findings, Finding{Code: FindingBelowTwoOwners, Text: ownersText(t.name, rt.Owners, rt.InvitedOwners)})
		}
	}
	if f, ok := rb.reviewFinding(t.name, &rt); ok {
		rt.Findings = append(rt.Findings, f)
	}
	slices.SortFunc(rows, compareRows)
	rt.Rows = make([]ReviewRow, len(rows))
	for i := range rows {
		rt.Rows[i] = rows[i].row
	}
	return rt
}

// reviewFinding sets rt's last review and says whether the team is
// overdue for one (FindingNotReviewed).
func (rb *reviewBuilder) reviewFinding(team string, rt *ReviewTeam) (Finding, bool) {
	var ref time.Time
	tr, reviewed := rb.in.Reviews[team]
	if reviewed {
		rt.LastReview = &LastReview{Time: formatTime(tr.Time), Reviewer: tr.Reviewer, ReviewDigest: tr.Digest, Seq: tr.Seq}
		ref = tr.Time
	} else if created, ok := rb.in.Since[model.TeamAddress(team).String()]; ok {
		ref = created
	} else {
		return Finding{}, false
	}
	age := rb.in.Now.Sub(ref)
	if age <= ReviewIntervalDays*24*time.Hour {
		return Finding{}, false
	}
	days := int(age / (24 * time.Hour))
	const todo = "review its access at least every %d days and record it with roster review --attest --reviewer EMAIL."
	var text string
	if reviewed {
		text = fmt.Sprintf("Team %s was last reviewed %d days ago (%s, by %s); "+todo, team, days, datePart(formatTime(tr.Time)), tr.Reviewer, ReviewIntervalDays)
	} else {
		text = fmt.Sprintf("Team %s has not been reviewed in the %d days since it was created (%s); "+todo, team, days, datePart(formatTime(ref)), ReviewIntervalDays)
	}
	return Finding{Code: FindingNotReviewed, Text: text}, true
}

func ownersText(team string, active, invited int) string {
	var b strings.Builder
	switch active {
	case 0:
		fmt.Fprintf(&b, "Team %s has no active owner", team)
	case 1:
		fmt.Fprintf(&b, "Team %s has 1 active owner", team)
	default:
		fmt.Fprintf(&b, "Team %s has %d active owners", team, active)
	}
	if invited > 0 {
		fmt.Fprintf(&b, " (and %d invited, who do not count until they accept)", invited)
	}
	b.WriteString("; keep at least two owners so that nobody is locked out when one leaves.")
	return b.String()
}

// row builds one row from the object o that gives the access.
func (rb *reviewBuilder) row(o *model.Object, site, person, kind, via string, admin, adminProd bool) sortedRow {
	r := ReviewRow{
		Team:    o.Addr.Team,
		Site:    site,
		Person:  person,
		Role:    o.Role,
		Kind:    kind,
		Via:     via,
		Status:  string(statusOf(o)),
		Pending: pendingOf(o),
		Expires: optString(o.Expires),
		Ticket:  optString(o.Ticket),
		Reason:  optString(o.Reason),
		Address: o.Addr.String(),
	}
	return rb.finish(r, admin, adminProd, true, o.Addr.Kind == model.KindMember)
}

// defaultRow is the access site s's default access (role) gives person p.
// It names no ticket, and is not flagged for lacking one: nobody granted
// it, the platform's setting did.
func (rb *reviewBuilder) defaultRow(s *model.Object, p *teamPerson, role string, admin, adminProd bool) sortedRow {
	return rb.siteRow(s, p, role, ViaDefault, admin, adminProd)
}

// siteRow is access that site s itself gives person p: its default
// access, or a platform role's (via ViaRolePrefix + NAME), both kept on
// the site. Nobody granted it through roster, so it names no ticket.
func (rb *reviewBuilder) siteRow(s *model.Object, p *teamPerson, role, via string, admin, adminProd bool) sortedRow {
	r := ReviewRow{
		Team:    s.Addr.Team,
		Site:    s.Addr.Site,
		Person:  p.email,
		Role:    role,
		Kind:    p.kind,
		Via:     via,
		Status:  string(p.status),
		Pending: p.pending,
		Expires: optString(p.expires),
		Address: s.Addr.String(),
	}
	return rb.finish(r, admin, adminProd, false, false)
}

// finish flags r and fills in when it began.
func (rb *reviewBuilder) finish(r ReviewRow, admin, adminProd, needsTicket, teamWide bool) sortedRow {
	var bits uint8
	if !strings.HasPrefix(r.Person, model.GroupHolderPrefix) {
		rb.people[r.Person] = true
		if rb.isExternal(r.Person) {
			bits |= bitExternal
			rb.external[r.Person] = true
		}
	}
	if admin {
		bits |= bitAdmin
	}
	if adminProd {
		bits |= bitAdminProd
	}
	invited := r.Status == string(model.StatusInvited)
	if invited {
		bits |= bitInvited
	}
	if needsTicket && r.Ticket == nil {
		bits |= bitNoTicket
	}
	if sp := rb.in.Sponsors[r.Person]; sp != "" {
		r.Sponsor = &sp
		if rb.in.People != nil && !rb.in.People.Active(sp) {
			bits |= bitSponsorLeft
		}
	}
	if r.Expires != nil {
		if exp, err := time.Parse(time.RFC3339, *r.Expires); err == nil {
			switch {
			case rb.in.Now.After(exp):
				bits |= bitExpired
			case !exp.After(rb.horizon):
				bits |= bitExpiring
			}
		}
	}
	r.Flags = flagLists[bits]
	if r.Via == ViaDefault || strings.HasPrefix(r.Via, ViaRolePrefix) {
		// When a default or a role's access began is not recorded:
		// the evidence holds when the site and the membership did,
		// not the setting.
		return sortedRow{bits: bits, teamWide: teamWide, row: r}
	}
	if since, ok := rb.in.Since[r.Address]; ok {
		s := formatTime(since)
		r.Since = &s
		if invited {
			age := 0
			if d := rb.in.Now.Sub(since); d > 0 {
				age = int(d / (24 * time.Hour))
			}
			r.InvitationAgeDays = &age
		}
	}
	return sortedRow{bits: bits, teamWide: teamWide, row: r}
}

func compareRows(a, b sortedRow) int {
	if fa, fb := a.bits != 0, b.bits != 0; fa != fb {
		if fa {
			return -1
		}
		return 1
	}
	if a.teamWide != b.teamWide {
		if a.teamWide {
			return -1
		}
		return 1
	}
	if c := strings.Compare(a.row.Site, b.row.Site); c != 0 {
		return c
	}
	if c := strings.Compare(a.row.Person, b.row.Person); c != 0 {
		return c
	}
	return strings.Compare(a.row.Via, b.row.Via)
}
