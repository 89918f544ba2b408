package drivertest

import (
	"fmt"
	"io"
	"net/http"
	"testing"
)

// A Stub tells Answer whether a path is read for the first time, and
// answers 200 with its content type.
func TestStub(t *testing.T) {
	s := &Stub{ContentType: "application/x-test", Answer: func(path string, first bool) string { return fmt.Sprint(path, " ", first) }}
	var got []string
	for _, p := range []string{"/a", "/a", "/b", "/a?q=1"} {
		req, _ := http.NewRequest("GET", "http://stub"+p, nil)
		res, err := s.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/x-test" || res.Request != req {
			t.Errorf("%s: %d %q", p, res.StatusCode, res.Header.Get("Content-Type"))
		}
		got = append(got, string(b))
	}
	if want := "[/a true /a false /b true /a false]"; fmt.Sprint(got) != want {
		t.Errorf("answers %v, want %s", got, want)
	}
}
