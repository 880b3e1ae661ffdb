package ipp

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync/atomic"
)

// Client sends requests to one printer URI: ipp://HOST[:PORT]/PATH, which
// is HTTP to port 631 unless another is named.
type Client struct {
	// Printer is the printer's URI as its attributes name it
	// (ipp://localhost:631/printers/a4).
	Printer string
	// HTTP carries the requests; it bounds their time.
	HTTP *http.Client
	// User is the requesting-user-name: the print system's queues show
	// it; never a resident's name.
	User string

	endpoint string
	ids      atomic.Uint32
}

// NewClient makes a client of the printer URI.
func NewClient(printer string, hc *http.Client, user string) (*Client, error) {
	u, err := url.Parse(printer)
	if err != nil || u.Scheme != "ipp" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("ipp: %q is not an ipp://HOST[:PORT]/PATH printer URI", printer)
	}
	host := u.Host
	if u.Port() == "" {
		host += ":631"
	}
	return &Client{Printer: printer, HTTP: hc, User: user, endpoint: "http://" + host + u.EscapedPath()}, nil
}

// StatusError is an answer whose status is not success.
type StatusError struct {
	Op, Status uint16
	Message    string // the status-message attribute, if any
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("ipp: operation %#04x: status %#04x %s", e.Op, e.Status, e.Message)
}

// Request starts a request of the operation with the attributes every
// request carries: charset, language, the printer and the user.
func (c *Client) Request(op uint16) Message {
	m := Message{Version: Version, Code: op, RequestID: c.ids.Add(1)}
	m.Add(TagOperation, "attributes-charset", String(TagCharset, "utf-8"))
	m.Add(TagOperation, "attributes-natural-language", String(TagLanguage, "zh-cn"))
	m.Add(TagOperation, "printer-uri", String(TagURI, c.Printer))
	if c.User != "" {
		m.Add(TagOperation, "requesting-user-name", String(TagName, c.User))
	}
	return m
}

// Do sends the request, with document data after it if doc is not nil,
// and returns the answer; a status other than success is *StatusError.
func (c *Client) Do(ctx context.Context, req Message, doc io.Reader) (Message, error) {
	head, err := req.MarshalBinary()
	if err != nil {
		return Message{}, err
	}
	var body io.Reader = bytes.NewReader(head)
	if doc != nil {
		body = io.MultiReader(body, doc)
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, body)
	if err != nil {
		return Message{}, fmt.Errorf("ipp: %w", err)
	}
	hr.Header.Set("Content-Type", "application/ipp")
	resp, err := c.HTTP.Do(hr)
	if err != nil {
		return Message{}, fmt.Errorf("ipp: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return Message{}, fmt.Errorf("ipp: HTTP %s from %s", resp.Status, c.endpoint)
	}
	ans, err := ReadMessage(resp.Body)
	if err != nil {
		return Message{}, err
	}
	if ans.RequestID != req.RequestID {
		return Message{}, fmt.Errorf("%w: answer to request %d, sent %d", ErrMalformed, ans.RequestID, req.RequestID)
	}
	if ans.Code >= 0x0100 {
		e := &StatusError{Op: req.Code, Status: ans.Code}
		if a, ok := ans.Attr(TagOperation, "status-message"); ok && len(a.Values) > 0 {
			e.Message = a.Values[0].String()
		}
		return ans, e
	}
	return ans, nil
}
