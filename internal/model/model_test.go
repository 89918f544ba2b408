package model

import (
	"strings"
	"testing"
)

func TestAddressRoundTrip(t *testing.T) {
	for _, s := range []string{
		"team/acme",
		"site/acme/mysite.com",
		"member/acme/alice@acme.com",
		"grant/acme/mysite.com/jane@agency.com",
		"group/acme/analysts",
		"grant/acme/shop-app/group:analysts",
		"site/bw-posthog/Production",
	} {
		a, err := ParseAddress(s)
		if err != nil {
			t.Fatalf("ParseAddress(%q): %v", s, err)
		}
		if got := a.String(); got != s {
			t.Errorf("round trip of %q gave %q", s, got)
		}
	}
}

func TestAddressFields(t *testing.T) {
	a, err := ParseAddress("grant/acme/shop-app/group:analysts")
	if err != nil {
		t.Fatal(err)
	}
	if a != GroupGrantAddress("acme", "shop-app", "analysts") {
		t.Errorf("got %+v", a)
	}
	a, err = ParseAddress("grant/acme/mysite.com/Jane@Agency.com")
	if err != nil {
		t.Fatal(err)
	}
	if a != PersonGrantAddress("acme", "mysite.com", "jane@agency.com") {
		t.Errorf("email not normalised: %+v", a)
	}
}

func TestAddressRefused(t *testing.T) {
	for s, want := range map[string]string{
		"":                                  "expected KIND/TEAM",
		"team":                              "expected KIND/TEAM",
		"user/acme":                         `unknown kind "user"`,
		"team/Acme":                         "does not match",
		"team/acme/extra":                   "team/TEAM",
		"site/acme":                         "site/TEAM/SITE",
		"member/acme/not-an-email":          "not an email address",
		"grant/acme/site":                   "grant/TEAM/SITE/EMAIL",
		"grant/acme/site/group:Bad Name":    "does not match",
		"group/acme/-x":                     "does not match",
		"member/acme/a@b/c":                 "member/TEAM/EMAIL",
		"site/acme/bad\tname":               "whitespace",
		"grant/acme/mysite.com/jane@@x.com": "not an email address",
		"team/" + strings.Repeat("a", 64):   "does not match",
		"grant/acme/mysite.com/group:":      "does not match",
		"site/acme/\x01":                    "control character",
		"member/acme/ja ne@x.com":           "contains",
		"grant//mysite.com/jane@agency.com": "does not match",
	} {
		_, err := ParseAddress(s)
		if err == nil {
			t.Errorf("ParseAddress(%q) succeeded", s)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("ParseAddress(%q) = %v, want it to mention %q", s, err, want)
		}
	}
}

func FuzzParseAddress(f *testing.F) {
	for _, s := range []string{"team/acme", "grant/acme/mysite.com/jane@agency.com", "grant/acme/x/group:g", "member/a/B@C", "site/a/\u00e9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAddress(s)
		if err != nil {
			return
		}
		b, err := ParseAddress(a.String())
		if err != nil {
			t.Fatalf("printed address %q of %q does not parse: %v", a.String(), s, err)
		}
		if a != b {
			t.Fatalf("round trip changed %+v into %+v", a, b)
		}
	})
}

func TestNormalizeEmail(t *testing.T) {
	for in, want := range map[string]string{
		"Jane@Acme.com":      "jane@acme.com",
		"  bob@x.io \n":      "bob@x.io",
		"ALICE@EXAMPLE.ORG":  "alice@example.org",
		"already@lower.case": "already@lower.case",
	} {
		if got := NormalizeEmail(in); got != want {
			t.Errorf("NormalizeEmail(%q) = %q, want %q", in, got, want)
		}
		if got, err := ParseEmail(in); err != nil || got != want {
			t.Errorf("ParseEmail(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "@x.com", "a@", "nobody", "a b@c.d", "a@b@c"} {
		if _, err := ParseEmail(bad); err == nil {
			t.Errorf("ParseEmail(%q) succeeded", bad)
		}
	}
}

func TestCapSet(t *testing.T) {
	viewer := CapSetOf(ViewReports, ExportData, CreateSharedLinks)
	billing := CapSetOf(ManageBilling)
	editor := viewer.Union(CapSetOf(EditSettings, ManageGoals, ManageIntegrations))
	owner := CapSetOf(Wildcard)

	cases := []struct {
		name     string
		old, new CapSet
		want     bool
	}{
		{"billing to viewer gains view_reports", billing, viewer, true},
		{"viewer to billing gains manage_billing", viewer, billing, true},
		{"viewer to editor", viewer, editor, true},
		{"editor to viewer is a demotion", editor, viewer, false},
		{"same role", editor, editor, false},
		{"owner to anything", owner, editor, false},
		{"anything to owner", editor, owner, true},
		{"none to none", 0, 0, false},
	}
	for _, c := range cases {
		if got := Adds(c.old, c.new); got != c.want {
			t.Errorf("%s: Adds = %v, want %v", c.name, got, c.want)
		}
	}
	if owner.Len() != len(Vocabulary) || !owner.Has(Wildcard) || !owner.Has(DeleteTeam) {
		t.Errorf("wildcard set wrong: %v", owner.Strings())
	}
	if viewer.Has(APIAccess) || !viewer.Has(ExportData) {
		t.Errorf("Has wrong for %v", viewer.Strings())
	}
	if got := strings.Join(editor.Minus(viewer).Strings(), ","); got != "edit_settings,manage_goals,manage_integrations" {
		t.Errorf("Minus = %s", got)
	}
	if !IsCapability("api_access") || !IsCapability("*") || IsCapability("fly") {
		t.Error("IsCapability wrong")
	}
}

func TestObjectJSONRoundTrip(t *testing.T) {
	yes := true
	objs := []*Object{
		{Addr: TeamAddress("acme"), Platform: "plausible", DisplayName: "Acme", Require2FA: &yes, SSO: "none"},
		{Addr: SiteAddress("acme", "mysite.com"), Environment: "production"},
		{Addr: MemberAddress("acme", "a@acme.com"), Role: "owner", Status: StatusActive, Ticket: "IAM-1"},
		{Addr: PersonGrantAddress("acme", "mysite.com", "j@x.io"), Role: "viewer", HolderKind: HolderGuest, Expires: "2026-06-01T23:59:59Z", Reason: "why \"quoted\"", Status: StatusInvited},
		{Addr: GroupAddress("acme", "g"), Members: []string{"a@acme.com"}, RemoteID: "77"},
	}
	for _, o := range objs {
		data, err := o.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var back Object
		if err := back.UnmarshalJSON(data); err != nil {
			t.Fatalf("%s: %v", data, err)
		}
		a, b := o.Attrs(), back.Attrs()
		for i := range a {
			if a[i].Name != b[i].Name || !AttrEqual(a[i].Value, b[i].Value) {
				t.Errorf("%s: attr %s: %v != %v", o.Addr, a[i].Name, a[i].Value, b[i].Value)
			}
		}
	}
	var o Object
	for _, bad := range []string{`{"address":"team/acme","attrs":{"role":"x"}}`, `{"address":"nope"}`, `{"address":"team/acme","attrs":{"require_2fa":"yes"}}`, `[1]`} {
		if err := o.UnmarshalJSON([]byte(bad)); err == nil {
			t.Errorf("%s decoded", bad)
		}
	}
}

func TestPendingRoundTrip(t *testing.T) {
	cur := &Object{Addr: MemberAddress("acme", "a@acme.com"), Role: "viewer", Status: StatusManual, PendingAction: "update",
		Pending: &Object{Addr: MemberAddress("acme", "a@acme.com"), Role: "admin", Status: StatusActive}}
	data, err := cur.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var back Object
	if err := back.UnmarshalJSON(data); err != nil {
		t.Fatal(err)
	}
	if back.PendingAction != "update" || back.Pending == nil || back.Pending.Role != "admin" || back.Role != "viewer" || back.Status != StatusManual {
		t.Fatalf("got %+v from %s", back, data)
	}
	del := &Object{Addr: cur.Addr, Role: "viewer", Status: StatusManual, PendingAction: "delete"}
	data, _ = del.MarshalJSON()
	back = Object{}
	if err := back.UnmarshalJSON(data); err != nil || back.PendingAction != "delete" || back.Pending != nil {
		t.Fatalf("delete: %+v %v (%s)", back, err, data)
	}
	if err := back.UnmarshalJSON([]byte(`{"address":"team/acme","attrs":{},"pending":{"action":"explode","after":null}}`)); err == nil {
		t.Error("an unknown pending action was accepted")
	}
	plain, _ := (&Object{Addr: TeamAddress("acme")}).MarshalJSON()
	if strings.Contains(string(plain), "pending") {
		t.Errorf("an object without a pending change writes one: %s", plain)
	}
}

func TestValidNameMatchesPattern(t *testing.T) {
	for _, s := range []string{"", "a", "acme", "a-b_c", "0x", "-a", "_a", "A", "a b", "a.b", "é", strings.Repeat("a", 63), strings.Repeat("a", 64), "a-", "a_"} {
		if got, want := validName(s), NamePattern.MatchString(s); got != want {
			t.Errorf("validName(%q) = %v, the pattern says %v", s, got, want)
		}
	}
}

func TestLoopbackHost(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LocalHost": true, "127.0.0.1": true, "127.0.0.2": true, "::1": true,
		"localhost.example.com": false, "10.0.0.1": false, "eu.posthog.com": false, "[::1]": false, "": false, "::": false,
	} {
		if got := LoopbackHost(host); got != want {
			t.Errorf("LoopbackHost(%q) = %v, want %v", host, got, want)
		}
	}
}

// TestKindText: every kind reads back what it writes, in the words
// addresses use; no kind, and any other word, is refused.
func TestKindText(t *testing.T) {
	for _, k := range Kinds {
		b, err := k.MarshalText()
		var back Kind
		if err != nil || string(b) != k.String() || back.UnmarshalText(b) != nil || back != k {
			t.Errorf("%v: %q, %v, read back %v", k, b, err, back)
		}
		if a := (Address{Kind: k, Team: "t"}); !strings.HasPrefix(a.String(), string(b)+"/") {
			t.Errorf("%v: address %s", k, a)
		}
	}
	for _, s := range []string{"", "Grant", "grants", "\x01"} {
		var k Kind
		if err := k.UnmarshalText([]byte(s)); err == nil {
			t.Errorf("%q read as %v", s, k)
		}
	}
	if Kind(0).String() != "" || Kind(200).String() != "" {
		t.Error("no kind has a name")
	}
}

// TestAddressText: an address is written as String prints it (after what
// is already there) and reads back equal; a bad one is refused with
// ParseAddress's words, leaving the address as it was.
func TestAddressText(t *testing.T) {
	for _, a := range []Address{
		TeamAddress("acme"), SiteAddress("acme", "acme.com"), MemberAddress("acme", "bob@acme.com"),
		PersonGrantAddress("acme", "acme.com", "eve@agency.com"), GroupGrantAddress("acme", "acme.com", "analysts"),
		{Kind: KindGroup, Team: "acme", Group: "analysts"},
	} {
		b, err := a.AppendText([]byte("x"))
		var back Address
		if err != nil || string(b) != "x"+a.String() || back.UnmarshalText(b[1:]) != nil || back != a {
			t.Errorf("%v: %q, %v, read back %v", a, b, err, back)
		}
	}
	keep := TeamAddress("acme")
	if err := keep.UnmarshalText([]byte("member/acme/bob")); err == nil || !strings.Contains(err.Error(), `invalid address "member/acme/bob"`) || keep != TeamAddress("acme") {
		t.Errorf("a bad address: %v, left %v", err, keep)
	}
}
