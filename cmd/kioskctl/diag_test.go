package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	kioskdiag "github.com/yizhan-kiosk/yizhan/kiosk/diag"
)

// diagBundleFiles are the files a bundle holds, in the order the command
// names them.
var diagBundleFiles = []string{"config.toml", "versions.txt", "devices.json", "selftest.json", "queue.json", "sync.json", "logs.txt", "MANIFEST"}

// untar reads a bundle (diag.Read, which wants each entry a 0600 file)
// into its files by name.
func untar(t *testing.T, path string) map[string][]byte {
	t.Helper()
	files, err := kioskdiag.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string][]byte{}
	for _, f := range files {
		byName[f.Name] = f.Data
	}
	return byName
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
