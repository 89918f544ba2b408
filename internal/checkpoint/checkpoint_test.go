package checkpoint

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/model"
	"github.com/roster-dev/roster/internal/state"
	"github.com/roster-dev/roster/internal/testtool"
)

// fixedSigner is a signer with a key made from a fixed seed, so that its
// signatures (ed25519 is deterministic) and key id are the same every run.
func fixedSigner(t testing.TB, seed byte) *Signer {
	t.Helper()
	s, err := NewSigner(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var at = time.Date(2026, 11, 26, 10, 0, 0, 123, time.UTC)

func TestKeyIDIsSHA256OfPKIX(t *testing.T) {
	s := fixedSigner(t, 1)
	der, err := x509.MarshalPKIXPublicKey(s.priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	if want := hex.EncodeToString(sum[:])[:16]; s.KeyID() != want {
		t.Fatalf("key id %s, want %s", s.KeyID(), want)
	}
	if other := fixedSigner(t, 2); other.KeyID() == s.KeyID() {
		t.Fatal("two keys share an id")
	}
}

func TestWriteKeyPair(t *testing.T) {
	// A umask that would take the owner's write bit away: the key file
	// must still be exactly 0600.
	old := syscall.Umask(0o277)
	defer syscall.Umask(old)
	dir := t.TempDir()
	path := filepath.Join(dir, "roster.key")
	s, err := GenerateSigner(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteKeyPair(path, s); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("private key mode %o, want 600", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(path + ".pub"); fi == nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("public key missing or wrong mode: %v", fi)
	}
	data, _ := os.ReadFile(path)
	back, err := ParsePrivateKeyPEM(data)
	if err != nil {
		t.Fatal(err)
	}
	if back.KeyID() != s.KeyID() {
		t.Fatal("the private key read back has another id")
	}
	pubData, _ := os.ReadFile(path + ".pub")
	pub, err := ParsePublicKeyPEM(pubData)
	if err != nil || pub.ID != s.KeyID() {
		t.Fatalf("public key read back: %v %v", pub, err)
	}
	if !strings.HasPrefix(string(data), "-----BEGIN PRIVATE KEY-----\n") || !strings.HasPrefix(string(pubData), "-----BEGIN PUBLIC KEY-----\n") {
		t.Errorf("unexpected PEM types:\n%s\n%s", data, pubData)
	}

	// Never overwrite: not the key, not the .pub, and nothing is left
	// half-written.
	if err := WriteKeyPair(path, s); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("overwrote a key: %v", err)
	}
	only := filepath.Join(dir, "other.key")
	os.WriteFile(only+".pub", []byte("keep me"), 0o644)
	if err := WriteKeyPair(only, s); err == nil || !strings.Contains(err.Error(), "other.key.pub already exists") {
		t.Errorf("overwrote a .pub: %v", err)
	}
	if _, err := os.Stat(only); !errors.Is(err, os.ErrNotExist) {
		t.Error("a private key was left behind after refusing")
	}
	if err := WriteKeyPair(filepath.Join(dir, "missing", "k"), s); err == nil {
		t.Error("wrote into a missing directory")
	}
}

func TestParseKeys(t *testing.T) {
	s := fixedSigner(t, 3)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 1024)
	rsaDER, _ := x509.MarshalPKCS8PrivateKey(rsaKey)
	rsaPub, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	rsaPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: rsaDER})
	cases := []struct {
		name    string
		data    []byte
		private bool
		err     string
	}{
		{"private", s.PrivatePEM(), true, ""},
		{"private with text around", append([]byte("my key:\n"), s.PrivatePEM()...), true, ""},
		{"public as private", s.pub.PEM(), true, "it is a public key"},
		{"not PEM", []byte("hello"), true, "not PEM"},
		{"encrypted", pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1}}), true, "encrypted"},
		{"RSA private", rsaPEM, true, "RSA key, not ed25519"},
		{"garbage DER", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2, 3}}), true, "cannot be read"},
		{"public", s.pub.PEM(), false, ""},
		{"public from private", s.PrivatePEM(), false, ""},
		{"RSA public", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: rsaPub}), false, "RSA key, not ed25519"},
		{"certificate", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}}), false, `"CERTIFICATE" PEM block`},
		{"empty", nil, false, "not PEM"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var id string
			var err error
			if c.private {
				var got *Signer
				if got, err = ParsePrivateKeyPEM(c.data); err == nil {
					id = got.KeyID()
				}
			} else {
				var got *PublicKey
				if got, err = ParsePublicKeyPEM(c.data); err == nil {
					id = got.ID
				}
			}
			if c.err == "" {
				if err != nil || id != s.KeyID() {
					t.Fatalf("got %q, %v", id, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("got %v, want an error mentioning %q", err, c.err)
			}
		})
	}
}

func TestSignerFromValue(t *testing.T) {
	s := fixedSigner(t, 4)
	dir := t.TempDir()
	file := filepath.Join(dir, "k.pem")
	os.WriteFile(file, s.PrivatePEM(), 0o600)
	pubFile := filepath.Join(dir, "k.pem.pub")
	os.WriteFile(pubFile, s.pub.PEM(), 0o644)
	cases := []struct {
		name, value, err string
		none             bool
	}{
		{name: "unset", value: "", none: true},
		{name: "blank", value: "  \n", none: true},
		{name: "PEM text", value: string(s.PrivatePEM())},
		{name: "PEM text with leading newline", value: "\n" + string(s.PrivatePEM())},
		{name: "path", value: file},
		{name: "missing path", value: filepath.Join(dir, "nope"), err: "does not exist"},
		{name: "public key file", value: pubFile, err: "it is a public key"},
		{name: "broken PEM", value: "-----BEGIN PRIVATE KEY-----\nxx", err: "not PEM"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := SignerFromValue(c.value)
			switch {
			case c.err != "":
				if err == nil || !strings.Contains(err.Error(), c.err) || !strings.Contains(err.Error(), EnvSigningKey) {
					t.Fatalf("got %v, want an error naming $%s and %q", err, EnvSigningKey, c.err)
				}
			case c.none:
				if got != nil || err != nil {
					t.Fatalf("got %v, %v; want nothing", got, err)
				}
			default:
				if err != nil || got.KeyID() != s.KeyID() {
					t.Fatalf("got %v, %v", got, err)
				}
			}
		})
	}
	t.Setenv(EnvSigningKey, file)
	if got, err := SignerFromEnv(); err != nil || got.KeyID() != s.KeyID() {
		t.Fatalf("SignerFromEnv: %v %v", got, err)
	}
}

func TestSignAndParse(t *testing.T) {
	s := fixedSigner(t, 5)
	hash := strings.Repeat("ab", 32)
	raw, err := s.Sign(7, hash, at)
	if err != nil {
		t.Fatal(err)
	}
	// Stored canonical: keys sorted, one line, time to the second.
	canon, _ := evidence.CanonicalizeJSON(raw)
	if !bytes.Equal(canon, raw) || bytes.ContainsRune(raw, '\n') {
		t.Fatalf("not canonical: %s", raw)
	}
	if !strings.HasPrefix(string(raw), `{"format_version":"2","hash":"`+hash+`","key_id":"`+s.KeyID()+`","prev_checkpoint":"","seq":7,"signature":"`) ||
		!strings.HasSuffix(string(raw), `","time":"2026-11-26T10:00:00Z"}`) {
		t.Fatalf("unexpected JSON: %s", raw)
	}
	c, err := Parse(append(append([]byte("  "), raw...), '\n'))
	if err != nil {
		t.Fatal(err)
	}
	if c.Seq != 7 || c.Hash != hash || c.KeyID != s.KeyID() || c.Time != "2026-11-26T10:00:00Z" {
		t.Fatalf("parsed %+v", c)
	}
	if err := c.VerifySignature(s.Public()); err != nil {
		t.Fatal(err)
	}
	// The signed bytes are the canonical JSON without signature.
	var m map[string]any
	json.Unmarshal(raw, &m)
	delete(m, "signature")
	want, _ := evidence.Canonical(m)
	got, _ := c.SignedBytes()
	if !bytes.Equal(got, want) {
		t.Fatalf("signed bytes %s, want %s", got, want)
	}
	sig, _ := base64.StdEncoding.DecodeString(c.Signature)
	if !ed25519.Verify(s.priv.Public().(ed25519.PublicKey), want, sig) {
		t.Fatal("the signature is not over the documented bytes")
	}

	var none *Signer
	if none.SignFunc() != nil || s.SignFunc() == nil {
		t.Error("SignFunc: want nil for no signer, a function for a signer")
	}

	for _, bad := range []struct {
		seq  uint64
		hash string
	}{{0, hash}, {1, "ABC"}, {1, strings.Repeat("A", 64)}} {
		if _, err := s.Sign(bad.seq, bad.hash, at); err == nil {
			t.Errorf("signed seq %d hash %q", bad.seq, bad.hash)
		}
	}
}

func TestSignatureCatchesEdits(t *testing.T) {
	s := fixedSigner(t, 6)
	raw, _ := s.Sign(3, strings.Repeat("0", 64), at)
	edit := func(old, new string) []byte { return []byte(strings.Replace(string(raw), old, new, 1)) }
	cases := []struct {
		name string
		data []byte
		key  *PublicKey
		err  string
	}{
		{"other seq", edit(`"seq":3`, `"seq":4`), s.pub, "signature does not verify"},
		{"other hash", edit(strings.Repeat("0", 64), strings.Repeat("1", 64)), s.pub, "signature does not verify"},
		{"other time", edit("2026-11-26", "2026-11-27"), s.pub, "signature does not verify"},
		{"reformatted is fine", indented(raw), s.pub, ""},
		{"other key", raw, fixedSigner(t, 7).pub, "signed by key " + s.KeyID() + ", not by the given key"},
		{"key id swapped to the other key", edit(s.KeyID(), fixedSigner(t, 7).KeyID()), fixedSigner(t, 7).pub, "signature does not verify"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cp, err := Parse(c.data)
			if err != nil {
				t.Fatal(err)
			}
			err = cp.VerifySignature(c.key)
			if c.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("got %v, want %q", err, c.err)
			}
		})
	}
}

func indented(raw []byte) []byte {
	v := jsontext.Value(bytes.Clone(raw))
	v.Indent(jsontext.WithIndent("  "))
	return v
}

func TestParseRejects(t *testing.T) {
	s := fixedSigner(t, 8)
	raw, _ := s.Sign(3, strings.Repeat("0", 64), at)
	edit := func(old, new string) string { return strings.Replace(string(raw), old, new, 1) }
	cases := []struct{ name, data, err string }{
		{"empty", "", "empty"},
		{"not JSON", "{", "not a checkpoint's JSON"},
		{"array", "[]", "not a checkpoint's JSON"},
		{"two values", string(raw) + string(raw), "not a checkpoint's JSON"},
		{"duplicate member", edit(`"seq":3`, `"seq":4,"seq":3`), `duplicate object member name "seq"`},
		{"unknown member", edit(`{`, `{"extra":1,`), "unknown field"},
		{"member name in another case", edit(`"seq":3`, `"SEQ":3`), `unknown field "SEQ"`},
		{"missing member", edit(`"format_version":"2",`, ``), `no "format_version"`},
		{"newer format", edit(`"format_version":"2"`, `"format_version":"3"`), "upgrade roster"},
		{"version 2 without prev_checkpoint", edit(`"prev_checkpoint":"",`, ``), `no "prev_checkpoint"`},
		{"version 1 with prev_checkpoint", edit(`"format_version":"2"`, `"format_version":"1"`), `format version 1 has no "prev_checkpoint"`},
		{"bad prev_checkpoint", edit(`"prev_checkpoint":""`, `"prev_checkpoint":"x"`), "prev_checkpoint"},
		{"seq zero", edit(`"seq":3`, `"seq":0`), "seq is 0"},
		{"seq negative", edit(`"seq":3`, `"seq":-3`), "wrong type"},
		{"seq fraction", edit(`"seq":3`, `"seq":3.5`), "wrong type"},
		{"seq string", edit(`"seq":3`, `"seq":"3"`), "wrong type"},
		{"short hash", edit(strings.Repeat("0", 64), "00"), "hash"},
		{"bad key id", edit(s.KeyID(), "XYZ"), "key_id"},
		{"bad time", edit("2026-11-26T10:00:00Z", "yesterday"), "not an RFC 3339 time"},
		{"bad signature", string(raw[:strings.Index(string(raw), `"signature":"`)+13]) + `AAAA","time":"2026-11-26T10:00:00Z"}`, "64-byte ed25519 signature"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.data))
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("got %v, want an error mentioning %q", err, c.err)
			}
		})
	}
}

// memStore keeps evidence and checkpoints in memory: enough of
// state.Store for Verify.
type memStore struct {
	state.Store
	recs []state.EvidenceRecord
	cps  [][]byte
}

func (m *memStore) Evidence(_ context.Context, from uint64, fn func(state.EvidenceRecord) error) error {
	for _, r := range m.recs {
		if r.Seq >= from {
			if err := fn(r); err != nil {
				return err
			}
		}
	}
	return nil
}

func (m *memStore) Checkpoints(_ context.Context, fn func(uint64, []byte) error) error {
	for i, c := range m.cps {
		if err := fn(uint64(i+1), c); err != nil {
			return err
		}
	}
	return nil
}

// last is the newest checkpoint, nil when there is none.
func (m *memStore) last() []byte {
	if len(m.cps) == 0 {
		return nil
	}
	return m.cps[len(m.cps)-1]
}

// chainOf seals n records with the given actor, as apply does.
func chainOf(t testing.TB, n int, actor func(i int) string) []state.EvidenceRecord {
	t.Helper()
	var c evidence.Chain
	out := make([]state.EvidenceRecord, 0, n)
	for i := 0; i < n; i++ {
		o := &model.Object{Addr: model.MemberAddress("acme", fmt.Sprintf("p%d@acme.com", i)), Role: "viewer", Status: model.StatusActive}
		rec, err := c.Seal(&evidence.Record{Time: "2026-11-26T10:00:00Z", Address: o.Addr.String(), Action: "create", After: evidence.ObjectJSON(o), Actor: actor(i), Outcome: "applied"})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rec)
	}
	return out
}

func ci(int) string { return "ci" }

// signedStore is a chain of n records with a checkpoint after each record
// in at.
func signedStore(t testing.TB, s *Signer, n int, at ...int) *memStore {
	t.Helper()
	m := &memStore{recs: chainOf(t, n, ci)}
	for _, seq := range at {
		raw, err := s.SignAfter(m.last(), uint64(seq), m.recs[seq-1].Hash, time.Date(2026, 11, 26, 10, seq, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		m.cps = append(m.cps, raw)
	}
	return m
}

func TestVerifyStored(t *testing.T) {
	s := fixedSigner(t, 9)
	other := fixedSigner(t, 10)
	ctx := context.Background()

	res, err := Verify(ctx, signedStore(t, s, 8, 3, 6), Options{Keys: []*PublicKey{s.pub}, AllowUnsignedTail: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Records != 8 || res.Checked != 2 || res.Last.Seq != 6 || res.LastN != 2 || res.After != 2 {
		t.Fatalf("got %+v", res)
	}

	// Without keys, stored checkpoints are not looked at.
	if res, err := Verify(ctx, signedStore(t, s, 4, 4), Options{}); err != nil || res.Checked != 0 || res.After != 4 {
		t.Fatalf("got %+v, %v", res, err)
	}
	// A rotated key: both keys given, each checkpoint checked with its own.
	m := signedStore(t, s, 6, 2)
	raw, _ := other.SignAfter(m.last(), 5, m.recs[4].Hash, at)
	m.cps = append(m.cps, raw)
	if res, err := Verify(ctx, m, Options{Keys: []*PublicKey{s.pub, other.pub}, AllowUnsignedTail: true}); err != nil || res.Checked != 2 || res.After != 1 {
		t.Fatalf("got %+v, %v", res, err)
	}
	// Either key alone fails: a checkpoint by a key not given fails.
	for _, k := range []*PublicKey{s.pub, other.pub} {
		if _, err := Verify(ctx, m, Options{Keys: []*PublicKey{k}, AllowUnsignedTail: true}); err == nil || !strings.Contains(err.Error(), "not by the given key") {
			t.Fatalf("key %s alone: %v", k.ID, err)
		}
	}
	// Empty state, no checkpoint: fine.
	if res, err := Verify(ctx, &memStore{}, Options{Keys: []*PublicKey{s.pub}}); err != nil || res.Records != 0 {
		t.Fatalf("got %+v, %v", res, err)
	}
	// Records without any checkpoint: nothing is signed.
	if _, err := Verify(ctx, &memStore{recs: chainOf(t, 2, ci)}, Options{Keys: []*PublicKey{s.pub}}); !errors.Is(err, ErrNoCheckpoint) {
		t.Fatalf("got %v, want ErrNoCheckpoint", err)
	}
}

// rewrite replaces the chain from record from on with one whose record
// from has another actor, every later hash recomputed: what an attacker
// who can write the state but has no key can do.
func rewrite(t *testing.T, m *memStore, from int) {
	t.Helper()
	recs := chainOf(t, len(m.recs), func(i int) string {
		if i == from-1 {
			return "mallory"
		}
		return "ci"
	})
	copy(m.recs[from-1:], recs[from-1:])
}

func TestVerifyCatchesRewrittenChain(t *testing.T) {
	s := fixedSigner(t, 11)
	ctx := context.Background()
	keys := []*PublicKey{s.pub}
	cases := []struct {
		name   string
		edit   func(m *memStore)
		opts   func(m *memStore) Options
		failed string // the checkpoint named
		reason string
		more   int
	}{
		{"record rewritten under two checkpoints", func(m *memStore) { rewrite(t, m, 4) }, nil, "checkpoint 2", "record 5 now has hash", 1},
		{"record rewritten after the checkpoints, tail allowed", func(m *memStore) { rewrite(t, m, 8) }, func(*memStore) Options {
			return Options{Keys: keys, AllowUnsignedTail: true}
		}, "", "", 0},
		{"records removed from the end", func(m *memStore) { m.recs = m.recs[:6] }, nil, "checkpoint 3", "holds only 6 records", 0},
		{"checkpoint edited", func(m *memStore) {
			m.cps[0] = bytes.Replace(m.cps[0], []byte(`"seq":2`), []byte(`"seq":3`), 1)
		}, nil, "checkpoint 1", "signature does not verify", 1}, // and checkpoint 2 no longer chains to it
		{"checkpoint unreadable", func(m *memStore) { m.cps[1] = []byte("{oops") }, nil, "checkpoint 2", "unreadable", 1},
		{"checkpoint removed", func(m *memStore) { m.cps = append(m.cps[:1:1], m.cps[2:]...) }, nil, "checkpoint 2", "do not chain", 0},
		{"first checkpoint removed", func(m *memStore) { m.cps = m.cps[1:] }, nil, "checkpoint 1", "checkpoints before it were removed", 0},
		{"checkpoints reordered", func(m *memStore) { m.cps[0], m.cps[1] = m.cps[1], m.cps[0] }, nil, "checkpoint 1", "checkpoints before it were removed", 2},
		{"a version 1 checkpoint after version 2", func(m *memStore) {
			s1 := fixedSigner(t, 11)
			c := &Checkpoint{FormatVersion: "1", Seq: 7, Hash: m.recs[6].Hash, Time: "2026-11-26T10:00:00Z", KeyID: s1.KeyID()}
			msg, _ := c.SignedBytes()
			c.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(s1.priv, msg))
			m.cps[2], _ = evidence.Canonical(struct {
				FormatVersion string `json:"format_version"`
				Seq           uint64 `json:"seq"`
				Hash          string `json:"hash"`
				Time          string `json:"time"`
				KeyID         string `json:"key_id"`
				Signature     string `json:"signature"`
			}{c.FormatVersion, c.Seq, c.Hash, c.Time, c.KeyID, c.Signature})
		}, nil, "checkpoint 3", "without prev_checkpoint, after checkpoint 1", 0},
		{"checkpoint by another key", func(m *memStore) {
			m.cps[2], _ = fixedSigner(t, 12).SignAfter(m.cps[1], 7, m.recs[6].Hash, at)
		}, nil, "checkpoint 3", "not by the given key", 0},
		{"external checkpoint of a rewritten chain", func(m *memStore) { rewrite(t, m, 1) }, func(m *memStore) Options {
			cp, _ := Parse(m.cps[1])
			return Options{External: []External{{Name: "checkpoint file kept.json", Checkpoint: cp}}}
		}, "checkpoint file kept.json", "record 5 now has hash", 0},
		{"external checkpoint beyond the chain", func(m *memStore) { m.recs = m.recs[:4] }, func(m *memStore) Options {
			cp, _ := Parse(m.cps[2])
			return Options{External: []External{{Name: "kept.json", Checkpoint: cp}}}
		}, "kept.json", "holds only 4 records", 0},
		{"external checkpoint of another key", nil, func(m *memStore) Options {
			raw, _ := fixedSigner(t, 13).Sign(2, m.recs[1].Hash, at)
			cp, _ := Parse(raw)
			return Options{Keys: keys, External: []External{{Name: "kept.json", Checkpoint: cp}}}
		}, "kept.json", "not by the given key", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := signedStore(t, s, 8, 2, 5, 7)
			opts := Options{Keys: keys}
			if c.opts != nil {
				opts = c.opts(m)
			}
			if c.edit != nil {
				c.edit(m)
			}
			// The chain itself is still consistent.
			if _, err := evidence.Verify(ctx, m); err != nil {
				t.Fatalf("the edited chain does not verify on its own: %v", err)
			}
			_, err := Verify(ctx, m, opts)
			if c.failed == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, want a checkpoint error", err)
			}
			if ce.Name != c.failed || !strings.Contains(ce.Reason, c.reason) || ce.More != c.more {
				t.Fatalf("got %q (%d more), want %s failing with %q (%d more)", ce.Error(), ce.More, c.failed, c.reason, c.more)
			}
		})
	}
}

func TestVerifyReportsBrokenChainFirst(t *testing.T) {
	s := fixedSigner(t, 14)
	m := signedStore(t, s, 4, 4)
	m.recs[1].JSON = bytes.Replace(m.recs[1].JSON, []byte(`"actor":"ci"`), []byte(`"actor":"xx"`), 1)
	_, err := Verify(context.Background(), m, Options{Keys: []*PublicKey{s.pub}})
	var ve *evidence.VerifyError
	if !errors.As(err, &ve) || ve.Seq != 2 {
		t.Fatalf("got %v, want the chain's error at record 2", err)
	}
}

// TestOpenSSLInterop checks the documented claims against OpenSSL itself:
// it reads roster's key files as they are, computes the same key id, and
// verifies a checkpoint's signature over the documented bytes; and a key
// made by OpenSSL works as a signing key. Skipped without openssl (a
// failure under CI=true).
func TestOpenSSLInterop(t *testing.T) {
	testtool.Need(t, "openssl", "openssl")
	dir := t.TempDir()
	run := func(stdin []byte, args ...string) []byte {
		t.Helper()
		cmd := exec.Command("openssl", args...)
		cmd.Dir = dir
		cmd.Stdin = bytes.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	s := fixedSigner(t, 15)
	if err := WriteKeyPair(filepath.Join(dir, "k.pem"), s); err != nil {
		t.Fatal(err)
	}
	run(nil, "pkey", "-in", "k.pem", "-noout")
	der := run(nil, "pkey", "-pubin", "-in", "k.pem.pub", "-outform", "DER")
	sum := sha256.Sum256(der)
	if got := hex.EncodeToString(sum[:])[:16]; got != s.KeyID() {
		t.Fatalf("openssl's DER gives key id %s, roster says %s", got, s.KeyID())
	}
	raw, _ := s.Sign(9, strings.Repeat("c", 64), at)
	cp, _ := Parse(raw)
	msg, _ := cp.SignedBytes()
	sig, _ := base64.StdEncoding.DecodeString(cp.Signature)
	os.WriteFile(filepath.Join(dir, "msg"), msg, 0o644)
	os.WriteFile(filepath.Join(dir, "sig"), sig, 0o644)
	out := run(nil, "pkeyutl", "-verify", "-pubin", "-inkey", "k.pem.pub", "-rawin", "-in", "msg", "-sigfile", "sig")
	if !strings.Contains(string(out), "Signature Verified Successfully") {
		t.Fatalf("openssl: %s", out)
	}

	pem := run(nil, "genpkey", "-algorithm", "ed25519")
	fromOpenSSL, err := ParsePrivateKeyPEM(pem)
	if err != nil {
		t.Fatalf("a key from openssl genpkey: %v", err)
	}
	if _, err := fromOpenSSL.Sign(1, strings.Repeat("d", 64), at); err != nil {
		t.Fatal(err)
	}
}

func FuzzParse(f *testing.F) {
	s := fixedSigner(f, 16)
	raw, _ := s.Sign(3, strings.Repeat("e", 64), at)
	f.Add(raw)
	f.Add([]byte(`{"format_version":"1","seq":1e30}`))
	f.Add([]byte(`{"seq":1,"seq":2}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			return
		}
		if _, err := c.SignedBytes(); err != nil {
			t.Fatalf("parsed but cannot give its signed bytes: %v", err)
		}
		c.VerifySignature(s.pub)
	})
}

func FuzzParseKeys(f *testing.F) {
	s := fixedSigner(f, 17)
	f.Add(s.PrivatePEM())
	f.Add(s.pub.PEM())
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"))
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n"))
	f.Add(append([]byte("text before\n"), s.PrivatePEM()...))
	// A key read (--public-key FILE, $ROSTER_SIGNING_KEY) is written back
	// to a PEM that reads as the same key; a private key's public half is
	// the key ParsePublicKeyPEM reads from it; what it signs, that half
	// verifies.
	f.Fuzz(func(t *testing.T, data []byte) {
		if k, err := ParsePublicKeyPEM(data); err == nil {
			back, err := ParsePublicKeyPEM(k.PEM())
			if len(k.ID) != 16 || err != nil || back.ID != k.ID || !back.Key.Equal(k.Key) {
				t.Fatalf("public key %q (id %q) written as %q reads back as %+v, %v", data, k.ID, k.PEM(), back, err)
			}
		}
		k, err := ParsePrivateKeyPEM(data)
		if err != nil {
			return
		}
		back, err := ParsePrivateKeyPEM(k.PrivatePEM())
		if len(k.KeyID()) != 16 || err != nil || back.KeyID() != k.KeyID() {
			t.Fatalf("private key (id %q) written back reads as %v, %v", k.KeyID(), back, err)
		}
		pub, err := ParsePublicKeyPEM(data)
		if err != nil || pub.ID != k.KeyID() {
			t.Fatalf("the public half of private key %q is %+v, %v", k.KeyID(), pub, err)
		}
		raw, err := k.Sign(1, strings.Repeat("a", 64), at)
		if err != nil {
			t.Fatal(err)
		}
		c, err := Parse(raw)
		if err != nil || c.VerifySignature(pub) != nil {
			t.Fatalf("a checkpoint key %s signs does not verify with its public half: %v", k.KeyID(), err)
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	s := fixedSigner(b, 18)
	// 20,000 records with a checkpoint every 200 (an apply of 200 changes).
	var at []int
	for i := 200; i <= 20000; i += 200 {
		at = append(at, i)
	}
	m := signedStore(b, s, 20000, at...)
	keys := []*PublicKey{s.pub}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Verify(context.Background(), m, Options{Keys: keys}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSign(b *testing.B) {
	s := fixedSigner(b, 19)
	hash := strings.Repeat("f", 64)
	for i := 0; i < b.N; i++ {
		if _, err := s.Sign(uint64(i+1), hash, at); err != nil {
			b.Fatal(err)
		}
	}
}

// TestUnsignedTail: with keys, records after the last signed checkpoint
// fail unless the tail is allowed (issue 19: a forged sign-off appended
// after the last checkpoint passed verify).
func TestUnsignedTail(t *testing.T) {
	s := fixedSigner(t, 20)
	ctx := context.Background()
	keys := []*PublicKey{s.pub}
	m := signedStore(t, s, 6, 3, 5)
	_, err := Verify(ctx, m, Options{Keys: keys})
	if !errors.Is(err, ErrUnsignedTail) || !strings.Contains(err.Error(), "1 record follows the last signed checkpoint (checkpoint 2, record 5)") {
		t.Fatalf("got %v, want the unsigned tail named", err)
	}
	res, err := Verify(ctx, m, Options{Keys: keys, AllowUnsignedTail: true})
	if err != nil || res.After != 1 {
		t.Fatalf("allowed: %+v, %v", res, err)
	}
	full := signedStore(t, s, 6, 3, 6)
	if res, err := Verify(ctx, full, Options{Keys: keys}); err != nil || res.After != 0 {
		t.Fatalf("fully signed: %+v, %v", res, err)
	}
	// Without keys there is nothing to cover it with: no tail rule.
	if _, err := Verify(ctx, m, Options{}); err != nil {
		t.Fatal(err)
	}
}

// TestKeysRotate: a chain signed by two keys in turn verifies with both
// keys given, each checkpoint checked with the key its id names, and the
// checkpoints chain across the rotation.
func TestKeysRotate(t *testing.T) {
	a, b := fixedSigner(t, 21), fixedSigner(t, 22)
	ctx := context.Background()
	m := &memStore{recs: chainOf(t, 8, ci)}
	for i, signer := range []*Signer{a, b, a, b} {
		seq := 2 * (i + 1)
		raw, err := signer.SignAfter(m.last(), uint64(seq), m.recs[seq-1].Hash, at)
		if err != nil {
			t.Fatal(err)
		}
		m.cps = append(m.cps, raw)
	}
	res, err := Verify(ctx, m, Options{Keys: []*PublicKey{b.pub, a.pub}})
	if err != nil || res.Checked != 4 || res.After != 0 {
		t.Fatalf("both keys: %+v, %v", res, err)
	}
	_, err = Verify(ctx, m, Options{Keys: []*PublicKey{a.pub}})
	var ce *Error
	if !errors.As(err, &ce) || ce.Name != "checkpoint 2" || !strings.Contains(ce.Reason, "signed by key "+b.KeyID()) {
		t.Fatalf("key a alone: %v", err)
	}
}

// TestSignerFromValueNeverQuotesAKey: a value that is not PEM text is read
// as a path, but it may be the key in another form (the PEM's body alone,
// base64 of the file, the PEM quoted or with escaped line ends, as secret
// stores and CI settings hand it on). The error for a missing or unreadable
// "file" must not quote it: it is printed on stderr, into CI logs.
func TestSignerFromValueNeverQuotesAKey(t *testing.T) {
	s := fixedSigner(t, 5)
	pemText := string(s.PrivatePEM())
	body := strings.Split(pemText, "\n")[1] // the base64 of the PKCS #8 key
	seed := s.priv.Seed()
	cases := []struct{ name, value, secret string }{
		{"PEM body alone", body, body},
		{"base64 of the PEM", base64.StdEncoding.EncodeToString([]byte(pemText)), base64.StdEncoding.EncodeToString([]byte(pemText))},
		{"quoted PEM", `"` + pemText + `"`, body},
		{"PEM with escaped line ends", `'` + strings.ReplaceAll(pemText, "\n", `\n`) + `'`, body},
		{"hex seed", hex.EncodeToString(seed), hex.EncodeToString(seed)},
		{"long base64, too long a file name", strings.Repeat(base64.RawStdEncoding.EncodeToString(seed), 8), base64.RawStdEncoding.EncodeToString(seed)},
		{"PEM body split by a slash", body[:10] + "/" + body[10:], body[10:]},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := SignerFromValue(c.value)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			for i := 0; i+8 <= len(c.secret); i++ {
				if strings.Contains(msg, c.secret[i:i+8]) {
					t.Fatalf("the error quotes the key (%q):\n%s", c.secret[i:i+8], msg)
				}
			}
			if !strings.Contains(msg, "$"+EnvSigningKey) {
				t.Fatalf("the error does not name $%s:\n%s", EnvSigningKey, msg)
			}
		})
	}
}
