package matomo

import (
	"testing"

	json "github.com/go-json-experiment/json"

	"github.com/roster-dev/roster/internal/driver/kit"
)

// FuzzAnswers feeds Matomo answers the driver reads to its parsers: no
// input may panic, and an answer that passes the users' shape decodes.
func FuzzAnswers(f *testing.F) {
	for _, s := range []string{
		`{"result":"error","message":"x"}`, `{"value":"5.2.0"}`, `[{"idsite":"1","name":"Shop"}]`,
		`{"1":{"idsite":1,"name":"Shop"}}`, `[{"login":"a","email":"a@x.io","superuser_access":"0","invite_status":6.0}]`,
		`[{"login":"a","role":"view","capabilities":["tagmanager_write"]}]`, `null`, `[]`, `{}`, `<xml/>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		errorResult(body)
		errorBody(body)
		decodeSites(body) //nolint:errcheck
		parseVersion(string(body))
		if kit.Check(body, usersShape) == nil {
			var users []apiUser
			if err := json.Unmarshal(body, &users); err != nil {
				t.Fatalf("a shaped answer did not decode: %v", err)
			}
			for _, u := range users {
				flag(u.Superuser)            //nolint:errcheck
				inviteStatus(u.InviteStatus) //nolint:errcheck
			}
		}
		if kit.Check(body, roleRowsShape) == nil {
			var rows []apiRoleRow
			if err := json.Unmarshal(body, &rows); err != nil {
				t.Fatalf("a shaped answer did not decode: %v", err)
			}
		}
	})
}
