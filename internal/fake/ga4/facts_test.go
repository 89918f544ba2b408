package ga4

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	json "github.com/go-json-experiment/json"

	"github.com/roster-dev/roster/internal/fake/fakekit"
)

const saEmail = "roster@p.iam.gserviceaccount.com"

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

type env struct {
	t   *testing.T
	srv *Server
	key *rsa.PrivateKey
	tok string
}

func start(t *testing.T, scopes []string, bindings ...SeedBinding) *env {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	pub := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	seed := Seed{
		ServiceAccounts: []SeedServiceAccount{{Email: saEmail, PublicKey: pub, Scopes: scopes}},
		Accounts: []SeedAccount{{ID: "100", Name: "Acme", Properties: []SeedProperty{{ID: "1000", Name: "Web"}, {ID: "1001", Name: "Old", Trashed: true}}},
			{ID: "300", Name: "Viewed"}},
		// The service account administers account 100 and only views 300.
		Bindings: append(append([]SeedBinding{{Parent: "accounts/100", User: saEmail, Roles: []string{"predefinedRoles/admin"}}}, bindings...),
			SeedBinding{Parent: "accounts/300", User: saEmail, Roles: []string{"predefinedRoles/viewer"}}),
		NoGoogleAccount: []string{"nobody@example.org"},
	}
	srv := New(Options{Seed: seed, Now: t0})
	t.Cleanup(srv.Close)
	e := &env{t: t, srv: srv, key: k}
	status, body := e.token(e.assertion(srv.URL+"/token", t0, time.Hour, k))
	if status != 200 {
		t.Fatalf("token: %d %s", status, body)
	}
	var out struct {
		AccessToken string `json:"access_token"`
	}
	json.Unmarshal([]byte(body), &out)
	e.tok = out.AccessToken
	return e
}

func (e *env) assertion(aud string, iat time.Time, life time.Duration, k *rsa.PrivateKey) string {
	enc := base64.RawURLEncoding
	claims, _ := json.Marshal(map[string]any{"iss": saEmail, "aud": aud, "iat": iat.Unix(), "exp": iat.Add(life).Unix(),
		"scope": ScopeManageUsers + " " + ScopeReadonly})
	s := enc.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc.EncodeToString(claims)
	sum := sha256.Sum256([]byte(s))
	sig, _ := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, sum[:])
	return s + "." + enc.EncodeToString(sig)
}

func (e *env) token(assertion string) (int, string) {
	form := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {assertion}}
	res, err := http.Post(e.srv.URL+"/token", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func (e *env) do(method, path, body string) (int, string) {
	a := fakekit.Ask(e.t, method, e.srv.URL+path, e.tok, "", []byte(body))
	return a.Status, a.Raw
}

// TestFacts holds the fake to ga4.md, one row per fact: cite names the
// section and table row of ga4.md the fact comes from, with the note's
// source tag. No GA4 API document is stored beside the platforms' OpenAPI
// documents (ga4.md: the discovery documents in the index predate access
// bindings), so this table is the fake's contract.
func TestFacts(t *testing.T) {
	const ann = `{"user":"ann@acme.com","roles":["predefinedRoles/editor"]}`
	type row struct {
		cite         string // ga4.md section, row [source]
		scopes       []string
		fail         *fakekit.FailRule // injected before the request
		method, path string
		body         string
		status       int
		want         string // in the body
	}
	rows := []row{
		{"Endpoints, intro: per proto3 JSON an empty list page is {} [D-AB, inf]", nil, nil, "GET", "/v1alpha/properties/1000/accessBindings", "", 200, `{}`},
		{"Endpoints, row GET v1alpha/accountSummaries: every account the caller can see, each with its properties [SVC]", nil, nil, "GET", "/v1alpha/accountSummaries", "", 200, `"propertySummaries":[{"property":"properties/1000","displayName":"Web"`},
		{"Semantics, Trash: trashed properties are absent from lists [SVC]", nil, nil, "GET", "/v1alpha/accountSummaries", "", 200, `"account":"accounts/100","displayName":"Acme","propertySummaries":[{"property":"properties/1000","displayName":"Web","propertyType":"PROPERTY_TYPE_ORDINARY","parent":"accounts/100"}]`},
		{"Endpoints, row GET v1alpha/accounts/{a}/accessBindings: the bindings of the account [SVC]", nil, nil, "GET", "/v1alpha/accounts/100/accessBindings", "", 200, `{"name":"accounts/100/accessBindings/202","user":"ann@acme.com","roles":["predefinedRoles/viewer"]}`},
		{"Endpoints, row GET …/accessBindings/{b}: one AccessBinding [SVC]", nil, nil, "GET", "/v1alpha/accounts/100/accessBindings/202", "", 200, `"user":"ann@acme.com"`},
		{"Endpoints, row POST v1alpha/{parent}/accessBindings: success is 200 for creation too, the answer has the name [D-AB, inf]", nil, nil, "POST", "/v1alpha/properties/1000/accessBindings", `{"user":"jane@agency.com","roles":["predefinedRoles/viewer","predefinedRoles/no-cost-data"]}`, 200, `"name":"properties/1000/accessBindings/`},
		{"Endpoints, row PATCH v1alpha/{name}: no updateMask, the whole roles list [SVC]", nil, nil, "PATCH", "/v1alpha/accounts/100/accessBindings/202", ann, 200, `"roles":["predefinedRoles/editor"]`},
		{"Endpoints, row PATCH v1alpha/{name}: an empty roles list deletes the binding [RES]", nil, nil, "PATCH", "/v1alpha/accounts/100/accessBindings/202", `{"user":"ann@acme.com","roles":[]}`, 200, `"name":"accounts/100/accessBindings/202"`},
		{"Endpoints, row DELETE v1alpha/{name}: {} (google.protobuf.Empty) [SVC]", nil, nil, "DELETE", "/v1alpha/accounts/100/accessBindings/202", "", 200, `{}`},
		{"Endpoints, row :batchCreate …: roster must not use them; the fake serves none [SVC; sync.md]", nil, nil, "POST", "/v1alpha/accounts/100/accessBindings:batchCreate", `{"requests":[]}`, 404, `NOT_FOUND`},
		{"Auth, Scopes: writes need analytics.manage.users only [SCOPES]", []string{ScopeReadonly, ScopeUsersReadonly}, nil, "POST", "/v1alpha/accounts/100/accessBindings", `{"user":"a@x.io","roles":["predefinedRoles/viewer"]}`, 403, `insufficient authentication scopes`},
		{"Auth, Scopes: accountSummaries.list needs analytics.readonly or analytics.edit [SCOPES]", []string{ScopeManageUsers}, nil, "GET", "/v1alpha/accountSummaries", "", 403, `"reason":"ACCESS_TOKEN_SCOPE_INSUFFICIENT"`},
		{"Errors, row token lacks the scope: 403 PERMISSION_DENIED, ErrorInfo ACCESS_TOKEN_SCOPE_INSUFFICIENT naming the method [OBS; metadata inf]", []string{ScopeReadonly}, nil, "GET", "/v1alpha/accounts/100/accessBindings", "", 403, `"metadata":{"method":"google.analytics.admin.v1alpha.AnalyticsAdminService.ListAccessBindings"`},
		{"Errors, row caller has no GA role (or too low a role): 403 PERMISSION_DENIED, the fake's wording [unverified]", nil, nil, "GET", "/v1alpha/accounts/300/accessBindings", "", 403, `User does not have sufficient permissions for this account.`},
		{"Errors, row unknown binding: 404 NOT_FOUND [inf]", nil, nil, "DELETE", "/v1alpha/accounts/100/accessBindings/999", "", 404, `"status":"NOT_FOUND"`},
		{"Errors, row unknown account: 404 NOT_FOUND [inf]", nil, nil, "GET", "/v1alpha/accounts/999/accessBindings", "", 404, `Requested entity was not found.`},
		{"Errors, row invalid role string: 400 INVALID_ARGUMENT (Marketer has no predefinedRoles/ value) [inf]", nil, nil, "POST", "/v1alpha/accounts/100/accessBindings", `{"user":"a@x.io","roles":["predefinedRoles/marketer"]}`, 400, `"status":"INVALID_ARGUMENT"`},
		{"Errors, row malformed email: 400 INVALID_ARGUMENT [inf]", nil, nil, "POST", "/v1alpha/accounts/100/accessBindings", `{"user":"not an email","roles":["predefinedRoles/viewer"]}`, 400, `"status":"INVALID_ARGUMENT"`},
		{"Errors, row email of no Google account: 400 INVALID_ARGUMENT [H-USERS; text unverified]", nil, nil, "POST", "/v1alpha/accounts/100/accessBindings", `{"user":"nobody@example.org","roles":["predefinedRoles/viewer"]}`, 400, `not a Google account`},
		{"Errors, row user in PATCH differing from the binding: 400 INVALID_ARGUMENT [inf]", nil, nil, "PATCH", "/v1alpha/accounts/100/accessBindings/202", `{"user":"other@acme.com","roles":["predefinedRoles/editor"]}`, 400, `INVALID_ARGUMENT`},
		{"Errors, row binding already exists for that email at that parent: the fake answers 409 ALREADY_EXISTS [unverified]", nil, nil, "POST", "/v1alpha/accounts/100/accessBindings", `{"user":"Ann@Acme.com","roles":["predefinedRoles/viewer"]}`, 409, `"status":"ALREADY_EXISTS"`},
		{"Errors, row quota exceeded: 429 RESOURCE_EXHAUSTED with ErrorInfo RATE_LIMIT_EXCEEDED [RPC][OBS, other service]", nil, &fakekit.FailRule{Status: 429, Count: 1}, "GET", "/v1alpha/accountSummaries", "", 429, `"reason":"RATE_LIMIT_EXCEEDED"`},
		{"Errors, table intro: every error body is the google.rpc.Status envelope [AIP][RPC]", nil, &fakekit.FailRule{Status: 503, Count: 1}, "GET", "/v1alpha/accountSummaries", "", 503, `{"error":{"code":503,"message":"The service is currently unavailable.","status":"UNAVAILABLE"}}`},
		{"Semantics, Last administrator and self: the fake answers FAILED_PRECONDITION for the caller's own binding [unverified]", nil, nil, "DELETE", "/v1alpha/accounts/100/accessBindings/201", "", 400, `"status":"FAILED_PRECONDITION"`},
		{"Semantics, Trash: a trashed property is not found [SVC, inf]", nil, nil, "GET", "/v1alpha/properties/1001/accessBindings", "", 404, `NOT_FOUND`},
	}
	fakekit.RunFacts(t, rows, func(r row) fakekit.Fact {
		return fakekit.Fact{Cite: r.cite, Method: r.method, Path: r.path, Status: r.status, Has: []string{r.want}}
	}, func(t *testing.T, r row) (int, string) {
		e := start(t, r.scopes, SeedBinding{Parent: "accounts/100", User: "ann@acme.com", Roles: []string{"predefinedRoles/viewer"}})
		if r.fail != nil {
			e.srv.Fail(*r.fail)
		}
		return e.do(r.method, r.path, r.body)
	})
	// Errors, row missing, invalid or expired token [OBS]: 401
	// UNAUTHENTICATED, and WWW-Authenticate names the invalid token (the
	// driver renews the token once on it).
	e := start(t, nil)
	e.tok = "ya29.not-issued"
	a := fakekit.Ask(t, "GET", e.srv.URL+"/v1alpha/accountSummaries", e.tok, "", nil)
	if a.Status != 401 || !strings.Contains(a.Raw, `"status":"UNAUTHENTICATED"`) || !strings.Contains(a.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Errorf("a token never issued: %d %s %q", a.Status, a.Raw, a.Header.Get("WWW-Authenticate"))
	}
}

func TestTokenFacts(t *testing.T) {
	e := start(t, nil)
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	for _, tc := range []struct {
		fact string
		jwt  string
		want string
	}{
		{"Auth: a bad or deleted key: invalid_grant Invalid JWT Signature.", e.assertion(e.srv.URL+"/token", t0, time.Hour, other), "Invalid JWT Signature."},
		{"Auth: exp at most an hour after iat", e.assertion(e.srv.URL+"/token", t0, 2*time.Hour, e.key), "short-lived token"},
		{"Auth: clock skew", e.assertion(e.srv.URL+"/token", t0.Add(-3*time.Hour), time.Hour, e.key), "short-lived token"},
		{"Auth: aud is the token URI", e.assertion("https://oauth2.googleapis.com/token", t0, time.Hour, e.key), "short-lived token"},
	} {
		if status, body := e.token(tc.jwt); status != 400 || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %s", tc.fact, status, body)
		}
	}
	// Errors: a missing or invalid token is 401 with WWW-Authenticate.
	if a := fakekit.Ask(t, "GET", e.srv.URL+"/v1alpha/accountSummaries", "ya29.wrong", "", nil); a.Status != 401 || !strings.Contains(a.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Errorf("bad token: %d %v", a.Status, a.Header)
	}
}

// TestPaging: pageSize is coerced to the maximum, the last page has no
// nextPageToken, and the token only serves the same pageSize [SVC].
func TestPaging(t *testing.T) {
	var bs []SeedBinding
	for i := range 501 {
		bs = append(bs, SeedBinding{Parent: "properties/1000", User: fmt.Sprintf("p%d@x.io", i), Roles: []string{"predefinedRoles/viewer"}})
	}
	e := start(t, nil, bs...)
	_, body := e.do("GET", "/v1alpha/properties/1000/accessBindings?pageSize=900", "")
	var p struct {
		AccessBindings []jsontext.Value `json:"accessBindings"`
		NextPageToken  string           `json:"nextPageToken"`
	}
	json.Unmarshal([]byte(body), &p)
	if len(p.AccessBindings) != BindingMaxPage || p.NextPageToken == "" {
		t.Fatalf("first page: %d items, token %q", len(p.AccessBindings), p.NextPageToken)
	}
	if status, _ := e.do("GET", "/v1alpha/properties/1000/accessBindings?pageSize=10&pageToken="+p.NextPageToken, ""); status != 400 {
		t.Errorf("a token with another pageSize: %d", status)
	}
	_, body = e.do("GET", "/v1alpha/properties/1000/accessBindings?pageSize=900&pageToken="+p.NextPageToken, "")
	if !strings.Contains(body, "p500@x.io") || strings.Contains(body, "nextPageToken") {
		t.Errorf("last page: %s", body)
	}
}
