package ga4

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"sync"
	"testing"
	"time"

	json "github.com/go-json-experiment/json"

	"github.com/roster-dev/roster/internal/driver"
	fake "github.com/roster-dev/roster/internal/fake/ga4"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/plan"
)

const (
	saEmail  = "roster@acme-analytics.iam.gserviceaccount.com"
	tokenEnv = "ROSTER_TOKEN_ACME"
	acct     = "100"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

var (
	keyOnce         sync.Once
	keyJSON, pubPEM string
	privPEM         string
)

// testKey is a service-account key file and its public key, made once.
func testKey(t testing.TB) (string, string) {
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		der, _ := x509.MarshalPKCS8PrivateKey(k)
		privPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
		pd, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
		pubPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pd}))
		b, _ := json.Marshal(map[string]string{"type": "service_account", "project_id": "acme-analytics", "private_key_id": "abc",
			"private_key": privPEM, "client_email": saEmail, "token_uri": "https://oauth2.googleapis.com/token"})
		keyJSON = string(b)
	})
	return keyJSON, pubPEM
}

func site(name, remote string) *model.Object {
	return &model.Object{Addr: model.SiteAddress("acme", name), RemoteID: remote}
}

// start serves an account 100 with properties Web (1000) and App (1001);
// the service account is an Administrator of the account.
func start(t *testing.T, seed fake.Seed) (*fake.Server, *driver.Team) {
	t.Helper()
	key, pub := testKey(t)
	if seed.ServiceAccounts == nil {
		seed.ServiceAccounts = []fake.SeedServiceAccount{{Email: saEmail, PublicKey: pub}}
	}
	if seed.Accounts == nil {
		seed.Accounts = []fake.SeedAccount{{ID: acct, Name: "Acme", Properties: []fake.SeedProperty{{ID: "1000", Name: "Web"}, {ID: "1001", Name: "App"}}}}
	}
	seed.Bindings = append([]fake.SeedBinding{{Parent: "accounts/" + acct, User: saEmail, Roles: []string{"predefinedRoles/admin"}}}, seed.Bindings...)
	srv := fake.New(fake.Options{Seed: seed, Now: t0})
	t.Cleanup(srv.Close)
	team := &driver.Team{Name: "acme", Conn: model.Connection{Endpoint: srv.URL, AccountID: acct, TokenEnv: tokenEnv}, Token: key,
		Sites: []*model.Object{site("Web", ""), site("App", "1001")}, Guests: map[string]bool{}, Members: map[string]bool{}}
	return srv, team
}

func memberChange(action plan.Action, email, before, after string) plan.Change {
	c := plan.Change{Addr: model.MemberAddress("acme", email), Action: action}
	if before != "" {
		c.Before = &model.Object{Addr: c.Addr, Role: before, Status: model.StatusActive}
	}
	if after != "" {
		c.After = &model.Object{Addr: c.Addr, Role: after}
	}
	return c
}

func grantChange(action plan.Action, siteName, email, before, after string) plan.Change {
	c := plan.Change{Addr: model.PersonGrantAddress("acme", siteName, email), Action: action}
	if before != "" {
		c.Before = &model.Object{Addr: c.Addr, Role: before, HolderKind: model.HolderGuest, Status: model.StatusActive}
	}
	if after != "" {
		c.After = &model.Object{Addr: c.Addr, Role: after, HolderKind: model.HolderGuest}
	}
	return c
}

func people(n int) []fake.SeedBinding {
	var out []fake.SeedBinding
	for i := 1; i < n; i++ {
		out = append(out, fake.SeedBinding{Parent: "accounts/" + acct, User: fmt.Sprintf("p%04d@x.io", i), Roles: []string{"predefinedRoles/viewer"}})
	}
	return out
}
