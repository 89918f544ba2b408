package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/checkpoint"
	"github.com/roster-dev/roster/internal/ops"
)

func (a *app) keygenCommand() *cobra.Command {
	c := newCommand("keygen", "Make an ed25519 key pair for signing evidence: FILE (private, 0600) and FILE.pub")
	c.Long = `keygen writes a new ed25519 key pair for signed evidence checkpoints:
FILE holds the private key (PKCS #8 PEM, mode 0600) and FILE.pub the public
key (PKIX PEM, which openssl reads as it is). It never overwrites a file.

Give the private key to the applies that should sign, in $ROSTER_SIGNING_KEY
(the PEM text itself, or the path of FILE); give FILE.pub to whoever checks
the evidence: roster evidence verify --public-key FILE.pub.`
	c.Args = cobra.NoArgs
	var out string
	c.Flags().StringVar(&out, "out", "", "the private key's file; the public key goes to FILE.pub (required)")
	c.RunE = func(*cobra.Command, []string) error {
		if out == "" {
			return &exitCode{code: ExitError, msg: "roster keygen needs --out FILE: where to write the private key (the public key goes to FILE.pub)"}
		}
		res, err := ops.Keygen(ops.KeygenRequest{Out: out})
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "Wrote the private key to %s (mode 0600; keep it secret) and the public key to %s.\n", res.Private, res.Public)
		fmt.Fprintf(a.stdout, "Key id: %s\n", res.KeyID)
		fmt.Fprintf(a.stdout, "Set %s to the private key (its PEM text, or the path %s) for applies to sign evidence checkpoints.\n", checkpoint.EnvSigningKey, res.Private)
		return nil
	}
	return c
}
