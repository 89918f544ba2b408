package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/hashicorp/hcl/v2"
	"github.com/roster-dev/roster/internal/model"
)

// expiry is a decoded expires attribute.
type expiry struct {
	set  bool
	at   time.Time
	norm string    // RFC 3339 in UTC, as objects store it
	text string    // as written: a date stays a date, a time is printed in UTC
	rng  hcl.Range // the expression, or the block when absent
}

// ParseExpiry reads an expires value: a date (YYYY-MM-DD, meaning the end
// of that day, 23:59:59 UTC) or an RFC 3339 time. norm is RFC 3339 in UTC;
// text is the expiry as written, for "expired 2026-06-01" (a date stays a
// date, a time is printed in UTC).
func ParseExpiry(s string) (at time.Time, norm, text string, err error) {
	if len(s) == len("2006-01-02") && !strings.ContainsAny(s, "Tt") {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return time.Time{}, "", "", err
		}
		at = d.Add(24*time.Hour - time.Second)
		return at, at.Format(time.RFC3339), s, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, "", "", err
	}
	at = t.UTC()
	norm = at.Format(time.RFC3339)
	return at, norm, norm, nil
}

func (l *loader) expiry(e hcl.Expression, ctx *hcl.EvalContext, def hcl.Range) expiry {
	x := expiry{rng: def}
	s, ok := l.str(e, ctx, "expires", false)
	if !ok {
		return x
	}
	at, norm, text, err := ParseExpiry(s)
	if err != nil {
		// time.Parse says which field is out of range only in its
		// ParseError's Message (": day out of range"), never in the
		// value quoted, which is the user's.
		why := ""
		var pe *time.ParseError
		if errors.As(err, &pe) && strings.HasSuffix(pe.Message, " out of range") {
			why = " (" + strings.TrimPrefix(pe.Message, ": ") + ")"
		}
		l.errorf(e.Range(), "Invalid date in expires",
			"expires = %q is not a date (YYYY-MM-DD, meaning the end of that day in UTC) or an RFC 3339 time such as \"2026-06-01T12:00:00Z\"%s.", s, why)
		return x
	}
	return expiry{set: true, at: at, norm: norm, text: text, rng: e.Range()}
}

// text evaluates a free-text attribute (reason, ticket, display_name, ...)
// and refuses control characters in it.
func (l *loader) text(e hcl.Expression, ctx *hcl.EvalContext, name string) (string, bool) {
	s, ok := l.str(e, ctx, name, false)
	if !ok {
		return "", false
	}
	if r, bad := controlChar(s); bad {
		rule := "reason, ticket and note texts may not hold control characters (U+0000–U+001F, U+007F)"
		if name != "reason" && name != "ticket" {
			rule = "texts that roster prints may not hold control characters (U+0000–U+001F, U+007F)"
		}
		l.errorf(e.Range(), "Invalid characters in "+name, "%s contains the control character U+%04X; %s.", name, r, rule)
		return s, true
	}
	return s, true
}

// controlChar finds a control character (U+0000–U+001F, U+007F) in s.
func controlChar(s string) (rune, bool) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return rune(c), true
		}
	}
	return 0, false
}

// CheckText reports whether s is allowed as a reason, ticket or note: it
// holds no control character. The error is a sentence naming the
// character and the rule, for the CLI's --note.
func CheckText(name, s string) error {
	if r, bad := controlChar(s); bad {
		return fmt.Errorf("%s contains the control character U+%04X; reason, ticket and note texts may not hold control characters (U+0000–U+001F, U+007F)", name, r)
	}
	return nil
}

// sentence turns an error of the model into the start of a sentence.
func sentence(err error) string {
	s := err.Error()
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

func quote(s string) string { return strconv.Quote(s) }

// listNames quotes names for a message, at most 20 of them.
func listNames(names []string) string {
	const most = 20
	if len(names) == 0 {
		return "(none)"
	}
	if len(names) > most {
		return fmt.Sprintf("%s and %d more", strings.Join(quoteAll(names[:most]), ", "), len(names)-most)
	}
	return model.QuoteList(names)
}

func quoteAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = strconv.Quote(n)
	}
	return out
}

// at prints a place as diagnostics do: FILE:LINE:COL.
func at(r hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}

// quoteOr renders names as "a", "b" or "c".
func quoteOr(names []string) string {
	q := quoteAll(names)
	switch len(q) {
	case 0:
		return "(none)"
	case 1:
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}
