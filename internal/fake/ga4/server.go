package ga4

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	json "github.com/go-json-experiment/json"

	"github.com/roster-dev/roster/internal/fake/fakekit"
)

// Scopes (ga4.md, Auth [SCOPES]).
const (
	ScopeManageUsers   = "https://www.googleapis.com/auth/analytics.manage.users"
	ScopeUsersReadonly = "https://www.googleapis.com/auth/analytics.manage.users.readonly"
	ScopeReadonly      = "https://www.googleapis.com/auth/analytics.readonly"
	ScopeEdit          = "https://www.googleapis.com/auth/analytics.edit"
)

// Roles [RES].
var (
	BaseRoles    = []string{"predefinedRoles/viewer", "predefinedRoles/analyst", "predefinedRoles/editor", "predefinedRoles/admin"}
	Restrictions = []string{"predefinedRoles/no-cost-data", "predefinedRoles/no-revenue-data"}
)

// Page sizes (ga4.md, Endpoints [SVC]).
const (
	SummaryDefaultPage = 50
	SummaryMaxPage     = 200
	BindingDefaultPage = 200
	BindingMaxPage     = 500
)

// TokenLifetime is an access token's life (expires_in 3599 [D-SA]).
const TokenLifetime = 3599 * time.Second

// Options configure a fake server.
type Options = fakekit.Options[Seed]

// Seed is the initial data, as Go values or JSON (--seed).
type Seed struct {
	Now string `json:"now,omitempty"`
	// ServiceAccounts may ask for tokens: their email and the PEM public
	// key (PKIX) of their key; Scopes, when set, are the only scopes
	// their tokens get (a key restricted by domain-wide delegation).
	ServiceAccounts []SeedServiceAccount `json:"service_accounts,omitempty"`
	Accounts        []SeedAccount        `json:"accounts,omitempty"`
	// Bindings are access bindings: Parent is accounts/N or properties/N.
	Bindings []SeedBinding `json:"bindings,omitempty"`
	// NoGoogleAccount lists emails that are not Google accounts: binding
	// them is refused [H-USERS].
	NoGoogleAccount []string `json:"no_google_account,omitempty"`
}

// SeedServiceAccount is a service account's email and public key.
type SeedServiceAccount struct {
	Email     string   `json:"email"`
	PublicKey string   `json:"public_key"`
	Scopes    []string `json:"scopes,omitempty"`
}

// SeedAccount is an account and its properties.
type SeedAccount struct {
	ID         string         `json:"id"`
	Name       string         `json:"name"`
	Properties []SeedProperty `json:"properties,omitempty"`
}

// SeedProperty is a property; Trashed ones are left out of lists [SVC].
type SeedProperty struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Trashed bool   `json:"trashed,omitzero"`
}

// SeedBinding is one access binding.
type SeedBinding struct {
	Parent string   `json:"parent"`
	User   string   `json:"user"`
	Roles  []string `json:"roles"`
}

type account struct {
	id, name string
}

type property struct {
	id, name, account string
	trashed           bool
}

type bnd struct {
	id     string
	parent string
	user   string
	roles  []string
}

type sa struct {
	pub    *rsa.PublicKey
	scopes []string
}

type token struct {
	email   string
	scopes  []string
	expires time.Time
}

// Server is a running fake GA4 Admin API.
type Server struct {
	fakekit.Base

	seq      int
	accounts []*account
	props    []*property
	bindings []*bnd // in creation order: "ordered stably" [SVC]
	sas      map[string]*sa
	tokens   map[string]*token
	noGoogle map[string]bool
}

// New starts a server and panics on bad options: for tests.
func New(opts Options) *Server { return fakekit.Must(Start(opts)) }

// Start starts a server.
func Start(opts Options) (*Server, error) {
	s := &Server{sas: map[string]*sa{}, tokens: map[string]*token{}, noGoogle: map[string]bool{}, seq: 200}
	return s, fakekit.Start(&s.Base, "fake ga4", opts, s, s.load)
}

func (s *Server) load(seed Seed) error {
	if err := s.Clock.Seed(seed.Now); err != nil {
		return err
	}
	for _, a := range seed.ServiceAccounts {
		block, _ := pem.Decode([]byte(a.PublicKey))
		if block == nil {
			return fmt.Errorf("service account %s: public_key is not PEM", a.Email)
		}
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return fmt.Errorf("service account %s: %v", a.Email, err)
		}
		pub, ok := k.(*rsa.PublicKey)
		if !ok {
			return fmt.Errorf("service account %s: not an RSA key", a.Email)
		}
		s.sas[strings.ToLower(a.Email)] = &sa{pub: pub, scopes: a.Scopes}
	}
	for _, a := range seed.Accounts {
		s.accounts = append(s.accounts, &account{id: a.ID, name: a.Name})
		for _, p := range a.Properties {
			s.props = append(s.props, &property{id: p.ID, name: p.Name, account: a.ID, trashed: p.Trashed})
		}
	}
	for _, b := range seed.Bindings {
		if _, err := s.addBinding(b.Parent, b.User, b.Roles); err != nil {
			return err
		}
	}
	for _, e := range seed.NoGoogleAccount {
		s.noGoogle[strings.ToLower(e)] = true
	}
	return nil
}

// --- admin (each takes the lock) --------------------------------------------

// AddBinding adds or replaces user's binding at parent.
func (s *Server) AddBinding(parent, user string, roles ...string) (string, error) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	return s.addBinding(parent, user, roles)
}

func (s *Server) addBinding(parent, user string, roles []string) (string, error) {
	if !s.parentExists(parent) {
		return "", fmt.Errorf("no parent %q", parent)
	}
	if b := s.find(parent, user); b != nil {
		b.roles = slices.Clone(roles)
		return b.id, nil
	}
	s.seq++
	b := &bnd{id: strconv.Itoa(s.seq), parent: parent, user: user, roles: slices.Clone(roles)}
	s.bindings = append(s.bindings, b)
	return b.id, nil
}

// RemoveBinding removes user's binding at parent, as if done in the UI.
func (s *Server) RemoveBinding(parent, user string) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	b := s.find(parent, user)
	if b == nil {
		return fmt.Errorf("%s has no binding at %s", user, parent)
	}
	s.remove(b)
	return nil
}

// AddProperty adds a property to an account.
func (s *Server) AddProperty(acct, id, name string) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	if s.account(acct) == nil {
		return fmt.Errorf("no account %q", acct)
	}
	s.props = append(s.props, &property{id: id, name: name, account: acct})
	return nil
}

// TrashProperty moves a property to the trash [SVC].
func (s *Server) TrashProperty(id string) error {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	p := s.property(id)
	if p == nil {
		return fmt.Errorf("no property %q", id)
	}
	p.trashed = true
	return nil
}

// Bindings lists "parent user roles…" lines, sorted: for tests.
func (s *Server) Bindings() []string {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	var out []string
	for _, b := range s.bindings {
		out = append(out, b.parent+" "+b.user+" "+strings.Join(b.roles, ","))
	}
	sort.Strings(out)
	return out
}

// State is the data as JSON, for /_fake/state.
func (s *Server) State() any {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	type jb struct {
		Name  string   `json:"name"`
		User  string   `json:"user"`
		Roles []string `json:"roles"`
	}
	out := map[string][]jb{}
	for _, b := range s.bindings {
		out[b.parent] = append(out[b.parent], jb{b.parent + "/accessBindings/" + b.id, b.user, b.roles})
	}
	return map[string]any{"bindings": out}
}

// --- lookups (s.Mu held) ----------------------------------------------------

func (s *Server) account(id string) *account {
	for _, a := range s.accounts {
		if a.id == id {
			return a
		}
	}
	return nil
}

func (s *Server) property(id string) *property {
	for _, p := range s.props {
		if p.id == id {
			return p
		}
	}
	return nil
}

func (s *Server) parentExists(parent string) bool {
	if id, ok := strings.CutPrefix(parent, "accounts/"); ok {
		return s.account(id) != nil
	}
	if id, ok := strings.CutPrefix(parent, "properties/"); ok {
		p := s.property(id)
		return p != nil && !p.trashed
	}
	return false
}

// accountOf is the account a parent belongs to.
func (s *Server) accountOf(parent string) string {
	if id, ok := strings.CutPrefix(parent, "accounts/"); ok {
		return id
	}
	if p := s.property(strings.TrimPrefix(parent, "properties/")); p != nil {
		return p.account
	}
	return ""
}

// find is user's binding at parent; emails compare case-insensitively
// (ga4.md, Email identity [inf]).
func (s *Server) find(parent, user string) *bnd {
	for _, b := range s.bindings {
		if b.parent == parent && strings.EqualFold(b.user, user) {
			return b
		}
	}
	return nil
}

func (s *Server) remove(b *bnd) {
	s.bindings = slices.DeleteFunc(s.bindings, func(x *bnd) bool { return x == b })
}

// isAdmin: an Administrator of the account, or of the property for a
// property parent. Only Administrators manage users [H-ROLES]; an account
// binding covers every property [H-ROLES, effective permissions].
func (s *Server) isAdmin(email, parent string) bool {
	has := func(b *bnd) bool { return b != nil && slices.Contains(b.roles, "predefinedRoles/admin") }
	if has(s.find("accounts/"+s.accountOf(parent), email)) {
		return true
	}
	return strings.HasPrefix(parent, "properties/") && has(s.find(parent, email))
}

// sees: the caller sees an account where it holds any binding [SVC
// accountSummaries: every account the caller can access].
func (s *Server) sees(email, acct string) bool {
	for _, b := range s.bindings {
		if strings.EqualFold(b.user, email) && s.accountOf(b.parent) == acct {
			return true
		}
	}
	return false
}

// --- HTTP --------------------------------------------------------------------

// rpcErr is a google.rpc.Status body [AIP][RPC].
func rpcErr(code int, status, msg string, details ...map[string]any) []byte {
	e := map[string]any{"code": code, "message": msg, "status": status}
	if len(details) > 0 {
		e["details"] = details
	}
	return fakekit.Marshal(map[string]any{"error": e})
}

func errorInfo(reason string, meta map[string]string) map[string]any {
	return map[string]any{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason, "domain": "googleapis.com", "metadata": meta}
}

// defaultBody is an injected failure's body: the Status a status maps to
// [RPC]; 429 with the quota ErrorInfo [OBS, other service].
func defaultBody(status int) []byte {
	switch status {
	case 400:
		return rpcErr(400, "INVALID_ARGUMENT", "Request contains an invalid argument.")
	case 401:
		return rpcErr(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
	case 403:
		return rpcErr(403, "PERMISSION_DENIED", "The caller does not have permission")
	case 404:
		return rpcErr(404, "NOT_FOUND", "Requested entity was not found.")
	case 409:
		return rpcErr(409, "ALREADY_EXISTS", "Requested entity already exists.")
	case 429:
		return rpcErr(429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute' of service 'analyticsadmin.googleapis.com' for consumer 'project_number:1'.",
			errorInfo("RATE_LIMIT_EXCEEDED", map[string]string{"service": "analyticsadmin.googleapis.com", "consumer": "projects/1"}))
	case 503:
		return rpcErr(503, "UNAVAILABLE", "The service is currently unavailable.")
	}
	return rpcErr(status, "UNKNOWN", http.StatusText(status))
}

func write(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	w.Write(body) //nolint:errcheck
}

func writeJSON(w http.ResponseWriter, v any) {
	write(w, http.StatusOK, fakekit.Marshal(v))
}

// ServeHTTP serves the token endpoint, the API and /_fake/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, fakekit.AdminPrefix) {
		s.serveAdmin(w, r)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	s.Mu.Lock()
	defer s.Mu.Unlock()
	rec := &fakekit.StatusWriter{ResponseWriter: w}
	defer func() {
		s.Record(fakekit.Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Status: rec.Status(), At: s.Clock.Now()})
	}()
	w = rec
	if s.Inject(w, r, "application/json; charset=UTF-8", defaultBody) {
		return
	}
	if r.URL.Path == "/token" && r.Method == http.MethodPost {
		s.issueToken(w, r, body)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/v1alpha/")
	if !ok {
		write(w, 404, rpcErr(404, "NOT_FOUND", "The requested URL was not found on this server."))
		return
	}
	tok := s.authenticate(r)
	if tok == nil {
		// ga4.md, Errors: missing, invalid or expired token [OBS].
		w.Header().Set("WWW-Authenticate", `Bearer realm="https://accounts.google.com/", error="invalid_token"`)
		write(w, 401, rpcErr(401, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."))
		return
	}
	s.api(w, r, tok, rest, body)
}

// issueToken is the jwt-bearer grant [D-SA]: the assertion's signature
// must verify with the service account's key, aud must be this endpoint,
// and exp at most an hour after iat, around now.
func (s *Server) issueToken(w http.ResponseWriter, r *http.Request, body []byte) {
	bad := func(desc string) {
		write(w, 400, fakekit.Marshal(map[string]string{"error": "invalid_grant", "error_description": desc}))
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		write(w, 400, []byte(`{"error":"unsupported_grant_type","error_description":"Invalid grant_type: "}`))
		return
	}
	parts := strings.Split(form.Get("assertion"), ".")
	if len(parts) != 3 {
		bad("Invalid JWT: not three parts.")
		return
	}
	enc := base64.RawURLEncoding
	hb, err1 := enc.DecodeString(parts[0])
	cb, err2 := enc.DecodeString(parts[1])
	sig, err3 := enc.DecodeString(parts[2])
	var hdr struct {
		Alg string `json:"alg"`
		Typ string `json:"typ"`
	}
	var claims struct {
		Iss   string `json:"iss"`
		Scope string `json:"scope"`
		Aud   string `json:"aud"`
		Iat   int64  `json:"iat"`
		Exp   int64  `json:"exp"`
	}
	if err1 != nil || err2 != nil || err3 != nil || json.Unmarshal(hb, &hdr) != nil || json.Unmarshal(cb, &claims) != nil || hdr.Alg != "RS256" {
		bad("Invalid JWT: cannot be parsed.")
		return
	}
	acct := s.sas[strings.ToLower(claims.Iss)]
	if acct == nil {
		write(w, 401, []byte(`{"error":"invalid_client","error_description":"The OAuth client was not found."}`))
		return
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(acct.pub, crypto.SHA256, sum[:], sig) != nil {
		bad("Invalid JWT Signature.")
		return
	}
	now := s.Clock.Now().Unix()
	if claims.Aud != "http://"+r.Host+"/token" || claims.Exp <= claims.Iat || claims.Exp-claims.Iat > 3600 || claims.Iat > now+300 || claims.Exp < now {
		bad("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.")
		return
	}
	scopes := strings.Fields(claims.Scope)
	if acct.scopes != nil {
		scopes = slices.DeleteFunc(scopes, func(sc string) bool { return !slices.Contains(acct.scopes, sc) })
	}
	s.seq++
	tk := fmt.Sprintf("ya29.fake-%d", s.seq)
	s.tokens[tk] = &token{email: strings.ToLower(claims.Iss), scopes: scopes, expires: s.Clock.Now().Add(TokenLifetime)}
	writeJSON(w, map[string]any{"access_token": tk, "expires_in": int(TokenLifetime / time.Second), "token_type": "Bearer"})
}

func (s *Server) authenticate(r *http.Request) *token {
	v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return nil
	}
	t := s.tokens[v]
	if t == nil || !s.Clock.Now().Before(t.expires) {
		return nil
	}
	return t
}

// needScope answers 403 ACCESS_TOKEN_SCOPE_INSUFFICIENT unless the token
// has one of scopes [SCOPES; body OBS].
func needScope(w http.ResponseWriter, t *token, method string, scopes ...string) bool {
	for _, sc := range scopes {
		if slices.Contains(t.scopes, sc) {
			return true
		}
	}
	write(w, 403, rpcErr(403, "PERMISSION_DENIED", "Request had insufficient authentication scopes.",
		errorInfo("ACCESS_TOKEN_SCOPE_INSUFFICIENT", map[string]string{"service": "analyticsadmin.googleapis.com", "method": "google.analytics.admin.v1alpha.AnalyticsAdminService." + method})))
	return false
}

// page reads pageSize and pageToken: the default when absent, the
// maximum when larger [SVC]; the token is an opaque offset bound to the
// page size ("other parameters must repeat unchanged").
func page(w http.ResponseWriter, q url.Values, def, most int) (start, size int, ok bool) {
	size = def
	if v := q.Get("pageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			write(w, 400, rpcErr(400, "INVALID_ARGUMENT", "page_size must be positive"))
			return 0, 0, false
		}
		if n > 0 {
			size = min(n, most)
		}
	}
	if t := q.Get("pageToken"); t != "" {
		raw, err := base64.RawURLEncoding.DecodeString(t)
		off, size2, found := strings.Cut(string(raw), ":")
		n, err2 := strconv.Atoi(off)
		if err != nil || !found || err2 != nil || size2 != strconv.Itoa(size) {
			write(w, 400, rpcErr(400, "INVALID_ARGUMENT", "Invalid page token"))
			return 0, 0, false
		}
		start = n
	}
	return start, size, true
}

func nextToken(end, size, total int) string {
	if end >= total {
		return "" // omitted: no subsequent pages [D-AB]
	}
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end) + ":" + strconv.Itoa(size)))
}

type wireBinding struct {
	Name  string   `json:"name,omitempty"`
	User  string   `json:"user,omitempty"`
	Roles []string `json:"roles,omitempty"`
}

func (b *bnd) wire() wireBinding {
	return wireBinding{Name: b.parent + "/accessBindings/" + b.id, User: b.user, Roles: b.roles}
}

func (s *Server) api(w http.ResponseWriter, r *http.Request, t *token, rest string, body []byte) {
	q := r.URL.Query()
	if rest == "accountSummaries" && r.Method == http.MethodGet {
		if !needScope(w, t, "ListAccountSummaries", ScopeReadonly, ScopeEdit) {
			return
		}
		s.listSummaries(w, t, q)
		return
	}
	if strings.Contains(rest, ":batch") {
		// roster never batches (schema/sync.md); the fake does not serve them.
		write(w, 404, rpcErr(404, "NOT_FOUND", "The fake serves no batch methods."))
		return
	}
	// {accounts/A|properties/P}/accessBindings[/B]
	segs := strings.Split(rest, "/")
	if len(segs) < 3 || len(segs) > 4 || (segs[0] != "accounts" && segs[0] != "properties") || segs[2] != "accessBindings" {
		write(w, 404, rpcErr(404, "NOT_FOUND", "Requested entity was not found."))
		return
	}
	parent := segs[0] + "/" + segs[1]
	readScopes := []string{ScopeManageUsers, ScopeUsersReadonly}
	if !s.parentExists(parent) {
		write(w, 404, rpcErr(404, "NOT_FOUND", "Requested entity was not found."))
		return
	}
	if len(segs) == 3 {
		switch r.Method {
		case http.MethodGet:
			if !needScope(w, t, "ListAccessBindings", readScopes...) || !s.mustAdmin(w, t, parent) {
				return
			}
			s.listBindings(w, parent, q)
		case http.MethodPost:
			if !needScope(w, t, "CreateAccessBinding", ScopeManageUsers) || !s.mustAdmin(w, t, parent) {
				return
			}
			s.create(w, parent, body)
		default:
			write(w, 405, rpcErr(405, "UNKNOWN", "Method not allowed."))
		}
		return
	}
	b := s.byID(parent, segs[3])
	switch r.Method {
	case http.MethodGet:
		if !needScope(w, t, "GetAccessBinding", readScopes...) || !s.mustAdmin(w, t, parent) {
			return
		}
		if b == nil {
			write(w, 404, rpcErr(404, "NOT_FOUND", "Requested entity was not found."))
			return
		}
		writeJSON(w, b.wire())
	case http.MethodPatch:
		if !needScope(w, t, "UpdateAccessBinding", ScopeManageUsers) || !s.mustAdmin(w, t, parent) {
			return
		}
		s.patch(w, t, parent, b, body)
	case http.MethodDelete:
		if !needScope(w, t, "DeleteAccessBinding", ScopeManageUsers) || !s.mustAdmin(w, t, parent) {
			return
		}
		if b == nil {
			write(w, 404, rpcErr(404, "NOT_FOUND", "Requested entity was not found."))
			return
		}
		if msg := s.protected(t, b, nil); msg != "" {
			write(w, 400, rpcErr(400, "FAILED_PRECONDITION", msg))
			return
		}
		s.remove(b)
		write(w, 200, []byte("{}"))
	default:
		write(w, 405, rpcErr(405, "UNKNOWN", "Method not allowed."))
	}
}

func (s *Server) byID(parent, id string) *bnd {
	for _, b := range s.bindings {
		if b.parent == parent && b.id == id {
			return b
		}
	}
	return nil
}

// mustAdmin answers 403 unless the caller administers parent [H-ROLES];
// the message is the fake's own (ga4.md: real wording unverified).
func (s *Server) mustAdmin(w http.ResponseWriter, t *token, parent string) bool {
	if s.isAdmin(t.email, parent) {
		return true
	}
	what := "account"
	if strings.HasPrefix(parent, "properties/") {
		what = "property"
	}
	write(w, 403, rpcErr(403, "PERMISSION_DENIED", "User does not have sufficient permissions for this "+what+"."))
	return false
}

// protected: the caller's own binding and the account's last
// Administrator are kept (ga4.md, Last administrator and self: the fake
// answers FAILED_PRECONDITION). newRoles nil means a deletion.
func (s *Server) protected(t *token, b *bnd, newRoles []string) string {
	keepsAdmin := slices.Contains(newRoles, "predefinedRoles/admin")
	if !slices.Contains(b.roles, "predefinedRoles/admin") || keepsAdmin {
		return ""
	}
	if strings.EqualFold(b.user, t.email) {
		return "You cannot remove or demote your own Administrator access."
	}
	if strings.HasPrefix(b.parent, "accounts/") {
		for _, o := range s.bindings {
			if o != b && o.parent == b.parent && slices.Contains(o.roles, "predefinedRoles/admin") {
				return ""
			}
		}
		return "The account must keep at least one Administrator."
	}
	return ""
}

// checkRoles: one known base role, restrictions at most once each [RES;
// ga4.md "one base role plus zero to two restrictions"].
func checkRoles(roles []string) string {
	bases := 0
	seen := map[string]bool{}
	for _, r := range roles {
		switch {
		case seen[r]:
			return fmt.Sprintf("Role %q is repeated.", r)
		case slices.Contains(BaseRoles, r):
			bases++
		case slices.Contains(Restrictions, r):
		default:
			return fmt.Sprintf("Invalid role: %q.", r)
		}
		seen[r] = true
	}
	if bases != 1 {
		return "An access binding needs exactly one of predefinedRoles/viewer, analyst, editor or admin."
	}
	return ""
}

func (s *Server) decodeBinding(w http.ResponseWriter, body []byte) (wireBinding, bool) {
	var in wireBinding
	if err := json.Unmarshal(body, &in, json.RejectUnknownMembers(true)); err != nil {
		write(w, 400, rpcErr(400, "INVALID_ARGUMENT", "Invalid JSON payload received. "+err.Error()))
		return in, false
	}
	return in, true
}

func (s *Server) create(w http.ResponseWriter, parent string, body []byte) {
	in, ok := s.decodeBinding(w, body)
	if !ok {
		return
	}
	if in.Name != "" {
		write(w, 400, rpcErr(400, "INVALID_ARGUMENT", "An access binding to create must not have a name."))
		return
	}
	if a, err := mail.ParseAddress(in.User); err != nil || a.Address != in.User {
		write(w, 400, rpcErr(400, "INVALID_ARGUMENT", fmt.Sprintf("Invalid email address: %q.", in.User)))
		return
	}
	if s.noGoogle[strings.ToLower(in.User)] {
		// [H-USERS] "You can add only users whose email addresses are
		// registered in Google accounts"; the API text is unverified.
		write(w, 400, rpcErr(400, "INVALID_ARGUMENT", fmt.Sprintf("%s is not a Google account.", in.User)))
		return
	}
	if msg := checkRoles(in.Roles); msg != "" {
		write(w, 400, rpcErr(400, "INVALID_ARGUMENT", msg))
		return
	}
	if s.find(parent, in.User) != nil {
		// ga4.md open question; the fake answers 409.
		write(w, 409, rpcErr(409, "ALREADY_EXISTS", fmt.Sprintf("%s already has an access binding on %s.", in.User, parent)))
		return
	}
	id, _ := s.addBinding(parent, in.User, in.Roles)
	writeJSON(w, s.byID(parent, id).wire())
}

func (s *Server) patch(w http.ResponseWriter, t *token, parent string, b *bnd, body []byte) {
	if b == nil {
		write(w, 404, rpcErr(404, "NOT_FOUND", "Requested entity was not found."))
		return
	}
	in, ok := s.decodeBinding(w, body)
	if !ok {
		return
	}
	// Spelt exactly as the binding has it: whether Google folds case
	// here is unverified (ga4.md, Errors), so the fake does not.
	if in.User != "" && in.User != b.user {
		write(w, 400, rpcErr(400, "INVALID_ARGUMENT", "The user of an access binding cannot change."))
		return
	}
	if len(in.Roles) == 0 {
		// [RES]: an empty roles list deletes the binding.
		if msg := s.protected(t, b, nil); msg != "" {
			write(w, 400, rpcErr(400, "FAILED_PRECONDITION", msg))
			return
		}
		s.remove(b)
		writeJSON(w, wireBinding{Name: b.parent + "/accessBindings/" + b.id, User: b.user})
		return
	}
	if msg := checkRoles(in.Roles); msg != "" {
		write(w, 400, rpcErr(400, "INVALID_ARGUMENT", msg))
		return
	}
	if msg := s.protected(t, b, in.Roles); msg != "" {
		write(w, 400, rpcErr(400, "FAILED_PRECONDITION", msg))
		return
	}
	b.roles = slices.Clone(in.Roles)
	writeJSON(w, b.wire())
}

func (s *Server) listBindings(w http.ResponseWriter, parent string, q url.Values) {
	start, size, ok := page(w, q, BindingDefaultPage, BindingMaxPage)
	if !ok {
		return
	}
	var all []*bnd
	for _, b := range s.bindings {
		if b.parent == parent {
			all = append(all, b)
		}
	}
	out := map[string]any{}
	end := min(start+size, len(all))
	if start < end {
		items := make([]wireBinding, 0, end-start)
		for _, b := range all[start:end] {
			items = append(items, b.wire())
		}
		out["accessBindings"] = items
	}
	if t := nextToken(end, size, len(all)); t != "" {
		out["nextPageToken"] = t
	}
	writeJSON(w, out)
}

func (s *Server) listSummaries(w http.ResponseWriter, t *token, q url.Values) {
	start, size, ok := page(w, q, SummaryDefaultPage, SummaryMaxPage)
	if !ok {
		return
	}
	type ps struct {
		Property     string `json:"property"`
		DisplayName  string `json:"displayName,omitempty"`
		PropertyType string `json:"propertyType"`
		Parent       string `json:"parent"`
	}
	type as struct {
		Name              string `json:"name"`
		Account           string `json:"account"`
		DisplayName       string `json:"displayName,omitempty"`
		PropertySummaries []ps   `json:"propertySummaries,omitempty"`
	}
	var all []as
	for _, a := range s.accounts {
		if !s.sees(t.email, a.id) {
			continue
		}
		x := as{Name: "accountSummaries/" + a.id, Account: "accounts/" + a.id, DisplayName: a.name}
		for _, p := range s.props {
			if p.account == a.id && !p.trashed {
				x.PropertySummaries = append(x.PropertySummaries, ps{Property: "properties/" + p.id, DisplayName: p.name, PropertyType: "PROPERTY_TYPE_ORDINARY", Parent: "accounts/" + a.id})
			}
		}
		all = append(all, x)
	}
	out := map[string]any{}
	end := min(start+size, len(all))
	if start < end {
		out["accountSummaries"] = all[start:end]
	}
	if tk := nextToken(end, size, len(all)); tk != "" {
		out["nextPageToken"] = tk
	}
	writeJSON(w, out)
}
