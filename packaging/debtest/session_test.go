package debtest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// needX skips (or, with YIZHAN_REQUIRE_XVFB=1 as make test sets, fails)
// when Xvfb, xset or xauth is missing.
func needX(t *testing.T) {
	t.Helper()
	for _, p := range []string{"Xvfb", "xset", "xauth"} {
		if _, err := exec.LookPath(p); err != nil {
			why := fmt.Sprintf("needs %s (make test-deps installs xvfb, x11-xserver-utils and xauth)", p)
			if os.Getenv("YIZHAN_REQUIRE_XVFB") == "1" {
				t.Fatal("the kiosk session test cannot run: it " + why)
			}
			t.Skip("SKIPPED: the kiosk session test " + why)
		}
	}
}

// freeDisplay finds a display number nobody uses on this machine.
func freeDisplay(t *testing.T) int {
	t.Helper()
	for n := 70 + os.Getpid()%200; n < 1000; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil {
			continue
		}
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X%d-lock", n)); err == nil {
			continue
		}
		if abstractXSocket(n) {
			continue
		}
		return n
	}
	t.Fatal("no free X display number")
	return 0
}

// abstractXSocket reports whether some X server listens on display n's
// abstract socket (@/tmp/.X11-unix/Xn), which -nolisten local turns off.
func abstractXSocket(n int) bool {
	data, err := os.ReadFile("/proc/net/unix")
	if err != nil {
		return false
	}
	want := fmt.Sprintf("@/tmp/.X11-unix/X%d", n)
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.Fields(l)
		if len(f) > 0 && f[len(f)-1] == want {
			return true
		}
	}
	return false
}

// TestKioskSession runs the real session script (packaging/session/
// kiosk-session) with Xvfb in place of Xorg and a stand-in kiosk that
// reports what it finds: the script must hand the kiosk its own PID (the
// unit's main process, for sd_notify and the watchdog), the display and
// the cookie, keep NOTIFY_SOCKET for the kiosk and away from the X
// server, leave the screen saver off, admit no client without the cookie
// and open no abstract socket. Xorg's own options (vt7, -keeptty) cannot be
// tried without a VT; that part is checked on a terminal (docs/install.md).
func TestKioskSession(t *testing.T) {
	needX(t)
	dir := t.TempDir()
	run := filepath.Join(dir, "run")
	if err := os.Mkdir(run, 0o700); err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(dir, "report")
	stub := filepath.Join(dir, "kiosk")
	// The stand-in kiosk: whatever it prints goes to the report file.
	script := `#!/bin/sh
exec >` + report + ` 2>&1
echo "pid=$$"
echo "args=$*"
echo "display=$DISPLAY"
echo "xauthority=$XAUTHORITY"
echo "notify=${NOTIFY_SOCKET-unset}"
echo "watchdog=${WATCHDOG_USEC-unset}"
xset q
if XAUTHORITY=/dev/null xset q >/dev/null 2>&1; then echo "nocookie=admitted"; else echo "nocookie=refused"; fi
echo done
`
	if err := os.WriteFile(stub, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	n := freeDisplay(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// sh -c 'echo $$; exec sh kiosk-session': the PID printed first is the
	// one the script runs as, and must be the stand-in kiosk's.
	cmd := exec.CommandContext(ctx, "sh", "-c", `echo "shell=$$"; exec sh "$0"`, repoPath(t, "packaging/session/kiosk-session"))
	cmd.Env = append(os.Environ(),
		"YIZHAN_DISPLAY=:"+strconv.Itoa(n),
		"YIZHAN_KIOSK="+stub,
		"YIZHAN_CONFIG=/etc/yizhan/kiosk.toml",
		"YIZHAN_XSERVER=Xvfb",
		"YIZHAN_XSERVER_ARGS=-screen 0 1024x768x24",
		"RUNTIME_DIRECTORY="+run,
		"NOTIFY_SOCKET=/run/systemd/notify-test",
		"WATCHDOG_USEC=30000000",
	)
	// Output to a file, not a pipe: the X server the script leaves behind
	// (a child of the stand-in, which exits) keeps its copy of the output
	// open, and a pipe would not end until it did.
	logf, err := os.Create(filepath.Join(dir, "session.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	err = cmd.Run()
	out, _ := os.ReadFile(logf.Name())
	xpid := 0
	if m := regexp.MustCompile(`\(pid (\d+)\) ready`).FindSubmatch(out); m != nil {
		xpid, _ = strconv.Atoi(string(m[1]))
	}
	if xpid > 0 {
		t.Cleanup(func() {
			if p, err := os.FindProcess(xpid); err == nil {
				p.Signal(syscall.SIGTERM)
			}
		})
	}
	if err != nil {
		t.Fatalf("kiosk-session: %v\n%s", err, out)
	}
	rep, err := os.ReadFile(report)
	if err != nil {
		t.Fatalf("the stand-in kiosk did not run: %v\nscript output:\n%s", err, out)
	}
	got := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(string(out) + "\n" + string(rep)))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok && !strings.ContainsAny(k, " \t:") {
			got[k] = v
		}
	}
	check := func(key, want string) {
		t.Helper()
		if got[key] != want {
			t.Errorf("%s = %q, want %q\nscript output:\n%s\nkiosk report:\n%s", key, got[key], want, out, rep)
		}
	}
	check("pid", got["shell"]) // exec: the kiosk is the process systemd started
	check("args", "-config /etc/yizhan/kiosk.toml")
	check("display", ":"+strconv.Itoa(n))
	check("xauthority", filepath.Join(run, "Xauthority"))
	check("notify", "/run/systemd/notify-test")
	check("watchdog", "30000000")
	check("nocookie", "refused")
	if !strings.Contains(string(rep), "\ndone\n") {
		t.Errorf("the stand-in kiosk did not finish:\n%s", rep)
	}
	if !regexp.MustCompile(`timeout:\s+0\s`).Match(rep) || !regexp.MustCompile(`prefer blanking:\s+no`).Match(rep) {
		t.Errorf("the screen saver is not off and unblanked:\n%s", rep)
	}
	if fi, err := os.Stat(filepath.Join(run, "Xauthority")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("Xauthority: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	if xpid == 0 {
		t.Fatalf("the script did not say which X server it started:\n%s", out)
	}
	if abstractXSocket(n) {
		t.Errorf("the X server listens on the abstract socket @/tmp/.X11-unix/X%d: -nolisten local did not take", n)
	}
	env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", xpid))
	if err != nil {
		t.Fatalf("X server (pid %d): %v", xpid, err)
	}
	for _, v := range strings.Split(string(env), "\x00") {
		if strings.HasPrefix(v, "NOTIFY_SOCKET=") || strings.HasPrefix(v, "WATCHDOG_") {
			t.Errorf("the X server got %s: only the kiosk may talk to systemd", v)
		}
	}
}

// TestKioskSessionXFails: an X server that dies at once must stop the
// script quickly with a message, not leave the unit waiting for its start
// timeout.
func TestKioskSessionXFails(t *testing.T) {
	needX(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", repoPath(t, "packaging/session/kiosk-session"))
	cmd.Env = append(os.Environ(),
		"YIZHAN_DISPLAY=:"+strconv.Itoa(freeDisplay(t)),
		"YIZHAN_KIOSK=/bin/true",
		"YIZHAN_XSERVER=/bin/false",
		"YIZHAN_XSERVER_ARGS=-x",
		"RUNTIME_DIRECTORY="+dir,
	)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("kiosk-session succeeded without an X server:\n%s", out)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("kiosk-session took %v to notice the X server was gone", time.Since(start))
	}
	if !strings.Contains(string(out), "exited with status 1 before it took clients") {
		t.Errorf("no useful message:\n%s", out)
	}
}
