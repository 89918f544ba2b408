package fakepiwikpro

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// AdminPaths lists the admin endpoints under /_fake/, for documentation
// and for Call's usage message. Every one takes POST with a JSON body
// (any Content-Type), except GET /_fake/requests and GET /_fake/state.
// Apps and groups are named by name or id; roles are OWNER or USER (any
// case); permissions are no-access, view, edit, edit-publish or manage.
var AdminPaths = []string{
	`POST /_fake/add-user {"email","role"} -> {"id"}`,
	`POST /_fake/set-role {"email","role"}`,
	`POST /_fake/remove-user {"email"}`,
	`POST /_fake/add-app {"name"} -> {"id"}`,
	`POST /_fake/add-meta-site {"name"} -> {"id"}`,
	`POST /_fake/set-permission {"email","app","permission"}  ("no-access" or "" removes)`,
	`POST /_fake/add-group {"name"} -> {"id"}`,
	`POST /_fake/remove-group {"group"}`,
	`POST /_fake/add-to-group {"group","email"}`,
	`POST /_fake/remove-from-group {"group","email"}`,
	`POST /_fake/set-group-permission {"group","app","permission"}  ("no-access" or "" removes)`,
	`POST /_fake/add-client {"client_id","client_secret","email"}`,
	`POST /_fake/expire-tokens  (every token issued so far gets 401 from now on)`,
	`POST /_fake/advance {"duration":"31m"}`,
	`POST /_fake/set-now {"now":"2026-01-01T00:00:00Z"}`,
	`POST /_fake/set-rate-limits {"reads_per_minute","writes_per_minute"}  (0 keeps, negative: no limit)`,
	`POST /_fake/fail {"method","path_prefix","status","count","retry_after","body"}  (count 0: always)`,
	`POST /_fake/clear-failures`,
	`GET  /_fake/requests  (text: one "METHOD path" line per API request, /auth/token included)`,
	`POST /_fake/reset-requests`,
	`GET  /_fake/state  (JSON dump)`,
}

type adminBody struct {
	Email           string `json:"email"`
	Role            string `json:"role"`
	Name            string `json:"name"`
	App             string `json:"app"`
	Group           string `json:"group"`
	Permission      string `json:"permission"`
	ClientID        string `json:"client_id"`
	ClientSecret    string `json:"client_secret"`
	Duration        string `json:"duration"`
	Now             string `json:"now"`
	ReadsPerMinute  int    `json:"reads_per_minute"`
	WritesPerMinute int    `json:"writes_per_minute"`
}

func writePlain(w http.ResponseWriter, status int, v any) {
	writeJSON(w, status, "application/json", v)
}

func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	name := strings.Trim(strings.TrimPrefix(r.URL.Path, "/_fake/"), "/")
	fail := func(err error) { writePlain(w, http.StatusBadRequest, map[string]string{"error": err.Error()}) }
	ok := func() { writePlain(w, http.StatusOK, map[string]bool{"ok": true}) }
	id := func(id string, err error) {
		if err != nil {
			fail(err)
			return
		}
		writePlain(w, http.StatusOK, map[string]string{"id": id})
	}
	done := func(err error) {
		if err != nil {
			fail(err)
			return
		}
		ok()
	}
	switch name {
	case "requests":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		for _, l := range s.Requests() {
			io.WriteString(w, l+"\n") //nolint:errcheck
		}
		return
	case "state":
		writePlain(w, http.StatusOK, s.State())
		return
	}
	if r.Method != http.MethodPost {
		writePlain(w, http.StatusMethodNotAllowed, map[string]string{"error": "use POST; endpoints: " + strings.Join(AdminPaths, "; ")})
		return
	}
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var b adminBody
	var rule FailRule
	if len(strings.TrimSpace(string(raw))) > 0 {
		var err error
		if name == "fail" {
			err = json.Unmarshal(raw, &rule)
		} else {
			err = json.Unmarshal(raw, &b)
		}
		if err != nil {
			fail(fmt.Errorf("body: %v", err))
			return
		}
	}
	switch name {
	case "add-user":
		id(s.AddUser(b.Email, b.Role))
	case "set-role":
		done(s.SetRole(b.Email, b.Role))
	case "remove-user":
		done(s.RemoveUser(b.Email))
	case "add-app":
		id(s.AddApp(b.Name))
	case "add-meta-site":
		id(s.AddMetaSite(b.Name))
	case "set-permission":
		done(s.SetPermission(b.Email, b.App, b.Permission))
	case "add-group":
		id(s.AddGroup(b.Name))
	case "remove-group":
		done(s.RemoveGroup(b.Group))
	case "add-to-group":
		done(s.AddToGroup(b.Group, b.Email))
	case "remove-from-group":
		done(s.RemoveFromGroup(b.Group, b.Email))
	case "set-group-permission":
		done(s.SetGroupPermission(b.Group, b.App, b.Permission))
	case "add-client":
		done(s.AddClient(b.ClientID, b.ClientSecret, b.Email))
	case "expire-tokens":
		s.ExpireTokens()
		ok()
	case "advance":
		d, err := time.ParseDuration(b.Duration)
		if err != nil {
			fail(fmt.Errorf("duration %q: %v", b.Duration, err))
			return
		}
		s.Advance(d)
		ok()
	case "set-now":
		t, err := time.Parse(time.RFC3339, b.Now)
		if err != nil {
			fail(fmt.Errorf("now %q is not an RFC 3339 time", b.Now))
			return
		}
		s.SetNow(t)
		ok()
	case "set-rate-limits":
		s.SetRateLimits(RateLimits{ReadsPerMinute: b.ReadsPerMinute, WritesPerMinute: b.WritesPerMinute})
		ok()
	case "fail":
		if rule.Status < 100 || rule.Status > 599 {
			fail(fmt.Errorf("status %d is not an HTTP status", rule.Status))
			return
		}
		s.Fail(rule)
		ok()
	case "clear-failures":
		s.ClearFailures()
		ok()
	case "reset-requests":
		s.ResetRequests()
		ok()
	default:
		writePlain(w, http.StatusNotFound, map[string]string{"error": "unknown admin endpoint; endpoints: " + strings.Join(AdminPaths, "; ")})
	}
}
