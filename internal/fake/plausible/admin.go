package plausible

import (
	"net/http"

	"github.com/roster-dev/roster/internal/fake/fakekit"
)

// AdminPaths lists the admin endpoints under /_fake/, for documentation
// and for Call's usage message. Every one takes POST with a JSON body and
// answers {"ok":true} (or {"error":"..."} with 400), except GET
// /_fake/requests and GET /_fake/state. "site" is a domain; "team" is a
// team's id or name, and may be left out when there is one team.
var AdminPaths = []string{
	`POST /_fake/accept {"email","site"}  (site "" or absent: every pending invitation of the email)`,
	`POST /_fake/add-guest {"site","email","role","status"}  (role viewer|editor; status invited|accepted, default accepted)`,
	`POST /_fake/set-guest-role {"site","email","role"}  (by hand, as in the UI)`,
	`POST /_fake/remove-guest {"site","email"}`,
	`POST /_fake/add-member {"team","email","role"}  (role owner|admin|editor|viewer|billing; their guest access in the team goes)`,
	`POST /_fake/promote {"team","email","role"}  (a guest becomes a team member; their guest memberships and invitations go)`,
	`POST /_fake/set-member-role {"team","email","role"}`,
	`POST /_fake/remove-member {"team","email"}`,
	`POST /_fake/add-team {"id","name","api_available","no_sites_api","member_limit"} -> {"id"}`,
	`POST /_fake/add-site {"team","domain","timezone"}`,
	`POST /_fake/add-key {"key","email","team","read_only","hourly_limit"}`,
	`POST /_fake/spend {"key","count"}  (count requests of the key in the current clock hour)`,
	`POST /_fake/expire-invitations  (advances the clock 72h: the daily 01:00 UTC job deletes every pending invitation)`,
	`POST /_fake/cleanup  (runs the daily job now: invitations older than 48h go)`,
	`POST /_fake/advance {"duration":"72h"}`,
	`POST /_fake/set-now {"now":"2026-01-01T00:00:00Z"}  (also /_fake/set-clock)`,
	`POST /_fake/fail {"method","path_prefix","status","count","retry_after","body"}  (count 0: always)`,
	`POST /_fake/clear-failures`,
	`GET  /_fake/requests  (text: one "METHOD path" line per API request)`,
	`POST /_fake/reset-requests`,
	`GET  /_fake/state  (JSON dump, team members included)`,
}

type adminBody struct {
	Email        string `json:"email"`
	Site         string `json:"site"`
	Role         string `json:"role"`
	Status       string `json:"status"`
	Team         string `json:"team"`
	ID           string `json:"id"`
	Name         string `json:"name"`
	APIAvailable bool   `json:"api_available"`
	NoSitesAPI   bool   `json:"no_sites_api"`
	MemberLimit  int    `json:"member_limit"`
	Domain       string `json:"domain"`
	Timezone     string `json:"timezone"`
	Key          string `json:"key"`
	ReadOnly     bool   `json:"read_only"`
	HourlyLimit  int    `json:"hourly_limit"`
	Count        int    `json:"count"`
	Now          string `json:"now"`
}

func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	var b adminBody
	admin := fakekit.Admin{Paths: AdminPaths, Hooks: s, State: func() any { return s.State() }}
	admin.Serve(w, r, &b, func(c *fakekit.AdminCall) bool {
		switch c.Name {
		case "accept":
			c.Done(s.Accept(b.Site, b.Email))
		case "add-guest":
			c.Done(s.AddGuest(b.Site, b.Email, b.Role, b.Status))
		case "set-guest-role":
			c.Done(s.SetGuestRole(b.Site, b.Email, b.Role))
		case "remove-guest":
			c.Done(s.RemoveGuest(b.Site, b.Email))
		case "add-member":
			c.Done(s.AddMember(b.Team, b.Email, b.Role))
		case "promote":
			c.Done(s.Promote(b.Team, b.Email, b.Role))
		case "set-member-role":
			c.Done(s.SetMemberRole(b.Team, b.Email, b.Role))
		case "remove-member":
			c.Done(s.RemoveMember(b.Team, b.Email))
		case "add-team":
			c.ID(s.AddTeam(SeedTeam{ID: b.ID, Name: b.Name, APIAvailable: b.APIAvailable, NoSitesAPI: b.NoSitesAPI, MemberLimit: b.MemberLimit}))
		case "add-site":
			c.Done(s.AddSite(b.Team, b.Domain, b.Timezone))
		case "add-key":
			c.Done(s.AddKey(SeedKey{Key: b.Key, Email: b.Email, Team: b.Team, ReadOnly: b.ReadOnly, HourlyLimit: b.HourlyLimit}))
		case "spend":
			c.Done(s.Spend(b.Key, b.Count))
		case "expire-invitations":
			s.ExpireInvitations()
			c.OK()
		case "cleanup":
			s.RunCleanup()
			c.OK()
		case "set-clock": // an older name of set-now
			c.SetNow(b.Now)
		default:
			return false
		}
		return true
	})
}
