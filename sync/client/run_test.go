package client

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/outbox"
)

func TestBackoffIsFullJitterUnderTheCap(t *testing.T) {
	c := &Client{opt: Options{BackoffBase: time.Second, BackoffCap: 5 * time.Minute}}
	for n := 1; n <= 40; n++ {
		bound := min(5*time.Minute, time.Second<<min(n-1, 20))
		var lo, hi time.Duration = bound, 0
		for range 2000 {
			d := c.backoff(n)
			if d <= 0 || d > bound+time.Millisecond {
				t.Fatalf("failure %d: wait %v outside (0, %v]", n, d, bound)
			}
			lo, hi = min(lo, d), max(hi, d)
		}
		// Full jitter: the waits spread over the whole range, not around
		// its top.
		if lo > bound/10 || hi < bound*9/10 {
			t.Fatalf("failure %d: waits from %v to %v, want spread over (0, %v]", n, lo, hi, bound)
		}
	}
}

// The background loop: a district that is down is retried with growing
// waits; when it is back, a kick syncs at once and the records go.
func TestRunRetriesThenDelivers(t *testing.T) {
	dir := t.TempDir()
	b := startBackend(t, dir)
	enrolled := enrollTerminal(t, b, "HALL-0200")
	enrolled.state.Close()
	enrolled.queue.Close()
	addr := b.addr
	b.stop() // the district goes down

	tm := openTerminal(t, enrolled.dir, enrolled.id, "")
	tm.client.opt.BackoffBase, tm.client.opt.BackoffCap = 20*time.Millisecond, 200*time.Millisecond
	sub := tm.submit(t, outbox.Application, "waiting", []byte("photo"))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { tm.client.Run(ctx) })
	defer func() { cancel(); wg.Wait() }()

	// The loop sets the next attempt just after each failed round.
	waitUntil(t, 10*time.Second, func() bool {
		st := tm.client.Status()
		return st.Failures >= 3 && st.NextAttempt.After(st.LastAttempt)
	})
	if st := tm.client.Status(); st.Online || st.LastError == "" {
		t.Fatalf("status while the district is down: %+v", st)
	}

	b = startBackendOn(t, dir, addr)
	tm.client.Kick()
	// The record is acknowledged inside the round; the status is set at
	// its end.
	waitUntil(t, 10*time.Second, func() bool {
		r, _ := tm.queue.Get(sub.rec.ID)
		st := tm.client.Status()
		return r.State == outbox.Acknowledged && st.Online && st.Failures == 0
	})
	if st := tm.client.Status(); st.Sent != 1 || st.LastError != "" {
		t.Fatalf("status after recovery: %+v", st)
	}
	checkDelivered(t, b, tm, []submitted{sub})
}

func waitUntil(t *testing.T, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v", within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
