package outbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"golang.org/x/sys/unix"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/durable"
)

// Exported marks a record copied to removable media for the district to
// import. It stays in the queue: if the stick is lost the record still goes
// by the network, and the district keeps each record once by its id.
const Exported State = "exported"

// ExportFormat names the export layout (docs/outbox.md).
const ExportFormat = "yizhan-outbox-export/1"

// Manifest describes an export folder. It is written last: a folder without
// one is an unfinished export.
type Manifest struct {
	Format   string           `json:"format"`
	Terminal string           `json:"terminal"`
	Created  time.Time        `json:"created"`
	Records  []ManifestRecord `json:"records"`
}

// ManifestRecord is one exported record: its public part and where its
// sealed parts are, with their SHA-256.
type ManifestRecord struct {
	ID          string               `json:"id"`
	Seq         uint64               `json:"seq"`
	Kind        Kind                 `json:"kind"`
	Created     time.Time            `json:"created"`
	Public      Public               `json:"public"`
	Sealed      ManifestFile         `json:"sealed"`
	Attachments []ManifestAttachment `json:"attachments,omitempty"`
}

// ManifestFile is a file in the export folder.
type ManifestFile struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// ManifestAttachment is a sealed attachment in the export folder.
type ManifestAttachment struct {
	Name string `json:"name"`
	ManifestFile
}

// ExportSigner signs an export's manifest with the terminal's key: it
// returns the signature over the manifest's bytes and the terminal's
// certificate (DER), which the district checks against its own record of
// the terminal.
type ExportSigner func(manifest []byte) (signature, certificate []byte, err error)

// The files beside manifest.json in a signed export.
const (
	exportSignature   = "manifest.sig"
	exportCertificate = "terminal.crt"
)

// Export copies every record waiting for the district (queued, sending or
// exported before) into a new folder under dir, fsyncs it, writes the
// manifest's signature (when sign is not nil) and then the manifest last,
// and marks the records exported. It returns the folder.
func (s *Store) Export(dir, terminal string, sign ExportSigner) (string, Manifest, error) {
	waiting, err := s.Next(1 << 30)
	if err != nil {
		return "", Manifest{}, err
	}
	m := Manifest{Format: ExportFormat, Terminal: terminal, Created: s.opt.Now().UTC()}
	out := filepath.Join(dir, fmt.Sprintf("yizhan-%s-%s", terminal, m.Created.Format("20060102T150405Z")))
	for _, sub := range []string{"records", "attachments"} {
		if err := os.MkdirAll(filepath.Join(out, sub), 0o700); err != nil {
			return "", Manifest{}, fmt.Errorf("outbox: export: %w", err)
		}
	}
	for _, r := range waiting {
		mr := ManifestRecord{ID: r.ID, Seq: r.Seq, Kind: r.Kind, Created: r.Created, Public: r.Public}
		if mr.Sealed, err = writeExportFile(out, filepath.Join("records", r.ID+".age"), bytes.NewReader(r.Sealed)); err != nil {
			return "", Manifest{}, err
		}
		for _, a := range r.Attachments {
			f, err := s.exportAttachment(out, a)
			if err != nil {
				return "", Manifest{}, err
			}
			mr.Attachments = append(mr.Attachments, ManifestAttachment{Name: a.Name, ManifestFile: f})
		}
		m.Records = append(m.Records, mr)
	}
	for _, sub := range []string{"records", "attachments"} {
		if err := durable.SyncDir(filepath.Join(out, sub)); err != nil {
			return "", Manifest{}, err
		}
	}
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return "", Manifest{}, err
	}
	if sign != nil {
		sig, cert, err := sign(manifest)
		if err != nil {
			return "", Manifest{}, fmt.Errorf("outbox: export: sign: %w", err)
		}
		if _, err := writeExportFile(out, exportSignature, bytes.NewReader(sig)); err != nil {
			return "", Manifest{}, err
		}
		if _, err := writeExportFile(out, exportCertificate, bytes.NewReader(cert)); err != nil {
			return "", Manifest{}, err
		}
	}
	if _, err := writeExportFile(out, "manifest.json", bytes.NewReader(manifest)); err != nil {
		return "", Manifest{}, err
	}
	if err := durable.SyncDir(out); err != nil {
		return "", Manifest{}, err
	}
	for _, r := range waiting {
		if _, err := s.move(r.ID, Exported, Queued, Sending, Exported); err != nil {
			return "", Manifest{}, err
		}
	}
	return out, m, nil
}

// exportAttachment copies an attachment's sealed bytes, from outbox.db or
// its file, into the export folder.
func (s *Store) exportAttachment(out string, a AttachmentRef) (ManifestFile, error) {
	r, err := s.OpenAttachment(a)
	if err != nil {
		return ManifestFile{}, fmt.Errorf("outbox: export: %w", err)
	}
	defer r.Close()
	return writeExportFile(out, filepath.Join("attachments", a.File), r)
}

// writeExportFile streams r into a new file under root, fsyncs it, and
// describes it for the manifest.
func writeExportFile(root, rel string, r io.Reader) (ManifestFile, error) {
	path := filepath.Join(root, rel)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return ManifestFile{}, fmt.Errorf("outbox: export: %w", err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if err != nil {
		f.Close()
		return ManifestFile{}, fmt.Errorf("outbox: export %s: %w", rel, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return ManifestFile{}, fmt.Errorf("outbox: export: %w", err)
	}
	if err := f.Close(); err != nil {
		return ManifestFile{}, fmt.Errorf("outbox: export: %w", err)
	}
	return ManifestFile{Path: filepath.ToSlash(rel), Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// Signed is what an export says of who made it: the manifest's bytes as
// read, the terminal's signature over them and its certificate (DER);
// the last two empty when the export is unsigned.
type Signed struct {
	Manifest, Signature, Certificate []byte
}

// ReadExport reads an export folder's manifest and checks every file it
// names against its size and SHA-256.
func ReadExport(dir string) (Manifest, error) {
	m, _, err := ReadSignedExport(dir)
	return m, err
}

// ReadSignedExport is ReadExport, with the manifest's bytes — read once,
// the same that were parsed — and its signature, for districtd's import to
// check.
func ReadSignedExport(dir string) (Manifest, Signed, error) {
	m, data, err := readManifest(dir)
	if err != nil {
		return Manifest{}, Signed{}, err
	}
	sg := Signed{Manifest: data}
	for name, into := range map[string]*[]byte{exportSignature: &sg.Signature, exportCertificate: &sg.Certificate} {
		f, err := OpenExportFile(dir, name)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return Manifest{}, Signed{}, fmt.Errorf("outbox: %w", err)
		}
		*into, err = io.ReadAll(io.LimitReader(f, 16<<10)) // a signature and a certificate are small
		f.Close()
		if err != nil {
			return Manifest{}, Signed{}, fmt.Errorf("outbox: %s: %w", name, err)
		}
	}
	return m, sg, nil
}

// readManifest reads and checks an export's manifest, and returns its
// bytes.
func readManifest(dir string) (Manifest, []byte, error) {
	mf, err := OpenExportFile(dir, "manifest.json")
	if errors.Is(err, os.ErrNotExist) {
		return Manifest{}, nil, fmt.Errorf("outbox: %s is not a finished export (no manifest)", dir)
	}
	if err != nil {
		return Manifest{}, nil, err
	}
	defer mf.Close()
	data, err := io.ReadAll(io.LimitReader(mf, maxManifestBytes+1))
	if err != nil {
		return Manifest{}, nil, fmt.Errorf("outbox: manifest: %w", err)
	}
	if len(data) > maxManifestBytes {
		return Manifest{}, nil, fmt.Errorf("outbox: manifest over %d bytes", maxManifestBytes)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return Manifest{}, nil, fmt.Errorf("outbox: manifest: %w", err)
	}
	if m.Format != ExportFormat {
		return Manifest{}, nil, fmt.Errorf("outbox: export format %q, want %q", m.Format, ExportFormat)
	}
	for _, r := range m.Records {
		files := []ManifestFile{r.Sealed}
		for _, a := range r.Attachments {
			files = append(files, a.ManifestFile)
		}
		for _, f := range files {
			if err := checkExportFile(dir, f); err != nil {
				return Manifest{}, nil, fmt.Errorf("outbox: record %s: %w", r.ID, err)
			}
		}
	}
	return m, data, nil
}

// maxManifestBytes bounds an export's manifest: a full store's records
// take a few MiB.
const maxManifestBytes = 64 << 20

// OpenExportFile opens the file rel of an export folder for reading: a
// path inside the folder, not a symbolic link, and a regular file — a
// FIFO or a device on a stick must not hang or feed the district. It is
// the one way an export's files are opened.
func OpenExportFile(dir, rel string) (*os.File, error) {
	if filepath.IsAbs(rel) || !filepath.IsLocal(rel) {
		return nil, fmt.Errorf("file %q outside the export", rel)
	}
	// O_NONBLOCK: opening a FIFO with no writer would wait for one.
	fd, err := unix.Open(filepath.Join(dir, filepath.FromSlash(rel)), unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: rel, Err: err}
	}
	f := os.NewFile(uintptr(fd), filepath.Join(dir, rel))
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s is not a regular file (%s)", rel, info.Mode().Type())
	}
	return f, nil
}

func checkExportFile(dir string, f ManifestFile) error {
	fh, err := OpenExportFile(dir, f.Path)
	if err != nil {
		return err
	}
	defer fh.Close()
	h := sha256.New()
	// No more than the manifest says, and one byte to tell it was more.
	n, err := io.Copy(h, io.LimitReader(fh, f.Size+1))
	if err != nil {
		return err
	}
	if n != f.Size || hex.EncodeToString(h.Sum(nil)) != f.SHA256 {
		return fmt.Errorf("file %s damaged (size or SHA-256 differs)", f.Path)
	}
	return nil
}

// OpenMaintenance opens the store for the technician's tool while the
// terminal is stopped: everything but Submit, which needs the district's
// keys.
func OpenMaintenance(dir string, budget int64) (*Store, error) {
	return openExisting(dir, budget, false)
}
