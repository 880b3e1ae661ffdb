package harness

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
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
	bin := filepath.Join(t.TempDir(), "driftapp")
	if out, err := exec.Command("go", "build", "-o", bin, "./testdata/driftapp").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

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
