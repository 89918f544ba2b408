// Package schema holds roster's contracts as files: the built-in platform
// profiles (platforms/*.hcl, embedded in the binary and read through the
// same decoder as users' platform blocks), the JSON Schemas of every JSON
// output, the language reference, and copies of the contracts the code's
// comments cite (sync.md: connected teams; cli.md: the command line;
// platforms.md: the built-in profiles; performance.md: the targets of make
// bench). This Go file only embeds the profiles.
package schema

import "embed"

// Platforms holds the built-in profiles, one file per platform.
//
//go:embed platforms/*.hcl
var Platforms embed.FS
