// Package cupssim is a virtual A4 printer behind the real print system: a
// private cupsd — Debian's own, on a loopback port of its own with its own
// folders — with one raw queue whose backend keeps each job's document in
// a folder and plays a printer's troubles (paper out, a jam, a failure)
// as a real backend tells cupsd of them, on STATE: lines. The demo prints
// certificates to it (kioskctl a4 sim, started by make run), and the tests
// drive the terminal's IPP client through it (cupstest).
//
// A private cupsd runs its backends only when it runs as root.
package cupssim

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

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
if [ $# -eq 0 ]; then echo 'direct yizhansim "Unknown" "Yizhan virtual A4"'; exit 0; fi
dir=%q
out=%q
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
echo "$4" > "$out/job-$1.copies"
cat "$f" > "$out/job-$1.pdf.part" && mv "$out/job-$1.pdf.part" "$out/job-$1.pdf"
exit 0
`

// Options say where the virtual printer lives.
type Options struct {
	Dir   string // the cupsd's own folders (made)
	Addr  string // 127.0.0.1:PORT to listen on
	Queue string // the queue's name
	Out   string // where printed documents go, job-N.pdf (made)
}

// Server is a running private cupsd with the queue.
type Server struct {
	opt    Options
	cmd    *exec.Cmd
	exited chan error
	// URI is the queue's IPP URI.
	URI string
}

// Missing reports the programs the simulator needs that are not installed.
func Missing() []string {
	var missing []string
	for _, tool := range []string{"cupsd", "lpadmin", "cupsenable"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	return missing
}

// Start runs the cupsd and makes the queue. Close stops it.
func Start(opt Options) (*Server, error) {
	if m := Missing(); len(m) > 0 {
		return nil, fmt.Errorf("cupssim: %s not installed (apt-get install cups-daemon cups-client)", strings.Join(m, ", "))
	}
	if os.Geteuid() != 0 {
		return nil, errors.New("cupssim: a private cupsd runs its backends only as root")
	}
	host, _, err := net.SplitHostPort(opt.Addr)
	if err != nil || host != "127.0.0.1" {
		return nil, fmt.Errorf("cupssim: listen on 127.0.0.1:PORT, not %q", opt.Addr)
	}
	dir, err := filepath.Abs(opt.Dir)
	if err != nil {
		return nil, err
	}
	out, err := filepath.Abs(opt.Out)
	if err != nil {
		return nil, err
	}
	for _, d := range []string{"root", "cache", "state", "spool", "log", "bin/backend"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	// The server's own programs are Debian's; the backend is ours.
	for _, d := range []string{"daemon", "notifier", "cgi-bin", "filter", "monitor"} {
		link := filepath.Join(dir, "bin", d)
		os.Remove(link)
		if _, err := os.Stat(filepath.Join("/usr/lib/cups", d)); err == nil {
			if err := os.Symlink(filepath.Join("/usr/lib/cups", d), link); err != nil {
				return nil, err
			}
		}
	}
	write := func(name, text string, mode os.FileMode) error {
		return os.WriteFile(filepath.Join(dir, name), []byte(text), mode)
	}
	s := &Server{opt: Options{Dir: dir, Addr: opt.Addr, Queue: opt.Queue, Out: out}, URI: fmt.Sprintf("ipp://%s/printers/%s", opt.Addr, opt.Queue)}
	err = errors.Join(
		write("bin/backend/yizhansim", fmt.Sprintf(backend, dir, out), 0o700),
		write("mode", ModeOK+"\n", 0o644),
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
`, opt.Addr), 0o644),
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
`), 0o644))
	if err != nil {
		return nil, fmt.Errorf("cupssim: %w", err)
	}
	cmd := exec.Command("cupsd", "-f", "-c", filepath.Join(dir, "cupsd.conf"), "-s", filepath.Join(dir, "cups-files.conf"))
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("cupssim: cupsd: %w", err)
	}
	s.cmd = cmd
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(15 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", opt.Addr, time.Second)
		if err == nil {
			conn.Close()
			break
		}
		select {
		case err := <-exited:
			return nil, fmt.Errorf("cupssim: cupsd exited (%v) before it listened on %s:\n%s", err, opt.Addr, s.Log())
		default:
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			return nil, fmt.Errorf("cupssim: cupsd did not listen on %s: %v\n%s", opt.Addr, err, s.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.exited = exited
	if err := s.Admin("-p", opt.Queue, "-E", "-v", "yizhansim:/a4", "-o", "printer-error-policy=abort-job"); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close stops the cupsd.
func (s *Server) Close() error {
	s.cmd.Process.Kill()
	<-s.exited
	s.exited <- nil // a second Close returns at once
	return nil
}

// Wait waits until the cupsd exits.
func (s *Server) Wait() error {
	err := <-s.exited
	s.exited <- err
	return err
}

// Admin runs lpadmin on the private cupsd.
func (s *Server) Admin(args ...string) error {
	return s.Run("lpadmin", args...)
}

// Run runs a CUPS command (cupsdisable, cupsreject…) on the private cupsd.
func (s *Server) Run(name string, args ...string) error {
	out, err := exec.Command(name, append([]string{"-h", s.opt.Addr}, args...)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("cupssim: %s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

// SetMode sets what the simulated printer does with the next job, and
// with one waiting on paper or a jam.
func (s *Server) SetMode(mode string) error {
	return os.WriteFile(filepath.Join(s.opt.Dir, "mode"), []byte(mode+"\n"), 0o644)
}

// Printed is the document the printer printed for job id, or nil.
func (s *Server) Printed(id int32) []byte {
	data, err := os.ReadFile(filepath.Join(s.opt.Out, fmt.Sprintf("job-%d.pdf", id)))
	if err != nil {
		return nil
	}
	return data
}

// Copies is how many copies job id asked for (0 when unknown).
func (s *Server) Copies(id int32) int {
	data, err := os.ReadFile(filepath.Join(s.opt.Out, fmt.Sprintf("job-%d.copies", id)))
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	return n
}

// Jobs are how many documents the printer printed.
func (s *Server) Jobs() int {
	m, _ := filepath.Glob(filepath.Join(s.opt.Out, "job-*.pdf"))
	return len(m)
}

// Log is cupsd's error log.
func (s *Server) Log() string {
	data, _ := os.ReadFile(filepath.Join(s.opt.Dir, "log", "error_log"))
	return string(data)
}
