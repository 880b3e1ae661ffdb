package district

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"testing"
	"time"
)

// A peer that starts a request body and goes silent is dropped, even on
// the endpoint that needs no certificate.
func TestSilentBodyIsDropped(t *testing.T) {
	d, err := Open(Options{Dir: t.TempDir(), BodyIdle: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- d.Serve(ctx, ln) }()
	defer func() { cancel(); <-served }()

	conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "POST /v1/enroll HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"tok")
	start := time.Now()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	io.ReadAll(conn) // the district answers or closes; either ends the read
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("a silent body held the connection for %v", took)
	}
}
