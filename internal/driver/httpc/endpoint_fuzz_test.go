package httpc

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/driver"
	"github.com/roster-dev/roster/internal/live"
	"github.com/roster-dev/roster/internal/model"
)

// FuzzEndpoint: an endpoint from $ROSTER_ENDPOINT_<TEAM> passes two
// checks, live.CheckEndpoint before any call and checkBase in the client.
// Whatever it is, neither lets a token go over http:// to a host that is
// not loopback, what live.CheckEndpoint accepts the client accepts too
// but for a query or fragment (a team is not refused later for what
// passed first), and when it carries a proxy's password
// (https://user:PASSWORD@host) no message quotes the password.
func FuzzEndpoint(f *testing.F) {
	for _, s := range []string{
		"https://eu.posthog.com", "http://127.0.0.1:8080/", "http://[::1]/api", "http://LOCALHOST", "http://localhost.evil.com",
		"http://127.0.0.1@evil.com", "https://x.example/?a=1", "https://x#f", " https://x", "ftp://x", "https:///x", "http://0x7f.1/",
	} {
		f.Add(s, "proxy", "Pr0xyPassw0rd", "x.example")
	}
	f.Add("", "proxy", "Pr0xy/Passw0rd", "x.example/?a=1")
	f.Add("", "", "Pr0xy#Passw0rd", "127.0.0.1")
	f.Add("", "a@b", "Pr0xy?Passw0rd", "[::1")
	f.Add("", "me@corp.example", "12#Passw0rd", "proxy")
	f.Fuzz(func(t *testing.T, endpoint, user, password, host string) {
		check(t, endpoint, "")
		// A password that the rest of the endpoint holds, as it is or as
		// messages quote it (%q), cannot be told from it.
		rest := "https://" + user + "@" + host + "xxxxx" + strconv.Quote(user) + strconv.Quote(host)
		if len(password) < 6 || strings.Contains(rest, password) {
			return
		}
		for _, scheme := range []string{"https", "http", "ftp", "HTTPS"} {
			check(t, scheme+"://"+user+":"+password+"@"+host, password)
		}
	})
}

// check runs endpoint through both checks and EndpointText; secret is a
// password it carries, which no message may quote.
func check(t *testing.T, endpoint, secret string) {
	t.Helper()
	liveErr := live.CheckEndpoint(endpoint)
	base, baseErr := checkBase(endpoint)
	for _, accepted := range []struct {
		url string
		err error
	}{{endpoint, liveErr}, {base, baseErr}} {
		if accepted.err != nil {
			continue
		}
		u, err := url.Parse(accepted.url)
		if err != nil || u.Host == "" || !(u.Scheme == "https" || u.Scheme == "http" && model.LoopbackHost(u.Hostname())) {
			t.Fatalf("endpoint %q accepted (%q) to send a token over %q to %q", endpoint, accepted.url, u.Scheme, u.Hostname())
		}
	}
	if u, err := url.Parse(endpoint); liveErr == nil && baseErr != nil && err == nil && u.RawQuery == "" && u.Fragment == "" {
		t.Fatalf("endpoint %q passes live.CheckEndpoint but the client refuses it: %v", endpoint, baseErr)
	}
	if secret == "" {
		return
	}
	for _, msg := range []string{driver.EndpointText(endpoint), errText(liveErr), errText(baseErr)} {
		if strings.Contains(msg, secret) {
			t.Fatalf("endpoint %q quoted with its password: %s", endpoint, msg)
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
