package report

import (
	"slices"
	"strings"
	"time"

	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

// FormatVersion is the format_version of every JSON report.
const FormatVersion = "1"

// Input is what every report is computed from.
type Input struct {
	// Objects is the state snapshot, sorted by address.
	Objects []*model.Object
	// Platforms holds the platform profiles by name.
	Platforms map[string]*model.Platform
	// InternalDomains is policy.internal_domains: everyone else is
	// external. Empty: nobody is external.
	InternalDomains []string
	// Since maps an address to when its current access began, from the
	// evidence (SinceFromEvidence); it may be nil.
	Since map[string]time.Time
	// Reviews maps a team's name to its newest review sign-off, from the
	// evidence (ReviewsFromEvidence); it may be nil.
	Reviews map[string]TeamReview
	// Changes maps a team's name to the changes since its last sign-off
	// (ChangesSinceReviews); it may be nil.
	Changes map[string][]ReviewChange
	// Serial is the state's serial.
	Serial uint64
	// Sponsors maps a person's email to the sponsor the configuration
	// names for them, and People is the policy's company directory, nil
	// without one: review shows each sponsor and flags those who left.
	Sponsors map[string]string
	People   *model.Directory
	// Now is the moment expiry is judged at.
	Now time.Time
}

// ProductionEnvironment is the site environment that marks risk.
const ProductionEnvironment = "production"

// AdminRole is, with model.RoleOwner, a role name review flags as
// admin_or_owner whatever its capabilities.
const AdminRole = "admin"

// teamIdx is one team's objects, gathered in one pass over the snapshot.
type teamIdx struct {
	name     string
	obj      *model.Object   // nil when the state has members but no team
	platform *model.Platform // nil when the profile is unknown
	sites    []*model.Object // sorted by name
	siteBy   map[string]*model.Object
	members  []*model.Object
	groups   map[string]*model.Object
	grants   []*model.Object
	// production is true when one of the team's sites is production.
	production bool
	// people is everyone a site's default access reaches, built on first
	// use (defaultPeople).
	people     []teamPerson
	peopleDone bool
}

// ViaDefault is how access that comes from a site's default access is held
// (schema/sync.md: PostHog's project default gives every organization member
// that level): a review row's and a who-can row's via, an access source's
// how. Such access is given by the site itself, so its address is the
// site's.
const ViaDefault = "default"

// ViaRolePrefix begins how access that a platform role gives is held
// (PostHog RBAC, Enterprise: a project access row of a role, which roster
// reads but does not manage): "role:NAME" is a review row's and a who-can
// row's via, an access source's how. Like a default, such access is kept
// on the site (model.Object.RoleAccess), so its address is the site's.
const ViaRolePrefix = "role:"

// ViaAccount is how a team role is held where it is an account-level
// binding that covers every property of the account (GA4: ga4.md, Direct
// vs effective access): a review row's and a who-can row's via, an
// access source's how, in place of "member".
const ViaAccount = string(model.ViaAccount)

// UnseenAccess says, per platform, the access its API cannot show, for
// review to say it is not in the review (ga4.md: user groups and
// organization admins are invisible to the Admin API).
var UnseenAccess = map[string]string{
	"ga4": "Access through Google Analytics user groups and Google Marketing Platform organization roles is not shown: the Admin API cannot read it. Review it in Admin > Account access management and in the organization's settings.",
}

// teamVia is how the team's members hold their team role: ViaAccount on
// an account platform, else "member".
func (t *teamIdx) teamVia() string {
	if model.TeamVia(t.platformName()) == model.ViaAccount {
		return ViaAccount
	}
	return KindMember
}

// teamPerson is someone a site's default access reaches: a member, or a
// guest through the implicit membership their grants bring (schema/sync.md).
type teamPerson struct {
	email    string
	kind     string // KindMember or KindGuest
	status   model.Status
	pending  string // pendingOf the membership
	expires  string // when the membership ends, "" for never
	teamCaps model.CapSet
}

// siteDefault is the site role a site's default access gives and its
// capabilities; ok is false when the site gives nothing by default ("",
// "none", or a level the platform's profile lacks).
func (t *teamIdx) siteDefault(s *model.Object) (role string, caps model.CapSet, ok bool) {
	if s == nil || s.DefaultAccess == "" || s.DefaultAccess == "none" {
		return "", 0, false
	}
	caps = t.caps(model.SiteRole, s.DefaultAccess)
	return s.DefaultAccess, caps, caps != 0
}

// defaultPeople lists the members (in address order) and then the guests
// (by email) of the team. A guest's implicit membership is active when one
// of their grants exists on the platform, else invited when one is, and
// lasts while their grants do: it ends with the last to expire, never when
// one of them does not expire.
func (t *teamIdx) defaultPeople() []teamPerson {
	if t.peopleDone {
		return t.people
	}
	t.peopleDone = true
	isMember := make(map[string]bool, len(t.members))
	for _, m := range t.members {
		isMember[m.Addr.Email] = true
		t.people = append(t.people, teamPerson{email: m.Addr.Email, kind: KindMember, status: statusOf(m), pending: pendingOf(m), expires: m.Expires, teamCaps: t.caps(model.TeamRole, m.Role)})
	}
	guests := map[string]int{}
	n := len(t.people)
	for _, g := range t.grants {
		if g.Addr.Email == "" || g.HolderKind != model.HolderGuest || isMember[g.Addr.Email] {
			continue
		}
		i, seen := guests[g.Addr.Email]
		if !seen {
			i = len(t.people)
			guests[g.Addr.Email] = i
			// Manual until a grant exists: then only their grants' creation waits.
			t.people = append(t.people, teamPerson{email: g.Addr.Email, kind: KindGuest, status: model.StatusManual, pending: "create", expires: g.Expires})
		}
		p := &t.people[i]
		switch st := statusOf(g); {
		case st == model.StatusActive || (st == model.StatusManual && g.PendingAction != "create"):
			p.status, p.pending = model.StatusActive, ""
		case st == model.StatusInvited && p.status != model.StatusActive:
			p.status, p.pending = model.StatusInvited, ""
		}
		if seen && p.expires != "" && (g.Expires == "" || g.Expires > p.expires) {
			p.expires = g.Expires
		}
	}
	slices.SortFunc(t.people[n:], func(a, b teamPerson) int { return strings.Compare(a.email, b.email) })
	return t.people
}

// roleHolder is someone a platform role gives access on a site.
type roleHolder struct {
	person *teamPerson
	via    string // ViaRolePrefix + the role's name
	level  string // the site role the role gives
	caps   model.CapSet
}

// roleHolders lists what the roles recorded on site s give, in the site's
// order (by person), each only where it gives the person something their
// team role does not (as a default). A role's member whom the state does
// not hold is a member of the account on the platform (PostHog: only
// organization members join roles): shown as an active member.
func (t *teamIdx) roleHolders(s *model.Object) []roleHolder {
	if s == nil || len(s.RoleAccess) == 0 {
		return nil
	}
	people := t.defaultPeople()
	var out []roleHolder
	for _, ra := range s.RoleAccess {
		caps := t.caps(model.SiteRole, ra.Level)
		p := t.person(people, ra.Person)
		if caps == 0 || !p.defaultReaches(caps) {
			continue
		}
		out = append(out, roleHolder{person: p, via: ViaRolePrefix + ra.Role, level: ra.Level, caps: caps})
	}
	return out
}

// person finds email among people, or makes an active member of them.
func (t *teamIdx) person(people []teamPerson, email string) *teamPerson {
	for i := range people {
		if people[i].email == email {
			return &people[i]
		}
	}
	return &teamPerson{email: email, kind: KindMember, status: model.StatusActive}
}

// defaultReaches reports whether a site's default access gives p something
// their team role does not (an admin's team role covers every project).
func (p *teamPerson) defaultReaches(caps model.CapSet) bool {
	return caps&^p.teamCaps != 0
}

// index is the snapshot arranged by team, built once per report.
type index struct {
	teams  []*teamIdx // sorted by name
	byName map[string]*teamIdx
}

func newIndex(in Input) *index {
	idx := &index{byName: map[string]*teamIdx{}}
	team := func(name string) *teamIdx {
		t := idx.byName[name]
		if t == nil {
			t = &teamIdx{name: name, siteBy: map[string]*model.Object{}, groups: map[string]*model.Object{}}
			idx.byName[name] = t
			idx.teams = append(idx.teams, t)
		}
		return t
	}
	for _, o := range in.Objects {
		t := team(o.Addr.Team)
		switch o.Addr.Kind {
		case model.KindTeam:
			t.obj = o
			t.platform = in.Platforms[o.Platform]
		case model.KindSite:
			t.sites = append(t.sites, o)
			t.siteBy[o.Addr.Site] = o
			if isProduction(o) {
				t.production = true
			}
		case model.KindMember:
			t.members = append(t.members, o)
		case model.KindGroup:
			t.groups[o.Addr.Group] = o
		case model.KindGrant:
			t.grants = append(t.grants, o)
		}
	}
	for _, t := range idx.teams {
		// A grant on a site the state lacks still gives access there:
		// show the site rather than lose the grant.
		added := false
		for _, g := range t.grants {
			if t.siteBy[g.Addr.Site] == nil {
				s := &model.Object{Addr: model.SiteAddress(t.name, g.Addr.Site)}
				t.sites = append(t.sites, s)
				t.siteBy[g.Addr.Site] = s
				added = true
			}
		}
		if added || !slices.IsSortedFunc(t.sites, bySiteName) {
			slices.SortFunc(t.sites, bySiteName)
		}
	}
	slices.SortFunc(idx.teams, func(a, b *teamIdx) int { return strings.Compare(a.name, b.name) })
	return idx
}

func bySiteName(a, b *model.Object) int { return strings.Compare(a.Addr.Site, b.Addr.Site) }

func isProduction(site *model.Object) bool {
	return site != nil && strings.EqualFold(site.Environment, ProductionEnvironment)
}

// platformName is the team's platform as the state names it.
func (t *teamIdx) platformName() string {
	if t.obj == nil {
		return ""
	}
	return t.obj.Platform
}

// role finds a role of the team's platform; nil when the platform or the
// role is unknown (a role the profile lacks gives no capability).
func (t *teamIdx) role(kind model.RoleKind, name string) *model.Role {
	if t.platform == nil {
		return nil
	}
	r, _ := t.platform.Role(kind, name)
	return r
}

func (t *teamIdx) caps(kind model.RoleKind, name string) model.CapSet {
	if r := t.role(kind, name); r != nil {
		return r.Caps
	}
	return 0
}

// grantCaps is what a grant gives: its role's capabilities and those its
// explicit platform capabilities add (Matomo's tagmanager_write).
func (t *teamIdx) grantCaps(g *model.Object) model.CapSet {
	c := t.caps(model.SiteRole, g.Role)
	if t.platform != nil && len(g.Capabilities) > 0 {
		c |= t.platform.GrantCapSet(g.Capabilities)
	}
	return c
}

// isAdmin is review's admin_or_owner rule: a role named "owner" or
// "admin" (team or site), or any role holding manage_members (Plausible's
// admin, Piwik PRO's manage, PostHog's admin roles), since whoever can
// manage members can give themselves anything else.
func (t *teamIdx) isAdmin(kind model.RoleKind, name string) bool {
	return name == model.RoleOwner || name == AdminRole || t.caps(kind, name).Has(model.ManageMembers)
}

// statusOf is an object's status; a state written before statuses existed
// has none, which means active.
func statusOf(o *model.Object) model.Status {
	if o.Status == "" {
		return model.StatusActive
	}
	return o.Status
}

// pendingOf is the change a manual step of o waits for (create, update,
// delete or move), "" when o is not waiting for one: what "manual" alone
// does not say, whether the access is coming or going.
func pendingOf(o *model.Object) string {
	if statusOf(o) != model.StatusManual {
		return ""
	}
	return o.PendingAction
}

// waitingWords name what a manual step waits for, by its pending action.
var waitingWords = map[string]string{"create": "grant", "update": "change", "delete": "removal", "move": "rename"}

// statusWords is a status for a person to read: a manual one says what it
// waits for ("manual: removal waiting").
func statusWords(status, pending string) string {
	what := waitingWords[pending]
	if status != string(model.StatusManual) || what == "" {
		return status
	}
	return status + ": " + what + " waiting"
}

// expiredAt reports whether o has expired at now: now is after expires.
func expiredAt(o *model.Object, now time.Time) bool {
	t, ok := o.ExpiresAt()
	return ok && now.After(t)
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// optString is s, or nil (JSON null) when s is empty.
func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// SinceFromEvidence reads when each address's current access began from
// evidence records in chain order: the time of the earliest record that
// created or changed the object after its last delete. A later update
// keeps the earlier time; a delete forgets it, so a re-created access
// starts again. Records of action adopt and import (access roster found
// live) and confirm (a manual step done) count like create and update.
// Records without an address or with an unreadable time are skipped, and
// so are failed attempts (outcome failed: nothing changed). A removal
// that waits as a manual step (a delete with outcome manual) ends the
// access only when it is confirmed (a confirm whose after is null): until
// then, or if the step is withdrawn, the access keeps its since. A
// creation that waits as a manual step (offline platforms) begins the
// access only when it is confirmed, at the confirm's time. A person's move that waits as a manual step gives its since to the new
// address and keeps it at the old one, where the state keeps the person
// until the step is confirmed.
func SinceFromEvidence(records []*evidence.Record) map[string]time.Time {
	since := map[string]time.Time{}
	// waiting holds the old addresses of moves that wait as manual steps.
	waiting := map[string]bool{}
	// begin starts r's address's access at r's time, unless it has begun.
	begin := func(r *evidence.Record) {
		if _, ok := since[r.Address]; ok {
			return
		}
		if t, err := time.Parse(time.RFC3339, r.Time); err == nil {
			since[r.Address] = t.UTC()
		}
	}
	for _, r := range records {
		if r == nil || r.Address == "" || r.Outcome == evidence.OutcomeFailed {
			continue
		}
		switch r.Action {
		case string(plan.Delete), evidence.ActionForget:
			if r.Action == string(plan.Delete) && r.Outcome == evidence.OutcomeManual {
				continue
			}
			delete(since, r.Address)
		case evidence.ActionConfirm:
			if (isNull(r.After) && !isNull(r.Before)) || waiting[r.Address] {
				// A removal's manual step, done; or a waiting move's: the
				// access is at the new address now.
				delete(since, r.Address)
				delete(waiting, r.Address)
				continue
			}
			begin(r)
		case evidence.ActionMove:
			// A rename keeps the access: it began when the old address's
			// did (language.md "moved").
			from, ok := evidence.MovedFrom(r)
			if t, had := since[from.String()]; ok && had {
				if r.Outcome == evidence.OutcomeManual {
					// A person's move waits for them (README "Renames"):
					// the state keeps the old address until the step is
					// confirmed, so both carry the since till then.
					waiting[from.String()] = true
				} else {
					delete(since, from.String())
				}
				since[r.Address] = t
				continue
			}
			begin(r)
		case string(plan.Create), string(plan.Update), evidence.ActionAdopt, evidence.ActionImport:
			if r.Action == string(plan.Create) && r.Outcome == evidence.OutcomeManual {
				continue // not made yet: the access begins when the step is confirmed
			}
			begin(r)
		}
	}
	return since
}

// isNull reports whether a record's before or after is JSON null (or
// absent).
func isNull(v []byte) bool {
	return len(v) == 0 || string(v) == "null"
}

// SponsorsOf maps each person the configuration names a sponsor for to
// that sponsor (the member's or guest's sponsor attribute, which their
// grants carry).
func SponsorsOf(cfg *model.Config) map[string]string {
	out := map[string]string{}
	for _, o := range cfg.Objects {
		if o.Decl != nil && o.Decl.Sponsor() != "" && o.Addr.Email != "" {
			out[o.Addr.Email] = o.Decl.Sponsor()
		}
	}
	return out
}
