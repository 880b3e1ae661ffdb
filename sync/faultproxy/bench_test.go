package faultproxy_test

import (
	"io"
	"net"
	"testing"
	"time"
)

// BenchmarkThroughput streams bytes one way to a sink, straight to the
// server and through a clean proxy, so the proxy's own cost shows as the
// difference between the two.
func BenchmarkThroughput(b *testing.B) {
	for _, via := range []string{"direct", "proxied"} {
		b.Run(via, func(b *testing.B) {
			sunk := make(chan int64, 1)
			srv := startServer(b, func(c *net.TCPConn) {
				c.SetDeadline(time.Time{}) // a long -benchtime must not hit the test deadline
				n, _ := io.Copy(io.Discard, c)
				sunk <- n
			})
			addr := srv.addr
			if via == "proxied" {
				addr = startProxy(b, srv.addr).Addr()
			}
			c := dial(b, addr)
			c.SetDeadline(time.Time{})
			buf := make([]byte, 64<<10)
			b.SetBytes(int64(len(buf)))
			var sent int64
			for b.Loop() {
				n, err := c.Write(buf)
				sent += int64(n)
				if err != nil {
					b.Fatalf("write: %v", err)
				}
			}
			// Count the time until the last byte has arrived, not just left.
			if err := c.CloseWrite(); err != nil {
				b.Fatalf("close write: %v", err)
			}
			if n := <-sunk; n != sent {
				b.Fatalf("sink got %d bytes, sent %d", n, sent)
			}
		})
	}
}
