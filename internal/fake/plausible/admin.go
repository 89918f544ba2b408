package fakeplausible

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
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
	Duration     string `json:"duration"`
	Now          string `json:"now"`
}

func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	name := strings.Trim(strings.TrimPrefix(r.URL.Path, "/_fake/"), "/")
	fail := func(err error) { writeErr(w, http.StatusBadRequest, err.Error()) }
	ok := func() { writeJSON(w, http.StatusOK, map[string]bool{"ok": true}) }
	switch name {
	case "requests":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		for _, l := range s.Requests() {
			io.WriteString(w, l+"\n") //nolint:errcheck
		}
		return
	case "state":
		writeJSON(w, http.StatusOK, s.State())
		return
	}
	if r.Method != http.MethodPost {
		writeErr(w, http.StatusMethodNotAllowed, "use POST; endpoints: "+strings.Join(AdminPaths, "; "))
		return
	}
	raw, _ := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
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
	done := func(err error) {
		if err != nil {
			fail(err)
			return
		}
		ok()
	}
	switch name {
	case "accept":
		done(s.Accept(b.Site, b.Email))
	case "add-guest":
		done(s.AddGuest(b.Site, b.Email, b.Role, b.Status))
	case "set-guest-role":
		done(s.SetGuestRole(b.Site, b.Email, b.Role))
	case "remove-guest":
		done(s.RemoveGuest(b.Site, b.Email))
	case "add-member":
		done(s.AddMember(b.Team, b.Email, b.Role))
	case "promote":
		done(s.Promote(b.Team, b.Email, b.Role))
	case "set-member-role":
		done(s.SetMemberRole(b.Team, b.Email, b.Role))
	case "remove-member":
		done(s.RemoveMember(b.Team, b.Email))
	case "add-team":
		id, err := s.AddTeam(SeedTeam{ID: b.ID, Name: b.Name, APIAvailable: b.APIAvailable, NoSitesAPI: b.NoSitesAPI, MemberLimit: b.MemberLimit})
		if err != nil {
			fail(err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"id": id})
	case "add-site":
		done(s.AddSite(b.Team, b.Domain, b.Timezone))
	case "add-key":
		done(s.AddKey(SeedKey{Key: b.Key, Email: b.Email, Team: b.Team, ReadOnly: b.ReadOnly, HourlyLimit: b.HourlyLimit}))
	case "spend":
		done(s.Spend(b.Key, b.Count))
	case "expire-invitations":
		s.ExpireInvitations()
		ok()
	case "cleanup":
		s.RunCleanup()
		ok()
	case "advance":
		d, err := time.ParseDuration(b.Duration)
		if err != nil {
			fail(fmt.Errorf("duration %q: %v", b.Duration, err))
			return
		}
		s.Advance(d)
		ok()
	case "set-now", "set-clock":
		t, err := time.Parse(time.RFC3339, b.Now)
		if err != nil {
			fail(fmt.Errorf("now %q is not an RFC 3339 time", b.Now))
			return
		}
		s.SetNow(t)
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
		writeErr(w, http.StatusNotFound, "unknown admin endpoint; endpoints: "+strings.Join(AdminPaths, "; "))
	}
}
