package fakekit

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	json "github.com/go-json-experiment/json"
)

// Answer is a fake's answer as the fakes' tests read it.
type Answer struct {
	Status int
	Header http.Header
	Body   map[string]any // the body as a JSON object, when it starts with {
	Raw    string         // the body
}

// NewRequest is method url with body (none when empty), ctype as its
// Content-Type and bearer as its Bearer token ("": none). The test stops
// when the request cannot be made.
func NewRequest(t testing.TB, method, url, bearer, ctype string, body []byte) *http.Request {
	t.Helper()
	var rd io.Reader
	if len(body) > 0 {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	return req
}

// Send sends req and reads the answer; a body that starts with { must be
// a JSON object, or the test stops.
func Send(t testing.TB, req *http.Request) Answer {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := Answer{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &a.Body); err != nil {
			t.Fatalf("%s %s: %v: %s", req.Method, req.URL.Path, err, raw)
		}
	}
	return a
}

// Ask is Send of NewRequest.
func Ask(t testing.TB, method, url, bearer, ctype string, body []byte) Answer {
	t.Helper()
	return Send(t, NewRequest(t, method, url, bearer, ctype, body))
}
