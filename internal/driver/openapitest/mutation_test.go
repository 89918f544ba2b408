package openapitest

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// TestContractCanFail proves the contract test fails when a driver sends
// what the documents do not allow: each row mutates one recorded request
// and must be reported.
func TestContractCanFail(t *testing.T) {
	piwik, ph := piwikDocs(t), []*document{posthogDoc(t)}
	piwikX, posthogX := piwikExchanges(t), posthogExchanges(t)
	find := func(xs []*exchange, method, pathPart string) *exchange {
		for _, x := range xs {
			if x.method == method && strings.Contains(x.path, pathPart) {
				c := *x
				c.reqHeader = x.reqHeader.Clone()
				return &c
			}
		}
		t.Fatalf("no %s %s recorded", method, pathPart)
		return nil
	}
	rows := []struct {
		name   string
		docs   []*document
		x      *exchange
		mutate func(x *exchange)
		want   string
	}{
		{"JSON:API endpoint sent application/json", piwik, find(piwikX, "POST", "/api/users/v2/invite"),
			func(x *exchange) { x.reqHeader.Set("Content-Type", "application/json") }, "Content-Type"},
		{"user groups v1 creation sent application/json", piwik, find(piwikX, "POST", "/api/user-groups/v1"),
			func(x *exchange) { x.reqHeader.Set("Content-Type", "application/json") }, "Content-Type"},
		{"a role outside the enum", piwik, find(piwikX, "PATCH", "/change-role"),
			func(x *exchange) { x.reqBody = bytes.Replace(x.reqBody, []byte(`"OWNER"`), []byte(`"superuser"`), 1) }, "superuser"},
		{"a PostHog level outside 1, 8, 15", ph, find(posthogX, "PATCH", "/members/"),
			func(x *exchange) { x.reqBody = bytes.Replace(x.reqBody, []byte(`"level":8`), []byte(`"level":3`), 1) }, "level"},
		{"a field of the wrong type", ph, find(posthogX, "POST", "/invites/"),
			func(x *exchange) {
				x.reqBody = bytes.Replace(x.reqBody, []byte(`"target_email":"new@x.io"`), []byte(`"target_email":7`), 1)
			}, "target_email"},
		{"a path no document has", piwik, find(piwikX, "POST", "/api/users/v2/invite"),
			func(x *exchange) { x.path = "/api/users/v2/invitation" }, "no route"},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			if err := validate(r.docs, r.x, true); err != nil {
				t.Fatalf("the recorded request is already refused: %v", err)
			}
			before := string(r.x.reqBody)
			r.mutate(r.x)
			if string(r.x.reqBody) == before && r.want != "Content-Type" && r.want != "no route" {
				t.Fatalf("the mutation changed nothing in %s", before)
			}
			err := validate(r.docs, r.x, true)
			if r.want == "no route" {
				if !errors.Is(err, errNoRoute) {
					t.Fatalf("a path in no document: %v", err)
				}
				return
			}
			if err == nil || errors.Is(err, errNoRoute) || !strings.Contains(err.Error(), r.want) {
				t.Fatalf("the mutated request passed or failed for another reason: %v", err)
			}
		})
	}
}
