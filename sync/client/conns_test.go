package client

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/yizhan-kiosk/yizhan/sync/district"
)

// TestAFleetLargerThanTheDistrictsCapIsServed: a round lets its connection
// go, so a district whose cap on open connections is smaller than its
// fleet still serves every terminal, round after round. Were a terminal to
// keep its connection between rounds, the third would be refused.
func TestAFleetLargerThanTheDistrictsCapIsServed(t *testing.T) {
	d, err := district.Open(district.Options{Dir: t.TempDir(), Name: "示范区", MaxConns: 2, MaxConnsPerAddr: 2})
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
	b := &backend{d: d, url: "https://" + ln.Addr().String()}

	var fleet []*terminal
	for i := range 5 {
		fleet = append(fleet, enrollTerminal(t, b, fmt.Sprintf("HALL-%d", i)))
	}
	for round := range 2 {
		for _, tm := range fleet {
			tm.submit(t, "application", `{"name":"张三"}`, []byte("照片"))
			if err := tm.client.Once(ctx); err != nil {
				t.Fatalf("round %d of %s: %v", round, tm.id.TerminalID, err)
			}
		}
	}
	all, err := d.Records("")
	if err != nil || len(all) != 10 {
		t.Fatalf("the district holds %d records, %v; want 10", len(all), err)
	}
}

// TestRoundsResumeTheirTLSSession: after the first round, each dials anew
// and resumes an earlier session rather than signing and checking
// certificates again; the district still knows the terminal by its
// certificate.
func TestRoundsResumeTheirTLSSession(t *testing.T) {
	b := startBackend(t, t.TempDir())
	tm := enrollTerminal(t, b, "HALL-R")
	if err := tm.client.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	var requests, resumed atomic.Int32
	b.setWrap(func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			requests.Add(1)
			if r.TLS != nil && r.TLS.DidResume && len(r.TLS.PeerCertificates) > 0 {
				resumed.Add(1)
			}
			h.ServeHTTP(w, r)
		})
	})
	for range 2 {
		if err := tm.client.Once(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if n := requests.Load(); n == 0 || resumed.Load() != n {
		t.Fatalf("%d of the later rounds' %d requests came over a resumed session with the terminal's certificate", resumed.Load(), n)
	}
}
