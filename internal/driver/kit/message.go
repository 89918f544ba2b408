package kit

import (
	"fmt"
	"strings"
)

// maxMessage is the most of a platform's answer an error message quotes.
const maxMessage = 300

// BodyText is an error answer's body as one line for a message when the
// platform's own words cannot be read from it: its text with white
// space folded, cut at 300 bytes, or "HTTP STATUS" when it is empty.
func BodyText(body []byte, status int) string {
	msg := Cut(strings.Join(strings.Fields(string(body)), " "))
	if msg == "" {
		msg = fmt.Sprintf("HTTP %d", status)
	}
	return msg
}

// Cut cuts a message at 300 bytes, marked "...".
func Cut(msg string) string {
	if len(msg) > maxMessage {
		return msg[:maxMessage] + "..."
	}
	return msg
}
