package district

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestBatchedWritesShareTransactions: writes made at once share
// transactions, every one of them committed; one that fails fails alone;
// a store that fails fails them all.
func TestBatchedWritesShareTransactions(t *testing.T) {
	eachStore(t, func(t *testing.T, s store) {
		s.Update(func(tx Tx) error {
			_, err := tx.CreateBucketIfNotExists([]byte("hb"))
			return err
		})
		var transactions atomic.Int32
		var storeFails atomic.Bool
		broken := errors.New("the disk is gone")
		b := newBatcher(func(f func(Tx) error) error {
			transactions.Add(1)
			if storeFails.Load() {
				return broken
			}
			return s.Update(func(tx Tx) error {
				time.Sleep(2 * time.Millisecond) // a commit takes time; writes gather meanwhile
				return f(tx)
			})
		})
		const writers = 200
		bad := errors.New("no such terminal")
		var wg sync.WaitGroup
		errs := make([]error, writers)
		for i := range writers {
			wg.Go(func() {
				errs[i] = b.do(func(tx Tx) error {
					if i%50 == 7 {
						return bad
					}
					return tx.Bucket([]byte("hb")).Put(fmt.Appendf(nil, "T-%03d", i), []byte("seen"))
				})
			})
		}
		wg.Wait()
		if n := transactions.Load(); n >= writers/2 {
			t.Errorf("%d writes at once took %d transactions", writers, n)
		}
		s.View(func(tx Tx) error {
			for i := range writers {
				got := tx.Bucket([]byte("hb")).Get(fmt.Appendf(nil, "T-%03d", i))
				if i%50 == 7 {
					if !errors.Is(errs[i], bad) || got != nil {
						t.Errorf("write %d failed, yet it answered %v and left %q", i, errs[i], got)
					}
				} else if errs[i] != nil || string(got) != "seen" {
					t.Errorf("write %d: %v, stored %q", i, errs[i], got)
				}
			}
			return nil
		})

		storeFails.Store(true)
		if err := b.do(func(tx Tx) error { return nil }); !errors.Is(err, broken) {
			t.Fatalf("a write when the store fails: %v", err)
		}
		storeFails.Store(false)
		if err := b.do(func(tx Tx) error { return tx.Bucket([]byte("hb")).Put([]byte("after"), []byte("1")) }); err != nil {
			t.Fatalf("a write after the store came back: %v", err)
		}
	})
}
