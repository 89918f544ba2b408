package model

import (
	"errors"
	"fmt"
	"strconv"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// This file writes and reads objects' JSON by hand, without reflection:
// state snapshots read every object and applies write every one, so
// encoding/json's cost (two decodes per object, a marshal per attribute)
// was most of their time. What is written is byte for byte what
// encoding/json wrote (HTML escapes included), and what is accepted or
// refused on reading is what encoding/json accepted or refused; the
// package's tests hold the encoding/json versions as references.

// appendAttrsJSON appends o's attributes as one JSON object, keys in
// sorted order, every attribute present (null when unset). The keys of
// each kind are written in their sorted order directly.
func (o *Object) appendAttrsJSON(b []byte) []byte {
	switch o.Addr.Kind {
	case KindTeam:
		b = append(b, `{"display_name":`...)
		b = appendOptString(b, o.DisplayName)
		b = append(b, `,"platform":`...)
		b = appendOptString(b, o.Platform)
		b = append(b, `,"require_2fa":`...)
		switch {
		case o.Require2FA == nil:
			b = append(b, "null"...)
		case *o.Require2FA:
			b = append(b, "true"...)
		default:
			b = append(b, "false"...)
		}
		b = append(b, `,"sso":`...)
		b = appendOptString(b, o.SSO)
	case KindSite:
		b = append(b, `{"default_access":`...)
		b = appendOptString(b, o.DefaultAccess)
		b = append(b, `,"environment":`...)
		b = appendOptString(b, o.Environment)
		b = append(b, `,"remote_id":`...)
		b = appendOptString(b, o.RemoteID)
	case KindMember:
		b = append(b, `{"expires":`...)
		b = appendOptString(b, o.Expires)
		b = append(b, `,"reason":`...)
		b = appendOptString(b, o.Reason)
		b = append(b, `,"role":`...)
		b = appendOptString(b, o.Role)
		b = append(b, `,"status":`...)
		b = appendOptString(b, string(o.Status))
		b = append(b, `,"ticket":`...)
		b = appendOptString(b, o.Ticket)
	case KindGrant:
		b = append(b, '{')
		if len(o.Capabilities) > 0 {
			b = append(b, `"capabilities":[`...)
			for i, c := range o.Capabilities {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendJSONString(b, c)
			}
			b = append(b, `],`...)
		}
		b = append(b, `"expires":`...)
		b = appendOptString(b, o.Expires)
		b = append(b, `,"holder_kind":`...)
		b = appendOptString(b, string(o.HolderKind))
		b = append(b, `,"reason":`...)
		b = appendOptString(b, o.Reason)
		b = append(b, `,"role":`...)
		b = appendOptString(b, o.Role)
		b = append(b, `,"status":`...)
		b = appendOptString(b, string(o.Status))
		b = append(b, `,"ticket":`...)
		b = appendOptString(b, o.Ticket)
	case KindGroup:
		b = append(b, `{"expires":`...)
		b = appendOptString(b, o.Expires)
		b = append(b, `,"members":[`...)
		for i, m := range o.Members {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, m)
		}
		b = append(b, `],"reason":`...)
		b = appendOptString(b, o.Reason)
		b = append(b, `,"remote_id":`...)
		b = appendOptString(b, o.RemoteID)
		b = append(b, `,"ticket":`...)
		b = appendOptString(b, o.Ticket)
	default:
		b = append(b, '{')
	}
	return append(b, '}')
}

// attrsJSONSize is a little more than the length of o's attributes as
// JSON when no string needs an escape.
func (o *Object) attrsJSONSize() int {
	n := 96 + len(o.DisplayName) + len(o.Platform) + len(o.SSO) + len(o.Environment) + len(o.RemoteID) + len(o.DefaultAccess) +
		len(o.Expires) + len(o.Reason) + len(o.Role) + len(o.Status) + len(o.Ticket) + len(o.HolderKind)
	for _, m := range o.Members {
		n += len(m) + 3
	}
	for _, c := range o.Capabilities {
		n += len(c) + 3
	}
	n += 16
	return n
}

// appendOptString appends s as a JSON string, or null when it is empty.
func appendOptString(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendJSONString(b, s)
}

const lowerHex = "0123456789abcdef"

// jsonSafe marks the ASCII bytes encoding/json writes as they are: all
// printable ASCII but '"', '\\' and the HTML characters '<', '>', '&'.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendJSONString appends s as encoding/json.Marshal writes a string:
// '"', '\\' and control characters escaped (short forms for \b \f \n \r
// \t), '<', '>', '&', U+2028 and U+2029 as \u escapes, and each byte of
// invalid UTF-8 as \ufffd.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', lowerHex[c>>4], lowerHex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', lowerHex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendObjectJSON appends {"address":...,"attrs":{...}}; when a change
// is pending, "pending":{"action":...,"after":{...}|null}; and for a
// connected team, "connected":true.
func (o *Object) appendObjectJSON(b []byte) []byte {
	b = append(b, `{"address":`...)
	b = appendJSONString(b, o.Addr.String())
	b = append(b, `,"attrs":`...)
	b = o.appendAttrsJSON(b)
	if o.PendingAction != "" {
		b = append(b, `,"pending":{"action":`...)
		b = appendJSONString(b, o.PendingAction)
		b = append(b, `,"after":`...)
		if o.Pending != nil {
			b = o.Pending.appendAttrsJSON(b)
		} else {
			b = append(b, "null"...)
		}
		if o.PendingAction == "move" && o.Pending != nil {
			// A pending move (a person's new email): where it goes.
			b = append(b, `,"to":`...)
			b = appendJSONString(b, o.Pending.Addr.String())
		}
		b = append(b, '}')
	}
	if o.Connected {
		b = append(b, `,"connected":true`...)
	}
	return append(b, '}')
}

// ---- reading ----

// jsonMaxDepth is encoding/json's nesting limit: deeper input is an error.
const jsonMaxDepth = 10000

// jsonReader reads JSON text as encoding/json's decoder would, for the
// shapes objects are stored in. Its errors read like encoding/json's.
type jsonReader struct {
	d     []byte
	i     int
	depth int
}

func (r *jsonReader) ws() {
	for r.i < len(r.d) {
		switch r.d[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

func (r *jsonReader) syntaxError(what string) error {
	if r.i >= len(r.d) {
		return errors.New("unexpected end of JSON input")
	}
	return fmt.Errorf("invalid character %s %s", quoteChar(r.d[r.i]), what)
}

func quoteChar(c byte) string {
	if c == '\'' {
		return `'\''`
	}
	if c == '"' {
		return `'"'`
	}
	s := strconv.Quote(string(rune(c)))
	return "'" + s[1:len(s)-1] + "'"
}

// expect consumes c (after whitespace) or fails.
func (r *jsonReader) expect(c byte, what string) error {
	r.ws()
	if r.i < len(r.d) && r.d[r.i] == c {
		r.i++
		return nil
	}
	return r.syntaxError(what)
}

// end checks that only whitespace follows the value.
func (r *jsonReader) end() error {
	r.ws()
	if r.i < len(r.d) {
		return r.syntaxError("after top-level value")
	}
	return nil
}

func (r *jsonReader) push() error {
	r.depth++
	if r.depth > jsonMaxDepth {
		return errors.New("exceeded max depth")
	}
	return nil
}

// stringEnd scans the string starting at r.i (its quote), checking its
// syntax, and returns the index after its closing quote and whether it
// holds anything unquote must rewrite (escapes, invalid UTF-8).
func (r *jsonReader) stringEnd() (end int, plain bool, err error) {
	d := r.d
	plain = true
	for i := r.i + 1; i < len(d); {
		c := d[i]
		switch {
		case c == '"':
			return i + 1, plain, nil
		case c == '\\':
			plain = false
			if i+1 >= len(d) {
				r.i = len(d)
				return 0, false, r.syntaxError("")
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				for k := 2; k < 6; k++ {
					if i+k >= len(d) {
						r.i = len(d)
						return 0, false, r.syntaxError("")
					}
					if !isHex(d[i+k]) {
						r.i = i + k
						return 0, false, r.syntaxError("in \\u hexadecimal character escape")
					}
				}
				i += 6
			default:
				r.i = i + 1
				return 0, false, r.syntaxError("in string escape code")
			}
		case c < 0x20:
			r.i = i
			return 0, false, r.syntaxError("in string literal")
		case c < utf8.RuneSelf:
			i++
		default:
			rr, size := utf8.DecodeRune(d[i:])
			if rr == utf8.RuneError && size == 1 {
				plain = false
			}
			i += size
		}
	}
	r.i = len(d)
	return 0, false, r.syntaxError("")
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// str reads a string value as encoding/json unquotes it.
func (r *jsonReader) str() (string, error) {
	start := r.i
	end, plain, err := r.stringEnd()
	if err != nil {
		return "", err
	}
	r.i = end
	if plain {
		return string(r.d[start+1 : end-1]), nil
	}
	return string(unquote(r.d[start+1 : end-1])), nil
}

// key reads an object key and the colon after it. The key may point into
// the input: it must not be written to.
func (r *jsonReader) key() ([]byte, error) {
	r.ws()
	if r.i >= len(r.d) || r.d[r.i] != '"' {
		return nil, r.syntaxError("looking for beginning of object key string")
	}
	start := r.i
	end, plain, err := r.stringEnd()
	if err != nil {
		return nil, err
	}
	r.i = end
	k := r.d[start+1 : end-1]
	if !plain {
		k = unquote(k)
	}
	if err := r.expect(':', "after object key"); err != nil {
		return nil, err
	}
	return k, nil
}

// next reads what follows an object member or array element: whether
// another follows (a comma) or the end (close).
func (r *jsonReader) next(close byte, what string) (more bool, err error) {
	r.ws()
	if r.i < len(r.d) {
		switch r.d[r.i] {
		case ',':
			r.i++
			return true, nil
		case close:
			r.i++
			return false, nil
		}
	}
	return false, r.syntaxError(what)
}

// number scans a number's syntax and returns its text.
func (r *jsonReader) number() ([]byte, error) {
	d, start := r.d, r.i
	i := start
	if i < len(d) && d[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
			n++
		}
		return n
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		digits()
	default:
		r.i = i
		return nil, r.syntaxError("in numeric literal")
	}
	if i < len(d) && d[i] == '.' {
		i++
		if digits() == 0 {
			r.i = i
			return nil, r.syntaxError("after decimal point in numeric literal")
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if digits() == 0 {
			r.i = i
			return nil, r.syntaxError("in exponent of numeric literal")
		}
	}
	r.i = i
	return d[start:i], nil
}

func (r *jsonReader) literal(lit string) error {
	for k := 0; k < len(lit); k++ {
		if r.i+k >= len(r.d) {
			r.i = len(r.d)
			return r.syntaxError("")
		}
		if r.d[r.i+k] != lit[k] {
			r.i += k
			return r.syntaxError("in literal " + lit + " (expecting " + quoteChar(lit[k]) + ")")
		}
	}
	r.i += len(lit)
	return nil
}

// skip checks and passes over one value.
func (r *jsonReader) skip() error {
	r.ws()
	if r.i >= len(r.d) {
		return r.syntaxError("")
	}
	switch c := r.d[r.i]; c {
	case '{':
		if err := r.push(); err != nil {
			return err
		}
		r.i++
		r.ws()
		if r.i < len(r.d) && r.d[r.i] == '}' {
			r.i++
			r.depth--
			return nil
		}
		for {
			if _, err := r.key(); err != nil {
				return err
			}
			if err := r.skip(); err != nil {
				return err
			}
			more, err := r.next('}', "after object key:value pair")
			if err != nil {
				return err
			}
			if !more {
				r.depth--
				return nil
			}
		}
	case '[':
		if err := r.push(); err != nil {
			return err
		}
		r.i++
		r.ws()
		if r.i < len(r.d) && r.d[r.i] == ']' {
			r.i++
			r.depth--
			return nil
		}
		for {
			if err := r.skip(); err != nil {
				return err
			}
			more, err := r.next(']', "after array element")
			if err != nil {
				return err
			}
			if !more {
				r.depth--
				return nil
			}
		}
	case '"':
		end, _, err := r.stringEnd()
		if err != nil {
			return err
		}
		r.i = end
		return nil
	case 't':
		return r.literal("true")
	case 'f':
		return r.literal("false")
	case 'n':
		return r.literal("null")
	default:
		_, err := r.number()
		return err
	}
}

// raw checks and returns one value's bytes, as json.RawMessage holds it.
func (r *jsonReader) raw() ([]byte, error) {
	r.ws()
	start := r.i
	if err := r.skip(); err != nil {
		return nil, err
	}
	return r.d[start:r.i], nil
}

// anyValue reads one value as encoding/json decodes it into an any:
// nil, bool, float64, string, []any or map[string]any.
func (r *jsonReader) anyValue() (any, error) {
	r.ws()
	if r.i >= len(r.d) {
		return nil, r.syntaxError("")
	}
	switch c := r.d[r.i]; c {
	case '{':
		if err := r.push(); err != nil {
			return nil, err
		}
		r.i++
		m := map[string]any{}
		r.ws()
		if r.i < len(r.d) && r.d[r.i] == '}' {
			r.i++
			r.depth--
			return m, nil
		}
		for {
			k, err := r.key()
			if err != nil {
				return nil, err
			}
			ks := string(k)
			v, err := r.anyValue()
			if err != nil {
				return nil, err
			}
			m[ks] = v
			more, err := r.next('}', "after object key:value pair")
			if err != nil {
				return nil, err
			}
			if !more {
				r.depth--
				return m, nil
			}
		}
	case '[':
		if err := r.push(); err != nil {
			return nil, err
		}
		r.i++
		l := []any{}
		r.ws()
		if r.i < len(r.d) && r.d[r.i] == ']' {
			r.i++
			r.depth--
			return l, nil
		}
		for {
			v, err := r.anyValue()
			if err != nil {
				return nil, err
			}
			l = append(l, v)
			more, err := r.next(']', "after array element")
			if err != nil {
				return nil, err
			}
			if !more {
				r.depth--
				return l, nil
			}
		}
	case '"':
		return r.str()
	case 't':
		return true, r.literal("true")
	case 'f':
		return false, r.literal("false")
	case 'n':
		return nil, r.literal("null")
	default:
		num, err := r.number()
		if err != nil {
			return nil, err
		}
		f, err := strconv.ParseFloat(string(num), 64)
		if err != nil {
			// encoding/json goes on reading, then fails with this.
			return nil, fmt.Errorf("json: cannot unmarshal number %s into Go value of type float64", num)
		}
		return f, nil
	}
}

// unquote rewrites a string's content as encoding/json does: escapes
// decoded, a surrogate that is not half of a pair and each byte of
// invalid UTF-8 turned into U+FFFD. The syntax is checked already.
func unquote(s []byte) []byte {
	b := make([]byte, 0, len(s)+utf8.UTFMax)
	for r := 0; r < len(s); {
		c := s[r]
		switch {
		case c == '\\':
			switch s[r+1] {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				rr := getu4(s[r:])
				r += 6
				if utf16.IsSurrogate(rr) {
					if rr1 := getu4(s[r:]); rr1 >= 0 {
						if dec := utf16.DecodeRune(rr, rr1); dec != unicode.ReplacementChar {
							r += 6
							b = utf8.AppendRune(b, dec)
							continue
						}
					}
					rr = unicode.ReplacementChar
				}
				b = utf8.AppendRune(b, rr)
				continue
			default: // '"', '\\', '/'
				b = append(b, s[r+1])
			}
			r += 2
		case c < utf8.RuneSelf:
			b = append(b, c)
			r++
		default:
			rr, size := utf8.DecodeRune(s[r:])
			r += size
			b = utf8.AppendRune(b, rr)
		}
	}
	return b
}

// getu4 decodes \uXXXX at the start of s, or returns -1.
func getu4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	v, err := strconv.ParseUint(string(s[2:6]), 16, 32)
	if err != nil {
		return -1
	}
	return rune(v)
}

// foldedIs reports whether key matches name (upper-case ASCII) as
// encoding/json matches object keys to struct fields: exactly, or
// failing that under Unicode simple case folding (so "ADDRESS" and
// "addreſs", with a long s, name the field address too).
func foldedIs(key []byte, name string) bool {
	i := 0
	for _, want := range []byte(name) {
		if i >= len(key) {
			return false
		}
		c := key[i]
		if c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			if c != want {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(key[i:])
		if foldRune(r) != rune(want) {
			return false
		}
		i += n
	}
	return i == len(key)
}

// foldRune is the smallest rune of r's case-folding orbit, as
// encoding/json folds names.
func foldRune(r rune) rune {
	for {
		r2 := unicode.SimpleFold(r)
		if r2 <= r {
			return r2
		}
		r = r2
	}
}

// pendingFields is the "pending" member as read.
type pendingFields struct {
	action string
	after  []byte // raw JSON, nil when absent
	to     string // a pending move's new address
}

// decodeObject reads what appendObjectJSON writes into o, accepting and
// refusing exactly what decoding into the struct
//
//	{Address string `json:"address"`; Attrs json.RawMessage `json:"attrs"`;
//	 Pending *struct{Action string `json:"action"`; After json.RawMessage `json:"after"`} `json:"pending"`;
//	 Connected bool `json:"connected"`}
//
// with encoding/json and then checking the address and attributes did:
// keys matched case-insensitively, unknown keys ignored (but checked to be
// JSON), the last of repeated keys winning, null leaving a field as it
// was (and dropping pending).
func (o *Object) decodeObject(data []byte) error {
	r := jsonReader{d: data}
	var (
		address   string
		attrs     []byte
		pending   *pendingFields
		connected bool
	)
	r.ws()
	if r.i >= len(r.d) {
		return r.syntaxError("")
	}
	if r.d[r.i] != '{' {
		// encoding/json checks the syntax first, then says what type it
		// could not decode; null decodes to nothing (and no address).
		if err := r.skip(); err != nil {
			return err
		}
		if err := r.end(); err != nil {
			return err
		}
		if string(trimSpace(data)) != "null" {
			return fmt.Errorf("json: cannot unmarshal %s into Go value of type model.objectJSON", valueKind(trimSpace(data)))
		}
	} else {
		if err := r.push(); err != nil {
			return err
		}
		r.i++
		r.ws()
		if r.i < len(r.d) && r.d[r.i] == '}' {
			r.i++
		} else {
			for {
				k, err := r.key()
				if err != nil {
					return err
				}
				switch {
				case foldedIs(k, "ADDRESS"):
					if err := r.optString(&address, "address"); err != nil {
						return err
					}
				case foldedIs(k, "ATTRS"):
					v, err := r.raw()
					if err != nil {
						return err
					}
					attrs = v
				case foldedIs(k, "PENDING"):
					if err := r.pending(&pending); err != nil {
						return err
					}
				case foldedIs(k, "CONNECTED"):
					if err := r.optBool(&connected, "connected"); err != nil {
						return err
					}
				default:
					if err := r.skip(); err != nil {
						return err
					}
				}
				more, err := r.next('}', "after object key:value pair")
				if err != nil {
					return err
				}
				if !more {
					break
				}
			}
		}
		if err := r.end(); err != nil {
			return err
		}
	}

	addr, err := ParseAddress(address)
	if err != nil {
		return err
	}
	*o = Object{Addr: addr, Connected: connected}
	if len(attrs) > 0 {
		if err := o.setAttrsJSON(attrs); err != nil {
			return err
		}
	}
	if pending != nil {
		to := addr
		switch pending.action {
		case "create", "update", "delete":
			if pending.to != "" {
				return fmt.Errorf("%s: a pending %s has no new address", addr, pending.action)
			}
		case "move":
			// A person's new email, waiting for them (sync.md, Renames).
			if to, err = ParseAddress(pending.to); err != nil || to.Kind != addr.Kind || to == addr {
				return fmt.Errorf("%s: a pending move needs a new address of the same kind (to %q)", addr, pending.to)
			}
		default:
			return fmt.Errorf("%s: unknown pending action %q", addr, pending.action)
		}
		o.PendingAction = pending.action
		if len(pending.after) > 0 && string(pending.after) != "null" {
			o.Pending = &Object{Addr: to}
			if err := o.Pending.setAttrsJSON(pending.after); err != nil {
				return err
			}
		}
	}
	return nil
}

// optString reads a string into *s; null leaves it as it is.
func (r *jsonReader) optString(s *string, field string) error {
	r.ws()
	if r.i < len(r.d) && r.d[r.i] == '"' {
		v, err := r.str()
		if err != nil {
			return err
		}
		*s = v
		return nil
	}
	start := r.i
	if err := r.skip(); err != nil {
		return err
	}
	if v := r.d[start:r.i]; string(v) != "null" {
		return fmt.Errorf("json: cannot unmarshal %s into Go struct field .%s of type string", valueKind(v), field)
	}
	return nil
}

// optBool reads a bool into *b; null leaves it as it is.
func (r *jsonReader) optBool(b *bool, field string) error {
	r.ws()
	start := r.i
	if err := r.skip(); err != nil {
		return err
	}
	switch v := r.d[start:r.i]; string(v) {
	case "true":
		*b = true
	case "false":
		*b = false
	case "null":
	default:
		return fmt.Errorf("json: cannot unmarshal %s into Go struct field .%s of type bool", valueKind(v), field)
	}
	return nil
}

// pending reads the "pending" member: null drops it, an object is read
// into it (into the one already read, if the key came twice).
func (r *jsonReader) pending(p **pendingFields) error {
	r.ws()
	if r.i >= len(r.d) || r.d[r.i] != '{' {
		start := r.i
		if err := r.skip(); err != nil {
			return err
		}
		if v := r.d[start:r.i]; string(v) != "null" {
			return fmt.Errorf("json: cannot unmarshal %s into Go struct field .pending of type model.pendingJSON", valueKind(v))
		}
		*p = nil
		return nil
	}
	if *p == nil {
		*p = &pendingFields{}
	}
	if err := r.push(); err != nil {
		return err
	}
	r.i++
	r.ws()
	if r.i < len(r.d) && r.d[r.i] == '}' {
		r.i++
		r.depth--
		return nil
	}
	for {
		k, err := r.key()
		if err != nil {
			return err
		}
		switch {
		case foldedIs(k, "ACTION"):
			if err := r.optString(&(*p).action, "pending.action"); err != nil {
				return err
			}
		case foldedIs(k, "AFTER"):
			v, err := r.raw()
			if err != nil {
				return err
			}
			(*p).after = v
		case foldedIs(k, "TO"):
			if err := r.optString(&(*p).to, "pending.to"); err != nil {
				return err
			}
		default:
			if err := r.skip(); err != nil {
				return err
			}
		}
		more, err := r.next('}', "after object key:value pair")
		if err != nil {
			return err
		}
		if !more {
			r.depth--
			return nil
		}
	}
}

// setAttrsJSON sets attributes from a JSON object as decoding it into a
// map[string]any and calling SetAttr for each entry did: the whole text
// must be JSON; null sets nothing; a key given twice counts once, with
// its last value.
func (o *Object) setAttrsJSON(data []byte) error {
	fail := func(err error) error { return fmt.Errorf("%s: attributes: %v", o.Addr, err) }
	r := jsonReader{d: data}
	r.ws()
	if r.i >= len(r.d) {
		return fail(r.syntaxError(""))
	}
	if r.d[r.i] != '{' {
		if err := r.skip(); err != nil {
			return fail(err)
		}
		if err := r.end(); err != nil {
			return fail(err)
		}
		if v := trimSpace(data); string(v) != "null" {
			return fail(fmt.Errorf("json: cannot unmarshal %s into Go value of type map[string]interface {}", valueKind(v)))
		}
		return nil
	}
	if err := r.push(); err != nil {
		return fail(err)
	}
	r.i++
	type attr struct {
		name  string
		value any
	}
	var (
		list [8]attr
		seen = list[:0]
	)
	r.ws()
	if r.i < len(r.d) && r.d[r.i] == '}' {
		r.i++
	} else {
		for {
			k, err := r.key()
			if err != nil {
				return fail(err)
			}
			v, err := r.anyValue()
			if err != nil {
				return fail(err)
			}
			found := false
			for i := range seen {
				if seen[i].name == string(k) {
					seen[i].value, found = v, true
					break
				}
			}
			if !found {
				seen = append(seen, attr{internName(k), v})
			}
			more, err := r.next('}', "after object key:value pair")
			if err != nil {
				return fail(err)
			}
			if !more {
				break
			}
		}
	}
	if err := r.end(); err != nil {
		return fail(err)
	}
	for _, a := range seen {
		if err := o.SetAttr(a.name, a.value); err != nil {
			return err
		}
	}
	return nil
}

// internName returns the attribute name k as a string, without
// allocating for the names objects have.
func internName(k []byte) string {
	switch string(k) {
	case "platform":
		return "platform"
	case "display_name":
		return "display_name"
	case "require_2fa":
		return "require_2fa"
	case "sso":
		return "sso"
	case "environment":
		return "environment"
	case "remote_id":
		return "remote_id"
	case "default_access":
		return "default_access"
	case "role":
		return "role"
	case "holder_kind":
		return "holder_kind"
	case "expires":
		return "expires"
	case "reason":
		return "reason"
	case "ticket":
		return "ticket"
	case "status":
		return "status"
	case "members":
		return "members"
	case "capabilities":
		return "capabilities"
	}
	return string(k)
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\n' || b[0] == '\r') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// valueKind names a JSON value's kind as encoding/json's type errors do.
func valueKind(v []byte) string {
	if len(v) == 0 {
		return "value"
	}
	switch v[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}
