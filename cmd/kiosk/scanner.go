package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/devices/scanner"
	"github.com/yizhan-kiosk/yizhan/devices/scanner/scannersim"
	"github.com/yizhan-kiosk/yizhan/kiosk/config"
	"github.com/yizhan-kiosk/yizhan/kiosk/journey"
	"github.com/yizhan-kiosk/yizhan/sync/client"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
	"github.com/yizhan-kiosk/yizhan/sync/receiptcode"
)

// codeScanner is the terminal's 2D-code scanner, real or simulated.
type codeScanner struct {
	device scanner.Device
	// sim is the demo's simulated scanner; nil on a real one.
	sim *scannersim.PTY
}

// openScanner parses the configured scanner; in demo mode with none
// configured, it makes a simulated serial scanner on a pseudo-terminal
// and names it in cfg, so the status bar and the self-test see it as a
// configured one. Nil: the terminal has no scanner.
func openScanner(cfg *config.Config, demo bool) (*codeScanner, error) {
	cs := &codeScanner{}
	if demo && cfg.Scanner.Device == "" {
		sim, err := scannersim.Open()
		if err != nil {
			return nil, fmt.Errorf("simulated code scanner: %w", err)
		}
		cs.sim = sim
		cfg.Scanner.Device = "serial:" + sim.Path()
	}
	if cfg.Scanner.Device == "" {
		return nil, nil
	}
	dev, err := scanner.ParseDevice(cfg.Scanner.Device)
	if err != nil {
		cs.close()
		return nil, err // the configuration was checked: not reached
	}
	cs.device = dev
	return cs, nil
}

func (cs *codeScanner) close() {
	if cs.sim != nil {
		cs.sim.Close()
	}
}

// run reads the scanner until ctx ends, reporting it to reg and handing
// each code to onCode, each scan it could not read to onRefused.
func (cs *codeScanner) run(ctx context.Context, wg *sync.WaitGroup, reg *devices.Registry, onCode func(string), onRefused func(), log *slog.Logger) {
	m := &scanner.Monitor{Device: cs.device, Kind: devices.CodeScanner, Reg: reg, Log: log.With("part", "scanner"),
		Code: onCode, Refused: func(error) { onRefused() }}
	wg.Go(func() { m.Run(ctx) })
}

// receiptLookup is how a scanned receipt is looked up on this terminal:
// its own receipts in the outbox with its own key, any other through the
// district while the link is up.
func receiptLookup(cfg config.Config, queue *outbox.Store, statuses journey.Statuses, link *client.Client) journey.ReceiptLookup {
	l := journey.ReceiptLookup{Terminal: cfg.TerminalID, Records: queue, Statuses: statuses}
	if link == nil {
		return l
	}
	l.Key = link.Identity().ReceiptKey()
	l.District = func(ctx context.Context, c receiptcode.Code) (protocol.ReceiptStatus, error) {
		// A resident stands waiting: with the link down, say so at once.
		if !link.Status().Online {
			return protocol.ReceiptStatus{}, errors.New("the district is out of reach")
		}
		st, err := link.ReceiptStatus(ctx, c)
		if errors.Is(err, client.ErrNoReceipt) {
			err = journey.ErrReceiptUnknown
		}
		return st, err
	}
	return l
}

// scanNewest holds the newest receipt this terminal printed to the
// demo's simulated scanner, as a resident would their receipt's QR code.
func (cs *codeScanner) scanNewest(queue *outbox.Store, cfg config.Config, sign func(string) (receiptcode.Code, error)) error {
	if cs.sim == nil || sign == nil {
		return errors.New("no simulated scanner, or no key to sign with")
	}
	var number string
	var newest time.Time
	err := queue.All(func(r outbox.Record) bool {
		if r.Kind == outbox.Application && r.Public.Receipt != "" && !r.Created.Before(newest) {
			number, newest = r.Public.Receipt, r.Created
		}
		return true
	})
	if err != nil {
		return err
	}
	if number == "" {
		return errors.New("no receipt printed yet")
	}
	code, err := sign(number)
	if err != nil {
		return err
	}
	return cs.sim.Scan(code.QR(strings.ReplaceAll(cfg.ReceiptURL, "{receipt}", number)))
}
