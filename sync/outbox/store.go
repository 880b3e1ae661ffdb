package outbox

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"

	"filippo.io/age"
	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/yizhan-kiosk/yizhan/sync/durable"
)

// The store's layout, version 2:
//
//	meta        "version" → 2
//	records     seq (8 bytes, big-endian) → Record as JSON
//	ids         id → seq
//	residents   HMAC(ID number) ‖ seq → empty
//	attachments file name → a bucket of its own: "sealed" → sealed bytes,
//	            for attachments of up to inlineMax sealed bytes (new in
//	            version 2)
//
// Larger attachments live beside the file in attachments/. Either way an
// attachment is named by the SHA-256 of its sealed bytes (AttachmentRef.File).
//
// Each held attachment has a bucket of its own because a bbolt leaf holds
// at least two values and a commit rewrites every leaf it changes: side by
// side in one bucket, storing an attachment would rewrite a neighbour's
// hundreds of KB with it. In its own bucket it has its own pages.
var (
	bucketMeta        = []byte("meta")
	bucketRecords     = []byte("records")
	bucketIDs         = []byte("ids")
	bucketResidents   = []byte("residents")
	bucketAttachments = []byte("attachments")
	keyVersion        = []byte("version")
	keySealed         = []byte("sealed")
)

// migrations bring a store up one version each: migrations[i] turns a
// version i+1 store into version i+2, inside the transaction that opens
// it, so a store is migrated whole or not at all. Add a step here when the
// layout changes.
var migrations = []func(tx *bolt.Tx) error{
	// 1 → 2: small attachments are held in the store, committed with their
	// record. A version 1 store has every attachment in a file, where it
	// stays; the step only makes the bucket (which init has already made,
	// so it changes nothing there). The version is what matters: a terminal
	// that knows only version 1 refuses this store rather than look for
	// files that were never written.
	func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketAttachments)
		return err
	},
}

// An attachment whose sealed bytes are at most inlineMax is stored in
// outbox.db, in the transaction that commits its record: that one commit
// makes both durable, where a file costs its own create, fsync, rename and
// folder fsync before the commit. A submission holds about
// inlinePerSubmission of such bytes in memory until its commit (at most
// one buffer of inlineMax more); the rest of its attachments go to files,
// streamed.
const (
	inlineMax           = 256 << 10
	inlinePerSubmission = 1 << 20
)

// storeVersion is the version this code writes.
func storeVersion() int { return len(migrations) + 1 }

// Options configures a Store.
type Options struct {
	// Dir holds outbox.db and attachments/.
	Dir string
	// Recipients are the district's public keys; everything personal is
	// sealed to them.
	Recipients []age.Recipient
	// Secret keys the resident index (LoadOrCreateSecret).
	Secret []byte
	// Budget is the disk the outbox may use; DefaultBudget when zero.
	Budget int64
	Now    func() time.Time
}

// DefaultBudget is the outbox's disk budget unless configured.
const DefaultBudget = 2 << 30

// NearBudget is the share of the budget at which the terminal warns.
const NearBudget = 0.9

// Store is the outbox. It is safe for concurrent use.
type Store struct {
	opt       Options
	db        *bolt.DB
	attDir    string
	recovered string // set when a corrupt store was moved aside at open

	mu       sync.Mutex
	attBytes int64 // bytes in attachments/
}

// Open opens (or makes) the outbox in opt.Dir.
func Open(opt Options) (*Store, error) {
	if len(opt.Recipients) == 0 {
		return nil, errors.New("outbox: no district key to seal to")
	}
	if len(opt.Secret) < secretLen {
		return nil, errors.New("outbox: index secret missing or short")
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Budget <= 0 {
		opt.Budget = DefaultBudget
	}
	if err := os.MkdirAll(opt.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	s := &Store{opt: opt, attDir: filepath.Join(opt.Dir, "attachments")}
	db, err := openChecked(filepath.Join(opt.Dir, "outbox.db"), forTerminal)
	var ce *corruptError
	if errors.As(err, &ce) {
		// Keep everything for the technician; start a fresh store.
		if s.recovered, err = s.moveAside(ce); err != nil {
			return nil, err
		}
		db, err = openChecked(filepath.Join(opt.Dir, "outbox.db"), forTerminal)
	}
	if err != nil {
		return nil, err
	}
	s.db = db
	if err := os.MkdirAll(s.attDir, 0o700); err != nil {
		db.Close()
		return nil, fmt.Errorf("outbox: %w", err)
	}
	if err := s.init(); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.removeOrphans(); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// corruptError is a store file that bbolt cannot open or whose pages do
// not check out.
type corruptError struct{ err error }

func (e *corruptError) Error() string { return "outbox: store file corrupt: " + e.err.Error() }

// openMode is who opens a store: the terminal, or the technician's tool
// (kioskctl) while the terminal is stopped, writing or only reading.
type openMode int

const (
	forTerminal    openMode = iota // Open: makes the store, migrates it
	forMaintenance                 // OpenMaintenance: writes, never migrates
	forReading                     // OpenReader: read-only
)

// openChecked is the one way a store file is opened, whoever opens it. It
// reads every bucket, key and value in it, checking that each record
// decodes; a store of a newer version than this code's is refused (the
// terminal migrates an older one in init; the technician's tool leaves it
// as it is). A damaged file can make bbolt read outside its pages: with
// faults turned into panics on this goroutine, that is caught and reported
// as corruption instead of ending the process. (bbolt's own Tx.Check walks
// the pages on a goroutine of its own, where such a fault cannot be
// caught, so it is not used.) A store another process holds is ErrInUse.
func openChecked(path string, mode openMode) (db *bolt.DB, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if db != nil {
				db.Close()
			}
			db, err = nil, &corruptError{fmt.Errorf("%v", r)}
		}
	}()
	o := &bolt.Options{Timeout: 5 * time.Second}
	if mode != forTerminal {
		// The tool does not wait for a running terminal; the free pages
		// are read at open even read-only, so Usage counts the file as a
		// writable open does (storeBytes).
		o = &bolt.Options{ReadOnly: mode == forReading, Timeout: time.Second, PreLoadFreelist: true}
	}
	db, err = bolt.Open(path, 0o600, o)
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, ErrInUse
	}
	if err != nil {
		return nil, &corruptError{err}
	}
	err = db.View(func(tx *bolt.Tx) error {
		if err := checkVersion(tx); err != nil {
			return err
		}
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error { return readAll(name, b) })
	})
	if errors.Is(err, errNewer) {
		db.Close()
		return nil, err
	}
	if err != nil {
		db.Close()
		return nil, &corruptError{err}
	}
	return db, nil
}

// errNewer is a store written by a newer version of the terminal: no
// version of this code may read or change it (it is not corrupt).
var errNewer = errors.New("outbox: the store is of a newer version than this terminal's")

// checkVersion refuses a store whose version is newer than this code's
// (or unreadable); a store with no version yet is a new one.
func checkVersion(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return nil
	}
	v := meta.Get(keyVersion)
	if v == nil {
		return nil
	}
	if len(v) != 1 || v[0] == 0 || int(v[0]) > storeVersion() {
		return fmt.Errorf("%w (store %v, this terminal %d)", errNewer, v, storeVersion())
	}
	return nil
}

// readAll touches every page of a bucket, checks records decode, and
// checks every attachment held in the store against the hash it is named
// by: its bytes lie on overflow pages that walking the bucket alone does
// not read, and a damaged one would otherwise surface only when it is
// sent (or fault the process, were its page pointing outside the file).
func readAll(name []byte, b *bolt.Bucket) error {
	return b.ForEach(func(k, v []byte) error {
		if v == nil {
			nb := b.Bucket(k)
			if nb != nil && bytes.Equal(name, bucketAttachments) {
				return checkHeld(k, nb)
			}
			if nb != nil {
				return readAll(k, nb)
			}
			return nil
		}
		switch {
		case bytes.Equal(name, bucketRecords):
			var r Record
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("record %x does not decode: %w", k, err)
			}
		case bytes.Equal(name, bucketAttachments):
			return fmt.Errorf("attachment %q is not in a bucket of its own", k)
		}
		return nil
	})
}

// checkHeld checks an attachment held in the store: its bucket holds its
// sealed bytes and nothing else, and they hash to its name.
func checkHeld(name []byte, b *bolt.Bucket) error {
	n := 0
	err := b.ForEach(func(k, v []byte) error {
		n++
		if !bytes.Equal(k, keySealed) || v == nil {
			return fmt.Errorf("attachment %q holds %q", name, k)
		}
		sum := sha256.Sum256(v)
		if hex.EncodeToString(sum[:])+".age" != string(name) {
			return fmt.Errorf("attachment %q does not match its hash", name)
		}
		return nil
	})
	if err == nil && n != 1 {
		err = fmt.Errorf("attachment %q holds %d values", name, n)
	}
	return err
}

// moveAside renames the corrupt file and the attachments beside it with a
// timestamp, never deleting anything, and says so.
func (s *Store) moveAside(ce *corruptError) (string, error) {
	stamp := s.opt.Now().UTC().Format("20060102T150405Z")
	dbPath := filepath.Join(s.opt.Dir, "outbox.db")
	moved := dbPath + ".corrupt-" + stamp
	if err := os.Rename(dbPath, moved); err != nil {
		return "", fmt.Errorf("outbox: move corrupt store aside: %w", err)
	}
	if _, err := os.Stat(s.attDir); err == nil {
		if err := os.Rename(s.attDir, s.attDir+".corrupt-"+stamp); err != nil {
			return "", fmt.Errorf("outbox: move attachments aside: %w", err)
		}
	}
	if err := durable.SyncDir(s.opt.Dir); err != nil {
		return "", err
	}
	return fmt.Sprintf("%v; moved to %s and a new store made", ce.err, filepath.Base(moved)), nil
}

// Recovered says, when the store file was found corrupt at open, what was
// wrong and where the old file went; "" otherwise. The technician's screen
// and the heartbeat show it.
func (s *Store) Recovered() string { return s.recovered }

// removeOrphans deletes what a crash mid-Submit left in attachments/: a
// temporary file being sealed, or a sealed file whose record never
// committed. No Submit runs while the store opens, so every attachment that
// matters is named by a record.
//
// Attachments held in outbox.db commit with their record, so none should
// be unnamed; one that is (a hand-edited store) is dropped all the same,
// so nothing sealed outlives its record.
func (s *Store) removeOrphans() error {
	named := make(map[string]bool)
	err := s.All(func(r Record) bool {
		for _, a := range r.Attachments {
			named[a.File] = true
		}
		return true
	})
	if err != nil {
		return err
	}
	entries, err := os.ReadDir(s.attDir)
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	var total int64
	for _, e := range entries {
		if named[e.Name()] {
			if info, err := e.Info(); err == nil {
				total += info.Size()
			}
			continue
		}
		if err := os.Remove(filepath.Join(s.attDir, e.Name())); err != nil {
			return fmt.Errorf("outbox: remove orphan: %w", err)
		}
	}
	s.mu.Lock()
	s.attBytes = total
	s.mu.Unlock()

	var stray [][]byte
	err = s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketAttachments).ForEach(func(k, _ []byte) error {
			if !named[string(k)] {
				stray = append(stray, bytes.Clone(k))
			}
			return nil
		})
	})
	if err != nil || len(stray) == 0 {
		return err
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAttachments)
		for _, k := range stray {
			if err := b.DeleteBucket(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("outbox: remove orphan: %w", err)
	}
	return nil
}

// Usage is the outbox's disk use against its budget.
type Usage struct {
	Used, Budget int64
	Near         bool // at NearBudget or more: warn technicians
	Full         bool // at the budget: attachments are refused
}

// Usage reports the disk the outbox uses: the store file (with the small
// attachments held in it) and the files of the larger ones.
func (s *Store) Usage() Usage {
	s.mu.Lock()
	used := s.attBytes
	s.mu.Unlock()
	used += s.storeBytes()
	b := s.opt.Budget
	return Usage{Used: used, Budget: b, Near: float64(used) >= NearBudget*float64(b), Full: used >= b}
}

// storeBytes is the part of outbox.db in use: the pages up to its high
// water mark less those bbolt has freed (purged records and attachments).
// bbolt reuses freed pages before it grows the file, and the file never
// shrinks: counting them as used would keep an outbox that filled with
// small attachments full after the district acknowledged them all. Beyond
// the high water mark the file is room bbolt set aside for growing, not
// yet written.
func (s *Store) storeBytes() int64 {
	var size int64
	if err := s.db.View(func(tx *bolt.Tx) error { size = tx.Size(); return nil }); err != nil {
		return 0
	}
	st := s.db.Stats()
	free := int64(st.FreePageN+st.PendingPageN) * int64(s.db.Info().PageSize)
	return max(size-free, 0)
}

// ErrFull refuses a submission with attachments while the outbox is at its
// disk budget. Nothing queued is dropped to make room; the queue drains as
// the district acknowledges records.
var ErrFull = errors.New("outbox: disk budget reached: submissions with attachments wait until the queue drains")

func (s *Store) addAttBytes(n int64) {
	s.mu.Lock()
	s.attBytes += n
	s.mu.Unlock()
}

func (s *Store) init() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketMeta, bucketRecords, bucketIDs, bucketResidents, bucketAttachments} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return fmt.Errorf("outbox: %w", err)
			}
		}
		meta := tx.Bucket(bucketMeta)
		v := meta.Get(keyVersion)
		if v == nil {
			return meta.Put(keyVersion, []byte{byte(storeVersion())})
		}
		if err := checkVersion(tx); err != nil {
			return err
		}
		for from := int(v[0]); from < storeVersion(); from++ {
			if err := migrations[from-1](tx); err != nil {
				return fmt.Errorf("outbox: migrate store from version %d: %w", from, err)
			}
		}
		return meta.Put(keyVersion, []byte{byte(storeVersion())})
	})
}

// Close closes the store.
func (s *Store) Close() error { return s.db.Close() }

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// Submit seals and stores a submission and returns its record. When it
// returns without error the record and its attachments are on disk.
func (s *Store) Submit(ctx context.Context, sub Submission) (Record, error) {
	if len(s.opt.Recipients) == 0 {
		return Record{}, errors.New("outbox: opened for maintenance: no district key to seal with")
	}
	if !sub.Kind.valid() {
		return Record{}, fmt.Errorf("outbox: unknown kind %q", sub.Kind)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Record{}, fmt.Errorf("outbox: id: %w", err)
	}
	if len(sub.Attachments) > 0 && s.Usage().Full {
		return Record{}, ErrFull
	}
	rec := Record{ID: id.String(), Kind: sub.Kind, Created: s.opt.Now().UTC(), State: Queued, Public: sub.Public}
	// With attachments, the personal part is sealed on another goroutine
	// while they are: sealing begins with two X25519 operations, about
	// 0.1 ms, that a second core does without holding up this one. Alone,
	// it is sealed here; handing it over would only add the wait.
	personal := make(chan sealResult, 1)
	sealPersonal := func() {
		sealed, err := seal(s.opt.Recipients, sub.Personal)
		personal <- sealResult{sealed, err}
	}
	if len(sub.Attachments) > 0 {
		go sealPersonal()
	} else {
		sealPersonal()
	}
	held, files, err := s.sealAttachments(ctx, sub.Attachments, &rec)
	p := <-personal // waited for always, so nothing outlives Submit
	if err == nil && p.err != nil {
		err = fmt.Errorf("outbox: seal: %w", p.err)
	}
	if err != nil {
		// No record names these files: remove them now rather than at the
		// next open. One that cannot be removed is an orphan then.
		for _, f := range files {
			if s.removeFile(f.File) == nil {
				s.addAttBytes(-f.Size)
			}
		}
		return Record{}, err
	}
	rec.Sealed = p.sealed
	// Once Update returns, committed or not, bbolt no longer refers to the
	// held bytes (a commit copies them into its pages): their buffers can
	// be used again.
	defer func() {
		for _, a := range held {
			releaseHeld(a.held)
		}
	}()
	err = s.db.Update(func(tx *bolt.Tx) error {
		records := tx.Bucket(bucketRecords)
		seq, err := records.NextSequence()
		if err != nil {
			return err
		}
		rec.Seq = seq
		data, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		if err := records.Put(seqKey(seq), data); err != nil {
			return err
		}
		if err := tx.Bucket(bucketIDs).Put([]byte(rec.ID), seqKey(seq)); err != nil {
			return err
		}
		inline := tx.Bucket(bucketAttachments)
		for _, a := range held {
			b, err := inline.CreateBucket([]byte(a.ref.File))
			if err != nil {
				return err
			}
			if err := b.Put(keySealed, a.held); err != nil {
				return err
			}
		}
		if sub.IDNumber != "" {
			key := append(residentKey(s.opt.Secret, sub.IDNumber), seqKey(seq)...)
			return tx.Bucket(bucketResidents).Put(key, nil)
		}
		return nil
	}) // bbolt fsyncs the commit before Update returns
	if err != nil {
		// The attachment files stay: a commit that failed may still have
		// reached the disk, and then its record must find them. If it did
		// not, no record names them and the next open removes them.
		return Record{}, fmt.Errorf("outbox: store: %w", err)
	}
	return rec, nil
}

type sealResult struct {
	sealed []byte
	err    error
}

// sealAttachments seals a submission's attachments in order and adds a
// reference to each to rec. The small ones come back held in memory, for
// Submit to store with the record; the others are in files made durable
// here (each fsynced and renamed, then the folder fsynced once for all),
// before the record that names them commits. On an error, files holds the
// files already made, for Submit to remove.
func (s *Store) sealAttachments(ctx context.Context, atts []Attachment, rec *Record) (held []sealedAttachment, files []AttachmentRef, err error) {
	room := inlinePerSubmission
	for _, a := range atts {
		if err := ctx.Err(); err != nil {
			return nil, files, err
		}
		sa, err := sealAttachment(s.attDir, s.opt.Recipients, a.Data, min(inlineMax, room))
		if err != nil {
			return nil, files, fmt.Errorf("outbox: attachment %q: %w", a.Name, err)
		}
		sa.ref.Name = a.Name
		rec.Attachments = append(rec.Attachments, sa.ref)
		if sa.held != nil {
			held = append(held, sa)
			room -= cap(sa.held) // the memory it holds until the commit
			continue
		}
		files = append(files, sa.ref)
		s.addAttBytes(sa.ref.Size)
	}
	if len(files) > 0 {
		if err := durable.SyncDir(s.attDir); err != nil {
			return nil, files, fmt.Errorf("outbox: attachments: %w", err)
		}
	}
	return held, files, nil
}

// ErrNotFound means no record has the id.
var ErrNotFound = errors.New("outbox: no such record")

// Get returns the record with the id.
func (s *Store) Get(id string) (Record, error) {
	var rec Record
	err := s.db.View(func(tx *bolt.Tx) error {
		seq := tx.Bucket(bucketIDs).Get([]byte(id))
		if seq == nil {
			return ErrNotFound
		}
		return json.Unmarshal(tx.Bucket(bucketRecords).Get(seq), &rec)
	})
	return rec, err
}

// All calls f for every record in sequence order until f returns false.
func (s *Store) All(f func(Record) bool) error {
	return s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketRecords).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var rec Record
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("outbox: record %x: %w", k, err)
			}
			if !f(rec) {
				return nil
			}
		}
		return nil
	})
}

// ForResident returns the records submitted with the ID number, on this
// terminal, oldest first.
func (s *Store) ForResident(idNumber string) ([]Record, error) {
	prefix := residentKey(s.opt.Secret, idNumber)
	var out []Record
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketResidents).Cursor()
		records := tx.Bucket(bucketRecords)
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			var rec Record
			v := records.Get(k[len(prefix):])
			if v == nil {
				continue // purged
			}
			if err := json.Unmarshal(v, &rec); err != nil {
				return err
			}
			out = append(out, rec)
		}
		return nil
	})
	return out, err
}

// OpenAttachment opens an attachment's sealed bytes for sending or export,
// wherever they are kept: in outbox.db (a small attachment, copied into
// memory) or in its file. Their SHA-256 is ref.File without ".age": the
// district stores them by that hash.
func (s *Store) OpenAttachment(ref AttachmentRef) (io.ReadCloser, error) {
	var held []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		// A version 1 store opened for maintenance has no such bucket:
		// all its attachments are files.
		if b := tx.Bucket(bucketAttachments); b != nil {
			if ab := b.Bucket([]byte(ref.File)); ab != nil {
				// Copied: bbolt's bytes are valid only inside the transaction.
				held = bytes.Clone(ab.Get(keySealed))
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: attachment %s: %w", ref.File, err)
	}
	if held != nil {
		return io.NopCloser(bytes.NewReader(held)), nil
	}
	f, err := os.Open(s.attachmentPath(ref))
	if err != nil {
		return nil, fmt.Errorf("outbox: attachment %s: %w", ref.File, err)
	}
	return f, nil
}

// dropHeld deletes in tx those of refs that outbox.db holds, and returns
// the others: files, for the caller to remove once tx has committed.
func dropHeld(tx *bolt.Tx, refs []AttachmentRef) ([]AttachmentRef, error) {
	b := tx.Bucket(bucketAttachments)
	if b == nil {
		return refs, nil // a version 1 store opened for maintenance: files only
	}
	var files []AttachmentRef
	for _, r := range refs {
		key := []byte(r.File)
		if b.Bucket(key) == nil {
			files = append(files, r)
			continue
		}
		if err := b.DeleteBucket(key); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// AttachmentPath is where an attachment's sealed file is. Small
// attachments are held in outbox.db and have none.
//
// Deprecated: read attachments with OpenAttachment, which finds them
// wherever they are kept.
func (s *Store) AttachmentPath(ref AttachmentRef) string { return s.attachmentPath(ref) }

// attachmentPath is where an attachment's sealed file is, when it has one.
func (s *Store) attachmentPath(ref AttachmentRef) string {
	return filepath.Join(s.attDir, filepath.Base(ref.File))
}
