package debtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/kiosk/update"
)

// terminalDeps are the terminal package's dependencies that the base
// root lacks. The update test installs them, from the Debian mirror, into
// a root of its own: apt, unlike dpkg --force-depends, installs a package
// only when its dependencies are there, as on a real terminal.
var terminalDeps = []string{"libgl1", "libgl1-mesa-dri", "libx11-6", "libxcursor1", "libxrandr2", "libxinerama1",
	"libxi6", "libxxf86vm1", "libxrender1", "libusb-1.0-0", "fonts-noto-cjk", "xserver-xorg-core",
	"xserver-xorg-input-libinput", "x11-xserver-utils", "xauth", "libpam-systemd"}

func terminalKey() string { return baseKey() + " + " + strings.Join(terminalDeps, ",") }

// terminalRoot is the base root with the terminal's dependencies, made
// once and kept beside it; each run works on a copy.
func terminalRoot(t *testing.T, ctx context.Context) string {
	t.Helper()
	base := baseRoot(t, ctx)
	key := terminalKey()
	dir := recipeDir(filepath.Dir(base), "terminal", key)
	stamp := filepath.Join(dir, ".yizhan-debroot")
	if b, err := os.ReadFile(stamp); err == nil && string(b) == key {
		t.Logf("terminal root: cached %s", dir)
		return runCopy(t, ctx, dir, "-terminal")
	}
	os.RemoveAll(dir)
	start := time.Now()
	runCmd(t, ctx, 3*time.Minute, nil, "cp", "-a", base, dir)
	resolv, err := os.ReadFile("/etc/resolv.conf")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "etc", "resolv.conf"), resolv, 0o644)
	script := "apt-get update -qq && apt-get install -y -qq --no-install-recommends " + strings.Join(terminalDeps, " ") +
		" && apt-get clean && rm -rf /var/lib/apt/lists/*"
	runCmd(t, ctx, 10*time.Minute, chrootEnv, "chroot", dir, "sh", "-c", script)
	if err := os.WriteFile(stamp, []byte(key), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("terminal root: the dependencies installed in %v", time.Since(start).Round(time.Second))
	return runCopy(t, ctx, dir, "-terminal")
}

// systemctlShim plays systemd for the updater in the root, where none
// runs (a chroot cannot boot it, and the kiosk needs a display): it keeps
// the kiosk unit's state in a file. "restart" starts a kiosk at once,
// which becomes ready (READY=1, so "active") unless the installed version
// is listed in /etc/yizhan-test/never-ready; "show" prints the state.
// Everything else (daemon-reload, ...) is logged and succeeds.
const systemctlShim = `#!/bin/sh
state=/run/yizhan-test-unit
log=/var/log/yizhan-test-systemctl.log
echo "systemctl $*" >> "$log"
case "$1" in
restart)
	v=$(dpkg-query -W -f='${Version}' yizhan)
	now=$(date +%s)
	if grep -qx "$v" /etc/yizhan-test/never-ready 2>/dev/null; then
		active=activating; ready=
	else
		active=active; ready="@$now"
	fi
	printf 'ActiveState=%s\nSubState=running\nResult=success\nInactiveExitTimestamp=@%s\nActiveEnterTimestamp=%s\nInvocationID=%s%s\n' \
		"$active" "$now" "$ready" "$v" "$now" > "$state"
	;;
show)
	cat "$state" 2>/dev/null || printf 'ActiveState=inactive\nSubState=dead\n'
	;;
esac
exit 0
`

// A broken release's kioskctl: the self-test fails. The updater that
// installs it is the version before's, already running.
const brokenKioskctl = `#!/bin/sh
if [ "$1" = selftest ]; then
	echo '{"terminal": "", "results": [{"name": "printer", "status": "fail", "detail": "no answer (a broken release)"}]}'
	exit 1
fi
exec /usr/bin/kioskctl.real "$@"
`

// TestUpdates takes a terminal through the district's updates, in a
// Debian root with the terminal's dependencies, against a districtd on
// 127.0.0.1 serving its signed repository: versions 1 and 2 of the
// package as built, a 3 whose self-test fails and a 4 whose kiosk never
// sends READY.
func TestUpdates(t *testing.T) {
	need(t, runtime.GOOS == "linux" && runtime.GOARCH == "amd64", "runs on linux/amd64 only")
	need(t, os.Geteuid() == 0, "needs root (debootstrap, chroot, apt); CI runs make test as root")
	for _, tool := range []string{"debootstrap", "aptly", "gpg"} {
		_, err := exec.LookPath(tool)
		need(t, err == nil, "needs "+tool+" (make test-deps installs it when run as root)")
	}
	deadline := time.Now().Add(15 * time.Minute)
	if d, ok := t.Deadline(); ok && d.Add(-30*time.Second).Before(deadline) {
		deadline = d.Add(-30 * time.Second)
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	kioskDeb, districtDeb := debs(t, ctx)
	root := terminalRoot(t, ctx)
	in := func(p string) string { return filepath.Join(root, p) }
	chroot := func(t *testing.T, limit time.Duration, args ...string) string {
		t.Helper()
		return runCmd(t, ctx, limit, chrootEnv, "chroot", append([]string{root}, args...)...)
	}
	installed := func() string {
		out, _ := tryCmd(ctx, time.Minute, chrootEnv, "chroot", root, "dpkg-query", "-W", "-f=${Version} ${db:Status-Abbrev}", "yizhan")
		return strings.TrimSpace(out)
	}

	// The district: its own binary from its package, on the host, its
	// data in a folder of the test's.
	work := t.TempDir()
	runCmd(t, ctx, time.Minute, nil, "dpkg-deb", "-x", districtDeb, filepath.Join(work, "districtd"))
	districtd := filepath.Join(work, "districtd", "usr", "bin", "districtd")
	data := filepath.Join(work, "district")
	district := func(t *testing.T, args ...string) string {
		t.Helper()
		return runCmd(t, ctx, 2*time.Minute, nil, districtd, append(args, "--data", data)...)
	}
	district(t, "init", "--name", "测试区")
	var fingerprint string
	for _, f := range strings.Fields(district(t, "release", "init")) {
		if len(f) == 40 && strings.Trim(f, "0123456789ABCDEF") == "" {
			fingerprint = f
		}
	}
	if fingerprint == "" {
		t.Fatal("districtd release init printed no fingerprint")
	}
	addr := freeAddr(t)
	serve := exec.Command(districtd, "serve", "--data", data, "--listen", addr)
	var serveLog bytes.Buffer
	serve.Stdout, serve.Stderr = &serveLog, &serveLog
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		serve.Process.Signal(syscall.SIGTERM)
		serve.Wait()
		if t.Failed() {
			t.Logf("districtd serve:\n%s", serveLog.String())
		}
	})
	waitListening(t, addr)

	// The releases: the package as built, numbered 1 and 2; 3 with a
	// self-test that fails; 4 whose kiosk never becomes ready.
	versions := map[string]string{}
	for _, v := range []string{"1", "2", "3", "4"} {
		versions[v] = repack(t, ctx, kioskDeb, v, v == "3")
		district(t, "release", "add", versions[v])
	}

	// The terminal: version 1 installed by its technician (dpkg, its
	// dependencies there), configured without devices (the root has
	// none: the self-test skips them), enrolled with the district, in
	// the canary ring.
	debDir := "/tmp/yizhan-debs"
	os.MkdirAll(in(debDir), 0o755)
	runCmd(t, ctx, time.Minute, nil, "cp", versions["1"], in(debDir+"/yizhan_1.deb"))
	chroot(t, 3*time.Minute, "dpkg", "-i", debDir+"/yizhan_1.deb")
	if v := installed(); v != "1 ii" {
		t.Fatalf("version 1: %q", v)
	}
	// Lstat: the link points into the root, not the host.
	if _, err := os.Lstat(in("/etc/systemd/system/timers.target.wants/yizhan-update.timer")); err != nil {
		t.Errorf("the install did not enable yizhan-update.timer: %v", err)
	}
	const terminal = "HALL-UPD-1"
	os.WriteFile(in("/etc/yizhan/kiosk.toml"), []byte(`terminal_id = "`+terminal+`"
district = "测试区"
site = "测试大厅"
data_dir = "/var/lib/yizhan"
[idcard]
port = ""
[printer]
device = ""
[camera]
face = ""
document = ""
`), 0o644)
	os.WriteFile(in("/usr/local/bin/systemctl"), []byte(systemctlShim), 0o755)
	os.MkdirAll(in("/etc/yizhan-test"), 0o755)
	os.WriteFile(in("/etc/yizhan-test/never-ready"), []byte("4\n"), 0o644)
	token := strings.Fields(district(t, "token", "new", "--site", "测试大厅", "--terminal", terminal))[0]
	chroot(t, time.Minute, "kioskctl", "provision", "--backend", "https://"+addr, "--token", token)
	district(t, "terminals", "ring", terminal, "canary")

	// One run of the updater, as its timer starts it, and what it left.
	// The check's times are shortened but where a run is timed with the
	// defaults (--settle 45s, --check-timeout 5m).
	quick := []string{"--settle", "1s", "--check-timeout", "20s"}
	updateRun := func(t *testing.T, args ...string) (string, update.State, error) {
		t.Helper()
		start := time.Now()
		if len(args) == 0 {
			args = quick
		}
		out, err := tryCmd(ctx, 10*time.Minute, chrootEnv, "chroot", append([]string{root, "kioskctl", "update", "run"}, args...)...)
		t.Logf("kioskctl update run %v (%v): %s", args, time.Since(start).Round(100*time.Millisecond), lastLine(out))
		st, rerr := update.ReadState(in(update.StateDir))
		if rerr != nil {
			t.Fatal(rerr)
		}
		return out, st, err
	}
	window := func(t *testing.T, inside bool) {
		t.Helper()
		// The root's clock is the host's; its zone is UTC (no tzdata set).
		now := time.Now().UTC()
		from := now.Add(-30 * time.Minute)
		if !inside {
			from = now.Add(2 * time.Hour)
		}
		w := fmt.Sprintf(`{"update_window": "%s-%s"}`, from.Format("15:04"), from.Add(time.Hour).Format("15:04"))
		f := filepath.Join(t.TempDir(), "config.json")
		os.WriteFile(f, []byte(w), 0o644)
		district(t, "config", "publish", f)
	}
	promote := func(t *testing.T, version string) {
		t.Helper()
		district(t, "release", "promote", version, "--ring", "canary")
	}

	t.Run("1 to 2 inside the window, not outside", func(t *testing.T) {
		promote(t, "2")
		window(t, false)
		out, _, err := updateRun(t)
		if err != nil || !strings.Contains(out, "waiting") || installed() != "1 ii" {
			t.Fatalf("outside the window: %v %s; installed %q", err, out, installed())
		}
		window(t, true)
		// As the timer runs it, with the default check: the time from a
		// promotion to the terminal updated, once the timer fires
		// (docs/benchmarks.md).
		promoted := time.Now()
		promote(t, "2")
		out, st, err := updateRun(t, "--settle", "45s")
		t.Logf("promotion to version 2 installed and checked, default check: %v", time.Since(promoted).Round(100*time.Millisecond))
		if err != nil || installed() != "2 ii" {
			t.Fatalf("inside the window: %v %s; installed %q", err, out, installed())
		}
		if l := st.Last; l == nil || l.Result != "installed" || l.Version != "2" || l.From != "1" || l.Running != "2" {
			t.Errorf("report %+v", st.Last)
		}
		if log, _ := os.ReadFile(in("/var/log/yizhan-test-systemctl.log")); !strings.Contains(string(log), "restart --no-block yizhan-kiosk.service") {
			t.Errorf("the kiosk was not restarted: %s", log)
		}
	})

	t.Run("2 to 3, whose self-test fails, and back to 2", func(t *testing.T) {
		promote(t, "3")
		out, st, err := updateRun(t)
		if err == nil || installed() != "2 ii" {
			t.Fatalf("%v %s; installed %q", err, out, installed())
		}
		l := st.Last
		if l == nil || l.Result != "rolled_back" || l.Version != "3" || l.Running != "2" || !strings.Contains(l.Reason, "self-test failed") ||
			!slices.Equal(st.Refused, []string{"3"}) {
			t.Fatalf("report %+v, refused %v", l, st.Refused)
		}
		// What the technician sees at the terminal.
		status := chroot(t, time.Minute, "kioskctl", "update", "status")
		for _, want := range []string{"installed:  2", "rolled_back", "self-test failed", "refused:    3", "district key: " + fingerprint} {
			if !strings.Contains(status, want) {
				t.Errorf("kioskctl update status lacks %q:\n%s", want, status)
			}
		}
		// The ring still names 3: the terminal stays on 2.
		if out, _, err := updateRun(t); err != nil || !strings.Contains(out, "refused") || installed() != "2 ii" {
			t.Errorf("again: %v %s; installed %q", err, out, installed())
		}
	})

	t.Run("2 to 4, never ready, and back to 2", func(t *testing.T) {
		promote(t, "4")
		out, st, err := updateRun(t)
		if err == nil || installed() != "2 ii" || st.Last == nil || st.Last.Version != "4" || !strings.Contains(st.Last.Reason, "did not become ready") {
			t.Fatalf("%v %s; installed %q; report %+v", err, out, installed(), st.Last)
		}
	})

	t.Run("a ring pinned to 1 goes back down to 1", func(t *testing.T) {
		promote(t, "1")
		out, st, err := updateRun(t)
		if err != nil || installed() != "1 ii" || st.Last == nil || st.Last.Result != "installed" || st.Last.From != "2" {
			t.Fatalf("%v %s; installed %q; report %+v", err, out, installed(), st.Last)
		}
	})

	t.Run("a repository signed with another key is refused", func(t *testing.T) {
		// The district's repository is made anew, with a new key: the
		// terminal pinned the first.
		repo := filepath.Join(data, "release")
		aside := repo + ".aside"
		if err := os.Rename(repo, aside); err != nil {
			t.Fatal(err)
		}
		defer func() {
			os.RemoveAll(repo)
			os.Rename(aside, repo)
		}()
		// A second on: apt asks with If-Modified-Since, to the second.
		time.Sleep(1100 * time.Millisecond)
		district(t, "release", "init")
		district(t, "release", "add", versions["2"])
		promote(t, "2")
		out, st, err := updateRun(t)
		if installed() != "1 ii" {
			t.Fatalf("installed %q after a repository under another key: %s", installed(), out)
		}
		if err == nil || st.Last == nil || st.Last.Result != "failed" || !strings.Contains(st.Last.Reason, "pinned key") || slices.Contains(st.Refused, "2") {
			t.Errorf("%v %s; report %+v; refused %v", err, out, st.Last, st.Refused)
		}
	})

	t.Run("an update killed mid-install is recovered on the next run", func(t *testing.T) {
		promote(t, "2") // the district's own repository again
		cmd := exec.CommandContext(ctx, "chroot", root, "kioskctl", "update", "run", "--settle", "1s", "--check-timeout", "20s")
		cmd.Env = chrootEnv
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// SIGKILL to the whole run — kioskctl, apt, dpkg — once dpkg works
		// on the package, as a power cut would.
		killed := ""
		for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
			pids, _ := exec.Command("pgrep", "-g", fmt.Sprint(cmd.Process.Pid), "-x", "dpkg").Output()
			for _, pid := range strings.Fields(string(pids)) {
				// apt runs dpkg for small questions too; the cut must come
				// while it unpacks or configures the package.
				args, _ := os.ReadFile("/proc/" + pid + "/cmdline")
				if line := strings.ReplaceAll(string(args), "\x00", " "); strings.Contains(line, "--unpack") || strings.Contains(line, "--configure") {
					killed = line
					syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
				}
			}
			if killed != "" {
				break
			}
		}
		cmd.Wait()
		if killed == "" {
			t.Fatalf("dpkg never ran: %s", out.String())
		}
		st, _ := update.ReadState(in(update.StateDir))
		audit, _ := tryCmd(ctx, time.Minute, chrootEnv, "chroot", root, "dpkg", "--audit")
		t.Logf("killed during %q; installed %q; pending %+v; dpkg --audit: %q", killed, installed(), st.Pending, strings.TrimSpace(audit))
		if st.Pending == nil || st.Pending.Version != "2" {
			t.Fatalf("no install pending after the kill: %+v", st)
		}
		// The next runs finish it: dpkg's recovery and the check, or, when
		// the cut came before dpkg could finish, version 1 whole again and
		// 2 tried anew.
		for i := 0; i < 2 && installed() != "2 ii"; i++ {
			updateRun(t)
		}
		st, _ = update.ReadState(in(update.StateDir))
		if installed() != "2 ii" || st.Pending != nil || st.Last == nil || st.Last.Result != "installed" {
			t.Fatalf("after recovery: installed %q; state %+v %+v", installed(), st.Pending, st.Last)
		}
		if audit, _ := tryCmd(ctx, time.Minute, chrootEnv, "chroot", root, "dpkg", "--audit"); strings.TrimSpace(audit) != "" {
			t.Errorf("dpkg --audit after recovery: %s", audit)
		}
		// Of the downloads, the installed version's and the next one's are
		// kept, no more: releases do not fill the terminal's disk.
		kept, _ := filepath.Glob(in("/var/lib/yizhan-update/apt/archives/yizhan_*.deb"))
		for i := range kept {
			kept[i] = filepath.Base(kept[i])
		}
		if len(kept) > 2 || !slices.Contains(kept, "yizhan_2_amd64.deb") {
			t.Errorf("downloads kept: %v", kept)
		}
	})

	t.Run("the district sees the rings", func(t *testing.T) {
		var rings struct {
			Versions []string `json:"versions"`
		}
		out := district(t, "release", "status", "--json")
		if err := json.Unmarshal([]byte(out), &rings); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		slices.Sort(rings.Versions)
		if !slices.Equal(rings.Versions, []string{"1", "2", "3", "4"}) {
			t.Errorf("the repository holds %v, want every version kept", rings.Versions)
		}
	})
}

// repack makes version v of the terminal package from the one built:
// only its version differs, and, when broken, its kioskctl's self-test
// fails.
func repack(t *testing.T, ctx context.Context, deb, v string, broken bool) string {
	t.Helper()
	dir := t.TempDir()
	runCmd(t, ctx, time.Minute, nil, "dpkg-deb", "-R", deb, dir)
	control := filepath.Join(dir, "DEBIAN", "control")
	b, _ := os.ReadFile(control)
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "Version: ") {
			lines[i] = "Version: " + v
		}
	}
	os.WriteFile(control, []byte(strings.Join(lines, "\n")), 0o644)
	if broken {
		bin := filepath.Join(dir, "usr", "bin")
		if err := os.Rename(filepath.Join(bin, "kioskctl"), filepath.Join(bin, "kioskctl.real")); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(bin, "kioskctl"), []byte(brokenKioskctl), 0o755)
		// The md5sums list names the files the package ships.
		sums := filepath.Join(dir, "DEBIAN", "md5sums")
		if b, err := os.ReadFile(sums); err == nil {
			var keep []string
			for _, l := range strings.Split(string(b), "\n") {
				if l != "" && !strings.HasSuffix(l, " usr/bin/kioskctl") {
					keep = append(keep, l)
				}
			}
			os.WriteFile(sums, []byte(strings.Join(keep, "\n")+"\n"), 0o644)
		}
	}
	out := filepath.Join(t.TempDir(), "yizhan_"+v+"_amd64.deb")
	runCmd(t, ctx, 2*time.Minute, nil, "dpkg-deb", "--root-owner-group", "-Zgzip", "-b", dir, out)
	return out
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitListening(t *testing.T, addr string) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("districtd does not listen on %s", addr)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
