package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/ops"
)

func (a *app) platformsCommand() *cobra.Command {
	c := newCommand("platforms", "List the built-in and declared platforms")
	c.Args = cobra.NoArgs
	var asJSON bool
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.RunE = func(*cobra.Command, []string) error {
		now, err := a.now()
		if err != nil {
			return err
		}
		platforms, err := ops.Platforms(a.env(), ops.PlatformsRequest{Now: now})
		if err != nil {
			return err
		}
		if asJSON {
			out := make([]platformJSON, 0, len(platforms))
			for _, p := range platforms {
				out = append(out, newPlatformJSON(p))
			}
			return writeJSON(a.stdout, out)
		}
		tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tSOURCE\tTEAM ROLES\tSITE ROLES")
		for _, p := range platforms {
			src := "declared"
			if p.Builtin {
				src = "built-in"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Name, src,
				strings.Join(p.RoleNames(model.TeamRole, false), ", "),
				strings.Join(p.RoleNames(model.SiteRole, false), ", "))
		}
		return tw.Flush()
	}

	show := newCommand("show NAME", "Show a platform's roles and what each may do")
	show.Args = cobra.ExactArgs(1)
	var showJSON bool
	show.Flags().BoolVar(&showJSON, "json", false, "print JSON")
	show.RunE = func(_ *cobra.Command, args []string) error {
		now, err := a.now()
		if err != nil {
			return err
		}
		p, err := ops.Platform(a.env(), ops.PlatformRequest{Now: now, Name: args[0]})
		if err != nil {
			return err
		}
		if showJSON {
			return writeJSON(a.stdout, newPlatformJSON(p))
		}
		return writeMatrix(a.stdout, p)
	}
	c.AddCommand(show)
	return c
}

type roleJSON struct {
	Name         string   `json:"name"`
	Capabilities []string `json:"capabilities"`
	Grantable    bool     `json:"grantable"`
}

type platformJSON struct {
	Name          string     `json:"name"`
	Builtin       bool       `json:"builtin"`
	Guests        bool       `json:"guests"`
	GuestTeamRole string     `json:"guest_team_role"`
	MemberGrants  bool       `json:"member_grants"`
	Groups        bool       `json:"groups"`
	SSOModes      []string   `json:"sso_modes"`
	TwoFactor     bool       `json:"two_factor"`
	TeamRoles     []roleJSON `json:"team_roles"`
	SiteRoles     []roleJSON `json:"site_roles"`
	// GrantCapabilities are left out for platforms without them.
	GrantCapabilities []grantCapJSON `json:"grant_capabilities,omitempty"`
}

type grantCapJSON struct {
	Name         string   `json:"name"`
	Capabilities []string `json:"capabilities"`
	IncludedIn   []string `json:"included_in"`
}

func newPlatformJSON(p *model.Platform) platformJSON {
	roles := func(rs []*model.Role) []roleJSON {
		out := make([]roleJSON, 0, len(rs))
		for _, r := range rs {
			out = append(out, roleJSON{Name: r.Name, Capabilities: r.Caps.Strings(), Grantable: r.Grantable()})
		}
		return out
	}
	sso := p.SSOModes
	if sso == nil {
		sso = []string{}
	}
	return platformJSON{
		Name: p.Name, Builtin: p.Builtin, Guests: p.Guests, GuestTeamRole: p.GuestTeamRole,
		MemberGrants: p.MemberGrants, Groups: p.Groups, SSOModes: sso, TwoFactor: p.TwoFactor,
		TeamRoles: roles(p.TeamRoles), SiteRoles: roles(p.SiteRoles),
		GrantCapabilities: grantCaps(p.GrantCaps),
	}
}

func grantCaps(cs []*model.GrantCap) []grantCapJSON {
	var out []grantCapJSON
	for _, c := range cs {
		out = append(out, grantCapJSON{Name: c.Name, Capabilities: c.Caps.Strings(), IncludedIn: c.IncludedIn})
	}
	return out
}

// writeMatrix prints the profile's settings and a capability × role table.
func writeMatrix(w interface{ Write([]byte) (int, error) }, p *model.Platform) error {
	src := "declared"
	if p.Builtin {
		src = "built-in"
	}
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	guests := yes(p.Guests)
	if p.Guests {
		if p.GuestTeamRole == "" {
			guests += " (a guest holds no team role)"
		} else {
			guests += fmt.Sprintf(" (a guest holds the team role %q)", p.GuestTeamRole)
		}
	}
	sso := "not configurable"
	if len(p.SSOModes) > 0 {
		sso = strings.Join(p.SSOModes, ", ")
	}
	fmt.Fprintf(w, "Platform %s (%s)\n\n", p.Name, src)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  guests\t%s\n", guests)
	fmt.Fprintf(tw, "  member grants\t%s\n", yes(p.MemberGrants))
	fmt.Fprintf(tw, "  groups\t%s\n", yes(p.Groups))
	fmt.Fprintf(tw, "  sso modes\t%s\n", sso)
	fmt.Fprintf(tw, "  two-factor enforcement\t%s\n", yes(p.TwoFactor))
	tw.Flush()
	fmt.Fprintln(w)

	roles := append(append([]*model.Role{}, p.TeamRoles...), p.SiteRoles...)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head1, head2 := "", "CAPABILITY"
	for _, r := range roles {
		head1 += "\t" + r.Kind.String()
		head2 += "\t" + r.Name
	}
	fmt.Fprintln(tw, head1)
	fmt.Fprintln(tw, head2)
	for _, c := range model.Vocabulary {
		line := string(c)
		for _, r := range roles {
			mark := "-"
			if r.Caps.Has(c) {
				mark = "x"
			}
			line += "\t" + mark
		}
		fmt.Fprintln(tw, line)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var notes []string
	for _, r := range roles {
		if r.Wildcard {
			notes = append(notes, fmt.Sprintf("%s role %q holds every capability (*).", r.Kind, r.Name))
		}
		if !r.Grantable() {
			notes = append(notes, fmt.Sprintf("site role %q has no capability: it is listed, never granted.", r.Name))
		}
	}
	for _, c := range p.GrantCaps {
		n := fmt.Sprintf("grant capability %q adds %s", c.Name, strings.Join(c.Caps.Strings(), ", "))
		if len(c.IncludedIn) > 0 {
			n += fmt.Sprintf(" (included in %s)", strings.Join(c.IncludedIn, ", "))
		}
		notes = append(notes, n+".")
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range notes {
			fmt.Fprintln(w, n)
		}
	}
	return nil
}
