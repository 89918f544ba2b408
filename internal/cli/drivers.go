package cli

import (
	"github.com/roster-dev/roster/internal/driver/ga4"
	"github.com/roster-dev/roster/internal/driver/matomo"
	"github.com/roster-dev/roster/internal/driver/piwikpro"
	"github.com/roster-dev/roster/internal/driver/plausible"
	"github.com/roster-dev/roster/internal/driver/posthog"
)

func init() {
	driverFactories["posthog"] = posthog.New
	driverFactories["plausible"] = plausible.New
	driverFactories["piwikpro"] = piwikpro.New
	driverFactories["ga4"] = ga4.New
	driverFactories["matomo"] = matomo.New
}
