package ops

import (
	"context"
	"errors"
	"os"

	"github.com/roster-dev/roster/internal/checkpoint"
	"github.com/roster-dev/roster/internal/evidence"
	"github.com/roster-dev/roster/internal/fsx"
)

// VerifyRequest checks the evidence (roster evidence verify): the hash
// chain, and with PublicKeys (files roster keygen wrote) every stored
// checkpoint's signature; Checkpoint is a checkpoint file kept outside the
// state to find in the chain. Bundle checks an exported bundle instead of
// the state.
type VerifyRequest struct {
	PublicKeys        []string
	Checkpoint        string
	AllowUnsignedTail bool
	Bundle            string
}

// VerifyResult is what was verified: the chain and checkpoints (Result),
// the keys given, the external checkpoint found in the chain (nil when
// none was given), and for a bundle its manifest.
type VerifyResult struct {
	Result   checkpoint.Result
	Keys     []*checkpoint.PublicKey
	External *checkpoint.External
	Manifest *checkpoint.Manifest
}

// Verify recomputes the evidence hash chain and checks the signed
// checkpoints, of the state or of a bundle.
func Verify(ctx context.Context, env *Env, req VerifyRequest) (*VerifyResult, error) {
	if req.Bundle != "" {
		return verifyBundle(ctx, req)
	}
	opts := checkpoint.Options{AllowUnsignedTail: req.AllowUnsignedTail}
	for _, f := range req.PublicKeys {
		k, err := checkpoint.ReadPublicKeyFile(f)
		if err != nil {
			return nil, &Error{Msg: err.Error()}
		}
		opts.Keys = append(opts.Keys, k)
	}
	out := &VerifyResult{}
	if req.Checkpoint != "" {
		e, err := readExternal(ctx, req.Checkpoint)
		if err != nil {
			return nil, err
		}
		opts.External = append(opts.External, e)
		out.External = &e
	}
	st, err := env.open(ctx)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	res, err := checkpoint.Verify(ctx, st, opts)
	if err != nil {
		var ve *evidence.VerifyError
		var ce *checkpoint.Error
		switch {
		case errors.As(err, &ve):
			return nil, errorf("verification failed: %v (after %d good records)", ve, res.Records)
		case errors.As(err, &ce):
			return nil, errorf("verification failed: %v", ce)
		case errors.Is(err, checkpoint.ErrNoCheckpoint), errors.Is(err, checkpoint.ErrUnsignedTail):
			return nil, &Error{Msg: "verification failed: " + err.Error()}
		}
		return nil, StoreError(err)
	}
	out.Result, out.Keys = res, opts.Keys
	return out, nil
}

// verifyBundle is `evidence verify --bundle DIR`: the bundle's own checks
// (checkpoint.VerifyBundle), and with --public-key, that every key that
// signed in it is one of the keys given (keys the auditor trusts, not
// only the bundle's copies).
func verifyBundle(ctx context.Context, req VerifyRequest) (*VerifyResult, error) {
	dir, cpFile := req.Bundle, req.Checkpoint
	if req.AllowUnsignedTail {
		return nil, &Error{Msg: "--allow-unsigned-tail does not go with --bundle: a bundle's latest checkpoint must cover every record"}
	}
	trusted := map[string]bool{}
	for _, f := range req.PublicKeys {
		k, err := checkpoint.ReadPublicKeyFile(f)
		if err != nil {
			return nil, &Error{Msg: err.Error()}
		}
		trusted[k.ID] = true
	}
	var ext []checkpoint.External
	if cpFile != "" {
		e, err := readExternal(ctx, cpFile)
		if err != nil {
			return nil, err
		}
		ext = append(ext, e)
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, errorf("bundle %s: not a folder", dir)
	}
	res, man, err := checkpoint.VerifyBundle(ctx, dir, ext)
	if err != nil {
		return nil, errorf("bundle %s: verification failed: %v", dir, err)
	}
	if len(trusted) > 0 {
		for _, id := range man.Keys {
			if !trusted[id] {
				return nil, errorf("bundle %s: verification failed: key %s signed checkpoints in the bundle but is none of the keys given with --public-key", dir, id)
			}
		}
		if cpFile != "" && !trusted[ext[0].Checkpoint.KeyID] {
			return nil, errorf("bundle %s: verification failed: checkpoint file %s is signed by key %s, none of the keys given", dir, cpFile, ext[0].Checkpoint.KeyID)
		}
	}
	out := &VerifyResult{Result: res, Manifest: man}
	if cpFile != "" {
		out.External = &ext[0]
	}
	return out, nil
}

// readExternal reads a checkpoint kept outside the state (--checkpoint).
func readExternal(ctx context.Context, file string) (checkpoint.External, error) {
	data, err := fsx.ReadFile(ctx, file, 1<<20)
	if err != nil {
		return checkpoint.External{}, errorf("reading the checkpoint file %s: %v", file, err)
	}
	cp, err := checkpoint.Parse(data)
	if err != nil {
		return checkpoint.External{}, errorf("checkpoint file %s: %v", file, err)
	}
	return checkpoint.External{Name: "checkpoint file " + file, Checkpoint: cp}, nil
}
