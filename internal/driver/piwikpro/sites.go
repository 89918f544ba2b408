package piwikpro

import (
	"context"
)

// LiveSites lists every app of the account that the API key can see,
// declared or not, as app id → name, for `roster import` (which declares
// the apps the configuration lacks). It reads the app list on its own and
// may be called before Refresh.
func (d *Driver) LiveSites(ctx context.Context) (map[string]string, error) {
	if d.api.credErr != nil {
		return nil, d.api.credErr
	}
	apps, _, err := d.api.Apps(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(apps))
	for _, a := range apps {
		if a.ID != "" {
			out[a.ID] = a.Attributes.Name
		}
	}
	return out, nil
}
