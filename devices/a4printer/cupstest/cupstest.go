// Package cupstest runs the virtual A4 printer (cupssim) for a test: a
// private cupsd on a free loopback port, stopped when the test ends.
package cupstest

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/yizhan-kiosk/yizhan/devices/a4printer/cupssim"
)

// Queue is the virtual printer's queue.
const Queue = "yizhan-a4"

// Modes of the simulated printer.
const (
	ModeOK       = cupssim.ModeOK
	ModePaperOut = cupssim.ModePaperOut
	ModeJam      = cupssim.ModeJam
	ModeFail     = cupssim.ModeFail
	ModeSlow     = cupssim.ModeSlow
)

// CUPS is a running virtual printer; its methods fail the test.
type CUPS struct {
	t testing.TB
	*cupssim.Server
	Out string // where printed documents go
}

// Need skips the test when cupsd is not installed or the test not root,
// or fails it with YIZHAN_REQUIRE_CUPS set (make test sets it: there, a
// missing print system is a broken machine, not a reason to skip).
func Need(t testing.TB) {
	t.Helper()
	if m := cupssim.Missing(); len(m) > 0 {
		if os.Getenv("YIZHAN_REQUIRE_CUPS") != "" {
			t.Fatalf("%s not installed (apt-get install cups-daemon cups-client)", strings.Join(m, ", "))
		}
		t.Skipf("%s not installed (apt-get install cups-daemon cups-client)", strings.Join(m, ", "))
	}
	if os.Geteuid() != 0 {
		t.Skip("a private cupsd runs its backends as root only")
	}
}

// Start runs the virtual printer until the test ends.
func Start(t testing.TB) *CUPS {
	t.Helper()
	Need(t)
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	out := filepath.Join(dir, "out")
	s, err := cupssim.Start(cupssim.Options{Dir: filepath.Join(dir, "cups"), Addr: addr, Queue: Queue, Out: out})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &CUPS{t: t, Server: s, Out: out}
}

// Admin runs lpadmin on the private cupsd.
func (c *CUPS) Admin(args ...string) {
	c.t.Helper()
	if err := c.Server.Admin(args...); err != nil {
		c.t.Fatal(err)
	}
}

// Run runs a CUPS command on the private cupsd.
func (c *CUPS) Run(name string, args ...string) {
	c.t.Helper()
	if err := c.Server.Run(name, args...); err != nil {
		c.t.Fatal(err)
	}
}

// SetMode sets what the simulated printer does.
func (c *CUPS) SetMode(mode string) {
	c.t.Helper()
	if err := c.Server.SetMode(mode); err != nil {
		c.t.Fatal(err)
	}
}

// Stop kills the cupsd, as a crash would.
func (c *CUPS) Stop() { c.Server.Close() }
