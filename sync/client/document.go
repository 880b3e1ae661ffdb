package client

import (
	"context"
	"errors"
	"net/http"

	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// NotIssuedError is the district's refusal of a document, in words for
// the resident (no such record, not issued at terminals).
type NotIssuedError struct{ Message string }

func (e *NotIssuedError) Error() string {
	return "sync: the district issues no such document: " + e.Message
}

// Document asks the district for a document the resident prints at the
// terminal. The request and the answer are personal: neither is kept.
func (c *Client) Document(ctx context.Context, req protocol.DocumentRequest) (protocol.Document, error) {
	var doc protocol.Document
	_, err := c.call(ctx, http.MethodPost, protocol.PathDocument, req, &doc)
	var ae *AnswerError
	if errors.As(err, &ae) && ae.Err.Code == protocol.CodeNotIssued {
		return doc, &NotIssuedError{Message: ae.Err.Message}
	}
	if err == nil && doc.ID != req.ID {
		err = errors.New("sync: the district answered with another document")
	}
	return doc, err
}
