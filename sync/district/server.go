package district

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// TLSConfig is the server side of mutual TLS: TLS 1.3, the district's
// certificate, and client certificates checked against the district CA
// when given. The CA and enrollment endpoints serve terminals without one;
// every other endpoint requires one.
func (d *District) TLSConfig() (*tls.Config, error) {
	sc := &serverCert{d: d, hosts: append([]string{"127.0.0.1", "localhost"}, d.opt.Hosts...)}
	if _, err := sc.get(nil); err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(d.ca.cert)
	return &tls.Config{
		MinVersion:     tls.VersionTLS13,
		GetCertificate: sc.get,
		ClientAuth:     tls.VerifyClientCertIfGiven,
		ClientCAs:      pool,
	}, nil
}

// serverCert is the district's TLS certificate, made anew a month before
// it expires, so a district that runs for years never greets its
// terminals with an expired one.
type serverCert struct {
	d     *District
	hosts []string

	mu   sync.Mutex
	cert *tls.Certificate
	leaf *x509.Certificate
}

func (s *serverCert) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.d.opt.Now()
	if s.cert != nil && now.Before(s.leaf.NotAfter.Add(-30*24*time.Hour)) {
		return s.cert, nil
	}
	cert, err := s.d.ca.serverCertificate(s.hosts, now)
	if err != nil {
		return nil, fmt.Errorf("district: server certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return nil, err
	}
	s.cert, s.leaf = &cert, leaf
	return s.cert, nil
}

// Serve serves the protocol on ln until ctx ends, then shuts down,
// letting requests in flight finish for a few seconds.
func (d *District) Serve(ctx context.Context, ln net.Listener) error {
	cfg, err := d.TLSConfig()
	if err != nil {
		return err
	}
	// HTTP/1.1 only: terminals speak nothing else, and HTTP/2's streams
	// and flow-control windows are one more thing a peer could hold open.
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	srv := &http.Server{
		Handler:           d.Handler(),
		TLSConfig:         cfg,
		Protocols:         protocols,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       d.opt.IdleTimeout,
		// Failed handshakes (a foreign or expired certificate) are worth
		// a line in the district's log.
		ErrorLog: slog.NewLogLogger(d.opt.Log.Handler(), slog.LevelWarn),
	}
	d.sweep()
	// While serving, unfinished uploads are swept every SweepEvery, not
	// only at start: a district up for months must not fill its disk
	// with uploads nobody finishes.
	swept := make(chan struct{})
	go func() {
		defer close(swept)
		tick := time.NewTicker(d.opt.SweepEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				d.sweep()
			}
		}
	}()
	defer func() { <-swept }()
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if srv.Shutdown(shut) != nil {
			srv.Close()
		}
	}()
	err = srv.ServeTLS(newCapListener(ln, d.opt.MaxConns, d.opt.MaxConnsPerAddr, d.opt.Log), "", "")
	<-done
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// sweep removes the uploads left unfinished, and the attachments no record
// named, for staleUpload, and says so.
func (d *District) sweep() {
	if n, err := d.SweepAttachments(staleUpload); err != nil {
		d.opt.Log.Warn("sweeping attachments", "err", err)
	} else if n > 0 {
		d.opt.Log.Info("unfinished uploads and attachments no record named removed", "count", n)
	}
	if n, err := d.RateUnrated(); err != nil {
		d.opt.Log.Warn("automatic ratings", "err", err)
	} else if n > 0 {
		d.opt.Log.Info("finished applications left unrated count as 基本满意", "count", n)
	}
}

// Handler serves protocol version 1.
func (d *District) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+protocol.PathCA, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-pem-file")
		pem.Encode(w, &pem.Block{Type: "CERTIFICATE", Bytes: d.CA()})
	})
	mux.HandleFunc("POST "+protocol.PathEnroll, d.handleEnroll)
	mux.HandleFunc("HEAD "+protocol.PathBlobs+"{hash}", d.terminal(d.handleBlobHead))
	mux.HandleFunc("PATCH "+protocol.PathBlobs+"{hash}", d.terminal(d.handleBlobPatch))
	mux.HandleFunc("POST "+protocol.PathBlobsDrop, d.terminal(d.handleBlobsDrop))
	mux.HandleFunc("POST "+protocol.PathRecords, d.terminal(d.handleRecords))
	mux.HandleFunc("GET "+protocol.PathStatuses, d.terminal(d.handleStatuses))
	mux.HandleFunc("GET "+protocol.PathCatalog, d.terminal(d.handleCatalog))
	mux.HandleFunc("GET "+protocol.PathConfig, d.terminal(d.handleConfig))
	mux.HandleFunc("POST "+protocol.PathHeartbeat, d.terminal(d.handleHeartbeat))
	mux.HandleFunc("POST "+protocol.PathReceipt, d.terminal(d.handleReceipt))
	mux.HandleFunc("POST "+protocol.PathDocument, d.terminal(d.handleDocument))
	mux.HandleFunc("GET "+protocol.PathVoice, d.terminal(d.handleVoice))
	mux.HandleFunc("GET "+protocol.PathRelease, d.terminal(d.handleRelease))
	mux.HandleFunc("GET "+protocol.PathReleaseKey, d.terminal(d.handleReleaseKey))
	mux.HandleFunc("GET "+protocol.PathRepo, d.terminal(d.handleRepo))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(protocol.Header, strconv.Itoa(protocol.Version))
		rc := http.NewResponseController(w)
		start := time.Now()
		if r.URL.Path == protocol.PathEnroll {
			// No certificate yet, so no one to answer for the time taken:
			// the whole request has one deadline, which no byte moves.
			rc.SetReadDeadline(start.Add(d.opt.EnrollDeadline))
			rc.SetWriteDeadline(start.Add(d.opt.EnrollDeadline + 10*time.Second))
			mux.ServeHTTP(w, r)
			return
		}
		// A body must keep moving, and fast enough: each read pushes the
		// deadline on by BodyIdle, but never past the time the body's
		// bytes so far would take at MinBodyRate (after BodyGrace). A slow
		// link finishes a large upload; a peer that trickles or stops
		// does not hold the connection.
		b := &movingBody{ReadCloser: r.Body, rc: rc, idle: d.opt.BodyIdle, start: start,
			grace: d.opt.BodyGrace, rate: float64(d.opt.MinBodyRate)}
		rc.SetReadDeadline(b.deadline(start))
		r.Body = b
		mux.ServeHTTP(w, r)
	})
}

type movingBody struct {
	io.ReadCloser
	rc    *http.ResponseController
	idle  time.Duration
	start time.Time
	grace time.Duration
	rate  float64 // bytes a second, at least, after grace
	n     int64   // bytes read so far
}

func (b *movingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.n += int64(n)
		b.rc.SetReadDeadline(b.deadline(time.Now()))
	}
	return n, err
}

// deadline is when the next byte must have come: within idle of now, and
// no later than the bytes so far allow at the least rate.
func (b *movingBody) deadline(now time.Time) time.Time {
	next := now.Add(b.idle)
	if due := b.start.Add(b.grace + time.Duration(float64(b.n)/b.rate*float64(time.Second))); due.Before(next) {
		return due
	}
	return next
}

// terminal wraps a handler that needs an enrolled terminal's certificate.
func (d *District) terminal(h func(w http.ResponseWriter, r *http.Request, terminal string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
			writeError(w, &protocol.Error{Code: protocol.CodeUnauthorized, Message: "a terminal certificate is required"})
			return
		}
		id, err := d.authenticate(r.TLS.PeerCertificates[0])
		if err != nil {
			writeError(w, err)
			return
		}
		d.seen(id)
		if !d.enter(id) {
			writeError(w, &protocol.Error{Code: protocol.CodeTooMany, Message: fmt.Sprintf("more than %d requests at once from this terminal", maxBusy)})
			return
		}
		defer d.leave(id)
		h(w, r, id)
	}
}

// maxBusy is how many requests one terminal may have in the district at
// once: its sync round, its heartbeat and a status poll take three; a
// terminal (or a stolen key) that opens more is answered 429 too_many.
const maxBusy = 8

// enter counts a request of the terminal in, unless it has maxBusy.
func (d *District) enter(terminal string) bool {
	d.busyMu.Lock()
	defer d.busyMu.Unlock()
	if d.busy[terminal] >= maxBusy {
		return false
	}
	if d.busy == nil {
		d.busy = make(map[string]int)
	}
	d.busy[terminal]++
	return true
}

func (d *District) leave(terminal string) {
	d.busyMu.Lock()
	defer d.busyMu.Unlock()
	if d.busy[terminal]--; d.busy[terminal] <= 0 {
		delete(d.busy, terminal)
	}
}

func (d *District) handleEnroll(w http.ResponseWriter, r *http.Request) {
	from := hostOf(r.RemoteAddr)
	now := d.opt.Now()
	if d.enrollGuard.blocked(from, now) {
		d.opt.Log.Warn("enrollment refused: too many failures", "from", from)
		w.Header().Set("Retry-After", strconv.Itoa(int(guardWindow.Seconds())))
		writeError(w, &protocol.Error{Code: protocol.CodeTooMany, Message: "too many failed enrollments from this address; try again later"})
		return
	}
	var req protocol.EnrollRequest
	if err := protocol.Decode(r.Body, 64<<10, &req); err != nil {
		d.enrollFailed(from, req.TerminalID, now, err)
		writeError(w, badRequest(err))
		return
	}
	resp, err := d.Enroll(req)
	if err != nil {
		d.enrollFailed(from, req.TerminalID, now, err)
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// enrollFailed counts a failed enrollment against its source address and
// logs it — the address, the terminal id it named and why, never the
// token.
func (d *District) enrollFailed(from, terminal string, now time.Time, err error) {
	d.enrollGuard.fail(from, now)
	why := err.Error()
	var pe *protocol.Error
	if errors.As(err, &pe) {
		why = pe.Code
	}
	d.opt.Log.Warn("enrollment failed", "from", from, "terminal", terminal, "why", why)
}

func (d *District) handleBlobHead(w http.ResponseWriter, r *http.Request, terminal string) {
	have, err := d.BlobOffset(terminal, r.PathValue("hash"))
	if err != nil {
		writeError(w, badRequest(err))
		return
	}
	w.Header().Set(protocol.HeaderOffset, strconv.FormatInt(have, 10))
	w.WriteHeader(http.StatusOK)
}

func (d *District) handleBlobPatch(w http.ResponseWriter, r *http.Request, terminal string) {
	offset, err1 := strconv.ParseInt(r.Header.Get(protocol.HeaderOffset), 10, 64)
	length, err2 := strconv.ParseInt(r.Header.Get(protocol.HeaderLength), 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		writeError(w, badRequest(errors.New("Upload-Offset and Upload-Length must be numbers")))
		return
	}
	have, err := d.WriteBlob(terminal, r.PathValue("hash"), offset, length, r.Body)
	var oe *offsetError
	switch {
	case errors.Is(err, errBusy):
		writeError(w, err) // no offset: the other request is still moving it
	case errors.As(err, &oe):
		w.Header().Set(protocol.HeaderOffset, strconv.FormatInt(have, 10))
		writeError(w, &protocol.Error{Code: protocol.CodeConflict, Message: oe.Error()})
	case err != nil:
		d.opt.Log.Warn("blob upload", "terminal", terminal, "err", err)
		var pe *protocol.Error
		if errors.As(err, &pe) && pe.Code == protocol.CodeOverQuota {
			w.Header().Set(protocol.HeaderQuota, strconv.FormatInt(d.opt.AttachmentQuota, 10))
		}
		writeError(w, err)
	default:
		w.Header().Set(protocol.HeaderOffset, strconv.FormatInt(have, 10))
		w.WriteHeader(http.StatusNoContent)
	}
}

// handleBlobsDrop removes the terminal's attachments no record names: it
// asks when its quota is full of those of records it cannot complete.
func (d *District) handleBlobsDrop(w http.ResponseWriter, r *http.Request, terminal string) {
	var req protocol.DropRequest
	if err := protocol.Decode(r.Body, 64<<10, &req); err != nil {
		writeError(w, badRequest(err))
		return
	}
	n, err := d.DropUnnamed(terminal, req.Keep)
	if err != nil {
		d.opt.Log.Warn("dropping unnamed attachments", "terminal", terminal, "err", err)
		writeError(w, err)
		return
	}
	d.opt.Log.Info("a terminal dropped its attachments no record names", "terminal", terminal, "count", n)
	w.WriteHeader(http.StatusNoContent)
}

func (d *District) handleRecords(w http.ResponseWriter, r *http.Request, terminal string) {
	var req protocol.RecordsRequest
	if err := protocol.Decode(r.Body, protocol.MaxBatchBytes, &req); err != nil {
		writeError(w, badRequest(err))
		return
	}
	results, err := d.Ingest(terminal, "sync", req.Records)
	if err != nil {
		d.opt.Log.Error("ingest", "terminal", terminal, "err", err)
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, protocol.RecordsResponse{Results: results})
}

func (d *District) handleStatuses(w http.ResponseWriter, r *http.Request, terminal string) {
	after, err := queryUint(r, "after")
	if err != nil {
		writeError(w, badRequest(err))
		return
	}
	resp, err := d.Statuses(terminal, after, protocol.MaxStatuses)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (d *District) handleCatalog(w http.ResponseWriter, r *http.Request, _ string) {
	serveNewer(w, r, func() (uint64, any, bool, error) {
		c, ok, err := d.Catalog()
		return c.Version, c, ok, err
	})
}

func (d *District) handleConfig(w http.ResponseWriter, r *http.Request, _ string) {
	serveNewer(w, r, func() (uint64, any, bool, error) {
		c, ok, err := d.Config()
		return c.Version, c, ok, err
	})
}

// serveNewer answers a ?have=VERSION request: the current document when it
// is newer than the terminal's, else 204.
func serveNewer(w http.ResponseWriter, r *http.Request, current func() (version uint64, doc any, ok bool, err error)) {
	have, err := queryUint(r, "have")
	if err != nil {
		writeError(w, badRequest(err))
		return
	}
	version, doc, ok, err := current()
	switch {
	case err != nil:
		writeError(w, err)
	case !ok || version <= have:
		w.WriteHeader(http.StatusNoContent)
	default:
		writeJSON(w, http.StatusOK, doc)
	}
}

func (d *District) handleHeartbeat(w http.ResponseWriter, r *http.Request, terminal string) {
	var hb protocol.Heartbeat
	if err := protocol.Decode(r.Body, 64<<10, &hb); err != nil {
		writeError(w, badRequest(err))
		return
	}
	if err := d.heartbeat(terminal, r.TLS.PeerCertificates[0].RawSubjectPublicKeyInfo, hb); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// queryUint is the query parameter name as a number: absent is 0;
// otherwise once, in decimal digits without a sign or leading zeros, and
// within 64 bits.
func queryUint(r *http.Request, name string) (uint64, error) {
	vs, ok := r.URL.Query()[name]
	if !ok {
		return 0, nil
	}
	bad := errors.New(name + " must be one decimal number (0 to 18446744073709551615)")
	if len(vs) != 1 {
		return 0, bad
	}
	v := vs[0]
	if v == "" || strings.Trim(v, "0123456789") != "" || len(v) > 1 && v[0] == '0' {
		return 0, bad
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, bad
	}
	return n, nil
}

func badRequest(err error) error {
	if errors.Is(err, protocol.ErrTooLarge) {
		return &protocol.Error{Code: protocol.CodeTooLarge, Message: err.Error()}
	}
	return &protocol.Error{Code: protocol.CodeBadRequest, Message: err.Error()}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeError answers with the protocol's error body. Errors that are not
// protocol errors are the district's own trouble: 500, no details.
func writeError(w http.ResponseWriter, err error) {
	var pe *protocol.Error
	if !errors.As(err, &pe) {
		pe = &protocol.Error{Code: protocol.CodeInternal, Message: "the district could not do it; try again later"}
	}
	status := map[string]int{
		protocol.CodeBadRequest:   http.StatusBadRequest,
		protocol.CodeUnauthorized: http.StatusUnauthorized,
		protocol.CodeRevoked:      http.StatusForbidden,
		protocol.CodeBadToken:     http.StatusForbidden,
		protocol.CodeTooLarge:     http.StatusRequestEntityTooLarge,
		protocol.CodeConflict:     http.StatusConflict,
		protocol.CodeTooMany:      http.StatusTooManyRequests,
		protocol.CodeOverQuota:    http.StatusInsufficientStorage,
		protocol.CodeNotFound:     http.StatusNotFound,
		protocol.CodeForged:       http.StatusUnprocessableEntity,
		protocol.CodeNotIssued:    http.StatusUnprocessableEntity,
	}[pe.Code]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	writeJSON(w, status, pe)
}
