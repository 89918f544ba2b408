package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/checkpoint"
	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/fsx"
	"github.com/roster-dev/roster/internal/state"
)

// exportBundle writes the auditor's bundle into dir (schema/cli.md "Evidence,
// version 2"): evidence.jsonl, checkpoints.jsonl, keys/KEYID.pub for every
// key that signed a checkpoint, MANIFEST.json, verify.sh and README.md.
// It fails closed: the state's evidence must verify with those keys, and
// every record must be covered by a signed checkpoint, or nothing is
// written. The bundle is written into a folder beside dir and renamed to
// it, so it is never seen half-written; dir must not exist or be empty.
// Like the other exports, it is private to its owner (folders 0700, files
// 0600, verify.sh 0700): evidence names people.
func (a *app) exportBundle(cmd *cobra.Command, dir string, pubFiles []string) error {
	ctx := cmd.Context()
	fail := func(err error) error {
		return &exitCode{code: ExitError, msg: fmt.Sprintf("writing the bundle %s: %v", dir, err)}
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return &exitCode{code: ExitError, msg: fmt.Sprintf("%s already exists and is not empty; give --out a new folder", dir)}
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fail(err)
	}
	given := map[string]string{} // key id → the file it came from
	keys := map[string]*checkpoint.PublicKey{}
	for _, f := range pubFiles {
		k, err := checkpoint.ReadPublicKeyFile(f)
		if err != nil {
			return &exitCode{code: ExitError, msg: err.Error()}
		}
		keys[k.ID], given[k.ID] = k, f
	}
	signer, err := checkpoint.SignerFromEnv()
	if err != nil {
		return &exitCode{code: ExitError, msg: err.Error()}
	}
	if signer != nil && keys[signer.KeyID()] == nil {
		keys[signer.KeyID()] = signer.Public()
	}

	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()

	// Checkpoints first: each names a record committed with it, so every
	// one read is in the records read after.
	stored, err := checkpoint.ReadStored(ctx, st)
	if err != nil {
		return storeError(err)
	}
	info := checkpoint.BundleInfo{RosterVersion: Version, Checkpoints: len(stored)}
	man := &checkpoint.Manifest{FormatVersion: checkpoint.ManifestVersion, RosterVersion: Version, Checkpoints: len(stored)}
	var cps bytes.Buffer
	used := map[string]bool{}
	for _, s := range stored {
		cp, err := checkpoint.Parse(s.Raw)
		if err != nil {
			return &exitCode{code: ExitError, msg: fmt.Sprintf("checkpoint %d in the state cannot be read (%v); the bundle was not written: run roster evidence verify --public-key FILE", s.N, err)}
		}
		if keys[cp.KeyID] == nil {
			return &exitCode{code: ExitError, msg: fmt.Sprintf("checkpoint %d is signed by key %s, whose public key was not given: give it with --public-key FILE (the .pub roster keygen wrote); a bundle holds every key that signed", s.N, cp.KeyID)}
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
			return &exitCode{code: ExitError, msg: fmt.Sprintf("public key %s has key id %s, but %s; give the keys they were signed with", f, id, signed)}
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
			return &exitCode{code: ExitError, msg: fmt.Sprintf("none of the %d evidence records is covered by a signed checkpoint, so an auditor could not tell them from forged ones; set $%s and sign the head (roster apply signs it), then export; the bundle was not written", res.Count, checkpoint.EnvSigningKey)}
		} else if err != nil {
			return verifyFailed(err, "the bundle was not written")
		}
	} else if _, err := checkpoint.Verify(ctx, st, opts); err != nil {
		return verifyFailed(err, "the bundle was not written")
	}

	parent := filepath.Dir(filepath.Clean(dir))
	fsx.CleanStale(parent, filepath.Base(filepath.Clean(dir)))
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(filepath.Clean(dir))+".tmp-")
	if err != nil {
		return fail(err)
	}
	fsx.Register(tmp) // removed on a signal too
	defer fsx.Unregister(tmp)
	defer os.RemoveAll(tmp)
	write := func(name string, data []byte, mode os.FileMode) error {
		return os.WriteFile(filepath.Join(tmp, name), data, mode)
	}
	var recs bytes.Buffer
	err = st.Evidence(ctx, 1, func(rec state.EvidenceRecord) error {
		recs.Write(rec.JSON)
		recs.WriteByte('\n')
		info.Records, info.Head = rec.Seq, rec.Hash
		return nil
	})
	if err != nil {
		return storeError(err)
	}
	man.Records, man.Head, man.LastSeq = info.Records, info.Head, info.Records
	if info.Records > 0 {
		man.FirstSeq = 1
	}
	manifest, err := checkpoint.ManifestJSON(man)
	if err != nil {
		return fail(err)
	}
	if err := os.Mkdir(filepath.Join(tmp, checkpoint.BundleKeys), 0o700); err != nil {
		return fail(err)
	}
	for _, id := range info.KeyIDs {
		if err := write(checkpoint.KeyFile(id), keys[id].PEM(), 0o600); err != nil {
			return fail(err)
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
			return fail(err)
		}
	}
	os.Remove(dir) // an empty folder given as --out
	if err := os.Rename(tmp, dir); err != nil {
		return fail(err)
	}
	fmt.Fprintf(a.stdout, "Wrote the evidence bundle to %s: %s, %s, %s. Check it without roster: sh %s\n",
		dir, plural(int(info.Records), "record", "records"), plural(info.Checkpoints, "checkpoint", "checkpoints"),
		plural(len(info.KeyIDs), "key", "keys"), filepath.Join(dir, checkpoint.BundleVerify))
	return nil
}

// readExternal reads a checkpoint kept outside the state (--checkpoint).
func readExternal(ctx context.Context, file string) (checkpoint.External, error) {
	data, err := fsx.ReadFile(ctx, file, 1<<20)
	if err != nil {
		return checkpoint.External{}, &exitCode{code: ExitError, msg: fmt.Sprintf("reading the checkpoint file %s: %v", file, err)}
	}
	cp, err := checkpoint.Parse(data)
	if err != nil {
		return checkpoint.External{}, &exitCode{code: ExitError, msg: fmt.Sprintf("checkpoint file %s: %v", file, err)}
	}
	return checkpoint.External{Name: "checkpoint file " + file, Checkpoint: cp}, nil
}

// rawJSON is JSON text that marshals as itself.
type rawJSON []byte

func (r rawJSON) MarshalJSON() ([]byte, error) { return r, nil }

// verifyFailed is a failed verification as the user reads it, exit 1.
func verifyFailed(err error, then string) error {
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
		return &exitCode{code: ExitError, msg: msg}
	}
	return storeError(err)
}

// verifyBundle is `evidence verify --bundle DIR`: the bundle's own checks
// (checkpoint.VerifyBundle), and with --public-key, that every key that
// signed in it is one of the keys given (keys the auditor trusts, not
// only the bundle's copies).
func (a *app) verifyBundle(cmd *cobra.Command, dir string, pubFiles []string, cpFile string, allowTail bool) error {
	if allowTail {
		return &exitCode{code: ExitError, msg: "--allow-unsigned-tail does not go with --bundle: a bundle's latest checkpoint must cover every record"}
	}
	trusted := map[string]bool{}
	for _, f := range pubFiles {
		k, err := checkpoint.ReadPublicKeyFile(f)
		if err != nil {
			return &exitCode{code: ExitError, msg: err.Error()}
		}
		trusted[k.ID] = true
	}
	var ext []checkpoint.External
	if cpFile != "" {
		e, err := readExternal(cmd.Context(), cpFile)
		if err != nil {
			return err
		}
		ext = append(ext, e)
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return &exitCode{code: ExitError, msg: fmt.Sprintf("bundle %s: not a folder", dir)}
	}
	res, man, err := checkpoint.VerifyBundle(cmd.Context(), dir, ext)
	if err != nil {
		return &exitCode{code: ExitError, msg: fmt.Sprintf("bundle %s: verification failed: %v", dir, err)}
	}
	if len(trusted) > 0 {
		for _, id := range man.Keys {
			if !trusted[id] {
				return &exitCode{code: ExitError, msg: fmt.Sprintf("bundle %s: verification failed: key %s signed checkpoints in the bundle but is none of the keys given with --public-key", dir, id)}
			}
		}
		if cpFile != "" && !trusted[ext[0].Checkpoint.KeyID] {
			return &exitCode{code: ExitError, msg: fmt.Sprintf("bundle %s: verification failed: checkpoint file %s is signed by key %s, none of the keys given", dir, cpFile, ext[0].Checkpoint.KeyID)}
		}
	}
	fmt.Fprintf(a.stdout, "Bundle verified: %s, head %s; %s by %s; the latest covers record %d.\n",
		plural(int(res.Records), "record", "records"), dash(res.Head), plural(man.Checkpoints, "checkpoint", "checkpoints"),
		plural(len(man.Keys), "key", "keys")+" "+strings.Join(man.Keys, ", "), res.Records)
	if cpFile != "" {
		cp := ext[0].Checkpoint
		fmt.Fprintf(a.stdout, "Checkpoint %s is in the chain: record %d still has hash %s (key %s, signed %s).\n", cpFile, cp.Seq, cp.Hash, cp.KeyID, cp.Time)
	}
	return nil
}
