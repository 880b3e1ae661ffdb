package debtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/kiosk/voice"
)

// The Debian root the packages are installed into: Debian 12 (the
// terminals' system), minbase, plus systemd so that systemd-analyze can
// verify the units against the target's own systemd and unit tree, and udev
// so that the rules meet the target's own udevadm. Made once with
// debootstrap and kept under var/debroot (make clean removes it); each run
// works on a copy.
//
// The packages' X, GL and font dependencies are not installed: they are
// hundreds of megabytes to fetch for every fresh cache, and nothing here
// starts the kiosk. dpkg -i --force-depends installs the packages without
// them; their Depends: field is checked instead.
const (
	debSuite   = "bookworm"
	debVariant = "minbase"
	debInclude = "systemd,udev"
)

func debMirror() string {
	if m := os.Getenv("YIZHAN_DEBIAN_MIRROR"); m != "" {
		return m
	}
	return "http://deb.debian.org/debian"
}

// repoPath is a path in the repository, from this package's folder.
func repoPath(t testing.TB, rel string) string {
	t.Helper()
	abs, err := filepath.Abs(filepath.Join("..", "..", rel))
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// need skips the install test, loudly, or fails it when make test asked
// for it (YIZHAN_REQUIRE_DEBTEST=1).
func need(t *testing.T, ok bool, why string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("YIZHAN_REQUIRE_DEBTEST") == "1" {
		t.Fatal("the package install test cannot run: it " + why + " (YIZHAN_REQUIRE_DEBTEST=1: make test requires it)")
	}
	msg := "SKIPPED: the package install test " + why
	t.Log("**************************************************************")
	t.Log(msg)
	t.Log("**************************************************************")
	t.Skip(msg)
}

// runCmd runs a command with a bound on its time and returns its combined
// output; a failure ends the test with that output.
func runCmd(t *testing.T, ctx context.Context, limit time.Duration, env []string, name string, args ...string) string {
	t.Helper()
	out, err := tryCmd(ctx, limit, env, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

func tryCmd(ctx context.Context, limit time.Duration, env []string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	if env != nil {
		cmd.Env = env
	}
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() == context.DeadlineExceeded {
		err = fmt.Errorf("no end after %v: %w", limit, err)
	}
	return string(out), err
}

// chrootEnv is a clean environment for commands in the root: nothing of
// the test's own (NOTIFY_SOCKET, DISPLAY, ...) leaks into maintainer
// scripts.
var chrootEnv = []string{
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"HOME=/root", "LANG=C.UTF-8", "DEBIAN_FRONTEND=noninteractive",
}

// debroot makes the base root once (under a lock) and returns a fresh
// copy of it for this run.
func debroot(t *testing.T, ctx context.Context) string {
	t.Helper()
	return runCopy(t, ctx, baseRoot(t, ctx), "")
}

// rootCache is where the roots are kept between runs; lockRoots holds it
// for the test, so that two runs never share it.
func rootCache(t *testing.T) string {
	t.Helper()
	cache := repoPath(t, "var/debroot")
	if err := os.MkdirAll(cache, 0o755); err != nil {
		t.Fatal(err)
	}
	lock, err := os.OpenFile(filepath.Join(cache, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	// Held until the test ends: two runs at once would share the cache.
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lock.Close() })
	return cache
}

func recipeDir(cache, prefix, key string) string {
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(cache, prefix+"-"+hex.EncodeToString(sum[:6]))
}

func baseKey() string {
	return fmt.Sprintf("%s %s %s %s", debSuite, debVariant, debInclude, debMirror())
}

// baseRoot makes the base root once and returns its folder in the cache.
// Folders of other recipes, and copies a failed run left behind, are
// removed; the terminal root of the current recipe is kept.
func baseRoot(t *testing.T, ctx context.Context) string {
	t.Helper()
	cache := rootCache(t)
	key := baseKey()
	base := recipeDir(cache, "base", key)
	keep := map[string]bool{base: true, recipeDir(cache, "terminal", terminalKey()): true}
	entries, _ := os.ReadDir(cache)
	for _, e := range entries {
		if p := filepath.Join(cache, e.Name()); e.IsDir() && !keep[p] {
			os.RemoveAll(p)
		}
	}
	stamp := filepath.Join(base, ".yizhan-debroot")
	if b, err := os.ReadFile(stamp); err == nil && string(b) == key {
		t.Logf("Debian root: cached %s", base)
		return base
	}
	os.RemoveAll(base)
	start := time.Now()
	t.Logf("Debian root: debootstrap %s (%s, +%s) from %s into %s ...", debSuite, debVariant, debInclude, debMirror(), base)
	runCmd(t, ctx, 8*time.Minute, nil, "debootstrap", "--variant="+debVariant, "--include="+debInclude,
		debSuite, base, debMirror())
	if err := os.WriteFile(stamp, []byte(key), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("Debian root: made in %v", time.Since(start).Round(time.Second))
	return base
}

// runCopy copies a cached root for this run; it is removed when the test
// passes and kept for a look when it fails.
func runCopy(t *testing.T, ctx context.Context, from, suffix string) string {
	t.Helper()
	root := filepath.Join(filepath.Dir(from), fmt.Sprintf("run-%d%s", os.Getpid(), suffix))
	os.RemoveAll(root)
	start := time.Now()
	runCmd(t, ctx, 3*time.Minute, nil, "cp", "-a", from, root)
	t.Logf("Debian root: copied to %s in %v", root, time.Since(start).Round(time.Millisecond))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the root is kept for a look: %s (the next run removes it)", root)
			return
		}
		os.RemoveAll(root)
	})
	return root
}

// debs returns the two packages: those in YIZHAN_DEB_DIR (make test builds
// them first), or else the ones make deb builds now.
func debs(t *testing.T, ctx context.Context) (kiosk, district string) {
	t.Helper()
	dir := os.Getenv("YIZHAN_DEB_DIR")
	if dir == "" {
		t.Log("YIZHAN_DEB_DIR not set: building the packages with make deb")
		runCmd(t, ctx, 10*time.Minute, nil, "make", "-C", repoPath(t, ""), "deb")
		dir = repoPath(t, "dist")
	}
	find := func(pattern string) string {
		m, _ := filepath.Glob(filepath.Join(dir, pattern))
		if len(m) != 1 {
			t.Fatalf("want exactly one %s in %s, found %v (make deb)", pattern, dir, m)
		}
		return m[0]
	}
	return find("yizhan_*_amd64.deb"), find("yizhan-districtd_*_amd64.deb")
}

type wantFile struct {
	path string
	mode fs.FileMode // permission bits; fs.ModeDir for a folder
	src  string      // the repository file it must equal, if any
}

func kioskFiles() []wantFile {
	doc := func(name, src string) wantFile { return wantFile{"/usr/share/doc/yizhan/" + name, 0o644, src} }
	// The spoken prompts, recorded by make deb-docs (kioskctl voice make).
	var prompts []wantFile
	for _, p := range voice.Prompts {
		prompts = append(prompts, wantFile{"/usr/share/yizhan/voice/" + p.ID + ".wav", 0o644, "var/deb/voice/" + p.ID + ".wav"})
	}
	return append(prompts, []wantFile{
		{"/usr/bin/yizhan-kiosk", 0o755, ""},
		{"/usr/bin/kioskctl", 0o755, ""},
		// Made by make deb-docs (docs/man, packaging/deb-changelog.sh).
		{"/usr/share/man/man1/yizhan-kiosk.1.gz", 0o644, "var/deb/man/yizhan-kiosk.1.gz"},
		{"/usr/share/man/man1/kioskctl.1.gz", 0o644, "var/deb/man/kioskctl.1.gz"},
		doc("changelog.gz", "var/deb/yizhan/changelog.gz"),
		{"/usr/lib/yizhan/kiosk-session", 0o755, "packaging/session/kiosk-session"},
		{"/usr/lib/systemd/system/yizhan-kiosk.service", 0o644, "packaging/systemd/yizhan-kiosk.service"},
		{"/usr/lib/systemd/system/yizhan-update.service", 0o644, "packaging/systemd/yizhan-update.service"},
		{"/usr/lib/systemd/system/yizhan-update.timer", 0o644, "packaging/systemd/yizhan-update.timer"},
		{"/usr/lib/udev/rules.d/60-yizhan.rules", 0o644, "packaging/udev/60-yizhan.rules"},
		{"/usr/share/X11/xorg.conf.d/90-yizhan.conf", 0o644, "packaging/session/90-yizhan.conf"},
		{"/usr/lib/systemd/logind.conf.d/yizhan-kiosk.conf", 0o644, "packaging/session/logind.conf"},
		{"/usr/lib/sysctl.d/60-yizhan-kiosk.conf", 0o644, "packaging/session/sysctl.conf"},
		{"/etc/yizhan", fs.ModeDir | 0o755, ""},
		{"/etc/yizhan/kiosk.toml", 0o644, "packaging/kiosk.toml"},
		{"/etc/pam.d/yizhan-kiosk", 0o644, "packaging/session/pam"},
		doc("copyright", "packaging/copyright"),
		doc("OFL.txt", "assets/fonts/OFL.txt"),
		doc("README.md", "README.md"),
		doc("install.md", "docs/install.md"),
		doc("config.md", "docs/config.md"),
		doc("devices.md", "docs/devices.md"),
		doc("maintenance.md", "docs/maintenance.md"),
		doc("idcard.md", "docs/idcard.md"),
		doc("receipt.md", "docs/receipt.md"),
		doc("camera.md", "docs/camera.md"),
		doc("outbox.md", "docs/outbox.md"),
		doc("examples/59-yizhan-local.rules", "packaging/udev/59-yizhan-local.rules.example"),
	}...)
}

func districtFiles() []wantFile {
	doc := func(name, src string) wantFile {
		return wantFile{"/usr/share/doc/yizhan-districtd/" + name, 0o644, src}
	}
	return []wantFile{
		{"/usr/bin/districtd", 0o755, ""},
		{"/usr/share/man/man1/districtd.1.gz", 0o644, "var/deb/man/districtd.1.gz"},
		doc("changelog.gz", "var/deb/yizhan-districtd/changelog.gz"),
		{"/usr/lib/systemd/system/yizhan-districtd.service", 0o644, "packaging/systemd/yizhan-districtd.service"},
		{"/etc/default/yizhan-districtd", 0o644, "packaging/default/yizhan-districtd"},
		doc("copyright", "packaging/copyright"),
		doc("install.md", "docs/install.md"),
		doc("protocol.md", "docs/protocol.md"),
		doc("catalog.md", "docs/catalog.md"),
	}
}

// account is a line of the root's /etc/passwd or /etc/group.
type account struct {
	name    string
	id, gid int
	home    string
	shell   string
	members []string
}

func readAccounts(t *testing.T, root, file string) map[string]account {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "etc", file))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]account{}
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.Split(l, ":")
		if len(f) < 4 {
			continue
		}
		a := account{name: f[0]}
		a.id, _ = strconv.Atoi(f[2])
		if file == "passwd" && len(f) >= 7 {
			a.gid, _ = strconv.Atoi(f[3])
			a.home, a.shell = f[5], f[6]
		}
		if file == "group" && f[3] != "" {
			a.members = strings.Split(f[3], ",")
		}
		m[a.name] = a
	}
	return m
}

// snapshot lists the root's files and folders, less those that change by
// themselves (dpkg's database and logs, caches, /tmp) and the
// account files' backups, to find what a purge leaves behind.
func snapshot(t *testing.T, root string) map[string]bool {
	t.Helper()
	skip := []string{"/var/lib/dpkg", "/var/log", "/var/cache", "/tmp", "/proc", "/sys", "/dev", "/run", "/var/tmp"}
	files := map[string]bool{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := "/" + strings.TrimPrefix(strings.TrimPrefix(p, root), "/")
		if slices.Contains(skip, rel) {
			return fs.SkipDir
		}
		base := filepath.Base(rel)
		if strings.HasPrefix(rel, "/etc/") && (strings.HasSuffix(base, "-") || base == ".pwd.lock") {
			return nil // passwd-, group-, shadow- ...: backups useradd keeps
		}
		if rel == "/.yizhan-debroot" {
			return nil
		}
		files[rel] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestInstall installs both packages into a Debian root and takes them
// through a technician's life of them: install, checks, upgrade, remove,
// reinstall, purge.
func TestInstall(t *testing.T) {
	need(t, runtime.GOOS == "linux" && runtime.GOARCH == "amd64", "runs on linux/amd64 only")
	need(t, os.Geteuid() == 0, "needs root (debootstrap, chroot, dpkg); CI runs make test as root")
	_, err := exec.LookPath("debootstrap")
	need(t, err == nil, "needs debootstrap (make test-deps installs it when run as root)")
	for _, tool := range []string{"chroot", "dpkg-deb", "cp", "unshare"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing", tool)
		}
	}
	began := time.Now()
	// The whole test, debootstrap of a fresh root included, stays under ten
	// minutes, and under go test's own deadline.
	deadline := time.Now().Add(10 * time.Minute)
	if d, ok := t.Deadline(); ok && d.Add(-30*time.Second).Before(deadline) {
		deadline = d.Add(-30 * time.Second)
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()

	kioskDeb, districtDeb := debs(t, ctx)
	root := debroot(t, ctx)
	in := func(p string) string { return filepath.Join(root, p) }
	chroot := func(t *testing.T, limit time.Duration, args ...string) string {
		t.Helper()
		return runCmd(t, ctx, limit, chrootEnv, "chroot", append([]string{root}, args...)...)
	}
	// Copy the packages in; dpkg runs inside the root.
	debDir := "/tmp/yizhan-debs"
	if err := os.MkdirAll(in(debDir), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{kioskDeb, districtDeb} {
		runCmd(t, ctx, time.Minute, nil, "cp", d, in(debDir))
	}
	inKiosk := debDir + "/" + filepath.Base(kioskDeb)
	inDistrict := debDir + "/" + filepath.Base(districtDeb)
	before := snapshot(t, root)

	// A dpkg-query field of a package; "" for a package dpkg does not know.
	query := func(pkg, format string) string {
		qctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		cmd := exec.CommandContext(qctx, "chroot", root, "dpkg-query", "-W", "-f="+format, pkg)
		cmd.Env = chrootEnv
		out, _ := cmd.Output()
		return string(out)
	}
	// dpkg -i without the X, GL and font dependencies (see the top). What
	// dpkg says beyond the expected dependency complaints is logged.
	dpkgInstall := func(t *testing.T, pkgs ...string) {
		t.Helper()
		out := chroot(t, 3*time.Minute, append([]string{"dpkg", "-i", "--force-depends"}, pkgs...)...)
		for _, l := range strings.Split(out, "\n") {
			switch {
			case strings.Contains(l, "depends on"), strings.Contains(l, "is not installed"),
				strings.Contains(l, "dependency problems"), strings.TrimSpace(l) == "":
			case strings.Contains(l, "warning"), strings.Contains(l, "error"), strings.Contains(l, "yizhan:"):
				t.Logf("dpkg: %s", l)
			}
		}
	}

	ok := t.Run("install", func(t *testing.T) {
		dpkgInstall(t, inKiosk, inDistrict)
		for _, p := range []string{"yizhan", "yizhan-districtd"} {
			if st := query(p, "${Status}"); st != "install ok installed" {
				t.Errorf("%s: status %q", p, st)
			}
		}
	})
	if !ok {
		return
	}

	t.Run("control", func(t *testing.T) {
		for _, c := range []struct {
			deb, pkg string
			depends  []string
		}{
			{kioskDeb, "yizhan", []string{"libc6", "libgl1", "libgl1-mesa-dri", "libx11-6", "libxcursor1", "libxrandr2",
				"libxinerama1", "libxi6", "libxxf86vm1", "libxrender1", "libusb-1.0-0", "fonts-noto-cjk", "xserver-xorg-core",
				"xserver-xorg-input-libinput", "x11-xserver-utils", "xauth", "libpam-systemd", "systemd", "passwd"}},
			{districtDeb, "yizhan-districtd", []string{"libc6", "passwd"}},
		} {
			out := runCmd(t, ctx, time.Minute, nil, "dpkg-deb", "-f", c.deb, "Package", "Version", "Architecture", "Depends")
			fields := map[string]string{}
			for _, l := range strings.Split(out, "\n") {
				if k, v, ok := strings.Cut(l, ": "); ok {
					fields[k] = v
				}
			}
			if fields["Package"] != c.pkg || fields["Architecture"] != "amd64" {
				t.Errorf("%s: Package %q Architecture %q", c.deb, fields["Package"], fields["Architecture"])
			}
			if want := c.pkg + "_" + fields["Version"] + "_amd64.deb"; filepath.Base(c.deb) != want {
				t.Errorf("file %s, want %s", filepath.Base(c.deb), want)
			}
			if out, err := exec.Command("dpkg", "--validate-version", fields["Version"]).CombinedOutput(); err != nil {
				t.Errorf("%s: version %q: %s", c.pkg, fields["Version"], out)
			}
			var deps []string
			for _, d := range strings.Split(fields["Depends"], ",") {
				name, _, _ := strings.Cut(strings.TrimSpace(d), " ")
				deps = append(deps, name)
			}
			for _, d := range c.depends {
				if !slices.Contains(deps, d) {
					t.Errorf("%s: Depends lacks %s (has %s)", c.pkg, d, fields["Depends"])
				}
			}
			if v := query(c.pkg, "${Version}"); v != fields["Version"] {
				t.Errorf("%s: installed version %q, package %q", c.pkg, v, fields["Version"])
			}
		}
	})

	t.Run("files", func(t *testing.T) {
		for _, c := range []struct {
			pkg  string
			want []wantFile
		}{{"yizhan", kioskFiles()}, {"yizhan-districtd", districtFiles()}} {
			listed := map[string]bool{}
			for _, p := range strings.Split(chroot(t, time.Minute, "dpkg", "-L", c.pkg), "\n") {
				if p = strings.TrimSpace(p); p != "" {
					listed[p] = true
				}
			}
			expected := map[string]bool{}
			for _, w := range c.want {
				expected[w.path] = true
				if !listed[w.path] {
					t.Errorf("%s: dpkg -L does not list %s", c.pkg, w.path)
				}
				fi, err := os.Lstat(in(w.path))
				if err != nil {
					t.Errorf("%s: %v", c.pkg, err)
					continue
				}
				st := fi.Sys().(*syscall.Stat_t)
				if st.Uid != 0 || st.Gid != 0 {
					t.Errorf("%s: owned by %d:%d, want root:root", w.path, st.Uid, st.Gid)
				}
				if w.mode.IsDir() != fi.IsDir() || (!fi.IsDir() && !fi.Mode().IsRegular()) || fi.Mode().Perm() != w.mode.Perm() {
					t.Errorf("%s: mode %v, want %v", w.path, fi.Mode(), w.mode)
				}
				if w.src != "" {
					got, _ := os.ReadFile(in(w.path))
					src, err := os.ReadFile(repoPath(t, w.src))
					if err != nil || !bytes.Equal(got, src) {
						t.Errorf("%s differs from %s (%v): an old build? (make deb)", w.path, w.src, err)
					}
				}
				if strings.HasPrefix(w.path, "/usr/bin/") {
					if err := hardened(in(w.path)); err != nil {
						t.Errorf("%s: %v", w.path, err)
					}
				}
			}
			// Nothing the package installs goes unchecked.
			for p := range listed {
				if fi, err := os.Lstat(in(p)); err == nil && !fi.IsDir() && !expected[p] {
					t.Errorf("%s installs %s, which this test does not expect: add it to the list", c.pkg, p)
				}
			}
		}
	})

	t.Run("conffiles", func(t *testing.T) {
		for pkg, want := range map[string][]string{
			"yizhan":           {"/etc/yizhan/kiosk.toml", "/etc/pam.d/yizhan-kiosk"},
			"yizhan-districtd": {"/etc/default/yizhan-districtd"},
		} {
			conf := query(pkg, "${Conffiles}")
			for _, f := range want {
				if !strings.Contains(conf, " "+f+" ") {
					t.Errorf("%s: %s is not a conffile (Conffiles: %q)", pkg, f, conf)
				}
			}
		}
		toml, _ := os.ReadFile(in("/etc/yizhan/kiosk.toml"))
		if !strings.Contains(string(toml), `data_dir = "/var/lib/yizhan"`) {
			t.Error(`/etc/yizhan/kiosk.toml does not say data_dir = "/var/lib/yizhan"`)
		}
	})

	users := readAccounts(t, root, "passwd")
	groups := readAccounts(t, root, "group")
	t.Run("users", func(t *testing.T) {
		for _, c := range []struct {
			user, home string
			groups     []string
		}{
			{"yizhan", "/var/lib/yizhan", []string{"dialout", "video", "plugdev", "lp"}},
			{"yizhan-district", "/var/lib/yizhan-district", nil},
		} {
			u, ok := users[c.user]
			if !ok {
				t.Errorf("no user %s", c.user)
				continue
			}
			if u.id <= 0 || u.id >= 1000 {
				t.Errorf("%s: uid %d is not a system uid", c.user, u.id)
			}
			if u.home != c.home || u.shell != "/usr/sbin/nologin" {
				t.Errorf("%s: home %s shell %s", c.user, u.home, u.shell)
			}
			if g, ok := groups[c.user]; !ok || g.id != u.gid {
				t.Errorf("%s: primary group is not its own (%d)", c.user, u.gid)
			}
			for _, g := range c.groups {
				if !slices.Contains(groups[g].members, c.user) {
					t.Errorf("%s is not in group %s", c.user, g)
				}
			}
			for name, g := range groups {
				// render (made by udev, for GPU render nodes) is joined
				// where it exists.
				extra := c.user == "yizhan" && name == "render"
				if name != c.user && slices.Contains(g.members, c.user) && !slices.Contains(c.groups, name) && !extra {
					t.Errorf("%s is in group %s too", c.user, name)
				}
			}
		}
		shadow, _ := os.ReadFile(in("/etc/shadow"))
		for _, l := range strings.Split(string(shadow), "\n") {
			f := strings.Split(l, ":")
			if len(f) > 1 && (f[0] == "yizhan" || f[0] == "yizhan-district") && !strings.HasPrefix(f[1], "!") && !strings.HasPrefix(f[1], "*") {
				t.Errorf("%s has a usable password field %q", f[0], f[1])
			}
		}
	})

	dataDir := func(t *testing.T, dir, user string, mode fs.FileMode) {
		t.Helper()
		fi, err := os.Stat(in(dir))
		if err != nil {
			t.Errorf("%v", err)
			return
		}
		st := fi.Sys().(*syscall.Stat_t)
		if !fi.IsDir() || fi.Mode().Perm() != mode || int(st.Uid) != users[user].id || int(st.Gid) != groups[user].id {
			t.Errorf("%s: %v %d:%d, want a folder %v %s:%s", dir, fi.Mode(), st.Uid, st.Gid, mode, user, user)
		}
	}
	t.Run("data", func(t *testing.T) {
		dataDir(t, "/var/lib/yizhan", "yizhan", 0o750)
		dataDir(t, "/var/lib/yizhan-district", "yizhan-district", 0o700)
	})

	// Each unit's ExecStartPre gives back files a technician's root-run
	// command left in the data folder. Run it as written in the unit (its
	// words as systemd splits them: no quotes in it) on such files.
	t.Run("ownership repair", func(t *testing.T) {
		for _, c := range []struct{ unit, dir, user string }{
			{"yizhan-kiosk.service", "/var/lib/yizhan", "yizhan"},
			{"yizhan-districtd.service", "/var/lib/yizhan-district", "yizhan-district"},
		} {
			unit, _ := os.ReadFile(in("/usr/lib/systemd/system/" + c.unit))
			var argv []string
			for _, l := range strings.Split(string(unit), "\n") {
				if cmd, ok := strings.CutPrefix(l, "ExecStartPre="); ok {
					argv = strings.Fields(strings.TrimLeft(cmd, "-+"))
				}
			}
			if len(argv) == 0 || argv[0] != "/usr/bin/find" {
				t.Errorf("%s: no ExecStartPre=...find", c.unit)
				continue
			}
			if err := os.MkdirAll(in(c.dir+"/district"), 0o700); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{c.dir + "/district/terminal.key", c.dir + "/root-made"} {
				if err := os.WriteFile(in(f), []byte("x"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Symlink("/etc/shadow", in(c.dir+"/link")); err != nil {
				t.Fatal(err)
			}
			chroot(t, time.Minute, argv...)
			for _, f := range []string{c.dir + "/district", c.dir + "/district/terminal.key", c.dir + "/root-made", c.dir + "/link"} {
				fi, err := os.Lstat(in(f))
				if err != nil {
					t.Fatal(err)
				}
				if st := fi.Sys().(*syscall.Stat_t); int(st.Uid) != users[c.user].id || int(st.Gid) != groups[c.user].id {
					t.Errorf("%s: %s still %d:%d", c.unit, f, st.Uid, st.Gid)
				}
			}
			if fi, _ := os.Stat(in("/etc/shadow")); fi.Sys().(*syscall.Stat_t).Uid != 0 {
				t.Errorf("%s: the repair followed a symbolic link to /etc/shadow", c.unit)
			}
			for _, f := range []string{c.dir + "/district", c.dir + "/root-made", c.dir + "/link"} {
				os.RemoveAll(in(f))
			}
		}
	})

	t.Run("scripts", func(t *testing.T) {
		// The root's /bin/sh is dash, as on a terminal: a bashism fails here.
		for _, f := range []string{"/usr/lib/yizhan/kiosk-session",
			"/var/lib/dpkg/info/yizhan.postinst", "/var/lib/dpkg/info/yizhan.prerm", "/var/lib/dpkg/info/yizhan.postrm",
			"/var/lib/dpkg/info/yizhan-districtd.postinst", "/var/lib/dpkg/info/yizhan-districtd.prerm",
			"/var/lib/dpkg/info/yizhan-districtd.postrm"} {
			if out, err := tryCmd(ctx, time.Minute, chrootEnv, "chroot", root, "sh", "-n", f); err != nil {
				t.Errorf("sh -n %s: %v\n%s", f, err, out)
			}
			if b, _ := os.ReadFile(in(f)); !bytes.HasPrefix(b, []byte("#!/bin/sh\n")) {
				t.Errorf("%s does not start with #!/bin/sh", f)
			}
		}
	})

	t.Run("systemd", func(t *testing.T) {
		units := []string{"/usr/lib/systemd/system/yizhan-kiosk.service", "/usr/lib/systemd/system/yizhan-districtd.service",
			"/usr/lib/systemd/system/yizhan-update.service", "/usr/lib/systemd/system/yizhan-update.timer"}
		// The target's own systemd, against the target's unit tree: every
		// key known, every program there. Any output is a warning.
		out, err := tryCmd(ctx, 2*time.Minute, chrootEnv, "chroot", append([]string{root, "systemd-analyze", "verify"}, units...)...)
		if err != nil || strings.TrimSpace(out) != "" {
			t.Errorf("systemd-analyze verify (in the root): %v\n%s", err, out)
		} else {
			v, _ := tryCmd(ctx, time.Minute, chrootEnv, "chroot", root, "systemctl", "--version")
			first, _, _ := strings.Cut(v, "\n")
			t.Logf("systemd-analyze verify of the units in the root (%s): no warnings", first)
		}
		// And this machine's, if it has one: a newer systemd knows more.
		if _, err := exec.LookPath("systemd-analyze"); err == nil {
			out, err := tryCmd(ctx, 2*time.Minute, nil, "systemd-analyze", "verify", "--root="+root, "yizhan-kiosk.service", "yizhan-districtd.service",
				"yizhan-update.service", "yizhan-update.timer")
			if err != nil || strings.TrimSpace(out) != "" {
				t.Errorf("systemd-analyze verify --root: %v\n%s", err, out)
			} else {
				t.Log("systemd-analyze verify --root with this machine's systemd: no warnings")
			}
		}
		// The [Install] sections work: enable as a technician will (systemctl
		// works on files in a chroot), and see where the links go.
		chroot(t, time.Minute, "systemctl", "enable", "yizhan-kiosk.service", "yizhan-districtd.service")
		for _, l := range []string{"/etc/systemd/system/graphical.target.wants/yizhan-kiosk.service",
			"/etc/systemd/system/multi-user.target.wants/yizhan-districtd.service"} {
			if _, err := os.Lstat(in(l)); err != nil {
				t.Errorf("systemctl enable made no %s", l)
			}
		}
		// The updater's timer the package enabled itself (postinst).
		if _, err := os.Lstat(in("/etc/systemd/system/timers.target.wants/yizhan-update.timer")); err != nil {
			t.Errorf("the install did not enable yizhan-update.timer: %v", err)
		}
		// For the record (not checked): systemd's exposure score of each unit.
		for _, u := range units {
			if out, err := tryCmd(ctx, time.Minute, chrootEnv, "chroot", root, "systemd-analyze", "security", "--offline=yes", u); err == nil {
				lines := strings.Split(strings.TrimSpace(out), "\n")
				t.Logf("%s: %s", filepath.Base(u), strings.TrimSpace(lines[len(lines)-1]))
			}
		}
	})

	t.Run("udev", func(t *testing.T) {
		rules := "/usr/lib/udev/rules.d/60-yizhan.rules"
		local := "/etc/udev/rules.d/59-yizhan-local.rules"
		example, err := os.ReadFile(in("/usr/share/doc/yizhan/examples/59-yizhan-local.rules"))
		if err != nil {
			t.Fatal(err)
		}
		// The example, every rule switched on, as the technician's file.
		if err := os.WriteFile(in(local), uncommentRules(example), 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(in(local))
		groupExists := func(g string) bool { _, ok := groups[g]; return ok }
		for _, f := range []string{rules, local} {
			data, _ := os.ReadFile(in(f))
			if _, errs := parseUdevRules(f, data, groupExists); len(errs) > 0 {
				t.Errorf("syntax check: %v", errors.Join(errs...))
			}
		}
		udevadm := "/usr/bin/udevadm"
		if _, err := os.Stat(in(udevadm)); err != nil {
			t.Logf("no udevadm in the root: the syntax check above is all")
			return
		}
		if _, err := tryCmd(ctx, time.Minute, chrootEnv, "chroot", root, udevadm, "verify", "--help"); err == nil {
			out, err := tryCmd(ctx, time.Minute, chrootEnv, "chroot", root, udevadm, "verify", rules, local)
			if err != nil {
				t.Errorf("udevadm verify: %v\n%s", err, out)
			}
			return
		}
		// udev 252 has no verify. udevadm test reads every rules file and
		// says what it refuses, then applies the rules to one device. It
		// needs /sys and /proc: they are mounted in a mount namespace of
		// its own, gone when the command ends, so nothing is left mounted.
		// On ttyS0, if the machine has one, a test rule gives it a role and
		// the package's rules must then name it.
		dev := "/sys/devices/virtual/mem/null"
		tty := "/sys/class/tty/ttyS0"
		if _, err := os.Stat(tty); err == nil {
			dev = tty
			rule := `SUBSYSTEM=="tty", KERNEL=="ttyS0", ENV{YIZHAN_ROLE}="idcard"` + "\n"
			if err := os.WriteFile(in("/etc/udev/rules.d/58-yizhan-test.rules"), []byte(rule), 0o644); err != nil {
				t.Fatal(err)
			}
			defer os.Remove(in("/etc/udev/rules.d/58-yizhan-test.rules"))
		}
		script := `mount --bind /sys "$1/sys" && mount -t proc proc "$1/proc" && exec chroot "$1" udevadm test --action=add "$2"`
		out, err := tryCmd(ctx, time.Minute, chrootEnv, "unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", root, dev)
		if err != nil {
			t.Logf("udevadm test could not run here (%v): the syntax check above is all\n%s", err, out)
			return
		}
		for _, f := range []string{rules, local} {
			if !strings.Contains(out, "Reading rules file: "+f) {
				t.Errorf("udevadm test did not read %s:\n%s", f, out)
			}
			// Complaints about a file start with its name; the lines for
			// the device start with the device's.
			for _, l := range strings.Split(out, "\n") {
				if strings.HasPrefix(l, f+":") {
					t.Errorf("udev: %s", l)
				}
			}
		}
		t.Logf("udevadm test %s: the rules read without complaint", dev)
		if dev == tty {
			gid := strconv.Itoa(groups["yizhan"].id)
			for _, want := range []string{"GROUP " + gid, "MODE 0660", "LINK 'yizhan/idcard'"} {
				if !strings.Contains(out, "60-yizhan.rules") || !strings.Contains(out, want) {
					t.Errorf("udevadm test: ttyS0 declared a card reader, but no %q from 60-yizhan.rules:\n%s", want, out)
				}
			}
		}
	})

	t.Run("xorg", func(t *testing.T) {
		// Xorg refuses a snippet with unbalanced sections; the options are
		// those xorg.conf(5) lists for ServerFlags.
		data, _ := os.ReadFile(in("/usr/share/X11/xorg.conf.d/90-yizhan.conf"))
		known := []string{"DontVTSwitch", "DontZap", "DontZoom", "BlankTime", "StandbyTime", "SuspendTime", "OffTime"}
		depth := 0
		for i, l := range strings.Split(string(data), "\n") {
			f := strings.Fields(l)
			switch {
			case len(f) == 0 || strings.HasPrefix(f[0], "#"):
			case f[0] == "Section":
				depth++
			case f[0] == "EndSection":
				depth--
			case f[0] == "Option" && len(f) == 3 && slices.Contains(known, strings.Trim(f[1], `"`)):
			default:
				t.Errorf("90-yizhan.conf:%d: %q", i+1, l)
			}
			if depth < 0 || depth > 1 {
				t.Errorf("90-yizhan.conf:%d: sections out of balance", i+1)
			}
		}
	})

	t.Run("districtd runs", func(t *testing.T) {
		// As its service user, in its data folder: the program works on
		// the target, and the folder's owner and mode let it.
		u := users["yizhan-district"]
		as := []string{"setpriv", fmt.Sprintf("--reuid=%d", u.id), fmt.Sprintf("--regid=%d", u.gid), "--clear-groups", "/usr/bin/districtd"}
		chroot(t, time.Minute, append(as, "init", "--name", "测试区", "--data", "/var/lib/yizhan-district")...)
		out := chroot(t, time.Minute, append(as, "token", "new", "--site", "测试大厅", "--data", "/var/lib/yizhan-district")...)
		if strings.TrimSpace(out) == "" {
			t.Error("districtd token new printed no token")
		}
		filepath.WalkDir(in("/var/lib/yizhan-district"), func(p string, d fs.DirEntry, err error) error {
			if err == nil {
				if fi, err := d.Info(); err == nil && int(fi.Sys().(*syscall.Stat_t).Uid) != u.id {
					t.Errorf("%s is not yizhan-district's", p)
				}
			}
			return nil
		})
	})

	// What a technician keeps between versions: a file in the data folder
	// (the queue, the enrollment) and an edited configuration.
	keep := "/var/lib/yizhan/keep-me"
	keepDistrict := "/var/lib/yizhan-district/keep-me"
	edit := "\n# edited on this terminal\n"
	for _, k := range []struct{ path, user string }{{keep, "yizhan"}, {keepDistrict, "yizhan-district"}} {
		if err := os.WriteFile(in(k.path), []byte("queued\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		os.Chown(in(k.path), users[k.user].id, groups[k.user].id)
	}
	f, err := os.OpenFile(in("/etc/yizhan/kiosk.toml"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(edit)
	f.Close()
	kept := func(t *testing.T) {
		t.Helper()
		for _, p := range []string{keep, keepDistrict} {
			if b, err := os.ReadFile(in(p)); err != nil || string(b) != "queued\n" {
				t.Errorf("%s was not kept: %v", p, err)
			}
		}
		if b, _ := os.ReadFile(in("/etc/yizhan/kiosk.toml")); !strings.HasSuffix(string(b), edit) {
			t.Error("the technician's edit of /etc/yizhan/kiosk.toml was lost")
		}
		dataDir(t, "/var/lib/yizhan", "yizhan", 0o750)
		dataDir(t, "/var/lib/yizhan-district", "yizhan-district", 0o700)
		now := readAccounts(t, root, "passwd")
		for _, u := range []string{"yizhan", "yizhan-district"} {
			if now[u].id != users[u].id {
				t.Errorf("user %s: uid %d, was %d", u, now[u].id, users[u].id)
			}
		}
	}

	t.Run("upgrade", func(t *testing.T) {
		// A later version of both: the same packages with a higher version,
		// so dpkg runs the upgrade path (prerm upgrade, postinst configure
		// OLD-VERSION).
		var newer []string
		for _, deb := range []string{kioskDeb, districtDeb} {
			dir := t.TempDir()
			runCmd(t, ctx, time.Minute, nil, "dpkg-deb", "-R", deb, dir)
			control := filepath.Join(dir, "DEBIAN", "control")
			b, _ := os.ReadFile(control)
			var version string
			for _, l := range strings.Split(string(b), "\n") {
				if v, ok := strings.CutPrefix(l, "Version: "); ok {
					version = v
				}
			}
			b = bytes.Replace(b, []byte("Version: "+version), []byte("Version: "+version+"+test1"), 1)
			os.WriteFile(control, b, 0o644)
			out := filepath.Join(in(debDir), "newer-"+filepath.Base(deb))
			runCmd(t, ctx, 2*time.Minute, nil, "dpkg-deb", "--root-owner-group", "-Zgzip", "-b", dir, out)
			newer = append(newer, debDir+"/"+filepath.Base(out))
		}
		dpkgInstall(t, newer...)
		for _, p := range []string{"yizhan", "yizhan-districtd"} {
			if v := query(p, "${Version}"); !strings.HasSuffix(v, "+test1") {
				t.Errorf("%s: version %q after the upgrade", p, v)
			}
		}
		kept(t)
		// And back to the version under test, as a downgrade.
		dpkgInstall(t, inKiosk, inDistrict)
		kept(t)
	})

	t.Run("remove", func(t *testing.T) {
		chroot(t, 2*time.Minute, "dpkg", "-r", "yizhan", "yizhan-districtd")
		for _, p := range []string{"yizhan", "yizhan-districtd"} {
			if st := query(p, "${Status}"); st != "deinstall ok config-files" {
				t.Errorf("%s: status %q after remove", p, st)
			}
		}
		for _, p := range []string{"/usr/bin/yizhan-kiosk", "/usr/bin/districtd", "/usr/lib/systemd/system/yizhan-kiosk.service"} {
			if _, err := os.Lstat(in(p)); err == nil {
				t.Errorf("%s is still there after remove", p)
			}
		}
		kept(t)
		now := readAccounts(t, root, "passwd")
		for _, u := range []string{"yizhan", "yizhan-district"} {
			if _, ok := now[u]; !ok {
				t.Errorf("remove took the user %s", u)
			}
		}
	})

	t.Run("reinstall", func(t *testing.T) {
		dpkgInstall(t, inKiosk, inDistrict)
		for _, p := range []string{"yizhan", "yizhan-districtd"} {
			if st := query(p, "${Status}"); st != "install ok installed" {
				t.Errorf("%s: status %q after reinstall", p, st)
			}
		}
		kept(t)
	})

	t.Run("purge", func(t *testing.T) {
		// What provision writes outside the package's files.
		if err := os.WriteFile(in("/etc/yizhan/district.pub"), []byte("age1example\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		chroot(t, 2*time.Minute, "dpkg", "-P", "yizhan", "yizhan-districtd")
		for _, p := range []string{"yizhan", "yizhan-districtd"} {
			if st := query(p, "${Status}"); st != "" && st != "unknown ok not-installed" {
				t.Errorf("%s: status %q after purge", p, st)
			}
		}
		for _, p := range []string{"/var/lib/yizhan", "/var/lib/yizhan-district", "/etc/yizhan", "/etc/pam.d/yizhan-kiosk",
			"/etc/default/yizhan-districtd", "/etc/systemd/system/graphical.target.wants/yizhan-kiosk.service",
			"/etc/systemd/system/multi-user.target.wants/yizhan-districtd.service",
			"/etc/systemd/system/timers.target.wants/yizhan-update.timer", "/var/lib/yizhan-update"} {
			if _, err := os.Lstat(in(p)); err == nil {
				t.Errorf("%s is still there after purge", p)
			}
		}
		now, nowGroups := readAccounts(t, root, "passwd"), readAccounts(t, root, "group")
		for _, u := range []string{"yizhan", "yizhan-district"} {
			if _, ok := now[u]; ok {
				t.Errorf("purge left the user %s", u)
			}
			if _, ok := nowGroups[u]; ok {
				t.Errorf("purge left the group %s", u)
			}
		}
		for name, g := range nowGroups {
			if slices.Contains(g.members, "yizhan") {
				t.Errorf("group %s still lists yizhan", name)
			}
		}
		// Nothing else left behind. systemctl enable made the .wants
		// folders; like systemctl disable, purge leaves them.
		after := snapshot(t, root)
		for p := range after {
			if !before[p] && !strings.HasSuffix(p, ".target.wants") {
				t.Errorf("left behind after purge: %s", p)
			}
		}
		for p := range before {
			if !after[p] {
				t.Errorf("gone after purge, though the packages did not bring it: %s", p)
			}
		}
	})
	t.Logf("install test: %v in all", time.Since(began).Round(time.Second))
}

// hardened checks that path is an ELF program built as Debian builds its
// own: position-independent, with full RELRO (its relocations made
// read-only at start, every symbol bound then).
func hardened(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("not an ELF program: %w", err)
	}
	defer f.Close()
	if f.Type != elf.ET_DYN {
		return fmt.Errorf("not position-independent (ELF type %v)", f.Type)
	}
	relro := false
	for _, p := range f.Progs {
		relro = relro || p.Type == elf.PT_GNU_RELRO
	}
	if !relro {
		return errors.New("no RELRO segment")
	}
	flags, err := f.DynValue(elf.DT_FLAGS)
	if err != nil {
		return err
	}
	if len(flags) == 0 || flags[0]&uint64(elf.DF_BIND_NOW) == 0 {
		return errors.New("not bound at start (no BIND_NOW): partial RELRO")
	}
	return nil
}
