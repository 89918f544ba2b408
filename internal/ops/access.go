package ops

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/roster-dev/roster/internal/live"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/report"
)

// LiveAccessRequest asks where the platforms still show one person
// (roster access EMAIL --live).
type LiveAccessRequest struct {
	Email       string
	Now         time.Time
	Parallelism int
}

// LiveAccess refreshes every connected team and reports where the
// platforms still show the person (schema/cli.md, version 2 additions):
// the proof an offboarding ticket needs. The document's holdings are
// empty when none does.
func LiveAccess(ctx context.Context, env *Env, req LiveAccessRequest) (*report.LiveAccessDoc, error) {
	r := env.run(req.Now)
	cfg, err := r.loadConfig()
	if err != nil {
		return nil, err
	}
	_, snap, done, err := env.openRead(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	var read, offline []string
	connected := cfg.Config.ConnectedTeams()
	for _, o := range cfg.Config.Objects {
		if o.Addr.Kind == model.KindTeam && !connected[o.Addr.Team] {
			offline = append(offline, o.Addr.Team)
		}
	}
	var holdings []live.Holding
	if len(connected) > 0 {
		cn, err := r.refresh(ctx, cfg, snap.Objects, readOptions{parallelism: req.Parallelism}, nil)
		if err != nil {
			return nil, err
		}
		read = slices.Sorted(maps.Keys(cn.snaps))
		holdings = live.PersonAccess(cn.snaps, snap.Objects, req.Email)
	}
	slices.Sort(offline)
	return report.LiveAccess(req.Email, req.Now, read, offline, holdings), nil
}
