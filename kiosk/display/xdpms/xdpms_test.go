package xdpms

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jezek/xgb"
)

// xvfb starts a virtual X server on a free display
// number and returns the display's name.
func xvfb(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("Xvfb"); err != nil {
		t.Skip("Xvfb is not installed (make deps installs it)")
	}
	for n := 71; n < 90; n++ {
		if _, err := os.Stat(filepath.Join("/tmp/.X11-unix", fmt.Sprintf("X%d", n))); err == nil {
			continue
		}
		display := fmt.Sprintf(":%d", n)
		cmd := exec.Command("Xvfb", display, "-screen", "0", "640x480x24", "-nolisten", "tcp")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if c, err := xgb.NewConnDisplay(display); err == nil {
				c.Close()
				return display
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("Xvfb on %s did not answer", display)
	}
	t.Fatal("no free X display number")
	return ""
}

// Xvfb, like Xorg on a screen that cannot power down, offers no DPMS:
// Open says so plainly and the terminal goes on with the screen always on.
// (Sleep and Keep need a real monitor: docs/install.md says how to check
// them on a terminal.)
func TestOpenSaysWhenTheServerHasNoDPMS(t *testing.T) {
	_, err := Open(xvfb(t))
	if err == nil || !strings.Contains(err.Error(), "DPMS") {
		t.Fatalf("Open on a server without DPMS: %v", err)
	}
}

func TestOpenWithoutAServer(t *testing.T) {
	if _, err := Open(":89"); err == nil {
		t.Fatal("opened a display nobody serves")
	}
}
