package checkpoint

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// genuineBundle writes a small bundle as export does: 4 records, two
// checkpoints by s, the last covering the head.
func genuineBundle(t testing.TB, dir string, s *Signer) (recs, cps, manifest []byte) {
	t.Helper()
	m := &memStore{recs: chainOf(t, 4, ci)}
	for _, seq := range []int{2, 4} {
		raw, err := s.SignAfter(m.last(), uint64(seq), m.recs[seq-1].Hash, time.Date(2026, 11, 26, 10, seq, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		m.cps = append(m.cps, raw)
	}
	var r, c bytes.Buffer
	for _, x := range m.recs {
		r.Write(x.JSON)
		r.WriteByte('\n')
	}
	for _, x := range m.cps {
		c.Write(x)
		c.WriteByte('\n')
	}
	man, err := ManifestJSON(&Manifest{FormatVersion: ManifestVersion, Records: 4, FirstSeq: 1, LastSeq: 4, Head: m.recs[3].Hash,
		Checkpoints: 2, Keys: []string{s.KeyID()}, LatestCheckpoint: rawValue(m.cps[1])})
	if err != nil {
		t.Fatal(err)
	}
	writeBundle(t, dir, s, r.Bytes(), c.Bytes(), man)
	return r.Bytes(), c.Bytes(), man
}

type rawValue []byte

func (r rawValue) MarshalJSON() ([]byte, error) { return r, nil }

func writeBundle(t testing.TB, dir string, s *Signer, recs, cps, manifest []byte) {
	t.Helper()
	os.MkdirAll(filepath.Join(dir, BundleKeys), 0o700)
	for name, data := range map[string][]byte{BundleEvidence: recs, BundleCheckpoints: cps, BundleManifest: manifest, KeyFile(s.KeyID()): s.Public().PEM()} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzVerifyBundle: whatever the bundle's files hold, VerifyBundle
// reports, never panics; the genuine bundle passes, and any change to its
// records or checkpoints that still passes must leave them as they were.
func FuzzVerifyBundle(f *testing.F) {
	s := fixedSigner(f, 30)
	recs, cps, man := genuineBundle(f, f.TempDir(), s)
	f.Add(recs, cps, man)
	f.Add(recs[:len(recs)-1], cps, man)
	f.Add(bytes.Replace(recs, []byte(`"actor":"ci"`), []byte(`"actor":"ci","actor":"ci"`), 1), cps, man)
	f.Add(recs, []byte{}, man)
	f.Add([]byte("{}\n"), []byte("{}\n"), []byte("{}\n"))
	f.Fuzz(func(t *testing.T, r, c, m []byte) {
		dir := t.TempDir()
		writeBundle(t, dir, s, r, c, m)
		_, _, err := VerifyBundle(context.Background(), dir, nil)
		if err == nil && (!bytes.Equal(r, recs) || !bytes.Equal(c, cps)) {
			t.Fatalf("an altered bundle passed:\n%q\n%q\n%q", r, c, m)
		}
	})
}

func TestGenuineBundleVerifies(t *testing.T) {
	dir := t.TempDir()
	genuineBundle(t, dir, fixedSigner(t, 31))
	res, man, err := VerifyBundle(context.Background(), dir, nil)
	if err != nil || res.Records != 4 || man.Records != 4 {
		t.Fatalf("%+v %+v %v", res, man, err)
	}
}
