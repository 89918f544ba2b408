package cli

import (
	"context"
	"sort"

	"github.com/roster-dev/roster/internal/live"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/report"
)

// accessLive is `roster access EMAIL --live`: it refreshes every connected
// team and reports where the platforms still show the person, exit 2 if
// anywhere (schema/cli.md, version 2 additions): the proof an offboarding ticket
// needs.
func (a *app) accessLive(ctx context.Context, email string, parallelism int, asJSON bool) error {
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	now, err := a.now()
	if err != nil {
		return err
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	snap, err := a.snapshot(ctx, st)
	if err != nil {
		return err
	}
	var read, offline []string
	connected := cfg.Config.ConnectedTeams()
	for _, o := range cfg.Config.Objects {
		if o.Addr.Kind == model.KindTeam && !connected[o.Addr.Team] {
			offline = append(offline, o.Addr.Team)
		}
	}
	var holdings []live.Holding
	if len(connected) > 0 {
		cn, err := a.refresh(ctx, cfg, snap.Objects, parallelism, nil)
		if err != nil {
			return err
		}
		for team := range cn.snaps {
			read = append(read, team)
		}
		holdings = live.PersonAccess(cn.snaps, snap.Objects, email)
	}
	sort.Strings(read)
	sort.Strings(offline)
	doc := report.LiveAccess(email, now, read, offline, holdings)
	if asJSON {
		err = report.WriteLiveAccessJSON(a.stdout, doc)
	} else {
		err = report.WriteLiveAccessText(a.stdout, doc)
	}
	if err != nil {
		return err
	}
	if len(holdings) > 0 {
		return silentExit(ExitChanges)
	}
	return nil
}
