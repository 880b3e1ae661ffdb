package client

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/faultproxy"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// The faults a link between terminal and district shows. Each scenario
// queues fresh records, breaks the link its way, lets the terminal try,
// mends the link and syncs; then every record ever submitted must be at the
// district exactly once and intact, and acknowledged on the terminal.

type faultRig struct {
	t     *testing.T
	dir   string // the district's
	b     *backend
	proxy *faultproxy.Proxy
	tm    *terminal
	subs  []submitted
	rnd   *rand.Rand
	count int // scenarios run
}

func newFaultRig(t *testing.T) *faultRig {
	dir := t.TempDir()
	b := startBackend(t, dir)
	p, err := faultproxy.Start(b.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	enrolled := enrollTerminal(t, b, "HALL-0100")
	enrolled.state.Close()
	enrolled.queue.Close()
	tm := openTerminal(t, enrolled.dir, enrolled.id, "https://"+p.Addr())
	// Short waits, so a stalled link is given up quickly in tests.
	tm.client.opt.AnswerTimeout = 800 * time.Millisecond
	return &faultRig{t: t, dir: dir, b: b, proxy: p, tm: tm, rnd: rand.New(rand.NewPCG(7, 27))}
}

// queue submits n records with attachments of assorted sizes.
func (r *faultRig) queue(n int) {
	for range n {
		size := 1 + r.rnd.IntN(120_000)
		att := make([]byte, size)
		for i := range att {
			att[i] = byte(r.rnd.Uint32())
		}
		personal := fmt.Sprintf(`{"name":"测试%d","phone":"1380013%04d"}`, len(r.subs), len(r.subs))
		if len(r.subs)%3 == 0 {
			rating := fmt.Sprintf(`{"level":%d,"reason":"等候太久","phone":"1380013%04d"}`, 1+len(r.subs)%5, len(r.subs))
			r.subs = append(r.subs, r.tm.submit(r.r(), outbox.Rating, rating))
		} else {
			r.subs = append(r.subs, r.tm.submit(r.r(), outbox.Application, personal, att, att[:size/2]))
		}
	}
}

func (r *faultRig) r() *testing.T { return r.t }

// mendAndCheck syncs over a good link and checks every record.
func (r *faultRig) mendAndCheck(name string) {
	r.t.Helper()
	r.proxy.SetFault(faultproxy.Fault{})
	r.proxy.Release()
	r.b.setWrap(nil)
	var err error
	for try := 0; try < 5; try++ {
		if err = r.tm.client.Once(context.Background()); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond) // the loop's backoff, shortened
	}
	if err != nil {
		r.t.Fatalf("%s: the mended link still fails: %v", name, err)
	}
	checkDelivered(r.t, r.b, r.tm, r.subs)
	r.count++
}

// fresh makes the terminal's next request open a new connection, which is
// where the proxy's faults apply.
func (r *faultRig) fresh() { r.tm.client.hc.CloseIdleConnections() }

func TestFaultScenarios(t *testing.T) {
	r := newFaultRig(t)
	ctx := context.Background()

	// Connections cut at assorted points in each direction: during the
	// handshake, inside an attachment, inside the records batch, in the
	// answer.
	cuts := []struct {
		dir   faultproxy.Direction
		after int64
	}{
		{faultproxy.ToServer, 700}, {faultproxy.ToServer, 5_000}, {faultproxy.ToServer, 40_000},
		{faultproxy.ToServer, 100_000}, {faultproxy.ToServer, 160_000},
		{faultproxy.ToClient, 1_500}, {faultproxy.ToClient, 2_600}, {faultproxy.ToClient, 3_300}, {faultproxy.ToClient, 4_000},
	}
	// One upload at a time, so the bytes of a round run through one
	// connection and each cut lands where it is aimed, however the
	// machine's load spreads the work.
	r.tm.client.opt.Uploads = 1
	for _, c := range cuts {
		name := fmt.Sprintf("reset %s after %d bytes", c.dir, c.after)
		r.queue(10)
		r.fresh()
		before := r.proxy.Stats().Resets
		r.proxy.SetFault(faultproxy.Reset(c.dir, c.after))
		err := r.tm.client.Once(ctx)
		if r.proxy.Stats().Resets == before {
			t.Fatalf("%s: no connection was cut (sync: %v)", name, err)
		}
		// The sync may fail, or recover by itself when the cut hit a
		// request the HTTP client can safely send again; either way the
		// records must end up delivered once.
		r.mendAndCheck(name)
	}

	r.tm.client.opt.Uploads = 4

	// A stall in each direction: the terminal gives up and comes back.
	for _, dir := range []faultproxy.Direction{faultproxy.ToServer, faultproxy.ToClient} {
		r.queue(3)
		r.fresh()
		r.proxy.SetFault(faultproxy.Stall(dir, 3_000, 0))
		if err := r.tm.client.Once(ctx); err == nil {
			t.Fatalf("stall %s: the sync succeeded through a stalled link", dir)
		}
		r.mendAndCheck("stall " + dir.String())
	}

	// The district down: connections refused.
	r.queue(2)
	r.fresh()
	r.proxy.SetFault(faultproxy.Refuse())
	if err := r.tm.client.Once(ctx); err == nil {
		t.Fatal("refused: the sync succeeded")
	}
	if r.tm.client.Status().Online {
		t.Fatal("refused: the terminal thinks it is online")
	}
	r.mendAndCheck("refused")

	// 5xx answers for records and for attachments.
	for _, path := range []string{protocol.PathRecords, protocol.PathBlobs} {
		r.queue(3)
		r.b.setWrap(failing(path, http.StatusServiceUnavailable))
		if err := r.tm.client.Once(ctx); err == nil {
			t.Fatalf("503 on %s: the sync succeeded", path)
		}
		if r.tm.client.Status().Online {
			t.Fatalf("503 on %s: the terminal thinks it is online", path)
		}
		r.mendAndCheck("503 on " + path)
	}

	// The district stored the batch but its answer was lost: the next
	// delivery is a duplicate, still stored once.
	r.queue(3)
	r.b.setWrap(func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if req.URL.Path != protocol.PathRecords {
				h.ServeHTTP(w, req)
				return
			}
			h.ServeHTTP(discard{}, req) // stored…
			w.WriteHeader(http.StatusBadGateway)
		})
	})
	if err := r.tm.client.Once(ctx); err == nil {
		t.Fatal("lost answer: the sync succeeded")
	}
	r.mendAndCheck("answer lost after the district stored the batch")

	// The district restarted in the middle of a batch, over a slow link.
	r.queue(8)
	r.proxy.SetBandwidth(400_000, 0)
	done := make(chan error, 1)
	go func() { done <- r.tm.client.Once(ctx) }()
	time.Sleep(400 * time.Millisecond)
	r.b.stop()
	if err := <-done; err == nil {
		t.Fatal("restart: the sync succeeded while the district was stopped")
	}
	r.b = startBackendOn(t, r.dir, r.b.addr)
	r.proxy.SetBandwidth(0, 0)
	r.mendAndCheck("district restarted mid-batch")

	t.Logf("%d fault scenarios, %d records, each at the district once and intact", r.count, len(r.subs))
}

// failing answers status to every request under path.
func failing(path string, status int) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if len(req.URL.Path) >= len(path) && req.URL.Path[:len(path)] == path {
				w.WriteHeader(status)
				return
			}
			h.ServeHTTP(w, req)
		})
	}
}

type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) WriteHeader(int)             {}

// TestTerminalKilledMidSync kills the syncing terminal with SIGKILL at
// random instants of an upload over a slow link, starts it again each
// time, and at the end every record is at the district once.
func TestTerminalKilledMidSync(t *testing.T) {
	r := newFaultRig(t)
	r.queue(24)
	r.tm.state.Close()
	r.tm.queue.Close()
	r.proxy.SetBandwidth(600_000, 0)
	kills := 0
	for i := range 6 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "YIZHAN_SYNC_CHILD="+r.tm.dir, "YIZHAN_SYNC_BACKEND=https://"+r.proxy.Addr())
		var out bytes.Buffer
		cmd.Stderr = &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(150+r.rnd.IntN(500)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			kills++
		} else if err != nil {
			t.Fatalf("run %d: the terminal failed on its own: %v\n%s", i, err, out.String())
		}
	}
	if kills < 3 {
		t.Fatalf("only %d of 6 runs were killed mid-sync", kills)
	}
	r.proxy.SetBandwidth(0, 0)
	r.tm = openTerminal(t, r.tm.dir, r.tm.id, "https://"+r.proxy.Addr())
	r.mendAndCheck("terminal killed mid-sync")
	t.Logf("%d kills mid-sync; %d records each at the district once", kills, len(r.subs))
}

// syncChild is the terminal killed by TestTerminalKilledMidSync: it syncs
// its data folder until it is killed.
func syncChild(dir, backend string) {
	id, err := LoadIdentity(IdentityDir(dir))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	tm, err := openParts(dir, id, backend)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	for {
		tm.client.Once(context.Background())
	}
}

func TestMain(m *testing.M) {
	if dir := os.Getenv("YIZHAN_SYNC_CHILD"); dir != "" {
		syncChild(dir, os.Getenv("YIZHAN_SYNC_BACKEND"))
		return
	}
	os.Exit(m.Run())
}
