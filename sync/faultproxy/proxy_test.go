package faultproxy_test

import (
	"bytes"
	"errors"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/faultproxy"
)

// testTimeout bounds every connection and wait in these tests, so a bug
// shows as a failure rather than a hung test binary.
const testTimeout = 10 * time.Second

// testServer is a stand-in district server on loopback that runs handle
// for each connection.
type testServer struct {
	addr     string
	accepted atomic.Int64
	stop     func()
}

func startServer(t testing.TB, handle func(c *net.TCPConn)) *testServer {
	t.Helper()
	ln, err := net.ListenTCP("tcp4", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	s := &testServer{addr: ln.Addr().String()}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns = map[*net.TCPConn]struct{}{}
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.AcceptTCP()
			if err != nil {
				return
			}
			s.accepted.Add(1)
			c.SetDeadline(time.Now().Add(testTimeout))
			mu.Lock()
			conns[c] = struct{}{}
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				handle(c)
				c.Close()
				mu.Lock()
				delete(conns, c)
				mu.Unlock()
			}()
		}
	}()
	var once sync.Once
	s.stop = func() {
		once.Do(func() {
			ln.Close()
			mu.Lock()
			for c := range conns {
				c.Close()
			}
			mu.Unlock()
			wg.Wait()
		})
	}
	t.Cleanup(s.stop)
	return s
}

// echo sends back what it reads, then ends its side.
func echo(c *net.TCPConn) {
	io.Copy(c, c)
	c.CloseWrite()
}

func startProxy(t testing.TB, target string) *faultproxy.Proxy {
	t.Helper()
	p, err := faultproxy.Start(target)
	if err != nil {
		t.Fatalf("start proxy: %v", err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("close proxy: %v", err)
		}
	})
	return p
}

func dial(t testing.TB, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	tc := c.(*net.TCPConn)
	tc.SetDeadline(time.Now().Add(testTimeout))
	t.Cleanup(func() { tc.Close() })
	return tc
}

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// waitFor polls cond until it holds, failing the test after testTimeout.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// expectCut connects to addr and expects the connection to be closed on it
// at once. The reset can come back before the connect call has finished,
// so a failed dial counts too.
func expectCut(t *testing.T, addr string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, testTimeout)
	if err != nil {
		t.Logf("dial: %v", err)
		return
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(testTimeout))
	n, err := c.Read(make([]byte, 1))
	if err == nil || isTimeout(err) {
		t.Fatalf("read: %d bytes, %v; want the connection closed", n, err)
	}
	t.Logf("read: %v", err)
}

// roundTrip sends data through an echo on c and returns what came back.
// It does not touch t, so goroutines may call it.
func roundTrip(c *net.TCPConn, data []byte) ([]byte, error) {
	defer c.Close()
	werr := make(chan error, 1)
	go func() {
		_, err := c.Write(data)
		if err == nil {
			err = c.CloseWrite()
		}
		werr <- err
	}()
	got, err := io.ReadAll(c)
	if e := <-werr; err == nil {
		err = e
	}
	return got, err
}

func TestCleanForwarding(t *testing.T) {
	srv := startServer(t, echo)
	p := startProxy(t, srv.addr)

	const conns, size = 3, 2 << 20
	var wg sync.WaitGroup
	for i := range conns {
		c := dial(t, p.Addr())
		wg.Add(1)
		go func() {
			defer wg.Done()
			data := randomBytes(size, uint64(i))
			got, err := roundTrip(c, data)
			if err != nil {
				t.Errorf("connection %d: %v", i, err)
				return
			}
			if !bytes.Equal(got, data) {
				t.Errorf("connection %d: got %d bytes back, not the %d sent", i, len(got), len(data))
			}
		}()
	}
	wg.Wait()
	waitFor(t, "connections to end", func() bool { return p.Stats().Active == 0 })
	st := p.Stats()
	if st.Accepted != conns || st.BytesToServer != conns*size || st.BytesToClient != conns*size {
		t.Errorf("stats %+v, want %d accepted and %d bytes each way", st, conns, conns*size)
	}
	if st.Resets != 0 || st.Stalls != 0 || st.Refused != 0 || st.DialFailures != 0 {
		t.Errorf("faults fired on a clean link: %+v", st)
	}
}

func TestResetMidRequest(t *testing.T) {
	type result struct {
		n   int64
		err error
	}
	got := make(chan result, 1)
	srv := startServer(t, func(c *net.TCPConn) {
		n, err := io.Copy(io.Discard, c)
		got <- result{n, err}
	})
	p := startProxy(t, srv.addr)
	const cut = 100_000
	p.SetFault(faultproxy.Reset(faultproxy.ToServer, cut))

	c := dial(t, p.Addr())
	_, werr := c.Write(make([]byte, 1<<20))
	var rerr error
	if werr == nil {
		// The request may all have fit in socket buffers before the reset
		// came back; then the client sees it waiting for the response.
		_, rerr = c.Read(make([]byte, 1))
	}
	if werr == nil && (rerr == nil || errors.Is(rerr, io.EOF) || isTimeout(rerr)) {
		t.Fatalf("client saw no reset: write %v, read %v", werr, rerr)
	}
	t.Logf("client saw: write %v, read %v", werr, rerr)

	r := <-got
	if r.n > cut {
		t.Errorf("server got %d bytes, more than the %d before the cut", r.n, cut)
	}
	if r.err == nil {
		t.Errorf("server saw an orderly end after %d bytes, not a reset", r.n)
	}
	st := p.Stats()
	if st.Resets != 1 || st.BytesToServer != cut {
		t.Errorf("stats %+v, want 1 reset after %d bytes to the server", st, cut)
	}
}

func TestResetMidResponse(t *testing.T) {
	// The server answers a one-byte request, as a real one would; a server
	// that spoke first could have its response cut before the client's
	// connect call had even returned.
	srv := startServer(t, func(c *net.TCPConn) {
		if _, err := io.ReadFull(c, make([]byte, 1)); err == nil {
			c.Write(make([]byte, 1<<20))
		}
	})
	p := startProxy(t, srv.addr)
	const cut = 200_000
	p.SetFault(faultproxy.Reset(faultproxy.ToClient, cut))

	c := dial(t, p.Addr())
	if _, err := c.Write([]byte{'?'}); err != nil {
		t.Fatalf("request: %v", err)
	}
	got, err := io.ReadAll(c)
	if err == nil || isTimeout(err) {
		t.Fatalf("client read %d bytes and then %v, want a reset", len(got), err)
	}
	if len(got) > cut {
		t.Errorf("client got %d bytes, more than the %d before the cut", len(got), cut)
	}
	st := p.Stats()
	if st.Resets != 1 || st.BytesToClient != cut {
		t.Errorf("stats %+v, want 1 reset after %d bytes to the client", st, cut)
	}
}

func TestStallThenRelease(t *testing.T) {
	data := randomBytes(300_000, 7)
	srv := startServer(t, func(c *net.TCPConn) { c.Write(data) })
	p := startProxy(t, srv.addr)
	const at = 100_000
	p.SetFault(faultproxy.Stall(faultproxy.ToClient, at, 0))

	c := dial(t, p.Addr())
	first := make([]byte, at)
	if _, err := io.ReadFull(c, first); err != nil {
		t.Fatalf("read before the stall: %v", err)
	}
	waitFor(t, "the stall to begin", func() bool { return p.Stats().Stalls == 1 })

	// Nothing more may come while stalled.
	c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if n, err := c.Read(make([]byte, 1)); n != 0 || !isTimeout(err) {
		t.Fatalf("read during the stall: %d bytes, %v; want a timeout", n, err)
	}

	p.Release()
	c.SetReadDeadline(time.Now().Add(testTimeout))
	rest, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read after release: %v", err)
	}
	if !bytes.Equal(append(first, rest...), data) {
		t.Errorf("got %d bytes in all, not the %d sent", at+len(rest), len(data))
	}
	if st := p.Stats(); st.Stalls != 1 || st.Resets != 0 {
		t.Errorf("stats %+v, want 1 stall and no reset", st)
	}
}

func TestStallForDuration(t *testing.T) {
	data := randomBytes(50_000, 8)
	srv := startServer(t, func(c *net.TCPConn) { c.Write(data) })
	p := startProxy(t, srv.addr)
	const pause = 300 * time.Millisecond
	p.SetFault(faultproxy.Stall(faultproxy.ToClient, 1000, pause))

	start := time.Now()
	c := dial(t, p.Addr())
	got, err := io.ReadAll(c)
	elapsed := time.Since(start)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if !bytes.Equal(got, data) {
		t.Errorf("got %d bytes, not the %d sent", len(got), len(data))
	}
	if elapsed < pause {
		t.Errorf("transfer took %v, less than the %v stall", elapsed, pause)
	}
}

func TestRefuse(t *testing.T) {
	srv := startServer(t, echo)
	p := startProxy(t, srv.addr)
	p.SetFault(faultproxy.Refuse())

	expectCut(t, p.Addr())
	if st := p.Stats(); st.Refused != 1 || srv.accepted.Load() != 0 {
		t.Errorf("stats %+v and %d reaching the server, want 1 refused and none through", st, srv.accepted.Load())
	}

	// Back up: the next connection goes through.
	p.SetFault(faultproxy.Fault{})
	data := []byte("after the outage")
	got, err := roundTrip(dial(t, p.Addr()), data)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("after clearing the fault: got %q, %v", got, err)
	}
}

func TestTargetDown(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := startProxy(t, addr)

	expectCut(t, p.Addr())
	waitFor(t, "the dial failure to count", func() bool { return p.Stats().DialFailures == 1 })
}

func TestStartRejectsNonLoopback(t *testing.T) {
	for _, target := range []string{"192.0.2.1:443", "example.com:443", "no-port", ""} {
		if p, err := faultproxy.Start(target); err == nil {
			p.Close()
			t.Errorf("Start(%q) succeeded, want an error", target)
		}
	}
}

// TestBandwidth runs both directions at once, each limited to 1 MB/s: two
// connections share the to-server limit, one uses the to-client limit.
// Each moves 2 MB, so each should take 2 s. The proxy cannot beat the limit
// by more than one 5 ms chunk, so the lower bound is tight; the upper bound
// leaves room for a loaded machine running the race detector.
func TestBandwidth(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 2 s")
	}
	const (
		rate  = 1_000_000
		total = 2_000_000
		low   = 1900 * time.Millisecond
		high  = 2500 * time.Millisecond
	)
	sunk := make(chan time.Time, 2)
	srv := startServer(t, func(c *net.TCPConn) {
		cmd := make([]byte, 1)
		if _, err := io.ReadFull(c, cmd); err != nil {
			return
		}
		switch cmd[0] {
		case 'S': // sink: read to the end, note when it came
			if n, err := io.Copy(io.Discard, c); err != nil || n != total/2 {
				t.Errorf("sink got %d bytes, %v", n, err)
			}
			sunk <- time.Now()
		case 'G': // generate
			c.Write(make([]byte, total))
		}
	})
	p := startProxy(t, srv.addr)
	p.SetBandwidth(rate, rate)

	start := time.Now()
	var wg sync.WaitGroup
	for range 2 {
		c := dial(t, p.Addr())
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Write(append([]byte{'S'}, make([]byte, total/2)...)); err != nil {
				t.Errorf("upload: %v", err)
				return
			}
			c.CloseWrite()
		}()
	}
	var down time.Duration
	dc := dial(t, p.Addr())
	wg.Add(1)
	go func(c *net.TCPConn) {
		defer wg.Done()
		c.Write([]byte{'G'})
		n, err := io.Copy(io.Discard, c)
		down = time.Since(start)
		if err != nil || n != total {
			t.Errorf("download got %d bytes, %v", n, err)
		}
	}(dc)
	wg.Wait()
	var up time.Duration
	for range 2 {
		select {
		case at := <-sunk:
			up = max(up, at.Sub(start))
		case <-time.After(testTimeout):
			t.Fatal("uploads did not finish")
		}
	}
	t.Logf("to server: %v (%.0f B/s); to client: %v (%.0f B/s); limit %d B/s",
		up, total/up.Seconds(), down, total/down.Seconds(), rate)
	for _, d := range []struct {
		name string
		took time.Duration
	}{{"to server", up}, {"to client", down}} {
		if d.took < low || d.took > high {
			t.Errorf("%s: 2 MB took %v, want %v to %v at 1 MB/s", d.name, d.took, low, high)
		}
	}
}

func TestFaultOnNthConnection(t *testing.T) {
	srv := startServer(t, echo)
	p := startProxy(t, srv.addr)
	p.FaultConn(2, faultproxy.Reset(faultproxy.ToClient, 1000))

	data := randomBytes(10_000, 3)
	for n := 1; n <= 3; n++ {
		got, err := roundTrip(dial(t, p.Addr()), data)
		ok := err == nil && bytes.Equal(got, data)
		if want := n != 2; ok != want {
			t.Errorf("connection %d: got %d bytes, %v; want success %v", n, len(got), err, want)
		}
	}
	if st := p.Stats(); st.Accepted != 3 || st.Resets != 1 {
		t.Errorf("stats %+v, want 3 accepted and 1 reset", st)
	}
}

// TestFaultNextHTTPS is the scenario the proxy is for: an HTTPS client
// whose first two attempts are cut mid-response, then the link is good.
func TestFaultNextHTTPS(t *testing.T) {
	body := randomBytes(1<<20, 4)
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(body)
	}))
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the cuts are expected
	ts.StartTLS()
	t.Cleanup(ts.Close)
	p := startProxy(t, ts.Listener.Addr().String())
	client := ts.Client()
	client.Timeout = testTimeout
	t.Cleanup(client.CloseIdleConnections)

	// 64 KiB to the client is past the TLS handshake and the headers,
	// well inside the body.
	p.FaultNext(2, faultproxy.Reset(faultproxy.ToClient, 64<<10))
	attempts := 0
	for attempts < 5 {
		attempts++
		resp, err := client.Get("https://" + p.Addr() + "/catalog")
		if err != nil {
			t.Logf("attempt %d: %v", attempts, err)
			continue
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil && bytes.Equal(got, body) {
			break
		}
		t.Logf("attempt %d: %d bytes, %v", attempts, len(got), err)
	}
	if st := p.Stats(); attempts != 3 || st.Accepted != 3 || st.Resets != 2 {
		t.Errorf("succeeded on attempt %d with stats %+v, want attempt 3 after 2 resets", attempts, st)
	}
}

func TestResetAll(t *testing.T) {
	srv := startServer(t, echo)
	p := startProxy(t, srv.addr)

	c := dial(t, p.Addr())
	msg := []byte("ping")
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, make([]byte, len(msg))); err != nil {
		t.Fatal(err)
	}
	// The connection is now idle, as in a client's keep-alive pool.
	if n := p.ResetAll(); n != 1 {
		t.Fatalf("ResetAll cut %d connections, want 1", n)
	}
	if n, err := c.Read(make([]byte, 1)); err == nil || isTimeout(err) {
		t.Fatalf("read after ResetAll: %d bytes, %v; want it cut", n, err)
	}
	if st := p.Stats(); st.Resets != 1 {
		t.Errorf("stats %+v, want 1 reset", st)
	}
}

// TestCloseEndsEverything closes the proxy with connections in every state
// it can wait in (stalled, waiting on the bandwidth limit, blocked reading)
// and checks Close returns and no goroutine is left behind.
func TestCloseEndsEverything(t *testing.T) {
	base := runtime.NumGoroutine()
	srv := startServer(t, echo)
	p, err := faultproxy.Start(srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	p.FaultConn(1, faultproxy.Stall(faultproxy.ToClient, 0, 0))
	p.SetBandwidth(1000, 0)

	stalled := dial(t, p.Addr())
	stalled.Write([]byte("stalled on the way back"))
	limited := dial(t, p.Addr())
	limited.Write(make([]byte, 100_000))
	idle := dial(t, p.Addr())
	waitFor(t, "three live connections", func() bool { return p.Stats().Active == 3 })
	waitFor(t, "the stall", func() bool { return p.Stats().Stalls == 1 })

	closed := make(chan error, 1)
	go func() { closed <- p.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("close: %v", err)
		}
	case <-time.After(testTimeout):
		t.Fatal("Close did not return")
	}
	if err := p.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
	for _, c := range []*net.TCPConn{stalled, limited, idle} {
		if _, err := io.ReadAll(c); err == nil {
			// A reset is what Close promises; an orderly end would let a
			// client take a cut response for a whole one.
			t.Errorf("%v: orderly end after Close, want a reset", c.LocalAddr())
		}
		c.Close()
	}
	if c, err := net.DialTimeout("tcp", p.Addr(), time.Second); err == nil {
		c.Close()
		t.Error("proxy still accepts after Close")
	}

	srv.stop()
	waitFor(t, "goroutines to end", func() bool { return runtime.NumGoroutine() <= base })
	if st := p.Stats(); st.Active != 0 {
		t.Errorf("stats %+v after Close, want none active", st)
	}
}

// TestBalancedTargets: connections take the targets in turn, and one that
// is down is passed over for the next, as a load balancer in front of
// replicas does.
func TestBalancedTargets(t *testing.T) {
	a, b := startServer(t, echo), startServer(t, echo)
	p, err := faultproxy.StartBalanced(a.addr, b.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	for i := range 4 {
		c := dial(t, p.Addr())
		if got, err := roundTrip(c, []byte("hello")); err != nil || string(got) != "hello" {
			t.Fatalf("connection %d: %q %v", i, got, err)
		}
		c.Close()
	}
	if a.accepted.Load() != 2 || b.accepted.Load() != 2 {
		t.Fatalf("the targets took %d and %d of 4", a.accepted.Load(), b.accepted.Load())
	}
	a.stop()
	for i := range 3 {
		c := dial(t, p.Addr())
		if got, err := roundTrip(c, []byte("again")); err != nil || string(got) != "again" {
			t.Fatalf("with a target down, connection %d: %q %v", i, got, err)
		}
		c.Close()
	}
	if b.accepted.Load() != 5 {
		t.Fatalf("the live target took %d connections, want 5", b.accepted.Load())
	}
	if _, err := faultproxy.StartBalanced(a.addr, "10.0.0.1:8443"); err == nil {
		t.Fatal("a balanced proxy to a target off loopback")
	}
}
