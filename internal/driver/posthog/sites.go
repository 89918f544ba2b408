package posthog

import (
	"context"
	"encoding/json"
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
	r := &reader{d: d}
	out := map[string]string{}
	_, err := r.list(ctx, d.orgPath("projects/"), projectShape, func(raw json.RawMessage) (int, error) {
		var ps []apiProject
		if err := json.Unmarshal(raw, &ps); err != nil {
			return 0, err
		}
		for _, p := range ps {
			out[strconv.Itoa(p.ID)] = p.Name
		}
		return len(ps), nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
