package main

import (
	"context"
	"log/slog"
	"net"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices/printer"
	"github.com/yizhan-kiosk/yizhan/kiosk/config"
	"github.com/yizhan-kiosk/yizhan/kiosk/maintenance"
	"github.com/yizhan-kiosk/yizhan/kiosk/ui"
	"github.com/yizhan-kiosk/yizhan/sync/client"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
)

// maintenanceMode gives the terminal its technician's maintenance mode,
// or nil when it has no outbox to audit it to.
func maintenanceMode(ctx context.Context, cfg config.Config, queue *outbox.Store, link *client.Client, prn *receiptPrinter, log *slog.Logger) *ui.Maintenance {
	if queue == nil {
		return nil
	}
	s, err := maintenance.NewSession(ctx, maintenance.Options{DataDir: cfg.DataDir, TerminalID: cfg.TerminalID, Outbox: queue})
	if err != nil {
		log.Warn("no maintenance mode", "err", err)
		return nil
	}
	m := &ui.Maintenance{Session: s, Version: version, Queue: queue.Stats, Addresses: addresses}
	if link != nil {
		report := ui.SyncReport{}
		if id, err := client.LoadIdentity(client.IdentityDir(cfg.DataDir)); err == nil {
			report.Backend = id.Backend
			if certs := id.TLSConfig().Certificates; len(certs) > 0 && certs[0].Leaf != nil {
				report.CertExpires = certs[0].Leaf.NotAfter
			}
		}
		m.Sync = func() ui.SyncReport {
			r, st := report, link.Status()
			r.Online, r.Revoked, r.LastContact, r.LastAttempt, r.LastError = st.Online, st.Revoked, st.LastContact, st.LastAttempt, st.LastError
			return r
		}
		m.SyncNow = link.Kick
	}
	if prn != nil {
		m.TestPage = func() error {
			ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			return prn.printer.Print(ctx, printer.TestPage(cfg.TerminalID, prn.profile, time.Now()))
		}
	}
	return m
}

// addresses are this terminal's network addresses, loopback left out.
func addresses() []string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return []string{err.Error()}
	}
	var out []string
	for _, a := range addrs {
		if ip, ok := a.(*net.IPNet); ok && !ip.IP.IsLoopback() {
			out = append(out, ip.String())
		}
	}
	return out
}
