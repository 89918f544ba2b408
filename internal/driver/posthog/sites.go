package posthog

import (
	"context"
	"fmt"
	"strconv"
)

// LiveSites lists every project of the organization that the key can see,
// declared or not, as project id → name, for `roster import` (which
// declares the projects the configuration lacks). It reads the project
// list on its own and may be called before Refresh.
func (d *Driver) LiveSites(ctx context.Context) (map[string]string, error) {
	if d.org == "" {
		return nil, fmt.Errorf("team %s: connection.account_id (the PostHog organization id) is not set; copy it from PostHog's organization settings", d.team.Name)
	}
	projects, _, err := d.api.Projects(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, p := range projects {
		out[strconv.Itoa(p.ID)] = p.Name
	}
	return out, nil
}
