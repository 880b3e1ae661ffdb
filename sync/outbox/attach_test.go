package outbox

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/yizhan-kiosk/yizhan/sync/durable"
)

// readAttachment reads an attachment's sealed bytes back and checks they
// hash to its name, as the district will.
func readAttachment(t *testing.T, s *Store, ref AttachmentRef) []byte {
	t.Helper()
	r, err := s.OpenAttachment(ref)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	sealed, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(sealed)
	if ref.File != hex.EncodeToString(sum[:])+".age" || ref.Size != int64(len(sealed)) {
		t.Fatalf("attachment %s: %d sealed bytes hash to %x", ref.File, len(sealed), sum)
	}
	return sealed
}

// heldCount is how many attachments the store holds in outbox.db.
func heldCount(tx *bolt.Tx) int {
	n := 0
	tx.Bucket(bucketAttachments).ForEach(func(_, _ []byte) error { n++; return nil })
	return n
}

func attachmentFiles(t *testing.T, dir string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "attachments", "*"))
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// Small attachments are held in outbox.db, large ones in files; either way
// they are named by the hash of their sealed bytes, read back with
// OpenAttachment, exported, and purged with their record.
func TestAttachmentsHeldInStoreOrFile(t *testing.T) {
	dir := t.TempDir()
	key := districtKey(t)
	s := openStore(t, dir, key)
	defer s.Close()
	small := bytes.Repeat([]byte("s"), 200<<10)
	large := bytes.Repeat([]byte("L"), inlineMax+1)
	rec, err := s.Submit(context.Background(), Submission{Kind: Application, Personal: []byte("p"),
		Attachments: []Attachment{{Name: "small", Data: bytes.NewReader(small)}, {Name: "large", Data: bytes.NewReader(large)}}})
	if err != nil {
		t.Fatal(err)
	}
	files := attachmentFiles(t, dir)
	if len(files) != 1 || filepath.Base(files[0]) != rec.Attachments[1].File {
		t.Fatalf("files %v, want only the large attachment's", files)
	}
	if !bytes.Equal(unseal(t, key, bytes.NewReader(readAttachment(t, s, rec.Attachments[0]))), small) ||
		!bytes.Equal(unseal(t, key, bytes.NewReader(readAttachment(t, s, rec.Attachments[1]))), large) {
		t.Fatal("an attachment does not open to what was submitted")
	}

	// One submission holds about inlinePerSubmission in memory: of six
	// attachments of 200 KB, the ones past that go to files.
	var six []Attachment
	for range 6 {
		six = append(six, Attachment{Name: "page", Data: bytes.NewReader(small)})
	}
	many, err := s.Submit(context.Background(), Submission{Kind: Application, Personal: []byte("p"), Attachments: six})
	if err != nil {
		t.Fatal(err)
	}
	held := inlinePerSubmission / inlineMax // each keeps a buffer of inlineMax
	if n := len(attachmentFiles(t, dir)); held >= 6 || n != 1+6-held {
		t.Fatalf("%d files after six 200 KB attachments, want %d", n, 1+6-held)
	}
	for i, a := range many.Attachments {
		if !bytes.Equal(unseal(t, key, bytes.NewReader(readAttachment(t, s, a))), small) {
			t.Fatalf("page %d does not open to what was submitted", i)
		}
	}

	// Export copies both kinds, and the district reads them back.
	out, _, err := s.Export(t.TempDir(), "HALL-0007", nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ReadExport(out)
	if err != nil || len(m.Records) != 2 || len(m.Records[0].Attachments) != 2 {
		t.Fatalf("export: %+v %v", m, err)
	}
	exported, _ := os.ReadFile(filepath.Join(out, m.Records[0].Attachments[0].Path))
	if !bytes.Equal(unseal(t, key, bytes.NewReader(exported)), small) {
		t.Fatal("exported held attachment does not open to what was submitted")
	}

	// Acknowledgement purges both kinds, and the room comes back.
	before := s.Usage().Used
	for _, r := range []Record{rec, many} {
		if _, err := s.Acknowledge(r.ID); err != nil {
			t.Fatal(err)
		}
		for _, a := range r.Attachments {
			if _, err := s.OpenAttachment(a); err == nil {
				t.Fatalf("attachment %s survived its acknowledgement", a.Name)
			}
		}
	}
	if files := attachmentFiles(t, dir); len(files) != 0 {
		t.Fatalf("files left after acknowledgement: %v", files)
	}
	s.db.View(func(tx *bolt.Tx) error {
		if n := heldCount(tx); n != 0 {
			t.Errorf("%d attachments left in the store after acknowledgement", n)
		}
		return nil
	})
	if after := s.Usage().Used; before-after < int64(len(small)+len(large)+6*len(small)) {
		t.Fatalf("usage %d before the acknowledgements, %d after", before, after)
	}
}

// However large an attachment, sealing it holds at most inlineMax of it in
// memory: the rest streams to its file.
func TestLargeAttachmentStreams(t *testing.T) {
	dir := t.TempDir()
	key := districtKey(t)
	s := openStore(t, dir, key)
	defer s.Close()
	const size = 16 << 20
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	rec, err := s.Submit(context.Background(), Submission{Kind: Application, Personal: []byte("p"),
		Attachments: []Attachment{{Name: "scan", Data: io.LimitReader(zeros{}, size)}}})
	runtime.ReadMemStats(&m1)
	if err != nil {
		t.Fatal(err)
	}
	if alloc := m1.TotalAlloc - m0.TotalAlloc; alloc > 4<<20 {
		t.Fatalf("sealing a %d MiB attachment allocated %d KiB", size>>20, alloc>>10)
	}
	f, err := s.OpenAttachment(rec.Attachments[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := unseal(t, key, f); len(got) != size || !bytes.Equal(got[:4096], make([]byte, 4096)) {
		t.Fatal("the large attachment does not open to what was submitted")
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// Damage to an attachment held in outbox.db is found when the store opens
// (it is checked against its hash), and the store is moved aside like any
// other damaged store.
func TestDamagedHeldAttachmentIsCaughtAtOpen(t *testing.T) {
	dir := t.TempDir()
	key := districtKey(t)
	s := openStore(t, dir, key)
	rec, err := s.Submit(context.Background(), Submission{Kind: Application, Personal: []byte("p"),
		Attachments: []Attachment{{Name: "photo", Data: bytes.NewReader(bytes.Repeat([]byte("f"), 100<<10))}}})
	if err != nil {
		t.Fatal(err)
	}
	sealed := readAttachment(t, s, rec.Attachments[0])
	s.Close()

	path := filepath.Join(dir, "outbox.db")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(data, sealed)
	if at < 0 {
		t.Fatal("the sealed attachment is not in the store file")
	}
	data[at+len(sealed)/2] ^= 0x01
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, dir, key)
	defer s.Close()
	if why := s.Recovered(); !strings.Contains(why, "does not match its hash") {
		t.Fatalf("damaged attachment not caught at open: %q", why)
	}
}

// A version 1 store (every attachment in a file) opens migrated: its
// attachments are still found where they are, and new small ones are held
// in the store.
func TestMigrationFromVersion1(t *testing.T) {
	dir := t.TempDir()
	key := districtKey(t)
	s := openStore(t, dir, key)
	// Make the store as version 1 wrote it: the attachment in a file, no
	// attachments bucket, version 1.
	var old Record
	err := func() error {
		sa, err := sealAttachment(s.attDir, s.opt.Recipients, strings.NewReader("old scan"), 0) // a limit of 0: a file
		if err != nil {
			return err
		}
		if err := durable.SyncDir(s.attDir); err != nil {
			return err
		}
		sa.ref.Name = "scan"
		old, err = s.Submit(context.Background(), Submission{Kind: Application, Personal: []byte("old")})
		if err != nil {
			return err
		}
		old.Attachments = []AttachmentRef{sa.ref}
		return s.db.Update(func(tx *bolt.Tx) error {
			data, _ := json.Marshal(old)
			if err := tx.Bucket(bucketRecords).Put(seqKey(old.Seq), data); err != nil {
				return err
			}
			if err := tx.DeleteBucket(bucketAttachments); err != nil {
				return err
			}
			return tx.Bucket(bucketMeta).Put(keyVersion, []byte{1})
		})
	}()
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = openStore(t, dir, key)
	defer s.Close()
	s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketMeta).Get(keyVersion); int(v[0]) != storeVersion() || storeVersion() != 2 {
			t.Errorf("version %v after opening a version 1 store", v)
		}
		return nil
	})
	if got := unseal(t, key, bytes.NewReader(readAttachment(t, s, old.Attachments[0]))); string(got) != "old scan" {
		t.Fatalf("version 1 attachment opens to %q", got)
	}
	if len(attachmentFiles(t, dir)) != 1 {
		t.Fatal("the version 1 attachment file did not survive the migration")
	}
	rec, err := s.Submit(context.Background(), Submission{Kind: Application, Personal: []byte("new"),
		Attachments: []Attachment{{Name: "scan", Data: strings.NewReader("new scan")}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(attachmentFiles(t, dir)) != 1 {
		t.Fatal("a small attachment went to a file after the migration")
	}
	if got := unseal(t, key, bytes.NewReader(readAttachment(t, s, rec.Attachments[0]))); string(got) != "new scan" {
		t.Fatalf("new attachment opens to %q", got)
	}
	// Acknowledging the old record removes its file.
	if _, err := s.Acknowledge(old.ID); err != nil {
		t.Fatal(err)
	}
	if files := attachmentFiles(t, dir); len(files) != 0 {
		t.Fatalf("version 1 file left after acknowledgement: %v", files)
	}
	if _, err := s.OpenAttachment(old.Attachments[0]); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("purged version 1 attachment: %v", err)
	}
}

// Many small attachments in one submission are all held in outbox.db: each
// keeps only its own bytes, not a whole buffer.
func TestManySmallAttachmentsHeld(t *testing.T) {
	dir := t.TempDir()
	key := districtKey(t)
	s := openStore(t, dir, key)
	defer s.Close()
	var atts []Attachment
	for i := range 20 {
		atts = append(atts, Attachment{Name: "page", Data: bytes.NewReader(bytes.Repeat([]byte{byte(i)}, 1000))})
	}
	rec, err := s.Submit(context.Background(), Submission{Kind: Application, Personal: []byte("p"), Attachments: atts})
	if err != nil {
		t.Fatal(err)
	}
	if files := attachmentFiles(t, dir); len(files) != 0 {
		t.Fatalf("%d of 20 small attachments went to files", len(files))
	}
	for i, a := range rec.Attachments {
		if got := unseal(t, key, bytes.NewReader(readAttachment(t, s, a))); !bytes.Equal(got, bytes.Repeat([]byte{byte(i)}, 1000)) {
			t.Fatalf("page %d does not open to what was submitted", i)
		}
	}
}
