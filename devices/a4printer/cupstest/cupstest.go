// Package cupstest runs a private cupsd for tests: Debian's own print
// system, on a loopback port of its own with its own folders, with one raw
// queue whose backend is a script of the test's. The script keeps every
// job's document in a folder and plays a printer's troubles — paper out,
// a jam, a failure — as a real backend tells cupsd of them (STATE: lines
// on its standard error), so the terminal's IPP client is tested against
// the real print system end to end.
package cupstest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Queue is the raw queue's name.
const Queue = "yizhan-a4"

// CUPS is a running private cupsd.
type CUPS struct {
	t    testing.TB
	dir  string
	cmd  *exec.Cmd
	Addr string // 127.0.0.1:PORT
	// URI is the queue's IPP URI.
	URI string
	// Out is where the backend keeps each job's document, as job-N.pdf.
	Out string
}

// Modes of the simulated printer (SetMode).
const (
	ModeOK       = "ok"        // prints at once
	ModePaperOut = "paper-out" // says media-empty-error and waits until the mode changes, then prints
	ModeJam      = "jam"       // says media-jam-error and waits until the mode changes, then prints
	ModeFail     = "fail"      // fails the job (the queue aborts it)
	ModeSlow     = "slow"      // takes 2 s, then prints
)

// backend is the queue's backend: argv is job-id user title copies
// options [file]; with no arguments it lists itself, as backends do.
const backend = `#!/bin/sh
if [ $# -eq 0 ]; then echo 'direct yizhantest "Unknown" "Yizhan test A4"'; exit 0; fi
dir=%q
f=${6:-/dev/stdin}
mode=$(cat "$dir/mode")
case "$mode" in
paper-out|jam)
  reason=media-empty-error; [ "$mode" = jam ] && reason=media-jam-error
  echo "STATE: +$reason" >&2
  while [ "$(cat "$dir/mode")" = "$mode" ]; do sleep 0.1; done
  echo "STATE: -$reason" >&2 ;;
fail) echo "ERROR: the simulated printer failed" >&2; exit 1 ;;
slow) sleep 2 ;;
esac
cat "$f" > "$dir/out/job-$1.pdf.part" && mv "$dir/out/job-$1.pdf.part" "$dir/out/job-$1.pdf"
exit 0
`

// Need skips the test when cupsd is not installed, or fails it with
// YIZHAN_REQUIRE_CUPS set (make test sets it: there, a missing print
// system is a broken machine, not a reason to skip).
func Need(t testing.TB) {
	t.Helper()
	for _, tool := range []string{"cupsd", "lpadmin"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("YIZHAN_REQUIRE_CUPS") != "" {
				t.Fatalf("%s is not installed (apt-get install cups-daemon cups-client)", tool)
			}
			t.Skipf("%s is not installed (apt-get install cups-daemon cups-client)", tool)
		}
	}
	if os.Geteuid() != 0 {
		t.Skip("a private cupsd runs its backends as root only when it is root")
	}
}

// Start runs a private cupsd with the queue, stopped when the test ends.
func Start(t testing.TB) *CUPS {
	t.Helper()
	Need(t)
	dir := t.TempDir()
	c := &CUPS{t: t, dir: dir, Out: filepath.Join(dir, "out")}
	for _, d := range []string{"root", "cache", "state", "spool", "log", "out", "bin/backend"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// The server's own programs are Debian's; the backend is the test's.
	for _, d := range []string{"daemon", "notifier", "cgi-bin", "filter", "monitor"} {
		if _, err := os.Stat(filepath.Join("/usr/lib/cups", d)); err == nil {
			os.Symlink(filepath.Join("/usr/lib/cups", d), filepath.Join(dir, "bin", d))
		}
	}
	write := func(name, text string, mode os.FileMode) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), mode); err != nil {
			t.Fatal(err)
		}
	}
	write("bin/backend/yizhantest", fmt.Sprintf(backend, dir), 0o700)
	c.SetMode(ModeOK)
	port := freePort(t)
	c.Addr = "127.0.0.1:" + strconv.Itoa(port)
	c.URI = fmt.Sprintf("ipp://%s/printers/%s", c.Addr, Queue)
	write("cupsd.conf", fmt.Sprintf(`Listen %s
Browsing No
WebInterface No
DefaultAuthType None
LogLevel info
MaxJobs 100
PreserveJobFiles No
PreserveJobHistory Yes
<Location />
  Order allow,deny
  Allow 127.0.0.1
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
`, c.Addr), 0o644)
	write("cups-files.conf", strings.NewReplacer("DIR", dir).Replace(`ServerRoot DIR/root
CacheDir DIR/cache
StateDir DIR/state
RequestRoot DIR/spool
TempDir DIR/spool
ServerBin DIR/bin
DataDir /usr/share/cups
AccessLog DIR/log/access_log
ErrorLog DIR/log/error_log
PageLog DIR/log/page_log
FileDevice No
`), 0o644)
	cmd := exec.Command("cupsd", "-f", "-c", filepath.Join(dir, "cupsd.conf"), "-s", filepath.Join(dir, "cups-files.conf"))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c.cmd = cmd
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", c.Addr, time.Second)
		if err == nil {
			conn.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("cupsd did not listen on %s: %v\n%s", c.Addr, err, c.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.Admin("-p", Queue, "-E", "-v", "yizhantest:/a4", "-o", "printer-error-policy=abort-job")
	return c
}

// Admin runs lpadmin on the private cupsd.
func (c *CUPS) Admin(args ...string) {
	c.t.Helper()
	out, err := exec.Command("lpadmin", append([]string{"-h", c.Addr}, args...)...).CombinedOutput()
	if err != nil {
		c.t.Fatalf("lpadmin %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// Run runs another CUPS command (cupsdisable, cupsaccept…) on the private
// cupsd.
func (c *CUPS) Run(name string, args ...string) {
	c.t.Helper()
	out, err := exec.Command(name, append([]string{"-h", c.Addr}, args...)...).CombinedOutput()
	if err != nil {
		c.t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// SetMode sets what the simulated printer does with the next job, and
// with one waiting on paper or a jam.
func (c *CUPS) SetMode(mode string) {
	c.t.Helper()
	if err := os.WriteFile(filepath.Join(c.dir, "mode"), []byte(mode+"\n"), 0o644); err != nil {
		c.t.Fatal(err)
	}
}

// Printed is the document the printer printed for job id, or nil.
func (c *CUPS) Printed(id int32) []byte {
	data, err := os.ReadFile(filepath.Join(c.Out, fmt.Sprintf("job-%d.pdf", id)))
	if err != nil {
		return nil
	}
	return data
}

// Jobs are how many documents the printer printed.
func (c *CUPS) Jobs() int {
	m, _ := filepath.Glob(filepath.Join(c.Out, "job-*.pdf"))
	return len(m)
}

// Log is cupsd's error log, for a failing test.
func (c *CUPS) Log() string {
	data, _ := os.ReadFile(filepath.Join(c.dir, "log", "error_log"))
	return string(data)
}

// Stop kills the cupsd, as a crash would.
func (c *CUPS) Stop() {
	c.cmd.Process.Kill() // the cleanup kills it again, harmlessly
	c.cmd.Wait()
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
