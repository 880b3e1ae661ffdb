package journey

import (
	"context"
	"crypto"
	"errors"
	"fmt"

	"github.com/yizhan-kiosk/yizhan/sync/outbox"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
	"github.com/yizhan-kiosk/yizhan/sync/receiptcode"
)

// What a scanned receipt can come to besides its status. A code that is
// no receipt's is receiptcode.ErrNoCode, one that does not verify
// receiptcode.ErrForged.
var (
	// ErrReceiptOffline: another terminal printed it, and the district
	// is out of reach to ask.
	ErrReceiptOffline = errors.New("journey: the receipt is another terminal's and the district cannot be asked now")
	// ErrReceiptUnknown: the code holds, but neither this terminal nor
	// the district has the application (it waits on the terminal that
	// printed it).
	ErrReceiptUnknown = errors.New("journey: no application with this receipt yet")
)

// ReceiptLookup finds where the application of a scanned receipt stands:
// a resident holds their receipt's QR code to the scanner instead of
// placing their card. Only a code its terminal signed opens anything.
type ReceiptLookup struct {
	Terminal string           // this terminal's id
	Key      crypto.PublicKey // this terminal's receipt key; nil before enrollment
	Records  Finder
	Statuses Statuses
	// District asks the district about a receipt (another terminal's, or
	// one this terminal no longer holds); it answers ErrReceiptUnknown or
	// receiptcode.ErrForged as the district does. Nil: no link.
	District func(ctx context.Context, c receiptcode.Code) (protocol.ReceiptStatus, error)
}

// Look reads a scanned code and finds its application.
func (l ReceiptLookup) Look(ctx context.Context, scanned string) (Progress, error) {
	code, err := receiptcode.Parse(scanned)
	if err != nil {
		return Progress{}, err
	}
	terminal, err := receiptcode.Terminal(code.Receipt)
	if err != nil {
		return Progress{}, receiptcode.ErrNoCode
	}
	if terminal == l.Terminal {
		if l.Key == nil {
			return Progress{}, receiptcode.ErrForged
		}
		if err := code.Verify(l.Key); err != nil {
			return Progress{}, err
		}
		p, found, err := l.local(code.Receipt)
		if err != nil || found {
			return p, err
		}
		// Not here any more (the outbox keeps delivered records for its
		// retention only): the district has it.
	}
	if l.District == nil {
		if terminal == l.Terminal {
			return Progress{}, ErrReceiptUnknown
		}
		return Progress{}, ErrReceiptOffline
	}
	st, err := l.District(ctx, code)
	switch {
	case errors.Is(err, receiptcode.ErrForged), errors.Is(err, ErrReceiptUnknown):
		return Progress{}, err
	case err != nil:
		return Progress{}, fmt.Errorf("%w: %w", ErrReceiptOffline, err)
	}
	return Progress{Receipt: st.Receipt, Service: st.Service, Submitted: st.Submitted, State: st.State, Message: st.Message, At: st.At}, nil
}

// local finds the receipt's application in this terminal's outbox.
func (l ReceiptLookup) local(receipt string) (p Progress, found bool, err error) {
	var rec outbox.Record
	err = l.Records.All(func(r outbox.Record) bool {
		if r.Kind == outbox.Application && r.Public.Receipt == receipt {
			rec, found = r, true
			return false
		}
		return true
	})
	if err != nil || !found {
		return Progress{}, false, err
	}
	rated, err := RatedReceipts(l.Records)
	if err != nil {
		return Progress{}, false, err
	}
	p, err = progressOf(rec, l.Statuses, rated)
	return p, err == nil, err
}
