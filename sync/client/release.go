package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// Releases is the terminal's updater's link to the district: the version
// its ring names, the district's release key and the configuration (the
// maintenance window), each asked for once a run over the terminal's own
// mutual TLS. The updater is a process of its own (kioskctl update run),
// so it has a link of its own, not the kiosk's Client.
type Releases struct {
	hc   *http.Client
	base string
}

// NewReleases is the link for the terminal whose identity is id.
func NewReleases(id *Identity) *Releases {
	tr := &http.Transport{
		TLSClientConfig:       id.TLSConfig(),
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: time.Minute,
	}
	return &Releases{hc: &http.Client{Transport: tr, Timeout: 2 * time.Minute}, base: id.Backend}
}

// Target is the version the terminal's ring names; ok is false while it
// names none.
func (r *Releases) Target(ctx context.Context) (t protocol.ReleaseTarget, ok bool, err error) {
	body, ok, err := r.get(ctx, protocol.PathRelease, 4<<10)
	if err != nil || !ok {
		return t, false, err
	}
	if err := json.Unmarshal(body, &t); err != nil {
		return t, false, fmt.Errorf("sync: release target: %w", err)
	}
	if err := t.Validate(); err != nil {
		return t, false, fmt.Errorf("sync: release target: %w", err)
	}
	return t, true, nil
}

// Config is the district's configuration for its terminals; the zero
// configuration before the district published one.
func (r *Releases) Config(ctx context.Context) (protocol.TerminalConfig, error) {
	var c protocol.TerminalConfig
	body, ok, err := r.get(ctx, protocol.PathConfig+"?have=0", protocol.MaxBodyBytes)
	if err != nil || !ok {
		return c, err
	}
	if err := json.Unmarshal(body, &c); err != nil {
		return c, fmt.Errorf("sync: configuration: %w", err)
	}
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("sync: configuration: %w", err)
	}
	return c, nil
}

// Key is the district's release key (OpenPGP, binary).
func (r *Releases) Key(ctx context.Context) ([]byte, error) {
	body, ok, err := r.get(ctx, protocol.PathReleaseKey, 64<<10)
	if err == nil && !ok {
		err = fmt.Errorf("sync: the district sent no release key")
	}
	return body, err
}

func (r *Releases) get(ctx context.Context, path string, max int64) (body []byte, ok bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.base+path, nil)
	if err != nil {
		return nil, false, fmt.Errorf("sync: %w", err)
	}
	resp, err := r.hc.Do(req)
	if err != nil {
		return nil, false, fmt.Errorf("sync: %s: %w", path, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNoContent:
		return nil, false, nil
	case resp.StatusCode != http.StatusOK:
		return nil, false, fmt.Errorf("sync: %s: %w", path, answerError(resp))
	}
	body, err = io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, false, fmt.Errorf("sync: %s: %w", path, err)
	}
	if int64(len(body)) > max {
		return nil, false, fmt.Errorf("sync: %s: answer over %d bytes", path, max)
	}
	return body, true, nil
}
