// Package client is the terminal's side of the sync protocol: enrollment,
// and the background loop that drains the outbox to the district, fetches
// statuses, the catalog and the configuration, and sends heartbeats.
//
// The loop never blocks the screens: it owns its goroutine, talks to the
// outbox and its own state file, and publishes a Status the status bar
// reads. A record is marked acknowledged only on the district's answer for
// it; anything less (a cut, a stall, a 5xx) leaves it queued, and sending
// it again is safe because the district keeps each record once by its id.
package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/outbox"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// Queue is the outbox as the uploader uses it.
type Queue interface {
	Waiting(after uint64, n int) ([]outbox.Record, error)
	Settle([]outbox.Outcome) error
	OpenAttachment(outbox.AttachmentRef) (io.ReadCloser, error)
}

// Options configures a Client.
type Options struct {
	Identity *Identity
	Queue    Queue
	State    *State
	// Heartbeat describes the terminal for the district; nil sends none.
	Heartbeat func() protocol.Heartbeat
	// CheckCatalog, when set, reads a verified catalog's body the way the
	// screens will; a catalog it refuses is not taken, and the terminal
	// keeps the one it has.
	CheckCatalog func(body []byte) error
	// Recordings, when set, takes the district's verified recordings of
	// the spoken prompts (kiosk/voice): it checks each and keeps them; a
	// set it refuses is not taken. Nil: none are fetched.
	Recordings func(protocol.Recordings) error
	// Backend overrides the identity's URL (tests put a proxy between).
	Backend string
	Log     *slog.Logger
	// BatchRecords and BatchBytes bound one upload request.
	BatchRecords int
	BatchBytes   int
	// Uploads is how many attachments go up at once.
	Uploads int
	// AnswerTimeout is how long a request may wait for the district's
	// answer to begin (60 s): longer means the link stalled.
	AnswerTimeout time.Duration
	// HeartbeatEvery is the beat while online (60 s).
	HeartbeatEvery time.Duration
	// Backoff bounds the waits after failures: the first at most
	// BackoffBase, doubling to BackoffCap (5 minutes), each drawn at random
	// below its bound (full jitter) so terminals that lost the link
	// together do not return together.
	BackoffBase, BackoffCap time.Duration
	// Changed, when set, is called after the status changes (a round
	// ended, records were settled), off the client's lock. It must not
	// block.
	Changed func()
}

// Client syncs one terminal with its district.
type Client struct {
	opt  Options
	hc   *http.Client
	base string
	kick chan struct{}

	lastBeat time.Time // only the Run goroutine touches it

	mu     sync.Mutex
	status Status
	held   map[string]time.Time // records left out of the rounds until then (hold)
	room   int64                // bytes the district last said it takes before a record; 0: not said
}

// Status is the link as the status bar and kioskctl show it.
type Status struct {
	Online      bool      `json:"online"`
	Revoked     bool      `json:"revoked,omitempty"` // the district refuses this terminal: a technician must re-enroll it
	LastContact time.Time `json:"last_contact,omitzero"`
	LastAttempt time.Time `json:"last_attempt,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	Failures    int       `json:"failures"` // in a row
	Sent        int       `json:"sent"`     // records acknowledged since start
	Rejected    int       `json:"rejected"` // records refused since start
	// Held counts records whose attachments alone are more than the
	// district takes before their record: they stay queued, left out of
	// the rounds for a while, for a technician to bring on a stick.
	Held int `json:"held,omitempty"`
	// CatalogRefused says why the last catalog the district sent was not
	// taken (bad signature, older version); the terminal keeps its own.
	CatalogRefused string `json:"catalog_refused,omitempty"`
	CatalogVersion uint64 `json:"catalog_version"`
	ConfigVersion  uint64 `json:"config_version"`
}

// New makes a client; Run starts it.
func New(opt Options) (*Client, error) {
	if opt.Identity == nil || opt.Queue == nil || opt.State == nil {
		return nil, errors.New("sync: client needs an identity, the outbox and a state")
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.BatchRecords <= 0 || opt.BatchRecords > protocol.MaxBatchRecords {
		opt.BatchRecords = protocol.MaxBatchRecords
	}
	if opt.BatchBytes <= 0 || opt.BatchBytes > protocol.MaxBatchBytes {
		opt.BatchBytes = protocol.MaxBatchBytes
	}
	if opt.Uploads <= 0 {
		opt.Uploads = 4
	}
	if opt.AnswerTimeout <= 0 {
		opt.AnswerTimeout = time.Minute
	}
	if opt.HeartbeatEvery <= 0 {
		opt.HeartbeatEvery = time.Minute
	}
	if opt.BackoffBase <= 0 {
		opt.BackoffBase = time.Second
	}
	if opt.BackoffCap <= 0 {
		opt.BackoffCap = 5 * time.Minute
	}
	base := opt.Backend
	if base == "" {
		base = opt.Identity.Backend
	}
	// Rounds are a minute apart and each lets its connection go (Once), so
	// the next round's handshake resumes the last one's TLS session: no
	// certificate chain signed or checked again, only a key exchange.
	tlsConfig := opt.Identity.TLSConfig()
	tlsConfig.ClientSessionCache = tls.NewLRUClientSessionCache(4)
	tr := &http.Transport{
		TLSClientConfig:       tlsConfig,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		MaxIdleConnsPerHost:   opt.Uploads + 1,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: opt.AnswerTimeout,
	}
	return &Client{opt: opt, hc: &http.Client{Transport: tr}, base: base, kick: make(chan struct{}, 1), held: map[string]time.Time{}}, nil
}

// Identity is the terminal's, as enrolled.
func (c *Client) Identity() *Identity { return c.opt.Identity }

// Status returns the link's state now.
func (c *Client) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status
}

// Kick asks for a sync now: a new submission, or a technician's "sync
// now". It never blocks.
func (c *Client) Kick() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// Run syncs until ctx ends: at once, then after each kick and every
// heartbeat interval while online, or after a backoff while not.
func (c *Client) Run(ctx context.Context) {
	failures := 0
	for {
		err := c.Once(ctx)
		if ctx.Err() != nil {
			return
		}
		wait := c.opt.HeartbeatEvery
		if err != nil {
			failures++
			wait = c.backoff(failures)
			c.opt.Log.Warn("sync failed", "failures", failures, "retry_in", wait.Round(time.Millisecond), "err", err)
		} else {
			failures = 0
		}
		c.update(func(s *Status) { s.NextAttempt = time.Now().Add(wait) })
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-c.kick:
			t.Stop()
		case <-t.C:
		}
	}
}

// backoff is the wait after the nth failure in a row: a random time below
// min(cap, base·2ⁿ⁻¹).
func (c *Client) backoff(n int) time.Duration {
	bound := c.opt.BackoffCap
	if n < 30 {
		if b := c.opt.BackoffBase << (n - 1); b > 0 && b < bound {
			bound = b
		}
	}
	return time.Duration(rand.Int64N(int64(bound))) + time.Millisecond
}

func (c *Client) update(f func(*Status)) {
	c.mu.Lock()
	f(&c.status)
	s := c.status
	c.mu.Unlock()
	if err := c.opt.State.SaveStatus(s); err != nil {
		c.opt.Log.Warn("sync status file", "err", err)
	}
	if c.opt.Changed != nil {
		c.opt.Changed()
	}
}

// Once runs one sync: upload everything waiting, then statuses, catalog,
// configuration and a heartbeat when one is due.
func (c *Client) Once(ctx context.Context) error {
	started := time.Now()
	err := c.once(ctx)
	// A round's connections are let go when it ends: the next is a minute
	// away, and a connection held idle until then would keep one of the
	// district's places, so that a district would hold one for every
	// terminal it serves rather than for the rounds in flight.
	c.hc.CloseIdleConnections()
	var ae *AnswerError
	revoked := errors.As(err, &ae) && (ae.Err.Code == protocol.CodeRevoked || ae.Err.Code == protocol.CodeUnauthorized)
	c.update(func(s *Status) {
		s.LastAttempt = started
		// Any answer from the district means the link works, even a
		// refusal; only a network failure or a 5xx means offline.
		s.Online = err == nil || (errors.As(err, &ae) && ae.Status < 500)
		s.Revoked = revoked
		if s.Online {
			s.LastContact = time.Now()
		}
		s.LastError = ""
		if err != nil {
			s.LastError = err.Error()
			s.Failures++
		} else {
			s.Failures = 0
		}
	})
	return err
}

func (c *Client) once(ctx context.Context) error {
	if err := c.upload(ctx); err != nil {
		return err
	}
	if err := c.fetchStatuses(ctx); err != nil {
		return err
	}
	if err := c.fetchCatalog(ctx); err != nil {
		return err
	}
	if err := c.fetchConfig(ctx); err != nil {
		return err
	}
	if err := c.fetchRecordings(ctx); err != nil {
		return err
	}
	return c.heartbeat(ctx)
}

// do sends one request and returns the answer for a 2xx; any other status
// becomes an *AnswerError.
func (c *Client) do(ctx context.Context, method, path string, body io.Reader, header http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, err
	}
	if s, ok := body.(sized); ok {
		req.ContentLength = s.n
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set(protocol.Header, strconv.Itoa(protocol.Version))
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("sync: %s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		return resp, fmt.Errorf("sync: %s %s: %w", method, path, answerError(resp))
	}
	return resp, nil
}

// call sends a JSON body (or none) and decodes a JSON answer into out (or
// ignores it). noContent reports a 204.
func (c *Client) call(ctx context.Context, method, path string, in any, out interface{ Validate() error }) (noContent bool, err error) {
	var body io.Reader
	header := http.Header{}
	size := 0
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return false, err
		}
		body, size = bytes.NewReader(data), len(data)
		header.Set("Content-Type", "application/json")
	}
	// As for attachments: room for the slowest link (32 KiB/s) to carry
	// the body, on top of the wait for an answer.
	ctx, cancel := context.WithTimeout(ctx, 2*c.opt.AnswerTimeout+time.Duration(size)*time.Second/(32<<10))
	defer cancel()
	resp, err := c.do(ctx, method, path, body, header)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNoContent || out == nil {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return resp.StatusCode == http.StatusNoContent, nil
	}
	if err := protocol.Decode(resp.Body, protocol.MaxBodyBytes, out); err != nil {
		return false, fmt.Errorf("sync: %s %s: %w", method, path, err)
	}
	return false, nil
}
