package apply

import (
	"maps"
	"slices"
	"sort"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/plan"
	"github.com/roster-dev/roster/internal/runbook"
)

// Upcoming lists the changes of p that an apply will record as manual
// steps rather than make (cli.md, "Command line, version 2 additions"):
// every change of an offline team that a person makes in the UI, the
// changes of a connected team (a driver in drivers) that its API cannot
// make, and on either the settings of a team declared with them
// (plan.Change.SettingsByHand). platforms maps each team to its
// platform's name, for the steps' wording.
func Upcoming(p *plan.Plan, drivers map[string]driver.Driver, platforms map[string]string) []plan.Manual {
	var out []plan.Manual
	byTeam := map[string][]plan.Change{}
	for i := range p.Changes {
		c := &p.Changes[i]
		if d := drivers[c.Addr.Team]; d != nil {
			if c.SettingsByHand() {
				// Never the driver's: no platform API sets them.
				out = append(out, upcoming(c, platforms))
			} else if !c.StateOnly() {
				byTeam[c.Addr.Team] = append(byTeam[c.Addr.Team], *c)
			}
			continue
		}
		if ByHand(c) {
			out = append(out, upcoming(c, platforms))
		}
	}
	teams := slices.Sorted(maps.Keys(byTeam))
	for _, t := range teams {
		d, cs := drivers[t], byTeam[t]
		d.Begin(cs)
		for i := range cs {
			// A person's move is always theirs (sync.md, Renames).
			if manual, _ := driverManual(d, &cs[i]); manual || cs[i].IsPersonMove() {
				out = append(out, upcoming(&cs[i], platforms))
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Addr.String() < out[j].Addr.String() })
	return out
}

func upcoming(c *plan.Change, platforms map[string]string) plan.Manual {
	it := runbook.ForChange(platforms[c.Addr.Team], string(c.Action), c.Before, c.After)
	return plan.Manual{Addr: c.Addr, Change: string(c.Action), Text: it.Title}
}
