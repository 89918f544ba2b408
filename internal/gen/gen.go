package gen

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/roster-dev/roster/internal/config"
)

// Version names the shape of the output: it changes whenever Generate or
// Evidence make other bytes for the same options.
const Version = "gen-1"

// DefaultNow is the moment generated expiries are relative to when
// Options.Now is zero: every expiry lies after it and at most 365 days
// later. Plan generated configurations with `--now 2026-12-01`.
var DefaultNow = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// The built-in platforms, in the order teams take them.
var platformOrder = []string{"plausible", "piwikpro", "posthog"}

// Options say what to generate. Only Grants is required.
type Options struct {
	// Grants is the number of grants declared in all: guests', members'
	// and groups' together. It must be at least 1.
	Grants int
	// Seed picks the names, roles and expiries; the same seed gives the
	// same bytes.
	Seed uint64
	// Now is the moment expiries are relative to (zero: DefaultNow).
	Now time.Time
	// GrantsPerTeam sizes the teams: there are Grants/GrantsPerTeam teams,
	// at least three, so that every platform appears (0: 1,000).
	GrantsPerTeam int
	// SitesPerTeam is the number of sites of each team (0: 20).
	SitesPerTeam int
	// GrantsPerGuest is the number of grants of each guest, the last
	// guest of a team taking what is left (0: 10). At most SitesPerTeam.
	GrantsPerGuest int
	// OneFile puts the whole configuration into one file, main.hcl, the
	// teams' blocks after the policy in the order their files would
	// have; otherwise each team has a file of its own. The parser and
	// the loader behave differently on one big file (one token array,
	// one syntax tree) than on many small ones, so the benchmarks
	// measure both.
	OneFile bool
}

// File is one generated configuration file.
type File struct {
	Name string
	Data []byte
}

// Stats count what a generated configuration declares.
type Stats struct {
	Teams   int
	Sites   int
	Members int // memberships, for_each repetitions included
	Guests  int // guest blocks: one person on one team
	Groups  int
	// Grants is GuestGrants + MemberGrants + GroupGrants, and equals
	// Options.Grants.
	Grants       int
	GuestGrants  int
	MemberGrants int
	GroupGrants  int
	// Objects is what the configuration loads into: teams, sites,
	// memberships, groups and grants (a guest is not an object).
	Objects int
	// TeamsByPlatform counts the teams of each platform.
	TeamsByPlatform map[string]int
	// Bytes is the size of all files together.
	Bytes int
}

// Config is a generated configuration: one main.hcl holding the policy
// and one file per team, in lexical order of name (Options.OneFile: only
// main.hcl, holding everything).
type Config struct {
	Files   []File
	Stats   Stats
	Now     time.Time
	Options Options // as given, defaults filled in
}

func (o Options) withDefaults() (Options, error) {
	if o.Grants < 1 {
		return o, fmt.Errorf("gen: Grants is %d; a configuration needs at least one grant", o.Grants)
	}
	if o.Now.IsZero() {
		o.Now = DefaultNow
	}
	o.Now = o.Now.UTC()
	if o.GrantsPerTeam <= 0 {
		o.GrantsPerTeam = 1000
	}
	if o.SitesPerTeam <= 0 {
		o.SitesPerTeam = 20
	}
	if o.GrantsPerGuest <= 0 {
		o.GrantsPerGuest = 10
	}
	if o.GrantsPerGuest > o.SitesPerTeam {
		return o, fmt.Errorf("gen: GrantsPerGuest (%d) is more than SitesPerTeam (%d); a guest has one grant per site at most", o.GrantsPerGuest, o.SitesPerTeam)
	}
	return o, nil
}

// Generate makes a configuration of exactly opts.Grants grants. It fails
// only on options it cannot honour.
func Generate(opts Options) (*Config, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	teams := max(3, (o.Grants+o.GrantsPerTeam-1)/o.GrantsPerTeam)
	c := &Config{Now: o.Now, Options: o}
	c.Stats.TeamsByPlatform = map[string]int{}
	c.Files = append(c.Files, File{Name: "main.hcl", Data: mainFile(o, teams)})
	width := len(strconv.Itoa(teams - 1))
	if width < 4 {
		width = 4
	}
	for t := range teams {
		quota := o.Grants / teams
		if t < o.Grants%teams {
			quota++
		}
		g := newTeamGen(&o, t, width, quota, &c.Stats)
		g.write()
		c.Files = append(c.Files, File{Name: "team-" + g.num + "-" + g.brand + ".hcl", Data: g.b.Bytes()})
	}
	if o.OneFile {
		c.Files = []File{{Name: "main.hcl", Data: joinFiles(c.Files)}}
	}
	for _, f := range c.Files {
		c.Stats.Bytes += len(f.Data)
	}
	s := &c.Stats
	s.Grants = s.GuestGrants + s.MemberGrants + s.GroupGrants
	s.Objects = s.Teams + s.Sites + s.Members + s.Groups + s.Grants
	if s.Grants != o.Grants {
		// A bug here would make every benchmark measure something else.
		return nil, fmt.Errorf("gen: made %d grants instead of %d", s.Grants, o.Grants)
	}
	return c, nil
}

// joinFiles is the files' bytes one after the other, a blank line between
// two files.
func joinFiles(files []File) []byte {
	n := 0
	for _, f := range files {
		n += len(f.Data) + 1
	}
	out := make([]byte, 0, n)
	for i, f := range files {
		if i > 0 {
			out = append(out, '\n')
		}
		out = append(out, f.Data...)
	}
	return out
}

// Sources is the configuration as config.LoadSources takes it.
func (c *Config) Sources() []config.Source {
	srcs := make([]config.Source, len(c.Files))
	for i, f := range c.Files {
		srcs[i] = config.Source{Name: f.Name, Data: f.Data}
	}
	return srcs
}

// WriteDir writes the files into dir, creating it. Other *.hcl files
// already in dir are an error: they would join the configuration.
func (c *Config) WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	mine := map[string]bool{}
	for _, f := range c.Files {
		mine[f.Name] = true
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".hcl") && !mine[e.Name()] {
			return fmt.Errorf("gen: %s already holds %s, which is not part of the generated configuration; write into an empty directory", dir, e.Name())
		}
	}
	var errs []error
	for _, f := range c.Files {
		errs = append(errs, os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644))
	}
	return errors.Join(errs...)
}

func mainFile(o Options, teams int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Generated by roster's internal/gen (%s, seed %d): %d grants over %d teams\n", Version, o.Seed, o.Grants, teams)
	fmt.Fprintf(&b, "# on Plausible, Piwik PRO and PostHog. Expiries lie after %s: plan with\n", o.Now.Format("2006-01-02"))
	fmt.Fprintf(&b, "#   roster plan --now %s\n\n", o.Now.Format("2006-01-02"))
	b.WriteString("# The guardrails every generated team keeps.\npolicy {\n")
	writeAttrs(&b, "  ",
		"internal_domains", quoteList(internalDomains),
		"min_owners", "2",
		"external_expiry", "true",
		"max_grant_days", "400",
		"require_ticket", "true",
		"external_forbidden", quoteList([]string{"manage_members", "api_access"}),
		"max_removals", "100",
	)
	b.WriteString("}\n")
	return b.Bytes()
}

// teamGen writes one team's file.
type teamGen struct {
	o      *Options
	st     *Stats
	rng    *rand.Rand
	t      int
	num    string // zero-padded team number
	name   string // team name
	brand  string
	plat   string
	domain string // the team's internal domain
	prefix string // ticket prefix
	ticket int
	budget int // grants still to declare
	sites  []string
	b      bytes.Buffer

	members int // members declared so far (email picks)
}

func newTeamGen(o *Options, t, width, quota int, st *Stats) *teamGen {
	g := &teamGen{
		o:      o,
		st:     st,
		rng:    rand.New(rand.NewPCG(o.Seed, uint64(t)+1)),
		t:      t,
		num:    fmt.Sprintf("%0*d", width, t),
		brand:  brands[t%len(brands)],
		plat:   platformOrder[t%len(platformOrder)],
		domain: internalDomains[t%len(internalDomains)],
		budget: quota,
	}
	g.name = g.brand + "-" + g.num
	g.prefix = strings.ToUpper(strings.ReplaceAll(g.brand, "-", "")[:3])
	g.ticket = 100 + g.rng.IntN(900)
	g.b.Grow(quota*60 + 4096)
	return g
}

func (g *teamGen) nextTicket() string {
	g.ticket += 1 + g.rng.IntN(7)
	return g.prefix + "-" + strconv.Itoa(g.ticket)
}

// take reserves up to n grants of the team's quota.
func (g *teamGen) take(n int) int {
	n = min(n, g.budget)
	g.budget -= n
	return n
}

// date is now plus days, as a date.
func (g *teamGen) date(days int) string {
	return g.o.Now.AddDate(0, 0, days).Format("2006-01-02")
}

// person is the local part of the n-th person of kind (0 members, 1
// guests) of this team: distinct for every n.
func (g *teamGen) person(n, kind int) string {
	combos := len(firstNames) * len(lastNames)
	step, off := 17, g.t*131
	if kind == 1 {
		step, off = 7, g.t*977
	}
	c := (off + n*step) % combos
	f := c % len(firstNames)
	s := firstNames[f] + "." + lastNames[(c/len(firstNames)+7*f)%len(lastNames)]
	if n >= combos {
		s += strconv.Itoa(n / combos)
	}
	return s
}

func (g *teamGen) memberEmail() string {
	e := g.person(g.members, 0) + "@" + g.domain
	g.members++
	return e
}

func (g *teamGen) write() {
	g.st.Teams++
	g.st.TeamsByPlatform[g.plat]++
	g.writeTeam()
	g.writeSites()
	switch g.plat {
	case "plausible":
		g.plausibleMembers()
	case "piwikpro":
		g.piwikMembers()
	case "posthog":
		g.posthogMembers()
	}
	g.guests()
}

func (g *teamGen) writeTeam() {
	fmt.Fprintf(&g.b, "# %s: one %s account, its sites and the people who may see them.\n\n", g.name, g.plat)
	fmt.Fprintf(&g.b, "team %q {\n", g.name)
	display := strings.ToUpper(g.brand[:1]) + strings.ReplaceAll(g.brand[1:], "-", " ") + " " + g.num
	kv := []string{"platform", strconv.Quote(g.plat), "display_name", strconv.Quote(display)}
	if g.plat == "plausible" {
		kv = append(kv, "require_2fa", "true")
		if g.t%2 == 0 {
			kv = append(kv, "sso", `"all_but_owners"`)
		}
	}
	writeAttrs(&g.b, "  ", kv...)
	g.b.WriteString("}\n")
}

// siteName is the name of the team's i-th site on its platform.
func (g *teamGen) siteName(i int) string {
	k := i / len(products)
	switch g.plat {
	case "plausible":
		base := brands[(g.t+k*13)%len(brands)] + strconv.Itoa(g.t)
		if k >= len(brands) {
			base += "-" + strconv.Itoa(k)
		}
		return plausibleSubs[i%len(plausibleSubs)] + "." + base + "." + tlds[(g.t+k)%len(tlds)]
	case "piwikpro":
		s := g.brand + "-" + products[i%len(products)]
		switch {
		case k == 1:
			s += "-staging"
		case k > 1:
			s += "-" + strconv.Itoa(k)
		}
		return s
	default:
		env := "production"
		switch {
		case k == 1:
			env = "staging"
		case k > 1:
			env = "dev" + strconv.Itoa(k)
		}
		return products[i%len(products)] + "-" + env
	}
}

func siteEnv(i int) string {
	switch k := i / len(products); {
	case i%len(products) == 4:
		return "" // some sites say nothing
	case k == 0:
		return "production"
	case k == 1:
		return "staging"
	default:
		return "development"
	}
}

func (g *teamGen) writeSites() {
	n := g.o.SitesPerTeam
	g.sites = make([]string, n)
	for i := range n {
		g.sites[i] = g.siteName(i)
	}
	g.st.Sites += n
	first := 0
	if g.plat == "plausible" && n >= 2 {
		// The core sites through for_each over a map, as people write it.
		local := "t" + g.num + "_core_sites"
		fmt.Fprintf(&g.b, "\nlocals {\n  %s = {\n", local)
		w := max(len(g.sites[0]), len(g.sites[1])) + 2
		for i := range 2 {
			fmt.Fprintf(&g.b, "    %-*s = %q\n", w, strconv.Quote(g.sites[i]), siteEnv(i))
		}
		g.b.WriteString("  }\n}\n\n")
		fmt.Fprintf(&g.b, "site \"core-%s\" {\n", g.num)
		writeAttrs(&g.b, "  ", "for_each", "local."+local, "name", "each.key", "team", strconv.Quote(g.name), "environment", "each.value")
		g.b.WriteString("}\n")
		first = 2
	}
	for i := first; i < n; i++ {
		fmt.Fprintf(&g.b, "\nsite %q {\n", g.sites[i])
		kv := []string{"team", strconv.Quote(g.name)}
		if env := siteEnv(i); env != "" {
			kv = append(kv, "environment", strconv.Quote(env))
		}
		switch {
		case g.plat == "piwikpro" && i%2 == 0:
			kv = append(kv, "remote_id", strconv.Quote(g.uuid()))
		case g.plat == "posthog" && i%3 == 0:
			kv = append(kv, "remote_id", strconv.Quote(strconv.Itoa(10000+g.rng.IntN(90000))))
		}
		writeAttrs(&g.b, "  ", kv...)
		g.b.WriteString("}\n")
	}
}

func (g *teamGen) uuid() string {
	a, b := g.rng.Uint64(), g.rng.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", a>>32, a>>16&0xffff, a&0xfff, 0x8000|b>>48&0x3fff, b&0xffffffffffff)
}

// member writes one member block with up to wantGrants grants from the
// quota, and returns its email.
func (g *teamGen) member(role, reason string, wantGrants int, grantRoles []string, expires string) string {
	email := g.memberEmail()
	if expires != "" {
		// Contractors come from outside.
		email = strings.Replace(email, "@"+g.domain, "@"+agencies[g.t%len(agencies)], 1)
	}
	fmt.Fprintf(&g.b, "\nmember %q {\n", email)
	kv := []string{"team", strconv.Quote(g.name), "role", strconv.Quote(role), "reason", strconv.Quote(reason), "ticket", strconv.Quote(g.nextTicket())}
	if expires != "" {
		kv = append(kv, "expires", strconv.Quote(expires))
	}
	writeAttrs(&g.b, "  ", kv...)
	g.st.Members++
	n := g.take(min(wantGrants, len(g.sites)))
	if n > 0 {
		g.b.WriteByte('\n')
		start := g.rng.IntN(len(g.sites))
		for k := range n {
			fmt.Fprintf(&g.b, "  grant %q { role = %q }\n", g.sites[(start+k)%len(g.sites)], grantRoles[g.rng.IntN(len(grantRoles))])
		}
		g.st.MemberGrants += n
	}
	g.b.WriteString("}\n")
	return email
}

// analysts writes a for_each member block over a local list of emails.
func (g *teamGen) analysts(role string) {
	local := "t" + g.num + "_analysts"
	emails := make([]string, 3)
	for i := range emails {
		emails[i] = g.memberEmail()
	}
	// Emails are compared lower-cased: people write them as they like.
	emails[1] = strings.ToUpper(emails[1][:1]) + emails[1][1:]
	fmt.Fprintf(&g.b, "\nlocals {\n  %s = %s\n}\n\n", local, quoteList(emails))
	fmt.Fprintf(&g.b, "member \"analysts-%s\" {\n", g.num)
	writeAttrs(&g.b, "  ", "for_each", "toset(local."+local+")", "email", "each.key # compared lower-cased",
		"team", strconv.Quote(g.name), "role", strconv.Quote(role), "reason", `"Monthly client reports"`, "ticket", strconv.Quote(g.nextTicket()))
	g.b.WriteString("}\n")
	g.st.Members += len(emails)
}

func (g *teamGen) contractorExpiry() string { return g.date(60 + g.rng.IntN(300)) }

func (g *teamGen) plausibleMembers() {
	g.b.WriteString("\n# Staff: the team role covers every site.\n")
	g.member("owner", "Managing director", 0, nil, "")
	g.member("owner", "Technical director; second owner", 0, nil, "")
	g.member("admin", "Account lead: invites client staff", 0, nil, "")
	for range 2 {
		g.member("editor", memberReasons[g.rng.IntN(len(memberReasons))], 0, nil, "")
	}
	g.member("viewer", memberReasons[g.rng.IntN(len(memberReasons))], 0, nil, "")
	if g.t%4 == 0 {
		g.member("billing", "Pays the subscription; sees no analytics", 0, nil, "")
	}
	g.analysts("viewer")
	g.member("viewer", "Freelance analyst", 0, nil, g.contractorExpiry())
}

func (g *teamGen) piwikMembers() {
	g.b.WriteString("\n# Owners see everything; users see what they are granted, alone or through a group.\n")
	g.member("owner", "Head of digital", 0, nil, "")
	g.member("owner", "Analytics platform owner", 0, nil, "")
	users := make([]string, 6)
	for i := range users {
		users[i] = g.member("user", memberReasons[g.rng.IntN(len(memberReasons))], 3, []string{"view", "edit", "edit_publish", "manage"}, "")
	}
	g.analysts("user")
	g.member("user", "Tracking implementation", 2, []string{"view", "edit"}, g.contractorExpiry())
	for i, name := range []string{"analysts", "marketing"} {
		n := g.take(min(4, len(g.sites)))
		fmt.Fprintf(&g.b, "\ngroup %q {\n", name)
		writeAttrs(&g.b, "  ", "team", strconv.Quote(g.name), "members", quoteList(users[i*3:i*3+3]),
			"reason", strconv.Quote(memberReasons[g.rng.IntN(len(memberReasons))]), "ticket", strconv.Quote(g.nextTicket()))
		if n > 0 {
			g.b.WriteByte('\n')
			start := g.rng.IntN(len(g.sites))
			for k := range n {
				fmt.Fprintf(&g.b, "  grant %q { role = %q }\n", g.sites[(start+k)%len(g.sites)], []string{"view", "edit"}[g.rng.IntN(2)])
			}
		}
		g.b.WriteString("}\n")
		g.st.Groups++
		g.st.GroupGrants += n
	}
}

func (g *teamGen) posthogMembers() {
	g.b.WriteString("\n# Owners and admins see every project through their organization role.\n")
	g.member("owner", "CTO", 0, nil, "")
	g.member("owner", "VP Engineering", 0, nil, "")
	g.member("admin", "Engineering manager, runs the projects", 0, nil, "")
	for range 6 {
		g.member("member", memberReasons[g.rng.IntN(len(memberReasons))], 3, []string{"viewer", "member", "admin"}, "")
	}
	// Engineers through for_each over a map of objects.
	per := min(3, g.budget/3, len(g.sites))
	g.take(3 * per)
	local := "t" + g.num + "_engineers"
	fmt.Fprintf(&g.b, "\nlocals {\n  %s = {\n", local)
	emails := make([]string, 3)
	w := 0
	for i := range emails {
		emails[i] = g.memberEmail()
		w = max(w, len(emails[i])+2)
	}
	for _, e := range emails {
		fmt.Fprintf(&g.b, "    %-*s = { ticket = %q, role = %q }\n", w, strconv.Quote(e), g.nextTicket(), []string{"viewer", "member"}[g.rng.IntN(2)])
	}
	g.b.WriteString("  }\n}\n\n")
	fmt.Fprintf(&g.b, "member \"engineers-%s\" {\n", g.num)
	writeAttrs(&g.b, "  ", "for_each", "local."+local, "email", "each.key", "team", strconv.Quote(g.name),
		"role", `"member"`, "reason", `"Product engineering"`, "ticket", "each.value.ticket")
	if per > 0 {
		g.b.WriteByte('\n')
		for k := range per {
			role := `"member"`
			if k == per-1 {
				role = "each.value.role"
			}
			fmt.Fprintf(&g.b, "  grant %q { role = %s }\n", g.sites[k*len(g.sites)/per], role)
		}
	}
	g.b.WriteString("}\n")
	g.st.Members += 3
	g.st.MemberGrants += 3 * per
	g.member("member", "Onboarding funnel analysis", 2, []string{"viewer"}, g.contractorExpiry())
}

// guestRoles are the site roles guests get, weighted by repetition; none
// gives manage_members or api_access, which the policy keeps from
// external people.
var guestRoles = map[string][]string{
	"plausible": {"viewer", "viewer", "viewer", "editor"},
	"piwikpro":  {"view", "view", "view", "view", "view", "view", "edit", "edit", "edit", "edit_publish"},
	"posthog":   {"viewer", "viewer", "viewer", "member", "member"},
}

func (g *teamGen) guests() {
	per := g.o.GrantsPerGuest
	total := g.budget
	if total == 0 {
		return
	}
	g.b.WriteString("\n# Client staff, agencies and freelancers: guests, on named sites only, until a date.\n")
	roles := guestRoles[g.plat]
	n := (total + per - 1) / per
	for j := range n {
		count := per
		if j == n-1 {
			count = total - (n-1)*per
		}
		g.take(count)
		email := g.person(j, 1) + "@" + agencies[(j*3+g.t)%len(agencies)]
		if j%37 == 5 {
			email = strings.ToUpper(email[:1]) + email[1:]
		}
		days := 30 + g.rng.IntN(336)
		expires := g.date(days)
		if g.rng.IntN(20) == 0 {
			expires += "T17:00:00Z"
		}
		fmt.Fprintf(&g.b, "\nguest %q {\n", email)
		kv := []string{"team", strconv.Quote(g.name)}
		if g.rng.IntN(5) < 3 {
			kv = append(kv, "reason", strconv.Quote(guestReasons[g.rng.IntN(len(guestReasons))]))
		}
		kv = append(kv, "ticket", strconv.Quote(g.nextTicket()), "expires", strconv.Quote(expires))
		writeAttrs(&g.b, "  ", kv...)
		g.b.WriteByte('\n')
		start := (j*7 + g.rng.IntN(3)) % len(g.sites)
		if count >= 2 && g.rng.IntN(20) == 0 {
			names := make([]string, count)
			for k := range names {
				names[k] = g.sites[(start+k)%len(g.sites)]
			}
			g.b.WriteString("  dynamic \"grant\" {\n")
			writeAttrs(&g.b, "    ", "for_each", quoteList(names), "labels", "[grant.value]")
			fmt.Fprintf(&g.b, "    content { role = %q }\n  }\n", roles[0])
		} else {
			for k := range count {
				site := g.sites[(start+k)%len(g.sites)]
				role := roles[g.rng.IntN(len(roles))]
				if g.rng.IntN(16) != 0 {
					fmt.Fprintf(&g.b, "  grant %q { role = %q }\n", site, role)
					continue
				}
				// A grant of its own: an earlier end and its own ticket.
				fmt.Fprintf(&g.b, "  grant %q {\n", site)
				writeAttrs(&g.b, "    ", "role", strconv.Quote(role), "expires", strconv.Quote(g.date(1+g.rng.IntN(days-1))), "ticket", strconv.Quote(g.nextTicket()))
				g.b.WriteString("  }\n")
			}
		}
		g.b.WriteString("}\n")
		g.st.Guests++
		g.st.GuestGrants += count
	}
}

// writeAttrs writes name = value lines, the values as given, with the
// equals signs aligned as `roster fmt` leaves them.
func writeAttrs(b *bytes.Buffer, indent string, kv ...string) {
	w := 0
	for i := 0; i < len(kv); i += 2 {
		w = max(w, len(kv[i]))
	}
	for i := 0; i < len(kv); i += 2 {
		b.WriteString(indent)
		b.WriteString(kv[i])
		for range w - len(kv[i]) + 1 {
			b.WriteByte(' ')
		}
		b.WriteString("= ")
		b.WriteString(kv[i+1])
		b.WriteByte('\n')
	}
}

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
