package outbox

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"
)

func TestDiskBudget(t *testing.T) {
	dir := t.TempDir()
	key := districtKey(t)
	secret, _ := LoadOrCreateSecret(filepath.Join(dir, "index.key"))
	open := func() *Store {
		s, err := Open(Options{Dir: dir, Recipients: []age.Recipient{key.Recipient()}, Secret: secret, Budget: 200 << 10})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open()
	ctx := context.Background()
	doc := bytes.Repeat([]byte{1}, 40<<10)
	var queued []Record
	for {
		r, err := s.Submit(ctx, Submission{Kind: Application, Personal: []byte("p"), Attachments: []Attachment{{Name: "doc", Data: bytes.NewReader(doc)}}})
		if errors.Is(err, ErrFull) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		queued = append(queued, r)
		if len(queued) > 20 {
			t.Fatal("the budget never filled")
		}
	}
	u := s.Usage()
	if !u.Full || !u.Near || u.Used < u.Budget {
		t.Fatalf("usage %+v at refusal", u)
	}
	// Without attachments a rating still goes in; nothing queued was dropped.
	if _, err := s.Submit(ctx, Submission{Kind: Rating, Personal: []byte("5")}); err != nil {
		t.Fatalf("rating refused at the budget: %v", err)
	}
	for _, r := range queued {
		if _, err := s.Get(r.ID); err != nil {
			t.Fatalf("queued record %d lost: %v", r.Seq, err)
		}
	}
	// The usage survives a reopen, and acknowledgements free the room.
	s.Close()
	s = open()
	defer s.Close()
	if !s.Usage().Full {
		t.Fatal("usage forgotten after reopen")
	}
	for _, r := range queued[:3] {
		if _, err := s.Acknowledge(r.ID); err != nil {
			t.Fatal(err)
		}
	}
	if s.Usage().Full {
		t.Fatalf("usage %+v after three acknowledgements", s.Usage())
	}
	if _, err := s.Submit(ctx, Submission{Kind: Application, Attachments: []Attachment{{Name: "doc", Data: bytes.NewReader(doc)}}}); err != nil {
		t.Fatalf("after draining: %v", err)
	}
}

func TestCorruptStoreIsMovedAside(t *testing.T) {
	dir := t.TempDir()
	key := districtKey(t)
	s := openStore(t, dir, key)
	for i := 0; i < 50; i++ {
		scan := []byte("scan") // held in outbox.db
		if i%10 == 0 {
			scan = bytes.Repeat(scan, inlineMax/4+1) // too large for that: a file
		}
		s.Submit(context.Background(), Submission{Kind: Application, Personal: bytes.Repeat([]byte("x"), 3000),
			Attachments: []Attachment{{Name: "a", Data: bytes.NewReader(scan)}}})
	}
	if s.Recovered() != "" {
		t.Fatal("a fresh store says it was recovered")
	}
	s.Close()

	// Scribble over the middle of the file, as a failing disk would, from
	// the first page in use at a third of it: damage to a free page is
	// harmless, and no read would notice it.
	path := filepath.Join(dir, "outbox.db")
	from := firstPageInUse(t, path, 1.0/3)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := from; i < from+8192 && i < len(data); i++ {
		data[i] = byte(i * 7)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}

	s = openStore(t, dir, key)
	defer s.Close()
	why := s.Recovered()
	if why == "" || !strings.Contains(why, "outbox.db.corrupt-") {
		t.Fatalf("corruption not reported: %q", why)
	}
	moved, _ := filepath.Glob(filepath.Join(dir, "outbox.db.corrupt-*"))
	keptAtt, _ := filepath.Glob(filepath.Join(dir, "attachments.corrupt-*", "*.age"))
	if len(moved) != 1 || len(keptAtt) != 5 {
		t.Fatalf("moved aside: %v and %d attachment files, want the old file and all 5 (the other 45 are in it)", moved, len(keptAtt))
	}
	if old, _ := os.ReadFile(moved[0]); !bytes.Equal(old, data) {
		t.Fatal("the corrupt file was changed, not kept as it was")
	}
	// The fresh store works.
	if _, err := s.Submit(context.Background(), Submission{Kind: Event, Personal: []byte("recovered")}); err != nil {
		t.Fatal(err)
	}
}

// firstPageInUse returns the offset of the first leaf or branch page in
// use at or after the given share of the store file.
func firstPageInUse(t *testing.T, path string, share float64) int {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, PreLoadFreelist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	size := db.Info().PageSize
	off := -1
	db.View(func(tx *bolt.Tx) error {
		for id := int(share * float64(tx.Size()) / float64(size)); off < 0; id++ {
			p, err := tx.Page(id)
			if err != nil || p == nil {
				return err
			}
			if p.Type == "leaf" || p.Type == "branch" {
				off = id * size
			}
		}
		return nil
	})
	if off < 0 {
		t.Fatal("no page in use past a third of the store")
	}
	return off
}

func TestNewerStoreVersionRefused(t *testing.T) {
	dir := t.TempDir()
	key := districtKey(t)
	s := openStore(t, dir, key)
	s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keyVersion, []byte{byte(storeVersion() + 1)})
	})
	s.Close()
	secret, _ := LoadOrCreateSecret(filepath.Join(dir, "index.key"))
	if _, err := Open(Options{Dir: dir, Recipients: []age.Recipient{key.Recipient()}, Secret: secret}); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("a newer store opened: %v", err)
	}
	// The technician's tool refuses it too, reading or writing (an export
	// would otherwise mark the newer terminal's records as exported).
	if r, err := OpenReader(dir, 0); !errors.Is(err, errNewer) {
		if r != nil {
			r.Close()
		}
		t.Fatalf("read-only, a newer store: %v", err)
	}
	if m, err := OpenMaintenance(dir, 0); !errors.Is(err, errNewer) {
		if m != nil {
			m.Close()
		}
		t.Fatalf("for maintenance, a newer store: %v", err)
	}
	db, err := bolt.Open(filepath.Join(dir, "outbox.db"), 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketMeta).Get(keyVersion); len(v) != 1 || int(v[0]) != storeVersion()+1 {
			t.Errorf("the newer store's version became %v", v)
		}
		return nil
	})
}

// Damage in many places and shapes: the store either opens as it was (the
// damage hit free space) or is moved aside; the process never dies, and the
// store works afterwards.
func TestCorruptionNeverCrashes(t *testing.T) {
	key := districtKey(t)
	dir := t.TempDir()
	s := openStore(t, dir, key)
	for i := 0; i < 80; i++ {
		s.Submit(context.Background(), Submission{Kind: Application, Personal: bytes.Repeat([]byte{byte(i)}, 2000), IDNumber: residentID})
	}
	s.Close()
	pristine, err := os.ReadFile(filepath.Join(dir, "outbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	secret, _ := os.ReadFile(filepath.Join(dir, "index.key"))
	moved := 0
	for v := 0; v < 40; v++ {
		d := t.TempDir()
		data := append([]byte(nil), pristine...)
		off := (v * 7919 * 4096 / 13) % len(data)
		n := []int{1, 16, 512, 4096}[v%4]
		for i := off; i < off+n && i < len(data); i++ {
			data[i] ^= byte(0x5A + v + i)
		}
		os.WriteFile(filepath.Join(d, "outbox.db"), data, 0o600)
		os.WriteFile(filepath.Join(d, "index.key"), secret, 0o600)
		st, err := Open(Options{Dir: d, Recipients: []age.Recipient{key.Recipient()}, Secret: secret})
		if err != nil {
			t.Fatalf("variant %d (offset %d, %d bytes): %v", v, off, n, err)
		}
		if st.Recovered() != "" {
			moved++
		}
		if _, err := st.Submit(context.Background(), Submission{Kind: Event, Personal: []byte("after")}); err != nil {
			t.Fatalf("variant %d: store unusable: %v", v, err)
		}
		st.Close()
	}
	t.Logf("%d of 40 damaged stores were moved aside; the rest opened: the damage hit free space or bytes that still decode (a sealed part so damaged fails its authentication at the district)", moved)
	if moved == 0 {
		t.Fatal("no damage was ever detected")
	}
}

func TestMigrationRunsOnceAndWhole(t *testing.T) {
	dir := t.TempDir()
	key := districtKey(t)
	s := openStore(t, dir, key)
	rec, _ := s.Submit(context.Background(), Submission{Kind: Application, Personal: []byte("p")})
	s.Close()

	saved := migrations
	defer func() { migrations = saved }()
	runs := 0
	migrations = append(append([]func(*bolt.Tx) error(nil), saved...), func(tx *bolt.Tx) error {
		runs++
		_, err := tx.CreateBucket([]byte("added-in-v2"))
		return err
	})
	s = openStore(t, dir, key)
	err := s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte("added-in-v2")) == nil {
			return errors.New("migration's bucket missing")
		}
		if v := tx.Bucket(bucketMeta).Get(keyVersion); int(v[0]) != storeVersion() {
			return errors.New("version not raised")
		}
		return nil
	})
	if err != nil || runs != 1 {
		t.Fatalf("after migrating: %v, %d runs", err, runs)
	}
	if _, err := s.Get(rec.ID); err != nil {
		t.Fatalf("record lost in migration: %v", err)
	}
	s.Close()
	s = openStore(t, dir, key) // already migrated: nothing runs again
	s.Close()
	if runs != 1 {
		t.Fatalf("migration ran %d times", runs)
	}

	// A failing migration leaves the store as it was.
	migrations = append(migrations, func(tx *bolt.Tx) error {
		tx.CreateBucket([]byte("half-done"))
		return errors.New("disk says no")
	})
	secret, _ := LoadOrCreateSecret(filepath.Join(dir, "index.key"))
	if _, err := Open(Options{Dir: dir, Recipients: []age.Recipient{key.Recipient()}, Secret: secret}); err == nil {
		t.Fatal("a failed migration opened the store")
	}
	migrations = migrations[:len(migrations)-1]
	s = openStore(t, dir, key)
	defer s.Close()
	s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte("half-done")) != nil {
			t.Error("a failed migration left half its work")
		}
		return nil
	})
}
