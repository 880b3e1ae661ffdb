package xdpms

import (
	"bufio"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// xvfb starts a virtual X server on a display number it chooses itself
// (-displayfd: no race with other servers for a number) and returns the
// display's name. It is stopped cleanly, so it leaves no socket or lock.
func xvfb(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("Xvfb"); err != nil {
		t.Skip("Xvfb is not installed (make deps installs it)")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// -noreset: without it the server resets when a client disconnects,
	// and the next connection meets the reset.
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "640x480x24", "-nolisten", "tcp", "-noreset")
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	})
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- s
	}()
	select {
	case s := <-line:
		if _, err := strconv.Atoi(strings.TrimSpace(s)); err != nil {
			t.Fatalf("Xvfb display number %q: %v", s, err)
		}
		return ":" + strings.TrimSpace(s)
	case <-time.After(10 * time.Second):
		t.Fatal("Xvfb did not start within 10 s")
	}
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
