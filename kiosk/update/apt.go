package update

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/durable"
)

// Apt is Packages through apt and dpkg, on the district's repository
// alone: its own sources list, package lists and no shared caches under
// Dir/apt, so a run neither reads nor disturbs the terminal's other apt
// sources, and the repository is trusted only with the key pinned in
// KeyFile (signed-by).
//
// apt fetches as its sandbox user, _apt, which cannot read the terminal's
// identity in the kiosk's data folder: for the length of a run a copy of
// its key, certificate and the district CA is kept in Dir/apt/tls,
// readable by _apt alone.
type Apt struct {
	Dir      string // StateDir
	Repo     string // the repository's URL: https://HOST:PORT/v1/repo/
	Identity string // the kiosk's identity folder: terminal.crt, terminal.key, ca.crt
	Package  string // "yizhan"
	// SystemCAs trusts the system's certificate authorities for the
	// repository's server (the district's own web server) instead of the
	// district CA alone (districtd). The terminal's certificate is
	// presented either way.
	SystemCAs bool
	// Env is added to the commands' environment (tests).
	Env []string
}

// KeyFile is the pinned release key in the updater's folder.
func KeyFile(dir string) string { return filepath.Join(dir, "district.gpg") }

func (a *Apt) aptDir() string { return filepath.Join(a.Dir, "apt") }

// Prepare writes the sources list and the run's copy of the terminal's
// key; the func it returns removes the copy.
func (a *Apt) Prepare() (func(), error) {
	for _, d := range []string{"lists/partial", "archives/partial", "sources.list.d", "tls"} {
		if err := os.MkdirAll(filepath.Join(a.aptDir(), d), 0o755); err != nil {
			return nil, fmt.Errorf("update: %w", err)
		}
	}
	if _, err := os.Stat(KeyFile(a.Dir)); err != nil {
		return nil, fmt.Errorf("update: no pinned release key: %w", err)
	}
	line := fmt.Sprintf("deb [signed-by=%s] %s %s %s\n", KeyFile(a.Dir), a.Repo, "yizhan", "main")
	if err := durable.WriteFile(filepath.Join(a.aptDir(), "sources.list"), []byte(line), 0o644); err != nil {
		return nil, fmt.Errorf("update: %w", err)
	}
	tls := filepath.Join(a.aptDir(), "tls")
	os.Chmod(tls, 0o711)
	uid := -1
	if u, err := user.Lookup("_apt"); err == nil {
		uid, _ = strconv.Atoi(u.Uid)
	}
	var copies []string
	done := func() {
		for _, c := range copies {
			os.Remove(c)
		}
	}
	for _, name := range []string{"terminal.key", "terminal.crt", "ca.crt"} {
		b, err := os.ReadFile(filepath.Join(a.Identity, name))
		if err != nil {
			done()
			return nil, fmt.Errorf("update: the terminal's identity: %w", err)
		}
		c := filepath.Join(tls, name)
		os.Remove(c)
		if err := os.WriteFile(c, b, 0o400); err != nil {
			done()
			return nil, fmt.Errorf("update: %w", err)
		}
		copies = append(copies, c)
		if uid >= 0 {
			os.Chown(c, uid, -1)
		}
	}
	return done, nil
}

func (a *Apt) options() []string {
	tls := filepath.Join(a.aptDir(), "tls")
	var ca []string
	if !a.SystemCAs {
		ca = []string{"-o", "Acquire::https::CaInfo=" + filepath.Join(tls, "ca.crt")}
	}
	return append(ca,
		"-o", "Dir::Etc::SourceList="+filepath.Join(a.aptDir(), "sources.list"),
		"-o", "Dir::Etc::SourceParts="+filepath.Join(a.aptDir(), "sources.list.d"),
		"-o", "Dir::State::Lists="+filepath.Join(a.aptDir(), "lists"),
		"-o", "Dir::Cache::pkgcache=", "-o", "Dir::Cache::srcpkgcache=",
		"-o", "Dir::Cache::Archives="+filepath.Join(a.aptDir(), "archives"),
		"-o", "Acquire::https::SslCert="+filepath.Join(tls, "terminal.crt"),
		"-o", "Acquire::https::SslKey="+filepath.Join(tls, "terminal.key"),
		"-o", "Acquire::Languages=none",
		// Whatever the system's apt.conf.d says: signed or nothing.
		"-o", "Acquire::AllowInsecureRepositories=false",
		"-o", "Acquire::AllowDowngradeToInsecureRepositories=false",
		"-o", "APT::Get::AllowUnauthenticated=false",
		"-o", "Acquire::Retries=3",
		"-o", "DPkg::Lock::Timeout=120",
		// A technician's edit of a configuration file is kept, never asked
		// about: no one is at the terminal to answer.
		"-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold",
		"-o", "Dpkg::Use-Pty=0",
	)
}

func (a *Apt) run(ctx context.Context, limit time.Duration, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive", "LC_ALL=C.UTF-8")
	cmd.Env = append(cmd.Env, a.Env...)
	// Stopped, apt and dpkg get SIGTERM and a while to end cleanly, not
	// SIGKILL: dpkg then leaves less for the next run to finish.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 30 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args[len(args)-min(2, len(args)):], " "), err, aptErrors(out.String()))
	}
	return out.String(), nil
}

// aptErrors is what apt and dpkg said was wrong — their E: and W: lines
// and dpkg's own — without the progress lines around them ("Fetched 2155
// B in 0s"), so that the same failure reads the same each run.
func aptErrors(out string) string {
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "E:") || strings.HasPrefix(l, "W:") || strings.HasPrefix(l, "dpkg:") {
			keep = append(keep, l)
		}
	}
	if len(keep) == 0 {
		return lastLines(out, 2)
	}
	return lastLines(strings.Join(keep, "\n"), 6)
}

// Installed is the package's version when dpkg has it installed and
// configured; "" when it is not, or only half (a cut-short unpack).
func (a *Apt) Installed(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "dpkg-query", "-W", "-f=${Version}\t${db:Status-Abbrev}", a.Package).Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return "", nil // dpkg does not know the package
	}
	if err != nil {
		return "", fmt.Errorf("update: dpkg-query: %w", err)
	}
	version, status, _ := strings.Cut(string(out), "\t")
	if strings.TrimSpace(status) != "ii" {
		return "", nil
	}
	return version, nil
}

// Recover lets dpkg finish configuring the terminal's package when a
// cut-short run left it unpacked or half configured. Only this package is
// touched: another package's trouble is not the updater's to run. What
// configuring cannot finish (a half-unpacked package) is an error; the
// updater then installs a whole version over it.
func (a *Apt) Recover(ctx context.Context) error {
	out, err := exec.CommandContext(ctx, "dpkg-query", "-W", "-f=${db:Status-Abbrev}", a.Package).Output()
	status := strings.TrimSpace(string(out))
	if err != nil || status == "ii" || status == "" {
		return nil // whole, or not installed at all
	}
	if _, err := a.run(ctx, 10*time.Minute, "dpkg", "--force-confdef", "--force-confold", "--configure", a.Package); err != nil {
		return fmt.Errorf("update: recover %s (dpkg status %q): %w", a.Package, status, err)
	}
	if v, _ := a.Installed(ctx); v == "" {
		return fmt.Errorf("update: recover: %s is still not whole", a.Package)
	}
	return nil
}

// Fetch refreshes the repository's index — any warning, a signature not
// the pinned key's above all, fails it — and downloads version. The
// downloads kept are the installed version's and version's (a roll back
// then needs no link); older ones are removed, so releases do not fill
// the disk.
func (a *Apt) Fetch(ctx context.Context, version string) error {
	installed, err := a.Installed(ctx)
	if err != nil {
		return err
	}
	a.prune(installed, version)
	if _, err := a.run(ctx, 10*time.Minute, "apt-get", append(a.options(), "--error-on=any", "update")...); err != nil {
		if strings.Contains(err.Error(), "NO_PUBKEY") || strings.Contains(err.Error(), "not signed") || strings.Contains(err.Error(), "EXPKEYSIG") || strings.Contains(err.Error(), "BADSIG") {
			return fmt.Errorf("update: the repository is not signed with the district's pinned key: %w", err)
		}
		return fmt.Errorf("update: %w", err)
	}
	if _, err := a.run(ctx, 30*time.Minute, "apt-get", append(a.options(), "-y", "--allow-downgrades", "--no-install-recommends",
		"--download-only", "install", a.Package+"="+version)...); err != nil {
		return fmt.Errorf("update: download %s: %w", version, err)
	}
	// And the installed version's, if not here yet (a version a
	// technician installed with dpkg): going back then needs no link.
	if installed != "" {
		if _, err := a.run(ctx, 30*time.Minute, "apt-get", append(a.options(), "-y", "--allow-downgrades", "--no-install-recommends",
			"--reinstall", "--download-only", "install", a.Package+"="+installed)...); err != nil {
			return fmt.Errorf("update: download %s, to go back to: %w", installed, err)
		}
	}
	return nil
}

// Install installs exactly version, up or down.
func (a *Apt) Install(ctx context.Context, version string) error {
	if _, err := a.run(ctx, 15*time.Minute, "apt-get", append(a.options(), "-y", "--allow-downgrades", "--no-install-recommends",
		"--no-remove", "install", a.Package+"="+version)...); err != nil {
		return fmt.Errorf("update: install %s: %w", version, err)
	}
	if got, err := a.Installed(ctx); err != nil || got != version {
		return fmt.Errorf("update: install %s: dpkg has %q installed (%v)", version, got, err)
	}
	return nil
}

// prune removes the downloaded packages of versions other than keep.
func (a *Apt) prune(keep ...string) {
	files, _ := filepath.Glob(filepath.Join(a.aptDir(), "archives", a.Package+"_*.deb"))
	for _, f := range files {
		// apt names a download PACKAGE_VERSION_ARCH.deb, the version's
		// colon (an epoch) written %3a.
		parts := strings.Split(strings.TrimSuffix(filepath.Base(f), ".deb"), "_")
		if len(parts) == 3 && slices.Contains(keep, strings.ReplaceAll(parts[1], "%3a", ":")) {
			continue
		}
		os.Remove(f)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " / ")
}
