package checkpoint

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/state"
)

// BundleError names the file of a bundle that fails, and why.
type BundleError struct {
	File   string
	Reason string
}

func (e *BundleError) Error() string { return e.File + ": " + e.Reason }

// bundleStore is a bundle's records and checkpoints as a store: enough of
// state.Store for Verify.
type bundleStore struct {
	state.Store
	recs []state.EvidenceRecord
	cps  [][]byte
}

func (b *bundleStore) Evidence(_ context.Context, from uint64, fn func(state.EvidenceRecord) error) error {
	for _, r := range b.recs {
		if r.Seq >= from {
			if err := fn(r); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *bundleStore) Checkpoints(_ context.Context, fn func(uint64, []byte) error) error {
	for i, c := range b.cps {
		if err := fn(uint64(i+1), c); err != nil {
			return err
		}
	}
	return nil
}

// bundleLines reads a bundle's JSON-lines file: every line must end with
// a newline and none may be empty.
func bundleLines(dir, name string) ([][]byte, error) {
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return nil, &BundleError{File: name, Reason: missing(err)}
	}
	if len(data) == 0 {
		return nil, nil
	}
	if data[len(data)-1] != '\n' {
		return nil, &BundleError{File: name, Reason: "its last line has no final newline (a line-by-line reader would skip it)"}
	}
	ls := bytes.Split(data[:len(data)-1], []byte("\n"))
	for i, l := range ls {
		if len(l) == 0 {
			return nil, &BundleError{File: name, Reason: fmt.Sprintf("line %d is empty", i+1)}
		}
	}
	return ls, nil
}

func missing(err error) string {
	if errors.Is(err, os.ErrNotExist) {
		return "missing from the bundle"
	}
	return err.Error()
}

// VerifyBundle checks an exported bundle in dir as its verify.sh does
// (`roster evidence verify --bundle DIR`), with no state: every file is
// there; every record is canonical, numbered, linked and hashes to its
// hash; the manifest states the count and head; every checkpoint is
// canonical, signed by the key keys/KEYID.pub holds (whose id must be its
// name), chained, and matches the chain; the latest checkpoint covers the
// head and is the manifest's; and every external checkpoint is signed by
// a key of the bundle and in the chain. The first failure is returned:
// a *BundleError naming the file, an *evidence.VerifyError naming the
// record, or an *Error naming the checkpoint.
func VerifyBundle(ctx context.Context, dir string, external []External) (Result, *Manifest, error) {
	var res Result
	for _, f := range []string{BundleManifest, BundleEvidence, BundleCheckpoints} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || !st.Mode().IsRegular() {
			return res, nil, &BundleError{File: f, Reason: "missing from the bundle"}
		}
	}
	if st, err := os.Stat(filepath.Join(dir, BundleKeys)); err != nil || !st.IsDir() {
		return res, nil, &BundleError{File: BundleKeys + "/", Reason: "missing from the bundle"}
	}

	raw, err := os.ReadFile(filepath.Join(dir, BundleManifest))
	if err != nil {
		return res, nil, &BundleError{File: BundleManifest, Reason: missing(err)}
	}
	if err := evidence.CheckStrict(bytes.TrimSuffix(raw, []byte("\n"))); err != nil {
		return res, nil, &BundleError{File: BundleManifest, Reason: err.Error()}
	}
	var m struct {
		Manifest
		LatestCheckpoint jsontext.Value `json:"latest_checkpoint"`
	}
	if err := jsonv2.Unmarshal(raw, &m); err != nil {
		return res, nil, &BundleError{File: BundleManifest, Reason: "not a bundle manifest: " + err.Error()}
	}
	if m.FormatVersion != ManifestVersion {
		return res, nil, &BundleError{File: BundleManifest, Reason: fmt.Sprintf("its format_version is %q, not %q", m.FormatVersion, ManifestVersion)}
	}
	man := m.Manifest
	man.LatestCheckpoint = m.LatestCheckpoint

	recLines, err := bundleLines(dir, BundleEvidence)
	if err != nil {
		return res, nil, err
	}
	cpLines, err := bundleLines(dir, BundleCheckpoints)
	if err != nil {
		return res, nil, err
	}
	store := &bundleStore{cps: cpLines}
	for i, l := range recLines {
		r := state.EvidenceRecord{Seq: uint64(i + 1), JSON: l}
		if _, _, prev, stated, err := evidence.HashOf(l); err == nil {
			r.PrevHash, r.Hash = prev, stated // as a store keeps them; Verify checks them
		}
		store.recs = append(store.recs, r)
	}

	// The keys every checkpoint names, each checked against its file name.
	keys := map[string]*PublicKey{}
	loadKey := func(id, who string) error {
		if keys[id] != nil {
			return nil
		}
		if !isHex(id, 16) {
			return &Error{Name: who, Reason: fmt.Sprintf("its key_id %q is not 16 lowercase hex characters", clip(id))}
		}
		file := KeyFile(id)
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			return &BundleError{File: file, Reason: missing(err) + fmt.Sprintf(" (%s is signed by key %s)", who, id)}
		}
		k, err := ParsePublicKeyPEM(data)
		if err != nil {
			return &BundleError{File: file, Reason: err.Error()}
		}
		if k.ID != id {
			return &BundleError{File: file, Reason: fmt.Sprintf("it holds key %s, not key %s (the key was replaced)", k.ID, id)}
		}
		keys[id] = k
		return nil
	}
	var signers []string // the keys that signed, first-seen order
	for i, l := range cpLines {
		name := fmt.Sprintf("checkpoint %d", i+1)
		if err := evidence.CheckStrict(l); err != nil {
			return res, &man, &Error{Name: name, Reason: "not its own canonical JSON: " + err.Error()}
		}
		cp, err := Parse(l)
		if err != nil {
			return res, &man, &Error{Name: name, Reason: "unreadable: " + err.Error()}
		}
		if err := loadKey(cp.KeyID, name); err != nil {
			return res, &man, err
		}
		if !slices.Contains(signers, cp.KeyID) {
			signers = append(signers, cp.KeyID)
		}
	}
	for _, e := range external {
		if err := loadKey(e.Checkpoint.KeyID, e.Name); err != nil {
			return res, &man, err
		}
	}
	opts := Options{External: external}
	for _, k := range keys {
		opts.Keys = append(opts.Keys, k)
	}
	if len(recLines) > 0 && len(cpLines) == 0 {
		if _, err := evidence.Verify(ctx, store); err != nil {
			return res, &man, err
		}
		return res, &man, &BundleError{File: BundleCheckpoints, Reason: fmt.Sprintf("it holds no checkpoint, so none of the %d records is covered by a signature", len(recLines))}
	}
	if len(opts.Keys) == 0 {
		r0, err := evidence.Verify(ctx, store)
		res = Result{Records: r0.Count, Head: r0.Head}
		if err != nil {
			return res, &man, err
		}
	} else if res, err = Verify(ctx, store, opts); err != nil {
		return res, &man, err
	}

	switch {
	case man.Records != res.Records:
		return res, &man, &BundleError{File: BundleManifest, Reason: fmt.Sprintf("it says %d records, the bundle holds %d", man.Records, res.Records)}
	case res.Records > 0 && (man.FirstSeq != 1 || man.LastSeq != res.Records):
		return res, &man, &BundleError{File: BundleManifest, Reason: fmt.Sprintf("it says records %d to %d, the bundle holds 1 to %d", man.FirstSeq, man.LastSeq, res.Records)}
	case man.Head != res.Head:
		return res, &man, &BundleError{File: BundleManifest, Reason: fmt.Sprintf("it says the head is %s, the last record's hash is %s", short(man.Head), short(res.Head))}
	}
	if len(cpLines) > 0 {
		last := cpLines[len(cpLines)-1]
		cp, _ := Parse(last)
		if cp.Seq != res.Records || cp.Hash != res.Head {
			return res, &man, &Error{Name: fmt.Sprintf("checkpoint %d", len(cpLines)), Seq: cp.Seq, Time: cp.Time, Reason: fmt.Sprintf("it is the latest, but the chain goes on to record %d: %d records are covered by no signature", res.Records, res.Records-cp.Seq)}
		}
		mc := jsontext.Value(bytes.Clone(m.LatestCheckpoint))
		if mc.Canonicalize() != nil || !bytes.Equal(mc, last) {
			return res, &man, &BundleError{File: BundleManifest, Reason: "its latest checkpoint is not the last line of " + BundleCheckpoints}
		}
	} else if string(bytes.TrimSpace(m.LatestCheckpoint)) != "null" {
		return res, &man, &BundleError{File: BundleManifest, Reason: "it names a latest checkpoint, " + BundleCheckpoints + " holds none"}
	}
	// What the manifest says of the checkpoints is checked too: a reader
	// (evidence verify --bundle --public-key among them) may take the keys
	// it names as the keys that signed.
	switch {
	case man.Checkpoints != len(cpLines):
		return res, &man, &BundleError{File: BundleManifest, Reason: fmt.Sprintf("it says %d checkpoints, the bundle holds %d", man.Checkpoints, len(cpLines))}
	case !slices.Equal(man.Keys, signers) && (len(man.Keys) > 0 || len(signers) > 0):
		return res, &man, &BundleError{File: BundleManifest, Reason: fmt.Sprintf("it names the keys [%s], but the checkpoints are signed by [%s]", strings.Join(man.Keys, ", "), strings.Join(signers, ", "))}
	}
	return res, &man, nil
}
