package main

import (
	"context"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
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

// TestExitIfFyneHangs: told to stop, the terminal waits for Fyne's loop to
// end; if it does not, it finishes its own parts and exits 0 — and only
// then.
func TestExitIfFyneHangs(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	run := func(loopEnds bool, wait time.Duration) (finished, exited []int) {
		ctx, cancel := context.WithCancel(context.Background())
		ran := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			exitIfFyneHangs(ctx, ran, wait,
				func() { finished = append(finished, 1) },
				func(code int) { exited = append(exited, code) }, log)
		}()
		cancel()
		if loopEnds {
			close(ran)
		}
		<-done
		return finished, exited
	}
	if f, e := run(true, time.Minute); len(f) != 0 || len(e) != 0 {
		t.Fatalf("the loop ended, yet finish ran %d times and exit %v", len(f), e)
	}
	if f, e := run(false, 50*time.Millisecond); len(f) != 1 || len(e) != 1 || e[0] != 0 {
		t.Fatalf("the loop hung: finish ran %d times, exit %v; want once, [0]", len(f), e)
	}
}

// quitTwice is an app whose window system is already gone, as after Fyne's
// own handler of SIGTERM ended its loop: quitting it panics.
type quitTwice struct{ fyne.App }

func (quitTwice) Quit() { panic("the GLFW library is not initialized") }

// TestQuitAfterFyneQuitItself: a stop that finds Fyne's loop already ended
// (Fyne and the terminal both answer SIGTERM) stops cleanly, and the gate
// drops the screens' late calls.
func TestQuitAfterFyneQuitItself(t *testing.T) {
	test.NewTempApp(t)
	var g uiGate
	g.quit(quitTwice{})
	called := false
	g.do(func() { called = true })
	if called {
		t.Fatal("a call went to the screens after quit")
	}
}
