package devices

import (
	"context"
	"slices"
	"sync"
)

// Registry holds the latest Status of every device and tells subscribers
// when any of them changes. Drivers call Report; screens and tools call
// Subscribe and Snapshot. It is safe for concurrent use.
type Registry struct {
	mu     sync.Mutex
	latest map[Kind]Status
	subs   map[chan struct{}]struct{}
}

// NewRegistry returns a registry that knows the given kinds, each Offline
// until its driver reports.
func NewRegistry(kinds ...Kind) *Registry {
	r := &Registry{latest: make(map[Kind]Status), subs: make(map[chan struct{}]struct{})}
	for _, k := range kinds {
		r.latest[k] = Status{Kind: k, State: Offline, Actor: Device, Reason: "not started"}
	}
	return r
}

// Report records a device's status and tells subscribers if it changed. It
// returns whether it changed.
func (r *Registry) Report(s Status) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.latest[s.Kind]; ok && old == s {
		return false
	}
	r.latest[s.Kind] = s
	for ch := range r.subs {
		select {
		case ch <- struct{}{}:
		default: // a notice is already waiting; the reader will see this change too
		}
	}
	return true
}

// Snapshot returns the latest status of every known device: those in Kinds
// first, in that order, then any others by name.
func (r *Registry) Snapshot() []Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Status, 0, len(r.latest))
	for _, k := range Kinds {
		if s, ok := r.latest[k]; ok {
			out = append(out, s)
		}
	}
	var others []Kind
	for k := range r.latest {
		if !slices.Contains(Kinds, k) {
			others = append(others, k)
		}
	}
	slices.Sort(others)
	for _, k := range others {
		out = append(out, r.latest[k])
	}
	return out
}

// Subscribe returns a channel that receives a notice after one or more
// changes; the subscriber then reads Snapshot. Notices coalesce, so a slow
// subscriber never blocks a driver and never misses the latest state. The
// channel is closed when ctx ends.
func (r *Registry) Subscribe(ctx context.Context) <-chan struct{} {
	ch := make(chan struct{}, 1)
	r.mu.Lock()
	r.subs[ch] = struct{}{}
	r.mu.Unlock()
	go func() {
		<-ctx.Done()
		r.mu.Lock()
		delete(r.subs, ch)
		close(ch)
		r.mu.Unlock()
	}()
	return ch
}
