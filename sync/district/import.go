package district

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/yizhan-kiosk/yizhan/sync/outbox"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// ImportReport says what an import did.
type ImportReport struct {
	Terminal  string
	Accepted  int
	Duplicate int
	Rejected  []protocol.Result
}

// Import stores the records of an export folder a technician brought from
// a terminal (kioskctl queue export). Every file is checked against the
// manifest first; records go through the same ingest as sync, so a record
// that also arrives by the network is stored once. The terminal must be
// enrolled here and not revoked.
func (d *District) Import(dir string) (ImportReport, error) {
	m, signed, err := outbox.ReadSignedExport(dir)
	if err != nil {
		return ImportReport{}, fmt.Errorf("district: import: %w", err)
	}
	rep := ImportReport{Terminal: m.Terminal}
	if err := d.checkSigned(m, signed); err != nil {
		return rep, fmt.Errorf("district: import: %w", err)
	}
	staged, err := d.stageImport(m.Terminal)
	if err != nil {
		return rep, fmt.Errorf("district: import: %w", err)
	}
	defer os.RemoveAll(filepath.Join(d.attachDir, m.Terminal, staged))
	var batch []protocol.Record
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		results, err := d.ingest(m.Terminal, "import", batch, staged)
		if err != nil {
			return err
		}
		for _, r := range results {
			switch r.Status {
			case protocol.Accepted:
				rep.Accepted++
			case protocol.Duplicate:
				rep.Duplicate++
			default:
				rep.Rejected = append(rep.Rejected, r)
			}
		}
		batch = batch[:0]
		return nil
	}
	for _, mr := range m.Records {
		rec := protocol.Record{ID: mr.ID, Seq: mr.Seq, Kind: string(mr.Kind), Created: mr.Created,
			Public: protocol.Public{Service: mr.Public.Service, Receipt: mr.Public.Receipt}}
		if mr.Sealed.Size > protocol.MaxSealedBytes {
			rep.Rejected = append(rep.Rejected, protocol.Result{ID: mr.ID, Status: protocol.Rejected, Reason: "sealed part over the protocol's limit"})
			continue
		}
		if rec.Sealed, err = readExportFile(dir, mr.Sealed); err != nil {
			return rep, fmt.Errorf("district: import %s: %w", mr.ID, err)
		}
		for _, a := range mr.Attachments {
			if err := d.importBlob(dir, m.Terminal, staged, a.ManifestFile); err != nil {
				return rep, fmt.Errorf("district: import %s: %w", mr.ID, err)
			}
			rec.Attachments = append(rec.Attachments, protocol.Attachment{Name: a.Name, SHA256: a.SHA256, Size: a.Size})
		}
		if err := rec.Validate(); err != nil {
			rep.Rejected = append(rep.Rejected, protocol.Result{ID: mr.ID, Status: protocol.Rejected, Reason: err.Error()})
			continue
		}
		if batch = append(batch, rec); len(batch) == protocol.MaxBatchRecords {
			if err := flush(); err != nil {
				return rep, err
			}
		}
	}
	return rep, flush()
}

func (d *District) importBlob(dir, terminal, staged string, f outbox.ManifestFile) error {
	fh, err := outbox.OpenExportFile(dir, f.Path)
	if err != nil {
		return err
	}
	defer fh.Close()
	return d.stageBlob(terminal, staged, f.SHA256, fh, f.Size)
}

// readExportFile reads a file of an export, no more than the manifest
// says it holds (ReadExport has checked its size and hash).
func readExportFile(dir string, f outbox.ManifestFile) ([]byte, error) {
	fh, err := outbox.OpenExportFile(dir, f.Path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	return io.ReadAll(io.LimitReader(fh, f.Size))
}

// checkSigned checks that an export was signed by the terminal its
// manifest names, with the certificate the district holds for it now:
// issued by this district's CA, that terminal's current one (not
// superseded), not revoked. Anyone can seal records to the district's
// public key; only the terminal's own key makes them its records. A
// folder that fails is refused whole.
func (d *District) checkSigned(m outbox.Manifest, sg outbox.Signed) error {
	if len(sg.Signature) == 0 || len(sg.Certificate) == 0 {
		return errors.New("the export is not signed by its terminal (kioskctl queue export signs it with the terminal's key)")
	}
	cert, err := x509.ParseCertificate(sg.Certificate)
	if err != nil {
		return fmt.Errorf("the export's certificate: %w", err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(d.ca.cert)
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, CurrentTime: d.opt.Now()}); err != nil {
		return fmt.Errorf("the export's certificate is not one this district issued: %w", err)
	}
	if cert.Subject.CommonName != m.Terminal {
		return fmt.Errorf("the export is signed by terminal %q but names %q", cert.Subject.CommonName, m.Terminal)
	}
	if _, err := d.authenticate(cert); err != nil {
		return fmt.Errorf("terminal %s: %w", m.Terminal, err)
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	sum := sha256.Sum256(sg.Manifest)
	if !ok || !ecdsa.VerifyASN1(pub, sum[:], sg.Signature) {
		return errors.New("the manifest's signature does not match it: the folder was changed after its terminal signed it")
	}
	return nil
}
