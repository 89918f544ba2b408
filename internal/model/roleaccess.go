package model

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// RoleAccess is access a platform role gives one person on a site
// (PostHog RBAC, Enterprise: a project access row of a role), which
// roster reads but does not manage. A site keeps what the last refresh
// read in its read-only attribute "role_access", one string per person
// and role in the form String writes.
type RoleAccess struct {
	Person string // normalised email
	Level  string // the site role the row gives ("member", "admin")
	Role   string // the platform role's name, without control characters
}

// roleAccessSep separates the level from the role's name in String.
const roleAccessSep = " via role "

// String is "EMAIL: LEVEL via role NAME", the attribute's form. Neither
// an email nor a level holds a space, so ParseRoleAccess can read any
// role name back.
func (r RoleAccess) String() string {
	return r.Person + ": " + r.Level + roleAccessSep + r.Role
}

// ParseRoleAccess reads what String writes.
func ParseRoleAccess(s string) (RoleAccess, error) {
	person, rest, ok := strings.Cut(s, ": ")
	level, role, ok2 := strings.Cut(rest, roleAccessSep)
	if !ok || !ok2 || level == "" || strings.ContainsAny(level, " \t") || role == "" {
		return RoleAccess{}, fmt.Errorf("role access %q is not \"EMAIL: LEVEL via role NAME\"", s)
	}
	if strings.IndexFunc(role, unicode.IsControl) >= 0 {
		// Reports print the name on terminals.
		return RoleAccess{}, fmt.Errorf("role access %q names a role with control characters", s)
	}
	email, err := ParseEmail(person)
	if err != nil || email != person {
		return RoleAccess{}, fmt.Errorf("role access %q does not begin with a normalised email", s)
	}
	return RoleAccess{Person: person, Level: level, Role: role}, nil
}

// CompareRoleAccess orders role access by the strings String writes.
func CompareRoleAccess(a, b RoleAccess) int {
	return strings.Compare(a.String(), b.String())
}

// SortRoleAccess sorts l in attribute order and drops repeats.
func SortRoleAccess(l []RoleAccess) []RoleAccess {
	slices.SortFunc(l, CompareRoleAccess)
	return slices.Compact(l)
}

// roleAccessStrings is l in the attribute's form.
func roleAccessStrings(l []RoleAccess) []string {
	out := make([]string, len(l))
	for i, r := range l {
		out[i] = r.String()
	}
	return out
}
