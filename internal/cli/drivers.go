package cli

import (
	"github.com/roster-dev/roster/internal/driver/posthog"
)

func init() {
	driverFactories["posthog"] = posthog.New
}
