package district

import (
	"crypto/x509"
	"errors"
	"net/http"

	"github.com/yizhan-kiosk/yizhan/sync/protocol"
	"github.com/yizhan-kiosk/yizhan/sync/receiptcode"
)

// Errors of ReceiptStatus, as the terminal is answered.
var (
	errReceiptForged  = &protocol.Error{Code: protocol.CodeForged, Message: "the receipt's code does not verify"}
	errReceiptUnknown = &protocol.Error{Code: protocol.CodeNotFound, Message: "the district has no application with this receipt yet"}
)

// ReceiptStatus answers a receipt's code scanned at a terminal: where the
// application stands, once the code's signature holds under a key of the
// terminal its number names (that terminal's own, revoked or not: its
// receipts were printed while it was trusted). A code that does not
// verify is errReceiptForged, whatever the district holds; a verified one
// whose application has not arrived is errReceiptUnknown.
func (d *District) ReceiptStatus(q protocol.ReceiptQuery) (protocol.ReceiptStatus, error) {
	code := receiptcode.Code{Receipt: q.Receipt, Signature: q.Signature}
	terminal, err := receiptcode.Terminal(q.Receipt)
	if err != nil {
		return protocol.ReceiptStatus{}, errReceiptForged
	}
	var t Terminal
	var s Stored
	err = d.db.View(func(tx Tx) error {
		found, err := getJSON(tx.Bucket(bucketTerminals), []byte(terminal), &t)
		if err != nil {
			return err
		}
		if !found || !verifies(code, t.Keys) {
			return errReceiptForged
		}
		v := tx.Bucket(bucketReceipts).Get([]byte(q.Receipt))
		if v == nil {
			return errReceiptUnknown
		}
		ref, err := ParseRecordRef(string(v))
		if err != nil {
			return err
		}
		// The number names its terminal; a record another terminal sent
		// under it is not this receipt's.
		if ref.Terminal != terminal {
			return errReceiptUnknown
		}
		if _, s, err = find(tx, ref); errors.Is(err, ErrNoRecord) {
			return errReceiptUnknown
		}
		return err
	})
	if err != nil {
		return protocol.ReceiptStatus{}, err
	}
	st := protocol.ReceiptStatus{Receipt: q.Receipt, Service: s.Record.Public.Service, Submitted: s.Record.Created,
		State: "received", At: s.Received, Message: s.Message}
	if s.State != "" {
		st.State, st.At = s.State, s.Updated
	}
	return st, nil
}

// verifies reports whether the code's signature holds under one of keys.
func verifies(code receiptcode.Code, keys [][]byte) bool {
	for _, der := range keys {
		pub, err := x509.ParsePKIXPublicKey(der)
		if err == nil && code.Verify(pub) == nil {
			return true
		}
	}
	return false
}

func (d *District) handleReceipt(w http.ResponseWriter, r *http.Request, terminal string) {
	var q protocol.ReceiptQuery
	if err := protocol.Decode(r.Body, 4<<10, &q); err != nil {
		writeError(w, badRequest(err))
		return
	}
	st, err := d.ReceiptStatus(q)
	if err != nil {
		writeError(w, err)
		return
	}
	// Which receipt was asked for is the resident's business; the log
	// says only that a terminal asked.
	d.opt.Log.Info("receipt status asked", "terminal", terminal)
	writeJSON(w, http.StatusOK, &st)
}
