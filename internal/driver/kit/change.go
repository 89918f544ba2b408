package kit

import (
	"errors"
	"fmt"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/model"
)

// AtChange puts the error of a change's request at the change's address:
// a refusal (*driver.APIError) gets the address, and reads as a refused
// change; any other error is prefixed with it.
func AtChange(err error, addr model.Address) error {
	var ae *driver.APIError
	if errors.As(err, &ae) {
		ae.Address, ae.Read = addr, false
		return ae
	}
	return fmt.Errorf("%s: %w", addr, err)
}
