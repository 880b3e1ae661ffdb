package district

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkHeldConnections measures what the district holds for peers that
// hold connections open: 500 idle after their TLS handshake, and 500 that
// trickle an enrollment body a byte at a time (each from its own loopback
// address, so the per-address cap does not refuse them). The district runs
// in a process of its own (TestDistrictForBenchmark); the benchmark reports
// its resident memory with all of them open, and per connection against
// before. Run it once:
//
//	go test -run '^$' -bench HeldConnections -benchtime 1x ./sync/district/
func BenchmarkHeldConnections(b *testing.B) {
	const idle, trickling = 500, 500
	cmd := exec.Command(os.Args[0], "-test.run=^TestDistrictForBenchmark$")
	cmd.Env = append(os.Environ(), "YIZHAN_BENCH_DISTRICT="+b.TempDir())
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	var addr string
	if _, err := fmt.Fscanln(stdout, &addr); err != nil {
		b.Fatalf("the district did not say where it listens: %v", err)
	}
	status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
	before := rssKiB(b, status)
	for b.Loop() {
		var conns []net.Conn
		for i := range idle + trickling {
			local := &net.TCPAddr{IP: net.IPv4(127, 0, byte(1+i/250), byte(1+i%250))}
			c, err := tls.DialWithDialer(&net.Dialer{LocalAddr: local, Timeout: 10 * time.Second}, "tcp", addr, &tls.Config{InsecureSkipVerify: true})
			if err != nil {
				b.Fatalf("connection %d: %v", i, err)
			}
			conns = append(conns, c)
			if i >= idle {
				io.WriteString(c, "POST /v1/enroll HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
			}
		}
		// A few bytes more on each trickling one, as a slow peer sends.
		for range 3 {
			time.Sleep(200 * time.Millisecond)
			for _, c := range conns[idle:] {
				io.WriteString(c, " ")
			}
		}
		held := rssKiB(b, status)
		b.ReportMetric(float64(before), "KiB-RSS-before")
		b.ReportMetric(float64(held), "KiB-RSS-held")
		b.ReportMetric(float64(held-before)/float64(idle+trickling), "KiB/conn")
		for _, c := range conns {
			c.Close()
		}
	}
}

// TestDistrictForBenchmark is the district BenchmarkHeldConnections
// measures, in a process of its own: it serves on loopback, prints where,
// and stops when its standard input closes. Skipped in a normal run.
func TestDistrictForBenchmark(t *testing.T) {
	dir := os.Getenv("YIZHAN_BENCH_DISTRICT")
	if dir == "" {
		t.Skip("run by BenchmarkHeldConnections")
	}
	d, err := Open(Options{Dir: dir, EnrollDeadline: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	fmt.Println(serveOn(t, d))
	io.Copy(io.Discard, os.Stdin)
}

// rssKiB is the resident set size a /proc/PID/status file gives.
func rssKiB(tb testing.TB, path string) int {
	status, err := os.ReadFile(path)
	if err != nil {
		tb.Skip("no /proc/self/status")
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			if err != nil {
				tb.Fatal(fmt.Errorf("VmRSS %q: %w", v, err))
			}
			return n
		}
	}
	tb.Fatal("no VmRSS")
	return 0
}
