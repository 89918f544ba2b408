package model

import (
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

// objectWire is an object as state stores it, written from an object and
// read into one.
type objectWire struct {
	Address   string       `json:"address"`
	Attrs     attrsWire    `json:"attrs"`
	Pending   *pendingWire `json:"pending,omitzero"`
	Connected bool         `json:"connected,omitzero"`
	attrsRead bool         // Attrs were decoded into the object, whose address is set
}

type pendingWire struct {
	Action string    `json:"action"`
	After  attrsWire `json:"after"`
	// To is a pending move's new address (a person's new email, waiting
	// for them: schema/sync.md, Renames); written for moves only.
	To string `json:"to,omitzero"`
}

// attrsWire is an object's attributes on the wire. Written, they are o's,
// or null without o. Read, they are kept (raw) until the object's address
// is known, unless objectWire.read decodes them straight into the object.
type attrsWire struct {
	o   *Object
	raw jsontext.Value
}

func (a attrsWire) MarshalJSONTo(enc *jsontext.Encoder) error {
	if a.o == nil {
		return enc.WriteToken(jsontext.Null)
	}
	return json.MarshalEncode(enc, a.o.attrs(true))
}

func (a *attrsWire) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	v, err := dec.ReadValue()
	a.raw = append(a.raw[:0], v...)
	return err
}

// attrs returns o's attributes as the wire struct of its kind. Its string
// fields point into o, so reading decodes them in place; for writing
// (out), an empty string is left nil, written as null.
func (o *Object) attrs(out bool) any {
	s := func(p *string) *string {
		if out && *p == "" {
			return nil
		}
		return p
	}
	switch o.Addr.Kind {
	case KindTeam:
		return &teamAttrs{s(&o.DisplayName), s(&o.Platform), o.Require2FA, s(&o.SSO)}
	case KindSite:
		var ra []string
		if out {
			ra = roleAccessStrings(o.RoleAccess)
		}
		return &siteAttrs{s(&o.DefaultAccess), s(&o.Environment), s(&o.RemoteID), ra}
	case KindMember:
		return &memberAttrs{s(&o.Expires), s(&o.Reason), s(&o.Role), s((*string)(&o.Status)), s(&o.Ticket)}
	case KindGrant:
		return &grantAttrs{o.Capabilities, s(&o.Expires), s((*string)(&o.HolderKind)), s(&o.Reason), s(&o.Role), s((*string)(&o.Status)), s(&o.Ticket)}
	case KindGroup:
		return &groupAttrs{s(&o.Expires), o.Members, s(&o.Reason), s(&o.RemoteID), s(&o.Ticket)}
	}
	return &noAttrs{}
}

// AttrsJSON writes the attributes as one JSON object, keys sorted, every
// attribute present (null when unset).
func (o *Object) AttrsJSON() []byte {
	b, err := json.Marshal(o.attrs(true), encodeOpts)
	if err != nil {
		panic(fmt.Sprintf("model: encoding %s: %v", o.Addr, err)) // cannot happen: strings and bools only
	}
	return b
}

// wire returns o as written.
func (o *Object) wire() *objectWire {
	w := &objectWire{Address: o.Addr.String(), Attrs: attrsWire{o: o}, Connected: o.Connected}
	if o.PendingAction != "" {
		w.Pending = &pendingWire{Action: o.PendingAction, After: attrsWire{o: o.Pending}}
		if o.PendingAction == "move" && o.Pending != nil {
			w.Pending.To = o.Pending.Addr.String()
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
// copy (objectWire.read).
func (o *Object) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	*o = Object{}
	w := &objectWire{}
	if err := w.read(dec, o); err != nil {
		return err
	}
	if !w.attrsRead {
		addr, err := ParseAddress(w.Address)
		if err != nil {
			return err
		}
		o.Addr = addr
		if w.Attrs.raw != nil {
			if err := o.decodeAttrs(nil, w.Attrs.raw); err != nil {
				return err
			}
		}
	}
	o.Connected = w.Connected
	if p := w.Pending; p != nil {
		addr, to := o.Addr, o.Addr
		after := p.After.raw
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
			if len(after) == 0 || after.Kind() == 'n' {
				return fmt.Errorf("%s: a pending move to %s needs the object after it", addr, to)
			}
		default:
			return fmt.Errorf("%s: unknown pending action %q", addr, p.Action)
		}
		o.PendingAction = p.Action
		if len(after) > 0 && after.Kind() != 'n' {
			o.Pending = &Object{Addr: to}
			if err := o.Pending.decodeAttrs(nil, after); err != nil {
				return err
			}
		}
	}
	return nil
}

// read is json.UnmarshalDecode(dec, w) by hand, for speed (every state
// load reads every object): one switch in place of the struct decoder's
// name lookup and method call, which take 2% more instructions to read
// 100,000 objects (BenchmarkDecodeObjects100k). When a valid address came
// before them, as roster writes it, the attributes are decoded straight
// into o. The decoder refuses repeated names.
func (w *objectWire) read(dec *jsontext.Decoder, o *Object) error {
	if dec.PeekKind() != '{' {
		return json.UnmarshalDecode(dec, w) // null, or the decoder says what is wrong
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	for {
		name, err := dec.ReadToken()
		if err != nil || name.Kind() == '}' {
			return err
		}
		switch name.String() {
		case "address":
			err = json.UnmarshalDecode(dec, &w.Address)
		case "attrs":
			if addr, perr := ParseAddress(w.Address); perr == nil {
				o.Addr, w.attrsRead = addr, true
				err = o.decodeAttrs(dec, nil)
			} else {
				err = w.Attrs.UnmarshalJSONFrom(dec)
			}
		case "pending":
			err = json.UnmarshalDecode(dec, &w.Pending)
		case "connected":
			err = json.UnmarshalDecode(dec, &w.Connected)
		default:
			err = dec.SkipValue()
		}
		if err != nil {
			return err
		}
	}
}

// SetAttrsJSON sets attributes from a JSON object, as AttrsJSON writes it.
func (o *Object) SetAttrsJSON(data []byte) error {
	return o.decodeAttrs(nil, data)
}

// decodeAttrs reads the attributes of o, a new object of its kind, from
// data or, when dec is set, from dec: null sets nothing, nor does a member
// that is absent or null. The wire struct's fields point into o, so
// strings are decoded in place.
func (o *Object) decodeAttrs(dec *jsontext.Decoder, data []byte) error {
	a := o.attrs(false)
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
	case *siteAttrs:
		if a.RoleAccess != nil {
			if err := o.SetAttr("role_access", a.RoleAccess); err != nil {
				return err
			}
		}
	case *grantAttrs:
		if slices.Contains(a.Capabilities, "") {
			return fmt.Errorf("%s: attribute %q cannot hold an empty capability", o.Addr, "capabilities")
		}
		slices.Sort(a.Capabilities)
		o.Capabilities = slices.Compact(a.Capabilities)
		if len(o.Capabilities) == 0 {
			o.Capabilities = nil
		}
	}
	// Only members, grants and groups have one.
	if o.Expires != "" {
		if _, err := time.Parse(time.RFC3339, o.Expires); err != nil {
			return fmt.Errorf("%s: expires %q is not an RFC 3339 time", o.Addr, o.Expires)
		}
	}
	return nil
}
