package config

import (
	"fmt"
	"testing"
)

// TestMovedResolves checks that moves come out of the configuration with
// chains followed to their end, guests marked, and both address forms read.
func TestMovedResolves(t *testing.T) {
	src := `
team "acme" {
  platform = "piwikpro"
}
team "renamed" {
  platform = "piwikpro"
}
site "app" {
  team = "acme"
}
member "New@Acme.com" {
  team = "acme"
  role = "user"
}
guest "g2@agency.com" {
  team = "acme"
  grant "app" { role = "view" }
}
moved {
  from = "site/acme/a"
  to   = site.acme["b"]
}
moved {
  from = site.acme["b"]
  to   = site.acme["app"]
}
moved {
  from = member.acme["Old@Acme.com"]
  to   = member.acme["new@acme.com"]
}
moved {
  from = guest.acme["g1@agency.com"]
  to   = guest.acme["g2@agency.com"]
}
moved {
  from = team.old
  to   = team.renamed
}
`
	res := LoadSources([]Source{{Name: "main.hcl", Data: []byte(src)}})
	if res.Diags.HasErrors() {
		t.Fatal(res.Diags.Error())
	}
	got := ""
	for _, m := range res.Config.Moves {
		got += fmt.Sprintf("%s -> %s guest=%v\n", m.From, m.To, m.Guest)
	}
	want := "site/acme/a -> site/acme/app guest=false\n" +
		"site/acme/b -> site/acme/app guest=false\n" +
		"member/acme/old@acme.com -> member/acme/new@acme.com guest=false\n" +
		"member/acme/g1@agency.com -> member/acme/g2@agency.com guest=true\n" +
		"team/old -> team/renamed guest=false\n"
	if got != want {
		t.Errorf("moves:\n%s\nwant:\n%s", got, want)
	}
}
