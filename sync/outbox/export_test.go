package outbox

import (
	"bytes"
	"context"
	"golang.org/x/sys/unix"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestExportAndReadBack(t *testing.T) {
	dir := t.TempDir()
	key := districtKey(t)
	s := openStore(t, dir, key)
	ctx := context.Background()
	photo := bytes.Repeat([]byte("PHOTO-"+residentID), 1000)
	a, _ := s.Submit(ctx, Submission{Kind: Application, Public: Public{Receipt: "A1"}, Personal: personal(),
		Attachments: []Attachment{{Name: "photo", Data: bytes.NewReader(photo)}}, IDNumber: residentID})
	b, _ := s.Submit(ctx, Submission{Kind: Rating, Personal: []byte(`{"stars":5}`)})
	done, _ := s.Submit(ctx, Submission{Kind: StaffCall, Personal: []byte("x")})
	s.Acknowledge(done.ID)
	s.Close()

	// The technician's tool works on a stopped terminal without its keys.
	m, err := OpenMaintenance(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	stick := t.TempDir()
	out, man, err := m.Export(stick, "HALL-0007", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Submit(ctx, Submission{Kind: Event, Personal: []byte("x")}); err == nil {
		t.Fatal("a maintenance store accepted a submission")
	}
	if len(man.Records) != 2 || man.Records[0].ID != a.ID || man.Records[1].ID != b.ID {
		t.Fatalf("exported %d records", len(man.Records))
	}
	for _, id := range []string{a.ID, b.ID} {
		r, _ := m.Get(id)
		if r.State != Exported {
			t.Fatalf("record %s is %s after export, want exported", id, r.State)
		}
	}
	// Exported records still go by the network if the stick is lost.
	next, _ := m.Next(10)
	if len(next) != 2 {
		t.Fatalf("%d records still waiting after export, want 2", len(next))
	}
	m.Close()

	// The district reads the folder back and opens what is in it.
	got, err := ReadExport(out)
	if err != nil {
		t.Fatal(err)
	}
	rec := got.Records[0]
	sealed, _ := os.ReadFile(filepath.Join(out, rec.Sealed.Path))
	if !bytes.Equal(unseal(t, key, bytes.NewReader(sealed)), personal()) {
		t.Fatal("exported sealed part does not open to what was submitted")
	}
	att, _ := os.Open(filepath.Join(out, rec.Attachments[0].Path))
	defer att.Close()
	if !bytes.Equal(unseal(t, key, att), photo) {
		t.Fatal("exported attachment does not open to what was submitted")
	}
	// Nothing personal is readable on the stick.
	filepath.Walk(out, func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			data, _ := os.ReadFile(path)
			for _, secret := range []string{residentName, residentID, residentPhone} {
				if bytes.Contains(data, []byte(secret)) {
					t.Errorf("%s holds %q", path, secret)
				}
			}
		}
		return nil
	})
	// A damaged or unfinished export is refused.
	os.WriteFile(filepath.Join(out, rec.Sealed.Path), []byte("tampered"), 0o600)
	if _, err := ReadExport(out); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("damaged export: %v", err)
	}
	os.Remove(filepath.Join(out, "manifest.json"))
	if _, err := ReadExport(out); err == nil || !strings.Contains(err.Error(), "not a finished export") {
		t.Fatalf("unfinished export: %v", err)
	}
	// The acknowledgement comes back through sync: exported records purge.
	s = openStore(t, dir, key)
	defer s.Close()
	if r, err := s.Acknowledge(a.ID); err != nil || r.Sealed != nil {
		t.Fatalf("acknowledging an exported record: %+v %v", r, err)
	}
}

// A manifest from a stick is untrusted: whatever it says, ReadExport checks
// it or refuses it, and never reads outside the export folder.
func FuzzReadExport(f *testing.F) {
	f.Add([]byte(`{"format":"yizhan-outbox-export/1","terminal":"T","records":[{"id":"a","sealed":{"path":"records/a.age","size":1,"sha256":"00"}}]}`))
	f.Add([]byte(`{"format":"yizhan-outbox-export/1","records":[{"id":"a","sealed":{"path":"../../etc/passwd","size":1,"sha256":"00"}}]}`))
	f.Fuzz(func(t *testing.T, manifest []byte) {
		dir := t.TempDir()
		os.MkdirAll(filepath.Join(dir, "records"), 0o700)
		os.WriteFile(filepath.Join(dir, "records", "a.age"), []byte("x"), 0o600)
		if err := os.WriteFile(filepath.Join(dir, "manifest.json"), manifest, 0o600); err != nil {
			t.Fatal(err)
		}
		m, err := ReadExport(dir)
		if err != nil {
			return
		}
		for _, r := range m.Records {
			if !filepath.IsLocal(r.Sealed.Path) {
				t.Fatalf("accepted a path outside the export: %q", r.Sealed.Path)
			}
		}
	})
}

// TestExportFilesAreRegularFiles: an export folder is untrusted; a FIFO in
// place of a record's sealed part (which would hang a reader waiting for a
// writer), a symbolic link to a file outside it, or a device is refused at
// once, by name.
func TestExportFilesAreRegularFiles(t *testing.T) {
	dir := t.TempDir()
	key := districtKey(t)
	s := openStore(t, dir, key)
	s.Submit(context.Background(), Submission{Kind: Rating, Personal: []byte(`{"stars":1}`)})
	s.Close()
	m, err := OpenMaintenance(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	out, man, err := m.Export(t.TempDir(), "HALL-0007", nil)
	m.Close()
	if err != nil {
		t.Fatal(err)
	}
	sealedPath := filepath.Join(out, filepath.FromSlash(man.Records[0].Sealed.Path))
	outside := filepath.Join(t.TempDir(), "elsewhere")
	os.WriteFile(outside, []byte("x"), 0o600)
	for name, replace := range map[string]func() error{
		"a FIFO":          func() error { return unix.Mkfifo(sealedPath, 0o600) },
		"a symbolic link": func() error { return os.Symlink(outside, sealedPath) },
		"a device":        func() error { return os.Symlink("/dev/zero", sealedPath) },
	} {
		os.Remove(sealedPath)
		if err := replace(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { _, err := ReadExport(out); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), man.Records[0].Sealed.Path) {
				t.Errorf("%s as a sealed part: %v", name, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s as a sealed part hung the import", name)
		}
	}
}
