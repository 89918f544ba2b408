package model

import (
	"bytes"
	"fmt"
	"slices"
	"time"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// This file is the one codec of objects as state stores them (bbolt values,
// PostgreSQL rows) and evidence records quote them: tagged wire structs,
// written and read with the json/v2 design (github.com/go-json-experiment/json).
// Reading refuses duplicate member names (a tampered value cannot say two
// things) and matches names exactly; unknown top-level members are ignored
// so a newer writer's additions do not break an older reader, but unknown
// attributes are errors.
//
// Writing keeps the bytes encoding/json wrote before (evidence hashes and
// plan digests cover them): keys in sorted order, every attribute present
// (null when unset), '<', '>', '&', U+2028 and U+2029 escaped
// (testdata/objects.golden holds them).

// encodeOpts are the options every object is written with.
var encodeOpts = json.JoinOptions(jsontext.EscapeForHTML(true), jsontext.EscapeForJS(true), jsontext.AllowInvalidUTF8(true))

// attrsDecodeOpts refuse attributes a kind does not have.
var attrsDecodeOpts = json.RejectUnknownMembers(true)

// opt points at a string attribute for writing: nil (null) when empty.
func opt(p *string) *string {
	if *p == "" {
		return nil
	}
	return p
}

// The attributes of each kind, fields in sorted key order.
type (
	teamAttrs struct {
		DisplayName *string `json:"display_name"`
		Platform    *string `json:"platform"`
		Require2FA  *bool   `json:"require_2fa"`
		SSO         *string `json:"sso"`
	}
	siteAttrs struct {
		DefaultAccess *string `json:"default_access"`
		Environment   *string `json:"environment"`
		RemoteID      *string `json:"remote_id"`
		// RoleAccess exists only on sites that have some (PostHog RBAC):
		// "EMAIL: LEVEL via role NAME", sorted last among the keys.
		RoleAccess []string `json:"role_access,omitempty"`
	}
	memberAttrs struct {
		Expires *string `json:"expires"`
		Reason  *string `json:"reason"`
		Role    *string `json:"role"`
		Status  *string `json:"status"`
		Ticket  *string `json:"ticket"`
	}
	grantAttrs struct {
		Capabilities []string `json:"capabilities,omitempty"`
		Expires      *string  `json:"expires"`
		HolderKind   *string  `json:"holder_kind"`
		Reason       *string  `json:"reason"`
		Role         *string  `json:"role"`
		Status       *string  `json:"status"`
		Ticket       *string  `json:"ticket"`
	}
	groupAttrs struct {
		Expires  *string  `json:"expires"`
		Members  []string `json:"members"`
		Reason   *string  `json:"reason"`
		RemoteID *string  `json:"remote_id"`
		Ticket   *string  `json:"ticket"`
	}
	noAttrs struct{}
)

// objectWire is an object as state stores it.
type objectWire struct {
	Address   string       `json:"address"`
	Attrs     any          `json:"attrs"`
	Pending   *pendingWire `json:"pending,omitzero"`
	Connected bool         `json:"connected,omitzero"`
}

type pendingWire struct {
	Action string `json:"action"`
	After  any    `json:"after"`
	// To is a pending move's new address (a person's new email, waiting
	// for them: schema/sync.md, Renames); written for moves only.
	To string `json:"to,omitzero"`
}

// objectWireIn is objectWire as read: the attributes are decoded once the
// address (and so the kind) is known.
type objectWireIn struct {
	Address   string         `json:"address"`
	Attrs     jsontext.Value `json:"attrs"`
	Pending   *pendingWireIn `json:"pending"`
	Connected bool           `json:"connected"`
}

type pendingWireIn struct {
	Action string         `json:"action"`
	After  jsontext.Value `json:"after"`
	To     string         `json:"to"`
}

// attrsWire returns o's attributes as the wire struct of its kind, for
// writing. Its fields point into o.
func (o *Object) attrsWire() any {
	switch o.Addr.Kind {
	case KindTeam:
		return &teamAttrs{opt(&o.DisplayName), opt(&o.Platform), o.Require2FA, opt(&o.SSO)}
	case KindSite:
		return &siteAttrs{opt(&o.DefaultAccess), opt(&o.Environment), opt(&o.RemoteID), roleAccessStrings(o.RoleAccess)}
	case KindMember:
		return &memberAttrs{opt(&o.Expires), opt(&o.Reason), opt(&o.Role), opt((*string)(&o.Status)), opt(&o.Ticket)}
	case KindGrant:
		return &grantAttrs{o.Capabilities, opt(&o.Expires), opt((*string)(&o.HolderKind)), opt(&o.Reason), opt(&o.Role), opt((*string)(&o.Status)), opt(&o.Ticket)}
	case KindGroup:
		return &groupAttrs{opt(&o.Expires), o.Members, opt(&o.Reason), opt(&o.RemoteID), opt(&o.Ticket)}
	}
	return &noAttrs{}
}

// AttrsJSON writes the attributes as one JSON object, keys sorted, every
// attribute present (null when unset).
func (o *Object) AttrsJSON() []byte {
	b, err := json.Marshal(o.attrsWire(), encodeOpts)
	if err != nil {
		panic(fmt.Sprintf("model: encoding %s: %v", o.Addr, err)) // cannot happen: strings and bools only
	}
	return b
}

// wire returns o as written.
func (o *Object) wire() *objectWire {
	w := &objectWire{Address: o.Addr.String(), Attrs: o.attrsWire(), Connected: o.Connected}
	if o.PendingAction != "" {
		w.Pending = &pendingWire{Action: o.PendingAction}
		if o.PendingAction == "move" && o.Pending != nil {
			w.Pending.To = o.Pending.Addr.String()
		}
		if o.Pending != nil {
			w.Pending.After = o.Pending.attrsWire()
		}
	}
	return w
}

// MarshalJSON writes {"address": ..., "attrs": {...}}, "pending":
// {"action": ..., "after": {...} or null} when a change waits, and
// "connected": true for a connected team.
func (o *Object) MarshalJSON() ([]byte, error) {
	return json.Marshal(o.wire(), encodeOpts)
}

// MarshalJSONTo writes what MarshalJSON writes, inside a larger document
// (saved plans): the encoder's options apply.
func (o *Object) MarshalJSONTo(enc *jsontext.Encoder) error {
	return json.MarshalEncode(enc, o.wire())
}

// UnmarshalJSON reads what MarshalJSON wrote, checking the address and
// every attribute, so a damaged file is an error and never a panic.
// Unknown top-level keys are ignored; unknown attributes and repeated keys
// are errors.
func (o *Object) UnmarshalJSON(data []byte) error {
	// json/v2 prefers UnmarshalJSONFrom, with a pooled decoder.
	return json.Unmarshal(data, o)
}

// UnmarshalJSONFrom reads what UnmarshalJSON reads, inside a larger
// document (saved plans). When the address comes before the attributes,
// as roster writes it, the attributes are decoded in place, without a
// copy; otherwise it reads as UnmarshalJSON does.
func (o *Object) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	if dec.PeekKind() != '{' {
		var w objectWireIn
		if err := json.UnmarshalDecode(dec, &w); err != nil {
			return err
		}
		return o.fromWire(&w)
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	var w objectWireIn
	addrRead := false
	*o = Object{}
	for {
		name, err := dec.ReadToken()
		if err != nil {
			return err
		}
		if name.Kind() == '}' {
			break
		}
		switch name.String() {
		case "address":
			if err := json.UnmarshalDecode(dec, &w.Address); err != nil {
				return err
			}
			if o.Addr, err = ParseAddress(w.Address); err != nil {
				return err
			}
			addrRead = true
		case "attrs":
			if !addrRead {
				if err := json.UnmarshalDecode(dec, &w.Attrs); err != nil {
					return err
				}
				continue
			}
			w.Attrs = nil
			if err := o.decodeAttrs(dec, nil); err != nil {
				return err
			}
		case "pending":
			if err := json.UnmarshalDecode(dec, &w.Pending); err != nil {
				return err
			}
		case "connected":
			if err := json.UnmarshalDecode(dec, &w.Connected); err != nil {
				return err
			}
		default:
			if err := dec.SkipValue(); err != nil {
				return err
			}
		}
	}
	if !addrRead || w.Attrs != nil {
		return o.fromWire(&w)
	}
	attrs := *o
	if err := o.fromWireAt(o.Addr, &w); err != nil { // the address is parsed already
		return err
	}
	attrs.Connected, attrs.PendingAction, attrs.Pending = o.Connected, o.PendingAction, o.Pending
	*o = attrs
	return nil
}

func (o *Object) fromWire(w *objectWireIn) error {
	addr, err := ParseAddress(w.Address)
	if err != nil {
		return err
	}
	return o.fromWireAt(addr, w)
}

// fromWireAt is fromWire with w.Address parsed to addr.
func (o *Object) fromWireAt(addr Address, w *objectWireIn) error {
	*o = Object{Addr: addr, Connected: w.Connected}
	if err := o.setAttrsJSON(w.Attrs); err != nil {
		return err
	}
	if p := w.Pending; p != nil {
		to := addr
		switch p.Action {
		case "create", "update", "delete":
			if p.To != "" {
				return fmt.Errorf("%s: a pending %s has no new address", addr, p.Action)
			}
		case "move":
			// A person's new email, waiting for them (schema/sync.md, Renames).
			var err error
			if to, err = ParseAddress(p.To); err != nil || to.Kind != addr.Kind || to == addr {
				return fmt.Errorf("%s: a pending move needs a new address of the same kind (to %q)", addr, p.To)
			}
			// The object at the new address is what carries it: without
			// one, the new address would be lost when the object is
			// written again.
			if len(p.After) == 0 || p.After.Kind() == 'n' {
				return fmt.Errorf("%s: a pending move to %s needs the object after it", addr, to)
			}
		default:
			return fmt.Errorf("%s: unknown pending action %q", addr, p.Action)
		}
		o.PendingAction = p.Action
		if len(p.After) > 0 && p.After.Kind() != 'n' {
			o.Pending = &Object{Addr: to}
			if err := o.Pending.setAttrsJSON(p.After); err != nil {
				return err
			}
		}
	}
	return nil
}

// SetAttrsJSON sets attributes from a JSON object, as AttrsJSON writes it.
func (o *Object) SetAttrsJSON(data []byte) error {
	v := jsontext.Value(bytes.TrimSpace(data))
	if !v.IsValid() {
		var x jsontext.Value
		err := json.Unmarshal(data, &x) // the decoder says what is wrong
		return fmt.Errorf("%s: attributes: %v", o.Addr, err)
	}
	return o.setAttrsJSON(v)
}

// setAttrsJSON decodes data (valid JSON, or empty) into the attributes of
// o, a new object of its kind: null or nothing sets nothing, nor does a
// member that is absent or null. The wire struct's fields point into o,
// so strings are decoded in place.
func (o *Object) setAttrsJSON(data jsontext.Value) error {
	if len(data) == 0 || data.Kind() == 'n' {
		return nil
	}
	return o.decodeAttrs(nil, data)
}

// decodeAttrs reads o's attributes, as setAttrsJSON describes, from data
// or, when dec is set, from dec.
func (o *Object) decodeAttrs(dec *jsontext.Decoder, data jsontext.Value) error {
	if dec != nil && dec.PeekKind() == 'n' {
		_, err := dec.ReadToken()
		return err
	}
	var (
		a       any
		expires bool
		grant   *grantAttrs
		site    *siteAttrs
	)
	switch o.Addr.Kind {
	case KindTeam:
		a = &teamAttrs{&o.DisplayName, &o.Platform, nil, &o.SSO}
	case KindSite:
		site = &siteAttrs{&o.DefaultAccess, &o.Environment, &o.RemoteID, nil}
		a = site
	case KindMember:
		a, expires = &memberAttrs{&o.Expires, &o.Reason, &o.Role, (*string)(&o.Status), &o.Ticket}, true
	case KindGrant:
		grant = &grantAttrs{nil, &o.Expires, (*string)(&o.HolderKind), &o.Reason, &o.Role, (*string)(&o.Status), &o.Ticket}
		a, expires = grant, true
	case KindGroup:
		a, expires = &groupAttrs{&o.Expires, nil, &o.Reason, &o.RemoteID, &o.Ticket}, true
	default:
		a = &noAttrs{}
	}
	var err error
	if dec != nil {
		err = json.UnmarshalDecode(dec, a, attrsDecodeOpts)
	} else {
		err = json.Unmarshal(data, a, attrsDecodeOpts)
	}
	if err != nil {
		return fmt.Errorf("%s: attributes: %v", o.Addr, err)
	}
	switch a := a.(type) {
	case *teamAttrs:
		o.Require2FA = a.Require2FA
	case *groupAttrs:
		o.Members = a.Members
	}
	if site != nil && site.RoleAccess != nil {
		if err := o.SetAttr("role_access", site.RoleAccess); err != nil {
			return err
		}
	}
	if grant != nil {
		if slices.Contains(grant.Capabilities, "") {
			return fmt.Errorf("%s: attribute %q cannot hold an empty capability", o.Addr, "capabilities")
		}
		slices.Sort(grant.Capabilities)
		o.Capabilities = slices.Compact(grant.Capabilities)
		if len(o.Capabilities) == 0 {
			o.Capabilities = nil
		}
	}
	if expires && o.Expires != "" {
		if _, err := time.Parse(time.RFC3339, o.Expires); err != nil {
			return fmt.Errorf("%s: expires %q is not an RFC 3339 time", o.Addr, o.Expires)
		}
	}
	return nil
}
