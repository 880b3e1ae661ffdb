package district

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/durable"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// Attachments are sealed blobs, named by the SHA-256 of their bytes and
// kept apart by terminal, so that one terminal can neither read, name, nor
// learn of another's:
//
//	attachments/TERMINAL/partial/HASH  an upload under way, appended to where the last one stopped
//	attachments/TERMINAL/waiting/HASH  whole and checked; no stored record names it yet
//	attachments/TERMINAL/filed/HASH    whole; a stored record of TERMINAL names it
//
// Its invariants:
//   - A file reaches waiting/ only whole, fsynced and matching its name.
//   - It moves to filed/ inside the transaction that stores the record
//     naming it, all of the record's or none, and the moves are durable
//     before that transaction commits: a stored record's attachments are
//     always in filed/. (Should the commit itself fail, they stay in filed/
//     and the record finds them there when the terminal sends it again.)
//   - partial/ and waiting/ count against the terminal's quota; files there
//     untouched for a week are swept, as are those of a record the district
//     rejected. The terminal may drop its own (DropUnnamed). filed/ is never
//     swept. Imports stage their attachments apart (stageImport).
//   - A file of partial/ or waiting/ is written or removed only by whoever
//     claimed its TERMINAL/HASH (one at a time), and every change other than
//     an append is made under the quota's lock: the bytes it counts are the
//     bytes on disk.

const (
	dirPartial = "partial"
	dirWaiting = "waiting"
	dirFiled   = "filed"
	dirLocks   = "locks" // one empty file a blob, locked by whoever writes it (claim)
)

// staleUpload is how long an unfinished upload, or a whole one no record
// has named, is kept for its terminal to come back to; a terminal that has
// not by then uploads it again.
const staleUpload = 7 * 24 * time.Hour

func (d *District) attachmentPath(terminal, dir, hash string) string {
	return filepath.Join(d.attachDir, terminal, dir, hash)
}

// checkBlobName refuses names that cannot be a terminal's blob: both
// become parts of a path.
func checkBlobName(terminal, hash string) error {
	if !protocol.ValidTerminalID(terminal) {
		return &protocol.Error{Code: protocol.CodeBadRequest, Message: "terminal id malformed"}
	}
	if !protocol.ValidSHA256(hash) {
		return &protocol.Error{Code: protocol.CodeBadRequest, Message: "blob name is not a SHA-256"}
	}
	return nil
}

// terminalDirs makes the terminal's attachment folders, and makes their
// names durable, the first time this process stores one of its blobs —
// every time, even when they exist: a process stopped between making and
// syncing them left names a power cut could take.
func (d *District) terminalDirs(terminal string) error {
	d.dirsMu.Lock()
	defer d.dirsMu.Unlock()
	if d.dirsMade[terminal] {
		return nil
	}
	top := filepath.Join(d.attachDir, terminal)
	for _, dir := range []string{dirPartial, dirWaiting, dirFiled, dirLocks} {
		if err := os.MkdirAll(filepath.Join(top, dir), 0o700); err != nil {
			return err
		}
	}
	if err := errors.Join(durable.SyncDir(top), durable.SyncDir(d.attachDir)); err != nil {
		return err
	}
	d.dirsMade[terminal] = true
	return nil
}

// claim makes the caller the one who may write or remove the terminal's
// partial/ and waiting/ files of the blob, until unclaim; false when
// another holds them — in this process, or in another districtd replica
// sharing the attachments folder: the claim is also an exclusive lock on
// locks/HASH, which Linux keeps across NFS clients too. Lock files stay:
// removing one another replica may be about to lock would let two hold
// "the" lock; the sweep removes those of blobs gone a week.
func (d *District) claim(terminal, hash string) bool {
	d.uploadsMu.Lock()
	defer d.uploadsMu.Unlock()
	key := terminal + "/" + hash
	if _, held := d.uploads[key]; held {
		return false
	}
	if err := d.terminalDirs(terminal); err != nil {
		d.opt.Log.Error("attachment folders", "terminal", terminal, "err", err)
		return false
	}
	f, err := os.OpenFile(d.attachmentPath(terminal, dirLocks, hash), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		d.opt.Log.Error("attachment lock", "terminal", terminal, "err", err)
		return false
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close() // another replica writes it now
		return false
	}
	d.uploads[key] = f
	return true
}

func (d *District) unclaim(terminal, hash string) {
	d.uploadsMu.Lock()
	defer d.uploadsMu.Unlock()
	key := terminal + "/" + hash
	if f := d.uploads[key]; f != nil {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}
	delete(d.uploads, key)
}

// wholeBlob reports whether the terminal holds the blob whole at the
// district (waiting or filed), and its size.
func (d *District) wholeBlob(terminal, hash string) (int64, bool) {
	return d.wholeIn(terminal, dirWaiting, hash)
}

// wholeIn reports whether the terminal holds the blob whole in from (the
// folder its records' attachments come from: waiting/, or an import's) or
// in filed/, and its size. from is looked in first: a blob moves from
// there to filed/, never back, so one being filed at this moment is found
// in one or the other.
func (d *District) wholeIn(terminal, from, hash string) (int64, bool) {
	if checkBlobName(terminal, hash) != nil {
		return 0, false
	}
	for _, dir := range []string{from, dirFiled} {
		if info, err := os.Stat(d.attachmentPath(terminal, dir, hash)); err == nil {
			return info.Size(), true
		}
	}
	return 0, false
}

// BlobOffset is how many bytes of the terminal's blob the district holds:
// its size when whole, what arrived so far when partial, 0 when none —
// also when another terminal holds the same bytes.
func (d *District) BlobOffset(terminal, hash string) (int64, error) {
	if err := checkBlobName(terminal, hash); err != nil {
		return 0, err
	}
	if size, ok := d.wholeBlob(terminal, hash); ok {
		return size, nil
	}
	info, err := os.Stat(d.attachmentPath(terminal, dirPartial, hash))
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

// WriteBlob appends body to the terminal's upload of a blob, starting at
// offset, of length bytes in all. Whatever arrives is kept (fsynced) even
// when the body is cut, so the next attempt resumes. When the blob is
// whole its hash is checked and it waits for its record. It returns the
// bytes held afterwards. An upload that would take the terminal's bytes
// not yet named by a record above its quota is refused before any is read.
func (d *District) WriteBlob(terminal, hash string, offset, length int64, body io.Reader) (int64, error) {
	if err := checkBlobName(terminal, hash); err != nil {
		return 0, err
	}
	if length <= 0 || length > protocol.MaxBlobBytes || offset < 0 || offset > length {
		return 0, &protocol.Error{Code: protocol.CodeBadRequest, Message: "bad offset or length"}
	}
	if !d.claim(terminal, hash) {
		return 0, errBusy
	}
	defer d.unclaim(terminal, hash)

	if size, ok := d.wholeBlob(terminal, hash); ok {
		return size, nil // already whole: content addressing makes this safe
	}
	have, err := d.BlobOffset(terminal, hash)
	if err != nil {
		return 0, err
	}
	if have != offset {
		return have, &offsetError{have: have}
	}
	if err := d.terminalDirs(terminal); err != nil {
		return have, fmt.Errorf("district: blob %s: %w", hash, err)
	}
	want := length - offset
	if err := d.quota.reserve(d, terminal, want, d.opt.AttachmentQuota); err != nil {
		return have, err
	}
	partial := d.attachmentPath(terminal, dirPartial, hash)
	f, err := os.OpenFile(partial, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		d.quota.add(terminal, -want)
		return have, err
	}
	// A blob sent whole in one request (the usual case) is hashed as it
	// arrives; a resumed one is read back once it is whole.
	h := sha256.New()
	var w io.Writer = f
	if offset == 0 {
		w = io.MultiWriter(f, h)
	}
	n, copyErr := io.Copy(w, io.LimitReader(body, want))
	syncErr := f.Sync()
	closeErr := f.Close()
	d.quota.add(terminal, n-want) // what did not come is not held
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
	return have, d.finishBlob(terminal, hash, have, sum)
}

// finishBlob checks a whole upload against its name and moves it to
// waiting/. sum is its SHA-256 when the upload hashed it on the way in;
// nil reads it back.
func (d *District) finishBlob(terminal, hash string, size int64, sum []byte) error {
	partial := d.attachmentPath(terminal, dirPartial, hash)
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
		d.quota.remove(terminal, partial, size)
		return &protocol.Error{Code: protocol.CodeBadRequest, Message: "blob bytes do not match its SHA-256; send it again"}
	}
	if err := os.Rename(partial, d.attachmentPath(terminal, dirWaiting, hash)); err != nil {
		return err
	}
	return durable.SyncDir(filepath.Dir(d.attachmentPath(terminal, dirWaiting, hash)))
}

// fileBlobs moves the blobs a record names from from (waiting/, or an
// import's folder) to filed/, as the record is stored: all of them, or none
// when one is no longer there (swept a moment ago) — the record is then
// missing it. The caller makes the moves durable (syncFiled) before it
// commits.
func (d *District) fileBlobs(terminal, from string, atts []protocol.Attachment) (bool, error) {
	d.quota.mu.Lock() // the sweep removes under it too: nothing goes between the looks and the moves
	defer d.quota.mu.Unlock()
	var move []protocol.Attachment
	for _, a := range atts {
		if _, err := os.Stat(d.attachmentPath(terminal, from, a.SHA256)); err == nil {
			move = append(move, a)
		} else if _, err := os.Stat(d.attachmentPath(terminal, dirFiled, a.SHA256)); err != nil {
			return false, nil
		}
	}
	for _, a := range move {
		err := os.Rename(d.attachmentPath(terminal, from, a.SHA256), d.attachmentPath(terminal, dirFiled, a.SHA256))
		if errors.Is(err, os.ErrNotExist) {
			continue // named twice in the record: moved already
		}
		if err != nil {
			return false, err
		}
		if from == dirWaiting {
			d.quota.addLocked(terminal, -a.Size)
		}
	}
	return true, nil
}

// dropWaiting removes the whole blobs of a record the district rejected
// that no stored record names: the terminal never sends that record again,
// so they would only hold its quota for a week.
func (d *District) dropWaiting(terminal string, atts []protocol.Attachment) {
	for _, a := range atts {
		if checkBlobName(terminal, a.SHA256) == nil {
			d.removeClaimed(terminal, dirWaiting, a.SHA256, func(fs.FileInfo) bool { return true })
		}
	}
}

// removeClaimed removes the terminal's blob from dir (partial/ or
// waiting/) if match takes it, once it has claimed it, and uncounts it;
// it reports whether it went. A blob being written now is left alone.
func (d *District) removeClaimed(terminal, dir, hash string, match func(fs.FileInfo) bool) bool {
	if !d.claim(terminal, hash) {
		return false
	}
	defer d.unclaim(terminal, hash)
	path := d.attachmentPath(terminal, dir, hash)
	// Looked at once claimed: an upload may have moved it meanwhile.
	info, err := os.Stat(path)
	return err == nil && match(info) && d.quota.remove(terminal, path, info.Size()) == nil
}

// syncFiled makes the moves of fileBlobs durable.
func (d *District) syncFiled(terminal, from string) error {
	return errors.Join(
		durable.SyncDir(filepath.Join(d.attachDir, terminal, dirFiled)),
		durable.SyncDir(filepath.Join(d.attachDir, terminal, from)))
}

func (d *District) openBlob(terminal, hash string) (*os.File, error) {
	if err := checkBlobName(terminal, hash); err != nil {
		return nil, fmt.Errorf("district: %w", err)
	}
	f, err := os.Open(d.attachmentPath(terminal, dirFiled, hash))
	if err != nil {
		return nil, fmt.Errorf("district: blob %s: %w", hash, err)
	}
	return f, nil
}

// An import's attachments are staged in a folder of their own,
// attachments/TERMINAL/import-RANDOM/, and filed from there with their
// records: they are neither held to the terminal's quota nor dropped by
// it, and what the import does not file goes with the folder when the
// import ends (or, after a crash, when the district next opens).
const importPrefix = "import-"

// stageImport makes an import's folder for the terminal's attachments and
// returns its name.
func (d *District) stageImport(terminal string) (string, error) {
	if err := d.terminalDirs(terminal); err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp(filepath.Join(d.attachDir, terminal), importPrefix)
	if err != nil {
		return "", err
	}
	return filepath.Base(dir), nil
}

// stageBlob copies a whole blob a technician brought into the import's
// folder, checked against its name and fsynced, unless the terminal holds
// it filed already.
func (d *District) stageBlob(terminal, staged, hash string, r io.Reader, size int64) error {
	if err := checkBlobName(terminal, hash); err != nil {
		return err
	}
	if _, ok := d.wholeIn(terminal, staged, hash); ok {
		return nil
	}
	dst := d.attachmentPath(terminal, staged, hash)
	h := sha256.New()
	n, err := durable.WriteFrom(dst, io.TeeReader(io.LimitReader(r, size), h), 0o600)
	switch {
	case err != nil:
		return err
	case n != size:
		err = fmt.Errorf("district: blob %s: %d of %d bytes", hash, n, size)
	case hex.EncodeToString(h.Sum(nil)) != hash:
		err = fmt.Errorf("district: blob %s: its bytes do not match its SHA-256", hash)
	default:
		return nil
	}
	os.Remove(dst) // the import's own folder: nothing else reads it
	return err
}

// removeStaleImports removes the folders of imports a crash cut short;
// Open calls it, before any import can run.
func (d *District) removeStaleImports() error {
	stale, err := filepath.Glob(filepath.Join(d.attachDir, "*", importPrefix+"*"))
	if err != nil {
		return err
	}
	for _, dir := range stale {
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
	}
	return nil
}

// SweepAttachments removes, from every terminal's folders, the uploads
// left unfinished and the whole blobs no record has named for longer than
// age, so that neither fills the disk. It returns how many went.
func (d *District) SweepAttachments(age time.Duration) (int, error) {
	terminals, err := os.ReadDir(d.attachDir)
	if err != nil {
		return 0, err
	}
	cutoff := d.opt.Now().Add(-age)
	n := 0
	for _, t := range terminals {
		if !t.IsDir() || !protocol.ValidTerminalID(t.Name()) {
			continue
		}
		m, err := d.dropUnnamed(t.Name(), func(info fs.FileInfo) bool { return info.ModTime().Before(cutoff) })
		n += m
		if err != nil {
			return n, err
		}
		d.sweepLocks(t.Name(), cutoff)
	}
	return n, nil
}

// sweepLocks removes the terminal's lock files untouched since cutoff
// whose blob is neither being written nor waiting: each while holding it,
// so no replica is writing that blob as it goes.
func (d *District) sweepLocks(terminal string, cutoff time.Time) {
	entries, err := os.ReadDir(filepath.Join(d.attachDir, terminal, dirLocks))
	if err != nil {
		return
	}
	for _, e := range entries {
		hash := e.Name()
		info, err := e.Info()
		if err != nil || !protocol.ValidSHA256(hash) || !info.ModTime().Before(cutoff) {
			continue
		}
		if _, err := os.Stat(d.attachmentPath(terminal, dirPartial, hash)); err == nil {
			continue
		}
		if !d.claim(terminal, hash) {
			continue
		}
		os.Remove(d.attachmentPath(terminal, dirLocks, hash))
		d.unclaim(terminal, hash)
	}
}

// DropUnnamed removes every unfinished upload and whole blob of the
// terminal that no stored record names, but those it keeps and those being
// written now, and returns how many went: a terminal whose quota is full
// of attachments of records it cannot complete makes room for the one it
// sends next.
func (d *District) DropUnnamed(terminal string, keep []string) (int, error) {
	if !protocol.ValidTerminalID(terminal) {
		return 0, &protocol.Error{Code: protocol.CodeBadRequest, Message: "terminal id malformed"}
	}
	return d.dropUnnamed(terminal, func(info fs.FileInfo) bool { return !slices.Contains(keep, info.Name()) })
}

// dropUnnamed removes the terminal's partial/ and waiting/ files that
// match (removeClaimed).
func (d *District) dropUnnamed(terminal string, match func(fs.FileInfo) bool) (int, error) {
	n := 0
	for _, dir := range []string{dirPartial, dirWaiting} {
		entries, err := os.ReadDir(filepath.Join(d.attachDir, terminal, dir))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return n, err
		}
		for _, e := range entries {
			if protocol.ValidSHA256(e.Name()) && d.removeClaimed(terminal, dir, e.Name(), match) {
				n++
			}
		}
	}
	return n, nil
}

// attachmentQuota counts, by terminal, the bytes in partial/ and waiting/
// and the uploads under way. A terminal is counted from its folders the
// first time it uploads after the district starts.
type attachmentQuota struct {
	mu   sync.Mutex
	held map[string]int64
}

// reserve counts want more bytes for the terminal's upload, unless that
// takes it over limit (0: no limit).
func (q *attachmentQuota) reserve(d *District, terminal string, want, limit int64) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	held, ok := q.held[terminal]
	if !ok {
		var err error
		if held, err = d.countHeld(terminal); err != nil {
			return fmt.Errorf("district: attachments of %s: %w", terminal, err)
		}
	}
	if limit > 0 && held+want > limit {
		q.held[terminal] = held
		return &protocol.Error{Code: protocol.CodeOverQuota, Message: fmt.Sprintf(
			"this terminal holds %d bytes of attachments no record names yet, and may hold %d: send the records of those uploaded, then the rest", held, limit)}
	}
	q.held[terminal] = held + want
	return nil
}

func (q *attachmentQuota) add(terminal string, n int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.addLocked(terminal, n)
}

func (q *attachmentQuota) addLocked(terminal string, n int64) {
	if held, ok := q.held[terminal]; ok {
		q.held[terminal] = held + n
	}
}

// remove deletes a file of partial/ or waiting/ and uncounts its size.
func (q *attachmentQuota) remove(terminal, path string, size int64) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := os.Remove(path); err != nil {
		return err
	}
	q.addLocked(terminal, -size)
	return nil
}

// countHeld adds up the terminal's partial/ and waiting/ on disk.
func (d *District) countHeld(terminal string) (int64, error) {
	var total int64
	for _, dir := range []string{dirPartial, dirWaiting} {
		entries, err := os.ReadDir(filepath.Join(d.attachDir, terminal, dir))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, err
		}
		for _, e := range entries {
			if info, err := e.Info(); err == nil {
				total += info.Size()
			}
		}
	}
	return total, nil
}
