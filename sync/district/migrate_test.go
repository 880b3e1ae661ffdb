package district

import (
	"bufio"
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// legacyStore is a district store as version 1 left it: records keyed by
// id alone, blobs shared in blobs/.
type legacyStore struct {
	dir     string
	records []Stored
	blobs   map[string][]byte // by SHA-256: what each stored record's attachments hold
}

// writeLegacyStore makes a version-1 store in a new folder: n records from
// two terminals, every third with an attachment, one attachment named by
// both terminals; beside them an unfinished upload and a blob no record
// named, which version 1 kept too.
func writeLegacyStore(t testing.TB, n int) legacyStore {
	t.Helper()
	dir := t.TempDir()
	d, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ls := legacyStore{dir: dir, blobs: map[string][]byte{}}
	shared := sealed(t, d, "a photo both terminals named")
	for i := range n {
		terminal := []string{"HALL-1", "HALL-2"}[i%2]
		r := protocol.Record{ID: fmt.Sprintf("019ac3f2-0000-7000-8000-%012d", i), Seq: uint64(i + 1), Kind: "application",
			Created: time.Now().UTC().Add(time.Duration(i) * time.Second), Sealed: sealed(t, d, fmt.Sprintf("record %d", i))}
		var blob []byte
		switch {
		case i < 2:
			blob = shared
		case i%3 == 0:
			blob = sealed(t, d, fmt.Sprintf("photo of record %d", i))
		}
		if blob != nil {
			r.Attachments = []protocol.Attachment{{Name: "photo", SHA256: hash(blob), Size: int64(len(blob))}}
			ls.blobs[hash(blob)] = blob
		}
		ls.records = append(ls.records, Stored{Terminal: terminal, Record: r, Received: r.Created, Via: "sync", State: "received", Updated: r.Created})
	}
	d.Close()

	db, err := bolt.Open(filepath.Join(dir, "district.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketRecords); err != nil {
			return err
		}
		b, err := tx.CreateBucket(legacyRecords)
		if err != nil {
			return err
		}
		for _, s := range ls.records {
			if err := putJSON(boltBucket{b}, []byte(s.Record.ID), s); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keyVersion, []byte("1"))
	})
	if err == nil {
		err = db.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	blobs := filepath.Join(dir, "blobs")
	write := func(path string, data []byte) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for h, b := range ls.blobs {
		write(filepath.Join(blobs, h[:2], h), b)
	}
	orphan := []byte("a blob whose record never came")
	write(filepath.Join(blobs, hash(orphan)[:2], hash(orphan)), orphan)
	write(filepath.Join(blobs, "partial", hash([]byte("unfinished"))), []byte("unfin"))
	os.RemoveAll(filepath.Join(dir, "attachments"))
	return ls
}

// check opens the store and finds everything version 1 held, kept by
// terminal, every attachment opening with the district's key.
func (ls legacyStore) check(t *testing.T) {
	t.Helper()
	d, err := Open(Options{Dir: ls.dir})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	all, err := d.Records("")
	if err != nil || len(all) != len(ls.records) {
		t.Fatalf("%d records after the migration (%v), want %d", len(all), err, len(ls.records))
	}
	for _, want := range ls.records {
		got, err := d.Record(want.Ref())
		if err != nil {
			t.Fatalf("%s: %v", want.Ref(), err)
		}
		if !bytes.Equal(got.Record.Sealed, want.Record.Sealed) || got.State != want.State {
			t.Fatalf("%s changed in the migration", want.Ref())
		}
		for _, a := range got.Record.Attachments {
			var plain bytes.Buffer
			if err := d.OpenAttachment(got, a, &plain); err != nil {
				t.Fatalf("%s's attachment: %v", want.Ref(), err)
			}
		}
	}
	err = d.db.View(func(tx Tx) error {
		if tx.Bucket(legacyRecords) != nil {
			return fmt.Errorf("the version-1 bucket is still there")
		}
		if v := string(tx.Bucket(bucketMeta).Get(keyVersion)); v != storeVersion {
			return fmt.Errorf("store version %s", v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(ls.dir, "blobs")); !os.IsNotExist(err) {
		t.Fatalf("blobs/ is still there: %v", err)
	}
	// A record sent again after the migration is the same record.
	res, err := d.Ingest(ls.records[0].Terminal, "sync", []protocol.Record{ls.records[0].Record})
	if err != nil || res[0].Status != protocol.Duplicate {
		t.Fatalf("a migrated record sent again: %+v %v", res, err)
	}
}

func TestMigrateVersion1(t *testing.T) {
	ls := writeLegacyStore(t, 30)
	var log bytes.Buffer
	d, err := Open(Options{Dir: ls.dir, Log: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	if !strings.Contains(log.String(), "records_moved=30") || !strings.Contains(log.String(), "attachments_lost=0") {
		t.Fatalf("the migration's log:\n%s", log.String())
	}
	ls.check(t)
	// The blob both terminals named is each one's own.
	for _, terminal := range []string{"HALL-1", "HALL-2"} {
		if _, err := os.Stat(filepath.Join(ls.dir, "attachments", terminal, dirFiled, ls.records[0].Record.Attachments[0].SHA256)); err != nil {
			t.Errorf("%s: %v", terminal, err)
		}
	}
}

// TestMigrationSurvivesKill kills districtd (a child process running the
// migration) with SIGKILL at points inside each step, then opens the store
// again: the migration goes on and nothing is lost. A districtd that knows
// only version 1 would have refused the half-migrated store.
func TestMigrationSurvivesKill(t *testing.T) {
	if dir := os.Getenv("YIZHAN_MIGRATE_DIR"); dir != "" {
		migrateChild(dir, os.Getenv("YIZHAN_MIGRATE_KILL_AT"))
		return
	}
	for _, at := range []string{"records:1", "records:4", "attachment:1", "attachment:7"} {
		t.Run(at, func(t *testing.T) {
			ls := writeLegacyStore(t, 60)
			cmd := exec.Command(os.Args[0], "-test.run=^TestMigrationSurvivesKill$")
			cmd.Env = append(os.Environ(), "YIZHAN_MIGRATE_DIR="+ls.dir, "YIZHAN_MIGRATE_KILL_AT="+at)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			killed := false
			lines := bufio.NewScanner(out)
			for lines.Scan() {
				if lines.Text() == "at "+at {
					cmd.Process.Kill() // SIGKILL
					killed = true
					break
				}
			}
			cmd.Wait()
			if !killed {
				t.Fatalf("the migration never reached %s", at)
			}
			db, err := bolt.Open(filepath.Join(ls.dir, "district.db"), 0o600, &bolt.Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			db.View(func(tx *bolt.Tx) error {
				if v := string(tx.Bucket(bucketMeta).Get(keyVersion)); v != migratingVersion {
					t.Errorf("killed mid-migration, the store says version %q", v)
				}
				return nil
			})
			db.Close()
			ls.check(t)
		})
	}
}

// migrateChild opens the store in dir with a small migration chunk and
// says where it is after each unit of work, then waits at killAt to be
// killed.
func migrateChild(dir, killAt string) {
	migrateChunk = 10
	seen := map[string]int{}
	migrateStep = func(what string) {
		seen[what]++
		here := fmt.Sprintf("%s:%d", what, seen[what])
		fmt.Println("at " + here)
		if here == killAt {
			time.Sleep(time.Minute)
		}
	}
	d, err := Open(Options{Dir: dir})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	d.Close()
}

// BenchmarkMigrateVersion1 times Open on a version-1 store of 20,000
// records from two terminals, a third of them with an attachment: how long
// a district's first start on the new version keeps terminals waiting.
func BenchmarkMigrateVersion1(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		ls := writeLegacyStore(b, 20_000)
		b.StartTimer()
		d, err := Open(Options{Dir: ls.dir})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		d.Close()
		b.StartTimer()
	}
}
