// Package model owns roster's domain vocabulary: teams, sites, memberships,
// grants and groups as plain values (Object); platform profiles with their
// roles and capability sets; addresses (grant/acme/mysite.com/jane@agency.com)
// with parsing and printing, and how a move re-keys them (Move, Rekey); a
// loaded configuration (Config: objects, platforms, the policy and the
// company directory); the places declared objects keep for diagnostics,
// compactly (Decl, Span: half an hcl.Range); the one place where emails are
// normalised; and which endpoints count as loopback (LoopbackHost).
//
// It is a leaf: it imports nothing of roster's and does no I/O
// (internal/archtest holds both). The one encoding it knows is the JSON of
// a stored object (Object's MarshalJSON and UnmarshalJSON), which the state
// stores and saved plans share, with the text forms of its parts (an
// address, a role_access entry). Everything else (config, plan, state,
// render) speaks it.
package model
