package checkpoint

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// EnvSigningKey names the environment variable that holds the signing key:
// the private key's PEM text as `roster keygen` writes it, or, when the
// value does not start with "-----BEGIN", the path of a file holding it.
const EnvSigningKey = "ROSTER_SIGNING_KEY"

// PEM block types of the key files.
const (
	privateKeyType = "PRIVATE KEY" // PKCS #8
	publicKeyType  = "PUBLIC KEY"  // PKIX
)

// PublicKey is an ed25519 public key with its key id.
type PublicKey struct {
	Key ed25519.PublicKey
	// ID is the first 16 hex characters of the sha256 of the key's PKIX
	// DER.
	ID string
}

// Signer signs checkpoints with an ed25519 private key.
type Signer struct {
	priv ed25519.PrivateKey
	pub  *PublicKey
}

// KeyID is the signer's key id.
func (s *Signer) KeyID() string { return s.pub.ID }

// Public is the signer's public key.
func (s *Signer) Public() *PublicKey { return s.pub }

// NewPublicKey wraps an ed25519 public key with its key id.
func NewPublicKey(key ed25519.PublicKey) (*PublicKey, error) {
	if len(key) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("an ed25519 public key has %d bytes, not %d", ed25519.PublicKeySize, len(key))
	}
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		return nil, err
	}
	return &PublicKey{Key: key, ID: keyIDOf(der)}, nil
}

func keyIDOf(pkixDER []byte) string {
	sum := sha256.Sum256(pkixDER)
	return hex.EncodeToString(sum[:8])
}

// NewSigner makes a signer of an ed25519 private key.
func NewSigner(priv ed25519.PrivateKey) (*Signer, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("an ed25519 private key has %d bytes, not %d", ed25519.PrivateKeySize, len(priv))
	}
	pub, err := NewPublicKey(priv.Public().(ed25519.PublicKey))
	if err != nil {
		return nil, err
	}
	return &Signer{priv: priv, pub: pub}, nil
}

// GenerateSigner makes a new key pair from random (crypto/rand when nil).
func GenerateSigner(random io.Reader) (*Signer, error) {
	if random == nil {
		random = rand.Reader
	}
	_, priv, err := ed25519.GenerateKey(random)
	if err != nil {
		return nil, fmt.Errorf("generating an ed25519 key: %w", err)
	}
	return NewSigner(priv)
}

// PrivatePEM is the private key as PKCS #8 PEM.
func (s *Signer) PrivatePEM() []byte {
	der, err := x509.MarshalPKCS8PrivateKey(s.priv)
	if err != nil {
		panic(err) // an ed25519 key always marshals
	}
	return pem.EncodeToMemory(&pem.Block{Type: privateKeyType, Bytes: der})
}

// PEM is the public key as PKIX PEM, as `openssl pkey -pubin` reads it.
func (k *PublicKey) PEM() []byte {
	der, err := x509.MarshalPKIXPublicKey(k.Key)
	if err != nil {
		panic(err) // an ed25519 key always marshals
	}
	return pem.EncodeToMemory(&pem.Block{Type: publicKeyType, Bytes: der})
}

// firstBlock finds the first PEM block in data, skipping text around it.
func firstBlock(data []byte, what string) (*pem.Block, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("it is not PEM: expected a -----BEGIN %s----- block, as roster keygen writes", what)
	}
	return block, nil
}

// ParsePrivateKeyPEM reads an ed25519 private key in PKCS #8 PEM, as
// `roster keygen` (and `openssl genpkey -algorithm ed25519`) writes it.
func ParsePrivateKeyPEM(data []byte) (*Signer, error) {
	block, err := firstBlock(data, privateKeyType)
	if err != nil {
		return nil, err
	}
	switch block.Type {
	case privateKeyType:
	case publicKeyType:
		return nil, errors.New("it is a public key; the signing key is the private key (the file without .pub)")
	case "ENCRYPTED PRIVATE KEY":
		return nil, errors.New("it is encrypted; roster needs the unencrypted key (keep it in a secret store instead)")
	default:
		return nil, fmt.Errorf("it holds a %q PEM block, not an ed25519 PRIVATE KEY as roster keygen writes", block.Type)
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("its PKCS #8 key cannot be read: %v", err)
	}
	priv, ok := key.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("it holds a %s key, not ed25519", keyKind(key))
	}
	return NewSigner(priv)
}

// ParsePublicKeyPEM reads an ed25519 public key in PKIX PEM, as `roster
// keygen` writes FILE.pub. A private key is accepted too: its public half
// is used.
func ParsePublicKeyPEM(data []byte) (*PublicKey, error) {
	block, err := firstBlock(data, publicKeyType)
	if err != nil {
		return nil, err
	}
	switch block.Type {
	case publicKeyType:
	case privateKeyType:
		s, err := ParsePrivateKeyPEM(data)
		if err != nil {
			return nil, err
		}
		return s.pub, nil
	default:
		return nil, fmt.Errorf("it holds a %q PEM block, not an ed25519 PUBLIC KEY as roster keygen writes", block.Type)
	}
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("its PKIX key cannot be read: %v", err)
	}
	pub, ok := key.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("it holds a %s key, not ed25519", keyKind(key))
	}
	return NewPublicKey(pub)
}

func keyKind(key any) string {
	name := fmt.Sprintf("%T", key)
	switch {
	case strings.Contains(name, "rsa"):
		return "RSA"
	case strings.Contains(name, "ecdsa"), strings.Contains(name, "ecdh"):
		return "ECDSA"
	}
	return name
}

// ReadPublicKeyFile reads a public key file (PEM); errors name the file.
func ReadPublicKeyFile(path string) (*PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the public key: %v", err)
	}
	k, err := ParsePublicKeyPEM(data)
	if err != nil {
		return nil, fmt.Errorf("public key %s: %v", path, err)
	}
	return k, nil
}

// SignerFromEnv reads $ROSTER_SIGNING_KEY: the private key's PEM text, or
// the path of a file holding it when the value does not start with
// "-----BEGIN". Unset or empty: nil, nil (nothing is signed).
func SignerFromEnv() (*Signer, error) {
	return SignerFromValue(os.Getenv(EnvSigningKey))
}

// SignerFromValue reads a signing key given as $ROSTER_SIGNING_KEY holds
// it (see SignerFromEnv).
func SignerFromValue(v string) (*Signer, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	if strings.HasPrefix(strings.TrimSpace(v), "-----BEGIN") {
		s, err := ParsePrivateKeyPEM([]byte(v))
		if err != nil {
			return nil, fmt.Errorf("$%s: %v", EnvSigningKey, err)
		}
		return s, nil
	}
	data, err := os.ReadFile(v)
	if err != nil {
		// A value that names nothing may be the key itself in a form
		// roster does not read (the PEM's body alone, base64 of the file,
		// the PEM quoted): it is never quoted, only a path that exists.
		if _, serr := os.Lstat(v); serr != nil {
			why := "that file does not exist"
			if !errors.Is(err, fs.ErrNotExist) {
				why = fmt.Sprintf("it cannot be opened (%v)", pathErr(err))
			}
			return nil, fmt.Errorf("$%s does not start with -----BEGIN, so roster reads it as the path of the key file, and %s; set it to the private key's PEM text as roster keygen writes it, or to the path of that file", EnvSigningKey, why)
		}
		return nil, fmt.Errorf("$%s: reading the key file %s: %v", EnvSigningKey, v, pathErr(err))
	}
	s, err := ParsePrivateKeyPEM(data)
	if err != nil {
		return nil, fmt.Errorf("$%s names %s: %v", EnvSigningKey, v, err)
	}
	return s, nil
}

// pathErr is the cause of a file error, without the path it repeats.
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// WriteKeyPair writes s's private key to path (PKCS #8 PEM, mode 0600
// whatever the umask) and its public key to path+".pub" (PKIX PEM, also
// 0600, as every file roster writes; hand it on as you see fit). It refuses to overwrite either file and leaves neither behind
// when it fails.
func WriteKeyPair(path string, s *Signer) error {
	pubPath := path + ".pub"
	for _, p := range []string{path, pubPath} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("%s already exists; roster keygen never overwrites a key (choose another --out, or remove it first)", p)
		}
	}
	if err := writeNew(path, s.PrivatePEM(), 0o600); err != nil {
		return err
	}
	if err := writeNew(pubPath, s.pub.PEM(), 0o600); err != nil {
		os.Remove(path)
		return err
	}
	return nil
}

// writeNew creates path (failing if it exists), sets mode exactly and
// writes data.
func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s already exists; roster keygen never overwrites a key", path)
		}
		return fmt.Errorf("writing %s: %v", path, err)
	}
	// The umask may have taken bits away (or, for a permissive umask,
	// OpenFile's mode is what we asked): set it exactly.
	err = f.Chmod(mode)
	if err == nil {
		_, err = io.Copy(f, bytes.NewReader(data))
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("writing %s: %v", path, err)
	}
	return nil
}
