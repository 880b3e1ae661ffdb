// Package diag makes the diagnostic bundle a technician sends to the
// district's support when a terminal misbehaves (kioskctl diag): the
// software's versions, the configuration as the terminal parsed it, the
// devices the system shows, a self-test, the queue's counts, the link to
// the district and the kiosk's recent journal, with a MANIFEST of their
// SHA-256 sums so support can tell the bundle arrived whole.
//
// The bundle leaves the terminal and the hall, so nothing in it may name
// a resident. It is built to hold nothing personal in the first place:
// the queue is only counted, measured and aged, never opened (no sealed
// or personal part, no record id, no receipt number), the configuration
// holds no secrets, and an address keeps no password. What is free text —
// journal lines, error messages, the strings devices give — goes through
// Scrub, the second line for what slipped past the first: it masks text
// outside printable ASCII (the kiosk logs in English, so Chinese text is
// a name or an address until shown otherwise), long numbers however they
// are grouped (ID, phone and card numbers), escaped bytes, and base64 or
// hex that could hide either. It masks more than it must rather than
// less: support can ask again, a leaked ID number cannot be taken back.
package diag

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"golang.org/x/sys/unix"

	"github.com/yizhan-kiosk/yizhan/kiosk/config"
	"github.com/yizhan-kiosk/yizhan/sync/durable"
)

// Options are the inputs of a bundle.
type Options struct {
	// Config is the terminal's configuration as it runs; its DataDir is
	// the data folder the queue, the enrollment and the link's status are
	// read from.
	Config config.Config
	// Version is the build of kioskctl making the bundle (versions.txt).
	Version string
	// Selftest runs the self-test, without printing. It talks to the
	// devices, so a technician may leave it out.
	Selftest bool
	// Journal returns the kiosk's recent log lines, unscrubbed; nil reads
	// the kiosk service's journal with journalctl. Tests give their own.
	Journal func(ctx context.Context) ([]byte, error)
	// Now is the moment the queue's and the certificate's ages are
	// measured from; zero means time.Now().
	Now time.Time
}

// File is one file of the bundle.
type File struct {
	Name string
	Data []byte
}

// Collect gathers the bundle's files, MANIFEST last. A part that cannot be
// had says why inside itself rather than failing the bundle: a terminal in
// trouble is the one that most needs its bundle.
func Collect(ctx context.Context, opt Options) []File {
	cfg := opt.Config
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	journal := opt.Journal
	if journal == nil {
		journal = readKioskJournal
	}
	files := []File{
		{"config.toml", configFile(cfg)},
		{"versions.txt", versionsFile(opt.Version)},
		{"devices.json", encodeJSON(devices(ctx, cfg))},
		{"selftest.json", encodeJSON(runSelftest(ctx, cfg, opt.Selftest))},
		{"queue.json", encodeJSON(queue(cfg, now))},
		{"sync.json", encodeJSON(link(cfg, now))},
		{"logs.txt", logs(ctx, journal)},
	}
	var manifest strings.Builder
	for _, f := range files {
		sum := sha256.Sum256(f.Data)
		// The format of sha256sum, so `sha256sum -c MANIFEST` checks the
		// unpacked bundle.
		fmt.Fprintf(&manifest, "%s  %s\n", hex.EncodeToString(sum[:]), f.Name)
	}
	return append(files, File{"MANIFEST", []byte(manifest.String())})
}

// Write writes the files to path as a gzip'd tar stamped now: whole or
// not at all (renamed into place), readable by its owner only, and only
// into a folder that exists, which a typo does not. A bundle is small: it
// is made in memory.
func Write(path string, files []File, now time.Time) error {
	var buf bytes.Buffer
	if err := pack(&buf, files, now); err != nil {
		return fmt.Errorf("diag: pack %s: %w", path, err)
	}
	if _, err := os.Stat(filepath.Dir(path)); err != nil {
		return fmt.Errorf("diag: write %s: %w", path, err)
	}
	if err := durable.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("diag: write %s: %w", path, err)
	}
	return nil
}

// maxBundle bounds what Read takes in: a bundle is logs and reports, a
// few megabytes.
const maxBundle = 256 << 20

// Read reads a bundle back as Write made it — for support, and for the
// tests that check what a bundle holds. An entry that is not a 0600
// regular file is an error: Write makes no other.
func Read(path string) ([]File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("diag: read %s: %w", path, err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("diag: read %s: %w", path, err)
	}
	tr := tar.NewReader(io.LimitReader(gz, maxBundle))
	var files []File
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return files, nil
		}
		if err != nil {
			return nil, fmt.Errorf("diag: read %s: %w", path, err)
		}
		if hdr.Typeflag != tar.TypeReg || hdr.Mode != 0o600 {
			return nil, fmt.Errorf("diag: read %s: %s is not a 0600 file (mode %o, type %c)", path, hdr.Name, hdr.Mode, hdr.Typeflag)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, fmt.Errorf("diag: read %s: %s: %w", path, hdr.Name, err)
		}
		files = append(files, File{Name: hdr.Name, Data: data})
	}
}

// pack writes the files as a gzip'd tar, each 0600: the bundle may be
// unpacked on a shared machine.
func pack(w io.Writer, files []File, now time.Time) error {
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	for _, f := range files {
		hdr := &tar.Header{Name: f.Name, Mode: 0o600, Size: int64(len(f.Data)), ModTime: now, Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := tw.Write(f.Data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

// encodeJSON is a part as indented JSON, with <, > and & as they are: the
// bundle is read by people, never put in a web page.
func encodeJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		// Only a programming mistake gets here; the file says so.
		return []byte(fmt.Sprintf("{\"error\": %q}\n", err.Error()))
	}
	return b.Bytes()
}

// configFile is the configuration as the terminal parsed it, encoded
// anew: the file's comments and anything else in it stay behind. The
// configuration holds no secrets by design (config package); its paths
// name key files, never their content, so nothing needs dropping.
func configFile(cfg config.Config) []byte {
	var b bytes.Buffer
	b.WriteString("# kioskctl diag: the configuration as the terminal parsed it, encoded anew\n")
	if err := toml.NewEncoder(&b).Encode(cfg); err != nil {
		return []byte("# the configuration could not be encoded: " + err.Error() + "\n")
	}
	return b.Bytes()
}

// versionsFile names the software and the system it runs on.
func versionsFile(version string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "kioskctl\t%s\n", version)
	fmt.Fprintf(&b, "go\t%s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if info, ok := debug.ReadBuildInfo(); ok {
		fmt.Fprintf(&b, "module\t%s %s\n", info.Main.Path, info.Main.Version)
		for _, s := range info.Settings {
			if strings.HasPrefix(s.Key, "vcs.") {
				fmt.Fprintf(&b, "%s\t%s\n", s.Key, s.Value)
			}
		}
	}
	var u unix.Utsname
	if err := unix.Uname(&u); err == nil {
		fmt.Fprintf(&b, "os\t%s %s %s %s\n", unix.ByteSliceToString(u.Sysname[:]), unix.ByteSliceToString(u.Release[:]),
			unix.ByteSliceToString(u.Version[:]), unix.ByteSliceToString(u.Machine[:]))
	} else {
		fmt.Fprintf(&b, "os\tuname failed: %v\n", err)
	}
	if text, err := os.ReadFile("/etc/os-release"); err == nil {
		for _, line := range strings.Split(string(text), "\n") {
			if v, ok := strings.CutPrefix(line, "PRETTY_NAME="); ok {
				fmt.Fprintf(&b, "distribution\t%s\n", strings.Trim(v, `"`))
			}
		}
	}
	// Build settings and a distribution's name are free text too.
	return []byte(Scrub(b.String()))
}
