// Command roster manages who may see and change what on web-analytics
// platforms, as code. See README.md.
package main

import (
	"os"

	"github.com/roster-dev/roster/internal/cli"
)

func main() { os.Exit(cli.Main()) }
