package model

import "testing"

func TestRekey(t *testing.T) {
	cases := []struct {
		a, from, to string
		want        string // "" when a does not move
	}{
		{"member/acme/old@x.com", "member/acme/old@x.com", "member/acme/new@x.com", "member/acme/new@x.com"},
		{"grant/acme/app/old@x.com", "member/acme/old@x.com", "member/acme/new@x.com", "grant/acme/app/new@x.com"},
		{"grant/other/app/old@x.com", "member/acme/old@x.com", "member/acme/new@x.com", ""},
		{"grant/acme/app/group:old", "member/acme/old@x.com", "member/acme/new@x.com", ""},
		{"grant/acme/app/a@x.com", "site/acme/app", "site/acme/shop", "grant/acme/shop/a@x.com"},
		{"grant/acme/web/a@x.com", "site/acme/app", "site/acme/shop", ""},
		{"site/acme/app2", "site/acme/app", "site/acme/shop", ""},
		{"grant/acme/app/group:g", "group/acme/g", "group/acme/h", "grant/acme/app/group:h"},
		{"grant/acme/app/g@x.com", "group/acme/g", "group/acme/h", ""},
		{"grant/acme/app/a@x.com", "team/acme", "team/beta", "grant/beta/app/a@x.com"},
		{"site/acme/app", "team/acme", "team/beta", "site/beta/app"},
		{"team/acme2", "team/acme", "team/beta", ""},
	}
	for _, c := range cases {
		a, _ := ParseAddress(c.a)
		from, _ := ParseAddress(c.from)
		to, _ := ParseAddress(c.to)
		got, ok := Rekey(a, from, to)
		switch {
		case c.want == "" && ok:
			t.Errorf("Rekey(%s, %s→%s) moved it to %s", c.a, c.from, c.to, got)
		case c.want != "" && (!ok || got.String() != c.want):
			t.Errorf("Rekey(%s, %s→%s) = %s %v, want %s", c.a, c.from, c.to, got, ok, c.want)
		}
	}
}
