package matomo

import (
	"fmt"
	"net/http"
	"time"

	"github.com/roster-dev/roster/internal/fake/fakekit"
)

// AdminPaths lists the admin endpoints under /_fake/. Every one takes POST
// with a JSON body, except GET /_fake/requests and GET /_fake/state.
var AdminPaths = []string{
	`POST /_fake/accept {"login"}  (the invitee accepts)`,
	`POST /_fake/add-user {"login","email","superuser","invite_expires","invited_by"}`,
	`POST /_fake/add-token {"token","login"}`,
	`POST /_fake/add-site {"id","name"}`,
	`POST /_fake/set-access {"login","site","access":["write","tagmanager_publish_live_container"]}  (access [] removes; a change made in the UI)`,
	`POST /_fake/delete-user {"login"}`,
	`POST /_fake/set-email {"login","email"}  (the user changes their email in the UI; the login stays)`,
	`POST /_fake/set-version {"version":"4.11.0"}`,
	`POST /_fake/advance {"duration":"72h"}`,
	`POST /_fake/set-now {"now":"2026-01-01T00:00:00Z"}`,
	`POST /_fake/fail {"method","path_prefix","status","count","retry_after","body"}  (path_prefix matches "/index.php?method=MODULE.METHOD&", so a trailing "&" names one method exactly; count 0: always)`,
	`POST /_fake/clear-failures`,
	`GET  /_fake/requests  (text: one "POST /index.php?method=MODULE.METHOD" line per API request)`,
	`POST /_fake/reset-requests`,
	`GET  /_fake/state  (JSON dump)`,
}

type adminBody struct {
	Login         string   `json:"login"`
	Email         string   `json:"email"`
	Superuser     bool     `json:"superuser"`
	InviteExpires string   `json:"invite_expires"`
	InvitedBy     string   `json:"invited_by"`
	Token         string   `json:"token"`
	ID            int      `json:"id"`
	Name          string   `json:"name"`
	Site          int      `json:"site"`
	Access        []string `json:"access"`
	Version       string   `json:"version"`
}

func (s *Server) admin(w http.ResponseWriter, r *http.Request) {
	a := fakekit.Admin{Paths: AdminPaths, Hooks: s, State: func() any { return s.Dump() }}
	var b adminBody
	a.Serve(w, r, &b, func(c *fakekit.AdminCall) bool {
		switch c.Name {
		case "accept":
			c.Done(s.Accept(b.Login))
		case "add-user":
			c.Done(s.AddUser(SeedUser{Login: b.Login, Email: b.Email, Superuser: b.Superuser, InviteExpires: b.InviteExpires, InvitedBy: b.InvitedBy}))
		case "add-token":
			c.Done(s.AddToken(b.Token, b.Login))
		case "add-site":
			s.Mu.Lock()
			s.sites[b.ID] = b.Name
			s.Mu.Unlock()
			c.OK()
		case "set-access":
			c.Done(s.SetAccess(b.Login, b.Site, b.Access))
		case "delete-user":
			c.Done(s.DeleteUser(b.Login))
		case "set-email":
			c.Done(s.SetEmail(b.Login, b.Email))
		case "set-version":
			s.Mu.Lock()
			s.version = b.Version
			s.Mu.Unlock()
			c.OK()
		default:
			return false
		}
		return true
	})
}

// AddUser adds a user by hand.
func (s *Server) AddUser(u SeedUser) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	if u.Login == "" || s.users[u.Login] != nil {
		return fmt.Errorf("login %q is empty or taken", u.Login)
	}
	nu := &user{login: u.Login, email: u.Email, superuser: u.Superuser, invitedBy: u.InvitedBy}
	if u.InviteExpires != "" {
		t, err := time.Parse(time.RFC3339, u.InviteExpires)
		if err != nil {
			return fmt.Errorf("invite_expires %q is not an RFC 3339 time", u.InviteExpires)
		}
		nu.inviteToken, nu.inviteExpires = true, t
	}
	s.users[u.Login] = nu
	return nil
}

// AddToken gives a user a token_auth.
func (s *Server) AddToken(token, login string) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	if s.users[login] == nil {
		return fmt.Errorf("no user %q", login)
	}
	s.tokens[token] = login
	return nil
}
