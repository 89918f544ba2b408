package model

import (
	"slices"
	"testing"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

func TestParseRoleAccess(t *testing.T) {
	tests := []struct {
		in   string
		want RoleAccess
		ok   bool
	}{
		{"mia@lumen.app: admin via role Analysts", RoleAccess{"mia@lumen.app", "admin", "Analysts"}, true},
		// A role's name is free text on the platform: spaces, colons and
		// the separator itself are kept.
		{"mia@lumen.app: member via role Data: EU via role x", RoleAccess{"mia@lumen.app", "member", "Data: EU via role x"}, true},
		{"mia@lumen.app: admin via role ", RoleAccess{}, false},
		{"mia@lumen.app admin via role Analysts", RoleAccess{}, false},
		{"Mia@lumen.app: admin via role Analysts", RoleAccess{}, false}, // not normalised
		{"mia: admin via role Analysts", RoleAccess{}, false},
		{"mia@lumen.app: via role Analysts", RoleAccess{}, false},
		{"mia@lumen.app: project admin via role Analysts", RoleAccess{}, false},
		{"", RoleAccess{}, false},
		{"mia@lumen.app: admin via role Ana\x1b[2Jlysts", RoleAccess{}, false}, // printed on terminals
		{"mia@lumen.app: admin via role A\nB", RoleAccess{}, false},
	}
	for _, tt := range tests {
		got, err := ParseRoleAccess(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseRoleAccess(%q) = %+v, %v; want %+v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
		if tt.ok && got.String() != tt.in {
			t.Errorf("%q reads back as %q", tt.in, got.String())
		}
	}
}

// A site's role access survives the object JSON codec both ways, sorted,
// and is absent from sites without any, so every other site's JSON stays
// as it was.
func TestSiteRoleAccessJSON(t *testing.T) {
	s := &Object{Addr: SiteAddress("ph", "Production"), DefaultAccess: "none"}
	plain, _ := s.MarshalJSON()
	if contains(plain, "role_access") {
		t.Fatalf("site without role access: %s", plain)
	}
	if err := s.SetAttr("role_access", []any{"tom@x.io: admin via role Analysts", "mia@x.io: admin via role Analysts", "tom@x.io: admin via role Analysts"}); err != nil {
		t.Fatal(err)
	}
	want := []RoleAccess{{"mia@x.io", "admin", "Analysts"}, {"tom@x.io", "admin", "Analysts"}}
	if !slices.Equal(s.RoleAccess, want) {
		t.Fatalf("role access %v, want sorted without repeats", s.RoleAccess)
	}
	data, _ := s.MarshalJSON()
	if !jsontext.Value(data).IsValid() || !contains(data, `"remote_id":null,"role_access":["mia@x.io: admin via role Analysts","tom@x.io: admin via role Analysts"]}`) {
		t.Fatalf("JSON %s", data)
	}
	// Attrs and AttrsJSON agree: the attributes as a map, keys sorted,
	// are the attributes' JSON.
	m := map[string]any{}
	for _, a := range s.Attrs() {
		m[a.Name] = a.Value
	}
	ref, _ := json.Marshal(m, json.Deterministic(true))
	if string(ref) != string(s.AttrsJSON()) {
		t.Fatalf("AttrsJSON %s, the attributes as a map %s", s.AttrsJSON(), ref)
	}
	var back Object
	if err := back.UnmarshalJSON(data); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.RoleAccess, want) {
		t.Fatalf("read back %v", back.RoleAccess)
	}
	c := s.Clone()
	c.RoleAccess[0].Level = "member"
	if s.RoleAccess[0].Level != "admin" {
		t.Error("Clone shares role access")
	}
	for name, v := range map[string]any{
		"a number":          []any{1.0},
		"a string":          "mia@x.io: admin via role Analysts",
		"a malformed entry": []any{"mia@x.io admin"},
	} {
		if err := s.SetAttr("role_access", v); err == nil {
			t.Errorf("role_access accepted %s", name)
		}
	}
	g := &Object{Addr: MemberAddress("ph", "mia@x.io")}
	if err := g.SetAttr("role_access", []any{"mia@x.io: admin via role Analysts"}); err == nil {
		t.Error("a member accepted role access")
	}
	if err := s.SetAttr("role_access", nil); err != nil || s.RoleAccess != nil {
		t.Errorf("null role access: %v, %v", err, s.RoleAccess)
	}
}
