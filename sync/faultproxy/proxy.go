// Package faultproxy is a TCP proxy for tests and benchmarks of the sync
// client. It sits on loopback between the client and a stand-in district
// server and breaks the link on purpose: it resets connections part way
// through a request or a response, stalls them, refuses them, and limits
// bandwidth, so tests can show the client retries, resumes and backs off
// as it should.
//
// The proxy forwards raw TCP bytes below TLS, so it knows nothing of HTTP:
// faults are placed by byte counts, time and connection number. To cut a
// response after its headers, pick a byte count past the TLS handshake and
// the headers (a few KiB), or well inside a large body.
//
// Typical use:
//
//	p, err := faultproxy.Start(server.Listener.Addr().String())
//	if err != nil { ... }
//	defer p.Close()
//	// The first two attempts are cut mid-response, then the link is good.
//	p.FaultNext(2, faultproxy.Reset(faultproxy.ToClient, 64<<10))
//	// ... point the client at p.Addr() ...
//	if p.Stats().Resets != 2 { ... }
//
// Which fault a connection gets is decided when it is accepted, so setting a
// fault never changes connections already running; SetBandwidth, Release
// and ResetAll act on live connections at once. All methods are safe for
// concurrent use.
package faultproxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// dialTimeout bounds how long a connection waits for the target; the
// target is on loopback, so anything longer means it is not there.
const dialTimeout = 5 * time.Second

// copyBuffer is the read size when no bandwidth limit applies.
const copyBuffer = 32 << 10

// Direction names one way of a proxied connection.
type Direction int

const (
	// ToServer is the client→server way: requests.
	ToServer Direction = iota
	// ToClient is the server→client way: responses.
	ToClient
)

// String returns "to-server" or "to-client".
func (d Direction) String() string {
	switch d {
	case ToServer:
		return "to-server"
	case ToClient:
		return "to-client"
	}
	return fmt.Sprintf("Direction(%d)", int(d))
}

type faultKind int

const (
	kindNone faultKind = iota
	kindRefuse
	kindReset
	kindStall
)

// Fault is what the proxy does to one connection. The zero Fault forwards
// cleanly. Make one with Reset, Stall or Refuse.
type Fault struct {
	kind  faultKind
	dir   Direction
	after int64
	stall time.Duration
}

// Reset makes a fault that cuts the connection once after bytes have been
// forwarded in dir (at once if after is 0): both sides are closed with
// SO_LINGER 0, so the client and the server each see a TCP reset, as when a
// link drops mid-transfer. Byte after+1 is never forwarded; the peer may
// see fewer than after bytes if some were still in flight when the reset
// went out. A negative after counts as 0.
func Reset(dir Direction, after int64) Fault {
	return Fault{kind: kindReset, dir: dir, after: max(after, 0)}
}

// Stall makes a fault that stops forwarding in dir once after bytes have
// been forwarded that way, for d, without closing anything; a d of 0 or
// less stalls until Release or Close. The other direction keeps flowing.
// A negative after counts as 0.
func Stall(dir Direction, after int64, d time.Duration) Fault {
	return Fault{kind: kindStall, dir: dir, after: max(after, 0), stall: max(d, 0)}
}

// Refuse makes a fault that closes each connection as soon as it is
// accepted, with a reset and without contacting the target: the "server is
// down" case, as near as a listening proxy can come to a refused connect.
func Refuse() Fault {
	return Fault{kind: kindRefuse}
}

// Stats counts what the proxy has done since Start. A fault is counted
// before the client or server can notice it, so a test that has seen a
// reset, a refusal or a stall can rely on finding it counted.
type Stats struct {
	Accepted      int64 // connections accepted; also the number of the latest one
	Active        int64 // connections being forwarded now
	DialFailures  int64 // connections closed because the target could not be reached
	BytesToServer int64 // bytes forwarded client→server
	BytesToClient int64 // bytes forwarded server→client
	Refused       int64 // connections closed at once by a Refuse fault
	Resets        int64 // connections cut by a Reset fault or by ResetAll
	Stalls        int64 // Stall faults that have begun
}

// queued is a fault waiting for the next connections accepted.
type queued struct {
	fault Fault
	left  int
}

// Proxy forwards connections from its loopback address to its targets,
// applying the faults it is given. Make one with Start or StartBalanced; it
// must be closed.
type Proxy struct {
	targets []string
	next    atomic.Uint64 // the target the next connection tries first
	ln      *net.TCPListener
	ctx     context.Context // cancelled by Close; ends dials in progress
	cancel  context.CancelFunc
	wg      sync.WaitGroup // every goroutine the proxy starts

	closeOnce sync.Once
	closeErr  error

	limits [2]bucket // indexed by Direction

	mu       sync.Mutex
	closed   bool
	links    map[*link]struct{}
	dflt     Fault
	numbered map[int64]Fault
	queue    []queued
	release  chan struct{} // closed by Release, then replaced

	accepted     atomic.Int64
	active       atomic.Int64
	dialFailures atomic.Int64
	bytes        [2]atomic.Int64 // indexed by Direction
	refused      atomic.Int64
	resets       atomic.Int64
	stalls       atomic.Int64
}

// Start listens on 127.0.0.1 on a free port and forwards each connection
// it accepts to target, which must be a loopback address ("127.0.0.1:8443",
// "[::1]:8443", "localhost:8443"): the proxy is a test tool and must never
// stand in front of a real server. It forwards cleanly until told
// otherwise; faults and limits can be set before the first client connects,
// since no one knows the address until Start returns.
func Start(target string) (*Proxy, error) { return StartBalanced(target) }

// StartBalanced is Start for several targets, as a TCP load balancer in
// front of server replicas: each connection goes to the next target in
// turn, and to the one after when a target does not answer — a replica
// that is down is passed over.
func StartBalanced(targets ...string) (*Proxy, error) {
	if len(targets) == 0 {
		return nil, errors.New("faultproxy: no target")
	}
	for _, target := range targets {
		if err := checkLoopback(target); err != nil {
			return nil, err
		}
	}
	ln, err := net.ListenTCP("tcp4", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, fmt.Errorf("faultproxy: listen on loopback: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Proxy{
		targets:  targets,
		ln:       ln,
		ctx:      ctx,
		cancel:   cancel,
		links:    make(map[*link]struct{}),
		numbered: make(map[int64]Fault),
		release:  make(chan struct{}),
	}
	p.wg.Add(1)
	go p.acceptLoop()
	return p, nil
}

func checkLoopback(target string) error {
	host, _, err := net.SplitHostPort(target)
	if err != nil {
		return fmt.Errorf("faultproxy: target %q: %w", target, err)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("faultproxy: target %q is not a loopback address", target)
	}
	return nil
}

// Addr returns the proxy's address, "127.0.0.1:port", for the client to
// connect to.
func (p *Proxy) Addr() string {
	return p.ln.Addr().String()
}

// SetFault sets the fault for every connection accepted from now on that
// FaultConn or FaultNext do not claim. SetFault(Fault{}) goes back to clean
// forwarding. Connections already running keep the fault they had.
func (p *Proxy) SetFault(f Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dflt = f
}

// FaultConn gives f to connection number n only (connections are numbered
// from 1 in the order they are accepted; see Stats.Accepted). It wins over
// FaultNext and SetFault and does not use up a FaultNext turn. A number
// already passed has no effect.
func (p *Proxy) FaultConn(n int64, f Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n <= p.accepted.Load() {
		return
	}
	p.numbered[n] = f
}

// FaultNext gives f to the next k connections accepted, after any turns
// queued by earlier calls, and then lets the SetFault fault apply again.
func (p *Proxy) FaultNext(k int, f Fault) {
	if k <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.queue = append(p.queue, queued{fault: f, left: k})
}

// SetBandwidth limits the bytes per second forwarded client→server and
// server→client, each shared by all connections; 0 or less means no
// limit. It applies to live connections at once. The limit is a token
// bucket paced in chunks of about 5 ms worth of bytes (512 B to 16 KiB), so
// a saturated direction runs at the limit to within one chunk.
func (p *Proxy) SetBandwidth(toServer, toClient int64) {
	p.limits[ToServer].setRate(toServer)
	p.limits[ToClient].setRate(toClient)
}

// Release ends every stall in progress, timed or not. A stall that begins
// later waits for the next Release; once Stats.Stalls shows a stall has
// begun, a Release is sure to end it.
func (p *Proxy) Release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	close(p.release)
	p.release = make(chan struct{})
}

// ResetAll cuts every live connection with a reset, as if the link
// dropped, and returns how many it cut. It changes no faults.
func (p *Proxy) ResetAll() int {
	p.mu.Lock()
	live := make([]*link, 0, len(p.links))
	for l := range p.links {
		live = append(live, l)
	}
	p.mu.Unlock()
	n := 0
	for _, l := range live {
		if l.abort(&p.resets) {
			n++
		}
	}
	return n
}

// Stats returns the counters. Each is read on its own, so while traffic
// flows they may be a moment apart.
func (p *Proxy) Stats() Stats {
	return Stats{
		Accepted:      p.accepted.Load(),
		Active:        p.active.Load(),
		DialFailures:  p.dialFailures.Load(),
		BytesToServer: p.bytes[ToServer].Load(),
		BytesToClient: p.bytes[ToClient].Load(),
		Refused:       p.refused.Load(),
		Resets:        p.resets.Load(),
		Stalls:        p.stalls.Load(),
	}
}

// Close stops listening, cuts every live connection with a reset and
// returns once every goroutine the proxy started has ended. Later calls
// return the same result.
func (p *Proxy) Close() error {
	p.closeOnce.Do(func() {
		p.cancel()
		if err := p.ln.Close(); err != nil {
			p.closeErr = fmt.Errorf("faultproxy: close listener: %w", err)
		}
		p.mu.Lock()
		p.closed = true
		live := make([]*link, 0, len(p.links))
		for l := range p.links {
			live = append(live, l)
		}
		p.mu.Unlock()
		for _, l := range live {
			l.abort(nil)
		}
		p.wg.Wait()
	})
	return p.closeErr
}

func (p *Proxy) acceptLoop() {
	defer p.wg.Done()
	for {
		c, err := p.ln.AcceptTCP()
		if err != nil {
			if p.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of descriptors or the like: wait a little rather than spin,
			// the test will see its connections fail.
			select {
			case <-p.ctx.Done():
				return
			case <-time.After(10 * time.Millisecond):
			}
			continue
		}
		n := p.accepted.Add(1)
		f := p.faultFor(n)
		// The accept loop itself holds a count in wg, so this Add cannot
		// race with Close's Wait reaching zero.
		p.wg.Add(1)
		go p.serve(c, f)
	}
}

// faultFor picks the fault for connection n: its own, else the next queued
// one, else the default.
func (p *Proxy) faultFor(n int64) Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	if f, ok := p.numbered[n]; ok {
		delete(p.numbered, n)
		return f
	}
	if len(p.queue) > 0 {
		q := &p.queue[0]
		f := q.fault
		q.left--
		if q.left <= 0 {
			p.queue = p.queue[1:]
		}
		return f
	}
	return p.dflt
}

func (p *Proxy) serve(client *net.TCPConn, f Fault) {
	defer p.wg.Done()
	if f.kind == kindRefuse {
		p.refused.Add(1)
		abortConn(client)
		return
	}
	d := net.Dialer{Timeout: dialTimeout}
	var c net.Conn
	var err error
	first := p.next.Add(1) - 1
	for i := range uint64(len(p.targets)) {
		target := p.targets[(first+i)%uint64(len(p.targets))]
		if c, err = d.DialContext(p.ctx, "tcp", target); err == nil || p.ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		if p.ctx.Err() == nil {
			p.dialFailures.Add(1)
		}
		abortConn(client)
		return
	}
	server, ok := c.(*net.TCPConn)
	if !ok {
		// A "tcp" dial always gives a *net.TCPConn; be safe all the same.
		c.Close()
		abortConn(client)
		return
	}
	l := &link{p: p, client: client, server: server, fault: f, done: make(chan struct{})}
	if !p.track(l) {
		l.abort(nil)
		return
	}
	defer p.untrack(l)

	upDone := make(chan struct{})
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer close(upDone)
		l.pump(ToServer, client, server)
	}()
	l.pump(ToClient, server, client)
	<-upDone
	l.finish()
}

// track records a live link so Close and ResetAll can reach it; it refuses
// once Close has begun, so no link escapes Close.
func (p *Proxy) track(l *link) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.links[l] = struct{}{}
	p.active.Add(1)
	return true
}

func (p *Proxy) untrack(l *link) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.links, l)
	p.active.Add(-1)
}

func (p *Proxy) releaseChan() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.release
}

// link is one proxied connection: the accepted client side and the dialled
// server side.
type link struct {
	p      *Proxy
	client *net.TCPConn
	server *net.TCPConn
	fault  Fault

	once sync.Once
	done chan struct{} // closed when the link is closed, ends waits in the pumps
}

// abort closes both sides with a reset and reports whether this call was
// the one that closed the link. If it was, and count is not nil, count is
// incremented first, so a peer that sees the reset can already see it
// counted.
func (l *link) abort(count *atomic.Int64) bool {
	first := false
	l.once.Do(func() {
		first = true
		if count != nil {
			count.Add(1)
		}
		close(l.done)
		abortConn(l.client)
		abortConn(l.server)
	})
	return first
}

// finish closes both sides normally once both directions have ended.
func (l *link) finish() {
	l.once.Do(func() {
		close(l.done)
		l.client.Close()
		l.server.Close()
	})
}

// abortConn closes c so its peer sees a reset rather than an orderly end.
// Errors are ignored: the connection is being thrown away, and a peer that
// already left is the usual reason for one.
func abortConn(c *net.TCPConn) {
	c.SetLinger(0)
	c.Close()
}

// pump forwards one direction of the link until the sender finishes, a
// side fails, the link is aborted, or this direction's fault cuts it.
func (l *link) pump(dir Direction, src, dst *net.TCPConn) {
	p := l.p
	f := l.fault
	armed := (f.kind == kindReset || f.kind == kindStall) && f.dir == dir
	limit := &p.limits[dir]
	buf := make([]byte, copyBuffer)
	var sent int64
	for {
		if armed && sent >= f.after {
			armed = false
			if f.kind == kindReset {
				l.abort(&p.resets)
				return
			}
			if !l.stall(f.stall) {
				return
			}
		}
		size := min(len(buf), limit.chunk())
		if armed && f.after-sent < int64(size) {
			// Read no more than the fault allows, so it fires at exactly
			// its byte count.
			size = int(f.after - sent)
		}
		n, err := src.Read(buf[:size])
		if n > 0 {
			if !limit.wait(n, l.done) {
				return
			}
			w, werr := dst.Write(buf[:n])
			sent += int64(w)
			p.bytes[dir].Add(int64(w))
			if werr != nil {
				l.abort(nil)
				return
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				// The sender finished this way in order: pass the end on and
				// leave the other way open, as HTTP clients that half-close
				// expect.
				if cerr := dst.CloseWrite(); cerr != nil {
					l.abort(nil)
				}
				return
			}
			// A reset from the peer, or our own abort: make sure both sides
			// see the connection die.
			l.abort(nil)
			return
		}
	}
}

// stall waits for d (forever if d is 0), a Release, or the link closing,
// and reports whether forwarding should go on.
func (l *link) stall(d time.Duration) bool {
	// Take the release channel before counting the stall, so a Release made
	// after Stats shows the stall is sure to end it.
	release := l.p.releaseChan()
	l.p.stalls.Add(1)
	var timeout <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-timeout:
		return true
	case <-release:
		return true
	case <-l.done:
		return false
	}
}
