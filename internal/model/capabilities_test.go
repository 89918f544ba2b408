package model

import (
	"slices"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

// A grant's explicit platform capabilities survive the object JSON codec
// both ways, are sorted, and are absent from grants without any, so the
// JSON of every other object stays as it was.
func TestGrantCapabilitiesJSON(t *testing.T) {
	g := &Object{Addr: PersonGrantAddress("m", "Shop", "a@x.io"), Role: "view", HolderKind: HolderGuest, Status: StatusActive}
	plain, _ := g.MarshalJSON()
	if !jsontext.Value(plain).IsValid() || contains(plain, "capabilities") {
		t.Fatalf("grant without capabilities: %s", plain)
	}
	if err := g.SetAttr("capabilities", []any{"tagmanager_write", "a_cap", "tagmanager_write"}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(g.Capabilities, []string{"a_cap", "tagmanager_write"}) {
		t.Fatalf("capabilities %v, want sorted without duplicates", g.Capabilities)
	}
	data, _ := g.MarshalJSON()
	if !jsontext.Value(data).IsValid() || !contains(data, `"attrs":{"capabilities":["a_cap","tagmanager_write"],"expires":null`) {
		t.Fatalf("JSON %s", data)
	}
	var back Object
	if err := back.UnmarshalJSON(data); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.Capabilities, g.Capabilities) {
		t.Fatalf("read back %v", back.Capabilities)
	}
	m := &Object{Addr: MemberAddress("m", "a@x.io")}
	if err := m.SetAttr("capabilities", []any{"x"}); err == nil {
		t.Error("a member accepted capabilities")
	}
	if err := g.SetAttr("capabilities", []any{1.0}); err == nil {
		t.Error("a number accepted as a capability")
	}
}

func contains(b []byte, s string) bool { return strings.Contains(string(b), s) }
