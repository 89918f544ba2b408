package ga4

import (
	"net/http"

	"github.com/roster-dev/roster/internal/fake/fakekit"
)

// AdminPaths lists the admin endpoints under /_fake/. Parents are
// "accounts/N" or "properties/N".
var AdminPaths = []string{
	`POST /_fake/add-binding {"parent","user","roles"} -> {"id"}  (replaces the user's binding there)`,
	`POST /_fake/remove-binding {"parent","user"}`,
	`POST /_fake/add-property {"account","id","name"}`,
	`POST /_fake/trash-property {"id"}`,
	`POST /_fake/advance {"duration":"31m"}`,
	`POST /_fake/set-now {"now":"2026-01-01T00:00:00Z"}`,
	`POST /_fake/fail {"method","path_prefix","status","count","retry_after","body"}  (count 0: always)`,
	`POST /_fake/clear-failures`,
	`GET  /_fake/requests  (text: one "METHOD path" line per API request, /token included)`,
	`POST /_fake/reset-requests`,
	`GET  /_fake/state  (JSON dump)`,
}

type adminBody struct {
	Parent  string   `json:"parent"`
	User    string   `json:"user"`
	Roles   []string `json:"roles"`
	Account string   `json:"account"`
	ID      string   `json:"id"`
	Name    string   `json:"name"`
}

func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	var b adminBody
	admin := fakekit.Admin{Paths: AdminPaths, Hooks: s, State: func() any { return s.State() }}
	admin.Serve(w, r, &b, func(c *fakekit.AdminCall) bool {
		switch c.Name {
		case "add-binding":
			c.ID(s.AddBinding(b.Parent, b.User, b.Roles...))
		case "remove-binding":
			c.Done(s.RemoveBinding(b.Parent, b.User))
		case "add-property":
			c.Done(s.AddProperty(b.Account, b.ID, b.Name))
		case "trash-property":
			c.Done(s.TrashProperty(b.ID))
		default:
			return false
		}
		return true
	})
}
