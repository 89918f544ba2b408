package ops

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/roster-dev/roster/internal/checkpoint"
	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/fsx"
	"github.com/roster-dev/roster/internal/report"
	"github.com/roster-dev/roster/internal/state"
)

// ExportFormat is what evidence export writes.
type ExportFormat int

const (
	// ExportJSONL, ExportCSV and ExportMarkdown are every evidence record,
	// in report's formats (report.EvidenceFormat).
	ExportJSONL ExportFormat = iota + 1
	ExportCSV
	ExportMarkdown
	// ExportBundle is the auditor's bundle, a folder to check without
	// roster.
	ExportBundle
)

// ExportRequest asks for the evidence in Format, written to the file Out
// ("" or "-": to Stdout), or for the bundle in the folder Out, with the
// public keys (files roster keygen wrote) of the keys that signed
// checkpoints; the key of $ROSTER_SIGNING_KEY is added.
type ExportRequest struct {
	Format     ExportFormat
	Out        string
	PublicKeys []string
	Stdout     io.Writer
}

// ExportResult is what a bundle holds (nil for the other formats).
type ExportResult struct {
	Dir  string
	Info checkpoint.BundleInfo
}

// Export writes the evidence in req.Format: the records (as
// exportRecords writes them), or the auditor's bundle (exportBundle).
func Export(ctx context.Context, env *Env, req ExportRequest) (*ExportResult, error) {
	var format report.EvidenceFormat
	switch req.Format {
	case ExportBundle:
		if req.Out == "" {
			return nil, errorf("the bundle needs a folder to be written into")
		}
		return exportBundle(ctx, env, req)
	case ExportJSONL:
		format = report.EvidenceJSONL
	case ExportCSV:
		format = report.EvidenceCSV
	case ExportMarkdown:
		format = report.EvidenceMarkdown
	default:
		return nil, errorf("unknown export format %d", req.Format)
	}
	if len(req.PublicKeys) > 0 {
		return nil, errorf("public keys go with the bundle only")
	}
	return nil, exportRecords(ctx, env, format, req.Out, req.Stdout)
}

// exportRecords writes every evidence record in format to the file out
// (mode 0600, never seen half-written, and written through a device, FIFO
// or link rather than replacing it: fsx), or to stdout when out is "".
func exportRecords(ctx context.Context, env *Env, format report.EvidenceFormat, out string, stdout io.Writer) error {
	if out == "" {
		return writeRecords(ctx, env, format, stdout)
	}
	file, err := createOut(ctx, out, stdout)
	if err != nil {
		return err
	}
	defer file.Discard()
	if err := writeRecords(ctx, env, format, file); err != nil {
		return err
	}
	return file.Commit()
}

// writeRecords writes every evidence record in format to w.
func writeRecords(ctx context.Context, env *Env, format report.EvidenceFormat, w io.Writer) error {
	ew := report.NewEvidenceWriter(w, format)
	if err := Records(ctx, env, RecordFilter{}, ew.Write); err != nil {
		return err
	}
	return ew.Flush()
}

// exportBundle writes the auditor's bundle into the folder req.Out
// (schema/cli.md "Evidence, version 2"): evidence.jsonl,
// checkpoints.jsonl, keys/KEYID.pub for every key that signed a
// checkpoint, MANIFEST.json, verify.sh and README.md. It fails closed:
// the state's evidence must verify with those keys, and every record must
// be covered by a signed checkpoint, or nothing is written. The bundle is
// written into a folder beside the folder and renamed to it, so it is
// never seen half-written; the folder must not exist or be empty. Like the
// other exports, it is private to its owner (folders 0700, files 0600,
// verify.sh 0700): evidence names people.
func exportBundle(ctx context.Context, env *Env, req ExportRequest) (*ExportResult, error) {
	dir, pubFiles := req.Out, req.PublicKeys
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return nil, errorf("%s already exists and is not empty; give --out a new folder", dir)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, errorf("writing the bundle %s: %v", dir, err)
	}
	given := map[string]string{} // key id → the file it came from
	keys := map[string]*checkpoint.PublicKey{}
	for _, f := range pubFiles {
		k, err := checkpoint.ReadPublicKeyFile(f)
		if err != nil {
			return nil, &Error{Msg: err.Error()}
		}
		keys[k.ID], given[k.ID] = k, f
	}
	signer, err := checkpoint.SignerFromEnv()
	if err != nil {
		return nil, &Error{Msg: err.Error()}
	}
	if signer != nil && keys[signer.KeyID()] == nil {
		keys[signer.KeyID()] = signer.Public()
	}

	st, err := env.open(ctx)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return writeBundle(ctx, st, env.Version, dir, keys, given)
}

// writeBundle is exportBundle once the keys are read and the store open:
// keys holds every key given (by id), given the file each came from.
func writeBundle(ctx context.Context, st state.Store, version, dir string, keys map[string]*checkpoint.PublicKey, given map[string]string) (*ExportResult, error) {
	fail := func(err error) error {
		return errorf("writing the bundle %s: %v", dir, err)
	}
	// Checkpoints first: each names a record committed with it, so every
	// one read is in the records read after. The bundle holds the records
	// up to the last of them: an apply that commits while the bundle is
	// written adds records (and a checkpoint) it leaves out, whole.
	stored, err := checkpoint.ReadStored(ctx, st)
	if err != nil {
		return nil, StoreError(err)
	}
	info := checkpoint.BundleInfo{RosterVersion: version, Checkpoints: len(stored)}
	man := &checkpoint.Manifest{FormatVersion: checkpoint.ManifestVersion, RosterVersion: version, Checkpoints: len(stored)}
	var cps bytes.Buffer
	used := map[string]bool{}
	for _, s := range stored {
		cp, err := checkpoint.Parse(s.Raw)
		if err != nil {
			return nil, errorf("checkpoint %d in the state cannot be read (%v); the bundle was not written: run roster evidence verify --public-key FILE", s.N, err)
		}
		if keys[cp.KeyID] == nil {
			return nil, errorf("checkpoint %d is signed by key %s, whose public key was not given: give it with --public-key FILE (the .pub roster keygen wrote); a bundle holds every key that signed", s.N, cp.KeyID)
		}
		if !used[cp.KeyID] {
			used[cp.KeyID] = true
			info.KeyIDs = append(info.KeyIDs, cp.KeyID)
		}
		info.LastSeq = cp.Seq
		cps.Write(s.Raw)
		cps.WriteByte('\n')
		man.LatestCheckpoint = rawJSON(s.Raw)
	}
	for id, f := range given {
		if !used[id] {
			signed := "none of the checkpoints is signed"
			if len(info.KeyIDs) > 0 {
				signed = "the checkpoints are signed by " + strings.Join(info.KeyIDs, ", ")
			}
			return nil, errorf("public key %s has key id %s, but %s; give the keys they were signed with", f, id, signed)
		}
	}
	man.Keys = info.KeyIDs

	// The evidence must verify with those keys, every record covered.
	opts := checkpoint.Options{}
	for _, id := range info.KeyIDs {
		opts.Keys = append(opts.Keys, keys[id])
	}
	if len(opts.Keys) == 0 {
		if res, err := evidence.Verify(ctx, st); err == nil && res.Count > 0 {
			return nil, errorf("none of the %d evidence records is covered by a signed checkpoint, so an auditor could not tell them from forged ones; set $%s and sign the head (roster apply signs it), then export; the bundle was not written", res.Count, checkpoint.EnvSigningKey)
		} else if err != nil {
			return nil, VerifyFailed(err, "the bundle was not written")
		}
	} else if _, err := checkpoint.Verify(ctx, st, opts); err != nil {
		return nil, VerifyFailed(err, "the bundle was not written")
	}

	parent := filepath.Dir(filepath.Clean(dir))
	fsx.CleanStale(parent, filepath.Base(filepath.Clean(dir)))
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(filepath.Clean(dir))+".tmp-")
	if err != nil {
		return nil, fail(err)
	}
	fsx.Register(tmp) // removed on a signal too
	defer fsx.Unregister(tmp)
	defer os.RemoveAll(tmp)
	write := func(name string, data []byte, mode os.FileMode) error {
		return os.WriteFile(filepath.Join(tmp, name), data, mode)
	}
	var recs bytes.Buffer
	errDone := errors.New("done")
	err = st.Evidence(ctx, 1, func(rec state.EvidenceRecord) error {
		if rec.Seq > info.LastSeq {
			return errDone // committed after the checkpoints were read
		}
		recs.Write(rec.JSON)
		recs.WriteByte('\n')
		info.Records, info.Head = rec.Seq, rec.Hash
		return nil
	})
	if err != nil && !errors.Is(err, errDone) {
		return nil, StoreError(err)
	}
	man.Records, man.Head, man.LastSeq = info.Records, info.Head, info.Records
	if info.Records > 0 {
		man.FirstSeq = 1
	}
	manifest, err := checkpoint.ManifestJSON(man)
	if err != nil {
		return nil, fail(err)
	}
	if err := os.Mkdir(filepath.Join(tmp, checkpoint.BundleKeys), 0o700); err != nil {
		return nil, fail(err)
	}
	for _, id := range info.KeyIDs {
		if err := write(checkpoint.KeyFile(id), keys[id].PEM(), 0o600); err != nil {
			return nil, fail(err)
		}
	}
	for _, f := range []struct {
		name string
		data []byte
		mode os.FileMode
	}{
		{checkpoint.BundleEvidence, recs.Bytes(), 0o600},
		{checkpoint.BundleCheckpoints, cps.Bytes(), 0o600},
		{checkpoint.BundleManifest, manifest, 0o600},
		{checkpoint.BundleVerify, checkpoint.VerifyScript(), 0o700},
		{checkpoint.BundleReadme, checkpoint.Readme(info), 0o600},
	} {
		if err := write(f.name, f.data, f.mode); err != nil {
			return nil, fail(err)
		}
	}
	os.Remove(dir) // an empty folder given as --out
	if err := os.Rename(tmp, dir); err != nil {
		return nil, fail(err)
	}
	return &ExportResult{Dir: dir, Info: info}, nil
}

// rawJSON is JSON text that marshals as itself.
type rawJSON []byte

func (r rawJSON) MarshalJSON() ([]byte, error) { return r, nil }

// VerifyFailed is a failed verification as the user reads it, exit 1.
func VerifyFailed(err error, then string) error {
	var ve *evidence.VerifyError
	var ce *checkpoint.Error
	var be *checkpoint.BundleError
	switch {
	case errors.As(err, &ve), errors.As(err, &ce), errors.As(err, &be),
		errors.Is(err, checkpoint.ErrNoCheckpoint), errors.Is(err, checkpoint.ErrUnsignedTail):
		msg := "verification failed: " + err.Error()
		if then != "" {
			msg += "; " + then
		}
		return &Error{Msg: msg}
	}
	return StoreError(err)
}
