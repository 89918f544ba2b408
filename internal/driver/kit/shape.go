package kit

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Shape is the JSON shape a value must have. Build one from String,
// Number, Int, Bool, Anything, ID, Null, List and Obj.
type Shape interface {
	check(v jsontext.Value, at string) error
}

type kind int

// The scalar shapes.
const (
	// String is a JSON string.
	String kind = iota
	// Number is a JSON number.
	Number
	// Int is a JSON number without a fraction.
	Int
	// Bool is true or false.
	Bool
	// Anything is any JSON value, null included: a field that must be
	// present but is not read.
	Anything
	// ID is an identifier given as a JSON string or an integer.
	ID
)

func (k kind) String() string {
	switch k {
	case String:
		return "a string"
	case Number:
		return "a number"
	case Int:
		return "an integer"
	case Bool:
		return "true or false"
	case ID:
		return "an id (a string or an integer)"
	}
	return "a value"
}

func (k kind) check(v jsontext.Value, at string) error {
	var ok bool
	switch v.Kind() {
	case '"':
		ok = k == String || k == Anything || (k == ID && string(v) != `""`)
	case '0':
		_, err := strconv.ParseInt(string(v), 10, 64)
		ok = k == Number || k == Anything || ((k == Int || k == ID) && err == nil)
	case 't', 'f':
		ok = k == Bool || k == Anything
	default:
		ok = k == Anything
	}
	if !ok {
		return mismatch(v, at, k.String())
	}
	return nil
}

type nullable struct{ s Shape }

// Null is s or null.
func Null(s Shape) Shape { return nullable{s} }

func (n nullable) check(v jsontext.Value, at string) error {
	if v.Kind() == 'n' {
		return nil
	}
	return n.s.check(v, at)
}

type list struct{ elem Shape }

// List is a JSON array (never null) whose every item has the shape elem.
func List(elem Shape) Shape { return list{elem} }

func (l list) check(v jsontext.Value, at string) error {
	var a []jsontext.Value
	if v.Kind() != '[' || json.Unmarshal(v, &a) != nil {
		return mismatch(v, at, "a list")
	}
	for i, x := range a {
		if err := l.elem.check(x, fmt.Sprintf("%s[%d]", at, i)); err != nil {
			return err
		}
	}
	return nil
}

type optional struct{ s Shape }

// Opt marks a field of an Obj that may be absent; when present it has
// the shape s.
func Opt(s Shape) Shape { return optional{s} }

func (o optional) check(v jsontext.Value, at string) error { return o.s.check(v, at) }

// Obj is a JSON object (never null) with at least these fields, each of
// its shape; a field is required unless its shape is Opt. Other fields
// are allowed.
type Obj map[string]Shape

func (o Obj) check(v jsontext.Value, at string) error {
	var m map[string]jsontext.Value
	if v.Kind() != '{' || json.Unmarshal(v, &m) != nil {
		return mismatch(v, at, "an object")
	}
	for _, name := range slices.Sorted(maps.Keys(o)) {
		s := o[name]
		x, present := m[name]
		where := join(at, name)
		if !present {
			if _, opt := s.(optional); opt {
				continue
			}
			return fmt.Errorf("%s is missing", where)
		}
		if err := s.check(x, where); err != nil {
			return err
		}
	}
	return nil
}

func join(at, name string) string {
	if at == "" {
		return name
	}
	return at + "." + name
}

// describe names a JSON value's type for a message.
func describe(v jsontext.Value) string {
	switch v.Kind() {
	case 'n':
		return "null"
	case '"':
		if string(v) == `""` {
			return "an empty string"
		}
		return "a string"
	case '0':
		return "a number"
	case 't', 'f':
		return "a boolean"
	case '[':
		return "a list"
	case '{':
		return "an object"
	}
	return "not a value"
}

func mismatch(v jsontext.Value, at, want string) error {
	if at == "" {
		at = "the answer"
	}
	return fmt.Errorf("%s is %s where %s belongs", at, describe(v), want)
}

// Check reports whether body is one JSON value of shape s. Its error says
// where and what was wrong, e.g. "results is null where a list belongs".
// json/v2 refuses a key given twice in an object (RFC 7493, I-JSON)
// rather than reading whichever came last, invalid UTF-8, and anything
// after the value. json/v2's text of a syntax error quotes the answer's
// keys (the repeated one, the path to the fault), of any length: it is
// cut as a platform's words are (Words).
func Check(body []byte, s Shape) error {
	var v jsontext.Value
	var serr *jsontext.SyntacticError
	switch err := json.Unmarshal(body, &v); {
	case len(bytes.TrimSpace(body)) == 0:
		return errors.New("the answer is empty")
	case errors.As(err, &serr) && serr.Err == jsontext.ErrDuplicateName:
		return fmt.Errorf("the answer repeats a key in an object (%s)", Words(strings.TrimPrefix(serr.Error(), "jsontext: ")))
	case err != nil:
		return fmt.Errorf("the answer is not JSON: %s", Words(err.Error()))
	}
	return s.check(v, "")
}
