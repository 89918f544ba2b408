package plausible

import (
	"context"
)

// LiveSites lists every site of the team that the API key can see,
// declared or not, as domain → domain (a Plausible site's id is its
// domain), for `roster import` (which declares the sites the
// configuration lacks). It reads the team and site lists on its own and
// may be called before Refresh.
func (d *Driver) LiveSites(ctx context.Context) (map[string]string, error) {
	teams, _, err := d.api.Teams(ctx)
	if err != nil {
		return nil, d.keyRejected(err)
	}
	teamID, err := d.pickTeam(teams)
	if err != nil {
		return nil, err
	}
	sites, _, err := d.api.Sites(ctx, teamID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(sites))
	for _, s := range sites {
		if s.Domain != "" {
			out[s.Domain] = s.Domain
		}
	}
	return out, nil
}
