package kit

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/roster-dev/roster/internal/termtext"
)

// maxMessage is the most of a platform's answer an error message quotes.
const maxMessage = 300

// BodyText is an error answer's body as one line for a message when the
// platform's own words cannot be read from it: its text with white
// space folded, cut at 300 bytes, or "HTTP STATUS" when it is empty.
func BodyText(body []byte, status int) string {
	msg := Words(string(body))
	if msg == "" {
		msg = fmt.Sprintf("HTTP %d", status)
	}
	return msg
}

// Cut cuts a message at 300 bytes, marked "...", at the start of a
// character.
func Cut(msg string) string {
	if len(msg) > maxMessage {
		n := maxMessage
		for n > 0 && !utf8.RuneStart(msg[n]) {
			n--
		}
		return msg[:n] + "..."
	}
	return msg
}

// Words is a platform's own words as an error message quotes them: on one
// line, its white space folded to single spaces, any other control
// character shown as a Go escape (\x1b), so that nothing it holds starts
// a line or acts on a terminal, and cut at 300 bytes.
func Words(s string) string {
	return Cut(termtext.Escape(strings.Join(strings.Fields(s), " ")))
}
