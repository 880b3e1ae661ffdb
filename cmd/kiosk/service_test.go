package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
)

// A UI loop that stops answering stops the watchdog pings, so systemd
// restarts the terminal; while it answers, the pings go on.
func TestWatchdogPingsOnlyWhileTheUIAnswers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notify")
	sock, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	t.Setenv("NOTIFY_SOCKET", path)
	t.Setenv("WATCHDOG_USEC", "100000") // a ping every 50 ms
	t.Setenv("WATCHDOG_PID", "")

	var frozen atomic.Bool
	answers := func(ctx context.Context, wait time.Duration) bool {
		if frozen.Load() {
			time.Sleep(wait) // as a stuck fyne.Do would
			return false
		}
		return true
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	superviseUI(ctx, &wg, answers, slog.New(slog.DiscardHandler))

	read := func(within time.Duration) (string, bool) {
		buf := make([]byte, 64)
		sock.SetReadDeadline(time.Now().Add(within))
		n, err := sock.Read(buf)
		return string(buf[:n]), err == nil
	}
	for _, want := range []string{"READY=1", "WATCHDOG=1", "WATCHDOG=1"} {
		if got, ok := read(10 * time.Second); !ok || got != want {
			t.Fatalf("got %q (%v), want %q", got, ok, want)
		}
	}
	frozen.Store(true)
	// A ping already on its way may still arrive; after that, silence.
	for {
		got, ok := read(time.Second)
		if !ok {
			break
		}
		if got != "WATCHDOG=1" {
			t.Fatalf("got %q", got)
		}
	}
	if got, ok := read(500 * time.Millisecond); ok {
		t.Fatalf("a frozen UI still pinged: %q", got)
	}
	frozen.Store(false)
	if got, ok := read(10 * time.Second); !ok || got != "WATCHDOG=1" {
		t.Fatalf("the pings did not resume: %q %v", got, ok)
	}
}

// TestStopWithoutFyne: told to stop, the terminal closes the gate to the
// screens, finishes its own parts and only then exits 0; calls into the
// screens after that are dropped.
func TestStopWithoutFyne(t *testing.T) {
	test.NewTempApp(t)
	var g uiGate
	var order []string
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		stopWithoutFyne(ctx, &g,
			func() { order = append(order, fmt.Sprintf("finish, gate closed %v", g.closed.Load())) },
			func(code int) { order = append(order, fmt.Sprintf("exit %d", code)) },
			slog.New(slog.DiscardHandler))
	}()
	select {
	case <-done:
		t.Fatal("stopped before it was told to")
	case <-time.After(50 * time.Millisecond):
	}
	cancel()
	<-done
	if want := []string{"finish, gate closed true", "exit 0"}; !slices.Equal(order, want) {
		t.Fatalf("%q, want %q", order, want)
	}
	called := false
	g.do(func() { called = true })
	if called {
		t.Fatal("a call went to the screens after the stop")
	}
}
