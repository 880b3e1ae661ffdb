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
	"sync"

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

// sealedAttachment is one attachment sealed by Submit: its sealed bytes
// are either held in memory (small ones, to be stored in outbox.db with
// the record) or in a file named by their hash, fsynced.
type sealedAttachment struct {
	ref  AttachmentRef
	held []byte // the sealed bytes, when small enough to go in outbox.db
}

// sealAttachment streams r through age. Up to limit sealed bytes are kept
// in memory; an attachment that grows past it goes on into a temporary file
// in dir, which is then fsynced and renamed to the hash of its bytes. The
// caller fsyncs dir before committing a record that names such a file.
// Either way only sealed bytes are ever written, and at most limit bytes of
// an attachment are held in memory, however large it is.
func sealAttachment(dir string, recipients []age.Recipient, r io.Reader, limit int) (sa sealedAttachment, err error) {
	spill := &spillWriter{dir: dir, limit: limit, buf: heldBuffer()}
	defer func() {
		if err != nil {
			releaseHeld(spill.buf)
		}
		if err != nil && spill.file != nil {
			spill.file.Close()
			os.Remove(spill.file.Name())
		}
	}()
	h := sha256.New()
	counter := &countWriter{w: io.MultiWriter(spill, h)}
	w, err := age.Encrypt(counter, recipients...)
	if err != nil {
		return sealedAttachment{}, err
	}
	if _, err := io.Copy(w, r); err != nil {
		return sealedAttachment{}, err
	}
	if err := w.Close(); err != nil {
		return sealedAttachment{}, err
	}
	sa.ref = AttachmentRef{File: hex.EncodeToString(h.Sum(nil)) + ".age", Size: counter.n}
	if spill.file == nil {
		sa.held = spill.buf
		if len(sa.held) <= inlineMax/4 {
			// A small attachment keeps its own bytes, not a whole buffer.
			sa.held = bytes.Clone(spill.buf)
			releaseHeld(spill.buf)
		}
		return sa, nil
	}
	if err := spill.file.Sync(); err != nil {
		return sealedAttachment{}, err
	}
	if err := spill.file.Close(); err != nil {
		return sealedAttachment{}, err
	}
	if err := os.Rename(spill.file.Name(), filepath.Join(dir, sa.ref.File)); err != nil {
		return sealedAttachment{}, err
	}
	return sa, nil
}

// spillWriter keeps what is written in memory up to limit bytes. The write
// that would take it past the limit first moves what it holds into a new
// temporary file in dir; everything after goes to that file.
type spillWriter struct {
	dir   string
	limit int
	buf   []byte
	file  *os.File // nil while everything fits in buf
}

func (w *spillWriter) Write(p []byte) (int, error) {
	if w.file == nil && len(w.buf)+len(p) <= w.limit {
		w.buf = append(w.buf, p...)
		return len(p), nil
	}
	if w.file == nil {
		f, err := os.CreateTemp(w.dir, "tmp-*")
		if err != nil {
			return 0, err
		}
		w.file = f
		if _, err := f.Write(w.buf); err != nil {
			return 0, err
		}
		releaseHeld(w.buf)
		w.buf = nil
	}
	return w.file.Write(p)
}

// heldBuffers recycles the memory small attachments are sealed into, a few
// hundred KB each: without it every Submit makes that much new garbage and
// grows its buffer chunk by chunk.
var heldBuffers = sync.Pool{New: func() any { return new([]byte) }}

func heldBuffer() []byte {
	b := *heldBuffers.Get().(*[]byte)
	if cap(b) < inlineMax {
		b = make([]byte, 0, inlineMax)
	}
	return b[:0]
}

// releaseHeld returns a buffer from heldBuffer once nothing refers to its
// bytes any more.
func releaseHeld(b []byte) {
	if cap(b) >= inlineMax {
		heldBuffers.Put(&b)
	}
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

// OpenSealedTo opens the terminal's outbox in dir, sealing what it queues
// to the district keys in keys (age1…, one a line, as enrollment wrote
// them), its resident index keyed by dir/index.key (made the first time).
// budget is as Options.Budget.
func OpenSealedTo(dir, keys string, budget int64) (*Store, error) {
	recipients, err := ParseRecipients(keys)
	if err != nil {
		return nil, err
	}
	secret, err := LoadOrCreateSecret(filepath.Join(dir, "index.key"))
	if err != nil {
		return nil, err
	}
	return Open(Options{Dir: dir, Recipients: recipients, Secret: secret, Budget: budget})
}
