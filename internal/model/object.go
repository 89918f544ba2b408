package model

import (
	"fmt"
	"slices"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// HolderKind says how a person or group holds a grant.
type HolderKind string

// The holder kinds a grant records.
const (
	HolderMember HolderKind = "member"
	HolderGuest  HolderKind = "guest"
	HolderGroup  HolderKind = "group"
)

// Status is where a membership or grant stands on its platform (schema/sync.md).
type Status string

// The statuses of schema/sync.md; no other values exist.
const (
	StatusActive  Status = "active"
	StatusInvited Status = "invited"
	StatusManual  Status = "manual"
)

// Object is one managed object: a team, site, membership, grant or group.
// The same value is declared by the configuration, kept in state, compared
// by the planner and printed in plans and evidence. Which fields mean
// something depends on the kind; Attrs lists them.
type Object struct {
	Addr Address

	// team
	Platform    string
	DisplayName string
	Require2FA  *bool
	SSO         string

	// site
	Environment string
	// DefaultAccess is the access level a site gives every member of its
	// team without a grant (PostHog: the project's default access level,
	// "none", "member" or "admin"), as the last refresh read it. It is
	// never declared: "" when unknown (offline teams, platforms without
	// defaults).
	DefaultAccess string
	// RoleAccess is the access platform roles give people on the site
	// (PostHog RBAC), as the last refresh read it, in attribute order
	// (SortRoleAccess). Like DefaultAccess it is never declared; the
	// attribute "role_access" exists only on sites that have some, so
	// sites of other platforms read and write as before.
	RoleAccess []RoleAccess

	// site, group: the platform's own id
	RemoteID string

	// member, grant
	Role       string
	HolderKind HolderKind // grant only
	// Capabilities are a grant's explicit platform capabilities beyond its
	// role (Matomo: "tagmanager_write"), sorted; nil for none. The
	// attribute "capabilities" exists only on grants that hold some, so
	// platforms without them read and write grants as before.
	Capabilities []string
	Status       Status

	// member, grant, group
	Expires string // RFC 3339 in UTC, or "" for none
	Reason  string
	Ticket  string

	// group
	Members []string

	// Connected is set on a team declared with a connection block, and
	// kept in state, so that a connected team whose block is removed is
	// forgotten (state only) rather than planned as removals (schema/sync.md).
	// It is no attribute: never compared, printed or in evidence.
	Connected bool

	// PendingAction and Pending are a change waiting for a person to make
	// it by hand (Status manual, schema/sync.md): the object keeps the access that
	// really exists, Pending is what it becomes once confirmed (nil for a
	// deletion). PendingAction is "create", "update" or "delete", "" when
	// nothing waits.
	PendingAction string
	Pending       *Object

	// Decl is set on declared objects only: where they were declared and
	// what the user wrote. It is never stored, compared or printed.
	Decl *Decl
}

// Decl is what the configuration said about a declared object beyond its
// attributes, for diagnostics and for the plan's "why". Its places are
// Spans, which take half the memory of hcl.Range, and what a holder's
// grants have in common is shared (Holder): a large configuration declares
// hundreds of thousands of objects.
type Decl struct {
	// Range is the declaring block's header (for a grant, the grant block).
	Range Span
	// ExpiresText is the expiry as written ("2026-06-01", or a time
	// printed in UTC), for `why = "expired 2026-06-01"`.
	ExpiresText string
	// ExpiresRange and RoleRange point at those attributes where they
	// were written (or at Range where inherited or absent; an inherited
	// expires points at the holder's, where it was set).
	ExpiresRange Span
	RoleRange    Span
	// Connection is a team's API connection (schema/sync.md), nil when offline.
	Connection *Connection
	// Holder is the member, guest or group declaration a membership,
	// grant or group belongs to, one value shared by all of them; nil for
	// teams and sites.
	Holder *HolderDecl
}

// HolderDecl is what a member, guest or group block says for every object
// it declares.
type HolderDecl struct {
	// Range is the member, guest or group block's header.
	Range Span
	// Sponsor is the internal person responsible for an external person's
	// access (member and guest `sponsor`), "" when none is named;
	// SponsorRange is where it was written.
	Sponsor      string
	SponsorRange Span
}

// Sponsor is the sponsor the object's holder names, "" for none.
func (d *Decl) Sponsor() string {
	if d == nil || d.Holder == nil {
		return ""
	}
	return d.Holder.Sponsor
}

// HolderRange is where the object's member, guest or group block is, the
// zero Span for teams and sites.
func (d *Decl) HolderRange() Span {
	if d == nil || d.Holder == nil {
		return Span{}
	}
	return d.Holder.Range
}

// Connection is a team's `connection` block.
type Connection struct {
	Endpoint        string
	AccountID       string
	TokenEnv        string
	RequestsPerHour int
	Range           hcl.Range
}

// Person is the email of a member or person grant, "" for teams, sites,
// groups and group grants.
func (o *Object) Person() string { return o.Addr.Email }

// ExpiresAt parses Expires; ok is false when the object does not expire.
func (o *Object) ExpiresAt() (t time.Time, ok bool) {
	if o.Expires == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, o.Expires)
	return t, err == nil
}

// Attr is one attribute of an object as plans, state and evidence show it.
// Value is nil (unset), a string, a bool or a []string.
type Attr struct {
	Name  string
	Value any
}

func str(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// AttrNames lists the attributes of each kind, in the order plans print them.
var AttrNames = map[Kind][]string{
	KindTeam:   {"platform", "display_name", "require_2fa", "sso"},
	KindSite:   {"environment", "remote_id", "default_access"},
	KindMember: {"role", "expires", "reason", "ticket", "status"},
	KindGrant:  {"role", "holder_kind", "expires", "reason", "ticket", "status"},
	KindGroup:  {"members", "expires", "reason", "ticket", "remote_id"},
}

// Attrs lists the object's attributes in AttrNames order, every one present
// (nil when unset).
func (o *Object) Attrs() []Attr {
	switch o.Addr.Kind {
	case KindTeam:
		var tfa any
		if o.Require2FA != nil {
			tfa = *o.Require2FA
		}
		return []Attr{{"platform", str(o.Platform)}, {"display_name", str(o.DisplayName)}, {"require_2fa", tfa}, {"sso", str(o.SSO)}}
	case KindSite:
		a := []Attr{{"environment", str(o.Environment)}, {"remote_id", str(o.RemoteID)}, {"default_access", str(o.DefaultAccess)}}
		if len(o.RoleAccess) > 0 {
			a = append(a, Attr{"role_access", roleAccessStrings(o.RoleAccess)})
		}
		return a
	case KindMember:
		return []Attr{{"role", str(o.Role)}, {"expires", str(o.Expires)}, {"reason", str(o.Reason)}, {"ticket", str(o.Ticket)}, {"status", str(string(o.Status))}}
	case KindGrant:
		a := []Attr{{"role", str(o.Role)}, {"holder_kind", str(string(o.HolderKind))}, {"expires", str(o.Expires)}, {"reason", str(o.Reason)}, {"ticket", str(o.Ticket)}, {"status", str(string(o.Status))}}
		if len(o.Capabilities) > 0 {
			a = append(a, Attr{"capabilities", slices.Clone(o.Capabilities)})
		}
		return a
	case KindGroup:
		m := o.Members
		if m == nil {
			m = []string{}
		}
		return []Attr{{"members", m}, {"expires", str(o.Expires)}, {"reason", str(o.Reason)}, {"ticket", str(o.Ticket)}, {"remote_id", str(o.RemoteID)}}
	}
	return nil
}

// AttrEqual compares two attribute values.
func AttrEqual(a, b any) bool {
	switch av := a.(type) {
	case nil:
		return b == nil
	case string:
		bv, ok := b.(string)
		return ok && av == bv
	case bool:
		bv, ok := b.(bool)
		return ok && av == bv
	case []string:
		bv, ok := b.([]string)
		return ok && slices.Equal(av, bv)
	}
	return false
}

// SetAttr sets one attribute from a decoded JSON value; it is the inverse of
// Attrs and refuses names and types that do not belong to the kind.
func (o *Object) SetAttr(name string, v any) error {
	bad := func() error {
		return fmt.Errorf("%s: attribute %q cannot be %s", o.Addr, name, describe(v))
	}
	if name == "capabilities" && o.Addr.Kind == KindGrant {
		var caps []string
		switch l := v.(type) {
		case nil:
		case []any:
			for _, e := range l {
				c, ok := e.(string)
				if !ok || c == "" {
					return bad()
				}
				caps = append(caps, c)
			}
		case []string:
			caps = slices.Clone(l)
		default:
			return bad()
		}
		slices.Sort(caps)
		o.Capabilities = slices.Compact(caps)
		if len(o.Capabilities) == 0 {
			o.Capabilities = nil
		}
		return nil
	}
	if name == "role_access" && o.Addr.Kind == KindSite {
		var l []RoleAccess
		add := func(s string) error {
			r, err := ParseRoleAccess(s)
			if err != nil {
				return fmt.Errorf("%s: %v", o.Addr, err)
			}
			l = append(l, r)
			return nil
		}
		switch x := v.(type) {
		case nil:
		case []any:
			for _, e := range x {
				s, ok := e.(string)
				if !ok {
					return bad()
				}
				if err := add(s); err != nil {
					return err
				}
			}
		case []string:
			for _, s := range x {
				if err := add(s); err != nil {
					return err
				}
			}
		default:
			return bad()
		}
		o.RoleAccess = nil
		if len(l) > 0 {
			o.RoleAccess = SortRoleAccess(l)
		}
		return nil
	}
	if !slices.Contains(AttrNames[o.Addr.Kind], name) {
		return fmt.Errorf("%s: unknown attribute %q", o.Addr, name)
	}
	switch name {
	case "require_2fa":
		switch b := v.(type) {
		case nil:
			o.Require2FA = nil
		case bool:
			o.Require2FA = &b
		default:
			return bad()
		}
		return nil
	case "members":
		switch l := v.(type) {
		case nil:
			o.Members = nil
		case []any:
			o.Members = make([]string, 0, len(l))
			for _, e := range l {
				s, ok := e.(string)
				if !ok {
					return bad()
				}
				o.Members = append(o.Members, s)
			}
		case []string:
			o.Members = slices.Clone(l)
		default:
			return bad()
		}
		return nil
	}
	var s string
	switch x := v.(type) {
	case nil:
	case string:
		s = x
	default:
		return bad()
	}
	switch name {
	case "platform":
		o.Platform = s
	case "display_name":
		o.DisplayName = s
	case "sso":
		o.SSO = s
	case "environment":
		o.Environment = s
	case "remote_id":
		o.RemoteID = s
	case "default_access":
		o.DefaultAccess = s
	case "role":
		o.Role = s
	case "holder_kind":
		o.HolderKind = HolderKind(s)
	case "status":
		o.Status = Status(s)
	case "expires":
		if s != "" {
			if _, err := time.Parse(time.RFC3339, s); err != nil {
				return fmt.Errorf("%s: expires %q is not an RFC 3339 time", o.Addr, s)
			}
		}
		o.Expires = s
	case "reason":
		o.Reason = s
	case "ticket":
		o.Ticket = s
	}
	return nil
}

func describe(v any) string {
	switch v.(type) {
	case bool:
		return "a bool"
	case float64: // what JSON numbers decode to
		return "a number"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("%T", v)
}

// Clone returns a copy that shares nothing mutable with o. Decl is shared:
// it is never changed after loading.
func (o *Object) Clone() *Object {
	c := *o
	if o.Require2FA != nil {
		b := *o.Require2FA
		c.Require2FA = &b
	}
	c.Members = slices.Clone(o.Members)
	c.Capabilities = slices.Clone(o.Capabilities)
	c.RoleAccess = slices.Clone(o.RoleAccess)
	if o.Pending != nil {
		c.Pending = o.Pending.Clone()
	}
	return &c
}
