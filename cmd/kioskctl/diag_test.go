package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// diagBundleFiles are the files a bundle holds, in the order the command
// names them.
var diagBundleFiles = []string{"config.toml", "versions.txt", "devices.json", "selftest.json", "queue.json", "sync.json", "logs.txt", "MANIFEST"}

// untar reads a bundle: each file's content, and that each is 0600.
func untar(t *testing.T, path string) map[string][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	files := map[string][]byte{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if hdr.Mode != 0o600 || hdr.Typeflag != tar.TypeReg {
			t.Errorf("%s: mode %o type %c, want a 0600 file", hdr.Name, hdr.Mode, hdr.Typeflag)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[hdr.Name] = data
	}
	return files
}

// The command: flags, the kiosk's real journal (or the note that there is
// none), the bundle readable by its owner only.
func TestDiagCommand(t *testing.T) {
	cfgPath, _ := selftestTerminal(t, "")
	bundle := filepath.Join(t.TempDir(), "diag.tar.gz")
	var out, errOut bytes.Buffer
	start := time.Now()
	if err := run([]string{"diag", "--out", bundle, "--config", cfgPath, "--no-selftest"}, nil, &out, &errOut); err != nil {
		t.Fatalf("diag: %v\n%s", err, errOut.String())
	}
	if took := time.Since(start); took > 40*time.Second {
		t.Errorf("diag took %v", took)
	}
	if want := "wrote " + bundle + ": " + strings.Join(diagBundleFiles, ", ") + "\n"; out.String() != want {
		t.Errorf("diag said %q, want %q", out.String(), want)
	}
	if fi, err := os.Stat(bundle); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("bundle file: %v %v", fi, err)
	}
	got := untar(t, bundle)
	for _, name := range diagBundleFiles {
		if _, ok := got[name]; !ok {
			t.Errorf("bundle lacks %s", name)
		}
	}
	if !bytes.Contains(got["selftest.json"], []byte("--no-selftest")) {
		t.Errorf("selftest.json with --no-selftest: %s", got["selftest.json"])
	}
	if !bytes.HasPrefix(got["logs.txt"], []byte("# journalctl")) {
		t.Errorf("logs.txt: %s", got["logs.txt"])
	}
	var qr struct {
		Note string `json:"note"`
	}
	if err := json.Unmarshal(got["queue.json"], &qr); err != nil || !strings.Contains(qr.Note, "no queue yet") {
		t.Errorf("queue.json: %v %s", err, got["queue.json"])
	}
	// The bundle is written whole or not at all: nothing is left behind
	// when its folder cannot be written.
	err := run([]string{"diag", "--out", filepath.Join(t.TempDir(), "missing", "diag.tar.gz"), "--config", cfgPath, "--no-selftest"}, nil, &out, &errOut)
	if err == nil || errors.Is(err, errUsage) || !strings.HasPrefix(err.Error(), "diag: write ") {
		t.Errorf("unwritable --out: %v", err)
	}
}
