package kit

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestInterrupted: the reason is in words, and the error is still the
// context's to errors.Is.
func TestInterrupted(t *testing.T) {
	for _, cause := range []error{context.Canceled, context.DeadlineExceeded} {
		err := Interrupted("Piwik PRO: interrupted while pacing the requests", cause)
		if !errors.Is(err, cause) {
			t.Errorf("%v is not %v to errors.Is", err, cause)
		}
		if strings.Contains(err.Error(), cause.Error()) || !strings.HasPrefix(err.Error(), "Piwik PRO: interrupted while pacing the requests: ") {
			t.Errorf("message %q: want the reason in words, not %q", err, cause)
		}
	}
	if got := Why(errors.New("boom")); got != "boom" {
		t.Errorf("Why(boom) = %q", got)
	}
}
