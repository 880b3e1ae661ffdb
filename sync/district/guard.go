package district

import (
	"sync"
	"time"
)

// Failed enrollments a source address may make in guardWindow before the
// district stops answering it (HTTP 429) until the window has passed. A
// technician who mistypes a token a few times is not slowed; guessing
// tokens from one address stops at this many tries.
const (
	guardMax    = 10
	guardWindow = 10 * time.Minute
	// guardAddrs bounds the addresses remembered, so that a flood of
	// sources cannot grow the table without end: past it, the addresses
	// whose failures are all out of the window are forgotten, then, if
	// need be, the oldest.
	guardAddrs = 4096
)

// guard counts failed enrollments by source address.
type guard struct {
	mu     sync.Mutex
	failed map[string][]time.Time // recent failures, oldest first
}

// blocked reports whether addr has used up its failures at now.
func (g *guard) blocked(addr string, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(recent(g.failed[addr], now)) >= guardMax
}

// fail counts a failed enrollment from addr at now.
func (g *guard) fail(addr string, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.failed == nil {
		g.failed = make(map[string][]time.Time)
	}
	if _, known := g.failed[addr]; !known && len(g.failed) >= guardAddrs {
		g.forget(now)
	}
	g.failed[addr] = append(recent(g.failed[addr], now), now)
}

// forget drops the addresses with no failure in the window, and if none
// is, the one whose last failure is oldest.
func (g *guard) forget(now time.Time) {
	oldest, at := "", now
	for a, ts := range g.failed {
		if len(recent(ts, now)) == 0 {
			delete(g.failed, a)
			continue
		}
		if last := ts[len(ts)-1]; last.Before(at) {
			oldest, at = a, last
		}
	}
	if len(g.failed) >= guardAddrs {
		delete(g.failed, oldest)
	}
}

// recent is the failures of ts still inside the window at now.
func recent(ts []time.Time, now time.Time) []time.Time {
	for len(ts) > 0 && now.Sub(ts[0]) >= guardWindow {
		ts = ts[1:]
	}
	return ts
}
