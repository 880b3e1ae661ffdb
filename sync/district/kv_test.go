package district

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"filippo.io/age"

	"github.com/yizhan-kiosk/yizhan/sync/district/pgtest"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// onStore is opt with the store the tests run on: bbolt in opt.Dir, or,
// with YIZHAN_DISTRICT_STORE=postgres (make test runs the package's tests
// both ways), a fresh PostgreSQL database.
func onStore(tb testing.TB, opt Options) Options {
	if os.Getenv("YIZHAN_DISTRICT_STORE") == "postgres" {
		opt.Store = pgtest.Database(tb)
	}
	return opt
}

// The store's contract (kv.go), held by each implementation alike.

func eachStore(t *testing.T, f func(t *testing.T, s store)) {
	t.Run("bbolt", func(t *testing.T) {
		s, err := openBolt(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		f(t, s)
	})
	t.Run("postgres", func(t *testing.T) {
		s, err := openPostgres(context.Background(), pgtest.Database(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		f(t, s)
	})
}

func be64(n int) []byte { return binary.BigEndian.AppendUint64(nil, uint64(n)) }

func TestStoreBucketsKeysAndCursors(t *testing.T) {
	eachStore(t, func(t *testing.T, s store) {
		const n = 5000 // more than a cursor's pages
		err := s.Update(func(tx Tx) error {
			if tx.Bucket([]byte("top")) != nil {
				return errors.New("a bucket before it was made")
			}
			top, err := tx.CreateBucketIfNotExists([]byte("top"))
			if err != nil {
				return err
			}
			if _, err := tx.CreateBucket([]byte("top")); err == nil {
				return errors.New("CreateBucket of one that exists")
			}
			for i := n - 1; i >= 0; i-- { // out of order: the store sorts
				if err := top.Put(be64(i), []byte(fmt.Sprint(i))); err != nil {
					return err
				}
			}
			if err := top.Put(nil, []byte("x")); err == nil {
				return errors.New("an empty key taken")
			}
			for _, name := range []string{"b", "a", "c"} {
				nb, err := top.CreateBucketIfNotExists([]byte(name))
				if err != nil {
					return err
				}
				if err := nb.Put([]byte("k"), []byte(name)); err != nil {
					return err
				}
			}
			return top.Put(be64(7), nil) // an empty value
		})
		if err != nil {
			t.Fatal(err)
		}
		err = s.View(func(tx Tx) error {
			top := tx.Bucket([]byte("top"))
			if v := top.Get(be64(42)); string(v) != "42" {
				return fmt.Errorf("Get 42: %q", v)
			}
			if v := top.Get(be64(7)); v == nil || len(v) != 0 {
				return fmt.Errorf("an empty value reads %v", v)
			}
			if top.Get(be64(n)) != nil {
				return errors.New("a missing key has a value")
			}
			c := top.Cursor()
			i := 0
			for k, _ := c.First(); k != nil; k, _ = c.Next() {
				if !bytes.Equal(k, be64(i)) {
					return fmt.Errorf("forward: key %d is %x", i, k)
				}
				i++
			}
			if i != n {
				return fmt.Errorf("forward: %d keys", i)
			}
			for k, _ := c.Last(); k != nil; k, _ = c.Prev() {
				i--
				if !bytes.Equal(k, be64(i)) {
					return fmt.Errorf("backward: key %d is %x", i, k)
				}
			}
			if k, v := c.Seek(append(be64(99), 0)); !bytes.Equal(k, be64(100)) || string(v) != "100" {
				return fmt.Errorf("Seek after 99: %x %q", k, v)
			}
			if k, _ := c.Prev(); !bytes.Equal(k, be64(99)) {
				return fmt.Errorf("Prev after the seek: %x", k)
			}
			if k, _ := c.Next(); !bytes.Equal(k, be64(100)) {
				return fmt.Errorf("Next after Prev: %x", k)
			}
			if k, _ := c.Seek(be64(n)); k != nil {
				return fmt.Errorf("Seek past the end: %x", k)
			}
			var names []string
			top.ForEachBucket(func(name []byte) error { names = append(names, string(name)); return nil })
			if fmt.Sprint(names) != "[a b c]" || string(top.Bucket([]byte("b")).Get([]byte("k"))) != "b" {
				return fmt.Errorf("nested buckets: %v", names)
			}
			count := 0
			top.ForEach(func(k, v []byte) error { count++; return nil })
			if count != n {
				return fmt.Errorf("ForEach saw %d values (nested buckets are not values)", count)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// Deleting a bucket takes its nested ones; a failed Update leaves
		// nothing behind.
		s.Update(func(tx Tx) error { return tx.DeleteBucket([]byte("top")) })
		boom := errors.New("boom")
		if err := s.Update(func(tx Tx) error {
			b, _ := tx.CreateBucketIfNotExists([]byte("kept?"))
			b.Put([]byte("k"), []byte("v"))
			return boom
		}); !errors.Is(err, boom) {
			t.Fatalf("the failed update: %v", err)
		}
		s.View(func(tx Tx) error {
			if tx.Bucket([]byte("top")) != nil || tx.Bucket([]byte("kept?")) != nil {
				t.Error("a deleted or rolled-back bucket is there")
			}
			return nil
		})
	})
}

// TestStoreUpdatesAreSerializable: updates that all read and write one
// counter, from many goroutines at once (on PostgreSQL, many connections,
// as replicas would), lose none of each other's increments, and sequences
// hand out every number once.
func TestStoreUpdatesAreSerializable(t *testing.T) {
	eachStore(t, func(t *testing.T, s store) {
		s.Update(func(tx Tx) error {
			_, err := tx.CreateBucketIfNotExists([]byte("c"))
			return err
		})
		const workers, each = 8, 25
		var wg sync.WaitGroup
		var mu sync.Mutex
		seen := map[uint64]bool{}
		errs := make(chan error, workers)
		for range workers {
			wg.Go(func() {
				for range each {
					var got uint64
					err := s.Update(func(tx Tx) error {
						b := tx.Bucket([]byte("c"))
						n := 0
						if v := b.Get([]byte("n")); v != nil {
							n = int(binary.BigEndian.Uint64(v))
						}
						if err := b.Put([]byte("n"), be64(n+1)); err != nil {
							return err
						}
						var err error
						got, err = b.NextSequence()
						return err
					})
					if err != nil {
						errs <- err
						return
					}
					mu.Lock()
					if seen[got] {
						errs <- fmt.Errorf("sequence %d handed out twice", got)
					}
					seen[got] = true
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		s.View(func(tx Tx) error {
			if n := binary.BigEndian.Uint64(tx.Bucket([]byte("c")).Get([]byte("n"))); n != workers*each {
				t.Errorf("the counter is %d after %d increments", n, workers*each)
			}
			return nil
		})
	})
}

// TestMigrateToPostgres: a district with records, ratings, cases, staff
// and its audit trail moves to PostgreSQL whole — every bucket's keys and
// sequences, checked by hash — and opens there from its folder, carrying
// on where it was: the next audit event is chained to the last one moved.
func TestMigrateToPostgres(t *testing.T) {
	dir := t.TempDir()
	clk := &clock{now: friday}
	d, err := Open(Options{Dir: dir, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	ingestOne(t, d, "HALL-1", kioskRecord(t, d, 1, "application", "SB-001", "R-1", `{}`, friday))
	rating := kioskRecord(t, d, 2, "rating", "SB-001", "R-1", `{"level":1,"reason":"慢"}`, friday)
	ingestOne(t, d, "HALL-2", rating)
	d.AddStaff(CommandLine, "li", RoleStaff, "correct horse 42")
	d.SetStatus("li", "", RecordRef{ID: seqID(1)}, "accepted", "")
	before, _ := d.Inbox(InboxQuery{})
	d.Close()

	dsn := pgtest.Database(t)
	rep, err := MigrateToPostgres(dir, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Keys == 0 || rep.ByTop["terminal_records"] != 2 {
		t.Fatalf("report: %+v", rep)
	}
	if _, err := os.Stat(filepath.Join(dir, "district.db.before-postgres")); err != nil {
		t.Fatal("district.db was not kept aside")
	}
	if _, err := MigrateToPostgres(dir, dsn, nil); err == nil {
		t.Fatal("migrated twice")
	}

	d, err = Open(Options{Dir: dir, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	after, _ := d.Inbox(InboxQuery{})
	if len(after.Items) != 1 || after.Items[0] != before.Items[0] || after.Counts["accepted"] != 1 {
		t.Fatalf("inbox on PostgreSQL: %+v, was %+v", after, before)
	}
	if _, err := d.StaffLogin("li", "correct horse 42", "", ""); err != nil {
		t.Fatalf("a login after the move: %v", err)
	}
	if err := d.VerifyAuditTrail(); err != nil {
		t.Fatalf("the audit trail after the move and a login: %v", err)
	}
	if res := ingestOne(t, d, "HALL-2", rating); res.Status != protocol.Duplicate {
		t.Fatalf("a record sent again after the move: %+v", res)
	}
	// A database that holds a district is refused.
	other := t.TempDir()
	o, _ := Open(Options{Dir: other})
	o.Close()
	if _, err := MigrateToPostgres(other, dsn, nil); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("into a database in use: %v", err)
	}
}

// TestReplicasShareTheDistrictsSecrets: a second replica on the same
// database is refused until its folder holds the first one's replica key,
// then serves with the same CA and keys; the database holds them sealed.
func TestReplicasShareTheDistrictsSecrets(t *testing.T) {
	dsn := pgtest.Database(t)
	first := t.TempDir()
	a, err := Open(Options{Dir: first, Store: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	second := t.TempDir()
	if _, err := Open(Options{Dir: second, Store: dsn}); err == nil || !strings.Contains(err.Error(), "copy "+ReplicaKeyFile) {
		t.Fatalf("a replica without the key: %v", err)
	}
	key, _ := os.ReadFile(filepath.Join(first, ReplicaKeyFile))
	os.WriteFile(filepath.Join(second, ReplicaKeyFile), key, 0o600)
	b, err := Open(Options{Dir: second, Store: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if !bytes.Equal(a.CA(), b.CA()) || a.Recipients()[0] != b.Recipients()[0] || !a.CatalogKey().Equal(b.CatalogKey()) {
		t.Fatal("the replicas hold different keys")
	}
	a.db.View(func(tx Tx) error {
		return tx.Bucket(bucketSecrets).ForEach(func(k, v []byte) error {
			if bytes.Contains(v, []byte("PRIVATE KEY")) || bytes.Contains(v, []byte("AGE-SECRET-KEY")) {
				t.Errorf("%s is in the database in the clear", k)
			}
			return nil
		})
	})
	// A key of another district opens nothing.
	third := t.TempDir()
	foreign, _ := age.GenerateX25519Identity()
	os.WriteFile(filepath.Join(third, ReplicaKeyFile), []byte(foreign.String()+"\n"), 0o600)
	if _, err := Open(Options{Dir: third, Store: dsn}); err == nil {
		t.Fatal("a replica with a foreign key opened the district")
	}
}

// TestReplicasClaimBlobsAcrossProcesses: two replicas sharing one
// attachments folder never write one blob at once — a claim holds the
// blob's lock file — and one resumes the upload the other began.
func TestReplicasClaimBlobsAcrossProcesses(t *testing.T) {
	dsn := pgtest.Database(t)
	first, second := t.TempDir(), t.TempDir()
	a, err := Open(Options{Dir: first, Store: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	key, _ := os.ReadFile(filepath.Join(first, ReplicaKeyFile))
	os.WriteFile(filepath.Join(second, ReplicaKeyFile), key, 0o600)
	os.Remove(filepath.Join(second, "attachments"))
	if err := os.Symlink(filepath.Join(first, "attachments"), filepath.Join(second, "attachments")); err != nil {
		t.Fatal(err)
	}
	b, err := Open(Options{Dir: second, Store: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	blob := bytes.Repeat([]byte("照片"), 1000)
	sum := hash(blob)
	if !a.claim("HALL-1", sum) {
		t.Fatal("the first claim")
	}
	if b.claim("HALL-1", sum) {
		t.Fatal("a second replica claimed a blob the first is writing")
	}
	a.unclaim("HALL-1", sum)
	// Half on one replica, the rest on the other.
	if _, err := a.WriteBlob("HALL-1", sum, 0, int64(len(blob)), bytes.NewReader(blob[:1000])); err != nil {
		t.Fatal(err)
	}
	off, err := b.BlobOffset("HALL-1", sum)
	if err != nil || off != 1000 {
		t.Fatalf("the other replica sees %d bytes: %v", off, err)
	}
	if n, err := b.WriteBlob("HALL-1", sum, off, int64(len(blob)), bytes.NewReader(blob[off:])); err != nil || n != int64(len(blob)) {
		t.Fatalf("resumed on the other replica: %d %v", n, err)
	}
	if size, ok := a.wholeBlob("HALL-1", sum); !ok || size != int64(len(blob)) {
		t.Fatal("the first replica does not see the blob whole")
	}
}

// TestPostgresTransactionThatFailedKeepsItsBuckets: once a statement of a
// transaction fails (as a conflict with another replica's does), the
// district's code meets buckets that fail, never a nil one, and the
// transaction's error is what Update returns.
func TestPostgresTransactionThatFailedKeepsItsBuckets(t *testing.T) {
	s, err := openPostgres(context.Background(), pgtest.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Update(func(tx Tx) error {
		_, err := tx.CreateBucketIfNotExists([]byte("b"))
		return err
	})
	err = s.Update(func(tx Tx) error {
		ptx := tx.(*pgTx)
		ptx.tx.Exec(ptx.ctx, `SELECT no_such_function()`) // the transaction is aborted
		ptx.fail(errors.New("aborted"))
		b := tx.Bucket([]byte("b"))
		if b == nil {
			t.Fatal("a bucket went nil after a failed statement")
		}
		if _, err := b.NextSequence(); err == nil {
			t.Fatal("a sequence from an aborted transaction")
		}
		if k, _ := b.Cursor().First(); k != nil {
			t.Fatal("a key from an aborted transaction")
		}
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "aborted") {
		t.Fatalf("Update after a failed statement: %v", err)
	}
}
