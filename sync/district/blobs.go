package district

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/durable"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// Blobs are sealed attachments, stored by the SHA-256 of their bytes. An
// upload goes to blobs/partial/HASH, appended to from where the last one
// stopped, and is named blobs/ab/HASH only when it is whole, fsynced and
// its hash checks out: a named blob is always complete.

func (d *District) blobPath(hash string) string {
	return filepath.Join(d.blobDir, hash[:2], hash)
}

func (d *District) partialPath(hash string) string {
	return filepath.Join(d.blobDir, "partial", hash)
}

// blobSize reports whether the blob is whole at the district, and its size.
func (d *District) blobSize(hash string) (int64, bool) {
	if !protocol.ValidSHA256(hash) {
		return 0, false
	}
	info, err := os.Stat(d.blobPath(hash))
	if err != nil {
		return 0, false
	}
	return info.Size(), true
}

// BlobOffset is how many bytes of the blob the district holds: its size
// when whole, what arrived so far when partial, 0 when none.
func (d *District) BlobOffset(hash string) (int64, error) {
	if !protocol.ValidSHA256(hash) {
		return 0, errors.New("district: blob name is not a SHA-256")
	}
	if size, ok := d.blobSize(hash); ok {
		return size, nil
	}
	info, err := os.Stat(d.partialPath(hash))
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return info.Size(), nil
}

// offsetError is a PATCH that does not start where the district's copy
// ends; the terminal asks again and resumes.
type offsetError struct{ have int64 }

func (e *offsetError) Error() string { return fmt.Sprintf("upload must resume at byte %d", e.have) }

var errBusy = &protocol.Error{Code: protocol.CodeConflict, Message: "this blob is being uploaded by another request"}

// WriteBlob appends body to the blob's upload, starting at offset, of a
// blob of length bytes in all. Whatever arrives is kept (fsynced) even when
// the body is cut, so the next attempt resumes. When the blob is whole its
// hash is checked and it is named. It returns the bytes held afterwards.
func (d *District) WriteBlob(hash string, offset, length int64, body io.Reader) (int64, error) {
	if !protocol.ValidSHA256(hash) {
		return 0, &protocol.Error{Code: protocol.CodeBadRequest, Message: "blob name is not a SHA-256"}
	}
	if length <= 0 || length > protocol.MaxBlobBytes || offset < 0 || offset > length {
		return 0, &protocol.Error{Code: protocol.CodeBadRequest, Message: "bad offset or length"}
	}
	d.uploadsMu.Lock()
	if d.uploads[hash] {
		d.uploadsMu.Unlock()
		return 0, errBusy
	}
	d.uploads[hash] = true
	d.uploadsMu.Unlock()
	defer func() {
		d.uploadsMu.Lock()
		delete(d.uploads, hash)
		d.uploadsMu.Unlock()
	}()

	if size, ok := d.blobSize(hash); ok {
		return size, nil // already whole: content addressing makes this safe
	}
	have, err := d.BlobOffset(hash)
	if err != nil {
		return 0, err
	}
	if have != offset {
		return have, &offsetError{have: have}
	}
	f, err := os.OpenFile(d.partialPath(hash), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return have, err
	}
	// A blob sent whole in one request (the usual case) is hashed as it
	// arrives; a resumed one is read back once it is whole.
	h := sha256.New()
	var w io.Writer = f
	if offset == 0 {
		w = io.MultiWriter(f, h)
	}
	n, copyErr := io.Copy(w, io.LimitReader(body, length-offset))
	syncErr := f.Sync()
	closeErr := f.Close()
	have += n
	if err := errors.Join(syncErr, closeErr); err != nil {
		return have, fmt.Errorf("district: blob %s: %w", hash, err)
	}
	if copyErr != nil {
		return have, fmt.Errorf("district: blob %s cut at %d: %w", hash, have, copyErr)
	}
	if have < length {
		return have, nil
	}
	var sum []byte
	if offset == 0 {
		sum = h.Sum(nil)
	}
	return have, d.finishBlob(hash, sum)
}

// finishBlob checks a whole upload against its name and names it. sum is
// its SHA-256 when the upload hashed it on the way in; nil reads it back.
func (d *District) finishBlob(hash string, sum []byte) error {
	partial := d.partialPath(hash)
	if sum == nil {
		f, err := os.Open(partial)
		if err != nil {
			return err
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return err
		}
		sum = h.Sum(nil)
	}
	if hex.EncodeToString(sum) != hash {
		os.Remove(partial)
		return &protocol.Error{Code: protocol.CodeBadRequest, Message: "blob bytes do not match its SHA-256; send it again"}
	}
	dir := filepath.Dir(d.blobPath(hash))
	_, statErr := os.Stat(dir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := os.Rename(partial, d.blobPath(hash)); err != nil {
		return err
	}
	if statErr != nil {
		// The folder is new: its own name must be durable too.
		if err := durable.SyncDir(filepath.Dir(dir)); err != nil {
			return err
		}
	}
	return durable.SyncDir(dir)
}

func (d *District) openBlob(hash string) (*os.File, error) {
	if !protocol.ValidSHA256(hash) {
		return nil, errors.New("district: blob name is not a SHA-256")
	}
	f, err := os.Open(d.blobPath(hash))
	if err != nil {
		return nil, fmt.Errorf("district: blob %s: %w", hash, err)
	}
	return f, nil
}

// putBlob stores a whole blob from a file (imports).
func (d *District) putBlob(hash string, r io.Reader, size int64) error {
	if _, ok := d.blobSize(hash); ok {
		return nil
	}
	os.Remove(d.partialPath(hash)) // an upload cut earlier; this copy is whole
	n, err := d.WriteBlob(hash, 0, size, r)
	if err == nil && n != size {
		err = fmt.Errorf("district: blob %s: %d of %d bytes", hash, n, size)
	}
	return err
}

// staleUpload is how long an unfinished upload is kept for its terminal to
// resume; a terminal that has not come back by then starts again.
const staleUpload = 7 * 24 * time.Hour

// SweepPartials removes unfinished uploads untouched for longer than age,
// so uploads that were never finished do not fill the disk. It returns how
// many went.
func (d *District) SweepPartials(age time.Duration) (int, error) {
	dir := filepath.Join(d.blobDir, "partial")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	cutoff := d.opt.Now().Add(-age)
	n := 0
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(cutoff) {
			continue
		}
		d.uploadsMu.Lock()
		busy := d.uploads[e.Name()]
		d.uploadsMu.Unlock()
		if busy {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err == nil {
			n++
		}
	}
	return n, nil
}
