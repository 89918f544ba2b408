package cli

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/checkpoint"
	"github.com/roster-dev/roster/internal/fsx"
)

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
