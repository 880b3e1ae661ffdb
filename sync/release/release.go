// Package release is the district's Debian repository of terminal
// releases: the yizhan packages its terminals install, every version kept
// so that any terminal can go back, the whole signed with the district's
// own OpenPGP key.
//
// The repository is made and signed by aptly and the key by GnuPG, both
// from Debian; this package runs them and reads what they leave. A
// repository folder holds:
//
//	gnupg/        the district's release key, private half included (0700)
//	aptly.conf    aptly's configuration
//	aptly/        aptly's database and pool; aptly/public is what apt reads
//	district.gpg  the public key, as apt's signed-by takes it
//	.lock         held while a release is added
//
// Invariants: a version, once added, is never replaced (aptly refuses a
// second package of the same version, and Add says so); nothing is ever
// removed, so a ring can be pointed back at any version it once ran; the
// public tree changes only through aptly's publish, which writes the
// signed InRelease last.
package release

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/durable"
)

// What the repository holds: the terminal's package, for amd64, in one
// distribution and component. apt on a terminal reads it as
// "deb [signed-by=…] URL yizhan main".
const (
	Package      = "yizhan"
	Architecture = "amd64"
	Codename     = "yizhan"
	Component    = "main"
)

// ErrNoRepository means the folder holds no repository yet:
// districtd release init makes one.
var ErrNoRepository = errors.New("release: no release repository (districtd release init makes one)")

// Repo is a release repository in a folder.
type Repo struct {
	dir string
}

// Open opens the repository in dir.
func Open(dir string) (*Repo, error) {
	if _, err := os.Stat(filepath.Join(dir, "district.gpg")); errors.Is(err, os.ErrNotExist) {
		return nil, ErrNoRepository
	} else if err != nil {
		return nil, fmt.Errorf("release: %w", err)
	}
	return &Repo{dir: dir}, nil
}

// Init makes a repository in dir: a new release key for the district
// named name, and an empty repository signed with it. A folder that
// holds one already is refused: a second key would make every terminal
// refuse the repository.
func Init(ctx context.Context, dir, name string) (*Repo, error) {
	if _, err := Open(dir); err == nil {
		return nil, fmt.Errorf("release: %s holds a release repository already", dir)
	}
	if strings.ContainsAny(name, "<>()\n") || name == "" {
		return nil, fmt.Errorf("release: district name %q unusable in a key's user id", name)
	}
	r := &Repo{dir: dir}
	if err := os.MkdirAll(r.gnupg(), 0o700); err != nil {
		return nil, fmt.Errorf("release: %w", err)
	}
	// A key with no passphrase: districtd signs unattended. The folder's
	// mode is what guards it, as it guards the district's CA key.
	uid := fmt.Sprintf("%s 终端软件发布 (Yizhan terminal releases) <release@yizhan.invalid>", name)
	if _, err := r.gpg(ctx, "--batch", "--pinentry-mode", "loopback", "--passphrase", "",
		"--quick-gen-key", uid, "ed25519", "sign", "never"); err != nil {
		return nil, err
	}
	fpr, err := r.Fingerprint(ctx)
	if err != nil {
		return nil, err
	}
	conf := fmt.Sprintf(`{"rootDir": %q, "gpgProvider": "gpg", "architectures": [%q], "downloadConcurrency": 1}`+"\n",
		filepath.Join(dir, "aptly"), Architecture)
	if err := os.WriteFile(filepath.Join(dir, "aptly.conf"), []byte(conf), 0o600); err != nil {
		return nil, fmt.Errorf("release: %w", err)
	}
	if _, err := r.aptly(ctx, "repo", "create", "-distribution="+Codename, "-component="+Component, Package); err != nil {
		return nil, err
	}
	if _, err := r.aptly(ctx, "publish", "repo", "-batch", "-gpg-key="+fpr, "-architectures="+Architecture,
		"-origin=Yizhan", "-label="+name, Package); err != nil {
		return nil, err
	}
	pub, err := r.gpg(ctx, "--export", fpr)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(pub, "\x98") && !strings.HasPrefix(pub, "\x99") {
		return nil, errors.New("release: gpg exported no public key")
	}
	// Written last: its presence is what Open takes for a repository.
	if err := durable.WriteFile(filepath.Join(dir, "district.gpg"), []byte(pub), 0o644); err != nil {
		return nil, fmt.Errorf("release: %w", err)
	}
	return r, nil
}

// Dir is the repository's folder.
func (r *Repo) Dir() string { return r.dir }

func (r *Repo) gnupg() string { return filepath.Join(r.dir, "gnupg") }

// PublicKey is the district's release key, public half, in the binary
// form apt's signed-by reads.
func (r *Repo) PublicKey() ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(r.dir, "district.gpg"))
	if err != nil {
		return nil, fmt.Errorf("release: key: %w", err)
	}
	return b, nil
}

// Fingerprint is the release key's fingerprint, for a technician to
// compare with what a terminal pinned.
func (r *Repo) Fingerprint(ctx context.Context) (string, error) {
	out, err := r.gpg(ctx, "--with-colons", "--list-secret-keys")
	if err != nil {
		return "", err
	}
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Split(l, ":"); len(f) > 9 && f[0] == "fpr" {
			return f[9], nil
		}
	}
	return "", errors.New("release: the key folder holds no secret key")
}

// Add puts a terminal package into the repository and publishes the
// repository again, signed. It returns the package's version.
func (r *Repo) Add(ctx context.Context, deb string) (string, error) {
	fields, err := debFields(ctx, deb)
	if err != nil {
		return "", err
	}
	switch {
	case fields["Package"] != Package:
		return "", fmt.Errorf("release: %s is package %q; the repository holds only the terminal's, %q", deb, fields["Package"], Package)
	case fields["Architecture"] != Architecture:
		return "", fmt.Errorf("release: %s is for %q, not %s", deb, fields["Architecture"], Architecture)
	}
	version := fields["Version"]
	if out, err := exec.CommandContext(ctx, "dpkg", "--validate-version", version).CombinedOutput(); err != nil {
		return "", fmt.Errorf("release: version %q: %s", version, bytes.TrimSpace(out))
	}
	unlock, err := r.lock()
	if err != nil {
		return "", err
	}
	defer unlock()
	have, err := r.Versions()
	if err != nil {
		return "", err
	}
	if slices.Contains(have, version) {
		return "", fmt.Errorf("release: version %s is in the repository already; a release is never replaced, give the new build a new version", version)
	}
	// The pool's file names leave the epoch out (Debian's way): two
	// versions apart only by their epoch would be one file.
	for _, v := range have {
		if withoutEpoch(v) == withoutEpoch(version) {
			return "", fmt.Errorf("release: version %s differs from %s, in the repository, only by its epoch; give the build a new version", version, v)
		}
	}
	fpr, err := r.Fingerprint(ctx)
	if err != nil {
		return "", err
	}
	// aptly names the pool's file after the file it is given: give it
	// Debian's name for the package (no epoch), so two builds never meet
	// under one name.
	tmp, err := os.MkdirTemp(r.dir, ".add-")
	if err != nil {
		return "", fmt.Errorf("release: %w", err)
	}
	defer os.RemoveAll(tmp)
	named := filepath.Join(tmp, Package+"_"+withoutEpoch(version)+"_"+Architecture+".deb")
	if err := copyFile(deb, named); err != nil {
		return "", err
	}
	if _, err := r.aptly(ctx, "repo", "add", Package, named); err != nil {
		return "", err
	}
	if _, err := r.aptly(ctx, "publish", "update", "-batch", "-gpg-key="+fpr, Codename); err != nil {
		return "", err
	}
	return version, nil
}

// Has reports whether version is in the repository.
func (r *Repo) Has(version string) (bool, error) {
	have, err := r.Versions()
	return slices.Contains(have, version), err
}

// Versions are the terminal package's versions the published repository
// holds, as its Packages index lists them.
func (r *Repo) Versions() ([]string, error) {
	f, err := os.Open(filepath.Join(r.public(), "dists", Codename, Component, "binary-"+Architecture, "Packages"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil // published empty: aptly writes no index
	}
	if err != nil {
		return nil, fmt.Errorf("release: %w", err)
	}
	defer f.Close()
	stanzas, err := ParsePackages(f)
	if err != nil {
		return nil, err
	}
	var vs []string
	for _, s := range stanzas {
		if s.Package == Package {
			vs = append(vs, s.Version)
		}
	}
	return vs, nil
}

// Stanza is one package of a Packages index: the fields this package
// reads.
type Stanza struct {
	Package, Version, Filename string
}

// ParsePackages reads a Debian Packages index (deb822 stanzas separated
// by blank lines). A stanza without Package or Version is an error.
func ParsePackages(rd io.Reader) ([]Stanza, error) {
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var out []Stanza
	var cur Stanza
	open := false
	end := func() error {
		if !open {
			return nil
		}
		if cur.Package == "" || cur.Version == "" {
			return fmt.Errorf("release: Packages: stanza %d lacks Package or Version", len(out)+1)
		}
		out = append(out, cur)
		cur, open = Stanza{}, false
		return nil
	}
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			if err := end(); err != nil {
				return nil, err
			}
			continue
		}
		open = true
		if line[0] == ' ' || line[0] == '\t' {
			continue // a continuation line of a field this package does not read
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("release: Packages: line %q is no field", line)
		}
		v = strings.TrimSpace(v)
		switch k {
		case "Package":
			cur.Package = v
		case "Version":
			cur.Version = v
		case "Filename":
			cur.Filename = v
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("release: Packages: %w", err)
	}
	if err := end(); err != nil {
		return nil, err
	}
	return out, nil
}

func (r *Repo) public() string { return filepath.Join(r.dir, "aptly", "public") }

// Handler serves the published repository to apt: its dists/ and pool/
// files, read-only, and nothing else of the folder (not the key, not
// aptly's database). Paths are relative to where it is mounted.
func (r *Repo) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := path.Clean("/" + req.URL.Path)[1:]
		top, _, _ := strings.Cut(p, "/")
		if top != "dists" && top != "pool" {
			http.NotFound(w, req)
			return
		}
		f, err := os.Open(filepath.Join(r.public(), filepath.FromSlash(p)))
		if err != nil {
			http.NotFound(w, req)
			return
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil || !fi.Mode().IsRegular() {
			http.NotFound(w, req)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		http.ServeContent(w, req, "", fi.ModTime(), f)
	})
}

// lock holds the repository for one change; aptly's own database lock
// would make a second districtd fail midway instead of waiting.
func (r *Repo) lock() (func(), error) {
	f, err := os.OpenFile(filepath.Join(r.dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("release: lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("release: lock: %w", err)
	}
	return func() { f.Close() }, nil
}

// gpg runs GnuPG on the repository's key folder, and stops the agent it
// starts: nothing of GnuPG's stays running after districtd's command.
func (r *Repo) gpg(ctx context.Context, args ...string) (string, error) {
	defer r.stopAgent()
	return run(ctx, r.env(), "gpg", append([]string{"--homedir", r.gnupg(), "--no-tty"}, args...)...)
}

func (r *Repo) aptly(ctx context.Context, args ...string) (string, error) {
	defer r.stopAgent()
	return run(ctx, r.env(), "aptly", append([]string{"-config=" + filepath.Join(r.dir, "aptly.conf")}, args...)...)
}

func (r *Repo) stopAgent() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	exec.CommandContext(ctx, "gpgconf", "--homedir", r.gnupg(), "--kill", "all").Run()
}

func (r *Repo) env() []string {
	return append(os.Environ(), "GNUPGHOME="+r.gnupg(), "LC_ALL=C.UTF-8")
}

func run(ctx context.Context, env []string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	cmd.WaitDelay = 5 * time.Second
	var out, diag bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &diag
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return "", fmt.Errorf("release: %s is not installed (Debian package %s)", name, map[string]string{"gpg": "gnupg", "aptly": "aptly"}[name])
		}
		return "", fmt.Errorf("release: %s %s: %w\n%s", name, args[len(args)-1], err, bytes.TrimSpace(append(out.Bytes(), diag.Bytes()...)))
	}
	return out.String(), nil
}

// debFields reads a package's control fields.
func debFields(ctx context.Context, deb string) (map[string]string, error) {
	out, err := exec.CommandContext(ctx, "dpkg-deb", "-f", deb, "Package", "Version", "Architecture").CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("release: %s is no Debian package: %s", deb, bytes.TrimSpace(out))
	}
	fields := map[string]string{}
	for _, l := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(l, ": "); ok {
			fields[k] = strings.TrimSpace(v)
		}
	}
	return fields, nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("release: %w", err)
	}
	defer in.Close()
	if _, err := durable.WriteFrom(to, in, 0o644); err != nil {
		return fmt.Errorf("release: %w", err)
	}
	return nil
}

// withoutEpoch is a version as Debian names its package file: "1:2.0" is
// "2.0".
func withoutEpoch(v string) string {
	if _, rest, ok := strings.Cut(v, ":"); ok {
		return rest
	}
	return v
}
