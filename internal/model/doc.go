// Package model owns roster's domain vocabulary: teams, sites, memberships,
// grants and groups as plain values; platform profiles with their roles and
// capability sets; addresses (grant/acme/mysite.com/jane@agency.com) with
// parsing and printing; the places declared objects keep for diagnostics,
// compactly (Span, half an hcl.Range); and the one place where emails are
// normalised.
//
// It is a leaf: it imports nothing of roster's and does no I/O. The one
// format it knows is the JSON encoding of a stored object (Object's
// MarshalJSON and UnmarshalJSON), which the state stores and saved plans
// share. Everything else (config, plan, state, render) speaks it.
package model
