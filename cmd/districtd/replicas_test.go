package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/cmd/internal/command/commandtest"
	"github.com/yizhan-kiosk/yizhan/sync/district"
	"github.com/yizhan-kiosk/yizhan/sync/district/pgtest"
	"github.com/yizhan-kiosk/yizhan/sync/faultproxy"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
)

// replica is a districtd serve in a process of its own, that a test can
// kill.
type replica struct {
	t    *testing.T
	dir  string
	addr string
	cmd  *exec.Cmd
	log  *bytes.Buffer
}

// freeAddr is a loopback address nothing listens on now.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startReplica(t *testing.T, dir, addr string) *replica {
	t.Helper()
	r := &replica{t: t, dir: dir, addr: addr, log: &bytes.Buffer{}}
	r.cmd = exec.Command(os.Args[0], "serve", "--data", dir, "--listen", addr)
	r.cmd.Env = append(os.Environ(), commandtest.AsProgram+"=1")
	r.cmd.Stderr = r.log
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.kill() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica in %s did not start:\n%s", dir, r.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill ends the replica with SIGKILL: no shutdown, no flush.
func (r *replica) kill() {
	if r.cmd.ProcessState == nil {
		r.cmd.Process.Signal(syscall.SIGKILL)
		r.cmd.Wait()
	}
}

// TestTwoReplicasKeepExactlyOnce: a terminal syncs through a load balancer
// to two districtd replicas on one PostgreSQL, with connections cut mid-
// response; one replica is killed with SIGKILL in the middle of the sync
// and started again later. Every record is at the district once, with its
// attachment whole, and the terminal's queue is empty.
func TestTwoReplicasKeepExactlyOnce(t *testing.T) {
	dsn := pgtest.Database(t)
	first, second := t.TempDir(), t.TempDir()
	districtd(t, "init", "--data", first, "--store", dsn)
	// The second replica: the database's name and the replicas' key,
	// and the attachments folder both share (here, a link to the same).
	for _, name := range []string{district.StoreFile, district.ReplicaKeyFile} {
		data, err := os.ReadFile(filepath.Join(first, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		os.WriteFile(filepath.Join(second, name), data, 0o600)
	}
	if err := os.Symlink(filepath.Join(first, "attachments"), filepath.Join(second, "attachments")); err != nil {
		t.Fatal(err)
	}
	a := startReplica(t, first, freeAddr(t))
	b := startReplica(t, second, freeAddr(t))
	lb, err := faultproxy.StartBalanced(a.addr, b.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer lb.Close()

	token := strings.Fields(districtd(t, "token", "new", "--site", "两副本", "--data", second))[0]
	k := provision(t, "https://"+lb.Addr(), token, "HALL-0200")
	const n = 24
	want := map[string]bool{}
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		photo := make([]byte, 100_000+rnd.IntN(100_000))
		for j := range photo {
			photo[j] = byte(rnd.Uint32())
		}
		rec := k.submit(t, outbox.Application, fmt.Sprintf(`{"name":"居民%d"}`, i), photo)
		want[rec.ID] = true
	}
	// Cut connections mid-upload.
	lb.FaultNext(3, faultproxy.Reset(faultproxy.ToServer, 64<<10))
	empty := func() bool {
		st, err := k.queue.Stats()
		if err != nil {
			t.Error(err)
			return true
		}
		if st.ByState[outbox.Rejected] != 0 {
			t.Errorf("%d records rejected", st.ByState[outbox.Rejected])
		}
		return st.ByState[outbox.Queued]+st.ByState[outbox.Sending] == 0
	}
	// The terminal syncs round after round, as its loop does, until its
	// queue is empty.
	limit := time.Now().Add(90 * time.Second)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for !empty() && time.Now().Before(limit) {
			k.sync.Once(context.Background())
		}
	}()
	// Kill the first replica once a megabyte is up, start it again once
	// another is.
	waitBytes := func(n int64) {
		for lb.Stats().BytesToServer < n && time.Now().Before(limit) {
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}
	waitBytes(1 << 20)
	a.kill()
	killedAt := lb.Stats().BytesToServer
	waitBytes(killedAt + 1<<20)
	a = startReplica(t, first, a.addr)
	<-done
	if !empty() {
		t.Fatalf("the queue did not empty\nreplica A:\n%s\nreplica B:\n%s", a.log, b.log)
	}

	st := lb.Stats()
	t.Logf("killed after %d bytes up; %d connections, %d cut, %d bytes up in all", killedAt, st.Accepted, st.Resets, st.BytesToServer)
	if killedAt < 1<<20 || st.BytesToServer < killedAt+1<<20 || st.Resets < 1 {
		t.Fatalf("the faults did not happen as planned: %+v", st)
	}
	var rows []struct {
		ID       string `json:"id"`
		Terminal string `json:"terminal"`
	}
	if err := json.Unmarshal([]byte(districtd(t, "apps", "list", "--json", "--data", second)), &rows); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, r := range rows {
		seen[r.ID]++
	}
	for id := range want {
		if seen[id] != 1 {
			t.Errorf("record %s is at the district %d times", id, seen[id])
		}
	}
	if len(rows) != n {
		t.Errorf("%d records at the district, %d sent", len(rows), n)
	}
	// Each attachment opens whole, whichever replica took which part.
	files := t.TempDir()
	for id := range want {
		districtd(t, "apps", "show", "HALL-0200/"+id, "--attachments", files, "--data", second)
	}
	if entries, _ := os.ReadDir(files); len(entries) != n {
		t.Errorf("%d attachments opened, want %d", len(entries), n)
	}
}
