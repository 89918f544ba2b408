package kit

import (
	"fmt"
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

var pageShape = Obj{
	"count":   Int,
	"next":    Null(String),
	"results": List(Obj{"id": String, "level": Int, "user": Obj{"email": String}}),
	"extra":   Opt(Bool),
}

// TestCheckQuotesKeysCut: json/v2's text of a syntax error quotes the
// answer's keys, of any length; Check's error keeps one line of at most
// 300 bytes of it (Words), found by the drivers' FuzzWriteAnswer.
func TestCheckQuotesKeysCut(t *testing.T) {
	long := strings.Repeat("k", 2000)
	for _, body := range []string{`{"` + long + `":1,"` + long + `":2}`, `{"` + long + `":[1,x]}`} {
		err := Check([]byte(body), pageShape)
		if err == nil || len(err.Error()) > 400 || strings.Contains(err.Error(), "\n") {
			t.Errorf("%.40s...: error of %d bytes: %.120v", body, len(fmt.Sprint(err)), err)
		}
	}
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		body string
		err  string // "" for none
	}{
		{`{"count":1,"next":null,"results":[{"id":"a","level":1,"user":{"email":"a@x"}}]}`, ""},
		{`{"count":0,"next":null,"results":[],"extra":true,"other":1}`, ""},
		{`{"count":0,"next":null,"results":null}`, "results is null where a list belongs"},
		{`{"count":0,"next":null,"results":{}}`, "results is an object where a list belongs"},
		{`{"count":0,"next":null}`, "results is missing"},
		{`{"count":"1","next":null,"results":[]}`, "count is a string where an integer belongs"},
		{`{"count":1.5,"next":null,"results":[]}`, "count is a number where an integer belongs"},
		{`{"count":1,"next":3,"results":[]}`, "next is a number where a string belongs"},
		{`{"count":1,"next":null,"results":[{"id":"a","level":1,"user":null}]}`, "results[0].user is null where an object belongs"},
		{`{"count":1,"next":null,"results":[{"id":"a","level":1,"user":{"email":7}}]}`, "results[0].user.email is a number where a string belongs"},
		{`{"count":0,"next":null,"results":[],"extra":"yes"}`, "extra is a string where true or false belongs"},
		{`null`, "the answer is null where an object belongs"},
		{`[]`, "the answer is a list where an object belongs"},
		{``, "the answer is empty"},
		{`{"count":0`, "not JSON"},
		{`{} {}`, "not JSON"},
		{`{"count":1,"next":null,"results":[],"results":null}`, `repeats a key in an object (duplicate object member name "results")`},
		{`{"count":1,"next":null,"results":[{"id":"a","id":"b","level":1,"user":{"email":"a@x"}}]}`, `"id" within "/results/0"`},
		{"{\"count\":1,\"next\":\"\xff\",\"results\":[]}", "invalid UTF-8"},
	} {
		err := Check([]byte(tc.body), pageShape)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.body, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want %q", tc.body, err, tc.err)
		}
	}
	if err := Check([]byte(`{"id":12}`), Obj{"id": ID}); err != nil {
		t.Error(err)
	}
	if err := Check([]byte(`{"id":""}`), Obj{"id": ID}); err == nil {
		t.Error("an empty id passed")
	}
}

func TestPager(t *testing.T) {
	n := func(i int) *int { return &i }
	type page struct {
		items int
		total *int
		more  bool
	}
	for _, tc := range []struct {
		name   string
		linked bool
		pages  []page
		err    string // the last page's error; "" when the list completes
	}{
		{"linked, two pages", true, []page{{100, n(150), true}, {50, n(150), false}}, ""},
		{"cursor without total", true, []page{{100, nil, true}, {3, nil, false}}, ""},
		{"empty list", true, []page{{0, n(0), false}}, ""},
		{"empty page while next promises more", true, []page{{100, n(150), true}, {0, n(150), true}}, "page 2 is empty after 100 items of a stated total of 150"},
		{"empty cursor page with a cursor", true, []page{{0, nil, true}}, "page 1 is empty while the paging promises more"},
		{"count disagrees with the items", true, []page{{100, n(150), true}, {40, n(150), false}}, "ended after 140 items, but its stated total is 150"},
		{"next promises more past the count", true, []page{{100, n(100), true}}, "promises more"},
		{"total changes", true, []page{{100, n(150), true}, {50, n(151), false}}, "total changed from 150 to 151"},
		{"too many items", true, []page{{10, n(5), false}}, "more than the stated total"},
		{"total-paged", false, []page{{1000, n(1500), false}, {500, n(1500), false}}, ""},
		{"total-paged empty page short of the total", false, []page{{1000, n(1500), false}, {0, n(1500), false}}, "page 2 is empty after 1000 items of a stated total of 1500"},
		{"total-paged without a total", false, []page{{3, nil, false}}, "states no total"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Pager{Linked: tc.linked}
			for i, pg := range tc.pages {
				done, err := p.Page(pg.items, pg.total, pg.more)
				last := i == len(tc.pages)-1
				if !last {
					if err != nil || done {
						t.Fatalf("page %d: done %v, %v", i+1, done, err)
					}
					continue
				}
				switch {
				case tc.err == "" && (err != nil || !done):
					t.Fatalf("last page: done %v, %v", done, err)
				case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
					t.Fatalf("error %v, want %q", err, tc.err)
				}
			}
		})
	}
}

func TestBodyText(t *testing.T) {
	long := strings.Repeat("x", 301)
	for _, tc := range []struct {
		body string
		want string
	}{
		{"", "HTTP 502"},
		{" \n\t", "HTTP 502"},
		{"<html>\n  Bad   gateway </html>", "<html> Bad gateway </html>"},
		{long, strings.Repeat("x", 300) + "..."},
	} {
		if got := BodyText([]byte(tc.body), 502); got != tc.want {
			t.Errorf("BodyText(%q) = %q, want %q", tc.body, got, tc.want)
		}
	}
}

func TestKeepsAsGuest(t *testing.T) {
	grant := func(action plan.Action, site string, hk model.HolderKind) plan.Change {
		c := plan.Change{Addr: model.PersonGrantAddress("acme", site, "gus@agency.io"), Action: action}
		if action != plan.Delete {
			c.After = &model.Object{Addr: c.Addr, Role: "view", HolderKind: hk}
		}
		return c
	}
	member := plan.Change{Addr: model.MemberAddress("acme", "gus@agency.io"), Action: plan.Delete}
	site := func(c *plan.Change) (string, bool) { return c.Addr.Site, c.Addr.Site != "undeclared" }
	for _, tc := range []struct {
		name    string
		guest   bool
		changes []plan.Change // the member change first
		left    []string
		want    bool
	}{
		{"a guest with access left", true, []plan.Change{member}, []string{"web"}, true},
		{"a member with access left goes", false, []plan.Change{member}, []string{"web"}, false},
		{"a guest whose last grant goes", true, []plan.Change{member, grant(plan.Delete, "web", model.HolderGuest)}, []string{"web"}, false},
		{"made a guest by a grant of this apply", false, []plan.Change{member, grant(plan.Create, "shop", model.HolderGuest)}, nil, true},
		{"a grant on an unresolved site counts for nothing", true, []plan.Change{member, grant(plan.Create, "undeclared", model.HolderMember)}, nil, false},
	} {
		left := map[string]bool{}
		for _, s := range tc.left {
			left[s] = true
		}
		all := make([]int, len(tc.changes))
		for i := range all {
			all[i] = i
		}
		if got := KeepsAsGuest(tc.guest, tc.changes, all, all, 0, left, site); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
