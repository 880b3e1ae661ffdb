package ui

import (
	"context"
	"sync"
)

// saves puts the screens' writes to the outbox in one line. Every write
// fsyncs, so none runs on Fyne's goroutine; they run one at a time, in
// the order the screens asked for them (a pause's audit record before the
// exit it makes), whatever order their goroutines start in.
type saves struct {
	mu     sync.Mutex
	cond   *sync.Cond
	issued uint64 // tickets handed out, on Fyne's goroutine
	served uint64 // tickets done
}

// save runs write off Fyne's goroutine, after every write asked for before
// it, then done (if not nil) back on Fyne's goroutine with write's error;
// an error is logged as what was not saved. It is the one way the screens
// write: applications, ratings, questions, staff calls, audit records.
func (t *Terminal) save(what string, write func(context.Context) error, done func(error)) {
	s := &t.saves
	s.mu.Lock()
	if s.cond == nil {
		s.cond = sync.NewCond(&s.mu)
	}
	ticket := s.issued
	s.issued++
	s.mu.Unlock()
	t.async(func() {
		s.mu.Lock()
		for s.served != ticket {
			s.cond.Wait()
		}
		s.mu.Unlock()
		err := write(context.Background())
		s.mu.Lock()
		s.served++
		s.cond.Broadcast()
		s.mu.Unlock()
		if err != nil {
			t.opt.Log.Warn("not saved", "what", what, "err", err)
		}
		if done != nil {
			t.do(func() { done(err) })
		}
	})
}
