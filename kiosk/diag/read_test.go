package diag

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Read gives back what Write wrote, and refuses an entry Write never makes.
func TestReadTakesBackWhatWriteMade(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bundle.tar.gz")
	want := []File{{Name: "versions.txt", Data: []byte("kioskctl\tv1\n")}, {Name: "MANIFEST", Data: []byte("x\n")}}
	if err := Write(path, want, time.Now()); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "versions.txt" || string(got[1].Data) != "x\n" {
		t.Fatalf("read back %+v", got)
	}

	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	tw.WriteHeader(&tar.Header{Name: "logs.txt", Mode: 0o644, Size: 1, Typeflag: tar.TypeReg})
	tw.Write([]byte("x"))
	tw.Close()
	gz.Close()
	open := filepath.Join(dir, "open.tar.gz")
	os.WriteFile(open, buf.Bytes(), 0o600)
	if _, err := Read(open); err == nil || !strings.Contains(err.Error(), "not a 0600 file") {
		t.Fatalf("a world-readable entry: %v", err)
	}
}
