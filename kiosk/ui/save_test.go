package ui

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestSavesRunInTheOrderAsked: writes run one at a time in the order the
// screens asked, even when their goroutines start the other way round.
func TestSavesRunInTheOrderAsked(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	var started []func()
	h.term.offUI = func(f func()) { started = append(started, f) }
	h.term.toUI = func(f func()) { f() }
	var (
		mu      sync.Mutex
		order   []int
		running int
		overlap bool
	)
	for i := range 5 {
		h.term.save("test", func(context.Context) error {
			mu.Lock()
			running++
			overlap = overlap || running > 1
			mu.Unlock()
			time.Sleep(time.Millisecond)
			mu.Lock()
			order = append(order, i)
			running--
			mu.Unlock()
			return nil
		}, nil)
	}
	var wg sync.WaitGroup
	for _, f := range slices.Backward(started) { // the last asked starts first
		wg.Go(f)
		time.Sleep(time.Millisecond)
	}
	wg.Wait()
	if !slices.Equal(order, []int{0, 1, 2, 3, 4}) || overlap {
		t.Fatalf("writes ran in the order %v (overlapping: %v)", order, overlap)
	}
}
