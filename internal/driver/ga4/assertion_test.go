package ga4

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	json "github.com/go-json-experiment/json"

	fake "github.com/roster-dev/roster/internal/fake/ga4"
)

// echoTokenRequest answers every request as a token endpoint that refuses
// the grant and quotes it back, assertion and all.
type echoTokenRequest struct{ assertion string }

func (e *echoTokenRequest) RoundTrip(r *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	e.assertion = form.Get("assertion")
	answer, _ := json.Marshal(map[string]string{"error": "invalid_grant", "error_description": "Invalid JWT: " + e.assertion})
	return &http.Response{StatusCode: http.StatusBadRequest, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(answer)), Request: r}, nil
}

// TestAssertionNeverShown: the signed assertion is a credential for as
// long as it lives (an hour: anyone holding it can get tokens of the
// service account), so a token endpoint quoting it back has it redacted
// like the key itself, in the error and the debug log.
func TestAssertionNeverShown(t *testing.T) {
	_, team := start(t, fake.Seed{})
	rt := &echoTokenRequest{}
	var log bytes.Buffer
	d := newDriver(team, opts(&log), rt)
	_, err := d.Refresh(context.Background())
	if err == nil {
		t.Fatal("no error")
	}
	parts := strings.Split(rt.assertion, ".")
	if len(parts) != 3 {
		t.Fatalf("no assertion was sent: %q", rt.assertion)
	}
	msg := err.Error()
	if !strings.Contains(msg, "invalid_grant: Invalid JWT") {
		t.Errorf("the endpoint's words are missing: %s", msg)
	}
	sig := parts[2]
	all := msg + "\n" + log.String()
	for i := 0; i+16 <= len(sig); i += 16 {
		if strings.Contains(all, sig[i:i+16]) {
			t.Fatalf("the assertion's signature shows:\n%s", all)
		}
	}
}
