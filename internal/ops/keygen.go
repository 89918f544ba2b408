package ops

import "github.com/roster-dev/roster/internal/checkpoint"

// KeygenRequest asks for a new ed25519 key pair for signed evidence
// checkpoints: the private key in the file Out, the public key in
// Out.pub.
type KeygenRequest struct {
	Out string
}

// KeygenResult is the key pair written: its files and its key id.
type KeygenResult struct {
	Private, Public string
	KeyID           string
}

// Keygen makes a key pair and writes it (checkpoint.WriteKeyPair: the
// private key PKCS #8 PEM, mode 0600, the public key PKIX PEM), never
// overwriting a file.
func Keygen(req KeygenRequest) (*KeygenResult, error) {
	if req.Out == "" {
		return nil, errorf("a key pair needs a file to be written to")
	}
	s, err := checkpoint.GenerateSigner(nil)
	if err != nil {
		return nil, &Error{Msg: err.Error()}
	}
	if err := checkpoint.WriteKeyPair(req.Out, s); err != nil {
		return nil, &Error{Msg: err.Error()}
	}
	return &KeygenResult{Private: req.Out, Public: req.Out + ".pub", KeyID: s.KeyID()}, nil
}
