package fakekit

import (
	"strings"
	"testing"
)

// Fact is what one row of a fake's facts table asks of the fake: a fact
// of docs/apis/NAME.md, cited by its section (and line there), and
// what the answer to the row's request must show.
type Fact struct {
	Cite         string   // section (line): the fact; the subtest's name
	Method, Path string   // the request, for the messages
	Status       int      // the answer's status
	Has          []string // substrings the raw answer holds
	Lacks        []string // substrings it does not hold
}

// RunFacts runs a fake's facts table, a subtest a row named by its Cite:
// fact says what the row asks, ask makes the row's request (of a fresh
// fake) and returns the answer's status and raw body. A wrong status ends
// the row, showing the answer; each substring the answer lacks (or holds,
// of Lacks) is an error.
func RunFacts[R any](t *testing.T, rows []R, fact func(R) Fact, ask func(t *testing.T, r R) (status int, raw string)) {
	t.Helper()
	for _, r := range rows {
		f := fact(r)
		t.Run(f.Cite, func(t *testing.T) {
			status, raw := ask(t, r)
			if status != f.Status {
				t.Fatalf("%s %s: %d, want %d: %s", f.Method, f.Path, status, f.Status, raw)
			}
			for _, h := range f.Has {
				if !strings.Contains(raw, h) {
					t.Errorf("%s %s: %s\nlacks %s", f.Method, f.Path, raw, h)
				}
			}
			for _, h := range f.Lacks {
				if strings.Contains(raw, h) {
					t.Errorf("%s %s: %s\nholds %s", f.Method, f.Path, raw, h)
				}
			}
		})
	}
}
