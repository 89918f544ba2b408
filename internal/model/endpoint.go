package model

import (
	"net"
	"strings"
)

// LoopbackHost reports whether a URL's host (without port or brackets, as
// url.URL.Hostname gives it) is a loopback address, to which an endpoint
// may use http:// (schema/sync.md: "The endpoint must be https://, except
// for loopback addresses"): localhost, in any case, and any loopback IP
// address (127.0.0.0/8, ::1). The configuration, $ROSTER_ENDPOINT_<TEAM>
// and the drivers' HTTP client all ask it, so the three agree.
func LoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// TokenEnv is the variable a connected team's credential is read from when
// its connection names none (schema/sync.md): ROSTER_TOKEN_ and the team's
// name upper-cased, every '-' turned into '_'.
func TokenEnv(team string) string { return "ROSTER_TOKEN_" + envSuffix(team) }

// EndpointEnv is the variable that overrides a team's endpoint:
// ROSTER_ENDPOINT_ and the same suffix as TokenEnv's.
func EndpointEnv(team string) string { return "ROSTER_ENDPOINT_" + envSuffix(team) }

func envSuffix(team string) string { return strings.ReplaceAll(strings.ToUpper(team), "-", "_") }
