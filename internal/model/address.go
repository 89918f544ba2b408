package model

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// Kind is the kind of an object, the first part of its address. The zero
// Kind is no kind (the zero Address).
type Kind uint8

// The object kinds of schema/language.md, in the order their addresses sort.
const (
	KindGrant Kind = iota + 1
	KindGroup
	KindMember
	KindSite
	KindTeam
)

// kindNames are the kinds as addresses write them.
var kindNames = [...]string{KindGrant: "grant", KindGroup: "group", KindMember: "member", KindSite: "site", KindTeam: "team"}

// String is the kind as addresses write it ("grant", ...), "" for no kind.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return ""
}

// ParseKind is the kind named s, false for none.
func ParseKind(s string) (Kind, bool) {
	for k, name := range kindNames {
		if name == s && name != "" {
			return Kind(k), true
		}
	}
	return 0, false
}

// MarshalText writes the kind's name (JSON documents carry it as a string).
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText reads what MarshalText writes; any other name is an error.
func (k *Kind) UnmarshalText(b []byte) error {
	v, ok := ParseKind(string(b))
	if !ok {
		return fmt.Errorf("unknown kind %q; expected team, site, member, grant or group", b)
	}
	*k = v
	return nil
}

// Kinds lists every kind.
var Kinds = []Kind{KindGrant, KindGroup, KindMember, KindSite, KindTeam}

// GroupHolderPrefix marks a group as the holder of a grant:
// grant/acme/shop-app/group:analysts.
const GroupHolderPrefix = "group:"

// Address names one object, exactly as schema/language.md writes it:
//
//	team/acme
//	site/acme/mysite.com
//	member/acme/alice@acme.com
//	grant/acme/mysite.com/jane@agency.com
//	group/acme/analysts
//	grant/acme/shop-app/group:analysts
//
// For a grant, exactly one of Email and Group is set.
type Address struct {
	Kind  Kind
	Team  string
	Site  string
	Email string
	Group string
}

// TeamAddress and the functions below build addresses of each kind.
func TeamAddress(team string) Address { return Address{Kind: KindTeam, Team: team} }

// SiteAddress is the address of a site of a team.
func SiteAddress(team, site string) Address {
	return Address{Kind: KindSite, Team: team, Site: site}
}

// MemberAddress is the address of a team membership.
func MemberAddress(team, email string) Address {
	return Address{Kind: KindMember, Team: team, Email: email}
}

// GroupAddress is the address of a group.
func GroupAddress(team, group string) Address {
	return Address{Kind: KindGroup, Team: team, Group: group}
}

// PersonGrantAddress is the address of a person's role on a site.
func PersonGrantAddress(team, site, email string) Address {
	return Address{Kind: KindGrant, Team: team, Site: site, Email: email}
}

// GroupGrantAddress is the address of a group's role on a site.
func GroupGrantAddress(team, site, group string) Address {
	return Address{Kind: KindGrant, Team: team, Site: site, Group: group}
}

// Holder is the last part of a grant's address: the email, or group:NAME.
func (a Address) Holder() string {
	if a.Group != "" {
		return GroupHolderPrefix + a.Group
	}
	return a.Email
}

// IsZero reports whether a is the zero address.
func (a Address) IsZero() bool { return a == Address{} }

// String prints the address in its canonical form; ParseAddress reads it back.
func (a Address) String() string {
	switch a.Kind {
	case KindTeam:
		return "team/" + a.Team
	case KindSite:
		return "site/" + a.Team + "/" + a.Site
	case KindMember:
		return "member/" + a.Team + "/" + a.Email
	case KindGroup:
		return "group/" + a.Team + "/" + a.Group
	case KindGrant:
		return "grant/" + a.Team + "/" + a.Site + "/" + a.Holder()
	}
	return ""
}

// AppendText appends the address as String prints it: an address is
// that string wherever it is a JSON value (saved plans).
func (a Address) AppendText(b []byte) ([]byte, error) { return append(b, a.String()...), nil }

// UnmarshalText reads an address as ParseAddress does.
func (a *Address) UnmarshalText(b []byte) error {
	v, err := ParseAddress(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// SiteAddr is the address of the site a grant or site address belongs to.
func (a Address) SiteAddr() Address { return SiteAddress(a.Team, a.Site) }

// ParseAddress reads an address printed by String. Emails are normalised,
// so `member/acme/Alice@Acme.com` names the same object as its lower-case
// form. Anything else is refused with an error that says what was expected.
func ParseAddress(s string) (Address, error) {
	name, rest, ok := strings.Cut(s, "/")
	if !ok || rest == "" {
		return Address{}, fmt.Errorf("invalid address %q: expected KIND/TEAM/..., where KIND is team, site, member, grant or group", s)
	}
	parts := strings.Split(rest, "/")
	kind, _ := ParseKind(name)
	var n int
	switch kind {
	case KindTeam:
		n = 1
	case KindSite, KindMember, KindGroup:
		n = 2
	case KindGrant:
		n = 3
	default:
		return Address{}, fmt.Errorf("invalid address %q: unknown kind %q; expected team, site, member, grant or group", s, name)
	}
	if len(parts) != n {
		return Address{}, fmt.Errorf("invalid address %q: a %s address has the form %s", s, kind, addressForms[kind])
	}
	a := Address{Kind: kind, Team: parts[0]}
	if err := CheckTeamName(a.Team); err != nil {
		return Address{}, fmt.Errorf("invalid address %q: %v", s, err)
	}
	var err error
	switch a.Kind {
	case KindSite:
		a.Site = parts[1]
		err = CheckSiteName(a.Site)
	case KindMember:
		a.Email, err = ParseEmail(parts[1])
	case KindGroup:
		a.Group = parts[1]
		err = CheckGroupName(a.Group)
	case KindGrant:
		a.Site = parts[1]
		err = CheckSiteName(a.Site)
		if err == nil {
			if g, isGroup := strings.CutPrefix(parts[2], GroupHolderPrefix); isGroup {
				a.Group = g
				err = CheckGroupName(g)
			} else {
				a.Email, err = ParseEmail(parts[2])
			}
		}
	}
	if err != nil {
		return Address{}, fmt.Errorf("invalid address %q: %v", s, err)
	}
	return a, nil
}

var addressForms = map[Kind]string{
	KindTeam:   "team/TEAM",
	KindSite:   "site/TEAM/SITE",
	KindMember: "member/TEAM/EMAIL",
	KindGroup:  "group/TEAM/GROUP",
	KindGrant:  "grant/TEAM/SITE/EMAIL or grant/TEAM/SITE/group:GROUP",
}

// NamePattern is the pattern of team and group names.
var NamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// validName is NamePattern without a regular expression: names are
// checked for every address read from state, and this is the hot path.
func validName(name string) bool {
	if len(name) == 0 || len(name) > 63 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case (c == '_' || c == '-') && i > 0:
		default:
			return false
		}
	}
	return true
}

// CheckTeamName reports whether name is a valid team name.
func CheckTeamName(name string) error {
	if !validName(name) {
		return fmt.Errorf("team name %q does not match %s (lower-case letters, digits, '_' and '-', at most 63 characters, starting with a letter or digit)", name, NamePattern)
	}
	return nil
}

// CheckGroupName reports whether name is a valid group name.
func CheckGroupName(name string) error {
	if !validName(name) {
		return fmt.Errorf("group name %q does not match %s (lower-case letters, digits, '_' and '-', at most 63 characters, starting with a letter or digit)", name, NamePattern)
	}
	return nil
}

// CheckSiteName reports whether name is a valid site name: non-empty, with
// no '/', whitespace or control characters.
func CheckSiteName(name string) error {
	if name == "" {
		return fmt.Errorf("site name is empty")
	}
	for _, r := range name {
		switch {
		case r == '/':
			return fmt.Errorf("site name %q contains '/'", name)
		case unicode.IsSpace(r):
			return fmt.Errorf("site name %q contains whitespace", name)
		case unicode.IsControl(r):
			return fmt.Errorf("site name %q contains a control character", name)
		}
	}
	return nil
}

// NormalizeEmail is the one place emails are normalised: trimmed and
// lower-cased, so Jane@Acme.com and jane@acme.com are the same person.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ParseEmail normalises s and checks that it looks like an email address:
// one '@' with text on both sides, and no whitespace, control characters or
// '/' (which would break addresses).
func ParseEmail(s string) (string, error) {
	e := NormalizeEmail(s)
	local, domain, ok := strings.Cut(e, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") {
		return "", fmt.Errorf("%q is not an email address (expected NAME@DOMAIN)", s)
	}
	for _, r := range e {
		if r == '/' || unicode.IsSpace(r) || unicode.IsControl(r) {
			return "", fmt.Errorf("email %q contains %q, which an email address cannot hold here", s, r)
		}
	}
	return e, nil
}

// EmailDomain is the part of a normalised email after the '@'.
func EmailDomain(email string) string {
	_, d, _ := strings.Cut(email, "@")
	return d
}
