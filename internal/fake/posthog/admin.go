package fakeposthog

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// AdminPaths lists the admin endpoints under /_fake/, for documentation
// and for Call's usage message. Every one takes POST with a JSON body,
// except GET /_fake/requests and GET /_fake/state.
var AdminPaths = []string{
	`POST /_fake/accept {"email"}`,
	`POST /_fake/add-member {"email","level"} -> {"id","user_uuid"}`,
	`POST /_fake/add-user {"email"}`,
	`POST /_fake/add-key {"key","email"}`,
	`POST /_fake/set-level {"email","level"}`,
	`POST /_fake/remove-member {"email"}`,
	`POST /_fake/grant {"email","project","level"}  (project: name or id; level none|member|admin, "" deletes)`,
	`POST /_fake/add-project {"name","default_access_level"} -> {"id"}`,
	`POST /_fake/set-default {"project","level"}`,
	`POST /_fake/invite {"email","level","private_project_access":[{"id","level"}],"created_at","created_by"}`,
	`POST /_fake/expire-invites  (advances the clock 4 days)`,
	`POST /_fake/advance {"duration":"72h"}`,
	`POST /_fake/set-now {"now":"2026-01-01T00:00:00Z"}`,
	`POST /_fake/fail {"method","path_prefix","status","count","retry_after","body"}  (count 0: always)`,
	`POST /_fake/clear-failures`,
	`GET  /_fake/requests  (text: one "METHOD path" line per API request)`,
	`POST /_fake/reset-requests`,
	`GET  /_fake/state  (JSON dump)`,
}

type adminBody struct {
	Email                string          `json:"email"`
	Level                json.RawMessage `json:"level"`
	Key                  string          `json:"key"`
	Project              ProjectRef      `json:"project"`
	Name                 string          `json:"name"`
	DefaultAccessLevel   string          `json:"default_access_level"`
	PrivateProjectAccess []ProjectAccess `json:"private_project_access"`
	CreatedAt            string          `json:"created_at"`
	CreatedBy            string          `json:"created_by"`
	Duration             string          `json:"duration"`
	Now                  string          `json:"now"`
}

// intLevel reads an organization level: a number or a string of digits.
func (b *adminBody) intLevel() (int, error) {
	if len(b.Level) == 0 || string(b.Level) == "null" {
		return 0, nil
	}
	var n int
	if err := json.Unmarshal(b.Level, &n); err == nil {
		return n, nil
	}
	var s string
	if err := json.Unmarshal(b.Level, &s); err == nil {
		switch s {
		case "member":
			return LevelMember, nil
		case "admin":
			return LevelAdmin, nil
		case "owner":
			return LevelOwner, nil
		}
		if _, err := fmt.Sscanf(s, "%d", &n); err == nil {
			return n, nil
		}
	}
	return 0, fmt.Errorf("level %s is not 1, 8 or 15", b.Level)
}

// strLevel reads a project access level ("" for null or absent).
func (b *adminBody) strLevel() (string, error) {
	if len(b.Level) == 0 || string(b.Level) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(b.Level, &s); err != nil {
		return "", fmt.Errorf("level %s is not none, member or admin", b.Level)
	}
	return s, nil
}

func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	name := strings.Trim(strings.TrimPrefix(r.URL.Path, "/_fake/"), "/")
	fail := func(err error) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
	}
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
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "use POST; endpoints: " + strings.Join(AdminPaths, "; ")})
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
	case "accept":
		if err := s.Accept(b.Email); err != nil {
			fail(err)
			return
		}
		ok()
	case "add-member":
		lvl, err := b.intLevel()
		if err == nil && lvl == 0 {
			lvl = LevelMember
		}
		if err != nil {
			fail(err)
			return
		}
		id, uuid, err := s.AddMember(b.Email, lvl)
		if err != nil {
			fail(err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"id": id, "user_uuid": uuid})
	case "add-user":
		if err := s.AddUser(b.Email); err != nil {
			fail(err)
			return
		}
		ok()
	case "add-key":
		if err := s.AddKey(b.Key, b.Email); err != nil {
			fail(err)
			return
		}
		ok()
	case "set-level":
		lvl, err := b.intLevel()
		if err == nil {
			err = s.SetLevel(b.Email, lvl)
		}
		if err != nil {
			fail(err)
			return
		}
		ok()
	case "remove-member":
		if err := s.RemoveMember(b.Email); err != nil {
			fail(err)
			return
		}
		ok()
	case "grant":
		lvl, err := b.strLevel()
		if err == nil {
			err = s.Grant(b.Email, string(b.Project), lvl)
		}
		if err != nil {
			fail(err)
			return
		}
		ok()
	case "add-project":
		id, err := s.AddProject(b.Name, b.DefaultAccessLevel)
		if err != nil {
			fail(err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]int{"id": id})
	case "set-default":
		lvl, err := b.strLevel()
		if err == nil {
			err = s.SetDefault(string(b.Project), lvl)
		}
		if err != nil {
			fail(err)
			return
		}
		ok()
	case "invite":
		lvl, err := b.intLevel()
		if err == nil {
			err = s.Invite(SeedInvite{Email: b.Email, Level: lvl, PrivateProjectAccess: b.PrivateProjectAccess,
				CreatedAt: b.CreatedAt, CreatedBy: b.CreatedBy})
		}
		if err != nil {
			fail(err)
			return
		}
		ok()
	case "expire-invites":
		s.ExpireInvites()
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
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "unknown admin endpoint; endpoints: " + strings.Join(AdminPaths, "; ")})
	}
}
