package config

import (
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/roster-dev/roster/internal/model"
)

// teamDecl is what later blocks need to know about a declared team.
type teamDecl struct {
	name      string
	platform  *model.Platform // nil when the platform is unknown
	connected bool
	rng       hcl.Range
	sites     map[string]hcl.Range   // site name → declaration
	people    map[string]*personDecl // normalised email → declaration
	groups    map[string]hcl.Range   // group name → declaration
}

// personDecl records a member or guest of a team.
type personDecl struct {
	kind model.HolderKind
	rng  hcl.Range
}

func (l *loader) decodeTeam(b *hcl.Block) {
	var s slots
	blocks := l.content(b.Body, teamSchema, b.DefRange, &s)
	name := b.Labels[0]
	nameOK := true
	if err := model.CheckTeamName(name); err != nil {
		l.errorf(b.LabelRanges[0], "Invalid team name", "%s.", sentence(err))
		nameOK = false
	}
	if prev, dup := l.teams[name]; dup {
		l.errorf(b.LabelRanges[0], "Duplicate team", "Team %q is already declared at %s; team names are unique.", name, at(prev.rng))
		return
	}
	t := &teamDecl{
		name:   name,
		rng:    b.DefRange,
		sites:  map[string]hcl.Range{},
		people: map[string]*personDecl{},
		groups: map[string]hcl.Range{},
	}
	l.teams[name] = t
	def := l.spans.Span(b.DefRange)
	obj := &model.Object{Addr: model.TeamAddress(name), Decl: &model.Decl{Range: def, RoleRange: def, ExpiresRange: def}}

	if pname, ok := l.str(s[aPlatform], l.ctx, "platform", true); ok {
		obj.Platform = pname
		if p := l.platforms[pname]; p != nil {
			t.platform = p
		} else {
			l.errorf(s[aPlatform].Range(), "Unknown platform",
				"platform = %q names no built-in or declared platform; the known platforms are %s.", pname, model.QuoteList(slices.Sorted(maps.Keys(l.platforms))))
		}
	}
	p := t.platform
	obj.DisplayName, _ = l.text(s[aDisplayName], l.ctx, "display_name")
	if v, ok := l.boolean(s[aRequire2FA], l.ctx, "require_2fa"); ok {
		if p != nil && !p.TwoFactor {
			l.errorf(s[aRequire2FA].Range(), "Two-factor enforcement not supported",
				"Platform %q has no two-factor enforcement to manage (two_factor = false in its profile); remove require_2fa.", p.Name)
		} else {
			obj.Require2FA = &v
		}
	}
	if v, ok := l.str(s[aSSO], l.ctx, "sso", false); ok {
		switch {
		case p != nil && len(p.SSOModes) == 0:
			l.errorf(s[aSSO].Range(), "SSO not supported",
				"Platform %q has no sso modes (sso_modes = [] in its profile); remove sso.", p.Name)
		case p != nil && !p.HasSSOMode(v):
			l.errorf(s[aSSO].Range(), "Invalid sso",
				"sso = %q is not a mode of platform %q; the allowed values are %s.", v, p.Name, model.QuoteList(p.SSOModes))
		default:
			obj.SSO = v
		}
	}
	for i, cb := range blocks {
		if i > 0 {
			l.errorf(cb.DefRange, "Duplicate connection block",
				"Team %q already has a connection block at %s; a team has at most one.", name, at(blocks[0].DefRange))
			continue
		}
		obj.Decl.Connection = l.decodeConnection(t, cb)
		obj.Connected = obj.Decl.Connection != nil
		t.connected = true
	}
	if nameOK {
		l.objects = append(l.objects, obj)
	}
}

var envNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (l *loader) decodeConnection(t *teamDecl, b *hcl.Block) *model.Connection {
	var s slots
	l.content(b.Body, connectionSchema, b.DefRange, &s)
	c := &model.Connection{Range: b.DefRange}
	p := t.platform
	if p != nil && !p.Builtin {
		l.errorf(b.DefRange, "Connection not supported",
			"Team %q uses the declared platform %q, for which roster has no API driver; only the built-in platforms %s can connect. Remove the connection block to manage this team offline.",
			t.name, p.Name, model.QuoteList(BuiltinNames()))
	}
	if ep, ok := l.str(s[aEndpoint], l.ctx, "endpoint", true); ok {
		c.Endpoint = ep
		l.checkEndpoint(ep, s[aEndpoint].Range())
	}
	c.AccountID, _ = l.str(s[aAccountID], l.ctx, "account_id", false)
	if env, ok := l.str(s[aTokenEnv], l.ctx, "token_env", false); ok {
		if !envNamePattern.MatchString(env) {
			l.errorf(s[aTokenEnv].Range(), "Invalid token_env",
				"token_env = %q is not an environment variable name (letters, digits and '_', not starting with a digit).", env)
		}
		c.TokenEnv = env
	} else {
		c.TokenEnv = model.TokenEnv(t.name)
		l.checkSharedEnv(t.name, c.TokenEnv, b.DefRange)
	}
	if n, ok := l.whole(s[aRequestsPerHour], l.ctx, "requests_per_hour", 1); ok {
		c.RequestsPerHour = n
	}
	if p != nil && p.Builtin && p.Name == "posthog" && c.AccountID == "" && s[aAccountID] == nil {
		l.errorf(b.DefRange, "Missing account_id",
			"A connected posthog team needs account_id, the id of its PostHog organization.")
	}
	if p != nil && p.Builtin && p.Name == "ga4" {
		l.checkGA4Account(b, c, s)
	}
	if p != nil && p.Builtin && p.Name == "matomo" && c.AccountID == "" && s[aAccountID] == nil {
		l.errorf(b.DefRange, "Missing account_id",
			"A connected matomo team needs account_id, the login of the superuser whose token_auth roster uses.")
	}
	return c
}

// checkGA4Account: a connected ga4 team names its Google Analytics
// account by its numeric id (ga4.md, mapping: team = accounts/{accountId}).
func (l *loader) checkGA4Account(b *hcl.Block, c *model.Connection, s slots) {
	switch {
	case c.AccountID == "" && s[aAccountID] == nil:
		l.errorf(b.DefRange, "Missing account_id",
			"A connected ga4 team needs account_id, the numeric id of its Google Analytics account (Admin > Account settings > Account ID).")
	case c.AccountID != "" && strings.Trim(c.AccountID, "0123456789") != "":
		l.errorf(s[aAccountID].Range(), "Invalid account_id",
			"account_id = %q is not a Google Analytics account id; write the account's number only (Admin > Account settings > Account ID), without \"accounts/\".", c.AccountID)
	}
}

// checkSharedEnv refuses a second team whose credential variable, taken
// from its name, is another team's: "a-b" and "a_b" both read
// $ROSTER_TOKEN_A_B, so one team's token would go to the other's
// platform.
func (l *loader) checkSharedEnv(team, env string, rng hcl.Range) {
	if l.defaultEnv == nil {
		l.defaultEnv = map[string]string{}
	}
	other, ok := l.defaultEnv[env]
	if !ok {
		l.defaultEnv[env] = team
		return
	}
	l.errorf(rng, "Shared credential variable",
		"Teams %q and %q both read their API credential from $%s (and an endpoint override from $%s): the names come from the team names, upper-cased with '-' as '_', so one team's token would be sent to the other's platform. Rename one of the teams, or set token_env in this connection block.",
		other, team, env, model.EndpointEnv(team))
}

// checkEndpoint: https://, or http:// to a loopback address only.
func (l *loader) checkEndpoint(ep string, rng hcl.Range) {
	u, err := url.Parse(ep)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		l.errorf(rng, "Invalid endpoint",
			"endpoint = %q is not an https:// URL; write the API's base URL, such as \"https://eu.posthog.com\".", ep)
		return
	}
	if u.Scheme == "http" {
		if !model.LoopbackHost(u.Hostname()) {
			l.errorf(rng, "Insecure endpoint",
				"endpoint = %q uses http://, which would send the token unencrypted; use https://. Only loopback addresses (127.0.0.1, [::1], localhost) may use http://.", ep)
		}
	}
}

func (l *loader) decodeSite(b *hcl.Block) {
	var s slots
	l.content(b.Body, siteSchema, b.DefRange, &s)
	if s[aForEach] == nil {
		if s[aName] != nil {
			l.errorf(s[aName].Range(), "Name not allowed without for_each",
				"name is only allowed with for_each; without for_each the label %q is the site's name.", b.Labels[0])
		}
		l.site(b, &s, l.ctx, false)
		return
	}
	if s[aName] == nil {
		l.errorf(b.DefRange, "Missing name",
			"A site with for_each takes its name from name (for example name = each.key); the label %q only names the repetition.", b.Labels[0])
		return
	}
	reps, ok := l.forEach(s[aForEach])
	if !ok {
		return
	}
	for _, r := range reps {
		l.site(b, &s, r.ctx, true)
	}
}

func (l *loader) site(b *hcl.Block, s *slots, ctx *hcl.EvalContext, repeated bool) {
	name, nameRng, dupRng := b.Labels[0], b.LabelRanges[0], b.LabelRanges[0]
	if repeated {
		var ok bool
		if name, ok = l.str(s[aName], ctx, "name", true); !ok {
			return
		}
		nameRng, dupRng = s[aName].Range(), b.DefRange
	}
	nameOK := true
	if err := model.CheckSiteName(name); err != nil {
		l.errorf(nameRng, "Invalid site name", "%s; a site name is not empty and holds no '/', whitespace or control characters.", sentence(err))
		nameOK = false
	}
	t := l.lookupTeam(s[aTeam], ctx)
	def := l.spans.Span(b.DefRange)
	obj := &model.Object{Decl: &model.Decl{Range: def, RoleRange: def, ExpiresRange: def}}
	obj.Environment, _ = l.text(s[aEnvironment], ctx, "environment")
	obj.RemoteID, _ = l.str(s[aRemoteID], ctx, "remote_id", false)
	if t == nil || !nameOK {
		return
	}
	if prev, dup := t.sites[name]; dup {
		l.errorf(dupRng, "Duplicate site",
			"Team %q already has a site %q, declared at %s; site names are unique within a team.", t.name, name, at(prev))
		return
	}
	t.sites[name] = b.DefRange
	obj.Addr = model.SiteAddress(t.name, name)
	l.objects = append(l.objects, obj)
}

// lookupTeam evaluates a team attribute and finds the declared team,
// reporting a name that no team block declares.
func (l *loader) lookupTeam(e hcl.Expression, ctx *hcl.EvalContext) *teamDecl {
	name, ok := l.str(e, ctx, "team", true)
	if !ok {
		return nil
	}
	t := l.teams[name]
	if t == nil {
		l.errorf(e.Range(), "Unknown team",
			"team = %q names no declared team; the declared teams are %s.", name, listNames(slices.Sorted(maps.Keys(l.teams))))
	}
	return t
}
