package faultproxy

import (
	"sync"
	"time"
)

// Pacing: each read under a limit takes at most one chunk, about 5 ms of
// bytes at the current rate, between minChunk and maxChunk. Small chunks
// keep the rate smooth over short windows and add little latency; the
// floor keeps very low rates from costing a syscall per handful of bytes.
const (
	chunksPerSecond = 200
	minChunk        = 512
	maxChunk        = 16 << 10
)

// bucket is a token bucket shared by every connection in one direction.
// Tokens are bytes. A reader takes tokens for what it has read and may
// drive the count below zero; it then waits until the debt would be paid.
// Because the debt is kept against the clock, a wait that oversleeps is
// made up on the next chunk, and the long-run rate is exact: at most
// rate×t plus one chunk of burst in any span t.
type bucket struct {
	mu     sync.Mutex
	rate   float64 // bytes per second; 0 means no limit
	burst  float64 // most tokens saved up while idle: one chunk
	tokens float64
	last   time.Time
}

// setRate changes the limit; bytesPerSecond ≤ 0 removes it.
func (b *bucket) setRate(bytesPerSecond int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	if bytesPerSecond <= 0 {
		b.rate, b.burst, b.tokens = 0, 0, 0
		b.last = now
		return
	}
	if b.rate > 0 {
		// Settle what was earned at the old rate; a debt carries over.
		b.refill(now)
	}
	wasUnlimited := b.rate == 0
	b.rate = float64(bytesPerSecond)
	b.burst = float64(chunkFor(bytesPerSecond))
	if wasUnlimited || b.tokens > b.burst {
		b.tokens = b.burst
	}
	b.last = now
}

func chunkFor(bytesPerSecond int64) int {
	return int(min(max(bytesPerSecond/chunksPerSecond, minChunk), maxChunk))
}

// chunk returns the most a reader should take at once: one chunk under a
// limit, otherwise a full copy buffer.
func (b *bucket) chunk() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.rate == 0 {
		return copyBuffer
	}
	return int(b.burst)
}

// refill adds the tokens earned since last, up to burst. b.mu must be held.
func (b *bucket) refill(now time.Time) {
	b.tokens += now.Sub(b.last).Seconds() * b.rate
	if b.tokens > b.burst {
		b.tokens = b.burst
	}
	b.last = now
}

// reserve takes n tokens and returns how long to wait before using them.
func (b *bucket) reserve(n int) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.rate == 0 {
		return 0
	}
	b.refill(time.Now())
	b.tokens -= float64(n)
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / b.rate * float64(time.Second))
}

// wait takes n tokens and sleeps until they are due. It returns false,
// early, if done is closed.
func (b *bucket) wait(n int, done <-chan struct{}) bool {
	d := b.reserve(n)
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-done:
		return false
	}
}
