package client

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// fetchStatuses brings the statuses the district has for this terminal's
// records since the last one it has.
func (c *Client) fetchStatuses(ctx context.Context) error {
	// A round takes at most this many pages; the rest come next round,
	// so a district that keeps saying "more" cannot hold the loop.
	for range 20 {
		cursor, err := c.opt.State.Cursor()
		if err != nil {
			return fmt.Errorf("sync: state: %w", err)
		}
		var resp protocol.StatusesResponse
		if _, err := c.call(ctx, http.MethodGet, protocol.PathStatuses+"?after="+strconv.FormatUint(cursor, 10), nil, &resp); err != nil {
			return err
		}
		if len(resp.Statuses) > 0 && resp.Statuses[0].Cursor <= cursor {
			return fmt.Errorf("sync: district sent statuses from %d, asked after %d", resp.Statuses[0].Cursor, cursor)
		}
		if err := c.opt.State.AddStatuses(resp.Statuses); err != nil {
			return fmt.Errorf("sync: state: %w", err)
		}
		if !resp.More || len(resp.Statuses) == 0 {
			return nil
		}
	}
	return nil
}

// fetchCatalog brings a newer signed catalog, verified against the key
// from enrollment. A catalog that does not verify, or is older than the
// terminal's, is refused and reported; the terminal keeps its own.
func (c *Client) fetchCatalog(ctx context.Context) error {
	have, _, err := c.opt.State.Catalog()
	if err != nil {
		return fmt.Errorf("sync: state: %w", err)
	}
	c.update(func(s *Status) { s.CatalogVersion = have.Version })
	var cat protocol.Catalog
	none, err := c.call(ctx, http.MethodGet, protocol.PathCatalog+"?have="+strconv.FormatUint(have.Version, 10), nil, &cat)
	if err != nil || none {
		return err
	}
	err = protocol.VerifyCatalog(c.opt.Identity.CatalogKey, cat, have.Version)
	if err == nil && c.opt.CheckCatalog != nil {
		err = c.opt.CheckCatalog(cat.Body)
	}
	if err != nil {
		// The link works; the district (or something in between) sent a
		// catalog the terminal will not take. Say so and carry on.
		why := fmt.Sprintf("version %d: %v", cat.Version, err)
		c.opt.Log.Error("catalog refused", "version", cat.Version, "err", err)
		c.update(func(s *Status) { s.CatalogRefused = why })
		return nil
	}
	c.update(func(s *Status) { s.CatalogRefused, s.CatalogVersion = "", cat.Version })
	if err := c.opt.State.put(keyCatalog, cat); err != nil {
		return fmt.Errorf("sync: state: %w", err)
	}
	c.opt.Log.Info("catalog updated", "version", cat.Version)
	return nil
}

// fetchConfig brings the district's newer configuration.
func (c *Client) fetchConfig(ctx context.Context) error {
	have, _, err := c.opt.State.Config()
	if err != nil {
		return fmt.Errorf("sync: state: %w", err)
	}
	c.update(func(s *Status) { s.ConfigVersion = have.Version })
	var cfg protocol.TerminalConfig
	none, err := c.call(ctx, http.MethodGet, protocol.PathConfig+"?have="+strconv.FormatUint(have.Version, 10), nil, &cfg)
	if err != nil || none {
		return err
	}
	if cfg.Version <= have.Version {
		// As for catalogs: the link works; the terminal keeps its own.
		c.opt.Log.Error("configuration refused", "version", cfg.Version, "have", have.Version)
		return nil
	}
	if err := c.opt.State.put(keyConfig, cfg); err != nil {
		return fmt.Errorf("sync: state: %w", err)
	}
	c.update(func(s *Status) { s.ConfigVersion = cfg.Version })
	c.opt.Log.Info("configuration updated", "version", cfg.Version)
	return nil
}

// fetchRecordings brings the district's newer recordings of the spoken
// prompts, verified against the key from enrollment like the catalog,
// and hands them to Options.Recordings to check and keep.
func (c *Client) fetchRecordings(ctx context.Context) error {
	if c.opt.Recordings == nil {
		return nil
	}
	have, err := c.opt.State.RecordingsVersion()
	if err != nil {
		return fmt.Errorf("sync: state: %w", err)
	}
	var r protocol.Recordings
	none, err := c.call(ctx, http.MethodGet, protocol.PathVoice+"?have="+strconv.FormatUint(have, 10), nil, &r)
	if err != nil || none {
		return err
	}
	err = protocol.VerifyRecordings(c.opt.Identity.CatalogKey, r, have)
	if err == nil {
		err = c.opt.Recordings(r)
	}
	if err != nil {
		// As for catalogs: the link works; the terminal keeps its own.
		c.opt.Log.Error("recordings refused", "version", r.Version, "err", err)
		return nil
	}
	if err := c.opt.State.put(keyVoice, r.Version); err != nil {
		return fmt.Errorf("sync: state: %w", err)
	}
	c.opt.Log.Info("recordings updated", "version", r.Version, "prompts", len(r.Prompts))
	return nil
}

// heartbeat reports the terminal when a beat is due.
func (c *Client) heartbeat(ctx context.Context) error {
	if c.opt.Heartbeat == nil || time.Since(c.lastBeat) < c.opt.HeartbeatEvery-time.Second {
		return nil
	}
	hb := c.opt.Heartbeat()
	hb.Time = time.Now().UTC()
	if err := hb.Validate(); err != nil {
		// A beat the district would refuse is the terminal's own bug; it
		// must not make the link look down.
		c.opt.Log.Error("heartbeat not sent", "err", err)
		c.lastBeat = time.Now()
		return nil
	}
	if _, err := c.call(ctx, http.MethodPost, protocol.PathHeartbeat, hb, nil); err != nil {
		return err
	}
	c.lastBeat = time.Now()
	return nil
}
