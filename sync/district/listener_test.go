package district

import (
	"io"
	"log/slog"
	"net"
	"testing"
	"time"
)

// TestConnectionCaps: past the bound from one address, and past the
// bound in all, a new connection is closed at once; a connection that
// ends gives its place back.
func TestConnectionCaps(t *testing.T) {
	for _, c := range []struct {
		name         string
		max, perAddr int
		bound        int
	}{
		{"per address", 100, 3, 3},
		{"in all", 2, 100, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			inner, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ln := newCapListener(inner, c.max, c.perAddr, slog.New(slog.DiscardHandler))
			defer ln.Close()
			accepted := make(chan net.Conn, 16)
			go func() {
				for {
					conn, err := ln.Accept()
					if err != nil {
						return
					}
					accepted <- conn // held open, as a slow request would be
				}
			}()
			dial := func() net.Conn {
				conn, err := net.Dial("tcp", inner.Addr().String())
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { conn.Close() })
				return conn
			}
			var held []net.Conn
			for range c.bound {
				dial()
				select {
				case s := <-accepted:
					held = append(held, s)
				case <-time.After(5 * time.Second):
					t.Fatal("a connection within the bound was not accepted")
				}
			}
			for range 2 {
				past := dial()
				past.SetReadDeadline(time.Now().Add(5 * time.Second))
				if _, err := past.Read(make([]byte, 1)); err != io.EOF {
					t.Fatalf("a connection past the bound of %d: read %v, want it closed", c.bound, err)
				}
			}
			held[0].Close()
			dial()
			select {
			case s := <-accepted:
				s.Close()
			case <-time.After(5 * time.Second):
				t.Fatal("a closed connection did not give its place back")
			}
			for _, s := range held[1:] {
				s.Close()
			}
			ln.mu.Lock()
			defer ln.mu.Unlock()
			if ln.open != 0 || len(ln.byAddr) != 0 {
				t.Fatalf("after every connection closed: %d open, %v", ln.open, ln.byAddr)
			}
		})
	}
}
