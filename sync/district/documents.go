package district

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// Issuer makes the documents residents print at the terminals: a
// certificate from the district's own records (its household register,
// its social insurance system). sync/certificate's Sample is the sample
// district's. A refusal the resident should read is a *protocol.Error
// with CodeNotIssued and the words for them.
type Issuer interface {
	Issue(ctx context.Context, terminal string, req protocol.DocumentRequest) (protocol.Document, error)
}

// Issued is the district's register of a document it issued: enough to
// check a printed one by its number (its service, when, where, and the
// PDF's digest), nothing of the resident's.
type Issued struct {
	ID       string    `json:"id"`
	Service  string    `json:"service"`
	Title    string    `json:"title"`
	Terminal string    `json:"terminal"`
	At       time.Time `json:"at"`
	Pages    int       `json:"pages"`
	SHA256   string    `json:"sha256"`
}

// issueTimeout bounds the making of one document: a resident waits.
const issueTimeout = 20 * time.Second

// Issue has the Issuer make a document for a terminal and keeps it in the
// register. The same request id twice is one document: a terminal that
// lost the answer asks again and is refused, rather than a second
// document being issued under one number.
func (d *District) Issue(ctx context.Context, terminal string, req protocol.DocumentRequest) (protocol.Document, error) {
	if d.opt.Issuer == nil {
		return protocol.Document{}, &protocol.Error{Code: protocol.CodeNotIssued, Message: "本区不在自助终端开具证明，请到窗口办理"}
	}
	var known bool
	if err := d.db.View(func(tx Tx) error {
		known = tx.Bucket(bucketDocuments).Get([]byte(req.ID)) != nil
		return nil
	}); err != nil {
		return protocol.Document{}, err
	}
	if known {
		return protocol.Document{}, &protocol.Error{Code: protocol.CodeConflict, Message: "document " + req.ID + " was issued already"}
	}
	if !d.allowIssue(terminal) {
		d.opt.Log.Warn("documents over the hourly bound", "terminal", terminal, "bound", d.opt.DocumentsPerHour)
		return protocol.Document{}, &protocol.Error{Code: protocol.CodeTooMany,
			Message: fmt.Sprintf("over %d documents an hour from this terminal", d.opt.DocumentsPerHour)}
	}
	ctx, cancel := context.WithTimeout(ctx, issueTimeout)
	defer cancel()
	doc, err := d.opt.Issuer.Issue(ctx, terminal, req)
	if err != nil {
		return protocol.Document{}, err
	}
	doc.ID = req.ID
	if err := doc.Validate(); err != nil {
		d.opt.Log.Error("the issuer made a document that does not validate", "service", req.Service, "err", err)
		return protocol.Document{}, err
	}
	sum := sha256.Sum256(doc.PDF)
	rec := Issued{ID: req.ID, Service: req.Service, Title: doc.Title, Terminal: terminal, At: d.opt.Now().UTC(), Pages: doc.Pages,
		SHA256: hex.EncodeToString(sum[:])}
	err = d.db.Update(func(tx Tx) error {
		b := tx.Bucket(bucketDocuments)
		if b.Get([]byte(req.ID)) != nil {
			return &protocol.Error{Code: protocol.CodeConflict, Message: "document " + req.ID + " was issued already"}
		}
		return putJSON(b, []byte(req.ID), rec)
	})
	if err != nil {
		return protocol.Document{}, err
	}
	d.opt.Log.Info("document issued", "terminal", terminal, "service", req.Service, "document", req.ID, "pages", doc.Pages)
	return doc, nil
}

// allowIssue counts a document for the terminal, unless it had
// DocumentsPerHour in the last hour.
func (d *District) allowIssue(terminal string) bool {
	d.issuedMu.Lock()
	defer d.issuedMu.Unlock()
	now := d.opt.Now()
	recent := d.issued[terminal][:0]
	for _, at := range d.issued[terminal] {
		if now.Sub(at) < time.Hour {
			recent = append(recent, at)
		}
	}
	if len(recent) >= d.opt.DocumentsPerHour {
		d.issued[terminal] = recent
		return false
	}
	if d.issued == nil {
		d.issued = make(map[string][]time.Time)
	}
	d.issued[terminal] = append(recent, now)
	return true
}

// IssuedDocument is the register's entry of a document, by its number.
func (d *District) IssuedDocument(id string) (Issued, bool, error) {
	var rec Issued
	var found bool
	err := d.db.View(func(tx Tx) error {
		var err error
		found, err = getJSON(tx.Bucket(bucketDocuments), []byte(id), &rec)
		return err
	})
	return rec, found, err
}

func (d *District) handleDocument(w http.ResponseWriter, r *http.Request, terminal string) {
	var req protocol.DocumentRequest
	if err := protocol.Decode(r.Body, 64<<10, &req); err != nil {
		writeError(w, badRequest(err))
		return
	}
	doc, err := d.Issue(r.Context(), terminal, req)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, &doc)
}
