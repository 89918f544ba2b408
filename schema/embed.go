// Package schema holds roster's contracts as files: the built-in platform
// profiles (platforms/*.hcl, embedded in the binary and read through the
// same decoder as users' platform blocks), the JSON Schemas of every JSON
// output, and the language reference. This Go file only embeds them.
package schema

import "embed"

// Platforms holds the built-in profiles, one file per platform.
//
//go:embed platforms/*.hcl
var Platforms embed.FS
