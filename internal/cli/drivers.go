package cli

import (
	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/driver/ga4"
	"github.com/roster-dev/roster/internal/driver/matomo"
	"github.com/roster-dev/roster/internal/driver/piwikpro"
	"github.com/roster-dev/roster/internal/driver/plausible"
	"github.com/roster-dev/roster/internal/driver/posthog"
)

// driverFactories makes each platform's driver (the tests replace one).
var driverFactories = map[string]func(*driver.Team, driver.Options) driver.Driver{
	"posthog":   posthog.New,
	"plausible": plausible.New,
	"piwikpro":  piwikpro.New,
	"ga4":       ga4.New,
	"matomo":    matomo.New,
}
