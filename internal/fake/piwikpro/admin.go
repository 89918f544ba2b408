package piwikpro

import (
	"net/http"

	"github.com/roster-dev/roster/internal/fake/fakekit"
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
	ReadsPerMinute  int    `json:"reads_per_minute"`
	WritesPerMinute int    `json:"writes_per_minute"`
}

func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	var b adminBody
	admin := fakekit.Admin{Paths: AdminPaths, Hooks: s, State: func() any { return s.State() }}
	admin.Serve(w, r, &b, func(c *fakekit.AdminCall) bool {
		switch c.Name {
		case "add-user":
			c.ID(s.AddUser(b.Email, b.Role))
		case "set-role":
			c.Done(s.SetRole(b.Email, b.Role))
		case "remove-user":
			c.Done(s.RemoveUser(b.Email))
		case "add-app":
			c.ID(s.AddApp(b.Name))
		case "add-meta-site":
			c.ID(s.AddMetaSite(b.Name))
		case "set-permission":
			c.Done(s.SetPermission(b.Email, b.App, b.Permission))
		case "add-group":
			c.ID(s.AddGroup(b.Name))
		case "remove-group":
			c.Done(s.RemoveGroup(b.Group))
		case "add-to-group":
			c.Done(s.AddToGroup(b.Group, b.Email))
		case "remove-from-group":
			c.Done(s.RemoveFromGroup(b.Group, b.Email))
		case "set-group-permission":
			c.Done(s.SetGroupPermission(b.Group, b.App, b.Permission))
		case "add-client":
			c.Done(s.AddClient(b.ClientID, b.ClientSecret, b.Email))
		case "expire-tokens":
			s.ExpireTokens()
			c.OK()
		case "set-rate-limits":
			s.SetRateLimits(RateLimits{ReadsPerMinute: b.ReadsPerMinute, WritesPerMinute: b.WritesPerMinute})
			c.OK()
		default:
			return false
		}
		return true
	})
}
