package plausible

import (
	"context"
	"encoding/json"
	"net/url"
)

// LiveSites lists every site of the team that the API key can see,
// declared or not, as domain → domain (a Plausible site's id is its
// domain), for `roster import` (which declares the sites the
// configuration lacks). It reads the team and site lists on its own and
// may be called before Refresh.
func (d *Driver) LiveSites(ctx context.Context) (map[string]string, error) {
	r := &reader{d: d}
	var teams []apiTeam
	if _, err := r.list(ctx, "/api/v1/sites/teams", nil, "teams", teamShape, func(raw json.RawMessage) error { return decodeList(raw, &teams) }); err != nil {
		return nil, err
	}
	teamID, err := d.pickTeam(teams)
	if err != nil {
		return nil, err
	}
	var sites []apiSite
	if _, err := r.list(ctx, "/api/v1/sites", url.Values{"team_id": {teamID}}, "sites", siteShape, func(raw json.RawMessage) error { return decodeList(raw, &sites) }); err != nil {
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
