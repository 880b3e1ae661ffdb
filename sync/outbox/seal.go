package outbox

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"

	"filippo.io/age"
)

// ParseRecipients reads the district's public keys (age1…), one a line.
func ParseRecipients(text string) ([]age.Recipient, error) {
	rs, err := age.ParseRecipients(bytes.NewReader([]byte(text)))
	if err != nil {
		return nil, fmt.Errorf("outbox: district keys: %w", err)
	}
	return rs, nil
}

func seal(recipients []age.Recipient, plain []byte) ([]byte, error) {
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, recipients...)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(plain); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// sealFile streams r through age into a new file in dir and makes it
// durable: written, fsynced, renamed to the hash of its bytes, and the
// folder fsynced. It returns the file's name and size.
func sealFile(dir string, recipients []age.Recipient, r io.Reader) (name string, size int64, err error) {
	tmp, err := os.CreateTemp(dir, "tmp-*")
	if err != nil {
		return "", 0, err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	counter := &countWriter{w: io.MultiWriter(tmp, h)}
	w, err := age.Encrypt(counter, recipients...)
	if err != nil {
		return "", 0, err
	}
	if _, err := io.Copy(w, r); err != nil {
		return "", 0, err
	}
	if err := w.Close(); err != nil {
		return "", 0, err
	}
	if err := tmp.Sync(); err != nil {
		return "", 0, err
	}
	if err := tmp.Close(); err != nil {
		return "", 0, err
	}
	name = hex.EncodeToString(h.Sum(nil)) + ".age"
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return "", 0, err
	}
	return name, counter.n, syncDir(dir)
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// secretLen is the size of the terminal secret for the resident index.
const secretLen = 32

// LoadOrCreateSecret reads the terminal's index secret, making it (readable
// by its owner only) the first time. Losing it only means old records are no
// longer found by card on this terminal; they are still sent.
func LoadOrCreateSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		if len(b) != secretLen {
			return nil, fmt.Errorf("outbox: secret %s is %d bytes, want %d", path, len(b), secretLen)
		}
		return b, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("outbox: secret: %w", err)
	}
	b = make([]byte, secretLen)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("outbox: secret: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	return b, f.Close()
}

// residentKey is the index key of an ID number: an HMAC under the
// terminal secret, useless anywhere else.
func residentKey(secret []byte, idNumber string) []byte {
	var m hash.Hash = hmac.New(sha256.New, secret)
	m.Write([]byte(idNumber))
	return m.Sum(nil)
}
