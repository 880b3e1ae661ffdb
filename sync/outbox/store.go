package outbox

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"

	"filippo.io/age"
	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"
)

// The store's layout, version 1:
//
//	meta      "version" → 1
//	records   seq (8 bytes, big-endian) → Record as JSON
//	ids       id → seq
//	residents HMAC(ID number) ‖ seq → empty
//
// Attachments live beside the file in attachments/, named by the SHA-256 of
// their sealed bytes.
var (
	bucketMeta      = []byte("meta")
	bucketRecords   = []byte("records")
	bucketIDs       = []byte("ids")
	bucketResidents = []byte("residents")
	keyVersion      = []byte("version")
)

// migrations bring a store up one version each: migrations[i] turns a
// version i+1 store into version i+2, inside the transaction that opens
// it, so a store is migrated whole or not at all. Version 1 is the layout
// above; add a step here when the layout changes.
var migrations []func(tx *bolt.Tx) error

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
	db, err := openChecked(filepath.Join(opt.Dir, "outbox.db"))
	var ce *corruptError
	if errors.As(err, &ce) {
		// Keep everything for the technician; start a fresh store.
		if s.recovered, err = s.moveAside(ce); err != nil {
			return nil, err
		}
		db, err = openChecked(filepath.Join(opt.Dir, "outbox.db"))
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

// openChecked opens the bbolt file and reads every bucket, key and value in
// it, checking that each record decodes. A damaged file can make bbolt read
// outside its pages: with faults turned into panics on this goroutine, that
// is caught and reported as corruption instead of ending the process.
// (bbolt's own Tx.Check walks the pages on a goroutine of its own, where such
// a fault cannot be caught, so it is not used.)
func openChecked(path string) (db *bolt.DB, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if db != nil {
				db.Close()
			}
			db, err = nil, &corruptError{fmt.Errorf("%v", r)}
		}
	}()
	db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("outbox: store in use by another process: %w", err)
	}
	if err != nil {
		return nil, &corruptError{err}
	}
	err = db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error { return readAll(name, b) })
	})
	if err != nil {
		db.Close()
		return nil, &corruptError{err}
	}
	return db, nil
}

// readAll touches every page of a bucket and checks records decode.
func readAll(name []byte, b *bolt.Bucket) error {
	return b.ForEach(func(k, v []byte) error {
		if v == nil {
			if nb := b.Bucket(k); nb != nil {
				return readAll(k, nb)
			}
			return nil
		}
		if bytes.Equal(name, bucketRecords) {
			var r Record
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("record %x does not decode: %w", k, err)
			}
		}
		return nil
	})
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
	if err := syncDir(s.opt.Dir); err != nil {
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
	return nil
}

// Usage is the outbox's disk use against its budget.
type Usage struct {
	Used, Budget int64
	Near         bool // at NearBudget or more: warn technicians
	Full         bool // at the budget: attachments are refused
}

// Usage reports the disk the outbox uses: the store file and the sealed
// attachments.
func (s *Store) Usage() Usage {
	s.mu.Lock()
	used := s.attBytes
	s.mu.Unlock()
	if info, err := os.Stat(s.db.Path()); err == nil {
		used += info.Size()
	}
	b := s.opt.Budget
	return Usage{Used: used, Budget: b, Near: float64(used) >= NearBudget*float64(b), Full: used >= b}
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
		for _, b := range [][]byte{bucketMeta, bucketRecords, bucketIDs, bucketResidents} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return fmt.Errorf("outbox: %w", err)
			}
		}
		meta := tx.Bucket(bucketMeta)
		v := meta.Get(keyVersion)
		if v == nil {
			return meta.Put(keyVersion, []byte{byte(storeVersion())})
		}
		if len(v) != 1 || int(v[0]) > storeVersion() || v[0] == 0 {
			return fmt.Errorf("outbox: store version %v is newer than this terminal's %d", v, storeVersion())
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
	// Attachments first, each durable before the record that names them.
	for _, a := range sub.Attachments {
		if err := ctx.Err(); err != nil {
			return Record{}, err
		}
		name, size, err := sealFile(s.attDir, s.opt.Recipients, a.Data)
		if err != nil {
			return Record{}, fmt.Errorf("outbox: attachment %q: %w", a.Name, err)
		}
		rec.Attachments = append(rec.Attachments, AttachmentRef{Name: a.Name, File: name, Size: size})
		s.addAttBytes(size)
	}
	if rec.Sealed, err = seal(s.opt.Recipients, sub.Personal); err != nil {
		return Record{}, fmt.Errorf("outbox: seal: %w", err)
	}
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
		if sub.IDNumber != "" {
			key := append(residentKey(s.opt.Secret, sub.IDNumber), seqKey(seq)...)
			return tx.Bucket(bucketResidents).Put(key, nil)
		}
		return nil
	}) // bbolt fsyncs the commit before Update returns
	if err != nil {
		return Record{}, fmt.Errorf("outbox: store: %w", err)
	}
	return rec, nil
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

// OpenAttachment opens an attachment's sealed bytes for sending or export.
// The file's name is the SHA-256 of those bytes: the district stores it
// by that hash.
func (s *Store) OpenAttachment(ref AttachmentRef) (*os.File, error) {
	f, err := os.Open(s.AttachmentPath(ref))
	if err != nil {
		return nil, fmt.Errorf("outbox: attachment %s: %w", ref.File, err)
	}
	return f, nil
}

// AttachmentPath is where an attachment's sealed bytes are.
func (s *Store) AttachmentPath(ref AttachmentRef) string {
	return filepath.Join(s.attDir, filepath.Base(ref.File))
}
