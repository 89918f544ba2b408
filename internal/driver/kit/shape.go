package kit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// Shape is the JSON shape a value must have. Build one from String,
// Number, Int, Bool, Anything, ID, Null, List and Obj.
type Shape interface {
	check(v any, at string) error
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

func (k kind) check(v any, at string) error {
	ok := false
	switch k {
	case String:
		_, ok = v.(string)
	case Number:
		_, ok = v.(json.Number)
	case Int:
		n, isNum := v.(json.Number)
		_, err := n.Int64()
		ok = isNum && err == nil
	case Bool:
		_, ok = v.(bool)
	case Anything:
		ok = true
	case ID:
		switch x := v.(type) {
		case string:
			ok = x != ""
		case json.Number:
			_, err := x.Int64()
			ok = err == nil
		}
	}
	if !ok {
		return mismatch(v, at, k.String())
	}
	return nil
}

type nullable struct{ s Shape }

// Null is s or null.
func Null(s Shape) Shape { return nullable{s} }

func (n nullable) check(v any, at string) error {
	if v == nil {
		return nil
	}
	return n.s.check(v, at)
}

type list struct{ elem Shape }

// List is a JSON array (never null) whose every item has the shape elem.
func List(elem Shape) Shape { return list{elem} }

func (l list) check(v any, at string) error {
	a, ok := v.([]any)
	if !ok {
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

func (o optional) check(v any, at string) error { return o.s.check(v, at) }

// Obj is a JSON object (never null) with at least these fields, each of
// its shape; a field is required unless its shape is Opt. Other fields
// are allowed.
type Obj map[string]Shape

func (o Obj) check(v any, at string) error {
	m, ok := v.(map[string]any)
	if !ok {
		return mismatch(v, at, "an object")
	}
	names := make([]string, 0, len(o))
	for name := range o {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
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
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		if x == "" {
			return "an empty string"
		}
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func mismatch(v any, at, want string) error {
	if at == "" {
		at = "the answer"
	}
	return fmt.Errorf("%s is %s where %s belongs", at, describe(v), want)
}

// Check reports whether body is one JSON value of shape s. Its error says
// where and what was wrong, e.g. "results is null where a list belongs".
func Check(body []byte, s Shape) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return errors.New("the answer is empty")
	}
	// RFC 7493 (I-JSON): a key given twice is refused rather than read
	// as whichever came last.
	if !jsontext.Value(body).IsValid() {
		if err := json.Unmarshal(body, new(any)); err != nil {
			return fmt.Errorf("the answer is not JSON: %v", err)
		}
		return errors.New("the answer repeats a key in an object, or holds invalid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("the answer is not JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("the answer holds more than one JSON value")
	}
	return s.check(v, "")
}

// Field is a field of an object, for messages: `"count"`.
func Field(names ...string) string { return strings.Join(names, ".") }
