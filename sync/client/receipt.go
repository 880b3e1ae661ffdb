package client

import (
	"context"
	"errors"
	"net/http"

	"github.com/yizhan-kiosk/yizhan/sync/protocol"
	"github.com/yizhan-kiosk/yizhan/sync/receiptcode"
)

// ErrNoReceipt is a receipt's code the district verified but has no
// application for yet: it may still wait on the terminal that printed it.
var ErrNoReceipt = errors.New("sync: the district has no application with this receipt yet")

// ReceiptStatus asks the district where the application of a receipt
// printed by another terminal stands. A code the district finds forged is
// receiptcode.ErrForged; one it has no application for, ErrNoReceipt.
func (c *Client) ReceiptStatus(ctx context.Context, code receiptcode.Code) (protocol.ReceiptStatus, error) {
	var st protocol.ReceiptStatus
	_, err := c.call(ctx, http.MethodPost, protocol.PathReceipt, protocol.ReceiptQuery{Receipt: code.Receipt, Signature: code.Signature}, &st)
	var ae *AnswerError
	if errors.As(err, &ae) {
		switch ae.Err.Code {
		case protocol.CodeForged:
			return st, receiptcode.ErrForged
		case protocol.CodeNotFound:
			return st, ErrNoReceipt
		}
	}
	if err == nil && st.Receipt != code.Receipt {
		err = errors.New("sync: the district answered for another receipt")
	}
	return st, err
}
