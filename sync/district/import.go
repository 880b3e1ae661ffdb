package district

import (
	"fmt"
	"io"

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
	m, err := outbox.ReadExport(dir)
	if err != nil {
		return ImportReport{}, fmt.Errorf("district: import: %w", err)
	}
	rep := ImportReport{Terminal: m.Terminal}
	known, err := d.Terminals()
	if err != nil {
		return rep, err
	}
	ok := false
	for _, t := range known {
		ok = ok || (t.ID == m.Terminal && !t.Revoked)
	}
	if !ok {
		return rep, fmt.Errorf("district: import: terminal %q is not enrolled here (or revoked)", m.Terminal)
	}
	var batch []protocol.Record
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		results, err := d.Ingest(m.Terminal, "import", batch)
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
			if err := d.importBlob(dir, a.ManifestFile); err != nil {
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

func (d *District) importBlob(dir string, f outbox.ManifestFile) error {
	fh, err := outbox.OpenExportFile(dir, f.Path)
	if err != nil {
		return err
	}
	defer fh.Close()
	return d.putBlob(f.SHA256, io.LimitReader(fh, f.Size), f.Size)
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
