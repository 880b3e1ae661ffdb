package district

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// A peer that starts a request body and goes silent is dropped, even on
// the endpoint that needs no certificate.
func TestSilentBodyIsDropped(t *testing.T) {
	_, conn := dialServed(t, Options{BodyIdle: 300 * time.Millisecond, EnrollDeadline: 300 * time.Millisecond}, nil)
	io.WriteString(conn, "POST /v1/enroll HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"tok")
	start := time.Now()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	io.ReadAll(conn) // the district answers or closes; either ends the read
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("a silent body held the connection for %v", took)
	}
}

// TestEnrollmentGuessingIsCut: an address that fails guardMax enrollments
// in the window is answered 429, even with a good token, until the window
// has passed; another address is not held up; each failure is logged
// without the token.
func TestEnrollmentGuessingIsCut(t *testing.T) {
	clk := &clock{now: time.Now()}
	var log bytes.Buffer
	d, err := Open(onStore(t, Options{Dir: t.TempDir(), Now: clk.Now, Log: slog.New(slog.NewTextHandler(&log, nil))}))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	tok, err := d.NewTokenFor("大厅", "HALL-9", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	secret, _, _ := strings.Cut(tok, ".")
	enroll := func(from, token string) *httptest.ResponseRecorder {
		body, _ := json.Marshal(protocol.EnrollRequest{Token: token, TerminalID: "HALL-9", CSR: csr(t, "HALL-9")})
		r := httptest.NewRequest("POST", protocol.PathEnroll, bytes.NewReader(body))
		r.RemoteAddr = from + ":40000"
		w := httptest.NewRecorder()
		d.Handler().ServeHTTP(w, r)
		return w
	}
	for i := range guardMax {
		guess := secret[:len(secret)-4] + fmt.Sprintf("%04d", i) // shaped like a token
		if w := enroll("192.0.2.7", guess); w.Code != http.StatusForbidden {
			t.Fatalf("guess %d: %d %s", i, w.Code, w.Body)
		}
	}
	w := enroll("192.0.2.7", secret)
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
		t.Fatalf("after %d failures, the good token: %d %s", guardMax, w.Code, w.Body)
	}
	if w := enroll("192.0.2.8", secret[:len(secret)-4]+"zzzz"); w.Code != http.StatusForbidden {
		t.Fatalf("another address was held up: %d", w.Code)
	}
	clk.now = clk.now.Add(guardWindow)
	if w := enroll("192.0.2.7", secret); w.Code != http.StatusOK {
		t.Fatalf("after the window, the good token: %d %s", w.Code, w.Body)
	}
	if n := strings.Count(log.String(), "enrollment failed"); n != guardMax+1 {
		t.Errorf("%d failures logged, want %d:\n%s", n, guardMax+1, log.String())
	}
	if strings.Contains(log.String(), secret[:len(secret)-4]) {
		t.Error("the log holds a token")
	}
}

func TestGuardForgetsOldAddresses(t *testing.T) {
	var g guard
	now := time.Now()
	for i := range guardAddrs + 100 {
		g.fail(fmt.Sprintf("198.51.%d.%d", i/256, i%256), now.Add(time.Duration(i)*time.Millisecond))
	}
	if len(g.failed) > guardAddrs {
		t.Fatalf("%d addresses remembered, bound %d", len(g.failed), guardAddrs)
	}
	later := now.Add(guardWindow + time.Hour)
	g.fail("203.0.113.1", later)
	if len(g.failed) > guardAddrs || g.blocked("198.51.0.0", later) {
		t.Fatalf("stale failures kept: %d", len(g.failed))
	}
}

// serveOn starts d on a loopback listener until the test ends.
func serveOn(t testing.TB, d *District) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- d.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-served })
	return ln.Addr().String()
}

// TestTricklingEnrollmentIsCut: the endpoint without a certificate has one
// deadline for the whole request; a byte every 200 ms (each well inside
// BodyIdle) does not move it.
func TestTricklingEnrollmentIsCut(t *testing.T) {
	_, conn := dialServed(t, Options{BodyIdle: 10 * time.Second, EnrollDeadline: time.Second}, nil)
	if took := trickle(conn, protocol.PathEnroll); took > 4*time.Second {
		t.Fatalf("a trickling enrollment held the connection %v (deadline 1 s)", took)
	}
}

// TestTricklingTerminalIsCut: an enrolled terminal (or a stolen key) that
// sends its records a byte every 100 ms — each byte well inside BodyIdle —
// falls below the least rate once the grace is over and is cut.
func TestTricklingTerminalIsCut(t *testing.T) {
	d, err := Open(onStore(t, Options{Dir: t.TempDir(), BodyIdle: 10 * time.Second, MinBodyRate: 1000, BodyGrace: 500 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	cert := terminalCert(t, d, "HALL-T")
	conn, err := tls.Dial("tcp", serveOn(t, d), &tls.Config{InsecureSkipVerify: true, Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if took := trickle(conn, protocol.PathRecords); took > 4*time.Second {
		t.Fatalf("a terminal trickling at 10 B/s held the connection %v (least rate 1000 B/s after 0.5 s)", took)
	}
}

// dialServed serves a district with opt (in a new folder) on loopback and
// dials it over TLS with cfg's certificates (none when nil).
func dialServed(t *testing.T, opt Options, certs []tls.Certificate) (*District, *tls.Conn) {
	t.Helper()
	opt.Dir = t.TempDir()
	d, err := Open(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	conn, err := tls.Dial("tcp", serveOn(t, d), &tls.Config{InsecureSkipVerify: true, Certificates: certs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return d, conn
}

// trickle starts a POST to path and sends its body a byte every 100 ms
// until the district answers or closes the connection (or 8 s pass), and
// returns how long that took.
func trickle(conn *tls.Conn, path string) time.Duration {
	start := time.Now()
	io.WriteString(conn, "POST "+path+" HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
	for time.Since(start) < 8*time.Second {
		if _, err := io.WriteString(conn, " "); err != nil {
			break // cut
		}
		time.Sleep(100 * time.Millisecond)
		conn.SetReadDeadline(time.Now().Add(time.Millisecond))
		if _, err := conn.Read(make([]byte, 1)); err != nil && !isTimeout(err) {
			break // answered or closed
		}
	}
	return time.Since(start)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// TestNoHTTP2: a client that offers only h2 does not get it.
func TestNoHTTP2(t *testing.T) {
	d, err := Open(onStore(t, Options{Dir: t.TempDir()}))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	conn, err := tls.Dial("tcp", serveOn(t, d), &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2"}})
	if err == nil {
		defer conn.Close()
		if p := conn.ConnectionState().NegotiatedProtocol; p == "h2" {
			t.Fatal("the district speaks HTTP/2")
		}
	}
	conn2, err := tls.Dial("tcp", serveOn(t, d), &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2", "http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close()
	if p := conn2.ConnectionState().NegotiatedProtocol; p != "http/1.1" {
		t.Fatalf("offered h2 and http/1.1, got %q", p)
	}
}

// TestBodyDeadlineFollowsTheLeastRate: the next byte is due within the
// idle time, and never later than the bytes so far allow at the least
// rate once the grace is over.
func TestBodyDeadlineFollowsTheLeastRate(t *testing.T) {
	start := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	b := &movingBody{idle: 30 * time.Second, start: start, grace: 30 * time.Second, rate: 256}
	if got := b.deadline(start); !got.Equal(start.Add(30 * time.Second)) {
		t.Errorf("at the start: %v", got.Sub(start))
	}
	// A fast body: 1 MiB in 10 s is far above the rate; idle decides.
	b.n = 1 << 20
	if got := b.deadline(start.Add(10 * time.Second)); !got.Equal(start.Add(40 * time.Second)) {
		t.Errorf("a fast body: due %v after start", got.Sub(start))
	}
	// A trickle: 100 bytes in 60 s is below 256 B/s after the grace; the
	// next byte was due before now, so the read fails at once.
	b.n = 100
	now := start.Add(60 * time.Second)
	if got := b.deadline(now); !got.Before(now) {
		t.Errorf("a trickle: due %v after start, now is %v", got.Sub(start), now.Sub(start))
	}
}

// TestRequestsAtOnceFromOneTerminal: a terminal with maxBusy requests in
// the district gets 429 for one more; another terminal does not wait for
// it; once one ends, the next is taken.
func TestRequestsAtOnceFromOneTerminal(t *testing.T) {
	d := open(t, t.TempDir(), &clock{now: time.Now()})
	a, b := enroll(t, d, "HALL-A"), enroll(t, d, "HALL-B")
	release := make(chan struct{})
	inside := make(chan struct{}, maxBusy+2)
	h := d.terminal(func(w http.ResponseWriter, r *http.Request, _ string) {
		inside <- struct{}{}
		<-release
	})
	call := func(cert *x509.Certificate) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", protocol.PathStatuses, nil)
		r.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{cert}}
		w := httptest.NewRecorder()
		h(w, r)
		return w
	}
	done := make(chan int, maxBusy+2)
	for range maxBusy {
		go func() { done <- call(a).Code }()
	}
	for range maxBusy {
		<-inside
	}
	if w := call(a); w.Code != http.StatusTooManyRequests {
		t.Fatalf("request %d at once: %d %s", maxBusy+1, w.Code, w.Body)
	}
	go func() { done <- call(b).Code }()
	select {
	case <-inside: // the other terminal is served
	case <-time.After(5 * time.Second):
		t.Fatal("another terminal waited for this one")
	}
	close(release)
	for range maxBusy + 1 {
		if code := <-done; code != http.StatusOK {
			t.Errorf("a request within the bound: %d", code)
		}
	}
	if w := call(a); w.Code != http.StatusOK {
		t.Fatalf("after the others ended: %d", w.Code)
	}
}

// lockedClock is a clock a test moves while the district's goroutines read
// it.
type lockedClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *lockedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *lockedClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestStaleUploadsAreSweptWhileServing: an upload left unfinished for a
// week goes while the district serves, not only at its next start.
func TestStaleUploadsAreSweptWhileServing(t *testing.T) {
	clk := &lockedClock{now: time.Now()}
	d, err := Open(onStore(t, Options{Dir: t.TempDir(), Now: clk.Now, SweepEvery: 20 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	serveOn(t, d)
	data := []byte("half of an attachment")
	h := hash(append(data, data...))
	if n, _ := d.WriteBlob("HALL-1", h, 0, int64(2*len(data)), bytes.NewReader(data)); n != int64(len(data)) {
		t.Fatalf("partial upload holds %d", n)
	}
	time.Sleep(100 * time.Millisecond)
	if off, _ := d.BlobOffset("HALL-1", h); off != int64(len(data)) {
		t.Fatalf("a fresh upload was swept: offset %d", off)
	}
	clk.add(8 * 24 * time.Hour)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if off, _ := d.BlobOffset("HALL-1", h); off == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("a week-old upload was not swept while serving")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestIdleConnectionIsLetGo: a terminal that keeps its connection open
// after a request has it closed once IdleTimeout passes, so that a fleet
// larger than MaxConns cannot hold every place between its rounds.
func TestIdleConnectionIsLetGo(t *testing.T) {
	d, err := Open(onStore(t, Options{Dir: t.TempDir(), IdleTimeout: 300 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	cert := terminalCert(t, d, "HALL-I")
	conn, err := tls.Dial("tcp", serveOn(t, d), &tls.Config{InsecureSkipVerify: true, Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /v1/no-such-thing HTTP/1.1\r\nHost: d\r\n\r\n")
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	rd := bufio.NewReader(conn)
	resp, err := http.ReadResponse(rd, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.Close {
		t.Fatal("the district closed the connection after one request; the test needs it kept")
	}
	start := time.Now()
	_, err = rd.ReadByte()
	took := time.Since(start)
	if isTimeout(err) {
		t.Fatalf("an idle connection was still open after %v (idle timeout 300 ms)", took)
	}
	if took < 200*time.Millisecond {
		t.Fatalf("the connection ended %v after its answer (%v), before the idle timeout", took, err)
	}
}
