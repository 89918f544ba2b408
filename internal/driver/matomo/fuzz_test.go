package matomo

import (
	"strings"
	"testing"
	"unicode/utf8"

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
		`{"result":"error","message":"a\n\u001b[2J` + strings.Repeat("é", 200) + `"}`, "[1,\n\u0007" + strings.Repeat("é", 200) + "]",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		// Matomo's words reach an error message: one line, nothing a
		// terminal acts on, at most 300 bytes of them.
		for _, msg := range []string{first(errorResult(body)), first(errorBody(body))} {
			if strings.IndexFunc(msg, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' }) >= 0 ||
				len(msg) > 303+len("an error answer without Matomo's message: ") || !utf8.ValidString(msg) && utf8.ValidString(string(body)) {
				t.Fatalf("%q gives the message %q", body, msg)
			}
		}
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

func first(s string, _ bool) string { return s }
