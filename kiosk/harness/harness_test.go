package harness

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/kiosk/inspect"
)

// TestTapCatchesDrawingAndTouchApart taps a button whose place the program
// reports truly, then one it reports 200 pixels below where it is drawn:
// the first tap lands and is taken; the second must fail the harness,
// because what is drawn under the tap is not the button.
func TestTapCatchesDrawingAndTouchApart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an X server")
	}
	d := StartDisplay(t, 1280, 720)
	bin := buildDriftApp(t)

	t.Run("true", func(t *testing.T) {
		sock := filepath.Join(t.TempDir(), "inspect.sock")
		k := StartProgram(t, d, bin, []string{"-socket", sock}, sock, Options{})
		k.Tap("button")
		if s := k.Snapshot(); s.Touches != 1 {
			t.Fatalf("the program took %d touches, want 1", s.Touches)
		}
	})

	t.Run("drifted", func(t *testing.T) {
		sock := filepath.Join(t.TempDir(), "inspect.sock")
		rec := &failures{TB: t}
		k := StartProgram(rec, d, bin, []string{"-socket", sock, "-drift", "200"}, sock, Options{})
		rec.run(func() { k.Tap("button") })
		if !strings.Contains(rec.msg(), "what is drawn under the tap is not it") {
			t.Fatalf("tapping a button reported 200 px off its drawing: the harness said %q", rec.msg())
		}
		if s := k.Snapshot(); s.Touches != 0 {
			t.Fatalf("the harness tapped anyway: %d touches", s.Touches)
		}
	})
}

// TestSetupRepeatAndShot covers the helpers journeys use beside Tap.
func TestSetupRepeatAndShot(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an X server")
	}
	d := StartDisplay(t, 1280, 720)
	bin := buildDriftApp(t)

	// Setup prepares the work folder before the program starts: here the
	// folder its socket is made in, which it cannot make itself.
	t.Run("setup", func(t *testing.T) {
		sock := filepath.Join("made", "inspect.sock")
		k := StartProgram(t, d, bin, []string{"-socket", sock}, sock, Options{Setup: func(work string) error {
			return os.Mkdir(filepath.Join(work, "made"), 0o700)
		}})
		k.Tap("button")

		rec := &failures{TB: t}
		rec.run(func() {
			StartProgram(rec, d, bin, []string{"-socket", sock}, sock, Options{Setup: func(string) error { return errors.New("no room") }})
		})
		if !strings.Contains(rec.msg(), "no room") {
			t.Fatalf("a failing setup: the harness said %q", rec.msg())
		}
	})

	// A screen that grows the window past the panel fails the Wait that
	// sees it, not only the next tap.
	t.Run("grown", func(t *testing.T) {
		sock := filepath.Join(t.TempDir(), "inspect.sock")
		rec := &failures{TB: t}
		k := StartProgram(rec, d, bin, []string{"-socket", sock, "-grow", "-size", fmt.Sprintf("%dx%d", d.W, d.H)}, sock, Options{})
		rec.run(func() { k.Tap("button") })
		if rec.msg() != "" {
			t.Fatalf("the tap failed before the program grew: %s", rec.msg())
		}
		rec.run(func() {
			k.Wait("the program grown", 10*time.Second, func(s inspect.Snapshot) bool { return s.Canvas.W > d.W })
		})
		if !strings.Contains(rec.msg(), "the window is") {
			t.Fatalf("a window grown past the screen: the harness said %q", rec.msg())
		}
	})

	// Repeated taps all land, without waiting on each, and Shot keeps the
	// screen among the steps'.
	t.Run("repeat and shot", func(t *testing.T) {
		sock := filepath.Join(t.TempDir(), "inspect.sock")
		shots := t.TempDir()
		k := StartProgram(t, d, bin, []string{"-socket", sock}, sock, Options{Shots: shots})
		k.TapRepeat("button", 3, 150*time.Millisecond)
		k.Wait("three touches", 10*time.Second, func(s inspect.Snapshot) bool { return s.Touches == 3 })
		if k.Taps != 3 {
			t.Errorf("counted %d taps, want 3", k.Taps)
		}
		img := k.Shot("after")
		if b := img.Bounds(); b.Dx() != d.W || b.Dy() != d.H {
			t.Errorf("the shot is %v on a %dx%d screen", b, d.W, d.H)
		}
		for _, name := range []string{"01-button.png", "02-after.png"} {
			if _, err := os.Stat(filepath.Join(shots, name)); err != nil {
				t.Errorf("no %s among the shots: %v", name, err)
			}
		}
	})
}

// failures stands in for a test to see how the harness fails it: Fatal
// records the message and ends the goroutine, as a test's would.
type failures struct {
	testing.TB
	mu   sync.Mutex
	msgs []string
}

func (f *failures) Helper() {}

func (f *failures) Fatalf(format string, args ...any) {
	f.record(fmt.Sprintf(format, args...))
	runtime.Goexit()
}

func (f *failures) Fatal(args ...any) {
	f.record(fmt.Sprint(args...))
	runtime.Goexit()
}

func (f *failures) Errorf(format string, args ...any) { f.record(fmt.Sprintf(format, args...)) }

func (f *failures) record(s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs = append(f.msgs, s)
}

func (f *failures) msg() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.msgs, "; ")
}

// run calls fn on a goroutine of its own, so a Fatal ends only it.
func (f *failures) run(fn func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	<-done
}

// buildDriftApp builds the test program of testdata/driftapp.
func buildDriftApp(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "driftapp")
	if out, err := exec.Command("go", "build", "-o", bin, "./testdata/driftapp").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}
