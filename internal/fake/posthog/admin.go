package posthog

import (
	"fmt"
	"net/http"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/roster-dev/roster/internal/fake/fakekit"
)

// AdminPaths lists the admin endpoints under /_fake/, for documentation
// and for Call's usage message. Every one takes POST with a JSON body,
// except GET /_fake/requests and GET /_fake/state.
var AdminPaths = []string{
	`POST /_fake/accept {"email"}`,
	`POST /_fake/add-member {"email","level"} -> {"id","user_uuid"}`,
	`POST /_fake/add-user {"email"}`,
	`POST /_fake/add-key {"key","email","scopes"}  (scopes absent: a legacy key that may do anything)`,
	`POST /_fake/set-level {"email","level"}`,
	`POST /_fake/remove-member {"email"}`,
	`POST /_fake/grant {"email","project","level"}  (project: name or id; level none|member|admin, "" deletes)`,
	`POST /_fake/add-project {"name","default_access_level"} -> {"id"}`,
	`POST /_fake/set-default {"project","level"}`,
	`POST /_fake/role-member {"role","email","remove"}  (adds a member to an RBAC role by its name; remove:true takes them out)`,
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
	Level                jsontext.Value  `json:"level"`
	Key                  string          `json:"key"`
	Scopes               []string        `json:"scopes"`
	Project              ProjectRef      `json:"project"`
	Name                 string          `json:"name"`
	DefaultAccessLevel   string          `json:"default_access_level"`
	PrivateProjectAccess []ProjectAccess `json:"private_project_access"`
	CreatedAt            string          `json:"created_at"`
	CreatedBy            string          `json:"created_by"`
	Role                 string          `json:"role"`
	Remove               bool            `json:"remove"`
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
	var b adminBody
	admin := fakekit.Admin{Paths: AdminPaths, Hooks: s, State: func() any { return s.State() }}
	admin.Serve(w, r, &b, func(c *fakekit.AdminCall) bool {
		switch c.Name {
		case "accept":
			c.Done(s.Accept(b.Email))
		case "add-member":
			lvl, err := b.intLevel()
			if err == nil && lvl == 0 {
				lvl = LevelMember
			}
			if err != nil {
				c.Fail(err)
				return true
			}
			id, uuid, err := s.AddMember(b.Email, lvl)
			if err != nil {
				c.Fail(err)
				return true
			}
			c.JSON(map[string]string{"id": id, "user_uuid": uuid})
		case "add-user":
			c.Done(s.AddUser(b.Email))
		case "add-key":
			c.Done(s.AddScopedKey(b.Key, b.Email, b.Scopes))
		case "set-level":
			lvl, err := b.intLevel()
			if err == nil {
				err = s.SetLevel(b.Email, lvl)
			}
			c.Done(err)
		case "remove-member":
			c.Done(s.RemoveMember(b.Email))
		case "grant":
			lvl, err := b.strLevel()
			if err == nil {
				err = s.Grant(b.Email, string(b.Project), lvl)
			}
			c.Done(err)
		case "add-project":
			id, err := s.AddProject(b.Name, b.DefaultAccessLevel)
			if err != nil {
				c.Fail(err)
				return true
			}
			c.JSON(map[string]int{"id": id})
		case "set-default":
			lvl, err := b.strLevel()
			if err == nil {
				err = s.SetDefault(string(b.Project), lvl)
			}
			c.Done(err)
		case "role-member":
			c.Done(s.SetRoleMember(b.Role, b.Email, !b.Remove))
		case "invite":
			lvl, err := b.intLevel()
			if err == nil {
				err = s.Invite(SeedInvite{Email: b.Email, Level: lvl, PrivateProjectAccess: b.PrivateProjectAccess,
					CreatedAt: b.CreatedAt, CreatedBy: b.CreatedBy})
			}
			c.Done(err)
		case "expire-invites":
			s.ExpireInvites()
			c.OK()
		default:
			return false
		}
		return true
	})
}
