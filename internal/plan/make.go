package plan

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/roster-dev/roster/internal/model"
)

// Input is everything Make plans from. Make reads it and never changes it.
type Input struct {
	// Desired are the configuration's objects, sorted by address, with Decl
	// set (Decl.ExpiresText is the expiry as written). Expired ones are
	// included: dropping them is the planner's job, as of Now.
	Desired []*model.Object
	// Prior are the stored state's objects, sorted by address.
	Prior []*model.Object
	// Platforms holds the built-in and declared profiles by name.
	Platforms map[string]*model.Platform
	// Policy may be nil; only InternalDomains is used here.
	Policy *model.Policy
	// PolicyWeakened tags every change with RiskPolicyWeakened: the
	// caller found that Policy removes or relaxes a rule of the policy in
	// force at the last apply (policy.Weakened).
	PolicyWeakened bool
	// Now is the moment used for expiry.
	Now time.Time

	// Live, when LiveTeams is not empty, holds the live access (members,
	// grants and groups) of the connected teams named in LiveTeams, as the
	// refresh read it (schema/sync.md). For those teams the changes are computed
	// against Live instead of Prior: the "current" set is Prior with the
	// member, grant and group objects of those teams replaced by Live's
	// (their team and site objects stay from Prior, since no API creates or
	// deletes them). Plan.Drift lists every address where Live and Prior
	// differ (status aside: status changes are the platform's own), and a
	// change that exists only because live differs from prior carries
	// RiskDrift. Live site objects carry the platform's default access
	// (DefaultAccess) and the access its roles give (RoleAccess) of stored
	// sites: where either differs from Prior's it is drift that no change
	// answers (a refresh records it). Live objects of
	// other teams, Live team objects and every other attribute of a Live
	// site are ignored.
	Live      []*model.Object
	LiveTeams map[string]bool
	// Keep lists addresses roster leaves alone (the access of a connected
	// team's undeclared credential owner, schema/sync.md; a declared GA4
	// property binding its account binding already covers): neither drift nor a
	// change, whatever desired, prior and live say.
	Keep map[string]bool

	// Moves are the configuration's resolved moved blocks (language.md):
	// a stored object under From, when To is not stored, is planned as one
	// move change to To, carrying what depends on it. A move whose From is
	// not stored is ignored.
	Moves []model.Move

	// Only, when not empty, keeps in Plan.Changes only the changes planned
	// for one of these causes (apply --only); the others go to Plan.Held
	// and raise no follow-up.
	Only []Cause

	// Copied into the plan as they are.
	Lineage          string
	Serial           uint64
	ConfigDigest     string
	AllowMassRemoval bool
	Commit           string
	ChangeRequest    string
	CreatedAt        time.Time
}

// Make plans the changes that take the current objects (Prior, or Live for
// connected teams) to the desired ones. It is pure and deterministic: the
// same input gives the same plan, changes sorted by address and follow-ups
// by site address then task. Its cost is linear in the number of objects,
// plus, for follow-ups, the sites of the people who actually lose something.
//
// Every Change.Before is the current object itself; the Change.After of
// a create is the desired object itself when its status is set (as the
// configuration sets it), else a copy with status "active"; the After of
// an update is a fresh copy of the desired object with the current status
// (an invited or manual object satisfies an active desired one, so status
// is never compared). Neither Before nor After is ever changed: callers
// that need to change one clone it (as apply does). A desired site or group without remote_id
// is satisfied by any stored remote_id (schema/sync.md: the id found is kept in
// state), and the update's After keeps the stored one.
func Make(in Input) *Plan {
	pl := newPlanner(&in)
	p := &Plan{
		CreatedAt:        in.CreatedAt,
		Now:              in.Now,
		Lineage:          in.Lineage,
		Serial:           in.Serial,
		ConfigDigest:     in.ConfigDigest,
		AllowMassRemoval: in.AllowMassRemoval,
		Commit:           in.Commit,
		ChangeRequest:    in.ChangeRequest,
	}
	var notKept func(*model.Object) bool
	if len(in.Keep) > 0 {
		notKept = func(o *model.Object) bool { return !in.Keep[o.Addr.String()] }
	}
	desired := keyedList(in.Desired, notKept)
	current := keyedList(in.Prior, notKept)
	if len(in.LiveTeams) > 0 {
		live := keyedList(in.Live, func(o *model.Object) bool { return pl.isLiveAccess(o) && (notKept == nil || notKept(o)) })
		current, p.Drift, pl.drifted = pl.mergeLive(current, live)
		p.Drift = siteDrift(p.Drift, current, in.Live, in.LiveTeams)
	}
	current = pl.applyMoves(current)
	pl.index(desired, current)
	for i := range p.Drift {
		if d := &p.Drift[i]; d.Addr.Kind == model.KindMember {
			if pf := pl.platform(d.Addr.Team); pf != nil {
				d.Via = model.TeamVia(pf.Name)
			}
		}
	}
	p.Changes = pl.join(desired, current)
	if len(in.Only) > 0 {
		p.Changes, p.Held = splitCauses(p.Changes, in.Only)
	}
	p.Manual = pl.manual
	p.FollowUps = pl.followUps(p.Changes, desired, current)
	return p
}

// entry is an object with its address string, the sort key of every list.
type entry struct {
	key string
	o   *model.Object
}

// keyedList pairs each object (those keep accepts) with its address string,
// sorted by it. Inputs are meant to be sorted already; an unsorted one is
// sorted, and of several objects with one address the first is kept (config
// and state refuse duplicates before this).
func keyedList(objs []*model.Object, keep func(*model.Object) bool) []entry {
	out := make([]entry, 0, len(objs))
	sorted := true
	for _, o := range objs {
		if o == nil || (keep != nil && !keep(o)) {
			continue
		}
		k := o.Addr.String()
		if n := len(out); n > 0 && k <= out[n-1].key {
			sorted = false
		}
		out = append(out, entry{k, o})
	}
	if sorted {
		return out
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].key < out[j].key })
	w := 0
	for i := range out {
		if w > 0 && out[i].key == out[w-1].key {
			continue
		}
		out[w] = out[i]
		w++
	}
	return out[:w]
}

func isAccessKind(k model.Kind) bool {
	return k == model.KindMember || k == model.KindGrant || k == model.KindGroup
}

// hasStatus reports whether objects of kind k carry a status.
func hasStatus(k model.Kind) bool { return k == model.KindMember || k == model.KindGrant }

type planner struct {
	in           *Input
	platforms    map[string]*model.Platform // team name → its platform
	prodSite     map[model.Address]bool     // site address → environment is production
	declaredSite map[model.Address]bool     // site address → desired
	declaredTeam map[string]bool            // team name → desired
	connected    map[string]bool            // team name → connected (desired, else stored)
	prodTeam     map[string]bool            // team name → has a production site
	internal     []string                   // lower-cased internal domains
	expiry       map[string]bool            // Expires → expired at Now
	drifted      map[string]*model.Object   // address with drift → prior object (nil: none)
	lapsed       map[string]bool            // address whose stored invitation is gone live
	manual       []Manual                   // open manual steps met while joining
	moved        map[string]*moveInfo       // new address of a moved object → where it was
	movedTo      map[string]bool            // new address of a pending move (a person's new email)
	teamMoves    []model.Move               // relabels of a connected team, or of a site of one
	priorByKey   map[string]*model.Object   // prior by address, when teamMoves is not empty
	risks        [1 << 8][]Risk             // risk bit mask → shared, read-only list
	slab         []model.Object             // backing store for After copies
}

func newPlanner(in *Input) *planner {
	pl := &planner{
		in:           in,
		platforms:    map[string]*model.Platform{},
		prodSite:     map[model.Address]bool{},
		declaredSite: map[model.Address]bool{},
		declaredTeam: map[string]bool{},
		connected:    map[string]bool{},
		prodTeam:     map[string]bool{},
		expiry:       map[string]bool{},
		lapsed:       map[string]bool{},
	}
	if in.Policy != nil {
		for _, d := range in.Policy.InternalDomains {
			d = strings.Trim(strings.ToLower(strings.TrimSpace(d)), ".")
			if d != "" {
				pl.internal = append(pl.internal, d)
			}
		}
	}
	return pl
}

func (pl *planner) isLiveAccess(o *model.Object) bool {
	return isAccessKind(o.Addr.Kind) && pl.in.LiveTeams[o.Addr.Team]
}

// mergeLive builds the current set (prior, with the connected teams' access
// replaced by live) and the drift between prior and live, in one merge.
func (pl *planner) mergeLive(prior, live []entry) (current []entry, drift []Drift, drifted map[string]*model.Object) {
	current = make([]entry, 0, len(prior)+len(live)/8)
	drifted = map[string]*model.Object{}
	pl.movedTo = map[string]bool{}
	for _, e := range prior {
		if e.o.PendingAction == string(Move) && e.o.Pending != nil {
			pl.movedTo[e.o.Pending.Addr.String()] = true
		}
	}
	for _, mv := range pl.in.Moves {
		if (mv.From.Kind == model.KindTeam || mv.From.Kind == model.KindSite) && pl.in.LiveTeams[mv.To.Team] {
			if pl.priorByKey == nil {
				pl.priorByKey = make(map[string]*model.Object, len(prior))
				for _, e := range prior {
					pl.priorByKey[e.key] = e.o
				}
			}
			pl.teamMoves = append(pl.teamMoves, mv)
		}
	}
	i, j := 0, 0
	for i < len(prior) || j < len(live) {
		switch {
		case j >= len(live) || (i < len(prior) && prior[i].key < live[j].key):
			e := prior[i]
			i++
			if pl.isLiveAccess(e.o) { // stored, gone live
				switch e.o.PendingAction {
				case "create":
					// Waiting for a person to make it: not there yet.
					current = append(current, e)
					continue
				case "delete", string(Move):
					// A person removed it, or changed their email, as
					// the manual step asked.
					continue
				}
				if e.o.Status == model.StatusInvited {
					// The platform let the invitation lapse (PostHog
					// keeps it as expired, Plausible deletes it): no
					// drift, and a desired object is invited again.
					pl.lapsed[e.key] = true
					continue
				}
				drift = append(drift, Drift{Addr: e.o.Addr, Before: e.o})
				drifted[e.key] = e.o
				continue
			}
			current = append(current, e)
		case i >= len(prior) || live[j].key < prior[i].key:
			e := live[j]
			j++
			if !pl.movedTo[e.key] && !pl.relabelled(e.o) {
				// (A person's new email, as a pending move asked, is
				// not drift.)
				drift = append(drift, Drift{Addr: e.o.Addr, After: e.o})
				drifted[e.key] = nil
			}
			current = append(current, e)
		default:
			p, l := prior[i], live[j]
			i++
			j++
			if p.o.PendingAction == string(Move) {
				// A person's move waits for them: the state keeps it,
				// and the old email live is not drift (sync.md).
				current = append(current, p)
				continue
			}
			if pl.isLiveAccess(p.o) && differs(p.o, l.o) && (p.o.Pending == nil || differs(p.o.Pending, l.o)) {
				drift = append(drift, Drift{Addr: l.o.Addr, Before: p.o, After: l.o})
				drifted[l.key] = p.o
			}
			current = append(current, l)
		}
	}
	return current, drift, drifted
}

// siteDrift adds to drift the stored sites of live teams whose default
// access or role access the refresh read differently, keeping drift in address order.
func siteDrift(drift []Drift, current []entry, live []*model.Object, liveTeams map[string]bool) []Drift {
	var sites map[model.Address]*model.Object
	added := false
	for _, l := range live {
		if l.Addr.Kind != model.KindSite || !liveTeams[l.Addr.Team] {
			continue
		}
		if sites == nil {
			sites = map[model.Address]*model.Object{}
			for _, e := range current {
				if e.o.Addr.Kind == model.KindSite && liveTeams[e.o.Addr.Team] {
					sites[e.o.Addr] = e.o
				}
			}
		}
		if st := sites[l.Addr]; st != nil && (st.DefaultAccess != l.DefaultAccess || !slices.Equal(st.RoleAccess, l.RoleAccess)) {
			drift = append(drift, Drift{Addr: l.Addr, Before: st, After: l})
			added = true
		}
	}
	if added {
		slices.SortStableFunc(drift, func(a, b Drift) int { return strings.Compare(a.Addr.String(), b.Addr.String()) })
	}
	return drift
}

// forgotten reports whether deleting o only forgets it (schema/sync.md): o
// belongs to a connected team (the configuration's connection block, else,
// for a team no longer declared, the state's record of one) and is the
// team itself or anything of it when the team is no longer declared, or a
// site the configuration no longer declares or a grant on one.
func (pl *planner) forgotten(o *model.Object) bool {
	t := o.Addr.Team
	if !pl.connected[t] {
		return false
	}
	if !pl.declaredTeam[t] {
		return true
	}
	switch o.Addr.Kind {
	case model.KindSite, model.KindGrant:
		return !pl.declaredSite[model.SiteAddress(t, o.Addr.Site)]
	}
	return false
}

// index records each team's platform (desired first, else current) and the
// production sites (desired first, else current).
func (pl *planner) index(desired, current []entry) {
	for li, list := range [][]entry{current, desired} { // desired last: it wins
		isDesired := li == 1
		for _, e := range list {
			switch o := e.o; o.Addr.Kind {
			case model.KindTeam:
				if p := pl.in.Platforms[o.Platform]; p != nil {
					pl.platforms[o.Addr.Team] = p
				}
				pl.connected[o.Addr.Team] = o.Connected || pl.in.LiveTeams[o.Addr.Team]
				pl.declaredTeam[o.Addr.Team] = pl.declaredTeam[o.Addr.Team] || isDesired
			case model.KindSite:
				pl.prodSite[o.Addr] = o.Environment == "production"
				pl.declaredSite[o.Addr] = pl.declaredSite[o.Addr] || isDesired
			}
		}
	}
	for a, prod := range pl.prodSite {
		if prod {
			pl.prodTeam[a.Team] = true
		}
	}
}

// isExpired reports whether a desired membership or grant has expired at
// Now: Now strictly after its expiry (at the instant itself it is valid).
func (pl *planner) isExpired(o *model.Object) bool {
	if o.Expires == "" || !hasStatus(o.Addr.Kind) {
		return false
	}
	exp, ok := pl.expiry[o.Expires]
	if !ok {
		t, valid := o.ExpiresAt()
		exp = valid && pl.in.Now.After(t)
		pl.expiry[o.Expires] = exp
	}
	return exp
}

// expiresText is d's expiry as the configuration wrote it, for the Why of
// ReasonExpired.
func expiresText(d *model.Object) string {
	if d.Decl != nil && d.Decl.ExpiresText != "" {
		return d.Decl.ExpiresText
	}
	return d.Expires
}

// decide says what takes current object c (nil: none) to desired object d
// (nil: not declared); ok is false when nothing needs doing.
func (pl *planner) decide(d, c *model.Object) (act Action, expired bool, ok bool) {
	switch {
	case d != nil && pl.isExpired(d):
		return Delete, true, c != nil
	case d == nil && c == nil:
		return "", false, false
	case d == nil:
		return Delete, false, true
	case c == nil:
		return Create, false, true
	case differs(d, c):
		return Update, false, true
	}
	return "", false, false
}

// join merges the desired and current lists into the changes, in address
// order.
func (pl *planner) join(desired, current []entry) []Change {
	// Every object waiting for a person may be an open manual step: room
	// for them all at once (a state of 100,000 waiting grants grew this
	// slice by doubling).
	waiting := 0
	for _, c := range current {
		if c.o != nil && c.o.PendingAction != "" {
			waiting++
		}
	}
	if waiting > 0 {
		pl.manual = slices.Grow(pl.manual, waiting)
	}
	var changes []Change
	i, j := 0, 0
	for i < len(desired) || j < len(current) {
		var d, c entry
		switch {
		case j >= len(current) || (i < len(desired) && desired[i].key < current[j].key):
			d = desired[i]
			i++
		case i >= len(desired) || current[j].key < desired[i].key:
			c = current[j]
			j++
		default:
			d, c = desired[i], current[j]
			i++
			j++
		}
		if c.o != nil && c.o.PendingAction != "" {
			// A change waits for a person (status manual): when the
			// configuration still asks for what it will make, it is an
			// open manual step, not planned again (schema/sync.md).
			pending := c.o.Pending
			if pending != nil && pending.Connected != c.o.Connected {
				// The state keeps Connected on the object, not on
				// what waits.
				cp := *pending
				cp.Connected = c.o.Connected
				pending = &cp
			}
			if _, _, ok := pl.decide(d.o, pending); !ok {
				pl.manual = append(pl.manual, Manual{Addr: c.o.Addr, Change: c.o.PendingAction})
				continue
			}
			if ch, ok := pl.withdraw(d, c); ok {
				changes = append(changes, ch)
				continue
			}
		}
		act, expired, ok := pl.decide(d.o, c.o)
		if mv := pl.moved[c.key]; mv != nil && c.o != nil {
			changes = append(changes, pl.moveChange(mv, act, expired, ok, d, c))
			continue
		}
		if !ok {
			continue
		}
		if changes == nil {
			// Most plans either add about what the size difference says
			// or change little; growth covers the rest.
			n := len(desired) - len(current)
			changes = make([]Change, 0, max(n, -n)+64)
		}
		changes = append(changes, pl.change(act, expired, d, c))
	}
	return changes
}

// withdraw is the change that withdraws c's waiting update or removal when
// the configuration declares again the access that exists, and a team's
// waiting settings when it declares the team without them.
func (pl *planner) withdraw(d, c entry) (Change, bool) {
	switch {
	case d.o == nil || pl.isExpired(d.o):
		return Change{}, false
	case c.o.Addr.Kind == model.KindTeam && c.o.PendingAction == string(Create):
		// A team whose settings wait to be checked (SettingsByHand),
		// now declared without them: nothing is left to check.
		if declaresSettings(d.o) || d.o.Platform != c.o.Platform {
			return Change{}, false
		}
	case c.o.PendingAction == string(Create) || differs(d.o, c.o):
		// A pending creation no longer declared is not withdrawn: the
		// person may have made it already, so its removal is a step
		// like any other.
		return Change{}, false
	}
	ch := pl.change(Update, false, d, c)
	if hasStatus(ch.Addr.Kind) {
		ch.After.Status = model.StatusActive
	}
	ch.SetReason(ReasonWithdrawn, "")
	ch.Risks = nil
	return ch, true
}

func (pl *planner) change(act Action, expired bool, d, c entry) Change {
	ch := Change{Action: act}
	switch act {
	case Create:
		ch.Addr = d.o.Addr
		if hasStatus(ch.Addr.Kind) && d.o.Status == "" {
			ch.After = pl.copyOf(d.o)
			ch.After.Status = model.StatusActive
		} else {
			// Nothing to fill in: the change points at the desired
			// object instead of copying it (a large plan is nearly all
			// creations, and copies would double its memory).
			ch.After = d.o
		}
		if pl.lapsed[d.key] {
			ch.SetReason(ReasonInvitationExpired, "")
		}
	case Update:
		ch.Addr = d.o.Addr
		ch.Before = c.o
		ch.After = pl.copyOf(d.o)
		ch.After.Status = c.o.Status
		if c.o.Status == model.StatusInvited {
			ch.SetReason(ReasonInvitationUpdated, "")
		}
		if d.o.RemoteID == "" {
			ch.After.RemoteID = c.o.RemoteID
		}
		if d.o.DefaultAccess == "" {
			// Not refreshed: the site keeps what was last read.
			ch.After.DefaultAccess = c.o.DefaultAccess
			ch.After.RoleAccess = slices.Clone(c.o.RoleAccess)
		}
		if ch.Addr.Kind == model.KindTeam && !teamSettingsDiffer(d.o, c.o) {
			// Only the connection came or went: the state records it.
			ch.SetReason(ReasonDisconnected, "")
			if d.o.Connected {
				ch.SetReason(ReasonConnected, "")
			}
			return ch
		}
	case Delete:
		ch.Addr = c.o.Addr
		ch.Before = c.o
		if expired {
			ch.SetReason(ReasonExpired, expiresText(d.o))
		}
		if pl.forgotten(c.o) {
			ch.SetReason(ReasonForgotten, "")
			return ch
		}
	}
	mask := pl.riskMask(&ch, expired)
	if pl.drifted != nil {
		key := c.key
		if key == "" {
			key = d.key
		}
		if prior, ok := pl.drifted[key]; ok {
			// Drift is the reason only when planning against the prior
			// would not have made this same change.
			if pact, _, pok := pl.decide(d.o, prior); !pok || pact != act {
				mask |= riskBit(RiskDrift)
			}
		}
	}
	if pl.in.PolicyWeakened {
		mask |= riskBit(RiskPolicyWeakened)
	}
	ch.Risks = pl.riskList(mask)
	return ch
}

// copyOf copies o into the slab, so that a large plan makes a few big
// allocations rather than one per change. Nothing mutable is shared with o.
func (pl *planner) copyOf(o *model.Object) *model.Object {
	if len(pl.slab) == cap(pl.slab) {
		pl.slab = make([]model.Object, 0, 1024)
	}
	pl.slab = append(pl.slab, *o)
	c := &pl.slab[len(pl.slab)-1]
	if o.Require2FA != nil {
		b := *o.Require2FA
		c.Require2FA = &b
	}
	if o.Members != nil {
		c.Members = slices.Clone(o.Members)
	}
	if o.Capabilities != nil {
		c.Capabilities = slices.Clone(o.Capabilities)
	}
	if o.RoleAccess != nil {
		c.RoleAccess = slices.Clone(o.RoleAccess)
	}
	return c
}

// differs compares the attributes of d and c as Attrs and AttrEqual would,
// without allocating, ignoring status (schema/sync.md: an invited or manual object
// satisfies an active one, and status changes are not drift) and a site's
// default_access (the platform's setting, never declared: a refresh
// records it, no change makes it). A remote_id that d leaves unset is
// satisfied by any remote_id of c. A team's Connected, no attribute, is
// compared: the state records a connection that came or went.
func differs(d, c *model.Object) bool {
	switch d.Addr.Kind {
	case model.KindTeam:
		return teamSettingsDiffer(d, c) || d.Connected != c.Connected
	case model.KindSite:
		return d.Environment != c.Environment || (d.RemoteID != "" && d.RemoteID != c.RemoteID)
	case model.KindMember:
		return d.Role != c.Role || d.Expires != c.Expires || d.Reason != c.Reason || d.Ticket != c.Ticket
	case model.KindGrant:
		return d.Role != c.Role || d.HolderKind != c.HolderKind || d.Expires != c.Expires ||
			d.Reason != c.Reason || d.Ticket != c.Ticket || !slices.Equal(d.Capabilities, c.Capabilities)
	case model.KindGroup:
		return !slices.Equal(d.Members, c.Members) || d.Expires != c.Expires ||
			d.Reason != c.Reason || d.Ticket != c.Ticket || (d.RemoteID != "" && d.RemoteID != c.RemoteID)
	}
	return false
}

// teamSettingsDiffer compares what a platform holds of a team: its
// attributes, not whether roster reaches it through an API.
func teamSettingsDiffer(d, c *model.Object) bool {
	return d.Platform != c.Platform || d.DisplayName != c.DisplayName ||
		!boolPtrEqual(d.Require2FA, c.Require2FA) || d.SSO != c.SSO
}

func boolPtrEqual(a, b *bool) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// platform is the team's platform: the desired team's, else the current's.
func (pl *planner) platform(team string) *model.Platform { return pl.platforms[team] }

// roleCaps is what role name of the given kind may do in team; an unknown
// platform or role may do nothing.
func (pl *planner) roleCaps(team string, kind model.RoleKind, name string) model.CapSet {
	if name == "" {
		return 0
	}
	p := pl.platform(team)
	if p == nil {
		return 0
	}
	if r, ok := p.Role(kind, name); ok {
		return r.Caps
	}
	return 0
}

// objectCaps is what a member's team role or a grant's site role may do.
func (pl *planner) objectCaps(o *model.Object) model.CapSet {
	if o == nil {
		return 0
	}
	switch o.Addr.Kind {
	case model.KindMember:
		return pl.roleCaps(o.Addr.Team, model.TeamRole, o.Role)
	case model.KindGrant:
		c := pl.roleCaps(o.Addr.Team, model.SiteRole, o.Role)
		if len(o.Capabilities) > 0 {
			if p := pl.platform(o.Addr.Team); p != nil {
				c |= p.GrantCapSet(o.Capabilities) // Matomo's explicit rights
			}
		}
		return c
	}
	return 0
}

// isExternal reports whether email's domain is outside the policy's
// internal domains (a subdomain of one is inside). Without internal domains
// nobody is external.
func (pl *planner) isExternal(email string) bool {
	if len(pl.internal) == 0 || email == "" {
		return false
	}
	domain := strings.ToLower(model.EmailDomain(email))
	for _, d := range pl.internal {
		if domain == d || (len(domain) > len(d) && strings.HasSuffix(domain, d) && domain[len(domain)-len(d)-1] == '.') {
			return false
		}
	}
	return true
}

func riskBit(r Risk) uint8 {
	for i, x := range RiskOrder {
		if x == r {
			return 1 << i
		}
	}
	return 0
}

var (
	bitEscalation = riskBit(RiskEscalation)
	bitExternal   = riskBit(RiskExternal)
	bitProduction = riskBit(RiskProduction)
	bitOwner      = riskBit(RiskOwner)
	bitRemoval    = riskBit(RiskRemoval)
	bitExpired    = riskBit(RiskExpired)
)

// riskMask tags a change of a membership or grant (other kinds carry no
// risk of their own; drift is added by the caller).
func (pl *planner) riskMask(ch *Change, expired bool) uint8 {
	a := ch.Addr
	if a.Kind != model.KindMember && a.Kind != model.KindGrant {
		return 0
	}
	var m uint8
	b, f := ch.Before, ch.After
	if ch.Action == Update && (b.Role != f.Role || !slices.Equal(b.Capabilities, f.Capabilities)) && model.Adds(pl.objectCaps(b), pl.objectCaps(f)) {
		m |= bitEscalation
	}
	if pl.isExternal(a.Email) {
		m |= bitExternal
	}
	if (a.Kind == model.KindGrant && pl.prodSite[a.SiteAddr()]) || (a.Kind == model.KindMember && pl.prodTeam[a.Team]) {
		m |= bitProduction
	}
	switch ch.Action {
	case Create:
		if f.Role == model.RoleOwner {
			m |= bitOwner
		}
	case Update:
		if b.Role != f.Role && (b.Role == model.RoleOwner || f.Role == model.RoleOwner) {
			m |= bitOwner
		}
	case Delete:
		if b.Role == model.RoleOwner {
			m |= bitOwner
		}
		m |= bitRemoval
		if expired {
			m |= bitExpired
		}
	}
	return m
}

// riskList turns a mask into its risks in RiskOrder. Lists are shared
// between changes with the same risks (capacity equals length, so an
// append copies); nil when there are none.
func (pl *planner) riskList(m uint8) []Risk {
	if m == 0 {
		return nil
	}
	if l := pl.risks[m]; l != nil {
		return l
	}
	var l []Risk
	for i, r := range RiskOrder {
		if m&(1<<i) != 0 {
			l = append(l, r)
		}
	}
	l = l[:len(l):len(l)]
	pl.risks[m] = l
	return l
}

// moveInfo is where a moved object was stored, and what moves with it.
type moveInfo struct {
	from    model.Address
	before  *model.Object   // as stored, at from
	carried []*model.Object // as stored, at their old addresses
}

// applyMoves re-keys the current objects under each move's From to its To
// (language.md "moved"), recording each moved object in pl.moved. A move
// whose From is not stored, or whose objects would land on stored ones,
// is ignored.
func (pl *planner) applyMoves(current []entry) []entry {
	moves := pl.moves()
	if len(moves) == 0 {
		return current
	}
	pl.moved = map[string]*moveInfo{}
	// stored is the stored object behind each re-keyed entry, carrier the
	// move that carries it, by the entry's current address: a later move
	// of what an earlier one carried takes it over.
	stored := map[string]*model.Object{}
	carrier := map[string]*moveInfo{}
	changed, resort, dropped := false, false, false
	// at indexes current by address, and people the team and email of
	// every person's grant, so that a move whose from is not stored (a
	// moved block kept after its apply) costs no scan. Both are rebuilt
	// after a move is made.
	var at map[string]int
	var people map[[2]string]bool
	index := func() {
		at = make(map[string]int, len(current))
		people = map[[2]string]bool{}
		for i, e := range current {
			at[e.key] = i
			if e.o.Addr.Kind == model.KindGrant && e.o.Addr.Email != "" {
				people[[2]string{e.o.Addr.Team, e.o.Addr.Email}] = true
			}
		}
	}
	index()
	var made []model.Move // the moves made so far, in order
	for _, mv := range moves {
		if changed {
			index()
			changed = false
		}
		// An earlier move may have carried this one's object already (a
		// team relabel and an email change in one plan): it is found
		// where that move put it, and this move takes it on from there.
		for _, e := range made {
			if na, ok := model.Rekey(mv.From, e.From, e.To); ok {
				mv.From = na
			}
			if na, ok := model.Rekey(mv.To, e.From, e.To); ok {
				mv.To = na // a pending move's, stored before a relabel
			}
		}
		if _, ok := at[mv.From.String()]; !ok && (!mv.Guest || !people[[2]string{mv.From.Team, mv.From.Email}]) {
			continue
		}
		var hits []int
		clash := false
		for i, e := range current {
			if mv.Guest && (e.o.Addr.Kind != model.KindGrant || e.o.HolderKind != model.HolderGuest) {
				continue
			}
			na, ok := model.Rekey(e.o.Addr, mv.From, mv.To)
			if !ok {
				continue
			}
			if _, taken := at[na.String()]; taken {
				if (mv.From.Kind == model.KindTeam || mv.From.Kind == model.KindSite) && isAccessKind(na.Kind) && pl.in.LiveTeams[na.Team] {
					// A connected team's or site's relabel: what the
					// refresh read under the new name is current; the
					// stored object only moves in the state.
					hits = append(hits, i)
					continue
				}
				clash = true
				break
			}
			hits = append(hits, i)
		}
		_, isStored := at[mv.From.String()]
		if clash || len(hits) == 0 || (!mv.Guest && !isStored) {
			continue
		}
		// The primary first, so that what it carries can be listed.
		slices.SortStableFunc(hits, func(a, b int) int {
			pa, pb := current[a].o.Addr == mv.From, current[b].o.Addr == mv.From
			switch {
			case pa && !pb:
				return -1
			case pb && !pa:
				return 1
			}
			return 0
		})
		var primary *moveInfo
		for _, i := range hits {
			old := current[i]
			na, _ := model.Rekey(old.o.Addr, mv.From, mv.To)
			key := na.String()
			orig, before := stored[old.key], true
			if orig == nil {
				orig, before = old.o, false
			}
			if mv.Guest || old.o.Addr == mv.From {
				if c := carrier[old.key]; c != nil {
					// Carried by an earlier move, moved on its own now:
					// this move takes it from where it is stored.
					c.carried = slices.DeleteFunc(c.carried, func(o *model.Object) bool { return o == orig })
					delete(carrier, old.key)
				}
				delete(pl.moved, old.key)
				info := &moveInfo{from: orig.Addr, before: orig}
				pl.moved[key] = info
				if !mv.Guest {
					primary = info
				}
			} else if before {
				// Moved by an earlier move, whose change takes it to its
				// new address by model.Rekey: that one stays in charge,
				// unless what it carried moves with this one's object (a
				// person's grants in a relabelled team), which takes it
				// on to its final address.
				if info := pl.moved[old.key]; info != nil {
					delete(pl.moved, old.key)
					pl.moved[key] = info
				}
				if c := carrier[old.key]; c != nil {
					delete(carrier, old.key)
					if primary != nil && primary != c {
						c.carried = slices.DeleteFunc(c.carried, func(o *model.Object) bool { return o == orig })
						primary.carried = append(primary.carried, orig)
						c = primary
					}
					carrier[key] = c
				}
			} else if primary != nil {
				primary.carried = append(primary.carried, orig)
				carrier[key] = primary
			}
			delete(stored, old.key)
			if j, live := at[key]; live {
				current[i] = entry{} // dropped below: the live entry stands
				dropped = true
				if old.o.PendingAction == string(Move) {
					// Unless a person's move waits on it: the old
					// email live is that person (sync.md, Renames).
					cp := *old.o
					cp.Addr = na
					current[j] = entry{key, &cp}
					stored[key] = orig
				}
				continue
			}
			stored[key] = orig
			cp := *old.o
			cp.Addr = na
			current[i] = entry{key, &cp}
		}
		if dropped {
			current = slices.DeleteFunc(current, func(e entry) bool { return e.o == nil })
			dropped = false
		}
		changed, resort = true, true
		made = append(made, mv)
	}
	if resort {
		sort.SliceStable(current, func(i, j int) bool { return current[i].key < current[j].key })
	}
	return current
}

// moves are the configuration's moves, then a move for each person's move
// the state keeps waiting for its manual step (sync.md, Renames): until
// roster confirm (or, on a connected team, the refresh) records it, the
// old address is stored with the new one pending, and the plan sees the
// declared new address as that same object even once the moved block is
// gone.
func (pl *planner) moves() []model.Move {
	out := pl.in.Moves
	var from map[model.Address]bool
	for _, o := range pl.in.Prior {
		if o.PendingAction != string(Move) || o.Pending == nil || o.Pending.Addr == o.Addr {
			continue
		}
		if from == nil {
			from = make(map[model.Address]bool, len(pl.in.Moves))
			for _, mv := range pl.in.Moves {
				from[mv.From] = true
			}
			out = slices.Clip(out)
		}
		if !from[o.Addr] {
			out = append(out, model.Move{From: o.Addr, To: o.Pending.Addr})
		}
	}
	return out
}

// moveChange is the one change of a moved object: Before as stored at its
// old address, After as declared (with the stored status and platform
// ids), and the risks of the attribute changes beside the move only.
func (pl *planner) moveChange(mv *moveInfo, act Action, expired, ok bool, d, c entry) Change {
	if d.o == nil || act == Delete {
		// No longer declared (expired): removed where it is stored.
		ch := pl.change(Delete, expired, d, entry{mv.from.String(), mv.before})
		return ch
	}
	ch := Change{Action: Move}
	if ok && act == Update {
		ch = pl.change(Update, false, d, c)
		if !differs(d.o, c.o) {
			ch.Risks, ch.Why = nil, ""
		}
	} else {
		ch.Addr = d.o.Addr
		ch.After = pl.copyOf(d.o)
		ch.After.Status = c.o.Status
		if d.o.RemoteID == "" {
			ch.After.RemoteID = c.o.RemoteID
		}
		if d.o.DefaultAccess == "" {
			ch.After.DefaultAccess = c.o.DefaultAccess
		}
	}
	if ch.Addr.Kind == model.KindTeam {
		ch.After.Connected = d.o.Connected
	}
	ch.Action = Move
	ch.Moving = &Moving{From: mv.from, Carried: mv.carried}
	ch.Before = mv.before
	return ch
}

// relabelled reports whether live object o of a connected team is the
// same as one stored under the team's or its site's old name (a relabel,
// language.md "moved"): not drift, the move carries it.
func (pl *planner) relabelled(o *model.Object) bool {
	for _, mv := range pl.teamMoves {
		back, ok := model.Rekey(o.Addr, mv.To, mv.From)
		if !ok {
			continue
		}
		if p := pl.priorByKey[back.String()]; p != nil && p.Addr.Team == mv.From.Team {
			cp := *p
			cp.Addr = o.Addr
			return !differs(&cp, o)
		}
	}
	return false
}
