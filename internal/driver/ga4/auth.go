package ga4

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	json "github.com/go-json-experiment/json"

	"github.com/roster-dev/roster/internal/driver/httpc"
	"github.com/roster-dev/roster/internal/driver/kit"
)

// Scopes are the OAuth scopes asked for in one token (ga4.md, Auth):
// access bindings need analytics.manage.users; accountSummaries
// analytics.readonly.
var Scopes = []string{
	"https://www.googleapis.com/auth/analytics.manage.users",
	"https://www.googleapis.com/auth/analytics.readonly",
}

// DefaultTokenURI is Google's token endpoint.
const DefaultTokenURI = "https://oauth2.googleapis.com/token"

// tokenLife is how long a token is used: Google's last an hour
// (expires_in 3599); roster renews after about 55 minutes (ga4.md).
const tokenLife = 55 * time.Minute

// jwtLife is the assertion's life: exp at most an hour after iat [D-SA].
const jwtLife = time.Hour

// key is what roster reads of a service-account key file.
type key struct {
	email    string
	tokenURI string
	priv     *rsa.PrivateKey
	pemText  string
	keyID    string
}

// parseKey reads the key file's JSON. Its errors never quote the key.
func parseKey(raw string) (*key, error) {
	var f struct {
		Type         string `json:"type"`
		ClientEmail  string `json:"client_email"`
		PrivateKey   string `json:"private_key"`
		PrivateKeyID string `json:"private_key_id"`
		TokenURI     string `json:"token_uri"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(raw)), &f); err != nil {
		return nil, errors.New("is not a JSON key file")
	}
	if f.Type != "service_account" {
		if f.Type == "" {
			return nil, errors.New(`is JSON without "type": "service_account", not a service-account key file`)
		}
		return nil, fmt.Errorf(`holds a key file of type %q, not "service_account"`, f.Type)
	}
	if f.ClientEmail == "" || f.PrivateKey == "" {
		return nil, errors.New("is a service-account key file without client_email or private_key")
	}
	block, _ := pem.Decode([]byte(f.PrivateKey))
	if block == nil {
		return nil, errors.New("has a private_key that is not a PEM block")
	}
	var priv *rsa.PrivateKey
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, errors.New("has a private_key that is not an RSA key")
		}
		priv = rk
	} else if rk, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		priv = rk
	} else {
		return nil, errors.New("has a private_key that cannot be read as an RSA key")
	}
	uri := f.TokenURI
	if uri == "" {
		uri = DefaultTokenURI
	}
	return &key{email: strings.ToLower(strings.TrimSpace(f.ClientEmail)), tokenURI: uri, priv: priv, pemText: f.PrivateKey, keyID: f.PrivateKeyID}, nil
}

// assertion is the signed JWT of the jwt-bearer grant [D-SA].
func (k *key) assertion(aud string, now time.Time) (string, error) {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`))
	claims, err := json.Marshal(struct { // the claims in the order encoding/json sorted them
		Aud   string `json:"aud"`
		Exp   int64  `json:"exp"`
		Iat   int64  `json:"iat"`
		Iss   string `json:"iss"`
		Scope string `json:"scope"`
	}{aud, now.Add(jwtLife).Unix(), now.Unix(), k.email, strings.Join(Scopes, " ")})
	if err != nil {
		return "", err
	}
	signing := header + "." + enc.EncodeToString(claims)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k.priv, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return signing + "." + enc.EncodeToString(sig), nil
}

// tokenShape is the token answer [D-SA].
var tokenShape = kit.Obj{"access_token": kit.String, "expires_in": kit.Opt(kit.Int), "token_type": kit.Opt(kit.String)}

// fetchToken signs an assertion and exchanges it for a token: kit.Tokens'
// Fetch. The token is renewed after about 55 minutes and after a 401.
func (c *client) fetchToken(ctx context.Context) (string, time.Duration, []string, error) {
	jwt, err := c.key.assertion(c.tokenAud, c.clock.Now())
	if err != nil {
		return "", 0, nil, fmt.Errorf("cannot sign the token request with the service account's key: %v", err)
	}
	// The assertion gets tokens for as long as it lives: its signature
	// (what makes it one; the rest is public) is a secret like the key.
	c.tc.AddSecret(jwt[strings.LastIndexByte(jwt, '.')+1:])
	form := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {jwt}}
	res, err := c.tc.Do(ctx, "POST", c.tokenPath, nil, []byte(form.Encode()), "application/x-www-form-urlencoded")
	if err != nil {
		var re *httpc.RequestError
		if errors.As(err, &re) && re.Status != 0 && re.Err == nil {
			return "", 0, re.API, fmt.Errorf("Google refused the service account's token request (POST %s answered %d: %s); check that %s holds a current key of %s (IAM > Service accounts > Keys) and that the machine's clock is right",
				re.Path, re.Status, tokenError(re.Body), c.tokenEnv, c.key.email)
		}
		if re != nil {
			return "", 0, re.API, err
		}
		return "", 0, nil, err
	}
	if err := kit.Check(res.Body, tokenShape); err != nil {
		return "", 0, res.API, fmt.Errorf("Google answered POST %s, but not in the shape roster expects: %v", c.tokenPath, err)
	}
	var out struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.Unmarshal(res.Body, &out); err != nil || out.AccessToken == "" {
		return "", 0, res.API, fmt.Errorf("Google answered POST %s without an access_token", c.tokenPath)
	}
	life := tokenLife
	if out.ExpiresIn > 0 {
		life = min(life, time.Duration(out.ExpiresIn)*time.Second-time.Minute)
	}
	return out.AccessToken, max(life, time.Minute), res.API, nil
}

// tokenError is the token endpoint's own words (ga4.md: invalid_grant
// "Invalid JWT Signature."): error and error_description, else the body,
// as kit.Words quotes them (one line, no control character, cut).
func tokenError(body []byte) string {
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(body, &e) == nil && (e.Error != "" || e.Description != "") {
		if e.Description != "" {
			return kit.Words(e.Error + ": " + e.Description)
		}
		return kit.Words(e.Error)
	}
	return kit.Words(string(body))
}
