// Package model owns roster's domain vocabulary: teams, sites, memberships,
// grants and groups as plain values; platform profiles with their roles and
// capability sets; addresses (grant/acme/mysite.com/jane@agency.com) with
// parsing and printing; and the one place where emails are normalised.
//
// It is a leaf: it imports nothing of roster's, does no I/O and knows no
// file formats. Everything else (config, plan, state, render) speaks it.
package model
