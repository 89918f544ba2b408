// Package config owns roster's configuration language (schema/language.md):
// it loads every *.hcl file of a configuration directory, evaluates locals,
// functions, for_each and dynamic blocks, decodes each block type into the
// model (teams, sites, memberships, grants, groups, platform profiles,
// moved blocks and the policy, with the company directory it names), and
// checks everything a configuration can get wrong, each
// problem an HCL diagnostic with a source range, all of them in one run.
//
// It also decodes the built-in platform profiles embedded from
// schema/platforms (the same decoder as users' platform blocks), formats
// files for roster fmt, and lists the names its schemas accept.
//
// A large configuration is nearly all member and guest blocks: they are
// parsed a block at a time while they are decoded and their syntax trees
// dropped, so that the load never holds the trees of the whole
// configuration; the Result keeps only the source bytes, for diagnostics.
//
// Files: load.go (reading files, parsing by blocks, limits on size, order,
// the Result),
// schema.go (block schemas and reading bodies), expr.go (functions, locals,
// for_each, dynamic blocks), decode_team.go (team, connection, site),
// decode_people.go (member, guest, group, grant), decode_platform.go,
// moved.go (moved blocks), policy.go, directory.go (the directory file's
// people), checks.go (dates, texts, shared checks), limits.go (nesting,
// value sizes), format.go.
package config
