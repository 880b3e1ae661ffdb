package district

import (
	"errors"
	"slices"
	"sync"
)

// A batcher commits many small independent writes together: every write a
// terminal makes each minute (its heartbeat) would otherwise be a
// transaction of its own — an fsync on district.db, a turn at the one
// writer on PostgreSQL — and a province's 20,000 terminals make 333 a
// second, as many as PostgreSQL's one writer commits. Group commit, with no
// timer: the first write to come leads, committing every write waiting
// when it begins; those that come while it commits wait, and the first of
// them leads the next transaction. Nobody waits longer than the commit
// before theirs, and an idle district commits each write at once.
//
// Each write's function must do nothing but read and write the transaction
// (the store may run it more than once), and must not depend on writes
// other than its own being absent: they share the transaction. One that
// fails fails alone: the others are committed without it.
type batcher struct {
	update func(func(Tx) error) error

	mu      sync.Mutex
	pending []*batchCall
	leading bool // a call is committing a batch now
}

type batchCall struct {
	f    func(Tx) error
	done chan error    // the call's outcome
	lead chan struct{} // the call is to commit the next batch
}

func newBatcher(update func(func(Tx) error) error) *batcher {
	return &batcher{update: update}
}

// do runs f in a transaction it may share with other calls, and returns
// once that transaction committed (nil) or f failed (f's error, the others
// unharmed) or the store did (its error).
func (b *batcher) do(f func(Tx) error) error {
	c := &batchCall{f: f, done: make(chan error, 1), lead: make(chan struct{}, 1)}
	b.mu.Lock()
	b.pending = append(b.pending, c)
	if !b.leading {
		b.leading = true
		c.lead <- struct{}{}
	}
	b.mu.Unlock()
	select {
	case err := <-c.done:
		return err
	case <-c.lead:
	}
	b.mu.Lock()
	batch := b.pending
	b.pending = nil
	b.mu.Unlock()
	b.commit(batch)
	b.mu.Lock()
	if len(b.pending) > 0 {
		b.pending[0].lead <- struct{}{}
	} else {
		b.leading = false
	}
	b.mu.Unlock()
	return <-c.done
}

// errCallFailed ends a shared transaction one of whose calls failed.
var errCallFailed = errors.New("district: a call in the batch failed")

// commit runs the batch's calls in one transaction and tells each how it
// went; a call that fails is told so and the rest run again without it.
func (b *batcher) commit(batch []*batchCall) {
	for len(batch) > 0 {
		failed, failure := -1, error(nil)
		err := b.update(func(tx Tx) error {
			failed, failure = -1, nil // the store may run this more than once
			for i, c := range batch {
				if err := c.f(tx); err != nil {
					failed, failure = i, err
					return errCallFailed
				}
			}
			return nil
		})
		if failed >= 0 && errors.Is(err, errCallFailed) {
			batch[failed].done <- failure
			batch = slices.Delete(batch, failed, failed+1)
			continue
		}
		for _, c := range batch {
			c.done <- err
		}
		return
	}
}
