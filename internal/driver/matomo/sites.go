package matomo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
)

// LiveSites lists every website the token's superuser sees, idsite →
// name, for import (SitesManager.getSitesWithAdminAccess).
func (d *Driver) LiveSites(ctx context.Context) (map[string]string, error) {
	var raw json.RawMessage
	if _, _, err := d.call(ctx, "SitesManager.getSitesWithAdminAccess", url.Values{"fetchAliasUrls": {"0"}}, nil, &raw); err != nil {
		return nil, err
	}
	sites, err := decodeSites(raw)
	if err != nil {
		return nil, fmt.Errorf("%s answered SitesManager.getSitesWithAdminAccess, but not in the shape roster expects: %v", Platform, err)
	}
	out := make(map[string]string, len(sites))
	for _, s := range sites {
		out[s.id()] = s.Name
	}
	return out, nil
}
