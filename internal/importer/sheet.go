package importer

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/agext/levenshtein"
	"github.com/roster-dev/roster/internal/config"
	"github.com/roster-dev/roster/internal/model"
)

// Columns are the columns a sheet may have (schema/sync.md "import"): email, site
// and role are required, the rest optional, in any order, headers compared
// without regard to case.
var Columns = []string{"email", "site", "role", "expires", "ticket", "reason"}

var requiredColumns = []string{"email", "site", "role"}

// SheetInput is what FromCSV checks a sheet against.
type SheetInput struct {
	Team     string
	Platform *model.Platform
	// Connected is whether the team has a connection block (a connected
	// PostHog team cannot grant "viewer").
	Connected bool
	// Declared is the configuration's objects; only Team's are read.
	Declared []*model.Object
	// Now is the moment expiries are checked against (--now); zero: not
	// checked.
	Now time.Time
	// Moves are the configuration's moved blocks (moves.go): a row under
	// an old email or site label is the access declared under the new.
	Moves []model.Move
}

// row is one checked row of a sheet.
type row struct {
	line    int
	email   string
	site    string
	role    string
	expires string // as written, normalised: a date, or RFC 3339 in UTC
	expNorm string // RFC 3339 in UTC
	expAt   time.Time
	ticket  string
	reason  string
}

// FromCSV reads a sheet of access (one row per person and site, site empty
// for a team-wide role) and decides what to declare, as FromLive does for
// live access. Every row that does not fit is reported, all at once, with
// its line; then the Result is nil. Notes say what was read but not used
// (an unknown column). People the configuration declares already are not
// declared again: their rows that differ are listed as drift.
func FromCSV(data []byte, in SheetInput) (res *Result, notes []string, errs []*SheetError) {
	recs, err := readCSV(data)
	if err != nil {
		se, ok := err.(*SheetError)
		if !ok {
			se = &SheetError{Line: 1, Msg: err.Error()}
		}
		return nil, nil, []*SheetError{se}
	}
	if len(recs) == 0 {
		return nil, nil, []*SheetError{{Line: 1, Msg: "the sheet is empty; its first row names the columns: " + strings.Join(Columns, ", ")}}
	}
	cols, notes, errs := header(recs[0])
	if len(errs) > 0 {
		return nil, notes, errs
	}
	sites := map[string]bool{}
	var siteNames []string
	for _, o := range in.Declared {
		if o.Addr.Team == in.Team && o.Addr.Kind == model.KindSite {
			sites[o.Addr.Site] = true
			siteNames = append(siteNames, o.Addr.Site)
		}
	}
	sort.Strings(siteNames)
	for _, mv := range in.Moves {
		if mv.From.Kind == model.KindSite && mv.From.Team == in.Team {
			sites[mv.From.Site] = true // the site's old label, moved below
		}
	}

	delim := delimiter(data)
	rows := make([]row, 0, len(recs)-1)
	seen := map[string]int{}
	for _, rec := range recs[1:] {
		r, rowErrs := checkRow(rec, cols, len(recs[0].Fields), delim, in, sites, siteNames)
		errs = append(errs, rowErrs...)
		if r == nil {
			continue
		}
		key := r.email + "\x00" + r.site
		if prev, dup := seen[key]; dup {
			if r.site == "" {
				errs = append(errs, &SheetError{Line: r.line, Msg: fmt.Sprintf("%s has a team role on line %d already; one team-wide row per person", r.email, prev)})
			} else {
				errs = append(errs, &SheetError{Line: r.line, Msg: fmt.Sprintf("%s on site %q is on line %d already; one row per person and site", r.email, r.site, prev)})
			}
			continue
		}
		seen[key] = r.line
		rows = append(rows, *r)
	}

	// People: their rows in sheet order.
	byPerson := map[string][]int{}
	var order []string
	for i, r := range rows {
		if _, ok := byPerson[r.email]; !ok {
			order = append(order, r.email)
		}
		byPerson[r.email] = append(byPerson[r.email], i)
	}
	res = &Result{Team: in.Team}
	d := indexDeclared(in.Team, in.Declared)
	for _, email := range order {
		person, found, personErrs := sheetPerson(rows, byPerson[email], in)
		errs = append(errs, personErrs...)
		if len(personErrs) > 0 {
			continue
		}
		if len(in.Moves) > 0 {
			var moved []Found
			email, moved = found.move(in.Team, in.Moves, person)
			res.Moved = append(res.Moved, moved...)
		}
		if _, declared := d.people[email]; declared {
			res.Drift = append(res.Drift, d.driftOf(found, sameRow)...)
			continue
		}
		res.People = append(res.People, *person)
	}
	if len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
		return nil, notes, errs
	}
	res.sort()
	return res, notes, nil
}

// sameRow compares everything a sheet says of an access.
func sameRow(a, b *model.Object) bool {
	return a.Role == b.Role && a.HolderKind == b.HolderKind && a.Expires == b.Expires && a.Reason == b.Reason && a.Ticket == b.Ticket
}

// header reads the header row: the index of each known column.
func header(rec record) (map[string]int, []string, []*SheetError) {
	cols := map[string]int{}
	var notes []string
	var errs []*SheetError
	for i, h := range rec.Fields {
		name := strings.ToLower(strings.TrimSpace(h))
		if name == "" {
			continue
		}
		if known(name) {
			if _, dup := cols[name]; dup {
				errs = append(errs, &SheetError{Line: rec.Line, Msg: fmt.Sprintf("the column %q appears twice", name)})
				continue
			}
			cols[name] = i
			continue
		}
		if like := lookalike(name); like != "" {
			errs = append(errs, &SheetError{Line: rec.Line, Msg: fmt.Sprintf("the column %q is not one roster reads; did you mean %q? The columns are %s", h, like, strings.Join(Columns, ", "))})
			continue
		}
		notes = append(notes, fmt.Sprintf("the column %q is not one roster reads (%s); it is ignored", h, strings.Join(Columns, ", ")))
	}
	var missing []string
	for _, c := range requiredColumns {
		if _, ok := cols[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		errs = append(errs, &SheetError{Line: rec.Line, Msg: fmt.Sprintf("the header row has no %s column; the first row names the columns: %s (site empty for a team-wide role)", strings.Join(missing, ", "), strings.Join(Columns, ", "))})
	}
	return cols, notes, errs
}

func known(name string) bool {
	for _, c := range Columns {
		if c == name {
			return true
		}
	}
	return false
}

// lookalike is the known column an unknown header most likely means
// (a typo, a plural, a suffix), or "".
func lookalike(name string) string {
	aliases := map[string]string{"expiry": "expires", "expiration": "expires", "expires_at": "expires", "valid_until": "expires",
		"mail": "email", "e-mail": "email", "user": "email", "sites": "site", "app": "site", "project": "site", "permission": "role"}
	if a, ok := aliases[name]; ok {
		return a
	}
	for _, c := range Columns {
		if len(name) <= 64 && levenshtein.Distance(name, c, nil) <= 2 || strings.HasPrefix(name, c) {
			return c
		}
	}
	return ""
}

// checkRow checks one row; r is nil when it cannot be used.
func checkRow(rec record, cols map[string]int, headerLen int, delim byte, in SheetInput, sites map[string]bool, siteNames []string) (*row, []*SheetError) {
	var errs []*SheetError
	bad := func(format string, args ...any) {
		errs = append(errs, &SheetError{Line: rec.Line, Msg: fmt.Sprintf(format, args...)})
	}
	get := func(c string) string {
		i, ok := cols[c]
		if !ok || i >= len(rec.Fields) {
			return ""
		}
		return rec.Fields[i]
	}
	for i := headerLen; i < len(rec.Fields); i++ {
		if rec.Fields[i] != "" {
			bad("the row has %d values but the header names %d columns; a value that holds a %q must be in quotes", len(rec.Fields), headerLen, string(delim))
			break
		}
	}
	r := &row{line: rec.Line, site: get("site"), ticket: oneLine(get("ticket")), reason: oneLine(get("reason"))}
	p := in.Platform

	raw := get("email")
	if raw == "" {
		bad("the email is empty")
	} else if e, err := model.ParseEmail(raw); err != nil {
		bad("%v", err)
	} else {
		r.email = e
	}

	roleText := get("role")
	if r.site != "" {
		if !sites[r.site] {
			msg := fmt.Sprintf("site %q is not a site of team %s", r.site, in.Team)
			if s := foldMatch(siteNames, r.site); s != "" {
				msg += fmt.Sprintf("; did you mean %q? Site names are compared exactly", s)
			} else if len(siteNames) == 0 {
				msg += "; the team declares no site yet: declare its sites with site blocks first"
			} else {
				msg += "; its sites are " + listSome(siteNames) + " (declare a new one with a site block first)"
			}
			bad("%s", msg)
		}
		if roleText == "" {
			bad("the role is empty; give a site role of platform %q: %s", p.Name, model.QuoteList(p.RoleNames(model.SiteRole, true)))
		} else if role, ok := matchRole(p.SiteRoles, roleText); ok {
			rl, _ := p.SiteRole(role)
			switch {
			case !rl.Grantable():
				bad("role %q of platform %q has no capabilities on a site and cannot be granted; leave the row out", role, p.Name)
			case in.Connected && p.Builtin && p.Name == "posthog" && role == "viewer":
				bad("PostHog's API has no project-level \"viewer\" role, so a connected posthog team cannot grant it; use \"member\" or \"admin\"")
			default:
				r.role = role
			}
		} else if tr, isTeam := matchRole(p.TeamRoles, roleText); isTeam {
			bad("role %q is a team role of platform %q, not a site role; leave the site empty for a team-wide role, or give a site role: %s", tr, p.Name, model.QuoteList(p.RoleNames(model.SiteRole, true)))
		} else {
			bad("role %q is not a site role of platform %q; its site roles are %s", roleText, p.Name, model.QuoteList(p.RoleNames(model.SiteRole, true)))
		}
	} else {
		switch {
		case len(p.TeamRoles) == 0:
			bad("the site is empty, and platform %q has no team-wide roles; give the site this role is for", p.Name)
		case roleText == "":
			bad("the role is empty; give a team role of platform %q (%s), or a site and a site role", p.Name, model.QuoteList(p.RoleNames(model.TeamRole, false)))
		default:
			if role, ok := matchRole(p.TeamRoles, roleText); ok {
				r.role = role
			} else if sr, isSite := matchRole(p.SiteRoles, roleText); isSite {
				bad("role %q is a site role of platform %q; give the site it is for, or a team role (%s) for team-wide access", sr, p.Name, model.QuoteList(p.RoleNames(model.TeamRole, false)))
			} else {
				bad("role %q is not a team role of platform %q; its team roles are %s", roleText, p.Name, model.QuoteList(p.RoleNames(model.TeamRole, false)))
			}
		}
	}

	if exp := get("expires"); exp != "" {
		at, norm, text, err := config.ParseExpiry(exp)
		switch {
		case err != nil:
			bad("expires %q is not a date (YYYY-MM-DD, meaning the end of that day in UTC) or an RFC 3339 time such as 2026-06-01T12:00:00Z", exp)
		case !in.Now.IsZero() && in.Now.After(at):
			bad("expires %s is already past (now is %s), so the access would be removed at once; leave the row out, or give a later date", text, in.Now.UTC().Format(time.RFC3339))
		default:
			r.expires, r.expNorm, r.expAt = text, norm, at
		}
	}
	for _, t := range []struct{ name, v string }{{"ticket", r.ticket}, {"reason", r.reason}} {
		if err := config.CheckText(t.name, t.v); err != nil {
			bad("%v", err)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return r, nil
}

// oneLine turns the line breaks and tabs of a cell (Alt+Enter in a
// spreadsheet) into single spaces: a reason or ticket is one line.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n\t") {
		return s
	}
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\r' || r == '\n' || r == '\t' }), " ")
}

// matchRole finds a role by name: exactly, else without regard to case
// and with '-' and ' ' read as '_' (Piwik PRO's "edit-publish").
func matchRole(roles []*model.Role, name string) (string, bool) {
	for _, r := range roles {
		if r.Name == name {
			return r.Name, true
		}
	}
	fold := func(s string) string {
		return strings.NewReplacer("-", "_", " ", "_").Replace(strings.ToLower(strings.TrimSpace(s)))
	}
	f := fold(name)
	for _, r := range roles {
		if fold(r.Name) == f {
			return r.Name, true
		}
	}
	return "", false
}

// foldMatch is the name among names equal to s without regard to case.
func foldMatch(names []string, s string) string {
	for _, n := range names {
		if strings.EqualFold(n, s) {
			return n
		}
	}
	return ""
}

// listSome quotes at most ten names.
func listSome(names []string) string {
	if len(names) > 10 {
		return model.QuoteList(names[:10]) + fmt.Sprintf(" and %d more", len(names)-10)
	}
	return model.QuoteList(names)
}

// sheetPerson builds one person from their rows: a member when a row gives
// a team role (with grants where the platform allows member grants), else
// a guest. found is what the rows amount to, as objects, for comparing
// with an existing declaration.
func sheetPerson(rows []row, idx []int, in SheetInput) (*Person, *holding, []*SheetError) {
	p := in.Platform
	var team *row
	var siteRows []*row
	for _, i := range idx {
		if rows[i].site == "" {
			team = &rows[i]
		} else {
			siteRows = append(siteRows, &rows[i])
		}
	}
	var errs []*SheetError
	email := rows[idx[0]].email
	switch {
	case team != nil && len(siteRows) > 0 && !p.MemberGrants:
		for _, s := range siteRows {
			errs = append(errs, &SheetError{Line: s.line, Msg: fmt.Sprintf("%s has a team role on line %d, and members of a %q team hold no grants (the team role covers every site); leave out this row or the team role's", email, team.line, p.Name)})
		}
	case team == nil && !p.Guests:
		for _, s := range siteRows {
			errs = append(errs, &SheetError{Line: s.line, Msg: fmt.Sprintf("%s has site roles only, and platform %q has no guests; add a row with a team role (site empty) for them", email, p.Name)})
		}
	}
	if team != nil && team.expNorm != "" {
		for _, s := range siteRows {
			if s.expNorm != "" && s.expAt.After(team.expAt) {
				errs = append(errs, &SheetError{Line: s.line, Msg: fmt.Sprintf("expires %s is later than %s's team role expires (%s, line %d); a grant cannot outlive the membership", s.expires, email, team.expires, team.line)})
			}
		}
	}
	if len(errs) > 0 {
		return nil, nil, errs
	}
	person := &Person{Email: email, Kind: model.HolderGuest}
	found := &holding{}
	kind := model.HolderGuest
	var exp, expNorm, reason, ticket string
	if team != nil {
		kind = model.HolderMember
		person.Kind, person.Role = model.HolderMember, team.role
		person.Expires, person.Reason, person.Ticket = team.expires, team.reason, team.ticket
		exp, expNorm, reason, ticket = team.expires, team.expNorm, team.reason, team.ticket
		found.main = &model.Object{Addr: model.MemberAddress(in.Team, email), Role: team.role, Expires: team.expNorm, Reason: team.reason, Ticket: team.ticket}
	} else if len(siteRows) > 0 {
		// A guest block carries what all its grants share.
		exp, expNorm, reason, ticket = siteRows[0].expires, siteRows[0].expNorm, siteRows[0].reason, siteRows[0].ticket
		for _, s := range siteRows[1:] {
			if s.expNorm != expNorm {
				exp, expNorm = "", ""
			}
			if s.reason != reason {
				reason = ""
			}
			if s.ticket != ticket {
				ticket = ""
			}
		}
		person.Expires, person.Reason, person.Ticket = exp, reason, ticket
	}
	for _, s := range siteRows {
		g := Grant{Site: s.site, Role: s.role, Expires: s.expires, Reason: s.reason, Ticket: s.ticket}
		// What the grant amounts to: a value it leaves out comes from
		// its holder.
		o := &model.Object{Addr: model.PersonGrantAddress(in.Team, s.site, email), Role: s.role, HolderKind: kind,
			Expires: s.expNorm, Reason: s.reason, Ticket: s.ticket}
		if o.Expires == "" {
			o.Expires, g.Expires = expNorm, exp
		}
		if o.Reason == "" {
			o.Reason, g.Reason = reason, reason
		}
		if o.Ticket == "" {
			o.Ticket, g.Ticket = ticket, ticket
		}
		person.Grants = append(person.Grants, g)
		found.grants = append(found.grants, o)
	}
	return person, found, nil
}
